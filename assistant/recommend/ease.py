"""EASE (Steck 2019): a closed-form linear item-item model, strong on purchase data.

    ease = create_recommender("ease", l2=400.0).fit(matrix)     # B = I - P / diag(P), P = (X'X + l2 I)^-1

Dense n_items x n_items: use it for catalogs up to 15k items (0.9 GB); above that ItemKNN or ALS.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.errors import ConfigError
from assistant.recommend.base import Recommender
from assistant.recommend.registry import register_recommender


@register_recommender("ease")
class EASE(Recommender):
    state_fields = ("weights",)
    max_items = 15_000

    def __init__(self, l2: float = 400.0, **params):
        super().__init__(l2=l2, **params)

    def fit(self, matrix: sp.csr_matrix) -> "EASE":
        n_items = matrix.shape[1]
        if n_items > self.max_items:
            raise ConfigError(f"EASE needs a dense {n_items}x{n_items} matrix; use itemknn or als above "
                             f"{self.max_items} items")
        x = sp.csr_matrix(matrix, dtype=np.float64)
        gram = (x.T @ x).toarray()
        gram[np.diag_indices(n_items)] += self.params["l2"]
        p = np.linalg.inv(gram)
        b = -p / np.diag(p)[None, :]
        b[np.diag_indices(n_items)] = 0.0
        self.weights = b.astype(np.float32)
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray(sp.csr_matrix(history, dtype=np.float32) @ self.weights)

    def score_items(self, history: sp.csr_matrix, items: np.ndarray) -> np.ndarray:
        return np.asarray(sp.csr_matrix(history, dtype=np.float32) @ self.weights[:, items]).ravel()

    def item_similarity(self, item: int) -> np.ndarray:
        return self.weights[:, item]
