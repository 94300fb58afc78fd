"""What llama-cpp-python lacks for a shared in-process model: prompt states that survive other prompts,
static prefixes evaluated once and kept, a record of each prompt's prefill, and a stop that also cuts
prompt processing.

    model = PrefixCachedLlama(model_path=..., n_ctx=2048)       # a llama_cpp.Llama whose saved states omit logits
    model.set_cache(PrefixStateCache(128 << 20))               # after each call its state is kept (LRU by bytes)
    model.pin_prefix(model.prefix_tokens(render("route", message="")))   # a static prefix, evaluated now, kept
    model.prefill            # {"prompt_tokens": 640, "cached_tokens": 626, "prefill_ms": 180.2} of the last prompt
    flag = AbortFlag(model)                                     # llama_decode checks it after every graph node
    with flag.watching(stop_event):                             # stop_event set -> the running llama_decode
        for chunk in model.create_chat_completion(...): ...     #   returns 2: RuntimeError, `flag.fired` is True

Prompt states: llama.cpp keeps the KV cache of the last prompt only, so a router call between two shopper
calls used to throw away the shopper's system prompt (and the other way round): each call re-read ~600
tokens (2-4 s on 2 cores). llama-cpp-python's own `LlamaRAMCache` keeps each state with a copy of its
`scores` array (n_batch x vocab floats: 311 MB per entry with Qwen's 151,936-token vocabulary) and scans
that array on every load; `PrefixCachedLlama` saves and restores only what llama.cpp needs (the KV cells in
use, ~28 KB a token for Qwen2.5-1.5B, and the token ids). `Llama._create_completion` looks the prompt up by
longest common token prefix and loads the state when it shares more than what is already evaluated.

Static prefixes: every prompt kind (router, service, shopper, chitchat, staff) starts with the same system
part; `prefix_tokens` gives the tokens of a kind's prompt up to its first per-request value (exactly as
create_chat_completion tokenizes it, less the last token, which may merge with what follows), and
`pin_prefix` evaluates them once and keeps the state outside the LRU, so a rare prompt kind never finds its
prefix evicted by a run of frequent ones.

Abort: the callback is libc's `strlen` on a two-byte buffer [flag, NUL]: it returns 0 or 1, which is the
`bool (*)(void *)` llama.cpp calls from its compute thread, without taking Python's GIL (a Python callback
would be called after every node, ~900 a token, and wait for the GIL each time). Where libc cannot be found
a Python callback does the same job.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from llama_cpp import Llama, LlamaState, llama_chat_format, llama_cpp
from llama_cpp.llama_cache import LlamaRAMCache

POLL_S = 0.02      # how often the watcher looks at the stop event while llama.cpp computes
MARK = "\uE000prefix-end\uE000"      # a private-use marker: where a prompt's static prefix ends


class PrefixStateCache(LlamaRAMCache):
    """LlamaRAMCache (recent prompts' states, LRU by bytes) plus pinned states that are never evicted: the
    static prefix of each prompt kind. A lookup returns the state sharing the longest token prefix with the
    prompt, pinned or not."""

    def __init__(self, capacity_bytes: int):
        super().__init__(capacity_bytes)
        self.pinned: dict[tuple[int, ...], LlamaState] = {}

    def pin(self, key, state: LlamaState) -> None:
        self.pinned[tuple(key)] = state

    @property
    def pinned_bytes(self) -> int:
        return sum(state.llama_state_size for state in self.pinned.values())

    def _best(self, key: tuple[int, ...]) -> tuple[tuple[int, ...] | None, bool]:
        best, best_len, pinned = None, 0, False
        for store, is_pinned in ((self.pinned, True), (self.cache_state, False)):
            for k in store:
                n = Llama.longest_token_prefix(k, key)
                if n > best_len:
                    best, best_len, pinned = k, n, is_pinned
        return best, pinned

    def __getitem__(self, key) -> LlamaState:
        best, pinned = self._best(tuple(key))
        if best is None:
            raise KeyError("no saved state shares a prefix with this prompt")
        if pinned:
            return self.pinned[best]
        self.cache_state.move_to_end(best)
        return self.cache_state[best]

    def __contains__(self, key) -> bool:
        return self._best(tuple(key))[0] is not None


class PrefixCachedLlama(Llama):
    """A Llama whose save_state/load_state carry the llama.cpp state and token ids, not the logits array
    (sampling happens inside llama.cpp; the logits of the last token are part of llama.cpp's own state).
    `state_loads` counts the prompts that started from a saved state."""

    state_loads = 0
    prefill: dict | None = None     # the last prompt: tokens, tokens reused from the KV cache, ms to its first token

    def prefix_tokens(self, messages: list[dict]) -> list[int]:
        """The tokens create_chat_completion makes of `messages`, up to the end of the last message's content,
        less the last token (it may merge with the text that follows in a real prompt). [] without a template."""
        template = self.metadata.get("tokenizer.chat_template")
        if not template:
            return []
        eos, bos = self.token_eos(), self.token_bos()
        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=self._model.token_get_text(eos) if eos != -1 else "",
            bos_token=self._model.token_get_text(bos) if bos != -1 else "", stop_token_ids=[eos])
        marked = [dict(m) for m in messages]
        marked[-1]["content"] = marked[-1]["content"] + MARK
        result = formatter(messages=marked)
        text = result.prompt[:result.prompt.index(MARK)]
        return self.tokenize(text.encode("utf-8"), add_bos=not result.added_special, special=True)[:-1]

    def pin_prefix(self, tokens: list[int]) -> bool:
        """Evaluate `tokens` and keep their state in the cache's pinned set; False if already there (or no cache)."""
        if not isinstance(self.cache, PrefixStateCache) or not tokens or tuple(tokens) in self.cache.pinned:
            return False
        shared = Llama.longest_token_prefix(self._input_ids.tolist(), tokens)
        self.n_tokens = min(shared, len(tokens) - 1)     # keep what is already evaluated, drop the rest
        self.eval(tokens[self.n_tokens:])
        self.cache.pin(tokens, self.save_state())
        return True

    def generate(self, tokens, *args, **kwargs):
        """Llama.generate, recording in `self.prefill` how much of the prompt was already evaluated and how long
        the prompt took up to its first token."""
        tokens = list(tokens)
        cached = min(Llama.longest_token_prefix(self._input_ids.tolist(), tokens), max(0, len(tokens) - 1))
        self.prefill = {"prompt_tokens": len(tokens), "cached_tokens": cached, "prefill_ms": None}
        start = time.perf_counter()
        inner = super().generate(tokens, *args, **kwargs)
        try:
            sent = None
            while True:
                try:
                    token = inner.send(sent)
                except StopIteration:
                    return
                if self.prefill["prefill_ms"] is None:
                    self.prefill["prefill_ms"] = round((time.perf_counter() - start) * 1000, 1)
                sent = yield token
        finally:
            inner.close()

    def save_state(self) -> LlamaState:
        ctx = self._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(ctx, buf, size)
        return LlamaState(input_ids=self.input_ids.copy(), scores=np.empty((0, 0), np.single),
                          n_tokens=self.n_tokens, llama_state=bytes(memoryview(buf)[:n]), llama_state_size=n,
                          seed=self._seed)

    def keep_state(self) -> None:
        """Save the state of what is evaluated now into the cache (llama-cpp-python saves only completions that
        ran to the end; a stream closed after its first sentence would otherwise leave nothing behind)."""
        if self.cache is not None and self.n_tokens > 0:
            self.cache[self.input_ids[:self.n_tokens].tolist()] = self.save_state()

    def load_state(self, state: LlamaState) -> None:
        data = (ctypes.c_uint8 * state.llama_state_size).from_buffer_copy(state.llama_state)
        if llama_cpp.llama_state_set_data(self._ctx.ctx, data, state.llama_state_size) != state.llama_state_size:
            raise RuntimeError("llama.cpp refused a saved prompt state")
        self.input_ids = state.input_ids.copy()
        self.n_tokens = state.n_tokens
        self._seed = state.seed
        self.state_loads += 1


def _libc_strlen():
    """libc's strlen as a C function pointer, or None where there is no libc to load."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.cast(ctypes.CDLL(name).strlen, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return None


class AbortFlag:
    """A one-byte flag llama.cpp's compute thread reads after every graph node of llama_decode."""

    def __init__(self, model: Llama):
        self._buf = ctypes.create_string_buffer(2)          # [flag, NUL]: strlen gives 0 (go on) or 1 (abort)
        address = _libc_strlen()
        if address is not None:
            self._callback = llama_cpp.ggml_abort_callback(address)
        else:   # pragma: no cover - no libc (not Linux/macOS): the GIL-taking Python callback
            self._callback = llama_cpp.ggml_abort_callback(lambda _data: self._buf.raw[0] != 0)
        llama_cpp.llama_set_abort_callback(model._ctx.ctx, self._callback, ctypes.cast(self._buf, ctypes.c_void_p))
        self.fired = False

    def set(self) -> None:
        self._buf[0] = b"\x01"
        self.fired = True

    def clear(self) -> None:
        self._buf[0] = b"\x00"
        self.fired = False

    @contextmanager
    def watching(self, stop) -> Iterator[None]:
        """While inside: when `stop.is_set()` (anything with that method) becomes true, abort llama_decode."""
        self.clear()
        done = threading.Event()

        def watch():
            while not done.wait(POLL_S):
                if stop.is_set():
                    self.set()
                    return
        watcher = threading.Thread(target=watch, name="llama-abort-watch", daemon=True) if stop is not None else None
        if watcher is not None:
            watcher.start()
        try:
            yield
        finally:
            done.set()
            if watcher is not None:
                watcher.join()
            self._buf[0] = b"\x00"          # the next call starts unaborted; `fired` stays for the caller to read
