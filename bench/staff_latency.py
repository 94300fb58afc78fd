"""Staff insight latency on the blind question set: wall time and process CPU time per question (rules path).

    python bench/staff_latency.py            # uses the built indexes (Settings), one DuckDB thread

CPU time with one DuckDB thread is what a question costs on an idle core; wall time also counts waiting for a
busy machine (report the load average with it).
"""
from __future__ import annotations

import functools
import json
import math
import os
import time

from assistant.artifacts import ShopIndex
from assistant.config import Settings
from assistant.resources import STAFF_EVAL
from assistant.search.money import format_price
from assistant.segments.insights import Insights


def p95(values: list[float]) -> float:
    return sorted(values)[math.ceil(0.95 * len(values)) - 1]


def main() -> None:
    settings = Settings.load()
    index = ShopIndex.open(settings)
    insights = Insights(index.folder, index.as_of, settings.k_anonymity,
                        functools.partial(format_price, currency=index.currency, grouped=True))
    insights.analytics.con.execute("SET threads=1")
    questions = [json.loads(line)["question"] for line in open(STAFF_EVAL, encoding="utf-8") if line.strip()]
    for q in questions[:10]:
        insights.answer(q)                                   # warm caches
    cpu, wall = [], []
    for q in questions:
        c, w = time.process_time(), time.perf_counter()
        insights.answer(q)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    print(f"{len(questions)} questions, load average {os.getloadavg()[0]:.1f}: "
          f"CPU p50 {sorted(cpu)[len(cpu) // 2]:.1f} ms, p95 {p95(cpu):.1f} ms; "
          f"wall p50 {sorted(wall)[len(wall) // 2]:.1f} ms, p95 {p95(wall):.1f} ms")


if __name__ == "__main__":
    main()
