"""Score: one number per recalled candidate, with the query kept primary.

    scores, parts = score(ranker, pool, query_vector, history, request)
    parts["relevance"][row], parts["cf"][row], parts["affinity"][row]    # what evidence is written from

With a query: relevance^2 x (1 + popularity + CF + content-affinity boosts), relevance being the blend of
title-word coverage and embedding similarity (search/relevance.py), normalised to the best candidate.
Without one (or when the query matched nothing): the boosts alone, so CF leads. Weights: Settings `rank_*`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.search.recall import Pool, recent_items


def score(ranker, pool: Pool, qvec, history: sp.csr_matrix, request=None) -> tuple[np.ndarray, dict]:
    """(scores aligned with pool.ids, parts) for the recalled pool."""
    w, cand, index = ranker.weights, pool.ids, ranker.index
    parts = {"relevance": {}, "cf": {}, "affinity": {}, "weak_query": pool.weak_query, "no_match": pool.no_match,
             "request": request}
    boost = w.popularity * ranker.popularity[cand]
    if pool.cf_max is not None:
        cf = np.clip(index.cf.score_items(history, cand) / pool.cf_max, 0, 1)
        recent = recent_items(history)
        affinity = np.clip((index.vectors[cand] @ index.vectors[recent].T).max(axis=1), 0, 1)
        boost = boost + w.cf * cf + w.affinity * affinity
        parts["cf"] = dict(zip(cand.tolist(), cf.tolist()))
        parts["affinity"] = dict(zip(cand.tolist(), affinity.tolist()))
    dense = dict(pool.dense)
    if dense and not pool.weak_query:
        missing = [i for i in cand.tolist() if i not in dense]
        if missing:   # keyword-only and CF hits get their dense score too
            dense.update(zip(missing, np.maximum(index.vectors[missing] @ qvec, 0).tolist()))
        cosine = np.array([dense[i] for i in cand.tolist()])
        if pool.multilingual is not None:      # a Chinese request: whichever embedding reads it better
            cosine = np.maximum(cosine, pool.multilingual[cand])
        relevance = ranker.relevance.blend(request, pool.lexical[cand], cosine, cand)
        parts["relevance"] = dict(zip(cand.tolist(), relevance.tolist()))
        return (relevance / max(relevance.max(), 1e-9)) ** 2 * (1 + boost), parts
    return boost, parts
