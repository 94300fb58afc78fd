"""LLM expansion of a request the rules found no product type in: constrained JSON, checked against the vocabulary.

    types = expand_types(request, vocab, gate.json, timeout_s=3.0)     # ['teapot', 'cup', 'mug', ...] or []
    request.expanded_types = types

The model only chooses from the catalog's own mined types (an `enum` in the schema, so llama.cpp's grammar
cannot even spell another word); whatever comes back is validated again here. The common types sit in the
prompt's system part, the same for every request, so a prompt-caching engine evaluates the long list once; only
the request and the types its own words sell as are new per call. Busy, slow or off-schema:
no expansion, the rules' understanding stands (never a guess).
"""
from __future__ import annotations

import logging

from assistant.errors import LLMUnavailable
from assistant.prompts import render
from assistant.search.understand import Request
from assistant.search.vocabulary import Vocabulary

log = logging.getLogger(__name__)
OFFERED_TYPES = 60      # the most common mined types, offered to the model for every request (static prompt part)
OWN_TYPES = 20          # at most this many more: the types the request's themes sell as
MAX_TYPES = 5


def needs_expansion(request: Request) -> bool:
    """Requests with a subject but no product type ('a gift for a tea lover', 'something for mum'), and Chinese
    requests whose words the lexicon left (partly) unmapped with no type found (the thing may be the word it lacks:
    the model reads the Chinese itself)."""
    if request.types or request.anchor or request.ideas:
        return False
    if request.language == "Chinese" and request.unknown_zh:
        return True
    return (request.gift or request.recipient is not None) and bool(request.themes or request.hints)


def said(request: Request) -> str:
    """The request as the model reads it: the shopper's own Chinese when the lexicon could not map all of it
    (its English words would lose the thing), else its English words."""
    return request.text if request.unknown_zh else (request.english or request.text)


def common_types(vocab: Vocabulary, n: int = OFFERED_TYPES) -> list[str]:
    """The n most common one-word types: the same list for every request (the prompt's static, cached part)."""
    return sorted((t for t in vocab.types if " " not in t), key=lambda t: (-vocab.types[t], t))[:n]


def own_types(request: Request, vocab: Vocabulary, common: list[str], n: int = OWN_TYPES) -> list[str]:
    """Types the request's themes and hints sell as ('tea' -> mug, teapot, tin ...), those not already common."""
    subjects = request.themes + request.hints
    own = [t for theme in subjects for t in vocab.theme_types.get(theme, {})]
    own += [t for t in vocab.types if any(t.startswith(theme) and t != theme for theme in subjects)]  # teapot
    return [t for t in dict.fromkeys(own) if t not in common][:n]


def offered_types(request: Request, vocab: Vocabulary) -> list[str]:
    """Every type the model may choose from: the request's own, then the common ones."""
    common = common_types(vocab)
    return own_types(request, vocab, common) + common


def expand_types(request: Request, vocab: Vocabulary, ask_json, timeout_s: float) -> list[str]:
    """Up to MAX_TYPES catalog types for `request` from the LLM (`ask_json(messages, schema, purpose=...,
    timeout_s=...)`, i.e. gate.json), validated against the vocabulary; [] when unavailable. Answers are
    remembered per (subject, vocabulary) so a repeated request costs no LLM time."""
    key = (tuple(request.themes), tuple(request.hints), request.recipient or "", request.occasion or "",
           request.text if request.unknown_zh else "")
    cached = _CACHE.get((key, id(vocab)))
    if cached is not None:
        return list(cached)
    types = _ask(request, vocab, ask_json, timeout_s)
    if types:
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[(key, id(vocab))] = tuple(types)
    return types


CACHE_SIZE = 1024
_CACHE: dict = {}


def _ask(request: Request, vocab: Vocabulary, ask_json, timeout_s: float) -> list[str]:
    common = common_types(vocab)
    own = own_types(request, vocab, common)
    if not common and not own:
        return []
    schema = {"type": "object", "additionalProperties": False, "required": ["product_types"],
              "properties": {"product_types": {"type": "array", "maxItems": MAX_TYPES,
                                               "items": {"type": "string", "enum": own + common}}}}
    messages = render("expand_request", request=said(request)[:300], types=", ".join(common),
                      own_types=", ".join(own) or "(none)")
    try:
        answer = ask_json(messages, schema, purpose="expand", timeout_s=timeout_s, max_new_tokens=48)
    except LLMUnavailable as e:
        log.debug("request expansion skipped: %s", e)
        return []
    chosen = answer.get("product_types", []) if isinstance(answer, dict) else []
    return [t for t in dict.fromkeys(chosen) if t in vocab.types][:MAX_TYPES]
