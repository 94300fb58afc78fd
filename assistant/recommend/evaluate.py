"""Offline evaluation: temporal or leave-one-out splits, full ranking, Recall/NDCG/HR/coverage.

    df = load_interactions(Path("events.csv"))               # user_id, item_id, timestamp
    train, test = split(df, "temporal80")
    report = compare(train, test, ["popularity", "itemknn", "als", "ease", "hybrid"])

Every model ranks all items for every test user, with the user's training items removed.
Recall@k = hits in the top k / number of held-out items; NDCG@k with binary relevance (recommend/metrics.py).
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
from assistant.recommend.metrics import coverage, hit_rate_at_k, ndcg_at_k, recall_at_k
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


def evaluate(model, data: Interactions, history: sp.csr_matrix, test: pd.DataFrame,
             batch: int = 256) -> dict:
    """Recall@20, NDCG@10, HR@10 and catalog coverage@20 of `model` over the test users."""
    test_sets = test.groupby("user_id")["item_id"].agg(set)
    item_pos = {item: i for i, item in enumerate(data.item_ids)}
    rows = np.array([data.user_index(u) for u in test_sets.index])
    truth = [{item_pos[i] for i in items if i in item_pos} for items in test_sets.values]
    recall, ndcg, hr, shown = [], [], [], []
    start = time.perf_counter()
    for b in range(0, len(rows), batch):
        chunk = rows[b:b + batch]
        scores = model.score(history[chunk]).astype(np.float32)
        seen = data.matrix[chunk]
        scores[seen.nonzero()] = -np.inf
        top = np.argpartition(-scores, 20, axis=1)[:, :20]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, 1), 1, kind="stable"), 1)
        shown.append(top)
        relevant = truth[b:b + batch]
        hits = np.array([[i in rel for i in ranked] for ranked, rel in zip(top, relevant)], bool)
        n_relevant = np.array([len(rel) for rel in relevant])
        recall.append(recall_at_k(hits, n_relevant, 20))
        ndcg.append(ndcg_at_k(hits, n_relevant, 10))
        hr.append(hit_rate_at_k(hits, 10))
    return {"recall@20": float(np.concatenate(recall).mean()), "ndcg@10": float(np.concatenate(ndcg).mean()),
            "hr@10": float(np.concatenate(hr).mean()),
            "coverage@20": coverage(np.concatenate(shown), len(data.item_ids)),
            "score_s": round(time.perf_counter() - start, 3), "users": len(rows)}


def compare(train: pd.DataFrame, test: pd.DataFrame, models=DEFAULT_MODELS, params: dict | None = None) -> list[dict]:
    """Fit and evaluate each model on the same split; one result dict per model."""
    items = sorted(set(train["item_id"]) | set(test["item_id"]))
    data = Interactions.from_frame(train, item_ids=items)
    results = []
    for name in models:
        model = create_recommender(name, **(params or {}).get(name, {}))
        start = time.perf_counter()
        model.fit(data.matrix)
        fit_s = time.perf_counter() - start
        history = history_matrix(train, data, getattr(model, "history_half_life_days", None))
        results.append({"model": name, **evaluate(model, data, history, test), "train_s": round(fit_s, 3)})
    return results
