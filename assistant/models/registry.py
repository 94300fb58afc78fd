"""A tiny registry for interchangeable model backends (LLMs, embedders).

    @register("llm", "llama_cpp")
    class LlamaCppLLM(LLM): ...

    llm = create("llm", "llama_cpp", settings=s)
    available("embedder")   # -> ["e5", "minilm"]
"""
from __future__ import annotations

from assistant.errors import ConfigError

_BACKENDS: dict[str, dict[str, type]] = {"llm": {}, "embedder": {}}


def register(kind: str, name: str):
    """Class decorator: make `cls` available as backend `name` of `kind`."""
    def add(cls):
        _BACKENDS[kind][name] = cls
        cls.backend_name = name
        return cls
    return add


def create(kind: str, name: str, **kwargs):
    """Instantiate backend `name` of `kind`; unknown names list the known ones."""
    _load_builtin_backends()
    try:
        cls = _BACKENDS[kind][name]
    except KeyError:
        raise ConfigError(f"unknown {kind} backend {name!r}; available: {available(kind)}") from None
    return cls(**kwargs)


def available(kind: str) -> list[str]:
    _load_builtin_backends()
    return sorted(_BACKENDS[kind])


def _load_builtin_backends() -> None:
    # Importing the modules runs their @register decorators.
    from assistant.models import embed, hf, llama_cpp, openai_compat  # noqa: F401
