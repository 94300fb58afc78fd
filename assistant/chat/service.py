"""Customer service: policy answers with citations, the customer's own orders, and hand-off tickets.

    reply = ServiceHandler(services).handle(turn)   # intents: policy, order, handoff

Policy facts are quoted from the knowledge base (code picks the sections, the LLM only rephrases);
an answer the knowledge base does not support becomes a ticket for a person.
"""
from __future__ import annotations

import re

from assistant.chat.guard import SYSTEM_LEAK
from assistant.chat.orders import ORDER_ID_PATTERN, CustomerOrders
from assistant.chat.reply import Reply
from assistant.prompts import render
from assistant.search.money import format_price

KB_CONFIDENT = 0.45   # blended cosine + BM25 score of the best section; below it, a person answers


class ServiceHandler:
    def __init__(self, services):
        self.s = services
        self.orders = CustomerOrders(services.index)

    def handle(self, turn) -> Reply:
        if turn.intent == "handoff":
            return self._handoff(turn, "customer asked for a person",
                                 "I've passed this to our customer-service team")
        if turn.intent == "order":
            return self._order(turn)
        return self._policy(turn)

    def _policy(self, turn) -> Reply:
        hits = self.s.index.kb.search(turn.message, k=2)
        if not hits or hits[0]["score"] < KB_CONFIDENT:
            return self._handoff(turn, "policy question not covered by the knowledge base",
                                 "I'm not sure our policies cover that, so I've asked a colleague to answer")
        best = hits[0]
        reply = Reply(turn.conversation_id, "policy", turn.role, citations=[h["citation"] for h in hits])
        reply._lead = f"From our policy, {best['title']} - {best['section']}:"    # shown at once
        reply._fallback = f"{_first_sentences(best['text'], 2)} [{best['citation']}]"
        sections = "\n\n".join(f"[{h['citation']}] {h['section']}:\n{h['text'][:900]}" for h in hits)
        messages = render("service", shop=self.s.shop_name, language=turn.language, sections=sections,
                          question=turn.message[:500])
        reply._llm = self.s.llm_stream(messages, purpose="service")
        reply._check = lambda s: "" if SYSTEM_LEAK.search(s) else s
        reply.suggestions = ["talk to a person", "how do refunds work?"]
        return reply

    def _order(self, turn) -> Reply:
        reply = Reply(turn.conversation_id, "order", turn.role, citations=[self.orders.policy.citation])
        if not turn.user_id:
            reply._fallback = "Please sign in so I can look up your orders; I can only show a customer their own orders."
            return reply
        wanted = ORDER_ID_PATTERN.findall(turn.message)
        if wanted:
            facts = [self.orders.lookup(turn.user_id, o) for o in wanted]
            missing = [o for o, f in zip(wanted, facts) if f is None]
            facts = [f for f in facts if f is not None]
        else:
            facts, missing = self.orders.recent(turn.user_id, n=3), []
        reply.orders = [f.to_dict() for f in facts]
        parts = [f"I can't find order {o} on your account." for o in missing]
        for f in facts:
            when = {"processing": f"placed on {f.order_date}, being picked now",
                    "shipped": f"shipped on {f.shipped_date}",
                    "delivered": f"delivered on {f.delivered_date}",
                    "returned": f"a return credited on {f.order_date}",
                    "cancelled": "cancelled"}[f.status]
            ret = (f"You can return it until {f.return_deadline} ({f.return_reason})." if f.returnable
                   else f"It can't be returned: {f.return_reason}.")
            parts.append(f"Order {f.order_id} ({len(f.items)} item(s), {format_price(f.total, f.currency)}) is {f.status}, {when}. {ret}")
        if not facts and not missing:
            parts.append("I can't find any orders on your account.")
        reply._fallback = " ".join(parts)
        reply.suggestions = ["how do I start a return?", "talk to a person"]
        return reply

    def _handoff(self, turn, reason: str, text: str) -> Reply:
        ticket = self.s.store.open_ticket(turn.conversation_id, turn.user_id, reason, turn.message)
        reply = Reply(turn.conversation_id, turn.intent, turn.role, ticket_id=ticket,
                      citations=["contact.md#customer-service"])
        reply._fallback = (f"{text} (ticket #{ticket}). We answer within one working day; you can also call "
                           "+44 20 7946 0000, Monday to Friday 9 am to 5 pm UK time.")
        return reply


def _first_sentences(text: str, n: int) -> str:
    """The first n sentences of a Markdown section, without Markdown marks."""
    plain = re.sub(r"\*\*|__|^\s*(?:[-*]|\d+\.)\s+", "", text, flags=re.M)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(plain.split()))
    return " ".join(sentences[:n])
