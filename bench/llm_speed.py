"""LLM engine speed, per backend in one run: load, first token (cold / cached prefix), decode tok/s, peak RSS.

    python bench/llm_speed.py                                   # llama_cpp and transformers, ratio to transformers
    python bench/llm_speed.py --backends llama_cpp
    python bench/llm_speed.py --parallel-chats 4 --base-url http://127.0.0.1:8080/v1   # a running server

Each backend runs in its own child process (so its peak RSS is its own). The prompt is a shopper prompt
(prompts/shopper.md: one product of an answer, as chat/explain.py sends it), up to 120 new tokens, greedy.
"cold" is the first call after loading; "cached prefix" is a second call whose prompt shares the system part
(same question) but explains another product (what llama.cpp's prompt cache can reuse); "repeat" sends that
prompt again. Decode tokens/s is measured on a long list answer (120 tokens), counted with the backend's own
tokenizer; "LLM RSS" is the peak RSS minus the RSS after importing every backend module. "MB/token" is the
weight bytes one decode step reads and "GB/s" that times tokens/s: on a CPU, decoding one chat streams all
weights from memory for every token, so two engines at the same memory bandwidth decode in the ratio of
their weight bytes (Q4_K_M ~1.0 GB vs bf16 ~3.1 GB for this model). `--parallel-chats N` sends N streamed
chats at once to an OpenAI-compatible server and reports first-token p50/p95 and total tokens/s (how a server serves many users).
`--lookup 0,2,5,10` measures prompt-lookup speculative decoding (Saxena 2023: draft the next k tokens by
copying what followed the last matching n-gram of the prompt, verify them in one batch), the same way for
both engines: llama.cpp with `LlamaPromptLookupDecoding(num_pred_tokens=k)` as draft model, transformers with
`generate(prompt_lookup_num_tokens=k)`, k=0 plain. Prompts: the bench's long list answer and the app's real
prompts (service answers built by chat/service.py from the demo KB, shopper explanations), greedy, up to 120
new tokens; per prompt, decode tokens/s = (output tokens - 1) / (last piece - first piece) and whether the
text equals the plain (k=0) text. Figures go to bench/out/llm_lookup.json.
Figures go to bench/out/llm_speed.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.prompts import render  # noqa: E402

NEW_TOKENS = 120
# (question, product title, reasons): the per-product explanation call of chat/explain.py. The first two share the
# question, as the products of one answer do, so the second call reuses the cached system prefix.
ASKS = [("a gift for a tea lover under £10", "White Tea Cup and Saucer",
         "it is the tea cup you asked for; it is within your budget of £10.00; bought by 212 customers"),
        ("a gift for a tea lover under £10", "Roses Regency Teacup and Saucer",
         "it has the tea look you asked for; bought in the same order as a teapot by 48 customers")]


LONG = [{"role": "system", "content": "You are a helpful assistant."},        # decode speed: a long answer
        {"role": "user", "content": "List 40 different gift ideas for a tea lover, one per line, numbered."}]


def messages(i: int) -> list[dict]:
    question, title, reasons = ASKS[i % len(ASKS)]
    return render("shopper", shop="The Demo Gift Shop", language="English", question=question, title=title,
                  reasons=reasons)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_stream(llm, msgs) -> dict:
    start = time.perf_counter()
    first, text = None, ""
    for piece in llm.stream(msgs, max_new_tokens=NEW_TOKENS):
        if first is None:
            first = time.perf_counter()
        text += piece
    end = time.perf_counter()
    return {"first_token_s": round(first - start, 3), "text": text, "decode_window_s": end - first}


def one_backend(name: str) -> dict:
    """Runs in a child process: measure one backend."""
    from assistant.models.registry import available, create
    settings = Settings.load()
    available("llm")                                     # import every backend module first: RSS of the model only
    if name == "transformers":
        import torch  # noqa: F401
    baseline = rss_mb()
    llm = create("llm", name, settings=settings)
    prep = time.perf_counter()
    if name == "transformers":
        from assistant.models.hf import ensure_cached_model
        ensure_cached_model(settings.cache_dir)          # one-time dequantize (~50 s) not counted as load
    elif name == "llama_cpp":
        from assistant.models.gguf import assemble_gguf
        assemble_gguf(settings.cache_dir)
    prep = time.perf_counter() - prep
    start = time.perf_counter()
    llm._model()
    load = time.perf_counter() - start
    cold = timed_stream(llm, messages(0))
    warm = timed_stream(llm, messages(1))
    again = timed_stream(llm, messages(1))
    long = timed_stream(llm, LONG)
    tokens = count_tokens(llm, name, long["text"])
    decode = (tokens - 1) / long["decode_window_s"]
    peak = rss_mb()
    weights = weight_bytes_per_token(llm, name, settings)    # after the RSS: reading the GGUF maps ~0.5 GB more
    return {"backend": name, "prep_s": round(prep, 1), "load_s": round(load, 2),
            "first_token_cold_s": cold["first_token_s"], "first_token_cached_prefix_s": warm["first_token_s"],
            "first_token_repeat_s": again["first_token_s"],
            "decode_tok_s": round(decode, 1), "tokens": tokens,
            "weights_read_per_token_mb": round(weights / 1e6) if weights else None,
            "weights_gb_s": round(decode * weights / 1e9, 1) if weights else None,
            "peak_rss_mb": round(peak), "llm_rss_mb": round(peak - baseline),
            "sample": warm["text"][:160]}


def weight_bytes_per_token(llm, name: str, settings) -> int | None:
    """Bytes of weights one decode step reads: every matrix once, the token embedding only one row (so not
    counted), the output projection in full (also when it is tied to the embedding)."""
    if name == "llama_cpp":
        import gguf
        from assistant.models.gguf import assemble_gguf
        tensors = {t.name: int(t.n_bytes) for t in gguf.GGUFReader(str(assemble_gguf(settings.cache_dir))).tensors}
        read = sum(tensors.values()) - tensors["token_embd.weight"]
        return read if "output.weight" in tensors else read + tensors["token_embd.weight"]
    if name == "transformers":
        model = llm._model()[0]
        emb, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
        size = {id(p): p.numel() * p.element_size() for p in model.parameters()}     # tied weights once
        read = sum(size.values()) - size[id(emb)]
        return read + size[id(emb)] if head is emb else read
    return None


def count_tokens(llm, name: str, text: str) -> int:
    if name == "llama_cpp":
        return len(llm._model().tokenize(text.encode("utf-8"), add_bos=False, special=False))
    if name == "transformers":
        return len(llm._model()[1](text, add_special_tokens=False)["input_ids"])
    return max(1, len(text) // 4)      # a server: ~4 characters a token


def app_prompts() -> list[tuple[str, list[dict]]]:
    """(kind, messages) as the app sends them: service answers from the demo KB, shopper explanations."""
    from assistant.chat.engine import Assistant, Turn
    assistant = Assistant.from_settings(Settings.load(), llm=None)
    out = [("long_list", LONG)]
    for q in ("what is your return policy?", "how much is delivery to France?", "can I pay with PayPal?",
              "how long is the warranty on a broken lamp?"):
        out.append(("service", assistant.service._policy(Turn(q, None, "shopper", "bench", {}, "policy")).prompt))
    for i in range(len(ASKS)):
        out.append(("shopper", messages(i)))
    reasons = "it is a lunch bag, just what you asked for; it comes in red, as you wanted; bought by 1,024 customers"
    out.append(("shopper", render("shopper", shop=assistant.s.shop_name, language="English", question="red lunch bag",
                                  title="Lunch Bag Red Retrospot", reasons=reasons + " in the last 30 days")))
    return out


def lookup_backend(name: str, ks: list[int], prompts: list) -> list[dict]:
    """Runs in a child process: each prompt at each k (0 = plain decoding), greedy, 120 new tokens at most."""
    settings = Settings.load()
    rows = []
    if name == "llama_cpp":
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        from assistant.models.llama_cpp import KV_TYPES
        from assistant.models.llama_state import PrefixCachedLlama
        from assistant.models.gguf import assemble_gguf
        import llama_cpp
        threads = settings.llm_threads or os.cpu_count() or 1
        for k in ks:
            kv = getattr(llama_cpp, KV_TYPES[settings.llm_kv_type])
            model = PrefixCachedLlama(
                model_path=str(assemble_gguf(settings.cache_dir)), n_ctx=settings.llm_context, n_threads=threads,
                n_threads_batch=threads, use_mmap=settings.llm_mmap, flash_attn=settings.llm_flash_attn, type_k=kv,
                type_v=kv, verbose=False, draft_model=LlamaPromptLookupDecoding(num_pred_tokens=k) if k else None)

            def pieces(msgs, model=model):
                for chunk in model.create_chat_completion(messages=msgs, max_tokens=NEW_TOKENS, temperature=0.0,
                                                          stream=True):
                    yield chunk["choices"][0]["delta"].get("content") or ""
            rows += [dict(k=k, kind=kind, **timed_pieces(pieces(msgs), lambda t, m=model: len(
                m.tokenize(t.encode(), add_bos=False)))) for kind, msgs in prompts]
            del model
    else:
        from transformers import TextIteratorStreamer

        from assistant.models.registry import create
        model, tok = create("llm", "transformers", settings=settings)._model()
        for k in ks:
            for kind, msgs in prompts:
                inputs = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt",
                                                 return_dict=True)
                streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
                extra = {"prompt_lookup_num_tokens": k} if k else {}
                thread = threading.Thread(target=model.generate, kwargs=dict(
                    **inputs, streamer=streamer, do_sample=False, max_new_tokens=NEW_TOKENS, **extra))
                thread.start()
                rows.append(dict(k=k, kind=kind, **timed_pieces(streamer, lambda t: len(
                    tok(t, add_special_tokens=False)["input_ids"]))))
                thread.join()
    plain = {(r["kind"], i % len(prompts)): r["text"] for i, r in enumerate(rows) if r["k"] == 0}
    for i, r in enumerate(rows):
        r["same_as_plain"] = plain.get((r["kind"], i % len(prompts))) == r["text"] if plain else None
    return rows


def timed_pieces(pieces, count) -> dict:
    start, first, text = time.perf_counter(), None, ""
    for piece in pieces:
        if piece and first is None:
            first = time.perf_counter()
        text += piece
    end = time.perf_counter()
    tokens = count(text)
    return {"tokens": tokens, "first_s": round(first - start, 3),
            "decode_tok_s": round((tokens - 1) / (end - first), 2) if tokens > 1 and end > first else None,
            "text": text}


def lookup(backends: list[str], ks: list[int]) -> list[dict]:
    """Per backend and k: mean decode tokens/s per prompt kind and how many texts equal plain decoding's."""
    prompts = app_prompts()
    path = ROOT / "bench" / "out" / "lookup_prompts.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(prompts))
    summary = []
    for name in backends:
        out = subprocess.run([sys.executable, __file__, "--lookup-one", name, "--lookup", ",".join(map(str, ks))],
                             capture_output=True, text=True, check=True)
        rows = json.loads(out.stdout.strip().splitlines()[-1])
        for k in ks:
            for kind in dict.fromkeys(r["kind"] for r in rows):
                sel = [r for r in rows if r["k"] == k and r["kind"] == kind]
                summary.append({"backend": name, "k": k, "kind": kind, "prompts": len(sel),
                                "decode_tok_s": round(float(np.mean([r["decode_tok_s"] for r in sel
                                                                     if r["decode_tok_s"]])), 2),
                                "tokens": sum(r["tokens"] for r in sel),
                                "same_as_plain": sum(bool(r["same_as_plain"]) for r in sel)})
                print(json.dumps(summary[-1]), flush=True)
    (ROOT / "bench" / "out" / "llm_lookup.json").write_text(json.dumps(summary, indent=2))
    return summary


def parallel_chats(base_url: str, n: int) -> dict:
    """N streamed chats sent at once to an OpenAI-compatible server."""
    from assistant.models.registry import create
    llm = create("llm", "openai", settings=Settings.load(llm_base_url=base_url, llm_timeout_s=300))
    results: list[dict] = [{} for _ in range(n)]

    def chat(i):
        results[i] = timed_stream(llm, messages(i))
    start = time.perf_counter()
    threads = [threading.Thread(target=chat, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    firsts = [r["first_token_s"] for r in results]
    chars = sum(len(r["text"]) for r in results)
    return {"base_url": base_url, "chats": n, "wall_s": round(wall, 2),
            "first_token_p50_s": round(float(np.percentile(firsts, 50)), 2),
            "first_token_p95_s": round(float(np.percentile(firsts, 95)), 2),
            "approx_tok_s_total": round(chars / 4 / wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backends", default="llama_cpp,transformers")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--parallel-chats", type=int, default=0)
    ap.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    ap.add_argument("--lookup", help="prompt-lookup speculative decoding: comma-separated k (0: plain)")
    ap.add_argument("--lookup-one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.lookup_one:
        prompts = [tuple(p) for p in json.loads((ROOT / "bench" / "out" / "lookup_prompts.json").read_text())]
        print(json.dumps(lookup_backend(args.lookup_one, [int(k) for k in args.lookup.split(",")], prompts)))
        return
    if args.lookup:
        lookup(args.backends.split(","), [int(k) for k in args.lookup.split(",")])
        return
    if args.one:
        print(json.dumps(one_backend(args.one)))
        return
    if args.parallel_chats:
        print(json.dumps(parallel_chats(args.base_url, args.parallel_chats), indent=2))
        return
    rows = []
    for name in args.backends.split(","):
        out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    reference = next((r for r in rows if r["backend"] == "transformers"), None)
    if reference:
        for r in rows:
            r["decode_x_transformers"] = round(r["decode_tok_s"] / reference["decode_tok_s"], 1)
    print(f"{'backend':14}{'load s':>8}{'1st cold':>9}{'1st cached':>11}{'decode t/s':>11}{'x tf':>6}{'LLM RSS MB':>11}"
          f"{'MB/token':>9}{'GB/s':>6}")
    for r in rows:
        print(f"{r['backend']:14}{r['load_s']:>8}{r['first_token_cold_s']:>9}{r['first_token_cached_prefix_s']:>11}"
              f"{r['decode_tok_s']:>11}{r.get('decode_x_transformers', ''):>6}{r['llm_rss_mb']:>11}"
              f"{r['weights_read_per_token_mb'] or '':>9}{r['weights_gb_s'] or '':>6}")
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "llm_speed.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
