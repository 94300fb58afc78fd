"""Recall: the candidate pool for one request, gathered from several sources before anything is scored.

    pool = recall(ranker, "red heart decoration", query_vector, history, allowed, "hybrid", request)
    pool.ids            # catalog rows to score (allowed, not already bought)
    pool.dense          # {row: query cosine} of the FAISS hits (+ the e5 hits of a Chinese request)
    pool.multilingual   # Chinese requests: (n_items,) e5 title similarity on the MiniLM scale, else None
    pool.lexical        # (n_items,) word coverage of each title (empty without a query)
    pool.weak_query     # nothing shares a word with the query and nothing is close in meaning
    pool.no_match       # nothing relevant enough: what is shown are alternatives

Sources: the most popular allowed products (always), FAISS neighbours of the query (and, for a Chinese
request, the multilingual index's: retrieval/multilingual.py), titles that cover the
request's words (a product code names its product outright), the CF model's top products for the customer's
history, and the content neighbours of their recent purchases (so a product nobody bought yet reaches buyers).
`ranker` is the Ranker whose catalog state (popularity order, indexes, relevance, CF model) is read; nothing
is written to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from assistant.retrieval.lexical import tokenize

WEAK_QUERY_SIMILARITY = 0.35   # MiniLM cosine; real shopping queries reach 0.4-0.7 on the demo catalog


@dataclass
class Pool:
    ids: np.ndarray
    dense: dict[int, float] = field(default_factory=dict)
    lexical: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weak_query: bool = False
    no_match: bool = False
    cf_max: float | None = None          # the best CF score of the history (None: CF not used)
    multilingual: np.ndarray | None = None   # (n_items,) Chinese requests: e5 title similarity on the MiniLM scale


def recall(ranker, query: str, qvec, history: sp.csr_matrix, allowed: np.ndarray, strategy: str,
           request=None) -> Pool:
    """The candidate pool (popular + dense + keyword + CF + content neighbours) for one request."""
    k = ranker.weights.candidates
    pools = [popular(ranker.pop_order, allowed, 50)]
    pool = Pool(np.zeros(0, np.int64))
    if query and strategy != "popularity":
        sims, ids = ranker.index.vector_index.search(qvec, k, allowed)
        keep = ids[0] >= 0
        pool.dense = dict(zip(ids[0][keep].tolist(), np.maximum(sims[0][keep], 0).tolist()))
        pool.lexical = ranker.relevance.lexical(request)
        for tok in tokenize(query):                     # a product code names its product outright
            if tok in ranker.ids_lower:
                pool.lexical[ranker.ids_lower[tok]] = 1.0
        lex_ids = _best(np.flatnonzero((pool.lexical > 0) & allowed), pool.lexical, k)
        # each thing named gets its own share of the pool: "felt decorations" must recall felt things even
        # when hundreds of decorations outscore them on words alone
        per_group = [_best(np.flatnonzero(ranker.relevance.covered(alts) & allowed), pool.lexical, k // 2)
                     for alts, _, hard in ranker.relevance.groups(request) if hard]
        lex_ids = np.unique(np.concatenate([lex_ids, *per_group])) if per_group else lex_ids
        best_dense = max(pool.dense.values(), default=0.0)
        if request is not None and request.language == "Chinese" and ranker.index.multilingual is not None \
                and (request.unknown_zh or not request.has_subject()):
            # MiniLM reads the English words the lexicon mapped; where Chinese is left unmapped, e5 reads the
            # Chinese itself (a fully mapped request keeps MiniLM's reading: it ranked them better on the dev set)
            said = request.said or query          # without its price phrases: "50镑以内" never reads as "50's"
            pool.multilingual = ranker.relevance.multilingual_dense(ranker.index.multilingual.standardised(said))
            zh_ids = ranker.index.multilingual.top(said, k // 4, allowed)
            pool.dense.update({int(i): max(pool.dense.get(int(i), 0.0), float(pool.multilingual[i])) for i in zh_ids})
            best_dense = max(best_dense, float(pool.multilingual[zh_ids].max()) if len(zh_ids) else 0.0)
        # Nothing shares a word with the query and nothing is close in meaning: say so, don't guess.
        pool.weak_query = not len(lex_ids) and best_dense < WEAK_QUERY_SIMILARITY
        pool.no_match = pool.weak_query or ranker.relevance.no_match(
            request, pool.lexical[allowed], best_dense, allowed)
        if not pool.weak_query:
            pools += [np.fromiter(pool.dense, np.int64, len(pool.dense)), lex_ids]
    if history.nnz and strategy in ("hybrid", "debiased"):
        cf_top, cf_vals = ranker.index.cf.top_scores(history, k, allowed)
        pools.append(cf_top)
        pool.cf_max = max(float(cf_vals[0]), 1e-9) if len(cf_vals) else 1.0
        pools.append(content_neighbours(ranker.index, history, allowed))   # cold-start items reach buyers here
    cand = np.unique(np.concatenate(pools))
    pool.ids = cand[allowed[cand] & ~np.isin(cand, history.indices)]
    return pool


def _best(rows: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """The n rows of highest `value` (stable: ties keep catalog order)."""
    return rows[np.argsort(-value[rows], kind="stable")[:n]]


def popular(pop_order: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    """The n most popular allowed products (looks at the head of the popularity order first)."""
    head = pop_order[: 50 * n]
    picked = head[allowed[head]][:n]
    return picked if len(picked) == n else pop_order[allowed[pop_order]][:n]


def content_neighbours(index, history: sp.csr_matrix, allowed: np.ndarray, n: int = 50) -> np.ndarray:
    """Products closest in meaning to the customer's recent purchases, whether or not anyone bought them."""
    profile = index.vectors[recent_items(history)].mean(axis=0)
    profile /= max(float(np.linalg.norm(profile)), 1e-9)
    _, ids = index.vector_index.search(profile, n, allowed)
    return ids[0][ids[0] >= 0]


def recent_items(history: sp.csr_matrix, n: int = 20) -> np.ndarray:
    """The n most recent (highest recency weight) items of a history row."""
    return history.indices[np.argsort(-history.data)[:n]]
