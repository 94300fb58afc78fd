"""How a semantic-layer query and its numbers are put in words: the reading, the canonical question, formatting.

    reading(q, product_ids={"Regency Cakestand 3 Tier": ["22423"]})
    # "Customers who bought Regency Cakestand 3 Tier (22423), all time"
    canonical(q)          # "customers who bought "Regency Cakestand 3 Tier"" : a question the rule parser reads exactly
    fmt_value("revenue", 1092644.391, money)   # money(1092644.391), e.g. "£1,092,644.39"
    fmt_value("repeat_rate", 0.6545)            # "65.5%"
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from assistant.segments.semantic import METRICS, Condition, Period, Query

OP_WORDS = {"=": "exactly", ">=": "at least", "<=": "at most", ">": "more than", "<": "fewer than"}


def fmt_value(metric: str, value, money: Callable[[float], str] = lambda v: f"{v:,.2f}") -> str:
    """A figure for people: money via the shop's `money` formatter, rates as %, counts with thousands separators."""
    if value is None:
        return "hidden"
    kind = METRICS[metric].kind if metric in METRICS else "count"
    if kind == "money":
        return money(value)
    if kind == "rate":
        return f"{value:.1%}"
    if kind == "probability":
        return f"{value:.3f}"
    if kind == "ratio":
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def period_words(p: Period | None) -> str:
    if p is None:
        return "all time"
    last = (pd.Timestamp(p.end) - pd.Timedelta(days=1)).date()
    return f"{p.label} ({p.start} to {last})"


def condition_words(c: Condition | None) -> str:
    if c is None:
        return ""
    if c.kind == "orders":
        n = c.value
        return f"placed {OP_WORDS[c.op]} {n} order{'s' if n != 1 else ''}"
    if c.kind == "returned":
        return "returned something"
    if c.kind == "bought_product":
        return f'bought "{c.value}"'
    if c.kind == "bought_category":
        return f"bought from {c.value}"
    return f"are in {c.kind} {c.value}"


def _label(q: Query) -> str:
    m = METRICS[q.metric]
    if q.metric == "top_share":
        return f"share of net revenue from the top {q.top_pct:g}% of customers"
    if q.metric in ("customer_share", "matching_customers"):
        return f"{m.label} who {condition_words(q.condition)}"
    if q.metric == "returns_value":     # 'lost to cancellations': a cancellation is a credit note, counted here
        return f"{m.label} (credit notes: returns and cancellations)"
    return m.label


def reading(q: Query, product_ids: dict[str, list[str]] | None = None) -> str:
    """How the question was read, in words, with the exact names and dates used."""
    ids = product_ids or {}
    text = _label(q)
    scope = []
    for key, values in q.filters.items():
        if key == "product":
            scope.append("of " + " or ".join(f"{v} ({', '.join(ids.get(v, []))})" for v in values))
        else:
            scope.append(f"{key} {' or '.join(values)}")
    for values in q.exclude.values():
        scope.append(f"excluding {' and '.join(values)}")
    for key, value in q.bought.items():
        scope.append(f"customers who bought {value}" + (f" ({', '.join(ids.get(value, []))})" if key == "product"
                                                        else " (any product of the category)"))
    if q.metric == "customers" and "product" in q.filters:
        scope = [s for s in scope if not s.startswith("of ")]
        names = q.filters["product"]
        text = "customers who bought " + " or ".join(f"{v} ({', '.join(ids.get(v, []))})" for v in names)
    if q.group_by:
        text += f" by {q.group_by}"
        if q.limit:
            text += f", {'top' if q.order == 'desc' else 'bottom'} {q.limit}"
    if scope:
        text += "; " + "; ".join(scope)
    if q.change and len(q.compare) == 2:
        text += f"; {period_words(q.compare[0])} compared with the {period_words(q.compare[1])}"
    elif q.compare:
        text += "; " + " vs ".join(period_words(p) for p in q.compare)
    else:
        text += f", {period_words(q.time)}"
    return text[:1].upper() + text[1:]


def canonical(q: Query) -> str:
    """A plain question for `q` that the rule parser reads back exactly (used for clarifying choices)."""
    words = {"top_share": f"share of revenue from the top {q.top_pct or 0:g}% of customers",
             "customer_share": f"what share of customers {condition_words(q.condition)}",
             "matching_customers": f"how many customers {condition_words(q.condition)}",
             "new_customers": "new customers", "returning_customers": "customers who returned something",
             "aov": "average order value", "revenue_per_customer": "net revenue per customer",
             "repeat_rate": "repeat purchase rate", "frequency": "orders per customer",
             "customer_value": "customer value", "high_value_probability": "high value probability",
             "churn_risk": "churn risk", "churn_rate": "churn rate", "churned_customers": "churned customers", "gross_sales": "gross sales",
             "returns_value": "returns value", "units": "units sold"}
    text = words.get(q.metric, q.metric)
    if q.group_by:
        text = (f"top {q.limit} " if q.limit and q.order == "desc" else f"bottom {q.limit} " if q.limit else "") \
            + f"{text} by {q.group_by}"
    for key, values in q.filters.items():
        for v in values:
            text += f' for "{v}"' if key == "product" else f" in {v}"
    for values in q.exclude.values():
        text += "".join(f" excluding {v}" for v in values)
    for key, value in q.bought.items():
        text += f' for customers who bought "{value}"' if key == "product" else f" for customers who bought {value}"
        text += " in the same period" if q.time or q.compare else ""
    if q.change and q.compare:
        text += f" {q.compare[0].label} change vs the previous period"
    elif q.compare:
        text += " " + " vs ".join(p.label for p in q.compare)
    elif q.time:
        text += f" {q.time.label}"
    return text
