"""Grounding of shopper answers with the real LLM: products named and prices stated vs the catalog.

    python bench/grounding.py [--questions 50] [--no-llm]

For each shopper question: the raw LLM text (before the guard) and the text the customer sees are both
scanned for catalog product titles outside the candidate set (and the products their evidence refers
to) and for £ amounts that are not a candidate's catalog price or a limit the customer gave. Prints the
counts before and after the guard (the target is zero after), and first-token latency.
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
from assistant.chat.guard import Allowed, problems  # noqa: E402
from assistant.config import Settings  # noqa: E402

ITEMS = ["mug", "teapot", "candle holder", "lunch bag", "christmas decoration", "cushion cover", "photo frame",
         "necklace", "notebook", "cake stand", "bird feeder", "jigsaw", "wall clock", "storage tin", "doormat",
         "party bunting", "hot water bottle", "wooden toy", "tea set", "umbrella", "heart decoration",
         "garden sign", "gift box", "night light", "bag charm"]
FORMS = ["a {item} under £{p}", "gift idea: {item} for my sister", "do you have a {item}?", "I need a {item} in red",
         "recommend a {item} for christmas"]


def questions(n: int) -> list[str]:
    out = []
    for i in range(n):
        out.append(FORMS[i % len(FORMS)].format(item=ITEMS[i % len(ITEMS)], p=[5, 10, 20][i % 3]))
    return out


def violations(text: str, products: list[dict], titles: list[str], ids: list[str], question: str) -> dict:
    """The guard's own check (chat/guard.problems) over a whole answer; the question's limits are allowed."""
    return problems(text, Allowed.of(products, titles, ids, limits_text=question))


def warm_assistant(no_llm: bool) -> Assistant:
    """The assistant with its LLM (unless `no_llm`) loaded and warmed, so no first call pays the load."""
    assistant = Assistant.from_settings(Settings.load(), llm=None if no_llm else "auto")
    if assistant.s.llm is not None:
        assistant.s.llm.warm_up()
    return assistant


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--no-llm", action="store_true")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "grounding.json")
    args = ap.parse_args()
    assistant = warm_assistant(args.no_llm)
    raw_texts: list[str] = []
    original = assistant.s.llm_stream

    def recording(messages, **kwargs):
        pieces = []
        raw_texts.append("")
        for piece in original(messages, **kwargs):
            pieces.append(piece)
            raw_texts[-1] = "".join(pieces)
            yield piece
    assistant.s.llm_stream = recording
    titles = list(assistant.s.ranker.catalog.titles)
    ids = list(assistant.s.ranker.catalog.item_ids)
    rows = []
    for q in questions(args.questions):
        raw_texts.append("")
        start = time.perf_counter()
        reply = assistant.ask(q).finish()
        raw = raw_texts[-1]
        before = violations(raw, reply.products, titles, ids, q)
        after = violations(reply.text, reply.products, titles, ids, q)
        rows.append({"question": q, "products": len(reply.products), "llm_used": reply.llm_used,
                     "first_llm_token_ms": reply.timings_ms.get("first_llm_token_ms"),
                     "total_ms": round((time.perf_counter() - start) * 1000), "raw": raw, "text": reply.text,
                     "before": before, "after": after})
        print(f"{q[:45]:45} products={len(reply.products)} llm={reply.llm_used} "
              f"raw-violations={len(before['unknown_products']) + len(before['wrong_prices'])} "
              f"shown-violations={len(after['unknown_products']) + len(after['wrong_prices'])}", flush=True)
    first = [r["first_llm_token_ms"] for r in rows if r["first_llm_token_ms"]]
    summary = {
        "questions": len(rows), "answers_with_llm_text": sum(r["llm_used"] for r in rows),
        "raw_unknown_products": sum(len(r["before"]["unknown_products"]) for r in rows),
        "raw_wrong_prices": sum(len(r["before"]["wrong_prices"]) for r in rows),
        "shown_unknown_products": sum(len(r["after"]["unknown_products"]) for r in rows),
        "shown_wrong_prices": sum(len(r["after"]["wrong_prices"]) for r in rows),
        "first_llm_token_p50_ms": round(float(np.percentile(first, 50))) if first else None,
        "first_llm_token_p95_ms": round(float(np.percentile(first, 95))) if first else None,
    }
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
