"""The staff handler: insight answers (segments/insights.py) as a Reply, and audience export.

    handler = StaffHandler(services)          # the engine calls handler.handle(turn) -> Answer for role="staff"
    insight = handler.answer("revenue by segment last quarter")
    insight.rows, insight.chart, insight.narrative, insight.query.to_dict()

    export_audience(services, segment="at risk", path=Path("at-risk.csv"))   # ids + recommended products

Figures come from the semantic layer in code; money is formatted here with the shop's currency.
"""
from __future__ import annotations

import csv
import functools
from pathlib import Path

from assistant.chat.answer import Answer
from assistant.errors import UsageError
from assistant.search.money import format_price
from assistant.segments.insights import Insight, Insights

SUGGESTIONS = ["revenue by segment last quarter", "which categories do at-risk customers buy",
               "top countries among champions"]


class StaffHandler:
    def __init__(self, services):
        self.s = services
        money = functools.partial(format_price, currency=services.currency, grouped=True)
        self.insights = Insights(services.index.folder, services.index.as_of, services.settings.k_anonymity, money)
        self.analytics = self.insights.analytics
        self.parser = self.insights.parser

    def answer(self, question: str, noise_epsilon: float | None = None) -> Insight:
        return self.insights.answer(question, noise_epsilon)

    def handle(self, turn) -> Answer:
        insight = self.answer(turn.message)
        return Answer("staff_insight", rows=insight.rows, chart=insight.chart, parsed_query=insight.query.to_dict(),
                      notes=list(insight.notes), fallback=insight.narrative, suggestions=list(SUGGESTIONS))


def export_audience(services, segment: str, path: Path, products_per_customer: int = 3) -> int:
    """Write customer ids of `segment` with their top recommended product ids as CSV; returns row count.

    Segments under the k-anonymity threshold are refused (a tiny audience could identify people)."""
    profiles = services.index.profiles
    members = profiles.loc[profiles["segment"] == segment, "user_id"].tolist()
    if len(members) < services.settings.k_anonymity:
        raise UsageError(f"segment {segment!r} has {len(members)} customers, fewer than k="
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
