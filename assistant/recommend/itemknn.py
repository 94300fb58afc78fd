"""Item-item collaborative filtering: cosine similarity of item purchase vectors, top-k neighbours.

    knn = create_recommender("itemknn", k=300, shrink=0.0).fit(matrix)
    knn.similar_items(i)            # "bought together" neighbours
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Recommender, top_n
from assistant.recommend.registry import register_recommender


@register_recommender("itemknn")
class ItemKNN(Recommender):
    state_fields = ("similarity",)

    def __init__(self, k: int = 300, shrink: float = 0.0, **params):
        super().__init__(k=k, shrink=shrink, **params)

    def fit(self, matrix: sp.csr_matrix) -> "ItemKNN":
        x = sp.csr_matrix(matrix, dtype=np.float32)
        x.data[:] = 1.0
        co = (x.T @ x).tocsr().astype(np.float32)
        norms = np.sqrt(co.diagonal())
        co.setdiag(0)
        co.eliminate_zeros()
        coo = co.tocoo()
        # shrunk cosine: co / (|a||b| + shrink) damps pairs seen by few users
        coo.data = coo.data / (norms[coo.row] * norms[coo.col] + self.params["shrink"])
        self.similarity = _keep_top_k(coo.tocsr(), self.params["k"])
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray((sp.csr_matrix(history, dtype=np.float32) @ self.similarity).todense())

    def score_items(self, history: sp.csr_matrix, items: np.ndarray) -> np.ndarray:
        return np.asarray((sp.csr_matrix(history, dtype=np.float32) @ self._columns()[:, items]).todense()).ravel()

    def top_scores(self, history, k, allowed):
        """Sparse path: only items that share a buyer with the history can score above zero."""
        row = (sp.csr_matrix(history, dtype=np.float32) @ self.similarity).tocsr()
        items, scores = row.indices, row.data.astype(np.float64)
        keep = allowed[items] & ~np.isin(items, history.indices)
        items, scores = items[keep], scores[keep]
        order = top_n(scores, k)[0]
        return items[order].astype(np.int64), scores[order]

    def _columns(self) -> sp.csc_matrix:
        if getattr(self, "_by_column", None) is None or self._by_column.shape != self.similarity.shape:
            self._by_column = self.similarity.tocsc()   # column access for explain() and score_items(), built once
        return self._by_column

    def item_similarity(self, item: int) -> np.ndarray:
        column = self._columns()[:, [item]]
        out = np.zeros(self.similarity.shape[0], np.float32)
        out[column.indices] = column.data
        return out


def _keep_top_k(sim: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest entries of each row (an item's k nearest neighbours)."""
    rows, cols, vals = [], [], []
    for r in range(sim.shape[0]):
        start, end = sim.indptr[r], sim.indptr[r + 1]
        if end == start:
            continue
        data, idx = sim.data[start:end], sim.indices[start:end]
        if len(data) > k:
            keep = np.argpartition(-data, k - 1)[:k]
            data, idx = data[keep], idx[keep]
        rows.append(np.full(len(idx), r))
        cols.append(idx)
        vals.append(data)
    if not rows:
        return sp.csr_matrix(sim.shape, dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=sim.shape, dtype=np.float32)
