"""The app's handlers without a browser: streaming order, feedback, cart, staff sign-in enforced server-side."""
from __future__ import annotations

import copy
import dataclasses

import pytest

from assistant.chat.engine import Assistant, Services
from assistant.chat.router import Router
from assistant.webapp import ANONYMOUS, ChatState, StaffSession, WebApp


@pytest.fixture(scope="module")
def web(small_index, small_settings):
    settings = dataclasses.replace(small_settings, staff_password="test-staff-pass")
    return WebApp(Assistant(Services(settings, small_index, llm=None), Router(settings)))


def test_chat_shows_cards_before_text_and_records_the_reply(web):
    steps = [copy.deepcopy(step) for step in web.chat("heart t-light holder", [], ANONYMOUS, ChatState())]
    first_history, first_cards, _ = steps[0]
    assert "class='card'" in first_cards and first_history[-1]["content"] == ""   # cards first, text after
    history, cards, state = steps[-1]
    assert history[-1]["role"] == "assistant" and history[-1]["content"].startswith("Here are")
    assert state.conversation_id and state.replies[len(history) - 1][0] is not None
    for p in state.products:   # each card has its own cart and thumbs buttons; chips carry their text
        for kind in ("cart", "up", "down"):
            assert f"data-action='{kind}:{p['item_id']}'" in cards
    assert "data-send='cheaper'" in cards


def test_feedback_and_cart_are_logged_with_strategy(web):
    *_, (history, _, state) = web.chat("christmas decoration", [], ANONYMOUS, ChatState())
    assert web.feedback(state, len(history) - 1, "up") == "Thanks for the feedback!"
    item = state.products[0]["item_id"]
    assert web.add_to_cart(state, item).startswith("Added ")
    assert web.add_to_cart(state, "not-shown") == "Pick one of the products shown first."
    assert web.card_action(state, f"down:{item}").startswith("Thanks! Noted that you do not like")
    assert web.card_action(state, f"sell:{item}") == "Pick one of the products shown first."
    rows = web.s.store.rows("feedback", "conversation_id=?", (state.conversation_id,))
    assert [r["kind"] for r in rows] == ["up", "add_to_cart", "down"] and rows[1]["item_id"] == rows[2]["item_id"] == item
    assert all(r["strategy"] == "hybrid" and r["message_id"] for r in rows)


def test_switching_customer_starts_a_new_conversation(web):
    *_, (_, _, state) = web.chat("red mug", [], ANONYMOUS, ChatState())
    customer = web.customers()[1][1]
    *_, (_, _, new_state) = web.chat("where is my order?", [], customer, state)
    assert new_state.conversation_id != state.conversation_id and new_state.user_id == customer


def test_staff_features_need_sign_in_on_the_server(web):
    view = web.insight("how many customers are in each segment", StaffSession())
    assert view.table.empty and "Sign in as staff" in view.narrative and view.csv_path is None
    session, message = web.staff_sign_in("wrong", StaffSession())
    assert not session.signed_in and message == "Wrong password."
    session, _ = web.staff_sign_in(web.s.settings.staff_password, StaffSession())
    view = web.insight("how many customers are in each segment", session)
    assert len(view.table) and view.parsed["group_by"] == "segment" and view.plot_kind == "bar"
    assert "Read as:" in view.narrative and list(view.plot.columns) == ["group", "value"]
    assert open(view.csv_path, encoding="utf-8").readline().strip() == "segment,customers"
    note, overview, plot = web.dashboard(session)
    assert len(overview) and {"segment", "customers", "net revenue"} <= set(overview.columns) and len(plot)


def test_staff_sees_the_ab_experiment_behind_the_password(web):
    note, table, plot = web.experiment(StaffSession())
    assert "Sign in as staff" in note and table.empty
    conv = web.s.store.conversation(None, None, "shopper")
    web.s.store.add_message(conv, "assistant", "three mugs", "product_search", "hybrid", cards=3, llm=True)
    web.s.store.add_feedback(conv, None, "add_to_cart", "22423", "hybrid")
    session, _ = web.staff_sign_in(web.s.settings.staff_password, StaffSession())
    note, table, plot = web.experiment(session)
    assert "Verdict" in note and "hybrid" in set(table["arm"]) and list(plot.columns) == ["group", "value"]
    assert {"conversion", "add-to-cart per card", "thumbs-up per answer", "LLM text per answer"} <= set(table.columns)


def test_staff_clarifying_question_comes_with_choices(web):
    session, _ = web.staff_sign_in(web.s.settings.staff_password, StaffSession())
    view = web.insight("how is our churn", session)
    assert view.table.empty and view.csv_path is None
    assert view.choices == ["how is our churn rate", "how is our churn risk"]
    assert "Churn rate, all time" in web.insight(view.choices[0], session).narrative


def test_status_and_api(web):
    assert "products" in web.status() and "template" in web.status()
    reply = web.api_ask("what is your return policy?", "", "")
    assert reply["intent"] == "policy" and reply["citations"]
    assert web.api_feedback(reply["conversation_id"], reply["message_id"], "down", "")["id"] > 0


def test_background_load_warms_every_prompt_prefix_through_the_gate(small_index, small_settings):
    """At start the app loads the LLM behind the UI, then evaluates each prompt kind's static prefix, one gate
    slot at a time: a customer never pays a cold prefix."""
    from assistant.chat.warm import prompt_prefixes, section_prefixes
    from assistant.models.llm import LLM

    class Loading(LLM):
        loaded = False

        def warm_up(self):
            self.loaded = True

        def ready(self):
            return self.loaded

        def stream(self, messages, max_new_tokens=None, stop=None):
            yield "Hello."

        def warm_prefix(self, messages):
            return len(messages[0]["content"]) // 4

    llm = Loading(small_settings)
    web = WebApp(Assistant(Services(small_settings, small_index, llm=llm), Router(small_settings)))
    assert web.llm_state == "loading"
    web.load_llm_in_background().join(timeout=10)
    assert web.llm_state == "ready"
    sections = list(section_prefixes(web.s.shop_name, small_index.kb.chunks, 64))
    assert len(sections) == len(small_index.kb.chunks) > 0 and sections[0].startswith("service:")
    kinds = list(prompt_prefixes(web.s.shop_name)) + sections     # the kinds first: the likeliest prefixes ready soonest
    assert [(r.purpose, r.outcome) for r in web.s.gate.records] == [(f"warm:{k}", "ok") for k in kinds]
    assert all(r.prompt_tokens > 10 for r in web.s.gate.records)
