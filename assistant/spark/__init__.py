"""The Spark build path: the shop's big tables (events, orders, order_items) read, validated and aggregated
with Spark DataFrames; implicit ALS trained with Spark MLlib. `assistant/build.py --engine spark` uses it and
publishes the same artifacts as the pandas build.

    session.py   one SparkSession (local[2] here, `--master spark://...` or yarn on a cluster)
    tables.py    SparkShop: the small tables in pandas, the big ones as validated Spark DataFrames
    segments.py  the group-bys of profiles and propensity in Spark; finishing is segments/'s own code
    als.py       implicit ALS with MLlib -> the `als` recommender's item factors

Floor: above recommend/ and segments/, below build.py.
"""
