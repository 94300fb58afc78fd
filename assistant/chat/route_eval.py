"""Router evaluation: per-kind accuracy, out-of-scope precision/recall, confusion matrix, latency per path.

    rows = read_eval_set(ROUTER_DEV)           # [{'text', 'label', 'kind', 'lang'}]; label: service|product|off_topic
    routes = [router.route(r["text"]) for r in rows]
    report = summarise(rows, [(r.intent, r.source, r.ms) for r in routes])
    report["by_label"]["service"], report["out_of_scope"]["recall"], report["latency_ms"]["fast"]["p95"]

An eval file has columns text,label and optionally kind,lang. A label is either a router intent
(router_eval.csv: exact intents are compared) or a group (the blind dev set: service = order | policy |
handoff, product = product_search | refine, off_topic = out_of_scope). "Declined" means routed to
out_of_scope; the fast path is the classifier and the catalog rule, the LLM path every message the LLM
was asked about (including the ones where it was unavailable and the classifier decided).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from assistant.chat.router import INTENTS

GROUP_OF = {"order": "service", "policy": "service", "handoff": "service", "product_search": "product",
            "refine": "product", "out_of_scope": "off_topic", "chitchat": "chitchat", "staff_insight": "staff"}
GROUPS = ("service", "product", "off_topic", "chitchat", "staff")
LLM_SOURCES = ("llm", "fallback")


def read_eval_set(path: Path) -> list[dict]:
    """Rows with text, label, kind (default: the label), lang (default: zh if it has Chinese, else en)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    known = set(INTENTS) | set(GROUPS)
    for n, row in enumerate(rows, start=1):
        if not (row.get("text") or "").strip():
            raise ValueError(f"{path.name} row {n}, column 'text': empty")
        if row.get("label") not in known:
            raise ValueError(f"{path.name} row {n}, column 'label': {row.get('label')!r} is not an intent "
                             f"{INTENTS} or a group {GROUPS}")
    return [{"text": r["text"], "label": r["label"], "kind": r.get("kind") or r["label"],
             "lang": r.get("lang") or ("zh" if any("\u4e00" <= c <= "\u9fff" for c in r["text"]) else "en")}
            for r in rows]


def _share(hits: list[bool]) -> float | None:
    return round(float(np.mean(hits)), 4) if hits else None


def percentiles(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0, "p50": None, "p95": None}
    return {"n": len(ms), "p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1)}


def summarise(rows: list[dict], routed: list[tuple[str, str, float]]) -> dict:
    """`routed` holds (intent, source, ms) per row, in order; see the module docstring for the figures."""
    if len(rows) != len(routed):
        raise ValueError(f"{len(rows)} rows but {len(routed)} routes")
    by_intent = all(r["label"] in INTENTS for r in rows)
    space = list(INTENTS) if by_intent else list(GROUPS)
    truth = [r["label"] for r in rows]
    guess = [intent if by_intent else GROUP_OF[intent] for intent, _, _ in routed]
    right = [t == g for t, g in zip(truth, guess)]
    matrix = np.zeros((len(space), len(space)), int)
    for t, g in zip(truth, guess):
        matrix[space.index(t), space.index(g)] += 1
    is_oos = [GROUP_OF.get(t, t) == "off_topic" for t in truth]
    declined = [intent == "out_of_scope" for intent, _, _ in routed]
    tp = sum(a and b for a, b in zip(is_oos, declined))
    langs = sorted({r["lang"] for r in rows})
    labels = [s for s in space if s in truth]
    return {
        "n": len(rows), "accuracy": _share(right),
        "by_label": {lab: _share([ok for ok, t in zip(right, truth) if t == lab]) for lab in labels},
        "by_label_lang": {lab: {lang: _share([ok for ok, t, r in zip(right, truth, rows) if t == lab and r["lang"] == lang])
                                for lang in langs} for lab in labels},
        "by_lang": {lang: _share([ok for ok, r in zip(right, rows) if r["lang"] == lang]) for lang in langs},
        "by_kind": {kind: _share([ok for ok, r in zip(right, rows) if r["kind"] == kind])
                    for kind in sorted({r["kind"] for r in rows})},
        "out_of_scope": {"precision": round(tp / sum(declined), 4) if sum(declined) else None,
                         "recall": round(tp / sum(is_oos), 4) if sum(is_oos) else None,
                         "declined": int(sum(declined)), "off_topic": int(sum(is_oos))},
        "labels": space, "confusion": matrix.tolist(),
        "latency_ms": {"fast": percentiles([ms for _, s, ms in routed if s not in LLM_SOURCES]),
                       "llm": percentiles([ms for _, s, ms in routed if s in LLM_SOURCES])},
        "errors": [{"text": r["text"], "label": r["label"], "kind": r["kind"], "routed": intent, "source": s}
                   for r, ok, (intent, s, _) in zip(rows, right, routed) if not ok],
    }
