"""The chat LLM interface every backend implements: stream text, or return JSON that fits a schema.

    llm = create("llm", "llama_cpp", settings=Settings.load())   # the default: llama.cpp on the GGUF, CPU
    for piece in llm.stream([{"role": "system", "content": "..."}, {"role": "user", "content": "hi"}]):
        print(piece, end="")
    llm.json(messages, {"type": "object", "properties": {"label": {"enum": ["a", "b"]}},
                        "required": ["label"]})                  # -> {"label": "a"} or LLMUnavailable

Backends (registered by their modules): `llama_cpp` (models/llama_cpp.py), `transformers` alias `local`
(models/hf.py), `openai` (models/openai_compat.py). Callers go through the one gate (models/gate.py),
not through these methods directly. Anything that keeps the LLM from giving a usable answer - missing
package, server down, timeout, output that breaks the schema - raises `LLMUnavailable`, so callers fall
back to code; this module never lets a malformed JSON reach a caller.
"""
from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator

from assistant.config import Settings
from assistant.errors import LLMUnavailable
from assistant.models.schema import SchemaError, validate


class LLM(ABC):
    backend_name = "base"
    parallel = 1          # how many generations the backend can run at once (the gate's slots)

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.load()

    @abstractmethod
    def stream(self, messages: list[dict], max_new_tokens: int | None = None,
               stop: threading.Event | None = None) -> Iterator[str]:
        """Yield text pieces of the assistant's reply; stop early when `stop` is set."""

    def json(self, messages: list[dict], schema: dict, max_new_tokens: int | None = None,
             stop: threading.Event | None = None) -> dict:
        """A JSON object that fits `schema`. Default: generate freely, validate, retry once, else LLMUnavailable.

        Backends with constrained decoding (llama.cpp grammar, a server's response_format) override this."""
        problem = ""
        for _ in range(2):
            text = "".join(self.stream(_with_schema(messages, schema, problem), max_new_tokens, stop))
            if stop is not None and stop.is_set():
                raise LLMUnavailable("JSON generation stopped (timeout or cancel)")
            try:
                return parse_json(text, schema)
            except LLMUnavailable as e:
                problem = str(e)
        raise LLMUnavailable(f"{self.backend_name}: no schema-valid JSON after a retry ({problem})")

    def complete(self, messages: list[dict], max_new_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_new_tokens)).strip()

    def warm_up(self) -> None:
        """Load weights / check the server now rather than on the first message."""

    def ready(self) -> bool:
        """True when a call will not have to wait for weights to load."""
        return True

    def warm_prefix(self, messages: list[dict]) -> int:
        """Evaluate the static start of a prompt kind now and keep it (a backend with a prompt cache does);
        the number of tokens evaluated. Default: nothing to keep."""
        return 0

    prefill: dict | None = None     # the last prompt's {"prompt_tokens", "cached_tokens", "prefill_ms"}, if known


def parse_json(text: str, schema: dict) -> dict:
    """`text` parsed and checked against `schema`; anything else raises LLMUnavailable naming the problem."""
    text = text.strip()
    if text.startswith("```"):          # a fenced block from an unconstrained model
        text = text.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise LLMUnavailable(f"output is not JSON ({e.msg} at char {e.pos}): {text[:80]!r}") from None
    try:
        validate(value, schema)
    except SchemaError as e:
        raise LLMUnavailable(f"output breaks the schema: {e}") from None
    return value


def _with_schema(messages: list[dict], schema: dict, problem: str) -> list[dict]:
    """Messages plus an instruction to answer with JSON only (and what was wrong last time)."""
    note = "Answer with one JSON object only, no prose, matching this JSON schema: " + json.dumps(schema)
    if problem:
        note += f"\nYour previous answer was rejected: {problem}"
    out = [dict(m) for m in messages]
    out[-1]["content"] = out[-1]["content"] + "\n\n" + note
    return out
