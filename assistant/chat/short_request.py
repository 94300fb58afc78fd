"""Short product requests ("a photo frame", "mugs", "蛋糕架") recognised from the catalog's own words.

    terms = CatalogTerms.from_titles(index.products["title"], index.products["category"])
    terms.is_product_request("a photo frame")     # True: every content word names something the shop sells
    terms.is_product_request("next song")         # False: "next" is not a catalog word
    terms.is_product_request("蛋糕架")             # True: 蛋糕 is a Chinese shopping term (constraints.ZH_TERMS)

A message of at most `MAX_WORDS` words (or `MAX_ZH_CHARS` Chinese characters) whose every content word
is a word of a product title or category (plural "s"/"es" folded) is a product search, whatever the
classifier thinks: an embedding sees too little in two words. Questions ("how", "吗"...) never match.
In Chinese, what is left after the shopping terms may be a short modifier (红色, 大) but no word of an
order's life (收到, 碎, 退...): "收到的杯子是碎的" (the mug came broken) is a complaint, not a search.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.chat.constraints import CJK, ZH_TERMS

MAX_WORDS = 4
MAX_ZH_CHARS = 6
FILLER = frozenset("a an some any the please pls few couple of pair set for new nice i want need".split())
QUESTION = re.compile(r"(?i)\b(how|what|why|when|where|who|which|can|do|does|is|are|my)\b|[?？]|吗|怎么|什么|多少|哪|谁|为什么|我的")
ZH_FILLER = re.compile(r"[一个些只的买想要请给我]")
MAX_ZH_MODIFIER = 3                      # characters left around the shopping terms ("红色", "大号")
ZH_SERVICE = re.compile(r"[收到寄送裹单碎坏破丢退换款钱付错漏少没]")
WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def _fold(word: str) -> str:
    """Singular-ish form: 'boxes' -> 'box', 'mugs' -> 'mug', 'glass' stays."""
    for suffix, keep in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ses", "s")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + keep
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


class CatalogTerms:
    def __init__(self, words: Iterable[str]):
        self.words = frozenset(_fold(w) for w in words if len(w) > 2)   # 't', 'of', 'cm' say nothing

    @classmethod
    def from_titles(cls, titles: Iterable[str], categories: Iterable[str] = ()) -> "CatalogTerms":
        words = {w for text in list(titles) + list(categories) for w in WORD.findall(str(text).lower())}
        return cls(words - FILLER)

    def is_product_request(self, text: str) -> bool:
        text = text.strip().lower()
        if not text or QUESTION.search(text):
            return False
        if CJK.search(text):
            core = ZH_FILLER.sub("", re.sub(r"\s+", "", text))
            if not 0 < len(core) <= MAX_ZH_CHARS or re.search(r"[a-z0-9]", core):
                return False
            if core in ZH_TERMS:
                return True
            terms = [t for t in sorted(ZH_TERMS, key=len, reverse=True) if len(t) >= 2 and t in core]
            if not terms:
                return False
            rest = re.sub("|".join(map(re.escape, terms)), "", core)
            return len(rest) <= MAX_ZH_MODIFIER and not ZH_SERVICE.search(rest)
        words = WORD.findall(text)
        if not words or len(words) > MAX_WORDS or len(re.sub(r"[\s\w'-]", "", text)) > 1:
            return False
        content = [_fold(w) for w in words if w not in FILLER]
        return bool(content) and all(w in self.words for w in content)
