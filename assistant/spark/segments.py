"""Profiles, RFM and propensity inputs computed with Spark: the group-bys run on the cluster, and the
per-customer finishing (days, ratios, quintiles, named segments, clusters, propensity models) is
segments/'s own code, so both engines publish the same profiles.

    lines = order_lines(shop)                                   # Spark DataFrame, amount = quantity x unit price
    agg, spend = profile_aggregates(lines, as_of)               # pandas, one row per customer / (customer, category)
    profiles = finish_profiles(agg, spend, shop.customers, as_of)      # segments/profiles.py
    profiles, report = segment_profiles(profiles, SparkPurchases(lines), as_of)

What reaches the driver is per customer (and per customer x category), never per line.
"""
from __future__ import annotations

import pandas as pd

from assistant.segments.profiles import finish_profiles, recent_windows, segment_profiles
from assistant.segments.propensity import RECENT


def ts(value: pd.Timestamp):
    """A Spark timestamp_ntz literal (the tables' time type) for a pandas Timestamp."""
    from pyspark.sql import functions as F
    return F.lit(pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S.%f")).cast("timestamp_ntz")


def order_lines(shop):
    """order_items joined with their order and product category (Spark), as segments/profiles.order_lines."""
    from pyspark.sql import functions as F
    orders = shop.frames["orders"].select("order_id", "user_id", "status", "order_date")
    lines = shop.frames["order_items"].join(orders, "order_id").join(F.broadcast(shop.products_frame()),
                                                                       "item_id", "left")
    return lines.withColumn("amount", F.col("quantity") * F.col("unit_price"))


def per_order(bought):
    """One row per (customer, order): order_date, amount, units. Cached: every question below starts here."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    return (bought.groupBy("user_id", "order_id")
            .agg(F.min("order_date").alias("order_date"), F.sum("amount").alias("amount"),
                 F.sum("quantity").alias("units"))
            .persist(StorageLevel.MEMORY_AND_DISK))


def profile_aggregates(lines, as_of: pd.Timestamp, orders=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Spark twin of segments/profiles.profile_aggregates: same columns, same meaning. `orders`: the
    per_order frame of the non-returned lines when the caller already has it (SparkPurchases.orders)."""
    from pyspark.sql import functions as F
    bought = lines.where(F.col("status") != "returned")
    orders = per_order(bought) if orders is None else orders
    start_recent, start_before = recent_windows(as_of)
    agg = orders.groupBy("user_id").agg(
        F.min("order_date").alias("first_order"), F.max("order_date").alias("last_order"),
        F.count("order_id").alias("frequency"), F.sum("amount").alias("monetary"), F.sum("units").alias("units"),
        F.sum(F.when(F.col("order_date") >= ts(start_recent), 1).otherwise(0)).alias("orders_last_90d"),
        F.sum(F.when((F.col("order_date") < ts(start_recent)) & (F.col("order_date") >= ts(start_before)), 1)
              .otherwise(0)).alias("orders_prev_90d"))
    items = bought.select("user_id", "item_id").distinct().groupBy("user_id").agg(F.count("item_id")
                                                                                  .alias("distinct_items"))
    returned = (lines.where(F.col("status") == "returned").groupBy("user_id")
                .agg(F.sum("quantity").alias("returned_units")))
    agg = agg.join(items, "user_id").join(returned, "user_id", "left").fillna(0, ["returned_units"])
    spend = (bought.where(F.col("category").isNotNull()).groupBy("user_id", "category")
             .agg(F.sum("amount").alias("amount")))
    agg = agg.toPandas().set_index("user_id").sort_index()
    agg = agg[["first_order", "last_order", "frequency", "monetary", "units", "distinct_items", "returned_units",
               "orders_last_90d", "orders_prev_90d"]]
    return agg, spend.toPandas()


class SparkPurchases:
    """segments/propensity.FramePurchases' two questions, answered in Spark over non-returned order lines."""

    def __init__(self, lines):
        from pyspark.sql import functions as F
        self.orders = per_order(lines.where(F.col("status") != "returned"))

    def aggregates(self, cutoff: pd.Timestamp) -> pd.DataFrame:
        from pyspark.sql import functions as F
        past = self.orders.where(F.col("order_date") < ts(cutoff))
        agg = past.groupBy("user_id").agg(
            F.min("order_date").alias("first"), F.max("order_date").alias("last"),
            F.count("order_id").alias("frequency"), F.sum("amount").alias("monetary"),
            F.sum(F.when(F.col("order_date") >= ts(cutoff - RECENT), 1).otherwise(0)).alias("recent_90"))
        return agg.toPandas().set_index("user_id").sort_index()

    def spend(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        from pyspark.sql import functions as F
        window = self.orders.where((F.col("order_date") >= ts(start)) & (F.col("order_date") < ts(end)))
        out = window.groupBy("user_id").agg(F.sum("amount").alias("amount")).toPandas()
        return out.set_index("user_id")["amount"].sort_index()


def build_segments_spark(shop, as_of: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """segments/profiles.build_segments for a SparkShop: (profiles, report)."""
    from pyspark import StorageLevel
    lines = order_lines(shop).persist(StorageLevel.MEMORY_AND_DISK)     # read by every group-by below
    purchases = SparkPurchases(lines)                                   # per order, computed once for both
    agg, spend = profile_aggregates(lines, as_of, purchases.orders)
    profiles = finish_profiles(agg, spend, shop.customers, as_of)
    out = segment_profiles(profiles, purchases, as_of)
    purchases.orders.unpersist()
    lines.unpersist()
    return out
