"""Route a chat message to an intent: fast embedding classifier, LLM fallback when unsure.

    router = Router(settings, llm=None)
    route = router.route("where is my order 536365", has_products=False)
    route.intent, route.confidence, route.source          # 'order', 0.93, 'classifier'

The classifier is a logistic regression over multilingual-e5-small embeddings (English and Chinese)
of the example utterances shipped in `utterances.csv`; embeddings are cached per file hash.
Below `threshold` confidence the LLM picks a label with prompts/route.md; if it cannot, the
message is treated as out of scope rather than guessed.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.chat.orders import ORDER_ID_PATTERN
from assistant.config import Settings
from assistant.errors import DataError, LLMUnavailable
from assistant.models.gate import gate_for
from assistant.models.registry import create
from assistant.prompts import render
from assistant.resources import UTTERANCES
from assistant.timing import ms_since

log = logging.getLogger(__name__)

INTENTS = ("product_search", "refine", "order", "policy", "handoff", "staff_insight", "chitchat", "out_of_scope")
ROUTE_SCHEMA = {"type": "object", "properties": {"intent": {"type": "string", "enum": list(INTENTS)}},
                "required": ["intent"], "additionalProperties": False}


@dataclass
class Route:
    intent: str
    confidence: float
    source: str          # classifier | rule | llm | fallback
    ms: float


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """(texts, labels) from a CSV with columns text,label; unknown labels are an error."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, start=1):
        if row.get("label") not in INTENTS:
            raise DataError(Path(path).name, f"{row.get('label')!r} is not one of {INTENTS}", row=n, column="label")
    return [r["text"] for r in rows], [r["label"] for r in rows]


class Router:
    def __init__(self, settings: Settings | None = None, llm=None, threshold: float | None = None,
                 examples: Path = UTTERANCES):
        self.settings = settings or Settings.load()
        self.llm = llm
        self.threshold = self.settings.router_threshold if threshold is None else threshold
        self.embedder = create("embedder", "e5")
        texts, labels = read_labelled(examples)
        x = self._embed_cached(texts, examples)
        self.model = LogisticRegression(C=50.0, max_iter=2000).fit(x, labels)

    def _embed_cached(self, texts: list[str], source: Path) -> np.ndarray:
        key = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        cache = self.settings.cache_dir / f"router-e5-{key}.npy"
        if cache.exists():
            return np.load(cache)
        x = np.vstack([self.embedder.query(t) for t in texts])
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npy")
        np.save(tmp, x)
        tmp.replace(cache)
        return x

    def classify(self, text: str) -> tuple[str, float]:
        probs = self.model.predict_proba(self.embedder.query(text[:500])[None])[0]
        best = int(np.argmax(probs))
        return str(self.model.classes_[best]), float(probs[best])

    def route(self, text: str, has_products: bool = False) -> Route:
        """Intent for `text`; `has_products` says whether the conversation has shown products (for follow-ups)."""
        start = time.perf_counter()
        if not text.strip():
            return Route("chitchat", 1.0, "rule", 0.0)
        intent, confidence = self.classify(text)
        source = "classifier"
        if confidence < self.threshold:
            intent, source = self._ask_llm(text)
        if intent == "refine" and not has_products:
            intent = "product_search"          # nothing to refine yet: treat as a new search
        if intent in ("policy", "product_search") and ORDER_ID_PATTERN.search(text) and re.search(
                r"order|return|parcel|订单|退", text, re.I):
            intent, source = "order", "rule"    # a specific order number means the customer's own order
        return Route(intent, round(confidence, 4), source, ms_since(start, 2))

    def _ask_llm(self, text: str) -> tuple[str, str]:
        gate = gate_for(self.llm, self.settings)    # every LLM call goes through the LLM's one gate
        if gate is None or not gate.ready():
            return "out_of_scope", "fallback"
        try:
            answer = gate.json(render("route", message=text[:500]), ROUTE_SCHEMA, purpose="route",
                               timeout_s=self.settings.llm_route_timeout_s, max_new_tokens=16)
        except LLMUnavailable as e:  # LLM down, busy, slow or off-schema: do not guess
            log.info("router LLM unavailable, message left out of scope: %s", e)
            return "out_of_scope", "fallback"
        return answer["intent"], "llm"

    def evaluate(self, path: Path) -> dict:
        """Accuracy and confusion matrix (classifier only, as routed) on a labelled CSV."""
        texts, labels = read_labelled(path)
        predicted = [self.route(t, has_products=True).intent for t in texts]
        labels_sorted = list(INTENTS)
        matrix = np.zeros((len(labels_sorted), len(labels_sorted)), int)
        for truth, guess in zip(labels, predicted):
            matrix[labels_sorted.index(truth), labels_sorted.index(guess)] += 1
        errors = [{"text": t, "label": y, "predicted": p} for t, y, p in zip(texts, labels, predicted) if y != p]
        return {"n": len(texts), "accuracy": round(float(np.mean([y == p for y, p in zip(labels, predicted)])), 4),
                "labels": labels_sorted, "confusion": matrix.tolist(), "errors": errors}
