"""Route a chat message to an intent: catalog rule, fast embedding classifier, the LLM only when unsure.

    router = Router(settings, llm=gate, catalog=CatalogTerms.from_titles(titles))
    route = router.route("where is my order 536365", has_products=False)
    route.intent, route.confidence, route.source          # 'order', 0.93, 'classifier'
    router.calibration                                     # {'tau': 0.41, 'low': 0.18, 'high': 0.63, ...}

Fast path: a logistic regression over multilingual-e5-small embeddings (English and Chinese) of the
utterances in `resources/utterances.csv`, beside their character n-grams (chat/route_features.py; the
embeddings, the fitted model and its calibration are cached per file hash and tunables). The message is declined
when P(out_of_scope) >= tau, a threshold calibrated by cross-validation over those utterances
(chat/scope.py). Short requests made of catalog words ("mugs", "蛋糕架") and questions whether the shop
sells or stocks something ("do you sell ribbon", "还有货吗") and requests for gift ideas ("what should I get
my dad") are product searches by rule;
a service-like question naming another company (resources/other_companies.txt), or about the customer's
own account with a courier or a parcel they sent (chat/couriers.py), is declined by rule
(e-mail addresses are masked first: "my email is jo@gmail.com" names no company); an order number in a
message the detector is not sure is off-topic, and that names no other company, makes it an order question.

LLM path (only when P(out_of_scope) falls in the calibrated unsure band, or the top probability is low):
one constrained-JSON call through the LLM gate, with a closed label set that names the off-topic domains
next to the shop's topics (prompts/route.md). Its off-topic labels decline; its shop labels are believed
only while the out-of-scope detector itself is unsure (P(out_of_scope) < high), never against it.
If the LLM is off, busy or late, the classifier's own decision stands.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import pickle
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from assistant.chat.constraints import CJK
from assistant.chat.couriers import courier_own_business
from assistant.chat.orders import ORDER_ID_PATTERN
from assistant.chat.route_features import RouteFeatures
from assistant.chat.scope import best_threshold, out_of_fold_probabilities, unsure_band
from assistant.chat.service_cues import SERVICE_CUE, bought_situation, has_service_cue
from assistant.chat.short_request import CatalogTerms, asks_availability, asks_for_gift
from assistant.config import Settings
from assistant.errors import DataError, LLMUnavailable
from assistant.fsutil import atomic_write
from assistant.models.gate import gate_for
from assistant.models.registry import create
from assistant.privacy import EMAIL
from assistant.prompts import render
from assistant.resources import OTHER_COMPANIES, UTTERANCES
from assistant.timing import ms_since

log = logging.getLogger(__name__)

INTENTS = ("product_search", "refine", "order", "policy", "handoff", "staff_insight", "chitchat", "out_of_scope")
SHOP_LABELS = ("product_search", "refine", "order", "policy", "handoff", "staff_insight", "chitchat")
# What a shop assistant declines, named so the LLM has somewhere to put them (a bare "out_of_scope" it rarely picks).
OFF_TOPIC_LABELS = ("banking", "travel", "weather", "music_media", "general_knowledge", "jokes_personal_advice",
                    "coding", "other_company")
ROUTE_SCHEMA = {"type": "object",
                "properties": {"label": {"type": "string", "enum": list(SHOP_LABELS + OFF_TOPIC_LABELS)}},
                "required": ["label"], "additionalProperties": False}
OOS = "out_of_scope"
SERVICE = ("order", "policy", "handoff")


def other_company_pattern(path: Path = OTHER_COMPANIES) -> re.Pattern:
    """Whole-word, case-insensitive match of any name listed in `path` (# comments and blank lines skipped)."""
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return re.compile("|".join(_whole(n) for n in sorted(names, key=len, reverse=True)), re.I)


def _whole(name: str) -> str:
    """A name as a whole word; a Chinese name has no spaces around it ("我的淘宝订单"), so only its Latin
    neighbours are fenced off there."""
    if CJK.search(name):
        return rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
    return rf"(?<!\w){re.escape(name)}(?!\w)"


@dataclass
class Route:
    intent: str
    confidence: float
    source: str          # classifier | rule | llm | fallback (LLM asked but unavailable: classifier decided)
    ms: float
    p_out_of_scope: float = 0.0
    llm_label: str | None = None


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """(texts, labels) from a CSV with columns text,label; unknown labels are an error."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, start=1):
        if row.get("label") not in INTENTS:
            raise DataError(Path(path).name, f"{row.get('label')!r} is not one of {INTENTS}", row=n, column="label")
    return [r["text"] for r in rows], [r["label"] for r in rows]


class Router:
    def __init__(self, settings: Settings | None = None, llm=None, examples: Path = UTTERANCES,
                 catalog: CatalogTerms | None = None):
        self.settings = settings or Settings.load()
        self.llm = llm
        self.catalog = catalog
        self.other_company = other_company_pattern()
        self.embedder = create("embedder", "e5")
        texts, labels = read_labelled(examples)
        key = _key(examples, self.settings)
        x = self._embed_cached(texts, key)
        self.features, self.model = self._fit_cached(texts, x, labels, key)
        self.classes = [str(c) for c in self.model.classes_]
        self.calibration = self._calibrate_cached(texts, x, labels, key)

    # ------------------------------------------------------------------ training
    def _embed_cached(self, texts: list[str], key: str) -> np.ndarray:
        cache = self.settings.cache_dir / f"router-e5-{key}.npy"
        if cache.exists():
            return np.load(cache)
        x = np.vstack([self.embedder.query(t) for t in texts])
        buffer = io.BytesIO()
        np.save(buffer, x)
        atomic_write(cache, buffer.getvalue())
        return x

    def _fit_cached(self, texts: list[str], x: np.ndarray, labels: list[str],
                    key: str) -> tuple[RouteFeatures, LogisticRegression]:
        """Features and classifier fitted on every utterance; pickled in our own cache dir (a few CPU seconds)."""
        cache = self.settings.cache_dir / f"router-model-{key}.pkl"
        if cache.exists():
            with open(cache, "rb") as f:
                return pickle.load(f)
        features = RouteFeatures(self.settings.router_char_weight).fit(texts)
        model = LogisticRegression(C=self.settings.router_c, max_iter=3000).fit(features.transform(texts, x), labels)
        atomic_write(cache, pickle.dumps((features, model)))
        return features, model

    def _calibrate_cached(self, texts: list[str], x: np.ndarray, labels: list[str], key: str) -> dict:
        """tau, low, high from out-of-fold probabilities (chat/scope.py), cached with the embeddings."""
        s = self.settings
        cache = s.cache_dir / f"router-calibration-{key}.json"
        if cache.exists():
            return json.loads(cache.read_text())

        def per_fold(train: np.ndarray, test: np.ndarray):     # n-grams learnt from the training fold only
            features = RouteFeatures(s.router_char_weight).fit([texts[i] for i in train])
            return (features.transform([texts[i] for i in train], x[train]),
                    features.transform([texts[i] for i in test], x[test]))

        probs, classes = out_of_fold_probabilities(x, labels, s.router_c, s.router_cv_folds, featurize=per_fold)
        p_oos, is_oos = probs[:, classes.index(OOS)], np.asarray(labels) == OOS
        tau = best_threshold(p_oos, is_oos, s.router_min_in_scope_recall)
        low, high = unsure_band(p_oos, is_oos, tau, s.router_band_share)
        cue = np.array([has_service_cue(t) and not self.other_company.search(EMAIL.sub("email", t)) for t in texts])
        tau_cue = (best_threshold(p_oos[cue], is_oos[cue], s.router_min_service_cue_recall)
                   if is_oos[cue].any() and not is_oos[cue].all() else tau)
        declined = p_oos >= np.where(cue, tau_cue, tau)
        result = {"tau": round(tau, 4), "tau_service_cue": round(tau_cue, 4), "low": round(low, 4), "high": round(high, 4),
                  "cv_out_of_scope_recall": round(float(declined[is_oos].mean()), 4),
                  "cv_in_scope_recall": round(float((~declined[~is_oos]).mean()), 4), "n": len(labels),
                  "n_service_cue": int(cue.sum())}
        atomic_write(cache, json.dumps(result).encode())
        log.info("router calibration: %s", result)
        return result

    # ------------------------------------------------------------------ routing
    def probabilities(self, text: str) -> dict[str, float]:
        text = text[:500]
        row = self.features.transform([text], self.embedder.query(text)[None])
        probs = self.model.predict_proba(row)[0]
        return dict(zip(self.classes, probs.tolist()))

    def classify(self, text: str, service_cue: bool = False) -> tuple[str, float, float]:
        """(intent, its probability, P(out_of_scope)) from the classifier and the calibrated threshold: the
        one calibrated on utterances with a service cue when `service_cue` (chat/service_cues.py)."""
        probs = self.probabilities(text)
        p_oos = probs.get(OOS, 0.0)
        cal = self.calibration
        if p_oos >= (cal.get("tau_service_cue", cal["tau"]) if service_cue else cal["tau"]):
            return OOS, p_oos, p_oos
        best = max((k for k in probs if k != OOS), key=probs.get)
        return best, probs[best], p_oos

    def route(self, text: str, has_products: bool = False, use_llm: bool = True) -> Route:
        """Intent for `text`; `has_products` says whether the conversation has shown products (for follow-ups)."""
        start = time.perf_counter()
        if not text.strip():
            return Route("chitchat", 1.0, "rule", 0.0)
        if self.catalog is not None and self.catalog.is_product_request(text):
            return Route("product_search", 1.0, "rule", ms_since(start, 2))
        masked = EMAIL.sub("email", text)      # an address says nothing about the topic ("...@hotmail.co.uk")
        named_company = self.other_company.search(masked)
        if (asks_availability(text) or asks_for_gift(text)) and not named_company:
            return Route("product_search", 1.0, "rule", ms_since(start, 2))
        other_company = named_company or courier_own_business(masked)
        intent, confidence, p_oos = self.classify(masked, service_cue=has_service_cue(masked) and not other_company)
        source, llm_label = "classifier", None
        cal = self.calibration
        unsure = cal["low"] <= p_oos < cal["high"] or confidence < self.settings.router_threshold
        bought = None if other_company else bought_situation(masked)
        if intent in SERVICE + (OOS,) and other_company:
            intent, source = OOS, "rule"        # a service question about another company's order or account
        elif intent == OOS and p_oos < cal["high"] and ORDER_ID_PATTERN.search(masked):
            intent, source = "order", "rule"    # an order number and no other company: this shop's order
        elif bought and (intent in ("product_search", "refine", "chitchat") or intent == OOS and p_oos < cal["high"]):
            intent, source = bought, "rule"     # a purchase already made: on its way, or arrived damaged
        elif unsure and use_llm and self.llm is not None:
            llm_label = self._ask_llm(text)
            source = "fallback" if llm_label is None else "llm"
            intent = self._combine(intent, p_oos, llm_label, confident=confidence >= self.settings.router_threshold)
        if intent == "refine" and not has_products:
            intent = "product_search"          # nothing to refine yet: treat as a new search
        if intent in ("policy", "product_search") and ORDER_ID_PATTERN.search(text) and re.search(
                r"order|return|parcel|订单|退", text, re.I):
            intent, source = "order", "rule"    # a specific order number means the customer's own order
        return Route(intent, round(confidence, 4), source, ms_since(start, 2), round(p_oos, 4), llm_label)

    def _combine(self, intent: str, p_oos: float, llm_label: str | None, confident: bool = False) -> str:
        """The LLM's label weighed against the out-of-scope detector (see the module docstring). A shop label
        from the LLM settles "in scope"; which shop intent stays the classifier's when it was confident."""
        if llm_label is None:
            return intent
        if llm_label in OFF_TOPIC_LABELS:
            return OOS if p_oos >= self.calibration["low"] else intent
        if p_oos >= self.calibration["high"]:
            return OOS
        if p_oos >= self.calibration["tau"] and intent == OOS:
            return OOS          # the detector leans out of scope: the LLM's "in scope" alone does not overturn it
        return intent if confident and intent != OOS else llm_label

    def _ask_llm(self, text: str) -> str | None:
        gate = gate_for(self.llm, self.settings)    # every LLM call goes through the LLM's one gate
        if gate is None or not gate.ready():
            return None
        try:
            answer = gate.json(render("route", message=text[:500]), ROUTE_SCHEMA, purpose="route",
                               timeout_s=self.settings.llm_route_timeout_s, max_new_tokens=16)
        except LLMUnavailable as e:             # LLM down, busy, slow or off-schema: the classifier decides
            log.info("router LLM fallback unavailable: %s", e)
            return None
        return answer["label"]


def _key(examples: Path, settings: Settings) -> str:
    """Cache key: the utterances and everything the calibration depends on."""
    tunables = (settings.router_c, settings.router_cv_folds, settings.router_band_share,
                settings.router_min_in_scope_recall, settings.router_min_service_cue_recall, settings.router_char_weight, sklearn.__version__, 2)
    parts = [examples.read_bytes(), repr(tunables).encode(), SERVICE_CUE.pattern.encode(), OTHER_COMPANIES.read_bytes()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]
