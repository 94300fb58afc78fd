"""The explanation flow: one checked sentence per top product, in the customer's language.

    pieces = explanations(services, "a gift for a tea lover", top3, "English", candidates, titles, ids)
    for piece in pieces: ...        # 'Tea Time Teapot in Gift Box is a lovely teapot for a tea lover. ' ...

One short LLM call per product (the same system prompt first, so a prompt-caching engine reuses it);
the model sees only the request, the product's title and its evidence phrases. Its first sentence is
kept only if the guard passes it (no other catalog product, no product code, no price outside the
catalog, no prompt leak) and it carries no evidence code; otherwise, or when the LLM is busy or fails
after the first product, that product gets the template sentence built from the same phrases. If the
LLM is unavailable for the first product, LLMUnavailable propagates and the Reply uses its template.
"""
from __future__ import annotations

import re

from assistant.chat.guard import SENTENCE, ground
from assistant.errors import LLMUnavailable
from assistant.prompts import render
from assistant.search.evidence import phrase, sentence

CJK = re.compile(r"[\u4e00-\u9fff]")
EVIDENCE_CODE = re.compile(r"matches\s*'|\bfits:|\b(?:query_match|bought_with|type_match|theme_match)\b|\breasons?:",
                           re.I)
MAX_CHARS = 400


def explanations(services, question: str, top: list[dict], language: str, candidates: list[dict],
                 titles: set[str], ids: set[str]):
    """Generator of explanation sentences (each followed by a space), one per product in `top`."""
    for n, product in enumerate(top):
        template = sentence(product["title"], product["evidence"], language)
        reasons = "; ".join(phrase(e, language) for e in product["evidence"][:3]) or "a popular choice in our shop"
        messages = render("shopper", shop=services.shop_name, language=language, question=question[:300],
                          title=product["title"], reasons=reasons)
        try:
            # after the first product, the LLM only if a slot is free: under load, more answers get their first
            # sentence from the LLM instead of a few answers getting all three
            wait_s = None if n == 0 else services.settings.llm_later_products_wait_s
            text = first_sentence(services.llm_stream(messages, purpose="shopper", wait_s=wait_s))
        except LLMUnavailable:
            if n == 0:
                raise
            text = ""
        yield (checked(text, product, candidates, titles, ids, language) or template) + " "


def first_sentence(pieces) -> str:
    """Read LLM pieces until the first sentence is complete (closing the stream stops the generation)."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        parts = SENTENCE.split(buffer.strip())
        if len(parts) > 1 or len(buffer) > MAX_CHARS:
            pieces.close()
            return parts[0].strip()
    return buffer.strip()


def checked(text: str, product: dict, candidates: list[dict], titles: set[str], ids: set[str],
            language: str = "English") -> str:
    """The sentence if it is safe, readable and in the customer's language, else '' (the caller uses the template)."""
    text = text.strip().strip('"').strip()
    if len(text) < 8 or EVIDENCE_CODE.search(text):
        return ""
    if language == "Chinese" and len(CJK.findall(text.replace(product["title"], ""))) < 4:
        return ""                                   # the 1.5B model sometimes answers a Chinese request in English
    text = ground(text, candidates, titles, ids).text
    if not text:
        return ""
    if product["title"].lower() not in text.lower():
        text = f"{product['title']}: {text}"        # the customer must see which product it is about
    return text
