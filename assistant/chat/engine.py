"""The conversation engine: one path for every message, whatever the front end.

    assistant = Assistant.from_settings(Settings.load())
    reply = assistant.ask("a red mug under £10", user_id="12347")            # role defaults to shopper
    print([p["title"] for p in reply.products]); print("".join(reply.stream()))
    reply = assistant.ask("revenue by segment last quarter", role="staff")    # staff insights
    assistant.warm_prompts()        # at start, after the LLM loads: every prompt kind's static prefix, kept

message -> router -> handler (shopper | service | staff | chitchat) -> Answer (facts, template, LLM request)
-> Reply (cards at once, text streamed), built here; memory updates from the Answer saved here.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from assistant.artifacts import ShopIndex
from assistant.chat.answer import Answer
from assistant.chat.constraints import language_of
from assistant.chat.guard import chitchat_sentence, clean_input
from assistant.chat.reply import Reply
from assistant.chat.router import Router
from assistant.chat.short_request import CatalogTerms
from assistant.chat.service import ServiceHandler
from assistant.chat.shopper import ShopperHandler
from assistant.chat.staff import StaffHandler
from assistant.chat.store import Store
from assistant.chat.warm import prompt_prefixes, section_prefixes
from assistant.config import Settings
from assistant.errors import LLMUnavailable, UsageError
from assistant.models.gate import gate_for
from assistant.models.registry import create
from assistant.prompts import render
from assistant.search.money import format_price
from assistant.search.ranker import Ranker
from assistant.timing import ms_since

ROLES = ("shopper", "staff")
MAX_MESSAGE_CHARS = 10_000
OUT_OF_SCOPE = ("I can only help with our shop: finding products, delivery, returns, payment, warranty and your "
                "orders. Could you ask me about one of those?")
GREETING = ("Hi! I can help you find gifts and homeware, answer questions about delivery, returns, payment and "
            "warranty, and check your orders. What are you looking for?")
STAFF_ONLY = "Sorry, customer and segment figures are only available to shop staff."


@dataclass
class Turn:
    message: str
    user_id: str | None
    role: str
    conversation_id: str
    memory: dict            # read only: handlers return updates in Answer.memory
    intent: str = ""
    strategy: str = "hybrid"
    language: str = "English"
    route: dict = field(default_factory=dict)


class Services:
    """What handlers share: indexes, ranker, the LLM behind its one gate (models/gate.py), store."""

    def __init__(self, settings: Settings, index: ShopIndex, llm=None):
        self.settings = settings
        self.index = index
        self.ranker = Ranker(index)
        self.store = Store(settings.state_db)
        self.llm = llm
        self.shop_name = index.manifest.get("shop", {}).get("name", "our shop")
        self.currency = self.ranker.currency

    @property
    def gate(self):
        """The one gate of the current LLM (None when the LLM is off)."""
        return gate_for(self.llm, self.settings)

    def llm_ready(self) -> bool:
        return self.gate is not None and self.gate.ready()

    def llm_stream(self, messages: list[dict], purpose: str = "answer", stop=None, wait_s: float | None = None):
        """Raw LLM pieces via the gate; LLMUnavailable (-> template answer) if the LLM is off, loading or busy
        (`wait_s`: the most this call may queue for a slot; None: llm_queue_timeout_s)."""
        if not self.llm_ready():
            return _raising(LLMUnavailable("LLM not loaded yet"))
        return self.gate.stream(messages, purpose=purpose, stop=stop, wait_s=wait_s)


def arm_of(conversation_id: str, arms: list[str]) -> str:
    """The A/B arm of a conversation: a stable hash of its id over `arms` (the simulator uses it too)."""
    return arms[int(hashlib.sha256(conversation_id.encode()).hexdigest(), 16) % len(arms)]


def _raising(error: Exception):
    raise error
    yield  # pragma: no cover  (makes this a generator)


class Assistant:
    def __init__(self, services: Services, router: Router):
        self.s = services
        self.router = router
        self.shopper = ShopperHandler(services)
        self.service = ServiceHandler(services)
        self._staff = None
        self.strategies = [x.strip() for x in services.settings.ab_strategies.split(",") if x.strip()]

    @classmethod
    def from_settings(cls, settings: Settings | None = None, llm: object | None | str = "auto") -> "Assistant":
        """Open the built indexes; `llm="auto"` creates the configured backend (loaded lazily), None disables it."""
        settings = settings or Settings.load()
        index = ShopIndex.open(settings)
        if llm == "auto":
            llm = None if settings.llm_backend == "none" else create("llm", settings.llm_backend, settings=settings)
        services = Services(settings, index, llm)
        catalog = CatalogTerms.from_titles(index.products["title"], index.products["category"])
        return cls(services, Router(settings, llm=services.gate, catalog=catalog))

    @property
    def staff(self):
        if self._staff is None:
            self._staff = StaffHandler(self.s)
        return self._staff

    def warm_prompts(self, stop=None) -> dict[str, int]:
        """Evaluate every prompt kind's static prefix once, then the service prompt's prefix for each KB
        section, through the gate (chat/warm.py); {kind: tokens}."""
        if not self.s.llm_ready():
            return {}
        return self.s.gate.warm(prompt_prefixes(self.s.shop_name) | section_prefixes(
            self.s.shop_name, self.s.index.kb.chunks, self.s.settings.llm_warm_kb_sections), stop=stop)

    def warm_components(self) -> None:
        """Load the query embedder, the co-purchase model, the KB search and the staff analytics now, not on
        the first message (app start; the latency benches do the same)."""
        self.s.index.embedder.query("warm up")
        self.s.ranker.complement_model          # built from the orders on first use (seconds)
        self.s.index.kb.search("returns", k=1)
        self.staff.parser.parse("customers by segment")

    def strategy_for(self, conversation_id: str) -> str:
        """A/B arm of a conversation: stable hash of its id over the configured strategies."""
        return arm_of(conversation_id, self.strategies)

    def ask(self, message: str, user_id: str | None = None, role: str = "shopper",
            conversation_id: str | None = None) -> Reply:
        """Answer one message; the Reply's products/rows are ready, its text comes from `reply.stream()`."""
        if role not in ROLES:
            raise UsageError(f"role must be one of {ROLES}, got {role!r}")
        start = time.perf_counter()
        message = clean_input(message, MAX_MESSAGE_CHARS)
        user_id = str(user_id) if user_id not in (None, "") else None
        conv = self.s.store.conversation(conversation_id, user_id, role)
        memory = self.s.store.memory(conv)
        route = self.router.route(message, has_products=bool(memory.get("shown")))
        turn = Turn(message, user_id, role, conv, memory, route.intent, self.strategy_for(conv),
                    language_of(message), route.__dict__)
        self.s.store.add_message(conv, "user", message, route.intent, turn.strategy)
        answer = self._dispatch(turn)
        memory = {**memory, **answer.memory,
                  "turns": (memory.get("turns", []) + [{"user": message[:300], "intent": route.intent}])[-6:]}
        self.s.store.save_memory(conv, memory)

        def done(r: Reply) -> None:
            r.message_id = self.s.store.add_message(conv, "assistant", r.text, r.intent, r.strategy,
                                                    cards=len(r.products), llm=r.llm_used)
        llm = (answer.sentences() if answer.sentences is not None else
               self.s.llm_stream(answer.prompt, purpose=answer.purpose) if answer.prompt is not None else None)
        reply = Reply.from_answer(answer, conv, role, llm=llm, started=start, on_done=done)
        reply.timings_ms = {"route_ms": route.ms, **answer.timings_ms, "facts_ms": ms_since(start)}
        reply.strategy = answer.strategy or turn.strategy
        reply.notes.append(f"routed by {route.source} ({route.confidence:.2f})")
        return reply

    def _dispatch(self, turn: Turn) -> Answer:
        intent = turn.intent
        if intent == "staff_insight" or turn.role == "staff":
            if turn.role != "staff":
                return Answer("staff_insight", fallback=STAFF_ONLY)
            return self.staff.handle(turn)
        if intent in ("product_search", "refine"):
            return self.shopper.handle(turn)
        if intent in ("order", "policy", "handoff"):
            return self.service.handle(turn)
        if intent == "chitchat":
            return Answer("chitchat", fallback=GREETING,
                          suggestions=[self._gift_ideas(), "what is your return policy?", "where is my order?"],
                          prompt=render("chitchat", shop=self.s.shop_name, language=turn.language,
                                        message=turn.message[:300]), purpose="chitchat",
                          check=chitchat_sentence)      # small talk states no price, order or product code
        return Answer("out_of_scope", fallback=OUT_OF_SCOPE,
                      suggestions=[self._gift_ideas(), "how much is delivery?"])

    def _gift_ideas(self) -> str:
        return f"gift ideas under {format_price(10, self.s.currency)}"
