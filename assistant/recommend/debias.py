"""Popularity-debiased ranking on top of the hybrid: every item shown to someone by a min-cost flow (method
"exposure", the default), the hybrid's scores divided by an item-popularity propensity ("ips"), or re-ranked by
smooth xQuAD ("xquad").

    model = create_recommender("debiased", reward=400, max_swaps=5).fit(matrix)     # the hybrid underneath
    scores = model.score(history)       # fitted customers: their list of LIST_SIZE with the flow's swaps
    model.swapped(history)              # [item indexes the flow swapped into each row's list]
    model.changes(history)              # [(swapped in, dropped)] per row
    ips(scores, counts, 0.1)                                             # scores / (buyers + 1) ** 0.1
    order = xquad(scores, head, tail_share, strength=0.3)                # (users, LIST_SIZE) column indexes

"exposure" (the default): aggregate diversity. Per-user re-scoring (ips, xquad below) cannot show the items
nobody has near the top of a list without costing every list; Antikacioglu & Ravi (2017, KDD) post-process
everyone's lists jointly instead: a min-cost flow gives each item an exposure where it costs least
(recommend/exposure.py). At fit, the hybrid scores every training customer, the flow picks their lists of
LIST_SIZE (at most `max_swaps` items from below their own top LIST_SIZE, an item's first exposure worth
`reward` rank steps) and the model keeps the swapped-in and dropped items per customer, keyed by a hash of the customer's
purchase set (the history's non-zero columns): score() of a history whose key it knows returns that
customer's list on top (the kept items in base order, then the swapped-in ones), any other history the
hybrid's scores unchanged. The build (build.py) does this for every customer with the tuned `reward` and the
live ranker's `debiased` strategy reads the swaps from there (search/ranker.py).

"ips": inverse-propensity scoring. A customer sees (and so can buy) an item with a probability that grows
with its popularity; Steck (2011, "Item popularity and recommendation accuracy", RecSys) models that
propensity as popularity^beta and weights by its inverse to remove the bias, as Schnabel et al. (2016,
"Recommendations as treatments", ICML) do for missing-not-at-random feedback. Here the hybrid's
(non-negative) score of item i is divided by (buyers_i + 1) ** strength: strength 0 is the hybrid,
larger values lift items few people bought. Every item moves, for every customer, so catalog coverage grows.

"xquad": Abdollahpouri, Burke & Mobasher (2019, "Managing Popularity Bias in Recommender Systems with
Personalized Re-ranking", FLAIRS-32). Items are split into a short head (the most bought items that together
take HEAD_SHARE of all purchases) and a long tail; from the base top CANDIDATES the list is built greedily,
each step adding
    argmax_i (1 - strength) * P(i|u) + strength * sum_c P(c|u) * [i in c] * (1 - share of the list so far in c)
with P(i|u) the base score min-max scaled over the candidates and P(c|u) the share of the customer's own
purchases in group c. On the demo it moves coverage@20 little (0.40 -> 0.44 on validation at strength 0.7,
NDCG@10 -2.5%; ips: 0.40 -> 0.60 at -2.5%): the never-shown items are rarely in anyone's top 100.

recommend/tuning.py picks `reward` (exposure) or `strength` (ips, xquad) on validation: the largest coverage@20
whose NDCG@10 and NDCG@20 both stay within `debias_max_ndcg_loss` of the hybrid's.
Leaves out: more than two popularity groups, calibration to a target tail share (Steck 2018).
"""
from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Recommender
from assistant.recommend.exposure import exposure_flow, rank_matrix
from assistant.recommend.registry import create_recommender, register_recommender

HEAD_SHARE = 0.2        # the short head: most-bought items that together take this share of purchases
CANDIDATES = 100        # base top-N the re-ranker chooses from
LIST_SIZE = 20          # positions re-ranked (the rest keep the base order)
MAX_SWAPS = 5           # exposure: most items of a customer's list of LIST_SIZE the flow may replace
MAX_FLOW_CELLS = 50_000_000     # exposure: customers x items scored at fit; above it the flow is skipped


def ips(scores: np.ndarray, counts: np.ndarray, strength: float) -> np.ndarray:
    """Non-negative `scores` (rows x items; -inf stays -inf) divided by the propensity (counts + 1) ** strength.
    Items nobody bought have no propensity to estimate (and the hybrid scores them relative to the row's best
    item, recommend/blend.py): they are scaled as that best item is, so they keep their place relative to it."""
    scores = np.asarray(scores, np.float64)
    counts = np.asarray(counts, np.float64)
    out = scores / (counts + 1.0) ** strength
    cold = counts == 0
    if cold.any() and (~cold).any():
        warm_before = np.where(np.isfinite(scores[:, ~cold]), scores[:, ~cold], -np.inf).max(axis=1)
        warm_after = np.where(np.isfinite(out[:, ~cold]), out[:, ~cold], -np.inf).max(axis=1)
        ok = np.isfinite(warm_before) & (warm_before > 0)
        ratio = np.where(ok, warm_after / np.where(ok, warm_before, 1.0), 1.0)
        out[:, cold] = scores[:, cold] * ratio[:, None]
    return out


def short_head(counts: np.ndarray, share: float = HEAD_SHARE) -> np.ndarray:
    """(n_items,) bool: the most bought items that together take `share` of all purchases (ties by index)."""
    counts = np.asarray(counts, np.float64)
    order = np.argsort(-counts, kind="stable")
    cumulative = np.cumsum(counts[order])
    n_head = int(np.searchsorted(cumulative, share * cumulative[-1], side="left")) + 1 if cumulative[-1] else 0
    head = np.zeros(len(counts), bool)
    head[order[:n_head]] = True
    return head


def tail_share(history: sp.csr_matrix, head: np.ndarray, default: float) -> np.ndarray:
    """(rows,) P(tail | customer): share of each history row's items in the long tail (`default` if empty)."""
    binary = sp.csr_matrix(history, copy=True)
    binary.data[:] = 1.0
    n = np.asarray(binary.sum(axis=1)).ravel()
    tail = np.asarray(binary @ (~head).astype(np.float64)).ravel()
    return np.where(n > 0, tail / np.maximum(n, 1), default)


def xquad(scores: np.ndarray, head: np.ndarray, p_tail: np.ndarray, strength: float,
          size: int = LIST_SIZE, candidates: int = CANDIDATES) -> np.ndarray:
    """(rows, size) re-ranked column indexes of `scores` (-inf = never shown) by smooth xQuAD."""
    scores = np.asarray(scores, np.float64)
    n_cand = min(candidates, scores.shape[1])
    size = min(size, n_cand)
    cand = np.argpartition(-scores, n_cand - 1, axis=1)[:, :n_cand]
    base = np.take_along_axis(scores, cand, 1)
    finite = np.isfinite(base)
    lo = np.where(finite, base, np.inf).min(axis=1, keepdims=True)
    hi = np.where(finite, base, -np.inf).max(axis=1, keepdims=True)
    relevance = np.where(finite, (base - lo) / np.maximum(hi - lo, 1e-12), -np.inf)
    is_tail = ~head[cand]
    p_group = np.where(is_tail, p_tail[:, None], 1.0 - p_tail[:, None])
    rows = np.arange(len(scores))
    taken = np.zeros(cand.shape, bool)
    n_tail = np.zeros(len(scores))
    order = np.empty((len(scores), size), np.int64)
    for step in range(size):
        in_tail = n_tail / step if step else np.zeros(len(scores))
        cover = np.where(is_tail, 1.0 - in_tail[:, None], in_tail[:, None] if step else 1.0)
        objective = (1.0 - strength) * relevance + strength * p_group * cover
        objective[taken | ~finite] = -np.inf
        pick = np.argmax(objective, axis=1)
        order[:, step] = cand[rows, pick]
        taken[rows, pick] = True
        n_tail += is_tail[rows, pick]
    return order


def apply_order(scores: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Scores whose best-first order starts with `order` (rows x size); the other items keep theirs below.
    Positions whose base score was -inf (seen or not allowed) stay -inf."""
    out = np.array(scores, dtype=np.float64)
    top = np.where(np.isfinite(out), out, -np.inf).max(axis=1, keepdims=True)
    rank_values = top + 1.0 + np.arange(order.shape[1], 0, -1)[None, :]
    keep = np.isfinite(np.take_along_axis(out, order, 1))
    np.put_along_axis(out, order, np.where(keep, rank_values, -np.inf), 1)
    return out


def history_keys(history: sp.csr_matrix) -> np.ndarray:
    """(rows,) int64 key of each row's set of non-zero columns (its purchases), stable across processes."""
    history = sp.csr_matrix(history)
    keys = np.empty(history.shape[0], np.int64)
    for r in range(history.shape[0]):
        cols = np.sort(history.indices[history.indptr[r]:history.indptr[r + 1]]).astype(np.int64)
        keys[r] = np.frombuffer(hashlib.blake2b(cols.tobytes(), digest_size=8).digest(), np.int64)[0]
    return keys


def flow_swaps(scores: np.ndarray, reward: float, max_swaps: int, size: int | None = None) -> sp.csr_matrix:
    """(rows, items) int8 CSR of what the exposure flow changes in each row's list of `size` (LIST_SIZE):
    +1 an item swapped in (from below the row's top `size`), -1 an item of the top `size` it dropped
    (scores: -inf = not allowed). The dropped ones are usually the bottom of the list, not always: an item
    whose only exposure is there stays, and the next one up goes."""
    size = LIST_SIZE if size is None else size
    scores = np.asarray(scores, np.float64)
    ranks = rank_matrix(scores)
    flow = exposure_flow(ranks, size, reward, max_swaps, np.isfinite(scores))
    chosen = np.zeros(scores.shape, bool)
    chosen[flow.rows, flow.items] = True
    head = (ranks < size) & np.isfinite(scores)
    change = chosen.astype(np.int8) - head.astype(np.int8)       # +1 in, -1 out, 0 kept or never listed
    return sp.csr_matrix(change)


def row_changes(changes: sp.csr_matrix, r: int) -> tuple[np.ndarray, np.ndarray]:
    """(items swapped in, items dropped) of row r of a flow_swaps matrix."""
    cols = changes.indices[changes.indptr[r]:changes.indptr[r + 1]].astype(np.int64)
    values = changes.data[changes.indptr[r]:changes.indptr[r + 1]]
    return cols[values > 0], cols[values < 0]


def apply_swaps(scores: np.ndarray, changes: list[tuple[np.ndarray, np.ndarray]], size: int | None = None) -> np.ndarray:
    """Scores whose best-first order starts with each row's list of `size` (LIST_SIZE): its best size - k
    allowed items that the flow neither swapped in nor dropped, in base order, then its k swapped-in items
    (base order); everything else keeps the base order below. -inf stays -inf."""
    size = LIST_SIZE if size is None else size
    out = np.array(scores, dtype=np.float64)
    for r, (ins, outs) in enumerate(changes):
        ins = ins[np.isfinite(out[r, ins])] if len(ins) else ins
        if not len(ins) and not len(outs):
            continue
        row = out[r]
        others = row.copy()
        others[np.concatenate([ins, outs]).astype(np.int64)] = -np.inf
        keep = np.argsort(-others, kind="stable")[:max(size - len(ins), 0)]
        keep = keep[np.isfinite(others[keep])]
        listed = np.concatenate([keep, ins[np.argsort(-row[ins], kind="stable")]]).astype(np.int64)
        top = np.max(row[np.isfinite(row)])
        row[listed] = top + 1.0 + np.arange(len(listed), 0, -1)
    return out


@register_recommender("debiased")
class Debiased(Recommender):
    """The hybrid (recommend/blend.py) debiased by `method` ("exposure", "ips" or "xquad", see the docstring)."""
    state_fields = ("base", "head", "swaps", "keys")
    METHODS = ("exposure", "ips", "xquad")
    OWN = ("strength", "method", "head_share", "reward", "max_swaps")

    def __init__(self, strength: float = 0.1, method: str = "exposure", head_share: float = HEAD_SHARE,
                 reward: float = 400.0, max_swaps: int = MAX_SWAPS, **hybrid):
        if method not in self.METHODS:
            raise ValueError(f"debiasing method must be one of {self.METHODS}, got {method!r}")
        super().__init__(strength=strength, method=method, head_share=head_share, reward=reward,
                         max_swaps=max_swaps, **hybrid)
        self.item_vectors: np.ndarray | None = None
        self.swaps: sp.csr_matrix | None = None      # exposure: (fitted customers, items) +1 in, -1 dropped
        self.keys: np.ndarray | None = None          # ... and each fitted customer's history key, sorted

    @property
    def hybrid_params(self) -> dict:
        return {k: v for k, v in self.params.items() if k not in self.OWN}

    @property
    def history_half_life_days(self) -> float:
        return self.base.history_half_life_days if hasattr(self, "base") else self.params.get("half_life_days", 30.0)

    @property
    def uses_order(self) -> bool:
        return self.params.get("seq_weight", 0) > 0

    def fit(self, matrix: sp.csr_matrix) -> "Debiased":
        self.base = create_recommender("hybrid", **self.hybrid_params)
        self.base.item_vectors = self.item_vectors
        self.base.fit(matrix)
        self.head = short_head(self.base.counts, self.params["head_share"])
        if self.params["method"] == "exposure":
            self.fit_exposure(matrix)
        return self

    @classmethod
    def around(cls, base, **params) -> "Debiased":
        """A debiased model on an already fitted hybrid `base` (the build's), exposure not yet fitted."""
        model = cls(**{**base.params, **params})
        model.base, model.head = base, short_head(base.counts, model.params["head_share"])
        return model

    def fit_exposure(self, history: sp.csr_matrix, batch: int = 1024) -> "Debiased":
        """Solve the exposure flow over every row of `history` (the customers) and keep their swaps."""
        history = sp.csr_matrix(history)
        if history.shape[0] * history.shape[1] > MAX_FLOW_CELLS:
            logging.getLogger(__name__).warning("exposure flow skipped: %d customers x %d items is over %d",
                                                *history.shape, MAX_FLOW_CELLS)
            self.swaps, self.keys = None, None
            return self
        scores = np.concatenate([np.array(self.base.score(history[b:b + batch]), np.float64)
                                 for b in range(0, history.shape[0], batch)])
        scores[history.nonzero()] = -np.inf
        swaps = flow_swaps(scores, self.params["reward"], int(self.params["max_swaps"]))
        keys = history_keys(history)
        order = np.argsort(keys, kind="stable")
        self.keys, self.swaps = keys[order], swaps[order].tocsr()
        return self

    def save_exposure(self, path) -> None:
        """Only what the flow adds to the (separately saved) hybrid: params, swaps, keys (plain .npz)."""
        swaps = self.swaps if self.swaps is not None else sp.csr_matrix((0, 0), dtype=np.int8)
        keys = self.keys if self.keys is not None else np.zeros(0, np.int64)
        with open(path, "wb") as f:
            np.savez(f, meta=np.array(json.dumps({k: self.params[k] for k in self.OWN})), keys=keys,
                     data=swaps.data, indices=swaps.indices, indptr=swaps.indptr, shape=np.array(swaps.shape))

    @classmethod
    def load_exposure(cls, path, base) -> "Debiased":
        """The model save_exposure wrote, on the fitted hybrid `base` it was solved for."""
        with np.load(path, allow_pickle=False) as z:
            model = cls.around(base, **json.loads(str(z["meta"])))
            model.keys = z["keys"]
            model.swaps = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return model

    def changes(self, history: sp.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per history row, (items the flow swapped into that customer's list, items it dropped); both empty
        for a history no fitted customer had."""
        history = sp.csr_matrix(history)
        none = (np.array([], np.int64), np.array([], np.int64))
        if self.keys is None or self.swaps is None or not len(self.keys):
            return [none for _ in range(history.shape[0])]
        keys = history_keys(history)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return [row_changes(self.swaps, p) if self.keys[p] == k else none for p, k in zip(pos, keys)]

    def swapped(self, history: sp.csr_matrix) -> list[np.ndarray]:
        """Per history row, the item indexes the flow swapped into that customer's list (none if unknown)."""
        return [ins for ins, _ in self.changes(history)]

    def rerank(self, history: sp.csr_matrix, scores: np.ndarray) -> np.ndarray:
        """Base `scores` of `history` rows (seen items already -inf where they must not be shown) debiased."""
        if self.params["method"] == "exposure":
            return apply_swaps(scores, self.changes(history))
        if self.params["method"] == "ips":
            return ips(scores, self.base.counts, self.params["strength"])
        p_tail = tail_share(history, self.head, default=1.0 - self.params["head_share"])
        return apply_order(scores, xquad(scores, self.head, p_tail, self.params["strength"]))

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        base = np.array(self.base.score(history), dtype=np.float64)
        seen = history.nonzero()
        scores = base.copy()
        scores[seen] = -np.inf                   # the re-ranker must not spend list places on bought items
        out = self.rerank(history, scores)
        out[seen] = base[seen]                   # callers mask bought items themselves
        return out

    def item_similarity(self, item: int) -> np.ndarray:
        return self.base.item_similarity(item)
