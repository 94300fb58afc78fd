"""The transformers backend: Qwen2.5-Coder-1.5B-Instruct in bf16 (for a GPU box, and as the reference).

    llm = create("llm", "transformers", settings=s)     # alias "local" (the old name)
    llm.stream(messages); llm.json(messages, schema)    # json: validate, retry once, else LLMUnavailable

The GGUF (models/gguf.py) is dequantized once into `cache_dir` (~50 s, 4.5 GB on disk) and the bf16
copy reloads in seconds afterwards. On CPU the `llama_cpp` backend decodes several times faster.
"""
from __future__ import annotations

import os
import queue
import shutil
import threading
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch: a busy core made decoding 10x slower

from assistant.errors import LLMUnavailable  # noqa: E402
from assistant.models.gguf import assemble_gguf  # noqa: E402
from assistant.models.llm import LLM  # noqa: E402
from assistant.models.registry import register  # noqa: E402


@register("llm", "transformers")   # applied last: backend_name is "transformers"
@register("llm", "local")
class TransformersLLM(LLM):
    """Streamed with TextIteratorStreamer; weights shared by all instances in a process."""

    _lock = threading.Lock()
    _loaded: tuple | None = None  # (model, tokenizer)

    def warm_up(self) -> None:
        """Load the weights and run one tiny generation, so the first customer doesn't pay one-time costs."""
        loaded = TransformersLLM._loaded is not None
        self._model()
        if not loaded:
            self.complete([{"role": "system", "content": "Reply with one word."},
                           {"role": "user", "content": "Hi"}], max_new_tokens=2)

    def ready(self) -> bool:
        return TransformersLLM._loaded is not None

    def _model(self):
        with TransformersLLM._lock:
            if TransformersLLM._loaded is None:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
                if self.settings.llm_threads:
                    torch.set_num_threads(self.settings.llm_threads)
                folder = ensure_cached_model(self.settings.cache_dir)
                tok = AutoTokenizer.from_pretrained(folder)
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16)
                model.eval()
                TransformersLLM._loaded = (model, tok)
            return TransformersLLM._loaded

    def stream(self, messages, max_new_tokens=None, stop=None):
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer
        model, tok = self._model()
        prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tok(prompt, return_tensors="pt").to(model.device)
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True,
                                        timeout=self.settings.llm_timeout_s)
        stop = stop or threading.Event()
        finished = threading.Event()   # ours: ends generation when the caller stops reading

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kw):
                return stop.is_set() or finished.is_set()

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
            raise LLMUnavailable(f"transformers LLM produced nothing for {self.settings.llm_timeout_s:.0f} s") from e
        finally:
            finished.set()
            worker.join(timeout=self.settings.llm_timeout_s)


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
    return folder
