"""Guards between the LLM and the customer: product/price grounding, prompt leaks (PII redaction: privacy.py).

    check = ground(text, candidates, catalog_titles, catalog_ids)
    check.text, check.removed                           # sentences naming unknown products or wrong prices dropped
    unquoted_numbers("refunds within 7 days", policy_sections)    # ['7'] if the sections never say 7
    problems(text, Allowed.of(candidates, catalog_titles, catalog_ids, limits_text=question))
    # {'unknown_products': [], 'unknown_ids': [], 'wrong_prices': [12.5], 'leaks': []}: what benches and tests count
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

PRICE = re.compile(r"(?:£|\$|€|GBP\s?)\s?(\d+(?:[.,]\d{1,2})?)")
SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")
LIST_MARK = re.compile(r"[-*•]|\d{1,2}[.)]")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
SYSTEM_LEAK = re.compile(r"never reveal|these instructions|system prompt|you are the (?:friendly )?(?:shopping|customer)",
                         re.I)


@dataclass
class Allowed:
    """What an answer may name: candidate titles/ids/prices (+ products and limits their evidence cites)."""
    titles: set[str]           # lower-cased
    ids: set[str]              # lower-cased
    prices: set[float]
    other_titles: list[str]    # lower-cased catalog titles (over 8 characters) outside `titles`
    catalog_ids: set[str]      # lower-cased

    @classmethod
    def of(cls, candidates: list[dict], catalog_titles, catalog_ids, limits_text: str = "") -> "Allowed":
        """`limits_text`: text whose prices are also fine (e.g. the question's own "under £10")."""
        titles = {c["title"].lower() for c in candidates}
        titles |= {e["related"].lower() for c in candidates for e in c.get("evidence", []) if e.get("related")}
        prices = {round(float(c["price"]), 2) for c in candidates}
        prices |= {_amount(p) for c in candidates for e in c.get("evidence", [])
                   for p in PRICE.findall(e["text"])}        # e.g. the customer's own limit "under £10.00"
        prices |= {_amount(p) for p in PRICE.findall(limits_text)}
        others = [t for t in (t.lower() for t in catalog_titles) if t not in titles and len(t) > 8]
        return cls(titles, {c["item_id"].lower() for c in candidates}, prices, others,
                   {str(i).lower() for i in catalog_ids})


def problems(text: str, allowed: Allowed) -> dict[str, list]:
    """The one grounding check: what `text` names that the facts do not allow. Empty lists: grounded."""
    low = text.lower()
    return {
        "unknown_products": [t for t in allowed.other_titles
                             if t in low and not any(t in a for a in allowed.titles)],
        "unknown_ids": [tok for tok in re.findall(r"\b[0-9]{4,6}[A-Za-z]{0,2}\b", text)
                        if tok.lower() in allowed.catalog_ids and tok.lower() not in allowed.ids],
        "wrong_prices": [_amount(p) for p in PRICE.findall(text) if _amount(p) not in allowed.prices],
        "leaks": [m.group() for m in SYSTEM_LEAK.finditer(text)],
    }


def unquoted_numbers(text: str, source: str) -> list[str]:
    """Numbers in `text` that `source` (the quoted policy sections) never states: a policy answer's own facts."""
    quoted = set(NUMBER.findall(source))
    return [n for n in NUMBER.findall(text) if n not in quoted]


@dataclass
class GroundCheck:
    text: str
    removed: list[str] = field(default_factory=list)


def ground(text: str, candidates: list[dict], catalog_titles: set[str], catalog_ids: set[str]) -> GroundCheck:
    """Drop every sentence with a `problems` finding: a catalog product outside `candidates` (or the products
    their evidence refers to, e.g. what the customer bought), a product code that is not a candidate, a price
    that is not a candidate's catalog price, or a system-prompt leak."""
    allowed = Allowed.of(candidates, catalog_titles, catalog_ids)
    kept, removed = [], []
    for sentence in (s for s in SENTENCE.split(text) if s.strip() and not LIST_MARK.fullmatch(s.strip())):
        bad = any(problems(sentence, allowed).values())
        (removed if bad else kept).append(sentence.strip())
    return GroundCheck(" ".join(kept), removed)


def _amount(text: str) -> float:
    return round(float(text.replace(",", ".")), 2)
