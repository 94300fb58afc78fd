"""One interface for every collaborative-filtering model, and the interaction matrix they share.

    data = Interactions.from_frame(df)                 # df: user_id, item_id[, timestamp, weight]
    model = create_recommender("ease").fit(data.matrix)     # recommend/registry.py
    items, scores = model.recommend(data.matrix[u], n=10)           # seen items removed
    model.similar_items(i, n=5); model.explain(data.matrix[u], item)

This module knows no model: they register in recommend/registry.py, which also loads saved ones.
Models score from a history row (a sparse user x item row), so known users, anonymous
sessions and brand-new users all go through the same call.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass
class Interactions:
    """A user x item CSR matrix with the id <-> index maps that go with it."""
    matrix: sp.csr_matrix
    user_ids: np.ndarray
    item_ids: np.ndarray

    @classmethod
    def from_frame(cls, df: pd.DataFrame, item_ids=None, weight: str | None = None) -> "Interactions":
        """Binary (or `weight`-column) matrix; `item_ids` fixes the item axis (e.g. the whole catalog)."""
        users = np.array(sorted(df["user_id"].unique()), dtype=object)
        items = np.array(sorted(df["item_id"].unique()) if item_ids is None else list(item_ids), dtype=object)
        u = pd.Index(users).get_indexer(df["user_id"])
        i = pd.Index(items).get_indexer(df["item_id"])
        keep = i >= 0
        values = np.ones(keep.sum(), np.float32) if weight is None else df[weight].to_numpy(np.float32)[keep]
        m = sp.csr_matrix((values, (u[keep], i[keep])), shape=(len(users), len(items)), dtype=np.float32)
        m.sum_duplicates()
        if weight is None:
            m.data[:] = 1.0
        return cls(m, users, items)

    def user_index(self, user_id) -> int | None:
        pos = np.searchsorted(self.user_ids, user_id)
        return int(pos) if pos < len(self.user_ids) and self.user_ids[pos] == user_id else None


class Recommender(ABC):
    """fit() on a user x item matrix; score() any history rows; the rest is shared."""
    name = "base"

    def __init__(self, **params):
        self.params = params

    @abstractmethod
    def fit(self, matrix: sp.csr_matrix) -> "Recommender":
        """Learn from a user x item implicit-feedback matrix."""

    @abstractmethod
    def score(self, history: sp.csr_matrix) -> np.ndarray:
        """Dense (n_rows x n_items) scores for history rows; higher is better."""

    @abstractmethod
    def item_similarity(self, item: int) -> np.ndarray:
        """How related every item is to `item` under this model (dense, n_items)."""

    def score_items(self, history: sp.csr_matrix, items: np.ndarray) -> np.ndarray:
        """Scores of just `items` for one history row (models override this with a cheaper path)."""
        return self.score(history)[0][items]

    def top_scores(self, history: sp.csr_matrix, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The k best allowed, unseen items for one history row: (items, scores)."""
        scores = self.score(history)[0].astype(np.float64)
        scores[history.indices] = -np.inf
        return top_n(np.where(allowed, scores, -np.inf), k)

    def recommend(self, history: sp.csr_matrix, n: int = 10, exclude_seen: bool = True,
                  allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-n (item indexes, scores) for one history row."""
        scores = self.score(sp.csr_matrix(history))[0].astype(np.float64)
        if exclude_seen:
            scores[history.indices] = -np.inf
        if allowed is not None:
            scores[~allowed] = -np.inf
        return top_n(scores, n)

    def similar_items(self, item: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        sims = self.item_similarity(item).astype(np.float64)
        sims[item] = -np.inf
        return top_n(sims, n)

    def explain(self, history: sp.csr_matrix, item: int, n: int = 3) -> list[tuple[int, float]]:
        """History items that contribute most to `item`'s score: [(history item, weight)]."""
        sims = self.item_similarity(item)
        owned = history.indices
        pairs = sorted(((int(j), float(sims[j])) for j in owned if j != item), key=lambda p: -p[1])
        return [p for p in pairs[:n] if p[1] > 0]

    state_fields: tuple[str, ...] = ()   # learned arrays (dense or CSR) that save()/load() keep

    def save(self, path: Path) -> None:
        """Write the learned state as a plain .npz (no pickle); registry.load_recommender reads it back."""
        with open(path, "wb") as f:
            np.savez(f, **self._arrays(""))

    def _arrays(self, prefix: str) -> dict:
        arrays = {f"{prefix}__meta__": np.array(json.dumps({"name": self.name, "params": self.params}))}
        for field in self.state_fields:
            value = getattr(self, field, None)
            key = f"{prefix}{field}"
            if value is None:                         # an optional part this model does not have
                continue
            if isinstance(value, Recommender):       # a component of a blended model
                arrays.update(value._arrays(f"{key}/"))
            elif sp.issparse(value):
                value = value.tocsr()
                for part in ("data", "indices", "indptr"):
                    arrays[f"{key}.{part}"] = getattr(value, part)
                arrays[f"{key}.shape"] = np.array(value.shape)
            else:
                arrays[key] = value
        return arrays

    def after_load(self) -> None:
        """Rebuild anything derived from the saved state (default: nothing)."""


def top_n(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indexes and values of the n largest finite scores, best first."""
    finite = np.isfinite(scores)
    n = min(n, int(finite.sum()))
    if n <= 0:
        return np.array([], np.int64), np.array([], np.float64)
    part = np.argpartition(-np.where(finite, scores, -np.inf), n - 1)[:n]
    order = part[np.argsort(-scores[part], kind="stable")]
    return order.astype(np.int64), scores[order]


def score_at_place(others: np.ndarray, place: int) -> float:
    """A score that puts one more item at list place `place` (1-based) among `others` (finite scores, best
    first): above the item now there and below the one before it; last when the list is shorter."""
    if not len(others):
        return 0.0
    if place <= 1:
        return float(others[0]) + 1.0
    if len(others) >= place:
        return (float(others[place - 2]) + float(others[place - 1])) / 2
    return float(others[-1]) - 1.0


def normalise_rows(x: np.ndarray) -> np.ndarray:
    """Scale each row to [0, 1] (min-max), so different models' scores can be blended."""
    lo = x.min(axis=1, keepdims=True)
    hi = x.max(axis=1, keepdims=True)
    return (x - lo) / np.maximum(hi - lo, 1e-12)
