"""Staff insights: question -> parsed query (shown) -> SQL on DuckDB -> k-anonymous table, chart, narrative.

    insights = Insights(index.folder, index.as_of, k_anonymity=10, money=lambda v: f"£{v:,.2f}")
    insight = insights.answer("revenue by segment last quarter")
    insight.rows, insight.chart, insight.narrative, insight.query.to_dict()

Money is formatted by the `money` callable the caller passes (chat/staff.py hands down search/money.py's
format_price): this floor knows no currency. The chat handler around it lives in chat/staff.py.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assistant.errors import UsageError
from assistant.privacy import add_laplace_noise, suppress_small_groups
from assistant.segments.nlq import QuestionParser
from assistant.segments.semantic import Analytics, InsightQuery, compile_query

METRIC_LABELS = {"customers": "customers", "revenue": "revenue", "orders": "orders", "aov": "average order value",
                 "frequency": "orders per customer", "units": "units sold", "churn_rate": "churn rate",
                 "churn_risk": "average churn risk", "high_value_probability": "high-value probability",
                 "avg_customer_value": "average customer value", "retention": "retention", "conversion": "conversion"}
RATES = {"churn_rate", "churn_risk", "high_value_probability", "retention", "conversion"}
MONEY = {"revenue", "aov", "avg_customer_value"}


@dataclass
class Insight:
    query: InsightQuery
    rows: list[dict]
    narrative: str
    chart: dict | None = None
    sql: str = ""
    notes: list[str] = field(default_factory=list)


class Insights:
    """Answers staff questions from the built files in `folder`; groups under `k_anonymity` customers hidden."""

    def __init__(self, folder: Path, as_of: pd.Timestamp, k_anonymity: int, money: Callable[[float], str]):
        self.k = k_anonymity
        self.money = money
        self.analytics = Analytics(folder)
        vocabulary = {c: self.analytics.values(c) for c in ("segment", "cluster", "country", "category")}
        self.parser = QuestionParser(vocabulary, as_of)

    def fmt(self, metric: str, value) -> str:
        if value is None:
            return "hidden"
        if metric in RATES:
            return f"{value:.1%}"
        if metric in MONEY:
            return self.money(value)
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

    def answer(self, question: str, noise_epsilon: float | None = None) -> Insight:
        q = self.parser.parse(question)
        try:
            rows = self.analytics.run(q)
        except UsageError as e:         # a metric/split the semantic layer does not offer
            return Insight(q, [], f"I can't compute that: {e}.")
        sql = compile_query(q)[0]
        rows, hidden = suppress_small_groups(rows, self.k)
        if noise_epsilon:
            rows = add_laplace_noise(rows, ["customers"] + (["orders", "units"] if q.metric in ("orders", "units")
                                                            else []), noise_epsilon)
        notes = [f"{hidden} group(s) with fewer than {self.k} customers hidden"] if hidden else []
        chart = ({"type": "line" if q.group_by == "month" else "bar", "x": q.group_by, "y": q.metric,
                  "title": f"{METRIC_LABELS[q.metric]} by {q.group_by}"} if q.group_by else None)
        return Insight(q, rows, self._narrative(q, rows, hidden), chart, sql, notes)

    def _narrative(self, q: InsightQuery, rows: list[dict], hidden: int) -> str:
        label = METRIC_LABELS[q.metric]
        scope = self._scope(q)
        visible = [r for r in rows if not r.get("suppressed")]
        if not rows:
            return f"No data for {label}{scope}."
        if not q.group_by:
            row = rows[0]
            if row.get("suppressed"):
                return (f"That group has fewer than {self.k} customers, so the figure is "
                        "hidden to protect their privacy.")
            return f"{_cap(label)}{scope}: {self.fmt(q.metric, row[q.metric])}{_count(q, row)}."
        if not visible:
            return f"Every {q.group_by} group{scope} has fewer than {self.k} customers; figures hidden."
        if q.group_by == "month":
            first, last = visible[0], visible[-1]
            return (f"{_cap(label)}{scope} went from {self.fmt(q.metric, first[q.metric])} in {first['month']} to "
                    f"{self.fmt(q.metric, last[q.metric])} in {last['month']} over {len(visible)} months.")
        top = visible[0]
        text = f"{_cap(str(top[q.group_by]))} leads on {label}{scope} with {self.fmt(q.metric, top[q.metric])}{_count(q, top)}"
        if q.metric in ("revenue", "customers", "orders", "units") and len(visible) > 1:
            total = sum(r[q.metric] or 0 for r in visible)
            text += f", {top[q.metric] / total:.0%} of the total across {len(visible)} {q.group_by} groups"
        if len(visible) > 1:
            low = visible[-1]
            text += f"; lowest is {low[q.group_by]} with {self.fmt(q.metric, low[q.metric])}"
        if hidden:
            text += f". {hidden} small group(s) hidden for privacy"
        return text + "."

    def _scope(self, q: InsightQuery) -> str:
        parts = [f"{k} {', '.join(v)}" for k, v in q.filters.items()]
        if q.product:
            parts.append(f"who bought '{q.product}'")
        if q.time:
            parts.append(q.time.label)
        return f" ({'; '.join(parts)})" if parts else ""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(q: InsightQuery, row: dict) -> str:
    return "" if q.metric == "customers" else f" ({row['customers']:,} customers)"
