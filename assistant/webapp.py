"""What the Gradio app calls: event handlers and HTML rendering, with no Gradio inside (testable alone).

    web = WebApp(assistant)
    for history, cards, state in web.chat("red mugs", [], "12347", ChatState()): ...   # streams
    web.feedback(state, index=1, kind="up")
    web.staff_sign_in(password, StaffSession())  ->  (session, message)   # access.py: hash, back-off
    web.insight("revenue by segment last quarter", session) -> StaffView (narrative, table, plot, csv, choices)
    web.dashboard(session) -> (markdown, segment table, plot frame)   # filled on sign-in

Roles are enforced here, on the server: staff handlers check the session's sign-in every call; each staff
question is audited and, with differential privacy on, charged to the session's epsilon budget (chat/staff.py).
"""
from __future__ import annotations

import html
import logging
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assistant.access import StaffAccess
from assistant.chat.engine import Assistant
from assistant.chat.store import new_id
from assistant.errors import AssistantError, LLMUnavailable
from assistant.privacy import PrivacyBudget
from assistant.search.money import format_price
from assistant.staff_view import StaffView, experiment_view, staff_view

log = logging.getLogger(__name__)
ANONYMOUS = "anonymous"


@dataclass
class ChatState:
    conversation_id: str | None = None
    user_id: str | None = None
    replies: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # chat index -> (message id, strategy)
    products: list[dict] = field(default_factory=list)


@dataclass
class StaffSession:
    signed_in: bool = False
    id: str = ""                                # random per sign-in: the audit log's session
    budget: PrivacyBudget | None = None         # epsilon left when differential privacy is on


class WebApp:
    def __init__(self, assistant: Assistant, access: StaffAccess | None = None):
        self.assistant = assistant
        self.s = assistant.s
        self.access = access or StaffAccess.from_settings(self.s.settings)
        self.llm_state = "off" if self.s.llm is None else ("ready" if self.s.llm_ready() else "loading")
        self.csv_folder = Path(tempfile.mkdtemp(prefix="staff-csv-"))     # the Staff tab's CSV downloads

    # ---------------------------------------------------------------- start-up
    def load_llm_in_background(self) -> threading.Thread:
        """Serve at once; the LLM loads behind (template answers until it is ready)."""
        def load():
            try:
                self.s.llm.warm_up()
                self.llm_state = "ready"
                self.assistant.warm_prompts()   # static prompt prefixes, one at a time through the gate
            except (LLMUnavailable, ImportError, OSError) as e:  # missing package, broken cache: keep serving templates
                log.warning("LLM could not load, template answers only: %s", e)
                self.llm_state = f"unavailable ({e})"
        thread = threading.Thread(target=load, daemon=True)
        if self.s.llm is not None and not self.s.llm_ready():
            thread.start()
        return thread

    def warm_up(self) -> None:
        """Load the query embedder, the co-purchase model and the staff analytics now, not on the first message."""
        self.assistant.warm_components()

    def status(self) -> str:
        shop = self.s.shop_name
        llm = {"ready": "LLM ready", "loading": "LLM loading... answers use templates until it is ready",
               "off": "LLM off: template answers"}.get(self.llm_state, f"LLM {self.llm_state}: template answers")
        return f"**{html.escape(shop)}** · {self.s.index.manifest['counts']['products']:,} products · {llm}"

    def customers(self, n: int = 25) -> list[tuple[str, str]]:
        """Sign-in choices: anonymous plus the demo customers with the most orders."""
        p = self.s.index.profiles.sort_values(["frequency", "user_id"], ascending=[False, True]).head(n)
        return [("Anonymous shopper", ANONYMOUS)] + [
            (f"Customer {r.user_id} · {r.country} · {r.frequency} orders", str(r.user_id)) for r in p.itertuples()]

    # ---------------------------------------------------------------- shopper chat
    def chat(self, message: str, history: list[dict], user_choice: str, state: ChatState):
        """Generator of (history, cards_html, state): product cards first, then the streamed text."""
        user_id = None if user_choice in (None, "", ANONYMOUS) else user_choice
        if state.user_id != user_id:
            state = ChatState(user_id=user_id)
        history = list(history or []) + [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        try:
            reply = self.assistant.ask(message, user_id=user_id, conversation_id=state.conversation_id)
        except AssistantError as e:     # stale indexes, bad request: a bug is raised to Gradio, which logs it
            log.warning("could not answer %r: %s", message[:80], e)
            history[-1]["content"] = "Sorry, something went wrong on our side. Please try again."
            yield history, "", state
            return
        state.conversation_id = reply.conversation_id
        state.products = reply.products
        cards = render_cards(reply)
        yield history, cards, state
        text = ""
        try:
            for piece in reply.stream():
                text += piece
                history[-1]["content"] = text
                yield history, cards, state
        except AssistantError as e:     # LLM failures are already turned into template text inside the Reply
            log.warning("answer stream stopped: %s", e)
            history[-1]["content"] = text or "Sorry, I couldn't finish that answer. Please try again."
        if reply.citations:
            history[-1]["content"] += "\n\n*Sources: " + ", ".join(reply.citations) + "*"
        state.replies[len(history) - 1] = (reply.message_id, reply.strategy)
        yield history, cards, state

    def feedback(self, state: ChatState, index: int, kind: str) -> str:
        """Thumbs up/down on the assistant message at chat `index`, stored with its strategy."""
        message_id, strategy = state.replies.get(index, (None, ""))
        if state.conversation_id is None:
            return "Nothing to rate yet."
        self.s.store.add_feedback(state.conversation_id, message_id, kind, strategy=strategy)
        return "Thanks for the feedback!"

    def add_to_cart(self, state: ChatState, item_id: str | None) -> str:
        return self.card_action(state, f"cart:{item_id or ''}")

    def card_action(self, state: ChatState, action: str) -> str:
        """A click on a product card's button: 'cart:<item_id>', 'up:<item_id>' or 'down:<item_id>'.
        Stored as feedback with the item and the strategy of the reply that showed the card."""
        kind, _, item_id = (action or "").partition(":")
        kind = {"cart": "add_to_cart", "up": "up", "down": "down"}.get(kind)
        product = next((p for p in state.products if p["item_id"] == item_id), None)
        if kind is None or product is None or state.conversation_id is None:
            return "Pick one of the products shown first."
        message_id, strategy = state.replies[max(state.replies)] if state.replies else (None, "")
        self.s.store.add_feedback(state.conversation_id, message_id, kind, item_id, strategy)
        if kind == "add_to_cart":
            return f"Added {product['title']} to your cart."
        return f"Thanks! Noted that you {'like' if kind == 'up' else 'do not like'} {product['title']}."

    # ---------------------------------------------------------------- scripting API
    def api_ask(self, message: str, user_id: str, conversation_id: str) -> dict:
        """One finished reply as a dict (the app's /ask endpoint, used by the load test)."""
        reply = self.assistant.ask(message, user_id=user_id or None, conversation_id=conversation_id or None)
        return reply.finish().to_dict()

    def api_feedback(self, conversation_id: str, message_id: float | None, kind: str, item_id: str) -> dict:
        mid = int(message_id) if message_id not in (None, "") else None
        return {"id": self.s.store.add_feedback(conversation_id, mid, kind, item_id or "")}

    # ---------------------------------------------------------------- staff
    def staff_sign_in(self, password: str, session: StaffSession) -> tuple[StaffSession, str]:
        """Constant-time check with back-off (access.py); a success starts a new audited session."""
        result = self.access.check(password)
        if not result.ok:
            return StaffSession(), result.message
        return StaffSession(True, new_id(), self.assistant.staff.new_budget()), result.message

    def insight(self, question: str, session: StaffSession) -> StaffView:
        """The answer as the Staff tab shows it; refuses unless this session signed in as staff."""
        if not session.signed_in:
            return _message("Sign in as staff to ask about customers and segments.")
        try:
            staff = self.assistant.staff
            result = staff.answer(question, session=session.id, budget=session.budget)
            return staff_view(result, staff.insights.fmt, self.csv_folder)
        except AssistantError as e:     # a named error: the tab says what went wrong; bugs stay tracebacks
            log.warning("staff question %r failed: %s", question[:80], e)
            return _message(f"Sorry, I couldn't compute that ({e}).")

    def dashboard(self, session: StaffSession) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        """Segment overview (markdown, table, plot frame): customers, net revenue, churn risk per segment."""
        if not session.signed_in:
            return "Sign in as staff to see the segment overview.", pd.DataFrame(), pd.DataFrame(columns=["group", "value"])
        staff = self.assistant.staff
        insights = staff.insights
        size, revenue, risk = (staff.answer(q, session=session.id, budget=session.budget) for q in (
            "customers by segment", "net revenue by segment", "churn risk by segment"))
        by = {r["segment"]: {"segment": r["segment"], "customers": insights.fmt("customers", r["customers"])}
              for r in size.rows}
        for answer, key, name in ((revenue, "revenue", "net revenue"), (risk, "churn_risk", "average churn risk")):
            for r in answer.rows:
                by.setdefault(r["segment"], {"segment": r["segment"]})[name] = insights.fmt(key, r[key])
        plot = pd.DataFrame([(r["segment"], r["customers"]) for r in size.rows], columns=["group", "value"])
        note = "".join(f" _{n}._" for n in size.notes)
        return f"Customers, net revenue (all time) and churn risk per RFM segment.{note}", pd.DataFrame(
            list(by.values())), plot


    def experiment(self, session: StaffSession) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        """The A/B report of the stored conversations (markdown, table, plot frame); staff only."""
        if not session.signed_in:
            return "Sign in as staff to see the A/B experiment.", pd.DataFrame(), pd.DataFrame(columns=["group", "value"])
        from assistant.experiments.report import ab_report
        return experiment_view(ab_report(self.assistant.s.store, self.assistant.s.settings))


def _message(text: str) -> StaffView:
    return StaffView(text, {}, pd.DataFrame(), pd.DataFrame(columns=["group", "value"]))


def render_cards(reply) -> str:
    """Product cards (catalog facts, why-this phrases, cart and thumbs buttons), orders, citations, and the
    follow-up chips, as HTML. Buttons carry `data-action` / chips `data-send`; app.py's script sends them."""
    parts = []
    for p in reply.products:
        why = "".join(f"<li>{html.escape(e['text'])}</li>" for e in p["evidence"][:3])
        stock = f"{p['stock']} in stock" if p["stock"] > 0 else "out of stock"
        item = html.escape(p["item_id"])
        parts.append(
            f"<div class='card' data-item='{item}'><div class='title'>{html.escape(p['title'])}</div>"
            f"<div class='price'>{format_price(p['price'], p['currency'])}</div>"
            f"<div class='meta'>{html.escape(p['category'])} · {stock} · #{item}</div>"
            f"<ul class='why'>{why}</ul><div class='actions'>"
            f"<button class='act cart' data-action='cart:{item}'>Add to cart</button>"
            f"<button class='act up' data-action='up:{item}' title='Good pick'>👍</button>"
            f"<button class='act down' data-action='down:{item}' title='Not for me'>👎</button></div></div>")
    for o in reply.orders:
        parts.append(f"<div class='card order'><div class='title'>Order {html.escape(o['order_id'])}</div>"
                     f"<div class='meta'>{html.escape(o['status'])} · {len(o['items'])} item(s) · £{o['total']:.2f}</div>"
                     f"<div class='meta'>{'returnable until ' + o['return_deadline'] if o['returnable'] else 'not returnable'}"
                     "</div></div>")
    if reply.ticket_id:
        parts.append(f"<div class='card ticket'>Ticket #{reply.ticket_id} opened for our team</div>")
    if not parts and not reply.suggestions:
        return ""
    suggestions = "".join(f"<button class='chip' data-send='{html.escape(s, quote=True)}'>{html.escape(s)}</button>"
                          for s in reply.suggestions)
    return f"<div class='cards'>{''.join(parts)}</div><div class='chips'>{suggestions}</div>"
