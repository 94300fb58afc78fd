"""Staff insight latency over an eval set: the rules path, and the LLM's schema fill (llama.cpp) per question.

    flock /work/bench.lock python bench/staff_latency.py                  # rules path, dev set, one DuckDB thread
    flock /work/bench.lock python bench/staff_latency.py --set test --llm 40   # + the LLM fill on 40 questions
    python bench/staff_latency.py --llm 40 --llm-threads 1                # llama.cpp with one thread

Rules path: `Insights.answer` per question (parse + validated DuckDB query), wall and process CPU time.
LLM path: the schema fill of segments/llm_parse.py (what runs when the rules leave words unexplained) asked for
each of the first N questions through the real gate, deadline `--llm-timeout-s` (default: the setting, 3 s);
for the llama.cpp backend it splits the time into prompt processing (tokens not in the cached prefix) and
generation, from llama.cpp's own counters. "agree" counts proposals whose reading equals the rules' exact
reading, over the questions the rules read without asking (how often the LLM's choice would be the right one).
CPU time with one DuckDB thread is what a question costs on an idle core; wall time also counts waiting for a
busy machine: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.artifacts import ShopIndex  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.errors import LLMUnavailable  # noqa: E402
from assistant.search.money import format_price  # noqa: E402
from assistant.segments.insights import Insights  # noqa: E402
from assistant.segments.present import canonical  # noqa: E402
from assistant.segments.semantic import QueryError, validate  # noqa: E402
from assistant.segments.staff_eval import eval_set, load_items  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def summary(name: str, values: list[float]) -> str:
    return f"{name} p50 {pct(values, 0.5):.1f} ms, p95 {pct(values, 0.95):.1f} ms"


def load() -> str:
    return "load average " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def rules_path(insights: Insights, questions: list[str]) -> None:
    for q in questions[:10]:
        insights.answer(q)                                   # warm caches
    cpu, wall = [], []
    for q in questions:
        c, w = time.process_time(), time.perf_counter()
        insights.answer(q)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    print(f"rules path, {len(questions)} questions, {load()}: {summary('CPU', cpu)}; {summary('wall', wall)}")


def llm_path(insights: Insights, questions: list[str], settings: Settings, timeout_s: float) -> None:
    from assistant.models.gate import gate_for
    from assistant.models.registry import create
    from assistant.segments.llm_parse import LLMQueryFiller
    gate = gate_for(create("llm", settings.llm_backend, settings=settings), settings)
    t0 = time.perf_counter()
    gate.warm_up()
    print(f"LLM {settings.llm_backend} loaded and warmed in {time.perf_counter() - t0:.1f} s "
          f"({settings.llm_threads or os.cpu_count()} threads)")
    fill = LLMQueryFiller(gate, insights.vocabulary, insights.parser.as_of, timeout_s)
    perf = _llama_perf(gate.llm)
    wall, cpu, prompt, gen, failed, agree, comparable = [], [], [], [], 0, 0, 0
    for i, q in enumerate(questions):
        if perf:
            perf("reset")
        c, w = time.process_time(), time.perf_counter()
        try:
            proposal = fill(q)
        except LLMUnavailable:
            proposal = None
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        if gate.records and gate.records[-1].outcome != "ok":
            failed += 1
        if perf:
            counters = perf("read")
            prompt.append(counters)
        rules = insights.parser.parse(q)
        if rules.query is not None and not rules.unexplained and not rules.clarify:
            comparable += 1
            try:
                agree += proposal is not None and canonical(validate(proposal, insights.vocabulary)) == \
                    canonical(validate(rules.query, insights.vocabulary))
            except QueryError:
                pass
        if i < 3 or os.environ.get("BENCH_VERBOSE"):
            print(f"  {q!r}: {wall[-1]:.0f} ms -> {canonical(proposal) if proposal else None}"
                  + (f" [{prompt[-1]}]" if perf else ""))
    print(f"LLM path, {len(questions)} questions, deadline {timeout_s:g} s, {load()}: {summary('wall', wall)}; "
          f"{summary('process CPU', cpu)}; over {timeout_s:g} s or failed: {failed}; "
          f"agrees with the rules' exact reading {agree}/{comparable}")
    if prompt:
        pt = [p["prompt_tokens"] for p in prompt]
        pm = [p["prompt_ms"] for p in prompt]
        gt = [p["gen_tokens"] for p in prompt]
        gm = [p["gen_ms"] for p in prompt]
        print(f"  prompt processing: tokens p50 {pct(pt, .5):.0f} (first call {pt[0]}), {summary('time', pm)}; "
              f"generation: tokens p50 {pct(gt, .5):.0f} / p95 {pct(gt, .95):.0f}, {summary('time', gm)}; "
              f"{sum(gm) / max(sum(gt), 1):.0f} ms per generated token")
    print(f"  gate: {json.dumps(gate.stats().get('staff', {}))}")


def _llama_perf(llm):
    """Reset/read llama.cpp's prompt and generation counters (None for other backends)."""
    try:
        import llama_cpp
        ctx = llm._model()._ctx.ctx
    except (ImportError, AttributeError):
        return None

    def perf(what: str):
        if what == "reset":
            llama_cpp.llama_perf_context_reset(ctx)
            return None
        p = llama_cpp.llama_perf_context(ctx)
        return {"prompt_tokens": p.n_p_eval, "prompt_ms": round(p.t_p_eval_ms), "gen_tokens": p.n_eval,
                "gen_ms": round(p.t_eval_ms)}
    return perf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="dev", help="dev | test | a JSONL path (segments/staff_eval.py)")
    ap.add_argument("--llm", type=int, default=0, metavar="N", help="also time the LLM fill on the first N questions")
    ap.add_argument("--llm-threads", type=int, default=None, help="llama.cpp threads (default: the setting)")
    ap.add_argument("--llm-timeout-s", type=float, default=None, help="deadline per fill (default: the setting)")
    args = ap.parse_args()
    overrides = {} if args.llm_threads is None else {"llm_threads": args.llm_threads}
    settings = Settings.load(**overrides)
    index = ShopIndex.open(settings)
    insights = Insights(index.folder, index.as_of, settings.k_anonymity,
                        functools.partial(format_price, currency=index.currency, grouped=True))
    insights.analytics.con.execute("SET threads=1")
    path = eval_set(args.set)
    questions = [item["question"] for item in load_items(path)]
    print(f"{path.name}: {len(questions)} questions")
    rules_path(insights, questions)
    if args.llm:
        llm_path(insights, questions[:args.llm], settings, args.llm_timeout_s or settings.staff_llm_timeout_s)


if __name__ == "__main__":
    main()
