"""Top-k ranking metrics as pure functions over a hit matrix (after RecBole's evaluator/metrics.py).

    hits = hit_matrix(top, truth)            # top: (users, k) ranked item indexes; truth: one set per user
    recall_at(hits, n_relevant, 20)          # (users,) hits in the top 20 / relevant items
    ndcg_at(hits, n_relevant, 10)            # (users,) binary-relevance NDCG
    hit_rate_at(hits, 10)                    # (users,) 1.0 if any hit in the top 10
    coverage(top[:, :20], n_items)           # share of the catalog shown to anyone

`hits[u, r]` is True when user u's item at rank r (0-based) is relevant. Each function returns one
value per user, so callers average (or bootstrap) as they like. Users with no relevant item score 0.
Nothing here knows about models, splits or timing: evaluate.py composes these.
"""
from __future__ import annotations

import numpy as np


def hit_matrix(top: np.ndarray, truth: list[set]) -> np.ndarray:
    """(users, k) bool: is top[u, r] in truth[u]?"""
    return np.array([[int(i) in relevant for i in row] for row, relevant in zip(top, truth)], bool).reshape(top.shape)


def recall_at(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Hits in the top k / number of relevant items (0 for users with none)."""
    n = np.asarray(n_relevant, np.float64)
    return np.where(n > 0, hits[:, :k].sum(axis=1) / np.maximum(n, 1), 0.0)


def ndcg_at(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """DCG of the top k (gain 1 / log2(rank + 2)) over the DCG of an ideal ranking of min(n, k) hits."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))              # (k,)
    dcg = (hits[:, :k] * discounts[:hits[:, :k].shape[1]]).sum(axis=1)
    ideal_cum = np.concatenate([[0.0], np.cumsum(discounts)])    # ideal_cum[m] = DCG of m hits at the top
    n = np.minimum(np.asarray(n_relevant, np.int64), k)
    return np.where(n > 0, dcg / np.maximum(ideal_cum[n], 1e-12), 0.0)


def hit_rate_at(hits: np.ndarray, k: int) -> np.ndarray:
    """1.0 where the top k holds at least one relevant item."""
    return hits[:, :k].any(axis=1).astype(np.float64)


def coverage(top: np.ndarray, n_items: int) -> float:
    """Share of the n_items catalog that appears in anyone's list."""
    return float(len(np.unique(top)) / n_items) if n_items else 0.0
