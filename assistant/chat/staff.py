"""The staff handler: insight answers (segments/insights.py) as an Answer, audited, optionally noised; audience export.

    handler = StaffHandler(services)          # the engine calls handler.handle(turn) -> Answer for role="staff"
    insight = handler.answer("top 5 countries by revenue last quarter", session="tab-1", budget=handler.new_budget())
    insight.reading, insight.rows, insight.chart, insight.narrative, insight.clarification

    export_audience(services, segment="at risk", path=Path("at-risk.csv"))   # ids + recommended products

Figures come from the semantic layer in code; money is formatted here with the shop's currency. When the LLM is
on, it may propose a reading for words the rules could not explain (offered as a choice; answered only when it
agrees with the rules' reading on every field, segments/agreement.py).
Every question is recorded in the store's `staff_audit` table (when, session, parsed query, number of rows,
epsilon spent; never the rows). With `Settings.dp_epsilon > 0` the counts and sums get Laplace noise and each
answer spends epsilon per noisy column from the session's budget (`dp_session_budget`); once it is used up the
session gets no more figures (see privacy.py for what epsilon means).
"""
from __future__ import annotations

import csv
import functools
import logging
from pathlib import Path

from assistant.chat.answer import Answer
from assistant.chat.guard import clean_input
from assistant.errors import UsageError
from assistant.privacy import BudgetExhausted, PrivacyBudget
from assistant.search.money import format_price
from assistant.segments.insights import Insight, Insights
from assistant.segments.llm_parse import LLMQueryFiller

log = logging.getLogger(__name__)
SUGGESTIONS = ["revenue by segment last quarter", "top 5 countries by revenue", "repeat purchase rate in the UK"]
MAX_QUESTION_CHARS = 1_000
BUDGET_USED = ("This session has used its privacy budget, so I can't show more customer figures now. "
               "Start a new staff session later, or ask your administrator about the privacy settings.")


def parse_sensitivity(text: str) -> dict[str, float]:
    """'customers=1,revenue=1000' -> {'customers': 1.0, 'revenue': 1000.0} (Settings.dp_sensitivity)."""
    out = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise UsageError(f"setting dp_sensitivity: expected name=number, got {part!r}") from None
        if out[name.strip()] <= 0:
            raise UsageError(f"setting dp_sensitivity: {name.strip()} must be > 0, got {value}")
    return out


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
        self.sensitivity = parse_sensitivity(services.settings.dp_sensitivity)

    def new_budget(self, spent: float = 0.0) -> PrivacyBudget | None:
        """A session's epsilon budget, or None when differential privacy is off."""
        settings = self.s.settings
        return PrivacyBudget(settings.dp_session_budget, spent) if settings.dp_epsilon > 0 else None

    def answer(self, question: str, noise_epsilon: float | None = None, session: str = "",
               budget: PrivacyBudget | None = None) -> Insight:
        """Answer, noise (Settings.dp_epsilon unless `noise_epsilon` is given), charge `budget`, audit."""
        epsilon = self.s.settings.dp_epsilon if noise_epsilon is None else noise_epsilon
        question = clean_input(question, MAX_QUESTION_CHARS)
        insight = self.insights.answer(question, (epsilon, self.sensitivity) if epsilon else None)
        parsed = insight.query.to_dict() if insight.query else None
        noisy = {k for r in insight.rows if not r.get("suppressed") for k in self.sensitivity if r.get(k) is not None}
        cost = epsilon * len(noisy)
        if cost and budget is not None:
            try:
                budget.spend(cost)
            except BudgetExhausted as e:
                self.s.store.audit_staff(session, parsed, 0, 0.0, "refused: privacy budget used up")
                return Insight(question, insight.query, [], BUDGET_USED, notes=[str(e)])
        if cost:
            left = f"; {budget.left:g} of {budget.total:g} left this session" if budget is not None else ""
            insight.notes.append(f"{', '.join(sorted(noisy))} have Laplace noise (epsilon {epsilon:g} each{left})")
        outcome = "clarification" if insight.clarification else "answered"
        self.s.store.audit_staff(session, parsed, len(insight.rows), cost, outcome)
        return insight

    def handle(self, turn) -> Answer:
        budget = self.new_budget(turn.memory.get("dp_spent", 0.0))
        insight = self.answer(turn.message, session=turn.conversation_id, budget=budget)
        text = (insight.narrative if insight.clarification or not insight.reading
                else f"{insight.reading}: {insight.narrative}")
        return Answer("staff_insight", rows=insight.rows, chart=insight.chart,
                      parsed_query=insight.query.to_dict() if insight.query else None, notes=list(insight.notes),
                      fallback=text, suggestions=(list(insight.clarification.choices) if insight.clarification
                                                  else list(SUGGESTIONS)),
                      memory={"dp_spent": budget.spent} if budget is not None else {})


def export_audience(services, segment: str, path: Path, products_per_customer: int = 3) -> int:
    """Write customer ids of `segment` with their top recommended product ids as CSV; returns row count.

    Segments under the k-anonymity threshold (Settings.k_anonymity) are refused (a tiny audience could identify
    people). Each export is logged in the store's `exports` table (segment, count, path; never the ids)."""
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
    services.store.log_export(segment, len(members), str(path))
    log.info("exported %d customers of segment %r to %s", len(members), segment, path)
    return len(members)
