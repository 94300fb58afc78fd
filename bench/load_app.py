"""Start the app on the demo shop and load it: 20 users x 5 messages, per LLM mode.

    python bench/load_app.py [--modes templates,inproc,server] [--users 20] [--messages 5] [--parallel 4]
    python bench/load_app.py --no-llm          # templates only

Modes: `templates` (no LLM: the latency baseline), `inproc` (the configured in-process backend, llama.cpp
by default: one generation at a time), `server` (`serve-llm` with --parallel slots, the app on the `openai`
backend). For each: answers, share of answers that carry LLM text, p50/p95 of the full answer and of the
time to the first LLM sentence shown. Answers that wait longer than llm_queue_timeout_s for the LLM
fall back to the template, so every request is still answered. Figures go to bench/out/load.json.
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
sys.path.insert(0, str(HERE.parent))

from load import run_load  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.models.server import start_server, stop_server, wait_ready  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env_extra: dict, llm: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SHOP_PORT": str(port), "SHOP_STATE_DB": f"/tmp/shop-load-{port}.db", **env_extra}
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
        except Exception:  # noqa: BLE001 - not up yet (connection refused, 502 while starting)
            pass
        time.sleep(3)
    proc.kill()
    raise RuntimeError("app did not become ready in 10 minutes")


def run_mode(mode: str, args) -> dict:
    server = None
    if mode == "templates":
        env = {"SHOP_LLM_BACKEND": "none"}
    elif mode == "inproc":
        env = {"SHOP_LLM_BACKEND": os.environ.get("SHOP_LLM_BACKEND", "llama_cpp")}
    elif mode == "server":
        port = free_port()
        server = start_server(Settings.load(), port, args.parallel, engine=args.engine)
        url = f"http://127.0.0.1:{port}/v1"
        wait_ready(url, 300, server)
        env = {"SHOP_LLM_BACKEND": "openai", "SHOP_LLM_BASE_URL": url, "SHOP_LLM_PARALLEL": str(args.parallel)}
    else:
        raise ValueError(f"unknown mode {mode!r}")
    try:
        proc, url = start_app(env, llm=mode != "templates")
        try:
            report = run_load(url, args.users, args.messages, timeout_s=args.timeout_s)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        if server is not None:
            stop_server(server)
    report.pop("results")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-llm", action="store_true")
    ap.add_argument("--modes", default="templates,inproc,server")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--messages", type=int, default=5)
    ap.add_argument("--parallel", type=int, default=4, help="server mode: slots")
    ap.add_argument("--engine", default="llama-server", choices=["llama-server", "python"])
    ap.add_argument("--timeout-s", type=float, default=1800,
                    help="per mode: no new message is sent after this (the report counts the requests made)")
    args = ap.parse_args()
    report = {}
    for mode in (["templates"] if args.no_llm else args.modes.split(",")):
        r = run_mode(mode, args)
        report[mode] = r
        print(f"{mode:>9}: {r['answered']}/{r['requests']} answered, {r['llm_answers']} with LLM text "
              f"({r['llm_share']:.0%}; {r['llm_share_of_asked'] or 0:.0%} of the {r['llm_asked']} that asked it), "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, first LLM sentence p50 "
              f"{r['first_llm_sentence_p50_ms']} ms p95 {r['first_llm_sentence_p95_ms']} ms, wall {r['wall_s']} s",
              flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "load.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
