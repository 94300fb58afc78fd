"""Ranking metrics as pure functions over a hit matrix (RecBole's shape), pinned by hand-computed tests.

    hits = hit_matrix(top, truth)        # top: (users, k) ranked item indexes; truth: one set per user
    hits = np.array([[1, 0, 1, 0], [0, 0, 0, 1]], bool)   # hits[u, r]: user u's item at rank r is relevant
    n_relevant = np.array([2, 3])                         # held-out items per user
    recall_at_k(hits, n_relevant, 3)    # [1.0, 0.0]
    ndcg_at_k(hits, n_relevant, 3)      # [0.9197, 0.0]   binary relevance, log2 discounts
    hit_rate_at_k(hits, 3)              # [1.0, 0.0]
    coverage([[0, 1, 2], [2, 3, 4]], n_items=10)   # 0.5: share of the catalog shown to anyone

Popularity bias of the lists (`popularity` = training buyers per item, `top` = ranked lists):
    average_popularity([[0, 1], [0, 2]], np.array([3, 1, 0]))     # [2.0, 1.5]  ARP (Abdollahpouri et al. 2019)
    exposure([[0, 1], [0, 2]], n_items=4)                          # [2, 1, 1, 0] times each item is shown
    gini([2, 1, 1, 0])                                             # 0.375  0 = even exposure, 1 = one item
    novelty([[0, 1], [0, 2]], np.array([3, 1, 0]), n_users=3)      # [0.5, 1.0] mean -log2 p(item)
    replaced([[0, 1, 2], [3, 4, 5]], [[0, 2, 7], [3, 4, 5]], 3)    # [1, 0] items of a re-ranked list not in the base one

Per-user values; the caller averages. A user with no relevant items counts as one (no division by zero).
"""
from __future__ import annotations

import numpy as np


def hit_matrix(top: np.ndarray, truth: list[set]) -> np.ndarray:
    """(users, k) bool: is top[u, r] among user u's relevant items truth[u]?"""
    top = np.asarray(top)
    return np.array([[int(i) in relevant for i in row] for row, relevant in zip(top, truth)], bool).reshape(top.shape)


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Relevant items in the top k / relevant items, per user."""
    return hits[:, :k].sum(axis=1) / np.maximum(n_relevant, 1)


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """DCG of the top k (gain 1 per hit, discount 1/log2(rank + 2)) over the best possible DCG."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits[:, :k] * discounts[:hits[:, :k].shape[1]]).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(np.maximum(n_relevant, 1), k) - 1]
    return dcg / ideal


def hit_rate_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    """1.0 where any of the top k is relevant, per user."""
    return hits[:, :k].any(axis=1).astype(np.float64)


def coverage(top_items, n_items: int) -> float:
    """Distinct items in any user's top list / catalog size."""
    return len(np.unique(np.asarray(top_items).ravel())) / n_items


def average_popularity(top, popularity: np.ndarray) -> np.ndarray:
    """Mean popularity (training buyers) of each user's recommended items: ARP, per user."""
    return np.asarray(popularity, np.float64)[np.asarray(top)].mean(axis=1)


def exposure(top, n_items: int) -> np.ndarray:
    """(n_items,) how many lists each item appears in."""
    return np.bincount(np.asarray(top).ravel(), minlength=n_items)


def gini(values) -> float:
    """Gini coefficient of non-negative values (e.g. exposure over the whole catalog, zeros included):
    sum_i (2i - n - 1) x_(i) / (n sum x) with x sorted ascending, i from 1; 0.0 for all zeros."""
    x = np.sort(np.asarray(values, np.float64))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float(((2 * np.arange(1, n + 1) - n - 1) * x).sum() / (n * total))


def novelty(top, popularity: np.ndarray, n_users: int) -> np.ndarray:
    """Mean self-information -log2 p(item) of each user's list, p(item) = (buyers + 1) / (n_users + 1)
    (add-one: an item nobody bought yet is the most novel, not infinitely so)."""
    p = (np.asarray(popularity, np.float64) + 1) / (n_users + 1)
    return (-np.log2(p))[np.asarray(top)].mean(axis=1)


def replaced(base_top, new_top, k: int) -> np.ndarray:
    """(users,) how many of each user's new top k are not in their base top k: the per-user cost of a
    re-ranking, beside what it does to the averages."""
    base_top, new_top = np.asarray(base_top)[:, :k], np.asarray(new_top)[:, :k]
    return np.array([len(set(n.tolist()) - set(b.tolist())) for b, n in zip(base_top, new_top)], np.int64)
