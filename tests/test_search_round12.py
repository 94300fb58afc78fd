"""Round 12 mechanisms, hand-checked on small catalogs in our own wording: the number of a price phrase never
matches a title; (more below as they land)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.search.ideas import Ideas
from assistant.search.relevance import Relevance
from assistant.search.understand import Lexicon, understand
from assistant.search.vocabulary import mine_vocabulary

NUMBERED = ["Jumbo Bag 50's Christmas", "Party Charms 50 Pieces", "Cocktail Sticks 30 Pieces", "Leather Wallet Brown",
            "Beer Glass Set", "Gardening Gloves"]
# every price form of search/prices.py, English and Chinese, with 50 (or 30) as its number
PRICE_FORMS = ["something for my dad under £50", "my budget is 50 pounds, a present for dad", "dad gift, 50 quid max",
               "a present for my dad, up to 50", "dad's present around 50 pounds", "a gift for dad £30-£50",
               "between 30 and 50 pounds for my dad", "a gift for dad for £50 or less", "gift for dad over £50",
               "dad gift 50ish pounds", "给爸爸的礼物 50镑以内", "预算50英镑 送爸爸", "不超过50块 送爸爸",
               "送爸爸 50元以下", "送爸爸 50镑左右", "送爸爸 30到50镑", "送爸爸 五十块以内", "50镑内 送爸爸"]


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.load()


@pytest.mark.parametrize("text", PRICE_FORMS)
def test_the_number_of_a_price_never_matches_a_title(text, lexicon):
    vocab = mine_vocabulary(pd.DataFrame({"title": NUMBERED}))
    req = understand(text, vocab, lexicon)
    assert not any(ch.isdigit() for ch in req.said), req.said          # what e5 reads holds no price number
    assert not any(ch.isdigit() for ch in req.english + " ".join(req.themes + req.types))
    rel = Relevance(NUMBERED, vocab, None, Ideas.load())
    lexical = rel.lexical(req)
    assert lexical[0] == 0 and lexical[1] == 0 and lexical[2] == 0      # no "50's", no "50 Pieces", no "30 Pieces"


def test_a_chinese_compound_whose_head_is_unmapped_names_no_type(lexicon):
    # 咖啡机 (a coffee machine), 茶壶盖 (a teapot's lid): the mapped start only modifies the unmapped head
    for word in ("咖啡机", "茶壶盖"):
        english, unknown = lexicon.translate(f"想买一个{word}")
        assert english == "" and word in unknown, (english, unknown)
    assert lexicon.translate("咖啡杯") == ("coffee cup", [])          # a head that maps keeps its modifier
    assert lexicon.translate("咖啡") == ("coffee", [])
    vocab = mine_vocabulary(pd.DataFrame({"title": ["Coffee Mug Red", "Teapot Spotty", "Coffee Tin"]}))
    req = understand("想买一个咖啡机", vocab, lexicon)
    assert req.types == [] and req.themes == [] and "咖啡机" in req.unknown_zh


def test_a_mould_is_no_tin(lexicon):
    english, _ = lexicon.translate("做蛋糕用的模具")
    assert "mould" in english.split() and "tin" not in english.split()


def test_party_sundries_for_a_child_are_not_outranked_by_childrens_things(lexicon):
    titles = ["Spaceboy Childrens Cup", "Set/6 Spotty Paper Cups", "Dolly Girl Childrens Beaker", "Paper Plates Stars",
              "Pack of 12 Fruit Paper Cups"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    req = understand("paper cups for my little boy's party, he turns 4", vocab, lexicon)
    assert req.audience == "child" and "paper cup" in req.types
    rel = Relevance(titles, vocab, None, Ideas.load())
    rows = np.arange(len(titles))
    scores = rel.blend(req, rel.lexical(req), np.full(len(titles), 0.5), rows)
    assert titles[int(np.argmax(scores))] == "Set/6 Spotty Paper Cups"
    assert scores[1] > scores[0]       # the paper cups keep their full relevance; the plastic cup only shares the head


def test_the_modifier_of_a_two_word_thing_alone_is_no_match(lexicon):
    titles = ["Moon Night Light", "Moon and Stars Incense", "Moon Cake Candle Set", "Table Light Grey", "Moon Lamp",
              "Red Lamp Shade", "Moon Garland", "Wall Light Star"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    req = understand("moon lights for a nursery", vocab, lexicon)
    rel = Relevance(titles, vocab, None, Ideas.load())
    assert rel.type_modifiers(req) == {"moon"} and req.types == ["light"]
    lexical = rel.lexical(req)
    assert lexical[titles.index("Moon and Stars Incense")] == 0 and lexical[titles.index("Moon Garland")] == 0
    scores = rel.blend(req, lexical, np.full(len(titles), 0.5), np.arange(len(titles)))
    top = [titles[i] for i in np.argsort(-scores, kind="stable")][:3]
    assert top[0] == "Moon Night Light" and set(top[1:]) == {"Table Light Grey", "Wall Light Star"}
    # a colour, material or occasion before the type is its attribute, not a compound: it keeps its weight
    for text in ("red lights", "glass lights", "christmas lights"):
        assert rel.type_modifiers(understand(text, vocab, lexicon)) == set()


def test_commute_home_place_and_small_gift_phrases_are_no_product_words(lexicon):
    from assistant.search.context import without_context
    assert without_context("a flask for my sister, she walks to school every day") == "a flask for my sister, she walks"
    assert without_context("a tray for my aunt who drives to the office") == "a tray for my aunt who drives"
    assert without_context("striped cushions for our flat") == "striped cushions for the home"
    assert without_context("a tiny treat for my postman") == "a gift for my postman"
    assert without_context("a little something for the vicar") == "a gift for the vicar"
    for thing in ("a bird house", "a small box", "small things for the garden", "a school bag", "a work bag"):
        assert without_context(thing) == thing
    titles = ["Wall Sign Work Hard", "Bird House Blue", "House Number Plaque", "Floral Cushion Cover", "Small Notebook",
              "Floral Tea Towel", "Mini Notebook Set", "Floral Mug", "Work Mug Bicycle"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    req = understand("flowery things for around the house", vocab, lexicon)
    assert "house" not in req.themes + req.types
    req = understand("a thank you card and something small for my child's teacher", vocab, lexicon)
    assert "small" not in req.themes + req.types and req.gift
    req = understand("a present for my cousin who jogs to work", vocab, lexicon)
    assert "work" not in req.themes + req.types


def test_a_hobby_said_as_what_someone_does_is_the_hobby(lexicon):
    ideas = Ideas.load()
    assert "cycling" in ideas.cues("my nephew who cycles at weekends")
    assert "cycling" in ideas.cues("she really cycles a lot")
    assert ideas.cues("a cycle of songs") == []                  # the bare word with no one doing it is no hobby


def test_chinese_paper_cups_for_a_childs_party_are_the_paper_ones(lexicon):
    titles = ["Spaceboy Childrens Cup", "Set/6 Spotty Paper Cups", "Pack of 12 Fruit Paper Cups", "Kids Toy Cup",
              "Paper Plates Stars", "Set/6 Spotty Paper Plates"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    req = understand("给小朋友开派对要买纸杯", vocab, lexicon)
    assert "paper cup" in req.types and req.audience == "child"
    rel = Relevance(titles, vocab, None, Ideas.load())
    assert not any("children" in alternatives for alternatives, _, _ in rel.groups(req))
    scores = rel.blend(req, rel.lexical(req), np.full(len(titles), 0.5), np.arange(len(titles)))
    top = [titles[i] for i in np.argsort(-scores, kind="stable")][:2]
    assert set(top) == {"Set/6 Spotty Paper Cups", "Pack of 12 Fruit Paper Cups"}
