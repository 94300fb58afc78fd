"""What a handler returns: plain facts and where the text comes from. The engine turns it into a Reply.

    return Answer("policy", lead="From our policy, Returns - Return window:", fallback="You can return ...",
                  prompt=render("service", ...), check=drop_leaks, citations=["returns.md#return-window"])

A handler decides nothing about streaming, timing or storage: it says which facts it found (products,
orders, rows, citations, a ticket), the template text built from them (`fallback`), what to show at once
(`lead`), the LLM request to phrase them (`prompt`, chat messages) and the sentence checker for that
phrasing (`check`: sentence -> kept text, '' drops it). `memory` holds updates to the conversation memory;
the engine merges and saves them, handlers never write to the memory they read.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(kw_only=True)
class Facts:
    """What code found for one message; an Answer carries it from a handler, a Reply to the front ends."""
    products: list[dict] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    chart: dict | None = None
    parsed_query: dict | None = None
    ticket_id: int | None = None
    strategy: str = ""
    suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class Answer(Facts):
    intent: str
    fallback: str = ""                              # shown when the LLM is off, fails or nothing passes `check`
    lead: str = ""                                  # shown at once, before any LLM text
    prompt: list[dict] | None = None                # LLM request; None: template text only
    sentences: Callable[[], Iterator[str]] | None = None   # instead of `prompt`: text already phrased piece by
                                                    # piece (e.g. one short LLM call per product, chat/explain.py)
    purpose: str = "answer"                         # the LLM gate's label for the request (shopper, service...)
    check: Callable[[str], str] | None = None       # per LLM sentence: the text to keep ('' drops it)
    memory: dict = field(default_factory=dict)      # conversation-memory updates, merged by the engine
