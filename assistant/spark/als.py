"""Implicit ALS trained with Spark MLlib, saved as the `als` recommender (recommend/als.py) so the app serves it
like the one `implicit` trains.

    model, n_users = fit_als_spark(spark, purchases, item_ids)   # purchases: Spark DataFrame user_id, item_id
    model.save(build / "cf.npz")                                  # item factors in catalog order

The (user, item) pairs are binary, as recommend/base.Interactions makes them. MLlib's confidence is
1 + alpha x r, the same as the fold-in of recommend/als.py; MLlib scales the regularisation by each user's
(item's) number of ratings, `implicit` does not, yet the same value ranks equally well on the demo
(tests/test_spark_build.py checks NDCG@10 within 5%).
Items nobody bought keep zero factors (they score 0 for everyone, as with `implicit`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from assistant.recommend.registry import create_recommender


def fit_als_spark(spark, purchases, item_ids, **params):
    """(fitted `als` recommender, number of users) from distinct (user_id, item_id) purchase pairs."""
    from pyspark.ml.feature import StringIndexer
    from pyspark.ml.recommendation import ALS as SparkALS
    from pyspark.sql import functions as F
    model = create_recommender("als", **params)
    p = model.params
    items = spark.createDataFrame(pd.DataFrame({"item_id": pd.Series(item_ids, dtype=str),
                                                "item": np.arange(len(item_ids), dtype=np.int32)}))
    from pyspark import StorageLevel
    pairs = (purchases.select("user_id", "item_id").distinct().join(F.broadcast(items), "item_id")
             .persist(StorageLevel.MEMORY_AND_DISK))      # read twice: the user index is fitted, then applied
    pairs = (StringIndexer(inputCol="user_id", outputCol="user_index").fit(pairs).transform(pairs)
             .select(F.col("user_index").cast("int").alias("user"), "item", F.lit(1.0).alias("rating")))
    blocks = max(2, spark.sparkContext.defaultParallelism)   # MLlib's default 10 is for clusters, not local[2]
    als = SparkALS(rank=p["factors"], maxIter=p["iterations"],
                   regParam=p["regularization"],
                   alpha=p["alpha"], implicitPrefs=True, seed=p["seed"], userCol="user", itemCol="item",
                   ratingCol="rating", checkpointInterval=10,
                   numUserBlocks=blocks, numItemBlocks=blocks)
    fitted = als.fit(pairs)
    factors = fitted.itemFactors.toPandas()
    out = np.zeros((len(item_ids), p["factors"]), np.float32)
    if len(factors):
        out[factors["id"].to_numpy()] = np.stack(factors["features"].to_numpy()).astype(np.float32)
    model.item_factors = out
    n_users = fitted.userFactors.count()
    pairs.unpersist()
    return model, int(n_users)
