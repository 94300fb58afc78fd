"""Start-up warm-up of the LLM's prompt cache: the static prefix of every prompt kind the app sends.

    prefixes = prompt_prefixes("The Demo Gift Shop")  # {"shopper": [system, user-so-far], "route": ..., ...}
    gate.warm(prefixes)                                # each evaluated once, through the gate, kept by the engine

Every prompt file puts its static part first (system section, then the user section up to the first
per-request value: prompts.prefix); evaluating those parts once at start means no customer pays for a cold
prefix (~600 tokens for the router: seconds on 2 cores). The kinds are listed most used first, so a customer
who arrives during the warm-up finds the likeliest prefix ready. Request expansion (search/expand.py) is left
out: it is off by default and its prefix depends on the catalog's types.
"""
from __future__ import annotations

from assistant.prompts import prefix
from assistant.segments.llm_parse import PROMPT_VALUES


def prompt_prefixes(shop_name: str) -> dict[str, list[dict]]:
    """{prompt kind: its static messages} for the shopper, router, service, chitchat and staff prompts."""
    return {"shopper": prefix("shopper", shop=shop_name),
            "route": prefix("route"),
            "service": prefix("service", shop=shop_name),
            "chitchat": prefix("chitchat", shop=shop_name),
            "staff": prefix("staff_query", **PROMPT_VALUES)}
