"""Run every benchmark and print its figures: python bench/run_all.py [--with-1m] [--no-llm]

Each script prints its own figures (ratios against a baseline measured in the same run); JSON copies go
to bench/out/. The LLM benchmarks take several minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def run(*args: str) -> None:
    print(f"\n$ {' '.join(args)}", flush=True)
    subprocess.run([PY, *args], check=True, cwd=HERE.parent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--with-1m", action="store_true", help="also the 1M-product latency run (~6 min, ~8 GB RAM)")
    ap.add_argument("--no-llm", action="store_true")
    args = ap.parse_args()
    run("-m", "assistant", "eval", "recs", "--interactions", "data/demo-shop/events.csv", "--split", "temporal80")
    run("-m", "assistant", "eval", "router", "--data", "assistant/resources/router_eval.csv")
    run("-m", "assistant", "eval", "insights")
    run("bench/staff_latency.py")
    run("-m", "assistant", "eval", "search")
    run("bench/latency.py", "--sizes", "10000,100000,1000000" if args.with_1m else "10000,100000")
    run("bench/chat_latency.py", *(["--no-llm"] if args.no_llm else []))
    run("bench/grounding.py", *(["--no-llm"] if args.no_llm else []))
    run("bench/explanations.py", *(["--no-llm"] if args.no_llm else []))
    run("bench/load_app.py", *(["--no-llm"] if args.no_llm else []))
    run("bench/security.py", "--llm", "obedient")       # worst-case scripted LLM; `--llm real` takes ~30 min on CPU


if __name__ == "__main__":
    main()
