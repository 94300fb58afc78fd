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

A small model fills fields the question never names ("repeat purchase rate across all our customers" -> "top 1 ...
by country"), so the schema offers "none" first for the breakdown and "all time" first for the period, the prompt's
examples mostly have neither, and `to_query(out, as_of, question)` keeps only what the question's words hold:
    to_query({"metric": "units", "group_by": "country", "top": 1, "country": "Spain"}, as_of, "units sold in spain")
    # -> units in Spain: no 'top' (the question states no number), a country/segment/category the question's text
    #    does not name (its name, an alias or a Chinese name, lexicon's *_ALIASES) rejects the whole proposal
    #    (None: the model saw a restriction in words that name no value, 'sales in Europe'), and so does a
    #    breakdown whose noun (lexicon.DIMENSION_NOUNS) the question lacks
"""
from __future__ import annotations

import logging
import re

import pandas as pd

from assistant.errors import LLMUnavailable
from assistant.prompts import render
from assistant.segments import lexicon as L
from assistant.segments.periods import find_periods
from assistant.segments.semantic import DIMENSIONS, METRICS, Query

log = logging.getLogger(__name__)
FILLABLE = [m for m in METRICS if m not in ("customer_share", "matching_customers", "top_share", "churned_customers")]
MAX_TOKENS = 48           # the longest answer with every field filled is ~40 tokens
PERIODS = ["last month", "this month", "last quarter", "this quarter", "this year", "last year", "last 30 days",
           "last 7 days", "last 90 days"]
NO_BREAKDOWN = "none"    # the schema's first, named choice for group_by
ALL_TIME = "all time"     # ... and for period
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
PROMPT_VALUES = {"metrics": ", ".join(FILLABLE), "dimensions": ", ".join((NO_BREAKDOWN, *DIMENSIONS)),
                 "periods": ", ".join(f'"{p}"' for p in (ALL_TIME, *PERIODS)) + ', or a named year "YYYY", quarter '
                            '"Q1 YYYY" or month "November YYYY"'}


def schema(vocabulary: dict[str, set[str]], periods: list[str] = PERIODS) -> dict:
    """Only `metric` required; every other field optional (left out when the question does not need it)."""
    def one_of(values) -> dict:
        return {"enum": sorted(values)}
    return {"type": "object", "additionalProperties": False, "required": ["metric"],
            "properties": {"metric": {"enum": [*FILLABLE, "unknown"]},
                           "group_by": {"enum": [NO_BREAKDOWN, *DIMENSIONS]},
                           "country": one_of(vocabulary.get("country", ())),
                           "segment": one_of(vocabulary.get("segment", ())),
                           "category": one_of(vocabulary.get("category", ())),
                           "period": {"enum": [ALL_TIME, *periods]},
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
        return to_query(out, self.as_of, question, self.vocabulary)


_ALIASES = {"country": L.COUNTRY_ALIASES, "segment": L.SEGMENT_ALIASES, "category": L.CATEGORY_ALIASES}
_NUMBERS = re.compile(r"\d+|[a-z]+|[一二两三四五六七八九十]+")


def names_of(key: str, value: str) -> list[str]:
    """Every lower-cased way a question may name a filter value: the value, its aliases (English and Chinese), and
    for a category the words of its name ('candles' for Candles & Lights)."""
    names = [value.lower()] + [a for a, v in _ALIASES.get(key, {}).items() if v == value]
    if key == "category":
        names += [w for w in re.findall(r"[a-z]+", value.lower()) if len(w) >= 4]
    return names


def _named(name: str, text: str) -> bool:
    if name.isascii():
        return re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", text) is not None
    return name in text


def numbers_in(question: str) -> set[int]:
    """The numbers a question states, as digits, English number words or Chinese numerals."""
    out = set()
    for m in _NUMBERS.finditer(question.lower()):
        w = m.group(0)
        n = int(w) if w.isdigit() else L.NUMBER_WORDS.get(w)
        if n is not None:
            out.add(n)
    return out


def to_query(out: dict, as_of: pd.Timestamp, question: str | None = None,
             vocabulary: dict[str, set[str]] | None = None) -> Query | None:
    """The schema's JSON as a Query (None when the LLM found no metric for the question). With the question: a
    filter value or a breakdown the question's text does not name rejects the proposal (None); a top/bottom N is
    only kept when the question states N, a named period (a year, quarter or month) only when it holds the year.
    A breakdown the question names no noun of, where it names exactly one value of that dimension ('orders that
    came from Spain' filled as 'by country'; `vocabulary` given), is read as that value's filter."""
    if out.get("metric") in (None, "unknown"):
        return None
    group_by = None if out.get("group_by") in (None, NO_BREAKDOWN) else out["group_by"]
    text = question.lower() if question is not None else None
    if group_by and text is not None and not re.search(L.DIMENSION_NOUNS[group_by], text):
        named = [v for v in (vocabulary or {}).get(group_by, ()) if group_by in _ALIASES
                 and any(_named(n, text) for n in names_of(group_by, v))]
        if len(named) != 1 or out.get(group_by):
            log.info("LLM proposal rejected: the question names no %s to break down by", group_by)
            return None     # as with a filter: the model read a breakdown into words that name none
        # 'how many orders came from Spain': the model's 'by country' where the question names one country only
        out = {**{k: v for k, v in out.items() if k not in ("top", "bottom")}, group_by: named[0]}
        group_by = None
    filters = {}
    for key in ("country", "segment", "category"):
        value = out.get(key)
        if not value or key == group_by:
            continue
        if text is not None and not any(_named(n, text) for n in names_of(key, value)):
            # the LLM saw a restriction in words that name no value ('in Europe' -> a country): no reading to trust
            log.info("LLM proposal rejected: filter %s=%r is not named in the question", key, value)
            return None
        filters[key] = [value]
    period = out.get("period")
    if period and text is not None and re.search(r"\d{4}", period) and re.search(r"\d{4}", period).group(0) not in text:
        log.info("LLM period %r dropped: the question names no such year", period)
        period = None
    periods = find_periods(period.lower(), as_of) if period and period != ALL_TIME else []
    limit, order = (out["bottom"], "asc") if out.get("bottom") and not out.get("top") else (out.get("top"), "desc")
    if limit is not None and text is not None and limit not in numbers_in(text):
        log.info("LLM limit %s dropped: the question states no such number", limit)
        limit, order = None, "desc"
    return Query(out["metric"], group_by, filters, time=periods[0][1] if periods else None,
                 limit=limit if group_by else None, order=order)
