"""Diversify: maximal marginal relevance over the best-scored candidates, by embedding similarity.

    rows = mmr(cand, scores, vectors, n=5, lam=0.85)     # catalog rows, best first, near-duplicates pushed down
    rows = type_slots(rows, cand, scores, [is_plate, is_cup], eligible)   # a list's every type shown once first

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


def type_slots(chosen: list[int], cand: np.ndarray, scores: np.ndarray, kinds: list[np.ndarray],
               eligible: np.ndarray) -> list[int]:
    """Each thing a list names gets a slot: "plates, cups and napkins" shows a plate, a cup and a napkin before a
    second of any. `kinds` holds one bool array over catalog rows per thing named; `eligible` (over catalog rows)
    marks candidates good enough to offer. A thing without a pick takes the place of the lowest-scored pick of a
    thing shown more than once (or of no thing named); the picks stay in score order.

        type_slots([7, 8, 9], cand, scores, [is_plate, is_cup], eligible)   # [7, 3, 8]: 3 is the best cup
    """
    score_of = dict(zip(cand.tolist(), scores.tolist()))
    picks = list(chosen)
    for kind in kinds:
        if any(kind[i] for i in picks):
            continue
        options = [i for i in cand.tolist() if kind[i] and eligible[i] and i not in picks]
        if not options:
            continue
        best = max(options, key=lambda i: score_of[i])
        kind_of = [next((j for j, k in enumerate(kinds) if k[i]), -1) for i in picks]
        spare = [p for p, j in enumerate(kind_of) if j < 0 or kind_of.count(j) > 1]
        if not spare:
            continue
        drop = min(spare, key=lambda p: score_of.get(picks[p], float("-inf")))
        picks[drop] = best
    return sorted(picks, key=lambda i: -score_of.get(i, float("-inf")))
