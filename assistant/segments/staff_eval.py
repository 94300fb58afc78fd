"""Score staff insights on a question set written blind, with answers from hand-written SQL: exact / clarified / wrong.

    report = evaluate_insights(insights)           # default: resources/staff_eval.jsonl (shipped with the package)
    report = evaluate_insights(insights, eval_set("test"))   # the held-out set, resources/staff_test.jsonl
    parse_accuracy(insights.parser)                # resources/staff_questions.csv: expected parse per question
    report["exact"], report["clarified"], report["wrong"], report["by_lang"], report["items"]

Each line: {id, question, lang, expect: answer|clarify|unsupported, value | rows: [[label, value...], ...]}.
- exact: expect=answer and every expected number (and group label, for breakdowns) matches the answer, in order
  (a question that names no N gets the default top N: then the expected rows must be the answer's first rows);
- clarified: the assistant asked a clarifying question or said what it can answer instead (no numbers);
- wrong: any number given for a clarify/unsupported item, or numbers that differ from the expected ones.
"""
from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path

from assistant.resources import STAFF_EVAL, STAFF_QUESTIONS, STAFF_TEST
from assistant.segments.nlq import DEFAULT_TOP_NOTE

SETS = {"dev": STAFF_EVAL, "test": STAFF_TEST}   # dev: used while developing; test: held out (staff_test.md)


def eval_set(name: str | Path) -> Path:
    """'dev' | 'test' | a path -> the set's path (a missing file raises FileNotFoundError naming it)."""
    path = SETS.get(str(name), Path(name))
    if not Path(path).is_file():
        raise FileNotFoundError(f"staff eval set {name!r}: no file {path} (sets: {', '.join(SETS)}, or a path)")
    return Path(path)


def load_items(path: Path = STAFF_EVAL) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {n}: not JSON ({e})") from None
            for key in ("id", "question", "expect"):
                if key not in item:
                    raise ValueError(f"{path}: line {n}: field {key!r} missing")
            if item["expect"] == "answer" and "value" not in item and "rows" not in item:
                raise ValueError(f"{path}: line {n}: expect=answer needs 'value' or 'rows'")
            if isinstance(item.get("value"), list):     # [current, previous, change, pct]: unlabelled rows
                item["rows"] = [[v] for v in item.pop("value")]
            items.append(item)
    return items


def same_number(got, expected) -> bool:
    """Equal up to the rounding of `expected` (a figure rounded to 2 or 4 decimals)."""
    if got is None or expected is None:
        return got is None and expected is None
    got, expected = float(got), float(expected)
    if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
        return True
    text = repr(expected)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return abs(got - expected) <= 0.5 * 10 ** -max(decimals, 2) + 1e-9


def matches(facts: list[tuple[str, float | None]], item: dict, labelled: bool, unordered: bool = False,
            default_top: bool = False) -> bool:
    """Do the answer's (label, value) facts give the expected value / rows? `default_top`: the question named no N
    and the answer lists its default top N, so the expected rows must be its first rows (a writer who assumed
    top 5 and an answer with the top 10 agree when the first five agree)."""
    if "value" in item:
        return len(facts) == 1 and same_number(facts[0][1], item["value"])
    rows = item["rows"]
    if default_top and not unordered and len(rows) < len(facts):
        facts = facts[:len(rows)]
    elif default_top and not unordered and len(rows) > len(facts):
        rows = rows[:len(facts)]        # the writer listed every group; the answer's top N must be their first N
    if len(facts) != len(rows):
        return False
    if unordered:       # "France vs Germany": a comparison has no order of its own
        facts, rows = sorted(facts, key=lambda f: str(f[0]).lower()), sorted(rows, key=lambda r: str(r[0]).lower())
    for (label, value), row in zip(facts, rows):
        expected_label, expected_value = (row[0], row[-1]) if len(row) > 1 else (None, row[0])
        if not same_number(value, expected_value):
            return False
        ours, theirs = str(label).lower(), str(expected_label).lower()
        if labelled and expected_label is not None and ours != theirs and not theirs.startswith(ours.split(" · ")[0] + " "):
            return False
    return True


def score(insight, item: dict) -> str:
    if insight.clarification is not None:
        return "clarified"
    if insight.facts and all(v is None for _, v in insight.facts):
        return "clarified"              # every figure hidden for privacy: no number was given
    if item["expect"] != "answer":
        return "wrong"
    rows = item.get("rows")
    if rows and len(rows) == 1 and len(rows[0]) > 2 and not (insight.query and insight.query.also):
        item = {**item, "rows": [[v] for v in rows[0][1:]]}   # ['revenue', current, previous, change, pct]: one row
    labelled = bool(insight.query and insight.query.group_by and not insight.query.compare)
    q = insight.query
    unordered = bool(labelled and not q.limit and len(q.filters.get(q.group_by, [])) > 1)
    default_top = any(n.startswith(DEFAULT_TOP_NOTE) for n in insight.notes)
    facts = stated = insight.facts
    if q and len(q.compare) == 2 and not q.group_by and len(facts) == 2 and None not in (facts[0][1], facts[1][1]):
        a, b = facts[0][1], facts[1][1]        # "Q3 vs Q2": the narrative states the change and % too
        stated = facts + [("change", a - b), ("change_pct", (a - b) / b if b else None)]
        if matches(stated, item, labelled, unordered, default_top):
            return "exact"
    if q and len(q.compare) == 2 and not q.group_by and "value" in item and any(
            label in ("change", "change_pct") and same_number(v, item["value"]) for label, v in stated):
        return "exact"                         # "how did it change?": the writer's one figure is the change
    if q and q.also and "rows" in item:         # several metrics: one value per fact, however the writer laid them out
        values = _metric_values(item["rows"], 1 + len(q.also))
        if values is not None and not q.group_by:     # one scope: the metrics have no order of their own
            values, facts = sorted(values, key=_key), sorted(facts, key=lambda f: _key(f[1]))
        return "exact" if values is not None and matches(facts, {"rows": [[v] for v in values]}, False) else "wrong"
    return "exact" if matches(facts, item, labelled, unordered, default_top) else "wrong"


def _key(value) -> float:
    return float("-inf") if value is None else float(value)


def _metric_values(rows: list[list], n: int) -> list | None:
    """The expected values of an n-metric answer, in the answer's order (group by group, metric by metric):
    [[label, value]] rows one per metric, or [[label, v1 .. vn]] rows one per group."""
    if all(len(r) == n + 1 for r in rows):
        return [v for r in rows for v in r[1:]]
    if all(1 <= len(r) <= 2 for r in rows):
        return [r[-1] for r in rows]
    return None


def evaluate_insights(handler, path: Path = STAFF_EVAL) -> dict:
    """Score every item; for an answerable item that got a clarifying question, also whether one of its choices
    (each a question the rules read exactly) gives the expected answer ("choice_right")."""
    items = load_items(path)
    results, latencies = [], {"rules": [], "llm": []}
    for item in items:
        t0 = time.perf_counter()
        insight = handler.answer(item["question"])
        ms = (time.perf_counter() - t0) * 1000
        latencies["llm" if "llm" in insight.timings_ms else "rules"].append(ms)
        verdict = score(insight, item)
        typo = "typo" in (item.get("notes", "") + item.get("why", "")).lower()     # the writer's own tag
        choice_right = None
        if verdict == "clarified" and item["expect"] == "answer" and insight.clarification is not None:
            choice_right = any(score(handler.answer(c), item) == "exact" for c in insight.clarification.choices)
        results.append({"id": item["id"], "lang": item.get("lang", "en"), "expect": item["expect"], "typo": typo,
                        "verdict": verdict, "question": item["question"], "reading": insight.reading,
                        "answer": insight.narrative, "facts": insight.facts[:6], "ms": round(ms, 1),
                        "choices": list(insight.clarification.choices) if insight.clarification else [],
                        "choice_right": choice_right, "llm": "llm" in insight.timings_ms})
    report = {"n": len(results), **_shares(results), "by_lang": {}, "by_expect": {}, "by_typo": {}, "items": results}
    for key in ("lang", "expect", "typo"):
        for value in sorted({r[key] for r in results}):
            report[f"by_{key}"][value] = _shares([r for r in results if r[key] == value])
    report["by_typo"] = {("typo" if k else "no typo"): v for k, v in report["by_typo"].items()}
    report["clarified_answerable"] = sum(r["choice_right"] is not None for r in results)
    report["choice_right"] = sum(bool(r["choice_right"]) for r in results)
    report["p50_ms"] = {k: round(_pct(v, 0.5), 1) for k, v in latencies.items() if v}
    report["p95_ms"] = {k: round(_pct(v, 0.95), 1) for k, v in latencies.items() if v}
    return report


def _shares(results: list[dict]) -> dict:
    n = max(len(results), 1)
    counts = {v: sum(r["verdict"] == v for r in results) for v in ("exact", "clarified", "wrong")}
    answerable = [r for r in results if r["expect"] == "answer"]
    return {"count": len(results), **counts, "exact_share": round(counts["exact"] / n, 4),
            "exact_of_answerable": round(sum(r["verdict"] == "exact" for r in answerable) / max(len(answerable), 1), 4),
            "wrong_share": round(counts["wrong"] / n, 4)}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def parse_accuracy(parser, path: Path = STAFF_QUESTIONS) -> dict:
    """Share of questions parsed as expected. CSV columns: question, metric ('clarify' when the parser must ask),
    group_by, filters ('segment=at risk;country=France'), time (the period's label)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    errors = []
    for n, row in enumerate(rows, 2):
        missing = {"question", "metric", "group_by", "filters", "time"} - set(row)
        if missing:
            raise ValueError(f"{path}: row {n}: column(s) {sorted(missing)} missing")
        p = parser.parse(row["question"])
        if p.query is None or p.unexplained:
            got = {"metric": "clarify"}
        else:
            q = p.query
            got = {"metric": q.metric, "group_by": q.group_by or "",
                   "filters": ";".join(f"{k}={v}" for k, vals in q.filters.items() for v in vals),
                   "time": q.time.label if q.time else ""}
        expected = {"metric": "clarify"} if row["metric"] == "clarify" else \
            {k: row[k] for k in ("metric", "group_by", "filters", "time")}
        if got != expected:
            errors.append({"row": n, "question": row["question"], "expected": expected, "got": got})
    return {"n": len(rows), "accuracy": round(1 - len(errors) / max(len(rows), 1), 4), "errors": errors}
