"""Load test: N concurrent conversations x M messages through the running app's Gradio API (loopback only).

    python bench/load.py --url http://127.0.0.1:7860/ --users 20 --messages 5
    run_load(url, users=20, messages=5) -> {"answered": 100, "lost_feedback": 0, "p50_ms": ..., "p95_ms": ...}

Each simulated customer holds one conversation: a product question, two follow-ups, a service question
and an order question, and sends thumbs feedback on every answer. Bounded in count and time; the URL
must be on this machine. `llm_share` counts answers with LLM text among all answers; `llm_share_of_asked`
among the answers whose handler asked the LLM (LLM text, or the note that it was unavailable): a product's
detail card and the sign-in request for "where is my order?" are answered from code by design.
"""
from __future__ import annotations

import argparse
import json
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SCRIPT = ["gift ideas for a tea lover under £10", "cheaper", "tell me about the second one",
          "how long do I have to return something?", "where is my order?"]


def run_load(url: str, users: int = 20, messages: int = 5, customers: list[str] | None = None,
             timeout_s: float = 600) -> dict:
    host = urllib.parse.urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load tests only target this machine, not {host}")
    from gradio_client import Client
    deadline = time.time() + timeout_s

    def one_user(u: int) -> list[dict]:
        client = Client(url, verbose=False)
        user_id = (customers or [""])[u % len(customers or [""])]
        conversation, results = "", []
        for m in range(messages):
            if time.time() > deadline:
                break
            start = time.perf_counter()
            reply = client.predict(SCRIPT[m % len(SCRIPT)], user_id, conversation, api_name="/ask")
            latency = (time.perf_counter() - start) * 1000
            conversation = reply["conversation_id"]
            fb = client.predict(conversation, reply["message_id"], "up" if m % 2 else "down", "", api_name="/feedback")
            results.append({"user": u, "message": SCRIPT[m % len(SCRIPT)], "ms": latency,
                            "answered": bool(reply["text"]), "intent": reply["intent"],
                            "conversation": conversation, "feedback_id": fb["id"], "llm": reply["llm_used"],
                            "llm_asked": reply["llm_used"] or any(n.startswith("LLM unavailable")
                                                                  for n in reply.get("notes", [])),
                            "first_llm_sentence_ms": reply["timings_ms"].get("first_llm_sentence_ms")})
        return results

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        results = [r for batch in pool.map(one_user, range(users)) for r in batch]
    wall = time.perf_counter() - started
    ms = [r["ms"] for r in results]
    first = [r["first_llm_sentence_ms"] for r in results if r["first_llm_sentence_ms"] is not None]
    asked = sum(r["llm_asked"] for r in results)
    return {"users": users, "messages_per_user": messages, "requests": len(results),
            "answered": sum(r["answered"] for r in results), "llm_answers": sum(r["llm"] for r in results),
            "p50_ms": round(float(np.percentile(ms, 50)), 1) if ms else None,
            "p95_ms": round(float(np.percentile(ms, 95)), 1) if ms else None,
            "llm_share": round(sum(r["llm"] for r in results) / len(results), 3) if results else None,
            "llm_asked": asked,
            "llm_share_of_asked": round(sum(r["llm"] for r in results) / asked, 3) if asked else None,
            "by_message": {m: {"answers": sum(r["message"] == m for r in results),
                               "llm": sum(r["llm"] for r in results if r["message"] == m)}
                           for m in SCRIPT[:messages]},
            "first_llm_sentence_p50_ms": round(float(np.percentile(first, 50)), 1) if first else None,
            "first_llm_sentence_p95_ms": round(float(np.percentile(first, 95)), 1) if first else None,
            "wall_s": round(wall, 1), "results": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:7860/")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--messages", type=int, default=5)
    ap.add_argument("--customers", default="", help="comma-separated customer ids to sign in as")
    args = ap.parse_args()
    report = run_load(args.url, args.users, args.messages, [c for c in args.customers.split(",") if c] or None)
    report.pop("results")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
