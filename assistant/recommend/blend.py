"""Our CF model: EASE, ItemKNN, the sequential model and popularity blended, on a recency-weighted history.

    cf = create_recommender("hybrid", knn_weight=0.3, seq_weight=0.5, seq={"dim": 64}).fit(matrix)
    scores = cf.score(history)      # history values: 0.5 ** (age_days / 30), see evaluate.history_matrix

score = main_weight * norm(EASE) + knn_weight * norm(ItemKNN) + seq_weight * norm(sequential)
        + pop_weight * popularity,
each part min-max scaled per row. main_weight is 1 or 0: 0 lets validation choose a blend without EASE, or a
single part alone (ItemKNN or the sequential model) where that beats every blend with EASE.

Cold start, both ways: an item nobody bought in the training data (CF has no column for it) is scored
cold_weight x its content match (the best cosine of its product vector to one of the history's 20 most
recent items) x the row's best CF score (cold_weight 1 and a perfect match tie with the best pick), when
the model was given product vectors (`cf.item_vectors = vectors` before fit; the build and `eval recs`
pass the catalog's MiniLM vectors); an empty history (a new customer) is scored by popularity alone.
New arrivals get a published slot as well (`new_slot` p, 0 = off): in every list, place p goes to the
never-bought item of best content match to the history (if that match is at least NEW_MIN_MATCH and the item
is not already above place p), so each customer is shown one new product that resembles what they bought,
whatever the CF scores; the places from p down shift by one. recommend/tuning.py takes the highest place
whose validation NDCG@10 and NDCG@20 stay within `cold_max_ndcg_loss` of the best blend's.
The weights and every part's config are chosen on a validation split by recommend/tuning.py; a zero
weight leaves the part out (seq_weight 0: no sequential model, fitted on binary purchases). Recent purchases say more about the next one than old ones, so the
parts score a decayed history. Above EASE's item limit ItemKNN takes EASE's place.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Recommender, normalise_rows, score_at_place
from assistant.recommend.ease import EASE
from assistant.recommend.registry import create_recommender, register_recommender


RECENT = 20      # a never-bought item is compared with the history's RECENT most recent items
NEW_MIN_MATCH = 0.5     # new-arrival slot: the least content match (cosine) that earns a customer's slot


def content_match(history: sp.csr_matrix, vectors: np.ndarray, items: np.ndarray) -> np.ndarray:
    """(rows, len(items)) the best cosine (negatives 0) of each item to one of the row's RECENT most recent
    (highest-valued) history items: a new colour of a product they bought scores near 1."""
    history = sp.csr_matrix(history)
    out = np.zeros((history.shape[0], len(items)), np.float32)
    recent, owner = [], []
    for r in range(history.shape[0]):
        row = history.indices[history.indptr[r]:history.indptr[r + 1]]
        if len(row):
            values = history.data[history.indptr[r]:history.indptr[r + 1]]
            recent.append(row[np.argsort(-values, kind="stable")[:RECENT]])
            owner.append(r)
    if not recent or not len(items):
        return out
    sims = vectors[np.concatenate(recent)] @ vectors[items].T         # one product for all rows
    starts = np.cumsum([0] + [len(x) for x in recent[:-1]])
    out[owner] = np.clip(np.maximum.reduceat(sims, starts, axis=0), 0, None)
    return out


def cold_scores(match: np.ndarray, best, weight: float) -> np.ndarray:
    """(rows, cold items) weight x content match x the row's best score `best`."""
    return weight * match * best


def new_arrival_slot(scores: np.ndarray, seen: sp.csr_matrix, match: np.ndarray, new_items: np.ndarray,
                     slot: int, min_match: float = NEW_MIN_MATCH) -> np.ndarray:
    """`scores` (rows, items) with each row's best-matching item of `new_items` (match: rows x new items) moved
    to list place `slot` (1-based, among the row's unseen items) when its match >= min_match and it is not
    already ranked above that place. Rows without history (nothing to match) are left alone."""
    out = np.array(scores, dtype=np.float32)
    if slot <= 0 or not len(new_items) or not out.shape[0]:
        return out
    seen = sp.csr_matrix(seen)
    best = np.argmax(match, axis=1)
    ok = (match[np.arange(len(best)), best] >= min_match) & (np.diff(seen.indptr) > 0)
    for r in np.flatnonzero(ok):
        j = int(new_items[best[r]])
        row = out[r].astype(np.float64)
        row[seen.indices[seen.indptr[r]:seen.indptr[r + 1]]] = -np.inf
        row[j] = -np.inf
        k = min(slot, int(np.isfinite(row).sum()))
        if k <= 0:
            continue
        top = np.sort(-np.partition(-row, k - 1)[:k])[::-1]       # the k best other items, best first
        value = score_at_place(top, slot)
        if out[r, j] < value:
            out[r, j] = value
    return out


@register_recommender("hybrid")
class BlendedCF(Recommender):
    @property
    def state_fields(self) -> tuple[str, ...]:
        knn_only = getattr(self, "main", None) is not None and self.main is self.neighbours
        fields = ("neighbours", "counts") if knn_only else ("main", "neighbours", "counts")  # ItemKNN saved once
        fields += ("item_vectors",)                      # optional: saved only when set
        return fields + (("sequence",) if self.uses_order else ())

    def after_load(self) -> None:
        if getattr(self, "main", None) is None:
            self.main = self.neighbours

    def __init__(self, l2: float = 400.0, k: int = 200, shrink: float = 10.0, knn_weight: float = 0.3,
                 seq_weight: float = 0.0, pop_weight: float = 0.0, half_life_days: float = 30.0,
                 seq: dict | None = None, cold_weight: float = 1.0, main_weight: float = 1.0, new_slot: int = 0,
                 **params):
        super().__init__(l2=l2, k=k, shrink=shrink, knn_weight=knn_weight, seq_weight=seq_weight,
                         pop_weight=pop_weight, half_life_days=half_life_days, seq=dict(seq or {}),
                         cold_weight=cold_weight, main_weight=main_weight, new_slot=new_slot, **params)
        self.item_vectors: np.ndarray | None = None     # (n_items, dim) unit rows, optional: see the docstring

    @property
    def history_half_life_days(self) -> float:
        return self.params["half_life_days"]

    @property
    def uses_order(self) -> bool:
        """With a sequential part the model is fitted on recency-valued purchases (evaluate.fit_input)."""
        return self.params["seq_weight"] > 0

    def fit(self, matrix: sp.csr_matrix) -> "BlendedCF":
        p = self.params
        binary = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
        binary.data[:] = 1.0
        self.neighbours = create_recommender("itemknn", k=p["k"], shrink=p["shrink"]).fit(binary)
        self.main = (create_recommender("ease", l2=p["l2"]).fit(binary)
                     if matrix.shape[1] <= EASE.max_items else self.neighbours)
        self.counts = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32)
        if self.uses_order:
            self.sequence = create_recommender("sequential", **p["seq"]).fit(matrix)
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        p = self.params
        scores = np.zeros(history.shape, np.float32)
        if p["main_weight"]:
            scores += p["main_weight"] * normalise_rows(self.main.score(history))
        if self.main is not self.neighbours and p["knn_weight"]:
            scores += p["knn_weight"] * normalise_rows(self.neighbours.score(history))
        if self.uses_order:
            scores += p["seq_weight"] * normalise_rows(self.sequence.score(history))
        popularity = (self.counts / max(float(self.counts.max()), 1.0))[None, :]
        if p["pop_weight"]:
            scores += p["pop_weight"] * popularity
        return self.cold_start(history, scores, popularity)

    def cold_start(self, history: sp.csr_matrix, scores: np.ndarray, popularity: np.ndarray) -> np.ndarray:
        """Never-bought items get cold_weight x content match x the best score; empty histories get popularity."""
        history = sp.csr_matrix(history)
        vectors = getattr(self, "item_vectors", None)
        unseen = self.counts == 0
        cold, slot = self.params.get("cold_weight", 0), self.params.get("new_slot", 0)
        if vectors is not None and (cold or slot) and unseen.any():
            match = content_match(history, vectors, np.flatnonzero(unseen))
            best = scores[:, ~unseen].max(axis=1, keepdims=True) if (~unseen).any() else 1.0
            scores[:, unseen] = cold_scores(match, best, cold)
            if slot:
                scores = new_arrival_slot(scores, history, match, np.flatnonzero(unseen), slot)
        empty = np.diff(history.indptr) == 0
        if empty.any():
            scores[empty] = popularity
        return scores

    @property
    def knn_only(self) -> bool:
        """Large catalogs without a sequential, popularity or content part: the sparse ItemKNN path serves."""
        return (self.main is self.neighbours and self.params["main_weight"] == 1.0
                and not self.uses_order and not self.params["pop_weight"]
                and getattr(self, "item_vectors", None) is None)

    def top_scores(self, history, k, allowed):
        if self.knn_only:
            return self.neighbours.top_scores(history, k, allowed)
        return super().top_scores(history, k, allowed)

    def score_items(self, history, items):
        if self.knn_only:
            return self.neighbours.score_items(history, items)
        return super().score_items(history, items)

    def item_similarity(self, item: int) -> np.ndarray:
        return self.neighbours.item_similarity(item)
