"""Shopper flow: constraints in code -> ranker -> product cards at once -> grounded LLM explanation.

    answer = ShopperHandler(services).handle(turn)   # an Answer; the engine makes the Reply (product_search / refine)

Follow-ups ("cheaper", "in blue", "the second one", "more like the first") reuse the conversation's
last query, filters and shown products from memory.
"""
from __future__ import annotations

from assistant.chat.answer import Answer
from assistant.chat.constraints import parse_constraints, refine
from assistant.chat.guard import ground
from assistant.prompts import render
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
            c = parse_constraints(turn.message, self.catalog.categories, self.brands)
            if c.occasion and c.occasion not in c.query.lower():
                c.query = f"{c.query} {c.occasion}".strip()
        result = self.s.ranker.recommend(c.query, turn.user_id, c.filters, n=5, session_items=session_items,
                                         strategy=turn.strategy)
        products = [r.to_dict() for r in result.items]
        answer = Answer(turn.intent, products=products, strategy=result.strategy, notes=list(result.notes),
                        timings_ms=dict(result.timings_ms),
                        memory={"query": c.query, "filters": c.filters.to_dict(), "shown": products})
        if not products:
            answer.fallback = (f"Sorry, nothing matches that: {result.notes[0] if result.notes else ''} "
                               "Try a higher price limit or fewer conditions.")
            return answer
        answer.suggestions = ["cheaper", "more like the first one", "tell me about the second one"]
        answer.lead = self._lead(c, result, products)
        answer.fallback = " ".join(self._because(p) for p in products[:3])
        lines = "\n".join(f"{i}. {p['title']}: " + "; ".join(e["text"] for e in p["evidence"][:2] or
                                                               [{"text": p["category"]}])
                          for i, p in enumerate(products[:PROMPT_PRODUCTS], 1))
        answer.prompt = render("shopper", shop=self.s.shop_name, language=c.language, question=turn.message[:500],
                               products=lines)
        answer.purpose = "shopper"
        answer.check = lambda sentence: ground(sentence, products, self.titles, self.ids).text
        return answer

    def _lead(self, c, result, products) -> str:
        if any("closely" in n for n in result.notes):
            return f"I couldn't find a close match, so here are {len(products)} popular picks."
        fits = ", ".join(c.filters.describe(self.s.currency)[:3]) if not c.filters.is_empty() else ""
        return f"Here are {len(products)} picks" + (f" ({fits})" if fits else "") + "."

    def _because(self, p: dict) -> str:
        reasons = [e["text"] for e in p["evidence"] if e["kind"] != "constraint"][:2]
        return f"{p['title']}: " + ("; ".join(reasons) if reasons else f"from our {p['category']} range") + "."

    def _detail(self, turn, product: dict) -> Answer:
        stock = f"{product['stock']} in stock" if product["stock"] > 0 else "currently out of stock"
        text = (f"{product['title']} ({product['item_id']}) costs {format_price(product['price'], product['currency'])}"
                f" and is {stock}. Category: {product['category']}. " + self._because(product))
        viewed = (turn.memory.get("session_items", []) + [product["item_id"]])[-10:]
        return Answer(turn.intent, products=[product], fallback=text, suggestions=["more like this one", "cheaper"],
                      memory={"session_items": viewed})
