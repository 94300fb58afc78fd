"""Start the app on the demo shop and load it: 20 users x 5 messages, once with the LLM, once templates only.

    python bench/load_app.py [--no-llm] [--users 20] [--messages 5]

Prints p50/p95 latency per message (full answer) for each mode; the template mode is the baseline.
With the LLM on, one local model serves everyone: answers queue for it and fall back to the template
after llm_queue_timeout_s (20 s), so every request is still answered.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import run_load  # noqa: E402


def start_app(llm: bool) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SHOP_PORT": str(port), "SHOP_LLM_BACKEND": "local" if llm else "none",
           "SHOP_STATE_DB": f"/tmp/shop-load-{port}.db"}
    proc = subprocess.Popen([sys.executable, str(HERE.parent / "app.py")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    from gradio_client import Client
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            client = Client(url, verbose=False)
            if not llm or client.predict(api_name="/llm_state") == "ready":
                return proc, url
        except Exception:
            pass
        time.sleep(3)
    proc.kill()
    raise RuntimeError("app did not become ready in 10 minutes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-llm", action="store_true")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--messages", type=int, default=5)
    args = ap.parse_args()
    report = {}
    for mode in (["templates"] if args.no_llm else ["templates", "llm"]):
        proc, url = start_app(llm=mode == "llm")
        try:
            r = run_load(url, args.users, args.messages, timeout_s=1800)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        r.pop("results")
        report[mode] = r
        print(f"{mode:>9}: {r['answered']}/{r['requests']} answered, {r['llm_answers']} with LLM text, "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, wall {r['wall_s']} s", flush=True)
    if "llm" in report:
        report["p95_ratio_llm_vs_templates"] = round(report["llm"]["p95_ms"] / report["templates"]["p95_ms"], 1)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "load.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
