"""Chat latency: routing (fast path vs asking the LLM) and first streamed token, on 2 cores.

    python bench/chat_latency.py [--no-llm] [--cold-prefixes]

Routing fast path = e5 embedding + logistic regression over every held-out utterance; the baseline,
in the same run, is routing the first 8 of them with the LLM (prompts/route.md). First token: time
from the question to the first piece of text shown (code lead-in) and to the first LLM token, for
shopper and policy questions, after the app has started and warmed up: the model loaded and every prompt
kind's static prefix and each KB section's service prefix evaluated (`Assistant.warm_prompts`), and the
embedder, co-purchase model, KB and staff layer loaded (`Assistant.warm_components`), as app.py does at start;
`--cold-prefixes` skips the prompt warm-up, the "before" figure). "first LLM token" is when the first
checked LLM text reaches the reader: for a
shopper answer that is its first whole explanation sentence (a sentence is checked before it is shown). The
gate's per-purpose stages: wait for the slot, prefill (prompt tokens, of them already cached, ms to the first
token) and first piece / generation ms; `per_question` gives each question's own figures.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.chat.engine import Assistant  # noqa: E402
from assistant.chat.router import ROUTE_SCHEMA, read_labelled  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.prompts import render  # noqa: E402
from assistant.resources import ROUTER_EVAL  # noqa: E402

QUESTIONS = ["a gift for a tea lover under £10", "red lunch bag", "christmas decoration for my mum",
             "what is your return policy?", "how much is delivery to France?", "我想买一个蓝色的茶壶"]


def pct(values) -> dict:
    return {"p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-llm", action="store_true")
    ap.add_argument("--cold-prefixes", action="store_true", help="do not warm the prompt prefixes (the 'before')")
    args = ap.parse_args()
    assistant = Assistant.from_settings(Settings.load(), llm=None if args.no_llm else "auto")
    texts, _ = read_labelled(ROUTER_EVAL)
    assistant.router.classify("warm up")
    assistant.warm_components()          # as the app does at start: embedder, co-purchase model, KB, staff layer
    fast = []
    for t in texts:
        start = time.perf_counter()
        assistant.router.route(t)
        fast.append((time.perf_counter() - start) * 1000)
    report = {"routing_fast_path": pct(fast)}
    gate = assistant.s.gate
    if gate is not None:
        gate.warm_up()
        if not args.cold_prefixes:
            start = time.perf_counter()
            report["warm_prompts"] = assistant.warm_prompts()
            report["warm_prompts_s"] = round(time.perf_counter() - start, 2)
        slow = []
        for t in texts[:8]:
            start = time.perf_counter()
            gate.json(render("route", message=t), ROUTE_SCHEMA, purpose="route", max_new_tokens=16)
            slow.append((time.perf_counter() - start) * 1000)
        report["routing_llm_baseline"] = pct(slow)
        report["routing_speedup_p50"] = round(report["routing_llm_baseline"]["p50_ms"] / report["routing_fast_path"]["p50_ms"], 1)
    first_text, first_token, rows = [], [], []
    for q in QUESTIONS:
        start = time.perf_counter()
        reply = assistant.ask(q)
        shown = None
        for _ in reply.stream():
            shown = shown or (time.perf_counter() - start) * 1000
        first_text.append(shown)
        if "first_llm_token_ms" in reply.timings_ms:
            first_token.append(reply.timings_ms["first_llm_token_ms"])
        rows.append({"question": q, "intent": reply.intent, "first_text_ms": round(shown, 1),
                     **{k: round(v, 1) for k, v in reply.timings_ms.items()
                        if k in ("route_ms", "first_llm_token_ms")}})
    report["first_text_shown"] = pct(first_text)
    if first_token:
        report["first_llm_token"] = pct(first_token)
    report["per_question"] = rows
    if gate is not None:
        report["gate"] = gate.stats()          # wait / prefill / first piece / generation ms per purpose
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
