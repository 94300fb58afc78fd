"""Matrix factorisation with implicit ALS (Hu, Koren & Volinsky 2008) from the `implicit` package.

    als = create_recommender("als", factors=128, regularization=0.1, alpha=5.0, iterations=30).fit(matrix)

Histories of users unseen at fit time get factors from one least-squares step against the
item factors, so anonymous sessions can be scored too.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Recommender
from assistant.recommend.registry import register_recommender


@register_recommender("als")
class ALS(Recommender):
    state_fields = ("item_factors",)

    def __init__(self, factors: int = 128, regularization: float = 0.1, alpha: float = 5.0,
                 iterations: int = 30, seed: int = 0, **params):
        super().__init__(factors=factors, regularization=regularization, alpha=alpha,
                         iterations=iterations, seed=seed, **params)

    def fit(self, matrix: sp.csr_matrix) -> "ALS":
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits
        p = self.params
        model = AlternatingLeastSquares(factors=p["factors"], regularization=p["regularization"],
                                        alpha=p["alpha"], iterations=p["iterations"],
                                        random_state=p["seed"], calculate_training_loss=False)
        with threadpool_limits(1, "blas"):   # implicit parallelises itself; BLAS threads slow it down
            model.fit(sp.csr_matrix(matrix, dtype=np.float32), show_progress=False)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float32)
        return self

    def user_factors(self, history: sp.csr_matrix, max_floats: int = 2 ** 24) -> np.ndarray:
        """Least-squares user vectors with confidence 1 + alpha for the history items, solved for many rows
        at once: A_r = Y'Y + alpha x Y_r'Y_r + reg x I, b_r = (1 + alpha) x sum of Y_r (each chunk of rows: its
        items' factors zero-padded to (rows, longest history, f), under `max_floats` floats; one batched
        matmul and one batched solve). Rows with no history get zero factors."""
        y = self.item_factors
        reg, alpha = self.params["regularization"], self.params["alpha"]
        f = y.shape[1]
        base = y.T @ y + reg * np.eye(f, dtype=np.float32)                       # (f, f)
        history = sp.csr_matrix(history)
        out = np.zeros((history.shape[0], f), np.float32)
        counts = np.diff(history.indptr)
        rows = max(1, max_floats // max(1, int(counts.max(initial=1)) * f))       # rows per chunk
        for start in range(0, history.shape[0], rows):
            chunk = history[start:start + rows]
            n, width = chunk.shape[0], int(np.diff(chunk.indptr).max(initial=0))
            if width == 0:
                continue
            padded = np.zeros((n, width, f), np.float32)                          # each row's items, 0-padded
            slot = np.arange(chunk.nnz) - np.repeat(chunk.indptr[:-1], np.diff(chunk.indptr))
            padded[np.repeat(np.arange(n), np.diff(chunk.indptr)), slot] = y[chunk.indices]
            a = base[None] + alpha * np.matmul(padded.transpose(0, 2, 1), padded)   # (n, f, f)
            b = (1 + alpha) * padded.sum(axis=1)
            out[start:start + n] = np.linalg.solve(a, b[..., None])[..., 0]
        return out

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return self.user_factors(sp.csr_matrix(history)) @ self.item_factors.T

    def item_similarity(self, item: int) -> np.ndarray:
        y = self.item_factors
        norms = np.linalg.norm(y, axis=1) + 1e-9
        return (y @ y[item]) / (norms * norms[item])
