"""Chat latency: routing (fast path vs asking the LLM) and first streamed token, on 2 cores.

    python bench/chat_latency.py [--no-llm]

Routing fast path = e5 embedding + logistic regression over every held-out utterance; the baseline,
in the same run, is routing the first 8 of them with the LLM (prompts/route.md). First token: time
from the question to the first piece of text shown (code lead-in) and to the first LLM token, for
shopper and policy questions, after the model is loaded.
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
    args = ap.parse_args()
    assistant = Assistant.from_settings(Settings.load(), llm=None if args.no_llm else "auto")
    texts, _ = read_labelled(ROUTER_EVAL)
    assistant.router.classify("warm up")
    fast = []
    for t in texts:
        start = time.perf_counter()
        assistant.router.route(t)
        fast.append((time.perf_counter() - start) * 1000)
    report = {"routing_fast_path": pct(fast)}
    gate = assistant.s.gate
    if gate is not None:
        gate.warm_up()
        slow = []
        for t in texts[:8]:
            start = time.perf_counter()
            gate.json(render("route", message=t), ROUTE_SCHEMA, purpose="route", max_new_tokens=16)
            slow.append((time.perf_counter() - start) * 1000)
        report["routing_llm_baseline"] = pct(slow)
        report["routing_speedup_p50"] = round(report["routing_llm_baseline"]["p50_ms"] / report["routing_fast_path"]["p50_ms"], 1)
    first_text, first_token = [], []
    for q in QUESTIONS:
        start = time.perf_counter()
        reply = assistant.ask(q)
        shown = None
        for _ in reply.stream():
            shown = shown or (time.perf_counter() - start) * 1000
        first_text.append(shown)
        if "first_llm_token_ms" in reply.timings_ms:
            first_token.append(reply.timings_ms["first_llm_token_ms"])
    report["first_text_shown"] = pct(first_text)
    if first_token:
        report["first_llm_token"] = pct(first_token)
    if gate is not None:
        report["gate"] = gate.stats()          # wait / first piece / generation ms per purpose
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
