"""Evidence as natural phrases: why a product was picked, in words a shop assistant would say (EN and ZH).

    e = evidence("bought_together", related="White Hanging Heart T-Light Holder", customers=212)
    e.text                          # 'bought in the same order as White Hanging Heart T-Light Holder by 212 customers'
    phrase(e, "Chinese")            # '有 212 位顾客把它和 White Hanging Heart T-Light Holder 放在同一个订单里'
    sentence(title, [e1, e2], "English")   # 'Red Retrospot Cake Stand is a cake stand, as you asked, and ...'

Every phrase is filled from code values (counts, prices, titles); nothing here invents a fact. The
phrases are what the LLM may paraphrase and what the template answer says when the LLM is off; no
evidence code ("matches 'x'", "fits:") is ever produced.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

PHRASES = {  # kind -> (English, Chinese); {placeholders} come from Evidence.values
    "type_match": ("it is a {what}, just what you asked for", "正是您要找的{what}"),
    "theme_match": ("it has the {what} look you asked for", "带有您想要的{what}元素"),
    "idea": ("it is just the thing for {why}", "正是您描述的人或场合常用的东西"),   # {why} is English
    "style": ("it has the {what} style you asked for", "是您想要的{what}风格"),
    "meaning_match": ("it is close to what you described", "和您描述的很接近"),
    "occasion": ("it suits {what}", "很适合{what}"),
    "product_code": ("it is the product with code {what}", "就是编号为 {what} 的商品"),
    "budget": ("it is within your budget of {what}", "在您 {what} 的预算之内"),
    "price_range": ("it is in your price range of {what}", "在您 {what} 的价格范围之内"),   # "around £20"
    "colour": ("it comes in {what}, as you wanted", "是您想要的{what}"),
    "in_stock": ("it is in stock now", "现在有货"),
    "bought_together": ("bought in the same order as {related} by {customers} customers",
                        "有 {customers} 位顾客把它和 {related} 放在同一个订单里"),
    "bought_with": ("customers who bought {related}, which you bought, often buy it too",
                    "买过 {related}（您也买过）的顾客常常也买它"),
    "similar_to": ("it is like things you have bought before", "和您以前买过的东西相似"),
    "segment": ("{share} of customers like you bought it", "和您相似的顾客中有 {share} 买过它"),
    "trending": ("{customers} customers bought it in the last {days} days", "最近 {days} 天有 {customers} 位顾客买了它"),
    "bestseller": ("it is one of our bestsellers, bought by {customers} customers", "是我们的畅销品，已有 {customers} 位顾客购买"),
    "new": ("it is new in, so nobody has bought it yet", "是新品，还没有人买过"),
    "stock": ("only {left} are left", "只剩 {left} 件"),
    "alternative": ("it is not exactly what you asked for, but it is the closest we have",
                    "不完全是您要的，但这是我们最接近的商品"),
}
ZH_WORDS = {"christmas": "圣诞节", "birthday": "生日", "wedding": "婚礼", "easter": "复活节", "valentine": "情人节",
            "party": "派对", "red": "红色", "pink": "粉色", "blue": "蓝色", "white": "白色", "black": "黑色",
            "green": "绿色", "purple": "紫色", "yellow": "黄色", "gold": "金色", "silver": "银色", "grey": "灰色"}


@dataclass
class Evidence:
    kind: str       # one of PHRASES
    text: str       # the English phrase
    related: str = ""                                   # another product's title the phrase names
    values: dict = field(default_factory=dict)          # the facts the phrase was filled from

    def to_dict(self) -> dict:
        return asdict(self)


def evidence(kind: str, related: str = "", **values) -> Evidence:
    """An evidence item with its English phrase filled in."""
    if kind not in PHRASES:
        raise ValueError(f"unknown evidence kind {kind!r}; use one of {sorted(PHRASES)}")
    values = {k: v for k, v in values.items()}
    text = PHRASES[kind][0].format(related=related, **values)
    return Evidence(kind, re.sub(r"\ba (?=[aeio]|u(?!ni|s|te))", "an ", text), related, values)   # 'an umbrella'


def phrase(e: Evidence | dict, language: str = "English") -> str:
    """The evidence phrase in the customer's language (English text for anything without a translation)."""
    kind = e.kind if isinstance(e, Evidence) else e["kind"]
    text = e.text if isinstance(e, Evidence) else e["text"]
    if language != "Chinese" or kind not in PHRASES:
        return text
    values = dict(e.values if isinstance(e, Evidence) else e.get("values", {}))
    related = e.related if isinstance(e, Evidence) else e.get("related", "")
    if "what" in values:
        values["what"] = ZH_WORDS.get(str(values["what"]), values["what"])
    return PHRASES[kind][1].format(related=related, **values)


def sentence(title: str, items: list, language: str = "English", limit: int = 2) -> str:
    """One proper sentence for a product from its (at most `limit`) best phrases."""
    phrases = [phrase(e, language) for e in items[:limit]]
    if language == "Chinese":
        return f"{title}：" + ("，".join(phrases) if phrases else "是我们店里的好选择") + "。"
    if not phrases:
        return f"{title} is a good pick from our range."
    body = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + ", and " + phrases[-1]
    if body.startswith("it "):
        return f"{title} {body[3:]}."              # 'it is a cake stand' -> 'Cake Stand X is a cake stand'
    if body.startswith("bought "):
        return f"{title} was {body}."
    return f"{title}: {body[0].upper()}{body[1:]}."
