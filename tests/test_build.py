"""The build turns a shop into indexes atomically, records a manifest and refuses mismatching indexes."""
from __future__ import annotations

import json
import shutil

import pytest

from assistant.artifacts import ShopIndex
from assistant.build import build_indexes
from assistant.config import Settings
from assistant.errors import DataError, IndexMismatch


def test_manifest_records_counts_models_and_hashes(small_index):
    m = small_index.manifest
    assert m["counts"]["products"] == len(small_index.products) > 500
    assert m["counts"]["kb_chunks"] >= 20
    assert m["models"]["embedder"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert m["models"]["vector_index"]["backend"] == "flat"
    assert set(m["files"]) >= {"products.faiss", "cf.npz", "profiles.parquet", "kb_vectors.npy",
                               "tables/orders.parquet"}
    assert len(m["data_hash"]) == 64 and m["as_of"] == "2010-12-04"
    cf = m["models"]["cf_tuning"]                     # tests build with SHOP_TUNE_BUDGET_S=0: defaults, untuned
    assert cf["model"] == "hybrid" and cf["tune_budget_s"] == 0 and cf["tuned"] == {} and cf["config"]["l2"] == 400.0


def copy_settings(small_settings, small_shop, tmp_path) -> Settings:
    shop = tmp_path / "shop"
    shutil.copytree(small_shop, shop)
    return Settings.load(data_dir=shop, index_dir=tmp_path / "indexes")


def test_rebuild_is_reproducible_and_failed_build_keeps_previous(small_settings, small_shop, tmp_path):
    settings = copy_settings(small_settings, small_shop, tmp_path)
    first = build_indexes(settings, progress=False)
    second = build_indexes(settings, progress=False)
    assert first["data_hash"] == second["data_hash"]
    assert first["content_hash"] == second["content_hash"]          # byte-identical artifacts
    published = (settings.index_dir / "current").resolve()

    products = settings.data_dir / "products.csv"
    products.write_text(products.read_text().replace("\n85123A,", "\n85123A,,", 1))  # shifts a column
    with pytest.raises(DataError):
        build_indexes(settings, progress=False)
    assert (settings.index_dir / "current").resolve() == published   # previous build still served
    assert not [p for p in (settings.index_dir / "builds").iterdir() if p.name.startswith(".")]
    idx = ShopIndex.open(settings, check_data=False)
    assert idx.manifest["content_hash"] == second["content_hash"]


def test_refuses_tampered_or_stale_indexes(small_settings, small_shop, tmp_path):
    settings = copy_settings(small_settings, small_shop, tmp_path)
    build_indexes(settings, progress=False)
    ShopIndex.open(settings)                       # matches
    with (settings.data_dir / "kb" / "returns.md").open("a") as f:
        f.write("\nNew rule.\n")
    with pytest.raises(IndexMismatch, match="changed since the indexes were built"):
        ShopIndex.open(settings)
    ShopIndex.open(settings, check_data=False)
    target = settings.index_dir / "current" / "products_bm25.npz"
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(IndexMismatch, match="products_bm25.npz does not match manifest.json"):
        ShopIndex.open(settings, check_data=False)


def test_missing_indexes_say_how_to_build(tmp_path):
    with pytest.raises(IndexMismatch, match="run `python -m assistant build`"):
        ShopIndex.open(Settings.load(index_dir=tmp_path / "none"))


def test_kb_chunks_are_citable(small_index):
    hits = small_index.kb.search("how many days do I have to return an item?", k=3)
    assert hits[0]["citation"] == "returns.md#return-window"
    assert "30 days" in hits[0]["text"]


def test_profiles_have_rfm_segments(small_index):
    p = small_index.profiles
    assert {"recency_days", "frequency", "monetary", "tenure_days", "avg_basket", "return_rate",
            "top_category", "trend", "segment", "country"} <= set(p.columns)
    assert p["user_id"].is_unique and (p["monetary"] > 0).all()
    assert set(p["segment"]) <= {"champions", "loyal", "potential loyalists", "new", "promising",
                                 "need attention", "about to sleep", "cannot lose", "at risk", "hibernating"}
    assert json.loads(json.dumps(small_index.manifest["counts"]))["profiles"] == len(p)
