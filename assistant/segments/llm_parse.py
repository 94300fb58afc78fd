"""The LLM's part in reading staff questions: fill the semantic layer's schema with constrained JSON.

    fill = LLMQueryFiller(gate, vocabulary, as_of)       # gate: models/gate.py (json(messages, schema, purpose, ...))
    q = fill("how dependent are we on the top 1% of customers", parse)   # a Query, or None

Only used when the rules leave words unexplained. Every field is an enum of the layer's names or the shop's
values, so the JSON cannot name anything the data lacks; the Query is validated again by the caller and shown as
a choice ("I can answer this instead: ..."), never answered without the user picking it.
"""
from __future__ import annotations

import logging

import pandas as pd

from assistant.errors import LLMUnavailable
from assistant.prompts import render
from assistant.segments.periods import find_periods
from assistant.segments.semantic import DIMENSIONS, METRICS, Query

log = logging.getLogger(__name__)
FILLABLE = [m for m in METRICS if m not in ("customer_share", "matching_customers", "top_share")]
PERIODS = ["last month", "this month", "last quarter", "this quarter", "this year", "last year", "last 30 days",
           "last 7 days", "last 90 days"]


def schema(vocabulary: dict[str, set[str]]) -> dict:
    def one_of(values) -> dict:
        return {"enum": [*sorted(values), None]}
    return {"type": "object", "additionalProperties": False,
            "required": ["metric", "group_by", "country", "segment", "category", "period", "limit", "order"],
            "properties": {"metric": {"enum": [*FILLABLE, "unknown"]},
                           "group_by": one_of([d for d in DIMENSIONS]),
                           "country": one_of(vocabulary.get("country", ())),
                           "segment": one_of(vocabulary.get("segment", ())),
                           "category": one_of(vocabulary.get("category", ())),
                           "period": one_of(PERIODS),
                           "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
                           "order": {"enum": ["desc", "asc"]}}}


class LLMQueryFiller:
    def __init__(self, gate, vocabulary: dict[str, set[str]], as_of: pd.Timestamp, timeout_s: float = 3.0):
        self.gate = gate
        self.vocabulary = vocabulary
        self.as_of = pd.Timestamp(as_of)
        self.timeout_s = timeout_s
        self.schema = schema(vocabulary)

    def __call__(self, question: str, parse=None) -> Query | None:
        # the values themselves are enums of the schema (constrained decoding), so the prompt stays short
        messages = render("staff_query", question=question, metrics=", ".join(FILLABLE),
                          dimensions=", ".join(DIMENSIONS), periods=", ".join(PERIODS))
        try:
            out = self.gate.json(messages, self.schema, purpose="staff", timeout_s=self.timeout_s)
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
    periods = find_periods(out["period"], as_of) if out.get("period") else []
    return Query(out["metric"], out.get("group_by"), filters, time=periods[0][1] if periods else None,
                 limit=out.get("limit") if out.get("group_by") else None, order=out.get("order") or "desc")
