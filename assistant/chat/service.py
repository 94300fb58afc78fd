"""Customer service: policy answers with citations, the customer's own orders, and hand-off tickets.

    answer = ServiceHandler(services).handle(turn)   # an Answer for intents policy, order, handoff

Policy facts are quoted from the knowledge base (code picks the sections, the LLM only rephrases);
an answer the knowledge base does not support becomes a ticket for a person.
"""
from __future__ import annotations

import re

from assistant.chat.answer import Answer
from assistant.chat.guard import neutralize, policy_sentence
from assistant.chat.orders import ORDER_ID_PATTERN, CustomerOrders
from assistant.prompts import render
from assistant.search.money import format_price

CONTACT = "contact.md#customer-service"   # the KB section a hand-off quotes (phone, hours, reply time)


def quote_sections(hits: list[dict]) -> str:
    """The KB sections as the service prompt quotes them (KB text is data, never instructions: neutralized).
    One home for the layout: the start-up warm-up (chat/warm.py) keeps each single section's prompt prefix."""
    return "\n\n".join(f"[{h['citation']}] {h['section']}:\n{neutralize(h['text'])[:900]}" for h in hits)


class ServiceHandler:
    def __init__(self, services):
        self.s = services
        self.orders = CustomerOrders(services.index)

    def handle(self, turn) -> Answer:
        if turn.intent == "handoff":
            return self._handoff(turn, "customer asked for a person",
                                 "I've passed this to our customer-service team")
        if turn.intent == "order":
            return self._order(turn)
        return self._policy(turn)

    def _policy(self, turn) -> Answer:
        hits = self.s.index.kb.search(turn.message, k=2)
        if not hits or hits[0]["score"] < self.s.settings.kb_confident:
            return self._handoff(turn, "policy question not covered by the knowledge base",
                                 "I'm not sure our policies cover that, so I've asked a colleague to answer")
        # a second section only if it is itself a confident match: fewer prompt tokens to read (prefill on 2 cores)
        hits = hits[:1] + [h for h in hits[1:] if h["score"] >= self.s.settings.kb_confident]
        best = {**hits[0], "text": neutralize(hits[0]["text"])}
        sections = quote_sections(hits)
        return Answer("policy", citations=[h["citation"] for h in hits],
                      lead=f"From our policy, {best['title']} - {best['section']}:",    # shown at once
                      fallback=f"{_first_sentences(best['text'], 2)} [{best['citation']}]",
                      prompt=render("service", shop=self.s.shop_name, language=turn.language,
                                    sections=sections, question=turn.message[:500]), purpose="service",
                      check=lambda s: policy_sentence(s, sections),
                      suggestions=["talk to a person", "how do refunds work?"])

    def _order(self, turn) -> Answer:
        answer = Answer("order", citations=[self.orders.policy.citation])
        if not turn.user_id:
            answer.fallback = "Please sign in so I can look up your orders; I can only show a customer their own orders."
            return answer
        wanted = ORDER_ID_PATTERN.findall(turn.message)
        if wanted:
            facts = [self.orders.lookup(turn.user_id, o) for o in wanted]
            missing = [o for o, f in zip(wanted, facts) if f is None]
            facts = [f for f in facts if f is not None]
        else:
            facts, missing = self.orders.recent(turn.user_id, n=3), []
        answer.orders = [f.to_dict() for f in facts]
        parts = [f"I can't find order {o} on your account." for o in missing]
        for f in facts:
            when = {"processing": f"placed on {f.order_date}, being picked now",
                    "shipped": f"shipped on {f.shipped_date}",
                    "delivered": f"delivered on {f.delivered_date}",
                    "returned": f"a return credited on {f.order_date}",
                    "cancelled": "cancelled"}[f.status]
            ret = (f"You can return it until {f.return_deadline} ({f.return_reason})." if f.returnable
                   else f"It can't be returned: {f.return_reason}.")
            parts.append(f"Order {f.order_id} ({len(f.items)} item(s), {format_price(f.total, f.currency)}) "
                         f"is {f.status}, {when}. {ret}")
        if not facts and not missing:
            parts.append("I can't find any orders on your account.")
        answer.fallback = " ".join(parts)
        answer.suggestions = ["how do I start a return?", "talk to a person"]
        return answer

    def _handoff(self, turn, reason: str, text: str) -> Answer:
        ticket = self.s.store.open_ticket(turn.conversation_id, turn.user_id, reason, turn.message)
        contact = self.s.index.kb_section(CONTACT)        # phone, hours, reply time: quoted from the KB
        return Answer(turn.intent, ticket_id=ticket, citations=[CONTACT] if contact else [],
                      fallback=f"{text} (ticket #{ticket})." + (f" {_plain(contact)} [{CONTACT}]" if contact else ""))


def _plain(text: str) -> str:
    """A Markdown section as sentences: marks removed, each list item ending with a full stop."""
    lines = [re.sub(r"\*\*|__|^\s*(?:[-*]|\d+\.)\s+", "", line).strip() for line in text.splitlines()]
    return " ".join(line if line[-1] in ".!?:" else line + "." for line in lines if line)


def _first_sentences(text: str, n: int) -> str:
    """The first n sentences of a Markdown section, without Markdown marks."""
    plain = re.sub(r"\*\*|__|^\s*(?:[-*]|\d+\.)\s+", "", text, flags=re.M)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(plain.split()))
    return " ".join(sentences[:n])
