"""Offline evaluation: temporal or leave-one-out splits, full ranking, Recall/NDCG/HR/coverage, popularity
bias, and cold start.

    df = load_interactions(Path("events.csv"))               # user_id, item_id, timestamp
    train, test = split(df, "temporal80")
    report = compare(train, test, ["popularity", "ease", "sequential", "hybrid"], how="temporal80",
                     tune_budget_s=240)                      # tuned on a validation split of train only
    cold = compare_cold(load_interactions(path, min_items=1), report, holdout_days=42)

Every model ranks all items for every test user, with the user's training items removed; the
metrics are recommend/metrics.py's pure functions over the resulting hit matrix (binary relevance).
Beside accuracy, each model's top-20 lists get the popularity-bias metrics: average popularity of the
recommended items (training buyers), Gini of exposure over the whole catalog, novelty (mean -log2 p(item)).
Cold start (cold_splits): everything before a global cutoff `holdout_days` before the last purchase trains;
"new items" asks, for customers with a training purchase, for their purchases of items nobody bought
before the cutoff; "new customers" asks for the purchases of customers with 0 or 1 distinct items before it.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assistant.data.contracts import Column, Table, find_table_file, read_table
from assistant.errors import UsageError
from assistant.recommend.base import Interactions
from assistant.recommend.metrics import (average_popularity, coverage, exposure, gini, hit_matrix, hit_rate_at_k,
                                         ndcg_at_k, novelty, recall_at_k, replaced)
from assistant.recommend.registry import create_recommender

INTERACTIONS = Table("interactions", (
    Column("user_id"), Column("item_id"), Column("timestamp", "datetime"),
    Column("event", required=False, default="purchase"),
))
DEFAULT_MODELS = ("popularity", "itemknn", "als", "ease", "hybrid")


def load_interactions(path: Path, min_items: int = 5) -> pd.DataFrame:
    """Read a (user_id, item_id, timestamp[, event]) file; purchases only, first purchase per pair,
    users with at least `min_items` distinct items."""
    path = Path(path)
    if path.is_dir():
        path = find_table_file(path, "events")
    df = read_table(path, INTERACTIONS)
    df = df[df["event"] == "purchase"]
    return prepare(df, min_items)


def prepare(df: pd.DataFrame, min_items: int = 5) -> pd.DataFrame:
    df = df.sort_values(["timestamp", "user_id", "item_id"], kind="stable")
    df = df.drop_duplicates(["user_id", "item_id"], keep="first")
    counts = df.groupby("user_id")["item_id"].transform("size")
    return df[counts >= min_items][["user_id", "item_id", "timestamp"]].reset_index(drop=True)


def split(df: pd.DataFrame, how: str = "temporal80") -> tuple[pd.DataFrame, pd.DataFrame]:
    """temporal80: each user's first 80% of purchases (by time) train, the rest test.
    loo: each user's last purchase is the test item."""
    df = df.sort_values(["user_id", "timestamp", "item_id"], kind="stable")
    rank = df.groupby("user_id").cumcount()
    size = df.groupby("user_id")["item_id"].transform("size")
    if how == "temporal80":
        is_test = rank >= np.ceil(size * 0.8).astype(int)
    elif how == "loo":
        is_test = rank == size - 1
    else:
        raise UsageError(f"unknown split {how!r}: use temporal80 or loo")
    return df[~is_test].reset_index(drop=True), df[is_test].reset_index(drop=True)


def history_matrix(train: pd.DataFrame, data: Interactions, half_life_days: float | None) -> sp.csr_matrix:
    """Training rows as model input: binary, or decayed by age relative to each user's last purchase."""
    if half_life_days is None:
        return data.matrix
    last = train.groupby("user_id")["timestamp"].transform("max")
    age = (last - train["timestamp"]).dt.total_seconds() / 86400.0
    weighted = train.assign(w=np.power(0.5, age / half_life_days))
    return Interactions.from_frame(weighted, item_ids=data.item_ids, weight="w").matrix


def ranked(scores: np.ndarray, seen: sp.csr_matrix, k: int = 20) -> np.ndarray:
    """(rows, k) best-first item indexes of dense `scores`, items in `seen` (same rows) excluded."""
    scores = np.array(scores, dtype=np.float32)
    scores[seen.nonzero()] = -np.inf
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, 1), 1, kind="stable"), 1)


def ranking_metrics(top: np.ndarray, truth: list[set], n_items: int) -> dict:
    """Recall@20, NDCG@10, NDCG@20, HR@10 (means over users) and coverage@20 of ranked lists `top`."""
    hits = hit_matrix(top, truth)
    n_relevant = np.array([len(t) for t in truth])
    return {"recall@20": float(recall_at_k(hits, n_relevant, 20).mean()),
            "ndcg@10": float(ndcg_at_k(hits, n_relevant, 10).mean()),
            "ndcg@20": float(ndcg_at_k(hits, n_relevant, 20).mean()),
            "hr@10": float(hit_rate_at_k(hits, 10).mean()),
            "coverage@20": coverage(top[:, :20], n_items)}


def bias_metrics(top: np.ndarray, popularity: np.ndarray, n_users: int) -> dict:
    """Popularity bias of ranked lists `top` (users, 20): mean popularity (training buyers) of the items,
    Gini of exposure over all items, novelty (bits)."""
    return {"avg_popularity@20": float(average_popularity(top, popularity).mean()) if len(top) else 0.0,
            "gini@20": gini(exposure(top, len(popularity))),
            "novelty@20": float(novelty(top, popularity, n_users).mean()) if len(top) else 0.0}


def held_out_rows(data: Interactions, test: pd.DataFrame) -> tuple[np.ndarray, list[set]]:
    """Matrix rows of the test users (-1: a user with no training row) and, per row, the set of held-out
    item indexes."""
    test_sets = test.groupby("user_id")["item_id"].agg(set)
    item_pos = {item: i for i, item in enumerate(data.item_ids)}
    rows = np.array([-1 if (r := data.user_index(u)) is None else r for u in test_sets.index], dtype=np.int64)
    return rows, [{item_pos[i] for i in items if i in item_pos} for items in test_sets.values]


def evaluate(model, data: Interactions, history: sp.csr_matrix, test: pd.DataFrame,
             batch: int = 256, tops: dict | None = None) -> dict:
    """Recall@20, NDCG@10/20, HR@10, coverage@20 of `model` over the test users, and scoring ms per user.
    `tops`, if given, receives the (users, 20) ranked lists under the model's name."""
    rows, truth = held_out_rows(data, test)
    if (rows < 0).any():
        raise ValueError(f"{int((rows < 0).sum())} test users have no training purchases: split() keeps one")
    tops_ = []
    start, cpu = time.perf_counter(), time.process_time()
    for b in range(0, len(rows), batch):
        chunk = rows[b:b + batch]
        tops_.append(ranked(model.score(history[chunk]), data.matrix[chunk]))
    score_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu   # CPU: what a busy machine hides
    top = np.concatenate(tops_) if tops_ else np.zeros((0, 20), np.int64)
    if tops is not None:
        tops[model.name] = top
    popularity = np.diff(data.matrix.tocsc().indptr)          # training buyers per item
    return {**ranking_metrics(top, truth, len(data.item_ids)),
            **bias_metrics(top, popularity, data.matrix.shape[0]), "score_s": round(score_s, 3),
            "score_ms_per_user": round(1000 * score_s / max(len(rows), 1), 4),
            "score_cpu_ms_per_user": round(1000 * cpu_s / max(len(rows), 1), 4), "users": len(rows)}


def fit_input(model, train: pd.DataFrame, data: Interactions) -> sp.csr_matrix:
    """What `model` is fitted on: binary purchases, or recency-valued ones for models that read order."""
    if getattr(model, "uses_order", False):
        return history_matrix(train, data, model.history_half_life_days)
    return data.matrix


def aligned_vectors(items, item_vectors: dict | None) -> np.ndarray | None:
    """(len(items), dim) product vectors in `items` order from {item_id: unit vector}; zeros where missing."""
    if not item_vectors:
        return None
    dim = len(next(iter(item_vectors.values())))
    return np.stack([np.asarray(item_vectors.get(i, np.zeros(dim)), np.float32) for i in items])


def new_model(name: str, config: dict, vectors: np.ndarray | None):
    """A model from the registry, given the product vectors when it can use them (the hybrid's cold start)."""
    model = create_recommender(name, **config)
    if vectors is not None and hasattr(model, "item_vectors"):
        model.item_vectors = vectors
    return model


def compare(train: pd.DataFrame, test: pd.DataFrame, models=DEFAULT_MODELS, params: dict | None = None,
            how: str = "temporal80", tune_budget_s: float = 0.0, item_vectors: dict | None = None,
            max_ndcg_loss: float = 0.03, cold_max_ndcg_loss: float = 0.01) -> list[dict]:
    """Tune (on a validation split of `train` only), fit on `train` and evaluate each model on `test`.

    `params` fixes a model's config (no tuning); `tune_budget_s` 0 uses the defaults untuned.
    `item_vectors` {item_id: unit vector} lets the hybrid score never-bought items by content;
    `max_ndcg_loss` / `cold_max_ndcg_loss` bound the validation NDCG the debiased model / the hybrid's
    new-item content score may cost (Settings debias_max_ndcg_loss, cold_max_ndcg_loss)."""
    from assistant.recommend.tuning import tune_models     # tuning.py builds on this module
    items = sorted(set(train["item_id"]) | set(test["item_id"]))
    vectors = aligned_vectors(items, item_vectors)
    tuned = tune_models([m for m in models if m not in (params or {})], train, how, tune_budget_s, items,
                        item_vectors=vectors, max_ndcg_loss=max_ndcg_loss, cold_max_ndcg_loss=cold_max_ndcg_loss)
    data = Interactions.from_frame(train, item_ids=items)
    results, tops = [], {}
    for name in models:
        t = tuned.get(name)
        config = (params or {}).get(name, t.config if t else {})
        model = new_model(name, config, vectors)
        start = time.perf_counter()
        model.fit(fit_input(model, train, data))
        fit_s = time.perf_counter() - start
        history = history_matrix(train, data, getattr(model, "history_half_life_days", None))
        results.append({"model": name, **evaluate(model, data, history, test, tops=tops), "fit_s": round(fit_s, 3),
                        "config": model.params, **(t.report() if t else {"tune_s": 0.0})})
    if "hybrid" in tops:
        for r in results:
            if r["model"] != "hybrid":
                r.update(list_cost(tops["hybrid"], tops[r["model"]]))
    return results


def list_cost(base_top: np.ndarray, new_top: np.ndarray) -> dict:
    """What a re-ranking costs each user against the base lists: items replaced in the top 10 and top 20
    (mean, and the share of users with any), the most any user lost."""
    r10, r20 = replaced(base_top, new_top, 10), replaced(base_top, new_top, 20)
    return {"replaced@10": float(r10.mean()) if len(r10) else 0.0,
            "replaced@20": float(r20.mean()) if len(r20) else 0.0,
            "users_changed@20": float((r20 > 0).mean()) if len(r20) else 0.0,
            "max_replaced@20": int(r20.max()) if len(r20) else 0}


def cold_splits(df: pd.DataFrame, holdout_days: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, new-items test, new-customers test) around a global cutoff `holdout_days` before the last
    purchase. `df`: first purchases per (user, item), no minimum per user (load_interactions(min_items=1))."""
    cutoff = df["timestamp"].max() - pd.Timedelta(days=holdout_days)
    train, after = df[df["timestamp"] < cutoff], df[df["timestamp"] >= cutoff]
    known_items, before = set(train["item_id"]), train.groupby("user_id")["item_id"].nunique()
    new_items = after[~after["item_id"].isin(known_items) & after["user_id"].isin(before.index)]
    new_customers = after[after["user_id"].map(before).fillna(0) <= 1]
    return train.reset_index(drop=True), new_items.reset_index(drop=True), new_customers.reset_index(drop=True)


def evaluate_cold(model, data: Interactions, history: sp.csr_matrix, test: pd.DataFrame) -> dict:
    """Recall@20, NDCG@10 and HR@10 on `test`; users with no training purchase score an empty history."""
    rows, truth = held_out_rows(data, test)
    n_items = len(data.item_ids)
    empty = sp.csr_matrix((1, n_items), dtype=np.float32)
    histories = sp.vstack([history[r] if r >= 0 else empty for r in rows]).tocsr() if len(rows) else empty[:0]
    seen = sp.vstack([data.matrix[r] if r >= 0 else empty for r in rows]).tocsr() if len(rows) else empty[:0]
    top = np.concatenate([ranked(model.score(histories[b:b + 256]), seen[b:b + 256])
                          for b in range(0, len(rows), 256)] or [np.zeros((0, 20), np.int64)])
    metrics = ranking_metrics(top, truth, n_items) if len(rows) else {}
    return {"recall@20": metrics.get("recall@20", 0.0), "ndcg@10": metrics.get("ndcg@10", 0.0),
            "hr@10": metrics.get("hr@10", 0.0), "users": len(rows)}


def compare_cold(df: pd.DataFrame, results: list[dict], holdout_days: float = 42.0,
                 item_vectors: dict | None = None) -> dict:
    """Each model of `results` (compare()'s output: name and config) refitted on the data before the cutoff
    and scored on the new-items and new-customers splits: {"new_items": [...], "new_customers": [...]}."""
    train, new_items, new_customers = cold_splits(df, holdout_days)
    items = sorted(set(df["item_id"]))
    vectors = aligned_vectors(items, item_vectors)
    data = Interactions.from_frame(train, item_ids=items)
    out: dict = {"cutoff_days": holdout_days, "train_interactions": len(train),
                 "new_items_count": int(new_items["item_id"].nunique()), "new_items": [], "new_customers": []}
    for r in results:
        model = new_model(r["model"], r["config"], vectors)
        model.fit(fit_input(model, train, data))
        history = history_matrix(train, data, getattr(model, "history_half_life_days", None))
        out["new_items"].append({"model": r["model"], **evaluate_cold(model, data, history, new_items)})
        out["new_customers"].append({"model": r["model"], **evaluate_cold(model, data, history, new_customers)})
    return out
