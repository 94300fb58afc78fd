"""Diversify: maximal marginal relevance over the best-scored candidates, by embedding similarity.

    rows = mmr(cand, scores, vectors, n=5, lam=0.85)     # catalog rows, best first, near-duplicates pushed down

Each pick maximises lam x (score, rescaled to 0-1 over the pool) - (1 - lam) x (its highest cosine to an
item already picked). lam = 1 is plain top-n by score. Only the best `pool` candidates by score are
considered, so the cost does not grow with the catalog.
"""
from __future__ import annotations

import numpy as np

from assistant.recommend.base import top_n


def mmr(cand: np.ndarray, scores: np.ndarray, vectors: np.ndarray, n: int, lam: float,
        pool: int = 50) -> list[int]:
    """Catalog rows of `n` picks among candidates `cand` (scored `scores`), given row `vectors` (normalised)."""
    order, pool_scores = top_n(scores, pool)
    rows = cand[order]
    if len(rows) <= 1:
        return rows.tolist()
    norm = (pool_scores - pool_scores.min()) / max(np.ptp(pool_scores), 1e-9)
    vecs = vectors[rows]
    sim = vecs @ vecs.T
    chosen = [0]
    max_sim = sim[0].copy()
    while len(chosen) < min(n, len(rows)):
        score = lam * norm - (1 - lam) * max_sim
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        max_sim = np.maximum(max_sim, sim[best])
    return [int(rows[c]) for c in chosen]
