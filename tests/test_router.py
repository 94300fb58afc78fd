"""Router: calibration maths, short product requests, the LLM's vote against the detector, eval figures, KB twins."""
from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from assistant.chat.route_eval import read_eval_set, summarise
from assistant.chat.router import OFF_TOPIC_LABELS, ROUTE_SCHEMA, Router
from assistant.chat.scope import balanced_accuracy, best_threshold, unsure_band
from assistant.chat.short_request import CatalogTerms, asks_availability, asks_for_gift
from assistant.errors import LLMUnavailable
from assistant.models.llm import LLM
from assistant.resources import DEMO_KB, KB_QUESTIONS, ROUTER_DEV, ROUTER_TEST, UTTERANCES
from assistant.retrieval.kb import KnowledgeBase, chunk_markdown, passage, to_english

TITLES = ["WHITE HANGING HEART T-LIGHT HOLDER", "RED RETROSPOT CAKE STAND", "VINTAGE PHOTO FRAME",
          "SET OF 4 ENAMEL MUGS", "JUMBO BAG RED RETROSPOT"]


# ---------------------------------------------------------------- calibration (hand-computed)
P_OOS = np.array([0.1, 0.3, 0.4, 0.7, 0.9])
IS_OOS = np.array([False, False, True, False, True])


def test_balanced_accuracy_by_hand():
    assert balanced_accuracy(P_OOS, IS_OOS, 0.35) == pytest.approx((2 / 2 + 2 / 3) / 2)   # declines .4 .7 .9
    assert balanced_accuracy(P_OOS, IS_OOS, 0.8) == pytest.approx((1 / 2 + 3 / 3) / 2)    # declines .9


def test_threshold_is_the_best_balanced_accuracy():
    # candidates .2 .35 .55 .8 .9+: balanced accuracy .667 .833 .583 .75 .5
    assert best_threshold(P_OOS, IS_OOS) == pytest.approx(0.35)
    # keeping every in-scope row leaves .8 (.75) and .9+ (.5)
    assert best_threshold(P_OOS, IS_OOS, min_in_scope_recall=1.0) == pytest.approx(0.8)


def test_unsure_band_spans_the_mistakes():
    # at tau .35 no off-topic row is missed (low = tau); the refused in-scope row has .7 (high = .7)
    assert unsure_band(P_OOS, IS_OOS, 0.35) == pytest.approx((0.35, 0.7))
    # at tau .8 the missed off-topic row has .4 and nothing in scope is refused
    assert unsure_band(P_OOS, IS_OOS, 0.8) == pytest.approx((0.4, 0.8))


def test_calibration_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        best_threshold(np.array([0.2, 0.3]), np.array([True, True]))


# ---------------------------------------------------------------- short product requests
@pytest.mark.parametrize("text,expected", [
    ("a photo frame", True), ("mugs", True), ("蛋糕架", True), ("Cake stands", True), ("相框", True),
    ("next song", False), ("where is my order", False), ("天气", False), ("我的包裹", False),
    ("mugs?", False), ("how much is the cake stand", False), ("refund", False),
    ("生日蜡烛", True), ("大号马克杯", True),                       # a modifier around the shopping term
    ("收到的杯子是碎的", False), ("我要退杯子", False),             # an order's life around it: service
    ("I need a photo frame in red", True), ("im looking for mugs", True),   # fillers do not count as words
    ("I need a photo frame for the song", False),                          # 'song' is no catalog word
    ("i need a red photo frame and two mugs and a cake stand", False)])     # too long to be a short request
def test_short_requests_made_of_catalog_words(text, expected):
    assert CatalogTerms.from_titles(TITLES).is_product_request(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("do you sell satin ribbon", True), ("is the owl doorstop sold out", True), ("你们有卖相框吗", True),
    ("这款杯子还有货吗", True), ("这个什么时候补货", True),
    ("do you do gift wrapping", False),                       # a service, not a shelf
    ("my order was cancelled because it was out of stock", False), ("我的订单什么时候补货", False),
    ("do you sell my data", False), ("can I return a sold out item", False)])
def test_availability_questions(text, expected):
    assert asks_availability(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("what should I get my sister who has every gadget already", True), ("gift ideas for a keen gardener", True),
    ("送什么给刚搬家的朋友", True), ("what would you buy for a ten year old", True),
    ("what do you get when you cross a cow and a trampoline", False),          # a joke, not a gift request
    ("can you gift wrap my order", False), ("is it rude to regift a present", False)])
def test_gift_requests(text, expected):
    assert asks_for_gift(text) is expected


# ---------------------------------------------------------------- the router on its own utterances
@pytest.fixture(scope="module")
def router(small_settings, small_index):
    products = small_index.products
    return Router(small_settings, catalog=CatalogTerms.from_titles(products["title"], products["category"]))


def test_calibration_comes_from_cross_validation(router):
    cal = router.calibration
    assert 0 < cal["low"] <= cal["tau"] <= cal["high"] < 1
    assert cal["n"] == sum(1 for _ in csv.DictReader(open(UTTERANCES, encoding="utf-8")))
    assert cal["cv_out_of_scope_recall"] > 0.75 and cal["cv_in_scope_recall"] > 0.75


@pytest.mark.parametrize("text", ["a photo frame", "mugs", "蛋糕架", "do you stock enamel jugs", "你们卖不卖蜡烛"])
def test_short_product_requests_reach_product_search(router, text):
    assert router.route(text).intent == "product_search"


def test_pii_bearing_refund_request_routes_to_service(router):
    text = "My email is jane.doe@example.com and my card is 4111 1111 1111 1111, please refund"
    assert router.route(text).intent in ("order", "policy", "handoff")


@pytest.mark.parametrize("text", ["how do I reset my password", "unsubscribe me from your newsletter",
                                  "I need a VAT invoice for my last order", "my payment failed at checkout",
                                  "我想修改收货地址", "怎么删除我的账户"])
def test_service_kinds_are_not_refused(router, text):
    assert router.route(text).intent in ("order", "policy", "handoff")


@pytest.mark.parametrize("text", ["what's the exchange rate for the euro today", "is it going to rain in Leeds",
                                  "play the next song", "write a python function to sort a list",
                                  "cancel my Spotify premium", "明天会下雨吗",
                                  "where is my eBay parcel", "reset my Gmail password"])
def test_off_topic_is_declined(router, text):
    assert router.route(text).intent == "out_of_scope"


def test_an_order_number_means_this_shops_order_unless_another_company_is_named(router, monkeypatch):
    cal = router.calibration
    unsure = (cal["tau"] + cal["high"]) / 2      # the detector leans out of scope but is not sure
    monkeypatch.setattr(router, "classify", lambda text, service_cue=False: ("out_of_scope", unsure, unsure))
    assert (router.route("any news on C662901?").intent, router.route("any news on C662901?").source) == ("order", "rule")
    assert router.route("my Amazon order 4458291 is late").intent == "out_of_scope"
    assert router.route("any news on the parcel?").intent == "out_of_scope"           # no number: the detector stands
    monkeypatch.setattr(router, "classify", lambda text, service_cue=False: ("out_of_scope", 0.99, max(0.99, cal["high"])))
    assert router.route("what is 123456 divided by 7").intent == "out_of_scope"     # detector sure: a number is not enough


def test_other_companies_only_when_named(router):
    assert router.route("reset my Gmail password").source == "rule"
    assert router.route("can I pay with PayPal").intent == "policy"         # a payment method the shop accepts
    assert router.route("能用微信付款吗").source != "rule"                      # WeChat Pay is a payment method too


@pytest.mark.parametrize("text", ["我的淘宝订单怎么还没发货", "在亚马逊买的耳机怎么退", "my ASOS return hasn't been refunded"])
def test_other_companies_named_inside_a_sentence(router, text):
    # Chinese has no spaces: the name sits between other characters and must still count as a whole name
    assert (router.route(text).intent, router.route(text).source) == ("out_of_scope", "rule")


def test_an_email_address_names_no_other_company(router):
    route = router.route("please take sam.lee@gmail.com off your mailing list")
    assert route.source != "rule" and route.intent in ("order", "policy", "handoff")


# ---------------------------------------------------------------- the LLM's vote
class LabelLLM(LLM):
    """Answers every JSON call with a fixed label (or fails); records what it was asked."""

    def __init__(self, label: str | None):
        super().__init__()
        self.label, self.calls = label, []

    def stream(self, messages, max_new_tokens=None, stop=None):
        yield ""

    def json(self, messages, schema, max_new_tokens=None, stop=None):
        self.calls.append((messages, schema))
        if self.label is None:
            raise LLMUnavailable("down")
        return {"label": self.label}


def test_llm_label_never_beats_a_confident_detector(router):
    cal = router.calibration
    assert router._combine("out_of_scope", cal["high"] + 1e-3, "order") == "out_of_scope"
    # detector leaning out of scope (tau..high): the LLM's "in scope" alone does not overturn it
    assert router._combine("out_of_scope", (cal["tau"] + cal["high"]) / 2, "order") == "out_of_scope"
    # detector leaning in scope but unsure (low..tau): the LLM's shop label settles it
    assert router._combine("policy", (cal["low"] + cal["tau"]) / 2, "order") == "order"
    assert router._combine("policy", (cal["low"] + cal["tau"]) / 2, "weather") == "out_of_scope"
    assert router._combine("policy", cal["low"] / 2, "weather") == "policy"                     # detector sure
    assert router._combine("policy", cal["low"], None) == "policy"                               # LLM unavailable
    # the LLM settles in/out of scope; a confident classifier keeps its shop intent ("红色的包": a bag, not a parcel)
    assert router._combine("product_search", (cal["low"] + cal["tau"]) / 2, "order", confident=True) == "product_search"
    assert router._combine("product_search", (cal["low"] + cal["tau"]) / 2, "order", confident=False) == "order"


def test_unsure_message_asks_the_llm_through_the_gate(router):
    text = next(t for t in ("how do I get to the station", "can you help me", "what's new", "tell me more")
                if router.calibration["low"] <= router.classify(t)[2] < router.calibration["high"])
    llm = LabelLLM("travel")
    router.llm = llm
    try:
        route = router.route(text)
        assert (route.source, route.llm_label, route.intent) == ("llm", "travel", "out_of_scope")
        messages, schema = llm.calls[0]
        assert schema == ROUTE_SCHEMA and set(OFF_TOPIC_LABELS) <= set(schema["properties"]["label"]["enum"])
        assert all(label in messages[0]["content"] for label in OFF_TOPIC_LABELS)   # few-shot names each domain
        router.llm = LabelLLM(None)
        assert router.route(text).source == "fallback"                             # classifier decides
    finally:
        router.llm = None


# ---------------------------------------------------------------- eval figures (hand-computed)
def test_summarise_by_hand():
    rows = [{"text": "a", "label": "service", "kind": "order_status", "lang": "en"},
            {"text": "b", "label": "service", "kind": "payment", "lang": "zh"},
            {"text": "c", "label": "off_topic", "kind": "weather", "lang": "en"},
            {"text": "d", "label": "product", "kind": "short_product", "lang": "en"}]
    routed = [("order", "classifier", 10.0), ("out_of_scope", "classifier", 20.0),
              ("out_of_scope", "llm", 1000.0), ("product_search", "rule", 5.0)]
    r = summarise(rows, routed)
    assert r["accuracy"] == 0.75 and r["by_label"] == {"service": 0.5, "product": 1.0, "off_topic": 1.0}
    assert r["by_lang"] == {"en": 1.0, "zh": 0.0} and r["by_kind"]["payment"] == 0.0
    assert r["out_of_scope"] == {"precision": 0.5, "recall": 1.0, "declined": 2, "off_topic": 1}
    assert r["confusion"][0][:3] == [1, 0, 1] and r["confusion"][2][:3] == [0, 0, 1]
    assert r["latency_ms"]["fast"] == {"n": 3, "p50": 10.0, "p95": 19.0}
    assert r["latency_ms"]["llm"] == {"n": 1, "p50": 1000.0, "p95": 1000.0}


@pytest.mark.parametrize("path,n,zh", [(ROUTER_DEV, 600, 100), (ROUTER_TEST, 360, 120)])
def test_blind_sets_are_never_trained_on(path, n, zh):
    rows = read_eval_set(path)
    assert len(rows) >= n and sum(r["lang"] == "zh" for r in rows) >= zh
    assert {r["label"] for r in rows} == {"service", "product", "off_topic"}
    train = {row["text"].strip().lower() for row in csv.DictReader(open(UTTERANCES, encoding="utf-8"))}
    assert not train & {r["text"].strip().lower() for r in rows}


def _trigrams(text: str) -> set[str]:
    """Character 3-grams of the text with case, spaces and punctuation removed ("Cake stand?" ~ "a cake stand")."""
    t = re.sub(r"\W", "", text.lower())
    return {t[i:i + 3] for i in range(max(1, len(t) - 2))}


def test_trigram_similarity_by_hand():
    a, b = _trigrams("Cake stand?"), _trigrams("a cake stand")   # 7 grams of 'cakestand', 8 of 'acakestand'
    assert len(a & b) / len(a | b) == 7 / 8


def test_no_training_utterance_is_a_near_copy_of_a_blind_message():
    """Beyond exact copies: no utterance shares >= 80% of its character 3-grams with a blind message
    (this caught "How tall is Mount Everest?", "满多少包邮？", "a cake stand" written by both sides)."""
    blind = [_trigrams(r["text"]) for path in (ROUTER_DEV, ROUTER_TEST) for r in read_eval_set(path)]
    near = []
    for row in csv.DictReader(open(UTTERANCES, encoding="utf-8")):
        g = _trigrams(row["text"])
        if any(len(g & h) / len(g | h) >= 0.8 for h in blind):
            near.append(row["text"])
    assert near == []


def test_eval_set_errors_name_row_and_field(tmp_path):
    bad = tmp_path / "dev.csv"
    bad.write_text("text,label\nhello,service\nhi,shopping\n", encoding="utf-8")
    with pytest.raises(ValueError, match="dev.csv row 2, column 'label': 'shopping'"):
        read_eval_set(bad)


# ---------------------------------------------------------------- knowledge base across languages
def test_chinese_question_cites_the_same_section_as_its_english_twin(minilm):
    chunks = chunk_markdown({p.name: p.read_text(encoding="utf-8") for p in DEMO_KB.glob("*.md")})
    kb = KnowledgeBase(chunks, minilm.passages([passage(r) for _, r in chunks.iterrows()]), minilm)
    pairs = list(csv.DictReader(open(KB_QUESTIONS, encoding="utf-8")))
    assert {p["citation"] for p in pairs} == set(chunks["anchor"])          # every section of the demo KB
    for p in pairs:
        assert kb.search(p["zh"], k=1)[0]["citation"] == kb.search(p["en"], k=1)[0]["citation"], p
    assert kb.search("退货政策是什么？", k=1)[0]["doc"] == "returns.md"


def test_glossary_keeps_latin_words():
    assert to_english("PayPal退款多久") == "refund refunded how long days PayPal"
    assert to_english("how long") == "how long"


# ---------------------------------------------------------------- service situations (chat/service_cues.py)
def test_service_cue_threshold_is_calibrated_and_used(router, monkeypatch):
    cal = router.calibration
    assert 0 < cal["n_service_cue"] < cal["n"] and 0 < cal["tau_service_cue"] < 1
    between = (min(cal["tau"], cal["tau_service_cue"]) + max(cal["tau"], cal["tau_service_cue"])) / 2
    monkeypatch.setattr(router, "probabilities", lambda text: {"out_of_scope": between, "policy": 1 - between})
    with_cue = router.classify("x", service_cue=True)[0]
    without = router.classify("x", service_cue=False)[0]
    assert {with_cue, without} == {"out_of_scope", "policy"}
    assert (with_cue == "policy") == (cal["tau_service_cue"] > cal["tau"])


@pytest.mark.parametrize("text", [
    "I ordered two lanterns last week, will they be here before Saturday's party",   # a bought thing on its way
    "我买的那个台灯什么时候能送到",
    "the serving plate arrived in two pieces, what happens now",                      # damaged on arrival
    "消费满多少可以免运费",                                                              # free-delivery threshold
    "快递包装很用心，好评",                                                               # a short review
    "上次买的相框很喜欢，在哪里看我的积分",                                                 # loyalty points
])
def test_purchases_already_made_are_service(router, text):
    assert router.route(text).intent in ("order", "policy", "handoff")


@pytest.mark.parametrize("text", ["my last candles burnt out in an hour, do you have longer lasting ones",
                                  "what can I buy for a grandad who owns everything"])
def test_product_requests_that_mention_a_purchase_or_a_gift(router, text):
    assert router.route(text, has_products=True).intent in ("product_search", "refine")


@pytest.mark.parametrize("text", ["feeling really low and lonely tonight", "我有点社恐，怎么交朋友",
                                  "is it safe to tell a cold caller my bank sort code", "台风明天到上海吗",
                                  "推荐一部好看的古装剧", "write a regex for UK phone numbers"])
def test_personal_advice_weather_media_and_coding_are_declined(router, text):
    # personal advice and feelings are declined politely, not handed to a person
    assert router.route(text).intent == "out_of_scope"


def test_a_couriers_own_customers_are_declined_but_our_parcels_are_not(router):
    route = router.route("my Evri account keeps rejecting my password")
    assert (route.intent, route.source) == ("out_of_scope", "rule")
    assert router.route("Evri marked it delivered but my order never came").intent in ("order", "policy", "handoff")
