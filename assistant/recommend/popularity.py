"""Popularity: the floor every other model must beat, and the cold-start fallback.

    pop = create_recommender("popularity", half_life_days=None).fit(matrix)

With `recency` weights (a vector per interaction row, set by `fit_weighted`) recent
purchases count more; by default every user-item pair counts once.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Recommender
from assistant.recommend.registry import register_recommender


@register_recommender("popularity")
class Popularity(Recommender):
    state_fields = ("counts",)

    def fit(self, matrix: sp.csr_matrix) -> "Popularity":
        self.counts = np.asarray((matrix > 0).sum(axis=0)).ravel().astype(np.float32)
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.tile(self.counts / max(self.counts.max(), 1.0), (history.shape[0], 1))

    def item_similarity(self, item: int) -> np.ndarray:
        return np.zeros_like(self.counts)
