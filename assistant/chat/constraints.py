"""Parse shopping constraints from a message in code (never by the LLM), in English and Chinese.

    c = parse_constraints("a red mug under £10 for christmas", categories=[...], brands=[...])
    c.filters.max_price, c.filters.attributes, c.occasion, c.query     # 10.0, {'colour': 'red'}, 'christmas', 'red mug christmas'
    refine(previous_filters, "cheaper", shown_prices=[4.95, 6.5])     # max_price below the average shown
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from assistant.data.colours import COLOUR_WORDS
from assistant.search.filters import Filters
from assistant.search.prices import (MAX_PRICE, MIN_PRICE, amounts_in_digits, first_number, price_range,
                                      price_window, without_prices)
from assistant.search.understand import Lexicon, without_milestones

OCCASIONS = {"christmas": "christmas", "xmas": "christmas", "birthday": "birthday", "wedding": "wedding",
             "easter": "easter", "valentine": "valentine", "baby shower": "baby", "housewarming": "new home",
             "圣诞": "christmas", "生日": "birthday", "婚礼": "wedding", "复活节": "easter", "情人节": "valentine"}
# The request lexicon (search/understand.py): idioms are read as a whole here too ("green fingers" names no colour),
# and Chinese is translated word by word as the segmenter cuts it.
LEXICON = Lexicon.load()
# Chinese shopping words -> English catalog words: one home, resources/zh_terms.csv, as the lexicon read it.
ZH_TERMS = LEXICON.zh
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "last": -1, "第一": 0, "第二": 1, "第三": 2, "第四": 3, "第五": 4, "最后": -1}
CHEAPER = re.compile(r"cheaper|less expensive|lower price|less pricey|budget|便宜", re.I)
PRICIER = re.compile(r"more expensive|pricier|higher end|premium|fancier|贵一点|高档", re.I)
IN_STOCK = re.compile(r"in stock|available now|有货|有库存", re.I)
OUT_OF_STOCK_OK = re.compile(r"out of stock|sold out|any stock|including unavailable", re.I)
CJK = re.compile(r"[\u4e00-\u9fff]")
REFINE_WORDS = re.compile(r"(?i)\b(cheaper|less expensive|lower price|less pricey|more expensive|pricier|ones?|"
                          r"instead|options?|more|other|different|show|the|first|second|third|last|in|colou?r|"
                          r"what|about|how|any|"
                          + "|".join(COLOUR_WORDS) + r")\b")


def language_of(text: str) -> str:
    """The language to answer in: Chinese if the message has any Han character, else English."""
    return "Chinese" if CJK.search(text) else "English"


@dataclass
class Constraints:
    filters: Filters = field(default_factory=Filters)
    query: str = ""             # search text for retrieval (English terms for Chinese requests)
    occasion: str | None = None
    ordinal: int | None = None  # "the second one" -> 1
    language: str = "English"


def parse_constraints(text: str, categories: list[str] = (), brands: list[str] = ()) -> Constraints:
    """Filters and search text from a shopper's message; products are always in stock unless asked otherwise."""
    text = LEXICON.read_idioms(amounts_in_digits(text))
    lowered = text.lower()
    f = Filters(in_stock=not OUT_OF_STOCK_OK.search(text))
    between, window = price_range(text), price_window(text)
    if between:
        f.min_price, f.max_price = between
    elif window:
        f.min_price, f.max_price = window
    else:
        f.max_price = first_number(MAX_PRICE, text)
        f.min_price = first_number(MIN_PRICE, text)
    named = {colour for word, colour in COLOUR_WORDS.items()
             if (re.search(rf"\b{word}\b", lowered) if word.isascii() else word in text)}
    if len(named) == 1:         # "black and white" is a look both words must show (relevance), not one colour
        f.attributes["colour"] = named.pop()
    f.categories = [c for c in categories if _names_category(c, lowered)]
    f.brands = [b for b in brands if b and re.search(rf"\b{re.escape(b.lower())}\b", lowered)]
    occasion = next((o for w, o in OCCASIONS.items() if (w in lowered if w.isascii() else w in text)), None)
    plain = without_milestones(lowered)             # "a first birthday" points at no product shown
    ordinal = next((i for w, i in ORDINALS.items() if (re.search(rf"\b{w}\b", plain) if w.isascii() else w in text)),
                   None)
    query = _search_text(text)
    return Constraints(f, query, occasion, ordinal, language_of(text))


def refine(previous: Filters, text: str, shown_prices: list[float], categories=(), brands=()) -> Constraints:
    """Constraints for a follow-up: previous filters, updated by what the new message says."""
    new = parse_constraints(text, categories, brands)
    merged = copy.deepcopy(previous)
    if new.filters.max_price is not None or new.filters.min_price is not None:
        merged.min_price, merged.max_price = new.filters.min_price, new.filters.max_price
    elif CHEAPER.search(text) and shown_prices:
        merged.max_price, merged.min_price = round(sum(shown_prices) / len(shown_prices) - 0.01, 2), None
    elif PRICIER.search(text) and shown_prices:
        merged.min_price, merged.max_price = round(max(shown_prices) + 0.01, 2), None
    merged.attributes.update(new.filters.attributes)
    merged.categories = new.filters.categories or merged.categories
    merged.brands = new.filters.brands or merged.brands
    if IN_STOCK.search(text):
        merged.in_stock = True
    new.filters = merged
    new.query = " ".join(REFINE_WORDS.sub(" ", new.query).split())
    return new


CATEGORY_WORD = r"(?:category|categories|section|department|range|aisle)"


def _names_category(category: str, lowered: str) -> bool:
    """Does the message ask for this category? A multi-word name ("Kitchen & Dining") counts as said; a one-word
    name that is also an everyday word ("Christmas", "Easter") only with a category word next to it ("in the
    Christmas section"): "christmas crackers" wants crackers for Christmas, wherever the shop files them."""
    name = category.lower().strip()
    if not name or name not in lowered:
        return False
    if re.search(r"\W", name):
        return True
    return bool(re.search(rf"\b{re.escape(name)}\s+{CATEGORY_WORD}\b|\b{CATEGORY_WORD}\s+(?:of\s+)?{re.escape(name)}\b",
                          lowered))


def _search_text(text: str) -> str:
    """Message without price phrases and filler; Chinese words mapped to English catalog terms."""
    out = without_prices(text)
    if CJK.search(out):                              # word by word as the segmenter cuts them (Lexicon.translate)
        english, _ = LEXICON.translate(out)
        colours = [c for w, c in COLOUR_WORDS.items() if not w.isascii() and w in out]
        out = " ".join(colours[:1] + [english])
    out = re.sub(r"(?i)\b(i'?m|i am|looking for|do you have|have you got|any|some|please|show me|find me|"
                 r"i want|i need|i'd like|can you|recommend|suggest|something|in stock)\b", " ", out)
    return " ".join(out.split())
