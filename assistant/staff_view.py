"""What the Staff tab shows for one insight: markdown, a table for people, a plot frame, a CSV file, choices.

    view = staff_view(insight, fmt=insights.fmt, folder=Path("/tmp/staff-csv"))
    view.narrative      # "**Read as:** Net revenue by country, top 5, all time\n\nHighest: ..."
    view.table          # DataFrame with formatted strings ("£6,823,538.70", "65.5%", "3,916")
    view.plot           # DataFrame(group, value) for a Gradio BarPlot / LinePlot (empty when no chart suits)
    view.csv_path       # the raw numbers as CSV (None for a clarifying question)
    view.choices        # a clarifying question's choices (each a full question), shown as buttons

    note, table, plot = experiment_view(ab_report(store, settings))   # the A/B report: verdict, arms, bars

No Gradio here (testable alone); app.py maps a StaffView onto its components.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assistant.segments.semantic import METRICS

INTERNAL = {"suppressed", "all"}


@dataclass
class StaffView:
    narrative: str
    parsed: dict
    table: pd.DataFrame
    plot: pd.DataFrame
    plot_kind: str = ""            # bar | line | "" (no chart)
    plot_title: str = ""
    csv_path: str | None = None
    choices: list[str] = field(default_factory=list)


def _columns(insight) -> list[str]:
    q = insight.query
    cols = [c for c in ("period", q.group_by) if c and any(c in r for r in insight.rows)]
    metrics = [m for m in (q.metric, *q.also) if any(m in r for r in insight.rows)]
    extra = [c for c in ("change_pct", "top_customers", "customers") if c not in metrics and
             any(c in r for r in insight.rows)]
    return cols + metrics + extra


def staff_view(insight, fmt: Callable[[str, object], str], folder: Path) -> StaffView:
    if insight.clarification is not None:
        return StaffView(insight.clarification.question, {}, pd.DataFrame(), pd.DataFrame(columns=["group", "value"]),
                         choices=list(insight.clarification.choices))
    if not insight.reading:             # a refusal (e.g. the session's privacy budget is used up): words only
        notes = "".join(f"\n\n_{n}_" for n in insight.notes)
        return StaffView(insight.narrative + notes, {}, pd.DataFrame(), pd.DataFrame(columns=["group", "value"]))
    q = insight.query
    cols = _columns(insight)
    label = {c: METRICS[c].label if c in METRICS else c.replace("_", " ") for c in cols}
    label["change_pct"], label["top_customers"] = "change %", "top customers"
    shown = []
    for r in insight.rows:
        row = {}
        for c in cols:
            value = r.get(c)
            if c in METRICS:
                row[label[c]] = fmt(c, value) if value is not None or c in r else ""
            elif c == "change_pct":
                row[label[c]] = f"{value:+.1%}" if value is not None else ""
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                row[label[c]] = f"{value:,}"
            else:
                row[label[c]] = "" if value is None else str(value)
        shown.append(row)
    table = pd.DataFrame(shown, columns=[label[c] for c in cols])
    plot, kind, title = pd.DataFrame(columns=["group", "value"]), "", ""
    if insight.chart and q.group_by:
        points = [(str(r[q.group_by]), float(r[q.metric])) for r in insight.rows if r.get(q.metric) is not None]
        plot = pd.DataFrame(points[:25], columns=["group", "value"])
        kind, title = insight.chart["type"], insight.chart["title"]
    elif insight.chart and insight.chart.get("x") == "period":
        points = [(str(r["period"]), float(r[q.metric])) for r in insight.rows
                  if r.get("period") != "change" and r.get(q.metric) is not None]
        plot, kind, title = pd.DataFrame(points, columns=["group", "value"]), "bar", insight.chart["title"]
    notes = "".join(f"\n\n_{n}_" for n in insight.notes)
    narrative = f"**Read as:** {insight.reading}\n\n{insight.narrative}{notes}"
    return StaffView(narrative, q.to_dict(), table, plot, kind, title, write_csv(insight, cols, folder))


def write_csv(insight, cols: list[str], folder: Path) -> str:
    """The rows' raw numbers as CSV in `folder` (named by the question, so a repeat overwrites)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(insight.reading.encode()).hexdigest()[:12]
    path = folder / f"insight-{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(cols)
        for r in insight.rows:
            writer.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    return str(path)


def experiment_view(report: dict) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The A/B report (experiments/report.py) as markdown, a table (one row per arm, rates with 95% intervals)
    and a plot frame (group = arm, value = conversion %)."""
    def pct(m: dict) -> str:
        return "-" if m["rate"] is None else f"{m['rate']:.2%} ({m['low']:.2%}-{m['high']:.2%})"
    rows = [{"arm": a["arm"], "conversations": f"{a['conversations']:,}", "product cards": f"{a['cards']:,}",
             "conversion": pct(a["conversion"]), "add-to-cart per card": pct(a["add_to_cart_per_card"]),
             "thumbs-up per answer": pct(a["thumbs_up_per_answer"]), "LLM text per answer": pct(a["llm_share"])}
            for a in report["arms"]]
    plot = pd.DataFrame([(a["arm"], 100 * (a["conversion"]["rate"] or 0.0)) for a in report["arms"]],
                        columns=["group", "value"])
    lines = [f"**Verdict:** {report['verdict']}"]
    for t in report["tests"]:
        mde = "-" if t["mde"] is None else f"{t['mde']:.2%}"
        need = "-" if t["needed_per_arm"] is None else f"{t['needed_per_arm']:,}"
        lines.append(f"{t['arm']} vs {t['control']}: {t['difference']:+.2%} conversion, p = {t['p_value']:.4f} "
                     f"(pooled two-proportion z-test); smallest lift this size detects: {mde}; "
                     f"{need} conversations per arm find a {report['plan']['target_lift']:.0%} lift")
    return "\n\n".join(lines), pd.DataFrame(rows), plot
