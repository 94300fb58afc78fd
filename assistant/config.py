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

from assistant.errors import ConfigError

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
    multilingual_embedder: str = "e5"                   # a second product index (titles) for Chinese requests;
                                                        #   "" = none (search/multilingual.py)
    llm_backend: str = "llama_cpp"                      # llama_cpp | transformers (alias local) | openai | none
    llm_base_url: str = "http://127.0.0.1:8080/v1"      # for llm_backend=openai (`serve-llm`, vLLM, Ollama...)
    llm_base_urls: str = ""                             # several servers, comma-separated: least busy first
    llm_server_cooldown_s: float = 10.0                 # an unreachable server is skipped this long
    llm_model: str = "qwen2.5-coder-1.5b-instruct"
    llm_timeout_s: float = 60.0                         # one generation's deadline; a server silent this long is down
    llm_max_new_tokens: int = 160
    llm_threads: int = 0                                # 0: all cores (llama.cpp) / torch default (transformers)
    llm_context: int = 2048                             # llama.cpp context tokens: the longest prompt + answer
                                                        # the app sends is ~1,000 (route ~800, service ~950)
    llm_mmap: bool = False                              # llama.cpp: map the GGUF (True) or read it into memory; mapped,
                                                        # the repacked Q4_K weights sit in RAM twice (~0.6 GB more RSS)
    llm_kv_type: str = "q8_0"                           # llama.cpp KV cache and saved-state type: f16 | q8_0 (half the
                                                        # bytes; a quantized V cache needs flash attention)
    llm_flash_attn: bool = True                         # llama.cpp flash attention (needed by llm_kv_type=q8_0)
    llm_batch: int = 512                                # llama.cpp prompt tokens evaluated per llama_decode
    llm_prompt_cache_mb: int = 128                      # llama.cpp: states of recent prompts kept (0: last only),
                                                        # besides each prompt kind's static prefix (warmed at start)
    llm_warm_kb_sections: int = 64                      # KB sections whose service-prompt prefix is kept at start
    llm_parallel: int = 4                               # openai backend: concurrent calls (the server's slots)
    llm_queue_timeout_s: float = 20.0                   # wait this long for a free LLM slot, then template
    llm_later_products_wait_s: float = 0.0              # explanations after an answer's first: wait this long at most
    llm_route_timeout_s: float = 5.0                    # router's LLM fallback: queue + generation, then "unsure"
    llama_server_bin: Path = Path("")                   # `serve-llm`: llama.cpp's llama-server ("" = .venv/bin, PATH)
    llm_gate_records: int = 1000                        # calls kept in the gate's record (wait/generation ms)
    llm_expand_timeout_s: float = 0.0                   # > 0: the LLM expands typeless gift requests (cards wait
                                                        # for it; off by default: 9-22 s on a loaded 2-core CPU)

    # routing (assistant/chat/router.py; the out-of-scope threshold itself is calibrated on data, see chat/scope.py)
    router_c: float = 50.0                              # inverse regularisation of the intent classifier
    router_cv_folds: int = 5                            # folds of the out-of-scope calibration
    router_band_share: float = 0.8                      # share of cross-validated mistakes the LLM gets to look at
    router_min_in_scope_recall: float = 0.95            # tau keeps at least this share of shop messages (CV)
    router_min_service_cue_recall: float = 0.98         # same, for messages with a service cue (chat/service_cues.py)
    router_char_weight: float = 0.5                     # character n-grams beside the embedding (0: embedding only)

    # retrieval and ranking
    exact_index_max_items: int = 50_000                 # above this FAISS uses IVF (recall-tuned nprobe)
    vector_index_codec: str = "flat"                    # IVF lists: flat (float32), sq8 (1 byte/dim), pq (dim/8 bytes)
    ab_strategies: str = "hybrid"                       # e.g. "hybrid,content": conversations split by hash
    cf_model: str = "hybrid"                            # the CF model built into indexes/ (see recommend/)
    cf_params: str = ""                                 # JSON object of its parameters, e.g. {"factors": 32}

    # the Spark build (`build --engine spark`; assistant/spark/)
    spark_master: str = "local[2]"                      # local[N], spark://host:7077, yarn, k8s://...
    spark_driver_memory: str = "4g"                     # local mode: the driver is the executor
    spark_shuffle_partitions: int = 8                   # raise on a cluster (~2-3 x total cores)
    debias_strength: float = 0.1                        # "debiased" strategy on a build without exposure.npz
                                                        #   (older builds, non-hybrid cf_model): score /
                                                        #   (buyers + 1) ** strength (recommend/debias.py ips);
                                                        #   the build's exposure flow uses its tuned reward
    debias_max_ndcg_loss: float = 0.03                  # tuning: validation NDCG@10 and @20 the debiasing may give up
    cold_max_ndcg_loss: float = 0.01                    # tuning: validation NDCG@10 and @20 the hybrid may give up
                                                        #   for new products: the new-arrival slot and the content
                                                        #   score of never-bought ones (recommend/blend.py)
    eval_holdout_days: float = 42.0                     # cold-start splits and the A/B simulator: the last weeks
    ab_alpha: float = 0.05                              # A/B test (experiments/): two-sided significance level
    ab_power: float = 0.9                               #   chance to find a true lift of ab_target_lift
    ab_target_lift: float = 0.2                         #   relative lift of the conversion rate worth finding
    ab_min_per_arm: int = 100                           #   fewer conversations in an arm: "not enough data yet"
    tune_budget_s: float = 60.0                         # CF tuning on a validation split (build, eval recs); 0: defaults
    rank_cf: float = 0.6                                # ranker boosts (search/ranker.py RankWeights): CF score,
    rank_affinity: float = 0.2                          #   content affinity to the customer's purchases,
    rank_popularity: float = 0.25                       #   popularity
    rank_mmr_lambda: float = 0.85                       # MMR: 1 = pure score, lower = more variety
    rank_candidates: int = 200                          # candidates recalled per source before scoring
    rank_match_share: float = 0.4                       # a product is offered as a match when its query relevance
                                                        #   is at least this share of the best's; the rest of the
                                                        #   top n are labelled alternatives (0: all matches)
    kb_confident: float = 0.45                          # best KB section score (cosine + BM25) below it: a person answers
    router_threshold: float = 0.4                       # top probability below it: the LLM is asked too (chat/router.py)

    # web app (app.py)
    host: str = "127.0.0.1"
    port: int = 7860
    concurrency: int = 8                                # Gradio requests served at once

    # privacy and access
    k_anonymity: int = 10                               # staff figures / exports about fewer customers are hidden
    staff_llm_timeout_s: float = 3.0                    # LLM reading of a staff question the rules cannot explain
    staff_password: str = ""                            # "": generated on first start, printed once (its hash in
                                                        # var/staff_password.hash); `make demo` sets staff-demo
    staff_max_failures: int = 5                         # failed sign-ins before back-off starts
    staff_lockout_s: float = 30.0                       # first back-off; doubles with every further failure
    dp_epsilon: float = 0.0                             # Laplace noise per staff figure (0: off); privacy.py
    dp_session_budget: float = 3.0                      # total epsilon one staff session may spend
    dp_sensitivity: str = ("customers=1,new_customers=1,returning_customers=1,matching_customers=1,orders=20,"
                           "units=500,revenue=1000,gross_sales=1000,returns_value=1000")   # one customer's most effect

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
            raise ConfigError(f"unknown setting(s) {sorted(unknown)} in {toml_path} or SHOP_* env")
        return cls(**{k: _coerce(cls, k, v) for k, v in values.items()})


def _coerce(cls, name: str, value):
    kind = type(getattr(cls(), name))
    if kind is bool and isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    if issubclass(kind, Path):
        return Path(value).expanduser()
    return kind(value)
