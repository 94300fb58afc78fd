"""Start-up warm-up of the LLM's prompt cache: the static prefix of every prompt kind the app sends.

    prefixes = prompt_prefixes("The Demo Gift Shop")  # {"shopper": [system, user-so-far], "route": ..., ...}
    gate.warm(prefixes)                                # each evaluated once, through the gate, kept by the engine

Every prompt file puts its static part first (system section, then the user section up to the first
per-request value: prompts.prefix); evaluating those parts once at start means no customer pays for a cold
prefix (~600 tokens for the router: seconds on 2 cores). The kinds are listed most used first, so a customer
who arrives during the warm-up finds the likeliest prefix ready. Request expansion (search/expand.py) is left
out: it is off by default and its prefix depends on the catalog's types.

    prefixes |= section_prefixes("The Demo Gift Shop", index.kb.chunks, limit=64)   # {"service:returns.md#...": ...}

A policy answer quotes the best KB section(s) before the customer's question, so the service prompt up to the
question is also fixed per section: keeping one such state for each section (the first `limit` of them, ~2 MB
each at q8_0) means a policy question reads only its own words (~190 prompt tokens, 1.2 s of prefill on 2
cores, before; a second quoted section still is read).
"""
from __future__ import annotations

import pandas as pd

from assistant.chat.service import quote_sections
from assistant.prompts import prefix
from assistant.segments.llm_parse import PROMPT_VALUES


def prompt_prefixes(shop_name: str) -> dict[str, list[dict]]:
    """{prompt kind: its static messages} for the shopper, router, service, chitchat and staff prompts."""
    return {"shopper": prefix("shopper", shop=shop_name),
            "route": prefix("route"),
            "service": prefix("service", shop=shop_name),
            "chitchat": prefix("chitchat", shop=shop_name),
            "staff": prefix("staff_query", **PROMPT_VALUES)}


def section_prefixes(shop_name: str, chunks: pd.DataFrame, limit: int) -> dict[str, list[dict]]:
    """{"service:<anchor>": the service prompt up to the question, quoting that one section} for the first
    `limit` KB sections (rows of KnowledgeBase.chunks)."""
    return {f"service:{row.anchor}": prefix("service", shop=shop_name, sections=quote_sections(
                [{"citation": row.anchor, "section": row.section, "text": row.text}]))
            for row in chunks.head(max(limit, 0)).itertuples()}
