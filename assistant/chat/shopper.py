"""Shopper flow: constraints in code -> ranker -> product cards at once -> grounded LLM explanation.

    answer = ShopperHandler(services).handle(turn)   # an Answer; the engine makes the Reply (product_search / refine)

Follow-ups ("cheaper", "in blue", "the second one", "more like the first") reuse the conversation's
last query, filters and shown products from memory.
"""
from __future__ import annotations

import re

from assistant.chat.answer import Answer
from assistant.chat.constraints import parse_constraints, refine
from assistant.chat.explain import explanations
from assistant.chat.guard import ground, neutralize, neutralize_product
from assistant.search.evidence import sentence
from assistant.search.expand import needs_expansion
from assistant.search.filters import Filters
from assistant.search.money import format_price

SIMILAR = ("more like", "similar", "like that", "像", "类似")
PROMPT_PRODUCTS = 3     # the LLM explains the top 3 (short prompt: first token in ~3 s on 2 cores)


class ShopperHandler:
    def __init__(self, services):
        self.s = services
        self.catalog = services.ranker.catalog
        self.brands = sorted({b for b in services.index.products["brand"] if b})
        self.titles = set(self.catalog.titles.tolist())
        self.ids = {str(i).lower() for i in self.catalog.item_ids}

    def handle(self, turn) -> Answer:
        memory = turn.memory
        shown = memory.get("shown", [])
        session_items = memory.get("session_items", [])
        result = request = None
        if turn.intent == "refine" and shown:
            c = refine(Filters(**memory.get("filters", {})), turn.message, [p["price"] for p in shown],
                       self.catalog.categories, self.brands)
            picked = shown[c.ordinal if c.ordinal < len(shown) else -1] if c.ordinal is not None else None
            if picked is not None and not any(w in turn.message.lower() for w in SIMILAR):
                return self._detail(turn, picked)
            if picked is not None:                     # "more like the first one"
                c.query, session_items = picked["title"], [picked["item_id"]]
            else:                                      # "cheaper", "in blue": the last query, narrowed
                c.query = " ".join(x for x in (memory.get("query", ""), c.query) if x)
        else:
            request = self.s.ranker.understand(turn.message)
            if needs_expansion(request) and self.s.llm_ready() and self.s.settings.llm_expand_timeout_s > 0:
                self.s.ranker.expand(request, self.s.gate.json, self.s.settings.llm_expand_timeout_s)
            own = re.sub(re.escape(request.anchor), " ", turn.message, flags=re.I) if request.anchor else turn.message
            c = parse_constraints(own, self.catalog.categories, self.brands)   # the anchor's colour is not a filter
            c.query = turn.message
            if request.anchor:                         # "what goes well with X?": bought in the same order as X
                result = self.s.ranker.complements(request.anchor, c.filters)
                if result is None or not result.items:
                    return self._no_anchor(turn, request.anchor, result)
        if result is None:
            result = self.s.ranker.recommend(c.query, turn.user_id, c.filters, n=5, session_items=session_items,
                                             strategy=turn.strategy, request=request)
        products = [r.to_dict() for r in result.items]
        answer = Answer(turn.intent, products=products, strategy=result.strategy, notes=list(result.notes),
                        timings_ms=dict(result.timings_ms),
                        memory={"query": c.query, "filters": c.filters.to_dict(), "shown": products})
        if not products:
            answer.fallback = (f"Sorry, nothing matches that: {result.notes[0] if result.notes else ''} "
                               "Try a higher price limit or fewer conditions.")
            return answer
        answer.suggestions = ["cheaper", "more like the first one", "tell me about the second one"]
        answer.lead = neutralize(_read_as(request, c.language) + self._lead(c, result, products))   # shop data
        top = [neutralize_product(p) for p in products[:PROMPT_PRODUCTS]]   # shop data is never an instruction
        answer.fallback = " ".join(sentence(p["title"], p["evidence"], c.language) for p in top)
        answer.sentences = lambda: explanations(self.s, turn.message, top, c.language, products, self.titles,
                                                self.ids)
        answer.purpose = "shopper"
        answer.check = lambda text: ground(text, products, self.titles, self.ids).text
        return answer

    def _lead(self, c, result, products) -> str:
        zh = c.language == "Chinese"
        if result.strategy == "complements":
            anchor = result.notes[0].removeprefix("anchor: ")
            return (f"顾客常把这些和 {anchor} 一起买：" if zh else
                    f"Customers who bought {anchor} often bought these in the same order:")
        if result.no_match or any("closely" in n for n in result.notes):
            return ("抱歉，我们没有您要找的商品。下面是最接近的几件，仅供参考：" if zh else
                    "Sorry, we don't have that. Here are the nearest alternatives we do have, in case one suits:")
        matches = len(result.matched)
        rest = len(products) - matches
        if not matches and products:    # something was close, nothing holds all of it ("scandi" and the bathroom)
            return ("没有完全符合您全部要求的商品。下面是最接近的几件，各符合其中一部分：" if zh else
                    "Nothing we have is all of what you asked for. These are the nearest, each with part of it:")
        if zh:
            return f"为您找到 {matches} 件商品。" + (f"另有 {rest} 件相近的备选，并不完全符合您的要求。" if rest else "")
        fits = ", ".join(c.filters.describe(self.s.currency)[:3]) if not c.filters.is_empty() else ""
        request = getattr(result, "request", None)      # how the request was read, said plainly ("for a child")
        who = f" for {request.idea_for}" if request is not None and request.idea_for else ""
        return (f"Here {'is 1 pick' if matches == 1 else f'are {matches} picks'}{who}" + (f" ({fits})" if fits else "")
                + "." + (f" After {'it' if matches == 1 else 'them'}, {rest} nearest alternative"
                         f"{'s' if rest > 1 else ''}, not exactly what you asked for." if rest else ""))

    def _because(self, p: dict, language: str = "English") -> str:
        return sentence(p["title"], [e for e in p["evidence"] if e["kind"] != "alternative"], language)

    def _no_anchor(self, turn, anchor: str, result) -> Answer:
        """A complement request whose product we cannot find, or that nobody bought with anything."""
        text = (f"I couldn't find \"{anchor}\" in our catalog. Could you tell me its name as it appears on our site, "
                "or its product code?" if result is None else
                f"Nobody has bought {result.notes[0].removeprefix('anchor: ')} together with other products yet, "
                "so I can't say what goes well with it.")
        return Answer(turn.intent, fallback=text, suggestions=["show me bestsellers", "gift ideas under £10"])

    def _detail(self, turn, product: dict) -> Answer:
        """'tell me about the second one': the facts from code at once, then one LLM sentence on why it fits the
        request it was shown for (the template sentence when the LLM is off, busy or its sentence fails the check)."""
        stock = f"{product['stock']} in stock" if product["stock"] > 0 else "currently out of stock"
        shown = neutralize_product(product)
        facts = (f"{shown['title']} ({product['item_id']}) costs {format_price(product['price'], product['currency'])}"
                 f" and is {stock}. Category: {product['category']}.")
        viewed = (turn.memory.get("session_items", []) + [product["item_id"]])[-10:]
        answer = Answer(turn.intent, products=[product], lead=facts, fallback=self._because(shown, turn.language),
                        suggestions=["more like this one", "cheaper"], memory={"session_items": viewed})
        question = turn.memory.get("query") or turn.message
        answer.sentences = lambda: explanations(self.s, question, [shown], turn.language, [product], self.titles,
                                                self.ids)
        answer.purpose = "shopper"
        answer.check = lambda text: ground(text, [product], self.titles, self.ids).text
        return answer


def _read_as(request, language: str) -> str:
    """The typos corrected in the request, said before the answer (a correction is a guess the shopper can see)."""
    fixes = getattr(request, "corrections", None) or []
    if not fixes:
        return ""
    said = ", ".join(f"'{a}' as '{b}'" for a, b in fixes)
    return f"（我把 {said} 理解为正确的拼写。）" if language == "Chinese" else f"(I read {said}.) "
