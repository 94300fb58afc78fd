"""Guards between the LLM and the customer: product/price grounding, prompt leaks (PII redaction: privacy.py).

    check = ground(text, candidates, catalog_titles, currency="GBP")
    check.text, check.removed                           # sentences naming unknown products or wrong prices dropped
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

PRICE = re.compile(r"(?:£|\$|€|GBP\s?)\s?(\d+(?:[.,]\d{1,2})?)")
SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")
LIST_MARK = re.compile(r"[-*•]|\d{1,2}[.)]")
SYSTEM_LEAK = re.compile(r"never reveal|these instructions|system prompt|you are the (?:friendly )?(?:shopping|customer)",
                         re.I)


@dataclass
class GroundCheck:
    text: str
    removed: list[str] = field(default_factory=list)


def ground(text: str, candidates: list[dict], catalog_titles: set[str], catalog_ids: set[str]) -> GroundCheck:
    """Drop every sentence that names a catalog product outside `candidates` (or the products their
    evidence refers to, e.g. what the customer bought), a product code that is not a candidate, a price
    that is not a candidate's catalog price, or that leaks the system prompt."""
    allowed_titles = {c["title"].lower() for c in candidates}
    allowed_titles |= {e["related"].lower() for c in candidates for e in c.get("evidence", []) if e.get("related")}
    allowed_ids = {c["item_id"].lower() for c in candidates}
    allowed_prices = {round(float(c["price"]), 2) for c in candidates}
    allowed_prices |= {round(float(p.replace(",", ".")), 2) for c in candidates for e in c.get("evidence", [])
                       for p in PRICE.findall(e["text"])}        # e.g. the customer's own limit "under £10.00"
    other_titles = [t for t in (t.lower() for t in catalog_titles) if t not in allowed_titles and len(t) > 8]
    kept, removed = [], []
    for sentence in (s for s in SENTENCE.split(text) if s.strip() and not LIST_MARK.fullmatch(s.strip())):
        low = sentence.lower()
        bad = any(t in low and not any(t in a for a in allowed_titles) for t in other_titles)
        bad |= any(tok.lower() in catalog_ids and tok.lower() not in allowed_ids
                   for tok in re.findall(r"\b[0-9]{4,6}[A-Za-z]{0,2}\b", sentence))
        bad |= any(round(float(p.replace(",", ".")), 2) not in allowed_prices for p in PRICE.findall(sentence))
        bad |= bool(SYSTEM_LEAK.search(sentence))
        (removed if bad else kept).append(sentence.strip())
    return GroundCheck(" ".join(kept), removed)
