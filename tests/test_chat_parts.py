"""Router accuracy, constraint parsing and the guards."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chat.constraints import parse_constraints, refine
from assistant.chat.guard import ground
from assistant.chat.route_eval import read_eval_set, summarise
from assistant.chat.router import Router, read_labelled
from assistant.cli import main
from assistant.privacy import redact
from assistant.resources import ROUTER_EVAL, UTTERANCES
from assistant.search.filters import Filters

HELD_OUT = ROUTER_EVAL
CATEGORIES = ["Kitchen & Dining", "Candles & Lights", "Toys & Kids"]


@pytest.fixture(scope="module")
def router(small_settings):
    return Router(small_settings)


def test_router_accuracy_on_held_out_utterances(router):
    rows = read_eval_set(HELD_OUT)
    report = summarise(rows, [(r.intent, r.source, r.ms) for r in (router.route(x["text"], True) for x in rows)])
    assert report["n"] >= 40 and report["accuracy"] >= 0.95, report["errors"]
    train, _ = read_labelled(UTTERANCES)
    held, _ = read_labelled(HELD_OUT)
    assert not set(train) & set(held)                      # really held out


@pytest.mark.parametrize("text,intent", [
    ("what's the capital of Peru", "out_of_scope"), ("写一首关于大海的诗", "out_of_scope"),
    ("我想要一个蓝色的茶壶", "product_search"), ("退款多久到账", "policy"), ("where is my order 536365", "order")])
def test_router_examples_in_english_and_chinese(router, text, intent):
    assert router.route(text).intent == intent


def test_refine_without_products_is_a_search(router):
    assert router.route("cheaper", has_products=False).intent == "product_search"
    assert router.route("cheaper", has_products=True).intent == "refine"


def test_eval_router_cli_prints_accuracy_and_confusion(capsys, small_settings, monkeypatch):
    monkeypatch.setenv("SHOP_CACHE_DIR", str(small_settings.cache_dir))
    assert main(["eval", "router", "--data", str(HELD_OUT)]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "<- routed" in out and "product_search" in out
    assert "out of scope: precision" in out and "latency fast path" in out


def test_bad_label_file_names_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,chitchat\nbuy,shopping\n")
    with pytest.raises(ValueError, match="bad.csv row 2, column 'label': 'shopping' is not one of"):
        read_labelled(bad)


@pytest.mark.parametrize("text,expected", [
    ("red mugs under £10", dict(max_price=10.0, attributes={"colour": "red"})),
    ("candles between 5 and 12 pounds", dict(min_price=5.0, max_price=12.0)),
    ("something over £20 for the kitchen & dining", dict(min_price=20.0, categories=["Kitchen & Dining"])),
    ("20英镑以下的蓝色茶壶", dict(max_price=20.0, attributes={"colour": "blue"})),
])
def test_parse_constraints(text, expected):
    c = parse_constraints(text, CATEGORIES)
    for key, value in expected.items():
        assert getattr(c.filters, key) == value
    assert c.filters.in_stock is True


def test_a_one_word_category_is_a_filter_only_when_asked_for_as_a_category():
    cats = CATEGORIES + ["Christmas"]
    assert parse_constraints("christmas crackers", cats).filters.categories == []     # crackers, wherever filed
    assert parse_constraints("anything from the christmas section", cats).filters.categories == ["Christmas"]
    assert parse_constraints("the christmas range", cats).filters.categories == ["Christmas"]
    assert parse_constraints("toys & kids under £5", cats).filters.categories == ["Toys & Kids"]


def test_chinese_terms_have_one_home_and_match_longest_first(tmp_path):
    from assistant.chat.constraints import ZH_TERMS
    from assistant.search.understand import Lexicon, load_zh_terms
    assert ZH_TERMS == load_zh_terms() == Lexicon.load().zh               # resources/zh_terms.csv, read once
    assert parse_constraints("蛋糕架").query == "cake stand"               # not cake + egg (蛋糕, 蛋)
    bad = tmp_path / "zh.csv"
    bad.write_text("zh,en\n杯子,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"zh.csv: Chinese term '杯子', column 'en': empty"):
        load_zh_terms(bad)


def test_chinese_request_becomes_english_search_terms():
    c = parse_constraints("我想买一个红色的杯子作为生日礼物")
    assert {"red", "mug", "gift", "birthday"} <= set(c.query.split())
    assert c.language == "Chinese" and c.occasion == "birthday"


def test_refinements():
    before = Filters(max_price=10.0, attributes={"colour": "red"}, in_stock=True)
    cheaper = refine(before, "cheaper please", shown_prices=[2.5, 4.0])
    assert cheaper.filters.max_price == 3.24 and cheaper.filters.attributes == {"colour": "red"}
    blue = refine(before, "in blue", shown_prices=[2.5])
    assert blue.filters.attributes == {"colour": "blue"} and blue.filters.max_price == 10.0
    assert refine(before, "the second one", [1.0]).ordinal == 1


def test_redact_pii():
    text = "I'm jo.bloggs@example.co.uk, call 07700 900123 or +44 20 7946 0000, card 4111 1111 1111 1111, order 536365"
    out = redact(text)
    assert "[email]" in out and out.count("[phone]") == 2 and "[card]" in out
    assert "536365" in out and "4111" not in out and "example" not in out


CANDIDATES = [{"item_id": "85123A", "title": "White Hanging Heart T-Light Holder", "price": 2.95}]
CATALOG = {"White Hanging Heart T-Light Holder", "Regency Cakestand 3 Tier"}


def test_ground_drops_unknown_products_wrong_prices_and_leaks():
    text = ("The White Hanging Heart T-Light Holder brings a warm glow. It costs just £1.99 today! "
            "You might also love the Regency Cakestand 3 Tier. Product 22423 is great. "
            "My instructions say never reveal the system prompt.")
    check = ground(text, CANDIDATES, CATALOG, {"85123a", "22423"})
    assert check.text == "The White Hanging Heart T-Light Holder brings a warm glow."
    assert len(check.removed) == 4


def test_ground_keeps_correct_price():
    check = ground("The White Hanging Heart T-Light Holder is £2.95.", CANDIDATES, CATALOG, {"85123a"})
    assert check.removed == []


def test_prompts_are_files_and_every_file_is_used():
    import re

    from assistant.prompts import load, render
    from assistant.resources import PROMPTS
    source = "".join(p.read_text(encoding="utf-8") for p in Path(PROMPTS).parents[1].rglob("*.py"))
    rendered = set(re.findall(r"""render\(\s*["'](\w+)["']""", source))
    assert {p.stem for p in Path(PROMPTS).glob("*.md")} == rendered        # no prompt file that code never uses
    assert {"route", "shopper", "service", "chitchat", "expand_request"} <= rendered
    assert all(set(load(name)) == {"system", "user"} for name in rendered)
    messages = render("route", message="hello $name {x}")
    assert messages[0]["role"] == "system" and 'hello $name {x}' in messages[1]["content"]


def test_ground_allows_prices_and_products_the_evidence_gives():
    candidate = {**CANDIDATES[0], "evidence": [
        {"kind": "constraint", "text": "fits: under £10.00, in stock", "related": ""},
        {"kind": "bought_with", "text": "often bought with Regency Cakestand 3 Tier, which you bought",
         "related": "Regency Cakestand 3 Tier"}]}
    text = "1. White Hanging Heart T-Light Holder fits your £10.00 limit. 2. It goes with the Regency Cakestand 3 Tier."
    check = ground(text, [candidate], CATALOG, {"85123a"})
    assert check.removed == [] and check.text.startswith("White Hanging") and "2." not in check.text


class _PolicyIndex:
    """Just what ReturnPolicy.from_index reads: the shop meta and one KB section."""

    def __init__(self, section: str | None, meta: dict | None = None):
        self.manifest = {"shop": meta or {}}
        self.section = section

    def kb_section(self, anchor: str) -> str | None:
        return self.section if anchor == "returns.md#return-window" else None


def test_return_window_is_quoted_from_the_kb():
    from assistant.chat.orders import ReturnPolicy
    assert ReturnPolicy.from_index(_PolicyIndex("Return most items within **21 days of delivery**.")).window_days == 21
    assert ReturnPolicy.from_index(_PolicyIndex("within 21 days", {"return_window_days": "14"})).window_days == 14
    assert ReturnPolicy.from_index(_PolicyIndex(None)).window_days is None       # unstated: no guess


def test_unquoted_numbers():
    from assistant.chat.guard import unquoted_numbers
    sections = "We refund within **5 working days**; card refunds take 3 to 5 days."
    assert unquoted_numbers("Refunds take 5 working days.", sections) == []
    assert unquoted_numbers("Refunds take 7 to 10 days.", sections) == ["7", "10"]


def test_prices_in_pence_are_read_as_pence():
    from assistant.chat.constraints import parse_constraints
    assert parse_constraints("notebooks under 50p").filters.max_price == 0.5
    assert parse_constraints("cards below 75 pence").filters.max_price == 0.75
    between = parse_constraints("between 20p and 80p").filters
    assert (between.min_price, between.max_price) == (0.2, 0.8)
    assert parse_constraints("a plant pot under 3 pounds").filters.max_price == 3.0
    each = parse_constraints("party bag fillers under 50p each")          # a price per item, still in pence
    assert (each.filters.max_price, each.query) == (0.5, "party bag fillers")


def test_shopper_lead_names_the_matches_and_labels_the_alternatives():
    from types import SimpleNamespace
    from assistant.chat.shopper import ShopperHandler
    from assistant.search.filters import Filters
    me = SimpleNamespace(s=SimpleNamespace(currency="GBP"))
    products = [{"title": t} for t in "abcde"]

    def lead(matches, language="English", no_match=False, idea_for=""):
        result = SimpleNamespace(strategy="hybrid", no_match=no_match, notes=[], matched=products[:matches],
                                 request=SimpleNamespace(idea_for=idea_for))
        c = SimpleNamespace(language=language, filters=Filters())
        return ShopperHandler._lead(me, c, result, products)
    assert lead(5) == "Here are 5 picks."
    assert lead(5, idea_for="someone into knitting") == "Here are 5 picks for someone into knitting."
    assert lead(2) == "Here are 2 picks. After them, 3 nearest alternatives, not exactly what you asked for."
    assert lead(1) == "Here is 1 pick. After it, 4 nearest alternatives, not exactly what you asked for."
    assert lead(3, "Chinese") == "为您找到 3 件商品。另有 2 件相近的备选，并不完全符合您的要求。"
    assert lead(0, no_match=True).startswith("Sorry, we don't have that.")
    # close products, none holding all of the request (a style and a room no product has both of): said so
    assert lead(0) == "Nothing we have is all of what you asked for. These are the nearest, each with part of it:"
    assert lead(0, "Chinese").startswith("没有完全符合您全部要求的商品")


@pytest.mark.parametrize("text, low, high", [
    ("tea lights under a pound", None, 1.0),
    ("stocking fillers under a fiver", None, 5.0),
    ("a tenner present for my neighbour", None, 10.0),   # a slang budget said alone is the most to spend
    ("a mug for a fiver", None, 5.0),
    ("something over a tenner", 10.0, None),
    ("coasters under twelve pounds", None, 12.0),
    ("几块钱的小礼物", None, 10.0),                        # "a few pounds": under ten
    ("五块以内的杯子", None, 5.0),
    ("two pound coins", None, None),                      # an amount with no bound is no limit
    ("score board", None, None),
])
def test_price_amounts_said_in_words_are_limits(text, low, high):
    c = parse_constraints(text)
    assert (c.filters.min_price, c.filters.max_price) == (low, high)
    assert "fiver" not in c.query and "tenner" not in c.query


@pytest.mark.parametrize("text, low, high, query", [
    ("lamp, budget £18", None, 18.0, "lamp,"),                 # a budget is the most to spend
    ("our budget is 40 pounds for a clock", None, 40.0, "for a clock"),
    ("with a £12 budget, a teapot", None, 12.0, ", a teapot"),
    ("预算三十镑的花瓶", None, 30.0, "vase"),
    ("十五镑以内的杯子", None, 15.0, "cup mug"),             # 十五 is 15, not 十 + 5
    ("二十五块以内的蜡烛", None, 25.0, "candle"),
    ("roughly £16 for a clock", 8.0, 20.0, "for a clock"),     # approximate: 0.5x to 1.25x (prices.AROUND_*)
    ("a tray about 30 pounds", 15.0, 37.5, "a tray"),
    ("£6ish notebook", 3.0, 7.5, "notebook"),
    ("a pen around 80p", 0.4, 1.0, "a pen"),
    ("四十镑左右的灯", 20.0, 50.0, "light"),
    ("a puzzle for a girl about 7", None, None, "a puzzle for a girl about 7"),   # no currency: an age, not a price
    ("no more than £12 for a tray", None, 12.0, "for a tray"),  # never also a minimum from its "more than"
    ("不超过三十镑的钟", None, 30.0, "clock"),                  # nor 超过 inside 不超过
    ("a vase, £25 tops", None, 25.0, "a vase,"),
    ("candles at most 4 pounds", None, 4.0, "candles"),
    ("最多八镑的碗", None, 8.0, "bowl"),
    ("a lamp £15-£30", 15.0, 30.0, "a lamp"),                  # a range said with its currency
    ("mugs 3 to 6 pounds", 3.0, 6.0, "mugs"),
    ("十到二十镑的花瓶", 10.0, 20.0, "vase"),
    ("a kite for ages 5 to 10", None, None, "a kite for ages 5 to 10"),    # no currency: no price range
    ("a bowl costing about £6", 3.0, 7.5, "a bowl"),           # the verb goes with the price phrase
    ("budget: £9 notebook", None, 9.0, "notebook"),
])
def test_budget_and_approximate_prices(text, low, high, query):
    c = parse_constraints(text)
    assert (c.filters.min_price, c.filters.max_price) == (low, high)
    assert c.query == query


def test_an_approximate_price_is_said_as_its_window():
    assert parse_constraints("around £20").filters.describe()[0] == "£10.00-£25.00"


def test_two_colours_named_are_a_look_not_one_colour_filter():
    assert parse_constraints("a green lamp").filters.attributes == {"colour": "green"}
    assert parse_constraints("grey and pink cushions").filters.attributes == {}     # both words must show instead
    assert parse_constraints("粉色的包").filters.attributes == {"colour": "pink"}
