"""Staff insights: question -> parsed query (shown) -> SQL on DuckDB -> k-anonymous table, chart, narrative.

    handler = StaffHandler(services)          # the engine calls handler.handle(turn) for role="staff"
    insight = handler.answer("revenue by segment last quarter")
    insight.rows, insight.chart, insight.narrative, insight.query.to_dict()

    export_audience(services, segment="at risk", path=Path("at-risk.csv"))   # ids + recommended products
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from assistant.chat.reply import Reply
from assistant.segments.nlq import QuestionParser
from assistant.segments.privacy import add_laplace_noise, suppress_small_groups
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


def fmt(metric: str, value) -> str:
    if value is None:
        return "hidden"
    if metric in RATES:
        return f"{value:.1%}"
    if metric in MONEY:
        return f"£{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


class StaffHandler:
    def __init__(self, services):
        self.s = services
        self.analytics = Analytics(services.index.folder)
        vocabulary = {c: self.analytics.values(c) for c in ("segment", "cluster", "country", "category")}
        self.parser = QuestionParser(vocabulary, services.index.as_of)

    def answer(self, question: str, noise_epsilon: float | None = None) -> Insight:
        q = self.parser.parse(question)
        try:
            rows = self.analytics.run(q)
        except ValueError as e:
            return Insight(q, [], f"I can't compute that: {e}.")
        sql = compile_query(q)[0]
        rows, hidden = suppress_small_groups(rows, self.s.settings.k_anonymity)
        if noise_epsilon:
            rows = add_laplace_noise(rows, ["customers"] + (["orders", "units"] if q.metric in ("orders", "units")
                                                            else []), noise_epsilon)
        notes = [f"{hidden} group(s) with fewer than {self.s.settings.k_anonymity} customers hidden"] if hidden else []
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
                return (f"That group has fewer than {self.s.settings.k_anonymity} customers, so the figure is "
                        "hidden to protect their privacy.")
            return f"{_cap(label)}{scope}: {fmt(q.metric, row[q.metric])}{_count(q, row)}."
        if not visible:
            return f"Every {q.group_by} group{scope} has fewer than {self.s.settings.k_anonymity} customers; figures hidden."
        if q.group_by == "month":
            first, last = visible[0], visible[-1]
            return (f"{_cap(label)}{scope} went from {fmt(q.metric, first[q.metric])} in {first['month']} to "
                    f"{fmt(q.metric, last[q.metric])} in {last['month']} over {len(visible)} months.")
        top = visible[0]
        text = f"{_cap(str(top[q.group_by]))} leads on {label}{scope} with {fmt(q.metric, top[q.metric])}{_count(q, top)}"
        if q.metric in ("revenue", "customers", "orders", "units") and len(visible) > 1:
            total = sum(r[q.metric] or 0 for r in visible)
            text += f", {top[q.metric] / total:.0%} of the total across {len(visible)} {q.group_by} groups"
        if len(visible) > 1:
            low = visible[-1]
            text += f"; lowest is {low[q.group_by]} with {fmt(q.metric, low[q.metric])}"
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

    def handle(self, turn) -> Reply:
        insight = self.answer(turn.message)
        reply = Reply(turn.conversation_id, "staff_insight", turn.role, rows=insight.rows, chart=insight.chart,
                      parsed_query=insight.query.to_dict(), notes=insight.notes, _fallback=insight.narrative)
        reply.suggestions = ["revenue by segment last quarter", "which categories do at-risk customers buy",
                             "top countries among champions"]
        return reply


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(q: InsightQuery, row: dict) -> str:
    return "" if q.metric == "customers" else f" ({row['customers']:,} customers)"


def export_audience(services, segment: str, path: Path, products_per_customer: int = 3) -> int:
    """Write customer ids of `segment` with their top recommended product ids as CSV; returns row count.

    Segments under the k-anonymity threshold are refused (a tiny audience could identify people)."""
    profiles = services.index.profiles
    members = profiles.loc[profiles["segment"] == segment, "user_id"].tolist()
    if len(members) < services.settings.k_anonymity:
        raise ValueError(f"segment {segment!r} has {len(members)} customers, fewer than k="
                         f"{services.settings.k_anonymity}; not exported")
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["user_id", "segment"] + [f"product_{i}" for i in range(1, products_per_customer + 1)])
        for user in members:
            recs = services.ranker.recommend("", user_id=user, n=products_per_customer).items
            writer.writerow([user, segment] + [r.item_id for r in recs])
    tmp.replace(path)
    return len(members)
