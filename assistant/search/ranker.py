"""The hybrid ranker: recall candidates (recall.py), score them (score.py), diversify (diversify.py), explain.

    ranker = Ranker(ShopIndex.open())
    result = ranker.recommend("red heart decoration", user_id="12347", filters=Filters(max_price=5), n=5)
    for rec in result.items:
        print(rec.title, rec.price, [e.text for e in rec.evidence])

Sources: FAISS (query meaning), BM25 (exact words, SKUs), collaborative filtering (the user's
recency-weighted purchases, or the items of an anonymous session), trending/popular items.
Scoring keeps the query primary: relevance^2 x (1 + CF + content affinity + popularity boosts);
without a query CF leads. MMR then trades a little score for variety. Cold start: a new user gets
popular + segment-popular + query matches; a new item (no purchases) reaches users through its
content neighbours (embedding similarity to what they bought).
"""
from __future__ import annotations

import functools
import re
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assistant.errors import ConfigError
from assistant.recommend.base import Interactions, score_at_place
from assistant.recommend.debias import ips
from assistant.search.filters import CatalogArrays, Filters
from assistant.search.money import format_price
from assistant.timing import ms_since
from assistant.retrieval.lexical import tokenize
from assistant.search.complements import Complements
from assistant.search.diversify import mmr, type_slots
from assistant.search.evidence import Evidence, evidence
from assistant.search.expand import expand_types, needs_expansion
from assistant.search.recall import recall
from assistant.search.relevance import Relevance
from assistant.search.score import score
from assistant.search.understand import Lexicon, Request, understand
from assistant.search.vocabulary import stem

# Unmapped Chinese: a type the LLM names is kept only when EXPAND_AGREE_MIN of the multilingual index's
# EXPAND_AGREE_TOP nearest titles hold it (two readings agree: the 1.5B model offers candle, ring, mug for a phone
# charger, and e5's nearest titles hold none of them twice)
EXPAND_AGREE_TOP, EXPAND_AGREE_MIN = 10, 2
STRATEGIES = ("hybrid", "content", "popularity", "debiased")   # debiased: hybrid + the exposure flow's swaps
MAX_QUERY_CHARS = 1000


@dataclass
class Recommendation:
    item_id: str
    title: str
    price: float
    currency: str
    stock: int
    category: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RankResult:
    items: list[Recommendation]
    strategy: str
    timings_ms: dict[str, float]
    notes: list[str] = field(default_factory=list)
    no_match: bool = False          # nothing relevant enough: items are the nearest alternatives
    request: Request | None = None  # how the query was understood
    matches: int | None = None      # items[:matches] match the query; the rest are labelled alternatives

    @property
    def matched(self) -> list[Recommendation]:
        """The items offered as matches (all of them when there was no query)."""
        return self.items if self.matches is None else self.items[:self.matches]


@dataclass
class RankWeights:
    """The scoring tunables; their values live in Settings (rank_*)."""
    cf: float
    affinity: float
    popularity: float
    mmr_lambda: float
    candidates: int
    match_share: float = 0.0

    @classmethod
    def from_settings(cls, s) -> "RankWeights":
        return cls(s.rank_cf, s.rank_affinity, s.rank_popularity, s.rank_mmr_lambda, s.rank_candidates,
                   s.rank_match_share)


class Ranker:
    def __init__(self, index, weights: RankWeights | None = None, trending_days: int = 30):
        self.index = index
        self.weights = weights or RankWeights.from_settings(index.settings)
        self.catalog = CatalogArrays(index.products)
        self.currency = index.currency
        events = index.table("events")
        purchases = events[events["event"] == "purchase"]
        half_life = getattr(index.cf, "history_half_life_days", None)
        age = (index.as_of - purchases["timestamp"]).dt.total_seconds() / 86400.0
        weights = np.power(0.5, age / half_life) if half_life else np.ones(len(purchases))
        self.history = Interactions.from_frame(purchases.assign(w=np.maximum(weights, 1e-6)),
                                               item_ids=self.catalog.item_ids, weight="w")
        buyers = Interactions.from_frame(purchases, item_ids=self.catalog.item_ids).matrix
        self.buyers = np.asarray(buyers.sum(axis=0)).ravel()
        recent = purchases[purchases["timestamp"] >= index.as_of - pd.Timedelta(days=trending_days)]
        self.trending = np.asarray(Interactions.from_frame(recent, item_ids=self.catalog.item_ids)
                                   .matrix.sum(axis=0)).ravel() if len(recent) else np.zeros(self.catalog.size)
        pop = np.log1p(self.buyers + 3 * self.trending)
        self.popularity = pop / max(pop.max(), 1e-9)
        self.pop_order = np.argsort(-self.popularity, kind="stable")
        self.trending_days = trending_days
        self.trending_min = max(5.0, float(np.quantile(self.trending, 0.95))) if self.catalog.size else 5.0
        self.bestseller_min = max(10.0, float(np.quantile(self.buyers, 0.95))) if self.catalog.size else 10.0
        self._segments(buyers)
        self.lexicon = Lexicon.load()
        self.relevance = Relevance(self.catalog.titles, index.vocabulary, self.catalog.category, self.lexicon.ideas,
                                   self.lexicon.synonyms, embed_phrases=index.embedder.passages)
        self.ids_lower = {str(i).lower(): r for r, i in enumerate(self.catalog.item_ids)}

    def understand(self, query: str) -> Request:
        return understand(query, self.index.vocabulary, self.lexicon)

    def expand(self, request: Request, ask_json, timeout_s: float) -> list[str]:
        """The LLM's constrained type expansion (search/expand.py) for a request the rules found no type in, set on
        `request.expanded_types`. For Chinese the lexicon left unmapped, only the types that EXPAND_AGREE_MIN of the
        multilingual index's EXPAND_AGREE_TOP nearest titles hold (by title, not category: every light is no
        candle): the thing must be what e5 reads too."""
        if not needs_expansion(request):
            return []
        types = expand_types(request, self.index.vocabulary, ask_json, timeout_s)
        if types and request.unknown_zh and self.index.multilingual is not None:
            near = self.index.multilingual.top(request.said or request.text, EXPAND_AGREE_TOP, self.catalog.merchandise)
            types = [t for t in types if self.relevance.in_titles([t])[near].sum() >= EXPAND_AGREE_MIN]
        request.expanded_types = types
        return types

    def _segments(self, buyers: sp.csr_matrix) -> None:
        """Share of each segment's customers who bought each item (segments of >= k customers only)."""
        profiles = self.index.profiles.set_index("user_id")["segment"]
        self.user_segment = profiles.to_dict()
        self.segment_share: dict[str, np.ndarray] = {}
        rows = pd.Series(np.arange(len(self.history.user_ids)), index=self.history.user_ids)
        for segment, users in profiles.groupby(profiles).groups.items():
            idx = rows.reindex(users).dropna().astype(int).to_numpy()
            if len(idx) >= self.index.settings.k_anonymity:
                self.segment_share[segment] = np.asarray(buyers[idx].sum(axis=0)).ravel() / len(idx)

    # ------------------------------------------------------------------ public API
    def recommend(self, query: str = "", user_id: str | None = None, filters: Filters | None = None,
                  n: int = 5, session_items: list[str] | tuple = (), strategy: str = "hybrid",
                  query_vector: np.ndarray | None = None, request: Request | None = None) -> RankResult:
        """Top-n products for a (maybe empty) query and a (maybe unknown) user, within `filters`."""
        if strategy not in STRATEGIES:
            raise ConfigError(f"unknown strategy {strategy!r}; use one of {STRATEGIES}")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = " ".join((query or "").split())[:MAX_QUERY_CHARS]
        filters = filters or Filters()
        allowed = filters.mask(self.catalog)
        if not allowed.any():
            return RankResult([], strategy, {"total_ms": ms_since(t0, 2)},
                              [f"No products match all of: {', '.join(filters.describe(self.currency))}."])
        if query and request is None:
            request = self.understand(query)
        if query and query_vector is None:
            query_vector = self.index.embedder.query(request.meaning_text or request.english or query)
            timings["embed_ms"] = ms_since(t0, 2)
        t1 = time.perf_counter()
        history = self._history(user_id, session_items)
        pool = recall(self, query, query_vector, history, allowed, strategy, request)
        cand = pool.ids
        scores, parts = score(self, pool, query_vector, history, request)
        if strategy == "debiased" and len(cand):
            cand, scores = self._debiased(cand, scores, history, allowed, query, parts, n)
        notes = []
        if parts["weak_query"]:
            notes.append(f"no product matches '{query[:80]}' closely; showing "
                         f"{'picks for you' if history.nnz else 'popular products'} instead")
            query = ""
        chosen = mmr(cand, scores, self.index.vectors, n, self.weights.mmr_lambda)
        if query and request is not None and len(request.types) >= 2 and not parts["no_match"]:
            chosen = self._type_slots(chosen, cand, scores, request, parts)
        score_of = dict(zip(cand.tolist(), scores.tolist()))
        if query and request is not None and len(cand) and not parts["no_match"]:
            full = self.relevance.holds_all(request, cand)
            parts["partial"] = full is not None and not full.any()     # no product is both the style and the room's
            if request.types and not self.relevance.type_match(request)[cand].any():
                parts["partial"] = True     # the type named is held by nothing within the filters ("a red glass vase"
                                            # with no red vase in stock): a glass bracelet is no match, only near
        chosen, matches = self._matches(chosen, parts) if query else (chosen, None)
        timings["rank_ms"] = ms_since(t1, 2)
        items = [self._recommendation(i, score_of[i], query, filters, history, user_id, parts,
                                      alternative=matches is not None and k >= matches)
                 for k, i in enumerate(chosen)]
        timings["total_ms"] = ms_since(t0, 2)
        if user_id and history.nnz == 0 and not session_items:
            notes.append("new customer: recommendations from popularity and the query")
        return RankResult(items, strategy, timings, notes, no_match=parts["no_match"], request=request,
                          matches=matches)

    def _type_slots(self, chosen: list[int], cand, scores, request: Request, parts: dict) -> list[int]:
        """A request listing several types ("plates, cups and napkins") shows each of them, among products good
        enough to be matches (relevance >= match_share of the best)."""
        relevance = parts["relevance"]
        best = max(relevance.values(), default=0.0)
        eligible = np.zeros(self.catalog.size, bool)
        eligible[[i for i, r in relevance.items() if r >= self.weights.match_share * best]] = True
        listed = request.types
        if request.language == "English":   # the list is said before its purpose: "bowls and straws for a garden
            said = re.split(r"\b(?:for|to|with|at)\b", request.text.lower(), maxsplit=1)[0]    # party" lists no
            said_words = {stem(w) for w in re.findall(r"[a-z][a-z'-]*", said)}               # garden
            listed = [t for t in request.types if set(t.split()) <= said_words]
        if len(listed) < 2:
            return chosen
        kinds = [self.relevance.covered([t]) for t in listed]
        return type_slots(chosen, cand, scores, kinds, eligible)

    def _matches(self, chosen: list[int], parts: dict) -> tuple[list[int], int]:
        """Matches first, then alternatives: a product matches when its query relevance is at least
        `match_share` of the best candidate's (a score gap means the request ran out of relevant products:
        what follows is filler, shown labelled as an alternative, never passed off as a match)."""
        if parts["no_match"] or parts.get("partial"):    # nothing holds all the request named: all alternatives
            return chosen, 0
        relevance = parts["relevance"]
        best = max(relevance.values(), default=0.0)
        if not best or not self.weights.match_share:
            return chosen, len(chosen)
        good = [i for i in chosen if relevance.get(i, 0.0) >= self.weights.match_share * best]
        return good + [i for i in chosen if i not in good], len(good)

    def complements(self, anchor: str, filters: Filters | None = None, n: int = 5) -> RankResult | None:
        """Products bought in the same order as the product named `anchor` (None: no such product).
        The anchor's title is in `notes[0]` as 'anchor: <title>'; an empty list means nobody bought it with others."""
        t0 = time.perf_counter()
        model = self.complement_model
        row = model.resolve(anchor, self.catalog.titles, self.relevance, self.understand)
        if row is None:
            return None
        filters = filters or Filters()
        pairs = model.top(row, n, filters.mask(self.catalog), self.relevance.same_type(row))
        title = str(self.catalog.titles[row])
        items = []
        for j, customers in pairs:
            rec = self._recommendation(j, customers, "", filters, sp.csr_matrix((1, self.catalog.size)), None,
                                       {"no_match": False, "cf": {}, "affinity": {}})
            rec.evidence.insert(0, evidence("bought_together", related=title, customers=customers))
            items.append(rec)
        return RankResult(items, "complements", {"total_ms": ms_since(t0, 2)}, [f"anchor: {title}"])

    @functools.cached_property
    def complement_model(self) -> Complements:
        return Complements(self.index.table("order_items"), self.index.table("orders"), self.catalog.item_ids,
                           self.index.vocabulary.product_types)

    def similar(self, item_id: str, n: int = 5) -> list[str]:
        """Content neighbours of a product (for "more like the second one")."""
        row = int(self.index.item_row[item_id])
        sims, ids = self.index.vector_index.search(self.index.vectors[row], n + 1)
        return [self.catalog.item_ids[i] for i in ids[0] if i >= 0 and i != row][:n]

    # ------------------------------------------------------------------ internals
    def _debiased(self, cand, scores, history, allowed, query, parts, n) -> tuple[np.ndarray, np.ndarray]:
        """The `debiased` strategy. With the build's exposure flow (recommend/debias.py, index.exposure): the
        first item the flow swapped into this customer's list (allowed by the filters; with a query, only if
        the query recalled it) takes the n-th place: one card per answer goes to an item the flow gives
        exposure. Without one (older builds): the pool's scores / popularity propensity (ips, strength
        Settings.debias_strength)."""
        exposure = self.index.exposure
        if exposure is None:
            return cand, ips(scores[None, :], self.buyers[cand], self.index.settings.debias_strength)[0]
        pool = set(cand.tolist())
        swapped = [int(i) for i in exposure.swapped(history)[0] if allowed[i] and (not query or int(i) in pool)]
        if not swapped:
            return cand, scores
        i = swapped[0]
        if i not in pool:
            cand, scores = np.append(cand, i), np.append(scores, -np.inf)
            parts["cf"][i] = float(self.index.cf.score_items(history, np.array([i]))[0])
        others = np.sort(scores[cand != i])[::-1]
        value = score_at_place(others[np.isfinite(others)], n)       # the n-th card (last, in a shorter list)
        scores = scores.copy()
        scores[cand == i] = max(float(scores[cand == i][0]), value)
        return cand, scores

    def _history(self, user_id, session_items) -> sp.csr_matrix:
        row = sp.csr_matrix((1, self.catalog.size), dtype=np.float32)
        u = self.history.user_index(str(user_id)) if user_id is not None else None
        if u is not None:
            row = self.history.matrix[u]
        known = [int(self.index.item_row[i]) for i in session_items if i in self.index.item_row.index]
        if known:
            session = sp.csr_matrix((np.ones(len(known), np.float32), ([0] * len(known), known)),
                                    shape=(1, self.catalog.size))
            row = (row + session).tocsr()
        return row

    def _recommendation(self, i, score, query, filters, history, user_id, parts, alternative=False) -> Recommendation:
        c = self.catalog
        item_id, title, category = str(c.item_ids[i]), str(c.titles[i]), str(c.category[i])
        items = []
        if parts["no_match"] or alternative:
            items.append(evidence("alternative"))
        request = parts.get("request")
        if query and request is not None:
            items += self._query_evidence(i, item_id, query, request, parts)
        if filters.max_price is not None and filters.min_price is not None:     # "around £20", "£5-£10"
            items.append(evidence("price_range", what=f"{format_price(filters.min_price, self.currency)}-"
                                                      f"{format_price(filters.max_price, self.currency)}"))
        elif filters.max_price is not None:
            items.append(evidence("budget", what=format_price(filters.max_price, self.currency)))
        if filters.attributes.get("colour"):
            items.append(evidence("colour", what=filters.attributes["colour"]))
        if parts["cf"].get(i, 0) > 0:
            for j, _ in self.index.cf.explain(history, i, n=1):
                items.append(evidence("bought_with", related=str(c.titles[j])))
        if self.buyers[i] == 0:
            items.append(evidence("new"))
            if parts["affinity"].get(i, 0) > 0.5:
                items.append(evidence("similar_to"))
        segment = self.user_segment.get(str(user_id)) if user_id else None
        share = self.segment_share.get(segment)
        if share is not None and share[i] >= 0.05:
            items.append(evidence("segment", share=f"{share[i]:.0%}", segment=segment))
        if self.trending[i] >= self.trending_min:
            items.append(evidence("trending", customers=int(self.trending[i]), days=self.trending_days))
        elif self.buyers[i] >= self.bestseller_min:
            items.append(evidence("bestseller", customers=int(self.buyers[i])))
        if 0 < c.stock[i] <= 5:
            items.append(evidence("stock", left=int(c.stock[i])))
        return Recommendation(item_id=item_id, title=title, price=float(c.price[i]), currency=str(c.currency[i]),
                              stock=int(c.stock[i]), category=category, score=round(float(score), 4),
                              evidence=items)

    def _query_evidence(self, i, item_id, query, request, parts) -> list[Evidence]:
        """What of the request this product has: its code, the type asked for, the themes, the occasion."""
        if item_id.lower() in tokenize(query):
            return [evidence("product_code", what=item_id)]
        rel = self.relevance
        out = []
        typed = [t for t in request.types + request.expanded_types if rel.covers(i, t)]
        idea = next((t for t in request.ideas if rel.covers(i, t)), None)
        if typed:
            out.append(evidence("type_match", what=typed[0]))
        elif idea:                    # not asked for by name: what the hobby/occasion/person usually gets
            out.append(evidence("idea", what=idea, why=request.idea_for))
        styled = [cue for cue, words in zip(request.style_cues, request.styles) if rel.covered(words)[i]]
        if styled:
            out.append(evidence("style", what=styled[0]))
        themes = [t for t in request.themes if rel.covers(i, t)]
        if themes:
            out.append(evidence("theme_match", what=" and ".join(themes[:2])))
        if request.occasion and any(rel.covers(i, stem(h)) for h in self.lexicon.hints.get(request.occasion, [])):
            out.append(evidence("occasion", what=request.occasion))
        if not out and parts["relevance"].get(i, 0) > 0.3:
            out.append(evidence("meaning_match"))
        return out

