"""The llama.cpp backend (the default on CPU): the Q4_K_M GGUF loaded as is by llama-cpp-python.

    llm = create("llm", "llama_cpp", settings=s)   # ~1.5 s load, ~1.1 GB RSS on 2 cores
    llm.stream(messages, stop=event)               # pieces; ends early when `event` is set
    llm.json(messages, schema)                     # grammar-constrained: always parses; then validated
    llm.warm_prefix(render("route", message=""))   # evaluate a prompt kind's static part once, keep its state
    llm.prefill                                    # the last prompt: {"prompt_tokens", "cached_tokens", "prefill_ms"}

The chat template comes from the GGUF's metadata. llama.cpp keeps the KV cache of the previous prompt and
reuses its longest common prefix, so prompts put their static part first (prompts/*.md); the states of the
last prompts are kept too (`llm_prompt_cache_mb`, models/llama_state.py), so the router's prompt and the
shopper's prompt do not evict each other, and the static prefix of every prompt kind is evaluated once at
start (`warm_prefix`, through the gate) and kept outside that budget.
Memory (`bench/llm_speed.py` reports it): the GGUF is read into memory, not mapped (`llm_mmap`): llama.cpp
repacks the Q4_K weights for AVX2 into its own buffers, so a mapped file keeps both copies resident (~0.6 GB
more); the KV cache is q8_0 with flash attention (`llm_kv_type`, half the bytes of f16, and half the saved
states); `llm_context` fits the longest prompt + answer the app sends.
One model per process, one generation at a time (a llama.cpp context is not thread-safe); the gate (models/gate.py) queues callers. `stop` (the gate's deadline or
Stop) also cuts prompt processing: llama_decode checks an abort flag after every graph node.
`n_threads` is Settings.llm_threads (0: all cores).
"""
from __future__ import annotations

import logging
import os
import threading
import time

from assistant.errors import ConfigError, LLMUnavailable
from assistant.models.gguf import assemble_gguf
from assistant.models.llm import LLM, parse_json
from assistant.models.registry import register

log = logging.getLogger(__name__)
KV_TYPES = {"f16": "GGML_TYPE_F16", "q8_0": "GGML_TYPE_Q8_0"}     # Settings.llm_kv_type -> llama.cpp's ggml type


@register("llm", "llama_cpp")
class LlamaCppLLM(LLM):
    _lock = threading.Lock()          # loading and generating: one at a time per process
    _loaded: dict = {}                # (cache dir, n_ctx, n_threads, n_batch, cache MB) -> PrefixCachedLlama

    def _key(self) -> tuple:
        s = self.settings
        return (str(s.cache_dir), s.llm_context, self.threads(), s.llm_batch, s.llm_prompt_cache_mb, s.llm_mmap,
                s.llm_kv_type, s.llm_flash_attn)

    def threads(self) -> int:
        return self.settings.llm_threads or os.cpu_count() or 1

    def ready(self) -> bool:
        return self._key() in LlamaCppLLM._loaded

    def warm_up(self) -> None:
        """Load the model and evaluate a tiny prompt, so the first customer doesn't pay one-time costs."""
        fresh = not self.ready()
        self._model()
        if fresh:
            self.complete([{"role": "system", "content": "Reply with one word."},
                           {"role": "user", "content": "Hi"}], max_new_tokens=2)

    def _model(self):
        key = self._key()
        if key in LlamaCppLLM._loaded:
            return LlamaCppLLM._loaded[key]
        try:
            import llama_cpp  # noqa: F401 - named here so a missing library gives the message below

            from assistant.models.llama_state import AbortFlag, PrefixCachedLlama, PrefixStateCache
        except ImportError as e:
            raise LLMUnavailable(f"llama-cpp-python is not usable ({e}): run `make setup` "
                                 "(or pip install llama-cpp-python==0.3.36; it compiles ~7 min)") from None
        s = self.settings
        kv_type = KV_TYPES.get(s.llm_kv_type)
        if kv_type is None:
            raise ConfigError(f"llm_kv_type must be one of {sorted(KV_TYPES)}, got {s.llm_kv_type!r}")
        if kv_type != "GGML_TYPE_F16" and not s.llm_flash_attn:
            raise ConfigError(f"llm_kv_type={s.llm_kv_type} needs llm_flash_attn=true (llama.cpp quantizes the V "
                              "cache only with flash attention)")
        with LlamaCppLLM._lock:
            if key not in LlamaCppLLM._loaded:
                path = assemble_gguf(s.cache_dir)
                start = time.perf_counter()
                kv = getattr(llama_cpp, kv_type)
                try:
                    model = PrefixCachedLlama(model_path=str(path), n_ctx=s.llm_context, n_threads=self.threads(),
                                              n_threads_batch=self.threads(), n_batch=s.llm_batch,
                                              use_mmap=s.llm_mmap, flash_attn=s.llm_flash_attn, type_k=kv,
                                              type_v=kv, verbose=False)
                except ValueError as e:  # llama.cpp could not read the file
                    raise LLMUnavailable(f"llama.cpp cannot load {path}: {e}; delete it and the parts are "
                                         f"reassembled on the next start") from e
                model.set_cache(PrefixStateCache(s.llm_prompt_cache_mb << 20))
                model.abort_flag = AbortFlag(model)
                log.info("llama.cpp loaded %s in %.1f s (%d threads)", path.name, time.perf_counter() - start,
                         self.threads())
                LlamaCppLLM._loaded[key] = model
            return LlamaCppLLM._loaded[key]

    def stream(self, messages, max_new_tokens=None, stop=None, response_format=None):
        model = self._model()
        with LlamaCppLLM._lock, model.abort_flag.watching(stop):
            chunks = model.create_chat_completion(
                messages=messages, max_tokens=max_new_tokens or self.settings.llm_max_new_tokens,
                temperature=0.0, stream=True, response_format=response_format)
            finished = False
            try:
                for chunk in chunks:
                    if stop is not None and stop.is_set():
                        return
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
                finished = True                 # llama-cpp-python saved the state itself
            except RuntimeError as e:           # llama_decode returned non-zero
                if model.abort_flag.fired:      # our stop: the gate reports it as timeout / cancelled
                    return
                raise LLMUnavailable(f"llama.cpp failed: {e}") from e
            except ValueError as e:             # the prompt does not fit llm_context
                raise LLMUnavailable(f"llama.cpp: {e}") from e
            finally:
                chunks.close()
                if not finished and not model.abort_flag.fired:
                    model.keep_state()          # closed early (first sentence read, Stop): keep what was read

    def warm_prefix(self, messages: list[dict]) -> int:
        """Evaluate the static part of a prompt kind (`messages` cut where its first per-request value would go,
        prompts.prefix) and keep its state; the number of tokens newly evaluated (0: already kept)."""
        model = self._model()
        with LlamaCppLLM._lock:
            tokens = model.prefix_tokens(messages)
            try:
                return len(tokens) if model.pin_prefix(tokens) else 0
            except RuntimeError as e:           # llama_decode returned non-zero
                raise LLMUnavailable(f"llama.cpp failed: {e}") from e

    @property
    def prefill(self) -> dict | None:
        """The last prompt: prompt tokens, tokens reused from a kept state, ms to its first token."""
        model = LlamaCppLLM._loaded.get(self._key())
        return None if model is None else model.prefill

    def json(self, messages, schema, max_new_tokens=None, stop=None):
        text = "".join(self.stream(messages, max_new_tokens or self.settings.llm_max_new_tokens, stop,
                                   response_format={"type": "json_object", "schema": schema}))
        if stop is not None and stop.is_set():
            raise LLMUnavailable("JSON generation stopped (timeout or cancel)")
        return parse_json(text, schema)
