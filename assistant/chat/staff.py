"""The staff handler: insight answers (segments/insights.py) as an Answer, and audience export.

    handler = StaffHandler(services)          # the engine calls handler.handle(turn) -> Answer for role="staff"
    insight = handler.answer("top 5 countries by revenue last quarter")
    insight.reading, insight.rows, insight.chart, insight.narrative, insight.clarification

    export_audience(services, segment="at risk", path=Path("at-risk.csv"))   # ids + recommended products

Figures come from the semantic layer in code; money is formatted here with the shop's currency. When the LLM is
on, it may propose a reading for words the rules could not explain (offered as a choice, never answered).
"""
from __future__ import annotations

import csv
import functools
from pathlib import Path

from assistant.chat.answer import Answer
from assistant.errors import UsageError
from assistant.search.money import format_price
from assistant.segments.insights import Insight, Insights
from assistant.segments.llm_parse import LLMQueryFiller

SUGGESTIONS = ["revenue by segment last quarter", "top 5 countries by revenue", "repeat purchase rate in the UK"]


class StaffHandler:
    def __init__(self, services):
        self.s = services
        money = functools.partial(format_price, currency=services.currency, grouped=True)
        self.insights = Insights(services.index.folder, services.index.as_of, services.settings.k_anonymity, money)
        if services.gate is not None:
            self.insights.llm_parser = LLMQueryFiller(services.gate, self.insights.vocabulary,
                                                      services.index.as_of, services.settings.staff_llm_timeout_s)
        self.analytics = self.insights.analytics
        self.parser = self.insights.parser

    def answer(self, question: str) -> Insight:
        return self.insights.answer(question)

    def handle(self, turn) -> Answer:
        insight = self.answer(turn.message)
        text = insight.narrative if insight.clarification else f"{insight.reading}: {insight.narrative}"
        return Answer("staff_insight", rows=insight.rows, chart=insight.chart,
                      parsed_query=insight.query.to_dict() if insight.query else None, notes=list(insight.notes),
                      fallback=text, suggestions=(list(insight.clarification.choices) if insight.clarification
                                                  else list(SUGGESTIONS)))


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
