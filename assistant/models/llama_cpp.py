"""The llama.cpp backend (the default on CPU): the Q4_K_M GGUF loaded as is by llama-cpp-python.

    llm = create("llm", "llama_cpp", settings=s)   # ~1.5 s load, ~1.1 GB RSS on 2 cores
    llm.stream(messages, stop=event)               # pieces; ends early when `event` is set
    llm.json(messages, schema)                     # grammar-constrained: always parses; then validated

The chat template comes from the GGUF's metadata. llama.cpp keeps the KV cache of the previous prompt and
reuses its longest common prefix, so prompts put their static part first (prompts/*.md); the states of the
last prompts are kept too (`llm_prompt_cache_mb`, models/llama_state.py), so the router's prompt and the
shopper's prompt do not evict each other. One model per process, one generation at a time (a llama.cpp
context is not thread-safe); the gate (models/gate.py) queues callers. `stop` (the gate's deadline or
Stop) also cuts prompt processing: llama_decode checks an abort flag after every graph node.
`n_threads` is Settings.llm_threads (0: all cores).
"""
from __future__ import annotations

import logging
import os
import threading
import time

from assistant.errors import LLMUnavailable
from assistant.models.gguf import assemble_gguf
from assistant.models.llm import LLM, parse_json
from assistant.models.registry import register

log = logging.getLogger(__name__)


@register("llm", "llama_cpp")
class LlamaCppLLM(LLM):
    _lock = threading.Lock()          # loading and generating: one at a time per process
    _loaded: dict = {}                # (cache dir, n_ctx, n_threads, n_batch, cache MB) -> PrefixCachedLlama

    def _key(self) -> tuple:
        s = self.settings
        return str(s.cache_dir), s.llm_context, self.threads(), s.llm_batch, s.llm_prompt_cache_mb

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
            from llama_cpp.llama_cache import LlamaRAMCache

            from assistant.models.llama_state import AbortFlag, PrefixCachedLlama
        except ImportError as e:
            raise LLMUnavailable(f"llama-cpp-python is not usable ({e}): run `make setup` "
                                 "(or pip install llama-cpp-python==0.3.36; it compiles ~7 min)") from None
        with LlamaCppLLM._lock:
            if key not in LlamaCppLLM._loaded:
                path = assemble_gguf(self.settings.cache_dir)
                start = time.perf_counter()
                try:
                    model = PrefixCachedLlama(model_path=str(path), n_ctx=self.settings.llm_context,
                                              n_threads=self.threads(), n_threads_batch=self.threads(),
                                              n_batch=self.settings.llm_batch, verbose=False)
                except ValueError as e:  # llama.cpp could not read the file
                    raise LLMUnavailable(f"llama.cpp cannot load {path}: {e}; delete it and the parts are "
                                         f"reassembled on the next start") from e
                if self.settings.llm_prompt_cache_mb > 0:
                    model.set_cache(LlamaRAMCache(self.settings.llm_prompt_cache_mb << 20))
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

    def json(self, messages, schema, max_new_tokens=None, stop=None):
        text = "".join(self.stream(messages, max_new_tokens or self.settings.llm_max_new_tokens, stop,
                                   response_format={"type": "json_object", "schema": schema}))
        if stop is not None and stop.is_set():
            raise LLMUnavailable("JSON generation stopped (timeout or cancel)")
        return parse_json(text, schema)
