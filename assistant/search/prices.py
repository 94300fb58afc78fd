"""Prices said in a request: the one home of the patterns that read a price limit, in English and Chinese.

    amounts_in_digits("under a fiver")            # 'under 5 pounds'
    first_number(MAX_PRICE, "a mug under £10")    # 10.0  (MIN_PRICE for "over ...", BETWEEN for "between x and y")
    first_number(MAX_PRICE, "my budget is £15")   # 15.0: a budget is a maximum (预算20镑, 20镑以内 too)
    price_window("a vase around £20")             # (10.0, 25.0): "around/about/roughly £X", X镑左右
    without_prices("glass vase under fifteen pounds")   # 'glass vase': what is left to understand as the thing wanted

Amounts said in words ("a tenner", "twelve pounds", 五块以内, 几块钱) become digits before the patterns read them.
The constraint parser (chat/constraints.py) turns the limits into filters; request understanding
(search/understand.py) reads the request without them, so that "ten pounds" is never an unknown thing wanted.
"""
from __future__ import annotations

import re

NUMBER = r"(\d+(?:\.\d+)?)"
EACH = r"(?:\s*(?:each|apiece|a piece|per (?:item|piece))\b)?"       # "under £1 each": a price per item
MONEY = r"(?:£|\$|€|gbp\s*)?\s*" + NUMBER + r"\s*(?:pounds?|quid|gbp|pence\b|p\b|便士|英镑|镑|块|元)?" + EACH
PENCE = re.compile(r"\d\s*(?:pence|p|便士)" + EACH + "$", re.I)     # "under 50p": the amount is in pence
# A budget is a maximum: "budget £15", "my budget is 20 pounds", "on a £10 budget", 预算20镑.
BUDGET = (r"(?:(?:my|our|the|a|with a|on a)\s+)?budget(?:\s*(?:is|of|:|=|around|about|approx(?:imately)?|roughly))*"
          r"\s*")
# Verbs that only lead up to a price ("costing about £20", "spend under a tenner") go with the price phrase.
LEAD = r"(?:\b(?:costs?|costing|spend|spending|pay|paying|priced(?:\s+at)?|up to)\s+)?"
UNIT_ZH = r"(?:英镑|镑|块|元)"
MAX_PRICE = [re.compile(p, re.I) for p in (
    LEAD + r"(?:under|below|less than|cheaper than|max(?:imum)?|up to|no more than|not more than|not over|"
    r"no higher than|at most|within|<)\s*" + MONEY,
    MONEY + r"\s*(?:or less|or under|and under|or below|at most|at the most|tops|max|以下|以内|之内)",
    NUMBER + r"\s*" + UNIT_ZH + r"\s*内",                 # 10英镑内
    r"(?:低于|不超过|不高于|少于|不到|最多|顶多|至多|预算(?:是|为|有|在)?)\s*" + MONEY,
    r"\b" + BUDGET + MONEY,
    r"(?:\b(?:on|with|for)\s+)?(?:\b(?:a|my|our)\s+)?" + MONEY + r"\s*budget\b")]
# "no more than" / 不超过 is a maximum: the minimum patterns never read the "more than" inside it.
MIN_PRICE = [re.compile(p, re.I) for p in (LEAD + r"(?<!no )(?<!not )(?:over|above|more than|at least|min(?:imum)?|>)\s*"
                                             + MONEY, MONEY + r"\s*(?:or more|and over|or above|以上)",
                                             r"(?<!不)(?:高于|超过)\s*" + MONEY)]
# Amounts said in words become digits before the price patterns read them: "under a fiver" -> "under 5 pounds",
# "a tenner" (a budget said alone) -> "under 10 pounds", "十块以内" -> "10块以内", "几块钱的" (a few pounds) -> under 10.
SLANG_AMOUNTS = {"fiver": 5, "tenner": 10}
WORD_NUMBERS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                             "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
                                             "twenty".split())} | {"thirty": 30, "forty": 40, "fifty": 50,
                                                                   "a": 1, "an": 1, "a couple of": 2, "a few": 5}
ZH_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_BOUND = r"(?:under|below|less than|cheaper than|up to|no more than|within|over|above|more than|at least|for|about|around)"
SLANG = re.compile(rf"\b(?:(?P<bound>{_BOUND})\s+)?(?:a\s+|one\s+)?(?P<slang>{'|'.join(SLANG_AMOUNTS)})s?\b", re.I)
WORD_AMOUNT = re.compile(rf"\b(?P<word>{'|'.join(sorted(WORD_NUMBERS, key=len, reverse=True))})\s+"
                         r"(?P<unit>pounds?|quid|pence|p)\b", re.I)
ZH_AMOUNT = re.compile(r"(?P<zh>[一两二三四五六七八九十百]+)(?P<unit>块|元|英镑|镑)")
ZH_RANGE_START = re.compile(r"(?P<zh>[一两二三四五六七八九十百]+)(?=\s*[到至-]\s*\d)")
ZH_FEW = re.compile(r"几(?:块|元|英镑|镑)钱?")
# "around £20" is a window, not a limit: from AROUND_LOW to AROUND_HIGH times the amount (the documented
# convention, said in the lead-in as "£10.00-£25.00"): a little over is fine, far below is not what was meant.
# English needs a currency word or sign ("about 6" may be an age); 左右/上下 follow a Chinese amount.
AROUND_LOW, AROUND_HIGH = 0.5, 1.25
CURRENCY = r"(?:£|\$|€|gbp\s*)"
UNIT = r"(?:pounds?|quid|gbp|pence\b|p\b|便士|英镑|镑|块|元)"
AROUND = [re.compile(p, re.I) for p in (
    LEAD + r"\b(?:around|about|roughly|approx(?:\.|imately)?|circa|something like|in the region of)\s*"
    rf"(?:{CURRENCY}\s*{NUMBER}\s*{UNIT}?|{NUMBER}\s*{UNIT}){EACH}",
    rf"{CURRENCY}?\s*{NUMBER}\s*{UNIT}?{EACH}\s*(?:or so|ish\b|左右|上下)",
    rf"(?:大概|大约|差不多)\s*{CURRENCY}?\s*{NUMBER}\s*{UNIT}")]
BETWEEN = re.compile(LEAD + r"(?:(?:between|from)\s*" + MONEY + r"\s*(?:and|to|-)\s*" + MONEY + "|"
                     # "£5-£10", "£5 to 10", "5 to 10 pounds", "10到20镑": a range said with its currency
                     rf"{CURRENCY}\s*{NUMBER}\s*(?:-|–|to)\s*{CURRENCY}?\s*{NUMBER}\s*{UNIT}?|"
                     rf"{NUMBER}\s*(?:-|–|to|到|至)\s*{NUMBER}\s*{UNIT})", re.I)


def amounts_in_digits(text: str) -> str:
    """Amounts said in words as digits, so that the price patterns read them ("under a pound" -> "under 1 pounds");
    a slang amount said without a bound ("a tenner gift") is a budget: "under 10 pounds"."""
    def slang(m: re.Match) -> str:
        amount = SLANG_AMOUNTS[m.group("slang").lower()]
        bound = m.group("bound")
        bound = "under" if bound is None or bound.lower() == "for" else bound
        return f"{bound} {amount} pounds"

    text = SLANG.sub(slang, text)
    text = WORD_AMOUNT.sub(lambda m: f"{WORD_NUMBERS[m.group('word').lower()]} {m.group('unit')}", text)
    text = ZH_AMOUNT.sub(lambda m: f"{zh_number(m.group('zh'))}{m.group('unit')}", text)
    text = ZH_RANGE_START.sub(lambda m: str(zh_number(m.group("zh"))), text)      # 十到20镑 -> 10到20镑
    if ZH_FEW.search(text) and not re.search(r"\d", text):
        text = ZH_FEW.sub("10块以内", text, count=1)
    return text


def zh_number(numeral: str) -> int:
    """A Chinese numeral below a thousand as an int: 五 5, 十五 15, 二十 20, 三十五 35, 一百五十 150, 两百 200."""
    total, digit = 0, None
    for ch in numeral:
        if ch in ZH_DIGITS:
            digit = ZH_DIGITS[ch]
        else:
            total += (digit if digit is not None else 1) * (10 if ch == "十" else 100)
            digit = None
    return total + (digit or 0)


def first_number(patterns, text: str) -> float | None:
    for p in patterns:
        m = p.search(text)
        if m:
            return float(m.group(1)) / (100 if PENCE.search(m.group(0).strip()) else 1)
    return None


def price_range(text: str) -> tuple[float, float] | None:
    """(low, high) for a range said in the request ("between £5 and £10", "£5-£10", "10到20镑"), low first."""
    m = BETWEEN.search(text)
    if not m:
        return None
    pence = 100 if PENCE.search(m.group(0).strip()) else 1
    lo, hi = sorted(float(g) / pence for g in m.groups() if g)
    return lo, hi


def price_window(text: str) -> tuple[float, float] | None:
    """(low, high) for an amount said as approximate ("around £20", "20镑左右"), AROUND_LOW..AROUND_HIGH times it."""
    for p in AROUND:
        m = p.search(text)
        if m:
            amount = float(next(g for g in m.groups() if g)) / (100 if PENCE.search(m.group(0).strip()) else 1)
            return round(amount * AROUND_LOW, 2), round(amount * AROUND_HIGH, 2)
    return None


def without_prices(text: str) -> str:
    """The request with its price phrases removed (amounts in words included); other words untouched."""
    out = BETWEEN.sub(" ", amounts_in_digits(text))
    for p in MAX_PRICE + MIN_PRICE + AROUND:
        out = p.sub(" ", out)
    return " ".join(out.split())
