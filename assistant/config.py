"""One settings object for the whole assistant; every field has a working default.

    from assistant.config import Settings
    s = Settings.load()                  # defaults, then assistant.toml, then SHOP_* env vars
    s.index_dir, s.llm_backend, s.k_anonymity

Override in `assistant.toml` (repo root or $SHOP_CONFIG) with the same field names,
or with environment variables `SHOP_<FIELD>` (e.g. `SHOP_LLM_BACKEND=openai`).
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    # data and artifacts
    data_dir: Path = ROOT / "data" / "demo-shop"        # a shop folder in the data contracts
    raw_online_retail: Path = ROOT / "data" / "online-retail" / "online_retail.csv.gz"
    index_dir: Path = ROOT / "indexes"                  # built artifacts (builds/ + current link)
    state_db: Path = ROOT / "var" / "assistant.db"      # conversations, feedback, tickets
    cache_dir: Path = Path(os.path.expanduser("~/.cache/shop-assistant"))  # assembled GGUF, bf16 copy

    # models
    embedder: str = "minilm"                            # minilm | e5 (multilingual)
    llm_backend: str = "llama_cpp"                      # llama_cpp | transformers (alias local) | openai | none
    llm_base_url: str = "http://127.0.0.1:8080/v1"      # for llm_backend=openai (`serve-llm`, vLLM, Ollama...)
    llm_model: str = "qwen2.5-coder-1.5b-instruct"
    llm_timeout_s: float = 60.0                         # one generation's deadline; a server silent this long is down
    llm_max_new_tokens: int = 160
    llm_threads: int = 0                                # 0: all cores (llama.cpp) / torch default (transformers)
    llm_context: int = 4096                             # llama.cpp context tokens per sequence
    llm_parallel: int = 4                               # openai backend: concurrent calls (the server's slots)
    llm_queue_timeout_s: float = 20.0                   # wait this long for a free LLM slot, then template
    llm_route_timeout_s: float = 5.0                    # router's LLM fallback: queue + generation, then "unsure"
    llama_server_bin: Path = Path("")                   # `serve-llm`: llama.cpp's llama-server ("" = .venv/bin, PATH)
    llm_gate_records: int = 1000                        # calls kept in the gate's record (wait/generation ms)

    # retrieval and ranking
    exact_index_max_items: int = 50_000                 # above this FAISS uses HNSW
    ab_strategies: str = "hybrid"                       # e.g. "hybrid,content": conversations split by hash
    cf_model: str = "hybrid"                            # the CF model built into indexes/ (see recommend/)
    tune_budget_s: float = 60.0                         # CF tuning on a validation split (build, eval recs); 0: defaults

    # privacy and access
    k_anonymity: int = 10
    staff_password: str = "staff-demo"

    @classmethod
    def load(cls, **overrides) -> "Settings":
        """Defaults < assistant.toml < SHOP_* environment < keyword overrides."""
        values: dict = {}
        toml_path = Path(os.environ.get("SHOP_CONFIG", ROOT / "assistant.toml"))
        if toml_path.is_file():
            values.update(tomllib.loads(toml_path.read_text(encoding="utf-8")))
        for f in dataclasses.fields(cls):
            env = os.environ.get(f"SHOP_{f.name.upper()}")
            if env is not None:
                values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)} in {toml_path} or SHOP_* env")
        return cls(**{k: _coerce(cls, k, v) for k, v in values.items()})


def _coerce(cls, name: str, value):
    kind = type(getattr(cls(), name))
    if kind is bool and isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    if issubclass(kind, Path):
        return Path(value).expanduser()
    return kind(value)
