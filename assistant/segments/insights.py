"""Staff insights: question -> parse (rules, else the LLM's schema fill) -> validated query -> DuckDB -> answer.

    insights = Insights(index.folder, index.as_of, k_anonymity=10, money=lambda v: f"£{v:,.2f}")
    insight = insights.answer("top 5 countries by revenue last quarter")
    insight.reading       # "Net revenue by country, top 5, last quarter (2011-07-01 to 2011-09-30)"
    insight.rows, insight.chart, insight.narrative, insight.query.to_dict(), insight.facts
    insight.clarification # set instead of numbers when the question is not fully understood (question + choices)

Money is formatted by the `money` callable the caller passes (chat/staff.py hands down search/money.py's
format_price): this floor knows no currency. The chat handler around it lives in chat/staff.py.
Never a number for a different question: the rules must explain every word; when they do not, the LLM may
propose a query (validated against the layer) that is offered as a choice, not answered - except where it agrees
with the rules' reading on every field and the words left over are at most two harmless ones (segments/agreement.py):
then the rules' reading is answered, each leftover word noted "read '<word>' as not changing the question".
"""
from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assistant.privacy import add_laplace_noise, suppress_small_groups
from assistant.segments.agreement import agreement
from assistant.segments.nlq import Clarification, Parse, QuestionParser, normalize
from assistant.segments.present import canonical, fmt_value, reading
from assistant.segments.semantic import METRICS, Query, QueryError, validate
from assistant.segments.sql import Analytics, compile_query

log = logging.getLogger(__name__)


@dataclass
class Insight:
    question: str
    query: Query | None
    rows: list[dict] = field(default_factory=list)
    narrative: str = ""
    reading: str = ""
    chart: dict | None = None
    sql: str = ""
    notes: list[str] = field(default_factory=list)
    clarification: Clarification | None = None
    facts: list[tuple[str, float | None]] = field(default_factory=list)   # (label, value) in answer order
    source: str = "rules"
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "clarify" if self.clarification else "answer"


class Insights:
    """Answers staff questions from the built files in `folder`; groups under `k_anonymity` customers left out."""

    def __init__(self, folder: Path, as_of: pd.Timestamp, k_anonymity: int, money: Callable[[float], str],
                 llm_parser: Callable[[str, Parse], Query | None] | None = None):
        self.k = k_anonymity
        self.money = money
        self.analytics = Analytics(folder, str(pd.Timestamp(as_of).date()))
        self.vocabulary = self.analytics.values()
        self.product_ids = self.analytics.product_ids()
        self.parser = QuestionParser(self.vocabulary, as_of, k_anonymity)
        self.as_of = pd.Timestamp(as_of)
        self.llm_parser = llm_parser          # (question, the rules' Parse) -> a proposed Query, or None

    def fmt(self, metric: str, value) -> str:
        return fmt_value(metric, value, self.money)

    # ------------------------------------------------------------ answer
    def answer(self, question: str, noise: tuple[float, dict[str, float]] | None = None) -> Insight:
        """`noise`: (epsilon, {column: one customer's most effect}) for Laplace noise on counts and sums, added in
        `_noised` - the one place staff figures leave this layer (privacy.py explains epsilon)."""
        t0 = time.perf_counter()
        parse = self.parser.parse(question)
        timings = {"parse": (time.perf_counter() - t0) * 1000}
        if parse.clarify:
            return Insight(question, None, narrative=parse.clarify.question, clarification=parse.clarify,
                           notes=parse.notes, timings_ms=timings)
        if parse.unexplained:
            return self._not_understood(question, parse, timings, noise)
        try:
            q = validate(parse.query, self.vocabulary)
        except QueryError as e:
            return Insight(question, None, narrative=f"I can't answer that exactly: {e}.",
                           clarification=Clarification(f"I can't answer that exactly: {e}.", []), timings_ms=timings)
        insight = self.compute(q, question, noise)
        insight.notes = parse.notes + insight.notes
        insight.timings_ms = timings | {"sql": (time.perf_counter() - t0) * 1000 - timings["parse"]}
        return insight

    def _not_understood(self, question: str, parse: Parse, timings: dict,
                        noise: tuple[float, dict[str, float]] | None = None) -> Insight:
        """Unexplained words: offer what the rules understood (and the LLM's proposal) as choices, no numbers; or,
        where the LLM agrees with the rules on every field and the leftover words are harmless, answer (agreement.py)."""
        words = ", ".join(f"'{w}'" for w in parse.unexplained)
        choices = []
        if self.llm_parser is not None:
            t0 = time.perf_counter()
            proposal = self.llm_parser(question, parse)
            timings["llm"] = (time.perf_counter() - t0) * 1000
            if proposal is not None:
                try:
                    proposal = validate(proposal, self.vocabulary)
                    choices.append(canonical(proposal))
                except QueryError as e:
                    log.info("LLM proposal rejected: %s", e)
                    proposal = None
            verdict = agreement(parse, proposal, normalize(question), self.as_of, self.parser.filter_words)
            log.info("agreement for %r: %s", question, verdict.reason or "yes")
            if verdict.ok:
                insight = self.compute(validate(parse.query, self.vocabulary), question, noise)
                insight.notes = parse.notes + verdict.notes + insight.notes
                insight.source = "rules+llm"
                insight.timings_ms = timings
                return insight
        if parse.query is not None:
            try:
                choices.append(canonical(validate(parse.query, self.vocabulary)))
            except QueryError:
                pass
        choices = list(dict.fromkeys(choices))
        if choices:
            text = f"I'm not sure what {words} means here. I can answer this instead:"
        else:
            text = (f"I'm not sure what {words} means here. I can answer questions about revenue, gross sales, "
                    "returns, orders, units, customers, repeat purchase rate, new customers, churn and shares, by "
                    "country, segment, cluster, category, product or month.")
        return Insight(question, None, narrative=text, clarification=Clarification(text, choices),
                       notes=parse.notes, timings_ms=timings)

    def compute(self, q: Query, question: str = "", noise: tuple[float, dict[str, float]] | None = None) -> Insight:
        """Run a validated query: rows (groups under k customers left out), facts, reading, narrative, chart."""
        if q.compare:
            return self._compare(q, question, noise)
        key = q.group_by or "all"
        raw = self.analytics.run_one(q)
        if not raw and not q.group_by:     # nothing in scope: counts and sums are 0, ratios undefined
            kind = METRICS[q.metric].kind
            raw = [{"all": "all", q.metric: 0 if kind in ("count", "money") and q.metric != "aov" else None,
                    "customers": 0, "empty": True}]
        rows, hidden = self._visible(raw, noise)
        rows = rows[:q.limit] if q.limit and q.group_by else rows
        named = q.filters.get(q.group_by or "", [])
        if len(named) > 1 and not q.limit:          # "France vs Germany": in the order asked
            rows.sort(key=lambda r: named.index(r[key]) if r[key] in named else len(named))
        facts = [(str(r[key]), r[q.metric]) for r in rows]
        if q.also:
            by_group = {r[key]: r for r in rows}
            for metric in q.also:
                for r in self._noised(self.analytics.run_one(dataclasses.replace(q, metric=metric, also=[],
                                                                                  limit=None)), noise):
                    if r[key] in by_group and not by_group[r[key]].get("suppressed"):   # a hidden group hides
                        by_group[r[key]][metric] = r[metric]                           # every figure of it
            metrics = [q.metric, *q.also]
            facts = [((f"{r[key]} · " if q.group_by else "") + METRICS[m].label, r.get(m)) for r in rows for m in metrics]
        notes = [f"{hidden} group(s) with fewer than {self.k} customers left out"] if hidden else []
        sql = compile_query(dataclasses.replace(q, also=[]))[0]
        return Insight(question, q, rows, self._narrative(q, rows, hidden), reading(q, self.product_ids),
                       self._chart(q), sql, notes, facts=facts)

    @staticmethod
    def _noised(rows: list[dict], noise: tuple[float, dict[str, float]] | None) -> list[dict]:
        return rows if not noise else add_laplace_noise(rows, noise[1], noise[0])

    def _visible(self, rows: list[dict], noise: tuple[float, dict[str, float]] | None = None) -> tuple[list[dict], int]:
        """Rows of groups with at least k customers (a single-figure answer keeps its row, marked, to explain),
        with `noise` added after suppression (suppressed rows stay hidden)."""
        if len(rows) == 1 and rows[0].pop("empty", False):
            return rows, 0                  # an empty scope describes no one: its 0 is shown
        marked, hidden = suppress_small_groups(rows, self.k)
        marked = self._noised(marked, noise)
        if len(rows) == 1 and rows[0].get("all") == "all":
            return marked, hidden
        return [r for r in marked if not r.get("suppressed")], hidden

    def _compare(self, q: Query, question: str, noise: tuple[float, dict[str, float]] | None = None) -> Insight:
        parts = []
        for period in q.compare:
            rows = self._visible(self.analytics.run_one(dataclasses.replace(q, time=period, compare=[], change=False)),
                                 noise)[0]
            parts.append((period, rows[:q.limit] if q.limit and q.group_by else rows))
        key = q.group_by or "all"
        rows = [{"period": p.label, **r} for p, part in parts for r in part]
        facts = [(f"{p.label} {r[key]}" if q.group_by else p.label, r[q.metric]) for p, part in parts for r in part]
        text = reading(q, self.product_ids)
        label = METRICS[q.metric].label
        if q.group_by is None and len(parts) == 2:
            (p1, (r1,)), (p2, (r2,)) = [(p, part) for p, part in parts]
            a, b = r1[q.metric], r2[q.metric]
            if a is None or b is None:
                narrative = f"{text}: figures hidden (fewer than {self.k} customers)."
            else:
                change = a - b
                pct = change / b if b else None
                if q.change:
                    facts += [("change", change), ("change_pct", pct)]
                    rows.append({"period": "change", q.metric: change, "change_pct": pct})
                narrative = (f"{label[:1].upper() + label[1:]} was {self.fmt(q.metric, a)} in {p1.label} and "
                             f"{self.fmt(q.metric, b)} in {p2.label}: {'+' if change >= 0 else '−'}"
                             f"{self.fmt(q.metric, abs(change))}" + (f" ({pct:+.1%})" if pct is not None else "") + ".")
        else:
            narrative = f"{label[:1].upper() + label[1:]} for each period is in the table."
        chart = {"type": "bar", "x": "period", "y": q.metric, "title": f"{label} by period"} if q.group_by is None \
            else None
        return Insight(question, q, rows, narrative, text, chart, "", [], facts=facts)

    def _chart(self, q: Query) -> dict | None:
        if not q.group_by:
            return None
        label = METRICS[q.metric].label
        return {"type": "line" if q.group_by == "month" else "bar", "x": q.group_by, "y": q.metric,
                "title": f"{label} by {q.group_by}"}

    def _narrative(self, q: Query, rows: list[dict], hidden: int) -> str:
        label = METRICS[q.metric].label if q.metric not in ("matching_customers", "customer_share") else "the figure"
        visible = [r for r in rows if not r.get("suppressed")]
        if not rows:
            return "No data in that scope."
        if not q.group_by:
            row = rows[0]
            if row.get("suppressed"):
                return (f"Fewer than {self.k} customers match, so the figure is hidden to protect their privacy.")
            if row.get(q.metric) is None and not q.also:
                return "No purchases in that scope, so there is no figure to give."
            extra = f" ({row['top_customers']:,} of {row['customers']:,} customers)" if "top_customers" in row else ""
            if q.also:
                return "; ".join(f"{METRICS[m].label}: {self.fmt(m, row.get(m))}" for m in (q.metric, *q.also)) + "."
            return f"{self.fmt(q.metric, row[q.metric])}{extra}."
        if not visible:
            return f"Every {q.group_by} group has fewer than {self.k} customers; figures hidden."
        if q.group_by == "month" and not q.limit:            # a series; 'which month ... most' is a ranking
            first, last = visible[0], visible[-1]
            return (f"{label[:1].upper() + label[1:]} went from {self.fmt(q.metric, first[q.metric])} in "
                    f"{first['month']} to {self.fmt(q.metric, last[q.metric])} in {last['month']}.")
        named = q.filters.get(q.group_by, [])
        if len(named) > 1 and not q.limit:
            return "; ".join(f"{r[q.group_by]}: {self.fmt(q.metric, r[q.metric])}" for r in visible) + "."
        top = visible[0]
        word = "Highest" if q.order == "desc" else "Lowest"
        text = f"{word}: {top[q.group_by]} with {self.fmt(q.metric, top[q.metric])}"
        if len(visible) > 1:
            text += f"; then {visible[1][q.group_by]} with {self.fmt(q.metric, visible[1][q.metric])}"
        if hidden:
            text += f". {hidden} group(s) with fewer than {self.k} customers left out for privacy"
        return text + "."
