"""Short product requests ("a photo frame", "mugs", "蛋糕架") recognised from the catalog's own words.

    terms = CatalogTerms.from_titles(index.products["title"], index.products["category"])
    terms.is_product_request("a photo frame")     # True: every content word names something the shop sells
    terms.is_product_request("next song")         # False: "next" is not a catalog word
    terms.is_product_request("蛋糕架")             # True: 蛋糕 is a Chinese shopping term (constraints.ZH_TERMS)

A message of at most `MAX_WORDS` content words (`MAX_ALL_WORDS` in all, or `MAX_ZH_CHARS` Chinese characters) whose every content word
is a word of a product title or category (plural "s"/"es" folded) is a product search, whatever the
classifier thinks: an embedding sees too little in two words. Questions ("how", "吗"...) never match.
In Chinese, what is left after the shopping terms may be a short modifier (红色, 大) but no word of an
order's life (收到, 碎, 退...): "收到的杯子是碎的" (the mug came broken) is a complaint, not a search.

    asks_availability("do you sell wrapping ribbon")   # True: does the shop sell / stock it, is it sold out
    asks_availability("这款杯子还有货吗")               # True
    asks_availability("我的订单什么时候补发")           # False: about an order, not the shelf

    asks_for_gift("what to get my dad who says he wants nothing")   # True: gift ideas are a product search

Whether the shop sells something, has it in stock, or when it comes back is a product search (the
shopper answers it from the catalog's stock), however policy-like the sentence sounds. Words of an order's
life (order, refund, 订单, 退...) keep the message out of this rule.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.chat.constraints import CJK, ZH_TERMS

MAX_WORDS = 4                            # content words; fillers ("I need a ... in red") do not count
MAX_ALL_WORDS = 8
MAX_ZH_CHARS = 6
FILLER = frozenset("a an some any the please pls few couple of pair set for new nice i want need in looking im".split())
QUESTION = re.compile(r"(?i)\b(how|what|why|when|where|who|which|can|do|does|is|are|my)\b|[?？]|吗|怎么|什么|多少|哪|谁|为什么|我的")
ZH_FILLER = re.compile(r"[一个些只的买想要请给我]")
MAX_ZH_MODIFIER = 3                      # characters left around the shopping terms ("红色", "大号")
ZH_SERVICE = re.compile(r"[收到寄送裹单碎坏破丢退换款钱付错漏少没]")
WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
AVAILABILITY = re.compile(r"(?i)\b(?:do|does|will) (?:you|you guys|your shop|the shop) (?:still )?(?:sell|stock|carry)\b"
                          r"|\b(?:sold out|out of stock|back in stock|restock(?:ed|ing)?)\b"
                          r"|有卖|卖不卖|有没有卖|你们卖|你家卖|还有货|有货吗|有现货|卖完了|卖光了|断货|缺货|补货")
GIFT_REQUEST = re.compile(r"(?i)\bwhat (?:to|should I|shall I|can I|could I|do I) (?:get|buy|give)\b"
                          r"|\bwhat (?:do|would|should) you (?:get|buy|give) (?:a|an|my|your|for|someone|somebody|people)\b"
                          r"|\b(?:gift|present) ideas?\b|\bideas? for (?:a |my )?(?:gift|present)\b"
                          r"|送(?:什么|点什么|啥)|买什么礼物|礼物(?:推荐|送什么|买什么)")
ORDER_WORDS = re.compile(r"(?i)\b(?:my order|order (?:no|number|#)|refund|return|cancel|parcel|tracking|invoice|my (?:data|details|information|e-?mail))\b"
                         r"|订单|单号|退|换货|发货|快递|包裹|取消|付款|账户|账号|发票|我买的|收到|个人信息|数据")


def asks_availability(text: str) -> bool:
    """A question whether the shop sells or stocks something (see the module docstring)."""
    return bool(AVAILABILITY.search(text)) and not ORDER_WORDS.search(text)


def asks_for_gift(text: str) -> bool:
    """A request for gift ideas ("what should I get my dad", "present ideas for a man who has everything",
    "送什么给老师"): a product search, unless it holds an order's words."""
    return bool(GIFT_REQUEST.search(text)) and not ORDER_WORDS.search(text)


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
        if not words or len(words) > MAX_ALL_WORDS or len(re.sub(r"[\s\w'-]", "", text)) > 1:
            return False
        content = [_fold(w) for w in words if w not in FILLER]
        return 0 < len(content) <= MAX_WORDS and all(w in self.words for w in content)
