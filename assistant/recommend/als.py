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

    def user_factors(self, history: sp.csr_matrix) -> np.ndarray:
        """Least-squares user vectors with confidence 1 + alpha for the history items."""
        y = self.item_factors
        reg = self.params["regularization"]
        alpha = self.params["alpha"]
        yty = y.T @ y
        out = np.zeros((history.shape[0], y.shape[1]), np.float32)
        for r in range(history.shape[0]):
            idx = history.indices[history.indptr[r]:history.indptr[r + 1]]
            if len(idx) == 0:
                continue
            yi = y[idx]
            a = yty + alpha * yi.T @ yi + reg * np.eye(y.shape[1], dtype=np.float32)
            out[r] = np.linalg.solve(a, (1 + alpha) * yi.sum(axis=0))
        return out

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return self.user_factors(sp.csr_matrix(history)) @ self.item_factors.T

    def item_similarity(self, item: int) -> np.ndarray:
        y = self.item_factors
        norms = np.linalg.norm(y, axis=1) + 1e-9
        return (y @ y[item]) / (norms * norms[item])
