"""`build --engine spark`: the demo shop built both ways publishes the same profiles and segments, MLlib ALS ranks
as well as `implicit` ALS, the app serves the Spark build, and bad Parquet gets a clear error.

One local[2] SparkSession for the whole test session; the demo shop's pandas build is conftest's demo_settings.
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from assistant.config import Settings
from assistant.data.contracts import DataError

pytestmark = [pytest.mark.spark, pytest.mark.slow]
SMALL_ALS = {"factors": 32, "iterations": 10}     # both trainers, to keep CI's Spark time modest


@pytest.fixture(scope="session")
def spark():
    from assistant.spark.session import SparkUnavailable, spark_session
    try:
        return spark_session("local[2]", "2g", 4)
    except SparkUnavailable as e:      # `make test` installs Java; a bare machine says what is missing
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def spark_demo(demo_settings, spark, tmp_path_factory):
    """The demo shop built with Spark into its own index folder (product vectors reused: same embedder)."""
    from assistant.build import build_indexes
    settings = Settings.load(**{**demo_settings.__dict__, "index_dir": tmp_path_factory.mktemp("spark") / "indexes",
                                "cf_params": json.dumps(SMALL_ALS)})
    vectors = np.load(demo_settings.index_dir / "current" / "product_vectors.npy")
    manifest = build_indexes(settings, progress=False, product_vectors=vectors, engine="spark")
    return settings, manifest


def test_profiles_segments_and_tables_match_the_pandas_build_exactly(demo_settings, spark_demo):
    settings, manifest = spark_demo
    ours, theirs = settings.index_dir / "current", demo_settings.index_dir / "current"
    profiles = pd.read_parquet(ours / "profiles.parquet")
    pd.testing.assert_frame_equal(profiles, pd.read_parquet(theirs / "profiles.parquet"), check_exact=True)
    assert len(profiles) == 4334 and profiles["segment"].nunique() == 10      # every customer, every segment
    assert json.loads((ours / "segments.json").read_text()) == json.loads((theirs / "segments.json").read_text())
    for name in ("products", "customers", "events", "orders", "order_items"):
        pd.testing.assert_frame_equal(pd.read_parquet(ours / "tables" / f"{name}.parquet"),
                                      pd.read_parquet(theirs / "tables" / f"{name}.parquet"), check_exact=True)
    theirs_manifest = json.loads((theirs / "manifest.json").read_text())
    assert manifest["counts"] == theirs_manifest["counts"]
    assert manifest["data_hash"] == theirs_manifest["data_hash"] and manifest["as_of"] == "2011-12-10"
    assert manifest["engine"]["name"] == "spark" and manifest["models"]["cf"] == "als (Spark MLlib)"


def test_the_app_serves_the_spark_build(spark_demo):
    from assistant.artifacts import ShopIndex
    from assistant.search.ranker import Ranker
    settings, _ = spark_demo
    index = ShopIndex.open(settings)                   # checks every file against the manifest
    assert index.cf.name == "als" and index.cf.item_factors.shape == (3791, SMALL_ALS["factors"])
    ranked = Ranker(index).recommend(user_id="12347", n=5)
    assert len(ranked.items) == 5


def test_mllib_als_ranks_within_5_percent_of_implicit_als(demo_settings, spark):
    from assistant.recommend.base import Interactions
    from assistant.recommend.evaluate import evaluate, load_interactions, split
    from assistant.recommend.registry import create_recommender
    from assistant.spark.als import fit_als_spark
    train, test = split(load_interactions(demo_settings.data_dir), "temporal80")
    items = sorted(set(train["item_id"]) | set(test["item_id"]))
    data = Interactions.from_frame(train, item_ids=items)
    ndcg_implicit = evaluate(create_recommender("als", **SMALL_ALS).fit(data.matrix), data, data.matrix,
                             test)["ndcg@10"]
    model, users = fit_als_spark(spark, spark.createDataFrame(train[["user_id", "item_id"]].astype(str)),
                                 np.array(items), **SMALL_ALS)
    ndcg_spark = evaluate(model, data, data.matrix, test)["ndcg@10"]
    popularity = evaluate(create_recommender("popularity").fit(data.matrix), data, data.matrix, test)["ndcg@10"]
    assert users == data.matrix.shape[0]
    assert ndcg_spark > 2 * popularity                 # it learned something beyond popularity
    assert abs(ndcg_spark - ndcg_implicit) <= 0.05 * ndcg_implicit, (ndcg_spark, ndcg_implicit)


def test_bad_parquet_names_the_file_column_and_value(spark, small_shop, tmp_path):
    from assistant.data.shop import load_shop, save_shop
    from assistant.spark.tables import SparkShop
    shop = load_shop(small_shop)
    folder = tmp_path / "shop"
    save_shop(shop, folder, fmt="parquet")
    opened = SparkShop.open(spark, folder, tmp_path / "stage")
    assert opened.count("events") == len(shop.events) and opened.latest_time() == shop.latest_time()
    events = shop.events.copy()
    events.loc[events.index[3], "event"] = "click"
    events.to_parquet(folder / "events.parquet", index=False)
    with pytest.raises(DataError, match=r"events.parquet, column 'event': is not one of .*got 'click' \(1 row"):
        SparkShop.open(spark, folder, tmp_path / "stage")
    events = shop.events.copy()
    events.loc[events.index[:2], "item_id"] = "NOPE"
    events.to_parquet(folder / "events.parquet", index=False)
    with pytest.raises(DataError, match=r"unknown item_id 'NOPE': not in products \(2 row"):
        SparkShop.open(spark, folder, tmp_path / "stage")
    shutil.rmtree(folder)
    with pytest.raises(DataError, match="shop folder not found"):
        SparkShop.open(spark, folder, tmp_path / "stage")
