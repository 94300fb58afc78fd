"""Two things llama-cpp-python lacks for a shared in-process model: prompt states that survive other
prompts, and a stop that also cuts prompt processing.

    model = PrefixCachedLlama(model_path=..., n_ctx=4096)       # a llama_cpp.Llama whose saved states omit logits
    model.set_cache(LlamaRAMCache(128 << 20))                  # after each call its state is kept (LRU by bytes)
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

Abort: the callback is libc's `strlen` on a two-byte buffer [flag, NUL]: it returns 0 or 1, which is the
`bool (*)(void *)` llama.cpp calls from its compute thread, without taking Python's GIL (a Python callback
would be called after every node, ~900 a token, and wait for the GIL each time). Where libc cannot be found
a Python callback does the same job.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from llama_cpp import Llama, LlamaState, llama_cpp

POLL_S = 0.02      # how often the watcher looks at the stop event while llama.cpp computes


class PrefixCachedLlama(Llama):
    """A Llama whose save_state/load_state carry the llama.cpp state and token ids, not the logits array
    (sampling happens inside llama.cpp; the logits of the last token are part of llama.cpp's own state).
    `state_loads` counts the prompts that started from a saved state."""

    state_loads = 0

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
