"""The LLM's part in reading staff questions: fill the semantic layer's schema with constrained JSON.

    fill = LLMQueryFiller(gate, vocabulary, as_of)       # gate: models/gate.py (json(messages, schema, purpose, ...))
    q = fill("how dependent are we on the top 1% of customers", parse)   # a Query, or None

Only used when the rules leave words unexplained. Every field is an enum of the layer's names or the shop's
values, so the JSON cannot name anything the data lacks; the Query is validated again by the caller and shown as
a choice ("I can answer this instead: ..."); it is answered only where it agrees with the rules' own reading on
every field and the words the rules left are harmless (segments/agreement.py), never on its own.

Speed (2 cores, llama.cpp): only `metric` is required and no field takes null, so the model writes just the fields
the question needs ({"metric":"revenue","country":"Spain"}: ~12 tokens instead of ~45 with every field spelt out);
`MAX_TOKENS` caps the answer; the prompt's system part is static (cached prefix) and the question comes last.
"""
from __future__ import annotations

import logging

import pandas as pd

from assistant.errors import LLMUnavailable
from assistant.prompts import render
from assistant.segments.periods import find_periods
from assistant.segments.semantic import DIMENSIONS, METRICS, Query

log = logging.getLogger(__name__)
FILLABLE = [m for m in METRICS if m not in ("customer_share", "matching_customers", "top_share", "churned_customers")]
MAX_TOKENS = 48           # the longest answer with every field filled is ~40 tokens
PERIODS = ["last month", "this month", "last quarter", "this quarter", "this year", "last year", "last 30 days",
           "last 7 days", "last 90 days"]
NAMED_YEARS = 2          # named periods offered too: this year and the one before, each whole, by quarter and month


def named_periods(as_of: pd.Timestamp, years: int = NAMED_YEARS) -> list[str]:
    """'2011', 'Q3 2011', 'November 2011' for the last `years` years up to as_of (so '... in 2011' has a value)."""
    out = []
    for y in range(as_of.year - years + 1, as_of.year + 1):
        out.append(str(y))
        out += [f"Q{q} {y}" for q in range(1, 5) if (y, 3 * q - 2) <= (as_of.year, as_of.month)]
        out += [pd.Timestamp(year=y, month=m, day=1).strftime("%B %Y") for m in range(1, 13)
                if (y, m) <= (as_of.year, as_of.month)]
    return out


# the prompt's static values (its system part): the same for every question and every shop, so an engine keeps it
# evaluated (chat/warm.py warms it); the named periods are in the schema's enum, the prompt only shows their form
PROMPT_VALUES = {"metrics": ", ".join(FILLABLE), "dimensions": ", ".join(DIMENSIONS),
                 "periods": ", ".join(f'"{p}"' for p in PERIODS) + ', or a named year "YYYY", quarter "Q1 YYYY" '
                            'or month "November YYYY"'}


def schema(vocabulary: dict[str, set[str]], periods: list[str] = PERIODS) -> dict:
    """Only `metric` required; every other field optional (left out when the question does not need it)."""
    def one_of(values) -> dict:
        return {"enum": sorted(values)}
    return {"type": "object", "additionalProperties": False, "required": ["metric"],
            "properties": {"metric": {"enum": [*FILLABLE, "unknown"]},
                           "group_by": one_of(DIMENSIONS),
                           "country": one_of(vocabulary.get("country", ())),
                           "segment": one_of(vocabulary.get("segment", ())),
                           "category": one_of(vocabulary.get("category", ())),
                           "period": {"enum": list(periods)},
                           "top": {"type": "integer", "minimum": 1, "maximum": 100},     # N largest
                           "bottom": {"type": "integer", "minimum": 1, "maximum": 100}}}  # N smallest


class LLMQueryFiller:
    def __init__(self, gate, vocabulary: dict[str, set[str]], as_of: pd.Timestamp, timeout_s: float = 3.0):
        self.gate = gate
        self.vocabulary = vocabulary
        self.as_of = pd.Timestamp(as_of)
        self.timeout_s = timeout_s
        self.periods = PERIODS + named_periods(self.as_of)
        self.schema = schema(vocabulary, self.periods)

    def __call__(self, question: str, parse=None) -> Query | None:
        # the values themselves are enums of the schema (constrained decoding), so the prompt stays short
        messages = render("staff_query", question=question, **PROMPT_VALUES)
        try:
            out = self.gate.json(messages, self.schema, purpose="staff", timeout_s=self.timeout_s,
                                 max_new_tokens=MAX_TOKENS)
        except LLMUnavailable as e:
            log.info("staff query fill unavailable: %s", e)
            return None
        return to_query(out, self.as_of)


def to_query(out: dict, as_of: pd.Timestamp) -> Query | None:
    """The schema's JSON as a Query (None when the LLM found no metric for the question)."""
    if out.get("metric") in (None, "unknown"):
        return None
    filters = {key: [out[key]] for key in ("country", "segment", "category") if out.get(key)}
    if out.get("group_by") in filters:
        filters.pop(out["group_by"])
    periods = find_periods(out["period"].lower(), as_of) if out.get("period") else []
    limit, order = (out["bottom"], "asc") if out.get("bottom") and not out.get("top") else (out.get("top"), "desc")
    return Query(out["metric"], out.get("group_by"), filters, time=periods[0][1] if periods else None,
                 limit=limit if out.get("group_by") else None, order=order)
