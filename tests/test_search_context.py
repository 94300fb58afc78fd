"""Scene-setting words (time, frequency, quantity, company, where it goes) are no product words; fee lines are
never merchandise. Hand-checked on small catalogs in our own wording."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.data.merchandise import is_merchandise, merchandise_mask
from assistant.search.context import without_context
from assistant.search.filters import CatalogArrays, Filters
from assistant.search.ideas import Ideas
from assistant.search.relevance import Relevance
from assistant.search.understand import Lexicon, understand
from assistant.search.vocabulary import mine_vocabulary
from tests.search_helpers import rank_titles


def test_time_frequency_quantity_and_company_phrases_are_removed():
    assert without_context("a teapot for my uncle, he gets through 6 mugs a day") == \
        "a teapot for my uncle, he gets through"
    assert without_context("she has two cups of coffee every morning") == "she has of coffee"   # the drink stays
    assert without_context("lanterns for the garden, we have neighbours coming over on sunday") == \
        "lanterns for the garden, we"
    assert without_context("napkins, we will need around 60") == "napkins,"
    assert without_context("bunting for 40 guests") == "bunting"
    assert without_context("a blanket to use all year round") == "a blanket to use"
    # a period word naming a thing stays: the night light, the weekend bag, the round tin
    for thing in ("a night light for the nursery", "a weekend bag", "an evening bag", "a round cake tin",
                  "a 3 year old's party", "under £5 each"):
        assert without_context(thing) == thing


SCENE = ["Pancake Day Fridge Magnets", "Round Biscuit Tin", "Morning Glory Mug", "Spotty Teapot",
         "Floral Teacup and Saucer", "Shed Key Ring", "Garden Shed Sign", "Herb Marker Set", "Welcome Metal Sign",
         "No Parking Sign"]


def _ranked(text: str, titles=SCENE):
    return rank_titles(text, titles)


def test_scene_words_pull_no_titles():
    req, ranked = _ranked("a present for my aunt who has tea every day")
    assert "day" not in req.themes      # a tea drinker's things (a mug is one), never the Pancake Day magnets
    assert set(ranked[:3]) == {"Morning Glory Mug", "Spotty Teapot", "Floral Teacup and Saucer"}
    req, _ = _ranked("we have family round most weekends, a tin for biscuits")
    assert "round" not in req.themes and "famili" not in req.themes and req.recipient is None
    req, _ = _ranked("a mug for my dad, he needs coffee every morning")
    assert "mug" in req.types + req.themes and "morning" not in req.themes


def test_a_destination_is_context_unless_a_type_is_named():
    req, _ = _ranked("a gift for my husband for his shed")          # where it goes: no 'shed' trinket
    assert "shed" not in req.themes and not req.has_subject()
    req, ranked = _ranked("a sign for his shed")                     # beside a named type it still helps
    assert req.types == ["sign"] and ranked[0] == "Garden Shed Sign"
    req, _ = _ranked("a gift for my sister for her kitchen")        # a place the ideas know still names things
    assert req.ideas
    req, _ = _ranked("a present for my brother's new shed")        # whose, and 'new': no theme either
    assert req.themes == [] and not req.has_subject()
    req, _ = _ranked("a present for my son's teacher")              # a person stays whom it is for
    assert req.recipient == "teacher"


def test_fee_and_voucher_lines_are_not_merchandise_and_never_pass_a_filter():
    assert not is_merchandise("23444", "Next Day Carriage")
    assert not is_merchandise("99999", "Packing Charge")
    assert not is_merchandise("12345", "Shopname Gift Voucher £50.00")
    assert not is_merchandise("POST", "Postage")
    assert is_merchandise("85168B", "Black Baroque Carriage Clock")
    assert is_merchandise("23099", "French Carriage Lantern")
    products = pd.DataFrame({"item_id": ["1", "2", "3"], "title": ["Next Day Carriage", "Carriage Clock", "Mug"],
                             "category": ["Gifts", "Home", "Kitchen"], "currency": "GBP", "price": [15.0, 8.0, 2.0],
                             "stock": [25, 3, 9], "brand": None, "attributes": "{}"})
    assert merchandise_mask(products).tolist() == [False, True, True]
    assert Filters().mask(CatalogArrays(products)).tolist() == [False, True, True]


OCCASIONS = ["Easter Chick Egg Cup", "Christmas Robin Candle Holder", "Spring Tulip Candle Holder",
             "Pumpkin Candle Holder", "Floral Tea Cup and Saucer", "Floral Paper Doilies", "Flower Sticker Sheet",
             "Birthday Skull Napkins", "Gingham Cake Cases", "Vintage Baking Set"]


def test_a_product_themed_to_another_occasion_is_not_shown_for_this_one():
    _, ranked = _ranked("candle holders for mother's day", OCCASIONS)
    assert ranked[0] == "Spring Tulip Candle Holder"       # the Easter, Christmas, Halloween holders keep a fifth
    _, ranked = _ranked("candle holders for halloween", OCCASIONS)
    assert ranked[0] == "Pumpkin Candle Holder"            # its own season's marks still count
    _, ranked = _ranked("christmas candle holders", OCCASIONS)
    assert ranked[0] == "Christmas Robin Candle Holder"
    req, ranked = _ranked("skull napkins for a birthday", OCCASIONS)
    assert ranked[0] == "Birthday Skull Napkins"          # a season's word the shopper says is wanted


def test_party_sundries_lose_to_presents_for_a_grown_up_unless_asked_or_the_hobby_uses_them():
    titles = OCCASIONS
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    rel = Relevance(titles, vocab, None, Ideas.load())
    req = understand("a floral present for my nan", vocab, Lexicon.load())
    scores = rel.blend(req, rel.lexical(req), np.zeros(len(titles)), np.arange(len(titles)))
    floral = {t: float(s) for t, s in zip(titles, scores)}
    # both hold 'floral' (flower), the doilies and the sticker sheet keep half of the cup's relevance
    assert floral["Floral Paper Doilies"] == floral["Flower Sticker Sheet"] == 0.5 * floral["Floral Tea Cup and Saucer"]
    req = understand("a present for someone who loves baking", vocab, Lexicon.load())
    lexical = rel.lexical(req)
    scores = rel.blend(req, lexical, np.zeros(len(titles)), np.arange(len(titles)))
    cases = titles.index("Gingham Cake Cases")          # a baker's own thing: not halved (0.6 x its coverage)
    assert scores[cases] == pytest.approx(0.6 * lexical[cases]) and lexical[cases] > 0.5


def test_each_type_a_list_names_gets_a_slot():
    from assistant.search.diversify import type_slots
    # rows 0-2 plates (scores 9, 8, 7), row 3 a cup (5), row 4 a napkin (6), row 5 a cup too weak to offer (4)
    cand, scores = np.arange(6), np.array([9.0, 8, 7, 5, 6, 4])
    plate = np.array([1, 1, 1, 0, 0, 0], bool)
    cup = np.array([0, 0, 0, 1, 0, 1], bool)
    eligible = np.array([1, 1, 1, 1, 1, 0], bool)
    assert type_slots([0, 1, 2], cand, scores, [plate, cup], eligible) == [0, 1, 3]       # the cup replaces plate 2
    assert type_slots([0, 1, 2, 4], cand, scores, [plate, cup], eligible) == [0, 1, 2, 3]  # ... or the lowest of
                                                                                            # things not named
    assert type_slots([0, 3, 1], cand, scores, [plate, cup], eligible) == [0, 1, 3]          # each shown: unchanged
    assert type_slots([0, 1], cand, scores, [plate, np.zeros(6, bool)], eligible) == [0, 1]  # nothing to show


def test_at_a_party_the_paper_version_of_a_type_is_preferred_and_the_occasion_only_colours_it():
    titles = ["Spotty Paper Cups", "Spotty Paper Plates", "Stripe Paper Plates", "Enamel Cup Blue", "Enamel Plate Blue",
              "Retro Paper Cups", "Halloween Ghost Lights",
              "Birthday Card Stars", "Birthday Banner Gold", "Pumpkin Paper Plates", "Pumpkin Mug"]
    req, ranked = _ranked("cups and plates for a birthday party", titles)
    assert "paper cup" in req.hints and "paper plate" in req.hints and "birthday" in req.soft_themes
    assert set(ranked[:4]) == {"Spotty Paper Cups", "Spotty Paper Plates", "Stripe Paper Plates", "Retro Paper Cups"}
    assert ranked.index("Enamel Cup Blue") < ranked.index("Birthday Card Stars")
    req, ranked = _ranked("plates for a halloween party", titles)
    assert "halloween" not in req.soft_themes and ranked[0] == "Pumpkin Paper Plates"   # a season's goods are themed


def test_a_chinese_compound_ends_in_its_head_and_unmapped_chinese_asks_the_llm_with_its_own_words():
    from assistant.search import expand
    lexicon = Lexicon.load()
    assert lexicon.translate("收纳袋")[0] == "storage bag"         # 收纳 storage + 袋 bag: the head comes last
    assert lexicon.translate("布置") == ("", ["布置"])                # 布 'fabric' starts 'to decorate': no head
    titles = ["Jumbo Storage Bag Stars", "Jumbo Bag Pink", "Storage Tin Floral", "Polka Dot Paper Cups", "Enamel Mug",
              "Spotty Mug"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    req = understand("独角兽的东西", vocab, lexicon)                 # 独角兽 (unicorn) is no row of the lexicon
    assert req.unknown_zh and expand.needs_expansion(req)
    seen = []

    def ask_json(messages, schema, **kwargs):
        seen.append(messages[-1]["content"])
        return {"product_types": ["cup"]}
    expand._CACHE.clear()
    expand.expand_types(req, vocab, ask_json, timeout_s=1.0)
    assert "独角兽的东西" in seen[0]                                  # the model reads the shopper's own Chinese
    assert not expand.needs_expansion(understand("纸杯", vocab, lexicon))   # fully mapped: the rules' reading


def test_an_expanded_type_for_unmapped_chinese_needs_the_multilingual_index_to_agree():
    from types import SimpleNamespace
    from assistant.search.ranker import Ranker
    titles = ["Stars Bag", "Hearts Bag", "Jumbo Bag", "Pink Candle", "Tea Mug", "Coffee Mug", "Red Candle",
              "Blue Vase", "Green Vase", "Glass Vase", "Star Clock", "Heart Clock"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    assert {"bag", "candle", "mug"} <= set(vocab.types)
    ranker = object.__new__(Ranker)                  # only what expand() reads: the index, catalog and relevance
    near = np.array([0, 1, 3, 4, 5, 7, 8, 9, 10, 11, 2, 6])   # e5's nearest: two bags, a candle, two mugs, vases...
    ranker.index = SimpleNamespace(vocabulary=vocab, multilingual=SimpleNamespace(top=lambda text, n, mask: near[:n]))
    ranker.catalog = SimpleNamespace(merchandise=np.ones(len(titles), bool))
    ranker.relevance = Relevance(titles, vocab, None, Ideas.load())
    req = understand("大号的东西袋袋", vocab, Lexicon.load())
    req.unknown_zh, req.types = ["袋袋"], []
    from assistant.search import expand
    expand._CACHE.clear()
    kept = ranker.expand(req, lambda *a, **k: {"product_types": ["candle", "bag", "mug"]}, timeout_s=1.0)
    assert kept == ["bag", "mug"] == req.expanded_types   # candle: one of the ten nearest holds it; bag, mug: two


ROOMS = ["Seaside Shell Soap Dish", "Seaside Shell Photo Frame", "Starfish Garland", "Plain White Soap Dish",
         "Hanging Medina Lantern", "Hanging Star Lantern", "Moroccan Tea Glass", "Floral Bath Sponge"]


def test_a_room_and_a_style_both_hold_where_the_catalog_has_both():
    req, ranked = _ranked("nautical pieces for the bathroom", ROOMS)
    assert req.places == ["bathroom"] and ranked[0] == "Seaside Shell Soap Dish"
    vocab = mine_vocabulary(pd.DataFrame({"title": ROOMS}))
    rel = Relevance(ROOMS, vocab, None, Ideas.load())
    rows = np.arange(len(ROOMS))
    assert rel.holds_all(req, rows).tolist() == [True, False, False, False, False, False, False, False]
    scores = rel.blend(req, rel.lexical(req), np.zeros(len(ROOMS)), rows)
    best = scores.max()      # a bathroom thing of no style, a seaside thing of no bathroom: under the match share
    assert scores[ROOMS.index("Plain White Soap Dish")] < 0.4 * best
    assert scores[ROOMS.index("Seaside Shell Photo Frame")] < 0.4 * best
    req, _ = _ranked("scandi bits for a bathroom", ROOMS)     # no product is both: nothing holds all
    assert not rel.holds_all(req, rows).any()


def test_the_type_named_never_shows_the_style_itself():
    _, ranked = _ranked("moroccan style lanterns", ROOMS)
    assert ranked[0] == "Hanging Medina Lantern"          # not any lantern: 'lantern' is one of the style's words
    req, _ = _ranked("moroccan lanterns", ROOMS)
    vocab = mine_vocabulary(pd.DataFrame({"title": ROOMS}))
    style = [alts for alts, _, _ in Relevance(ROOMS, vocab, None, Ideas.load()).groups(req) if "medina" in alts]
    assert style and "lantern" not in style[0]


def test_only_the_types_listed_before_the_purpose_get_slots():
    from types import SimpleNamespace
    from assistant.search.ranker import Ranker
    titles = ["Spotty Paper Napkins", "Floral Paper Napkins", "Striped Paper Napkins", "Fruit Straws", "Bendy Straws",
              "Fairy Garden", "Mini Garden"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    ranker = object.__new__(Ranker)
    ranker.relevance = Relevance(titles, vocab, None, Ideas.load())
    ranker.catalog = SimpleNamespace(size=len(titles))
    ranker.weights = SimpleNamespace(match_share=0.4)
    cand, scores = np.arange(7), np.array([9.0, 8, 7, 5, 4, 6, 3])
    parts = {"relevance": dict(enumerate([0.9, 0.8, 0.7, 0.5, 0.4, 0.6, 0.3]))}
    req = understand("napkins and straws for a garden party", vocab, Lexicon.load())
    assert {"napkin", "straw", "garden"} <= set(req.types)
    # 'garden' names the party, not a thing on the list: the straw takes napkin 3's place, no fairy garden is added
    assert ranker._type_slots([0, 1, 2], cand, scores, req, parts) == [0, 1, 3]


COMPOUND = ["Heart Hanging Decoration", "Bird Hanging Decoration", "Felt Hanging Decoration", "Christmas Star Decoration",
            "Christmas Tree Decoration", "Christmas Candle", "Decoration Storage Box", "Blue Spotty Bowl",
            "Blue Ceramic Ball", "Green Fruit Bowl", "Small Bowl Light Blue", "Bowl Lamp"]


def test_a_two_word_type_is_held_in_part_by_its_head_word():
    req, ranked = _ranked("some hanging decorations, xmas ones", COMPOUND)
    assert req.types == ["hanging decoration"] and req.themes == ["christmas"]
    # a Christmas decoration not said to hang beats a hanging one with no Christmas mark
    assert set(ranked[:2]) == {"Christmas Star Decoration", "Christmas Tree Decoration"}
    vocab = mine_vocabulary(pd.DataFrame({"title": COMPOUND}))
    rel = Relevance(COMPOUND, vocab, None, Ideas.load())
    hit = rel.head_hit("hanging decoration")
    assert hit[COMPOUND.index("Christmas Star Decoration")] == pytest.approx(0.7)
    assert hit[COMPOUND.index("Decoration Storage Box")] == 0          # 'decoration' modifies the box there
    assert hit[COMPOUND.index("Heart Hanging Decoration")] > 0      # (its phrase holds it fully in lexical)
    # no title holds 'ceramic bowl': its head holds it fully; a ceramic ball is no bowl
    bowl = rel.head_hit("ceramic bowl")
    assert bowl[COMPOUND.index("Blue Spotty Bowl")] == 1.0 and bowl[COMPOUND.index("Blue Ceramic Ball")] == 0
    assert bowl[COMPOUND.index("Small Bowl Light Blue")] == 1.0         # a shade of blue, not a bowl light
    assert bowl[COMPOUND.index("Bowl Lamp")] == 0                       # a lamp shaped as a bowl is a lamp
    assert not rel.head_hit("bowl").any()                              # a one-word type is its own phrase


def test_a_chinese_compound_ending_in_one_unmapped_character_reads_it_as_the_product_head(tmp_path):
    lexicon = Lexicon.load()
    assert lexicon.translate("圣诞袜子") == ("christmas stocking", [])   # 圣诞 + 袜(子): a Christmas stocking
    assert lexicon.translate("猫咪镜") == ("cat mirror", [])
    assert lexicon.translate("咖啡壶") == ("coffee teapot", [])           # ends a word whose start mapped
    assert lexicon.translate("飞毯") == ("", ["飞毯"])                   # its start unmapped: no throw is a flying carpet
    assert lexicon.translate("布置") == ("", ["布置"])
    bad = tmp_path / "heads.csv"
    bad.write_text("zh,en\n袜,stocking\n袜子,sock\n", encoding="utf-8")
    from assistant.search.understand import load_zh_heads
    with pytest.raises(ValueError, match=r"heads.csv row 2, column 'zh'"):
        load_zh_heads(bad)


def test_chinese_heads_are_catalog_words_and_no_lexicon_term():
    from assistant.search.understand import load_zh_heads, load_zh_terms
    heads, terms = load_zh_heads(), load_zh_terms()
    assert 30 <= len(heads) <= 60 and not set(heads) & set(terms)      # a closed class, one home per term
    from tests.conftest import RAW
    from assistant.data.online_retail import import_online_retail
    products = import_online_retail(RAW).products
    rel = Relevance(products["title"].tolist(), mine_vocabulary(products), products["category"].tolist(), Ideas.load())
    assert [h for h, english in heads.items() if not all(rel.covered([w]).any() for w in english.split())] == []


def test_a_new_home_as_a_life_step_is_a_housewarming():
    assert without_context("a present for a colleague who just got her first house") == \
        "a present for a colleague who housewarming"
    assert without_context("my brother is moving into his own apartment") == "my brother is housewarming"
    assert without_context("bits for our new flat together, cushions maybe") == "bits for housewarming , cushions maybe"
    # a dwelling word that goes on naming a thing, or no life step, stays
    for thing in ("a new place mat set", "a house sign", "first place rosette", "my own mug", "a new home sign"):
        assert without_context(thing) == thing
    req, _ = _ranked("a present for my cousin, she got her first place", SCENE + ["First Class Luggage Tag",
                                                                                   "Place Setting White"])
    assert req.occasion == "housewarming" and not {"first", "place"} & set(req.themes + req.types)


KITCHEN = ["Kitchen Flower Wall Plaque", "Floral Tea Towel", "Plain Tea Towel", "Rose Print Jug", "Toy Kitchen Set"]


def test_a_room_is_held_by_its_things_not_by_its_name_in_a_title():
    req, ranked = _ranked("flowery bits for my kitchen", KITCHEN)
    assert req.places == ["kitchen"] and req.styles
    vocab = mine_vocabulary(pd.DataFrame({"title": KITCHEN}))
    rel = Relevance(KITCHEN, vocab, None, Ideas.load())
    # the plaque and the toy only say 'kitchen'; a floral tea towel and a rose jug are kitchen things with flowers
    assert rel.holds_all(req, np.arange(len(KITCHEN))).tolist() == [False, True, False, True, False]
    assert set(ranked[:2]) == {"Floral Tea Towel", "Rose Print Jug"}


PARTNER = ["Big Love Wall Sign", "Love Heart Pocket Warmer", "Lovebird Coaster Set", "Silver Photo Frame",
           "Ivory Pillar Candle", "Rose Trinket Box", "Plain Paper Napkins"]


def test_an_occasions_motif_words_are_no_present_by_themselves():
    from assistant.search.relevance import idea_things
    req, ranked = _ranked("something for my husband, it's our anniversary", PARTNER)
    assert "love" in req.ideas and "love" in req.occasion_hints
    assert "love" not in idea_things(req) and "photo frame" in idea_things(req)
    # a frame, a candle, a trinket box lead; the love-word novelties follow
    assert set(ranked[:3]) == {"Silver Photo Frame", "Ivory Pillar Candle", "Rose Trinket Box"}


def test_pronouns_and_auxiliaries_are_no_unknown_product_words():
    # 'she' once stood as the unknown thing asked for: "..., she is 30" was said to be something we don't sell
    for said in ("something for my aunt's birthday, she is 50", "a present for the twins, they were born in may",
                 "my nephew, whose room has been painted blue, wants a lamp"):
        req, _ = _ranked(said, SCENE)
        assert not {"she", "they", "were", "whose", "has", "been"} & set(req.unknown)


def test_party_decorations_are_no_present_for_a_grown_up():
    titles = ["Happy Birthday Garland", "Birthday Bunting Pink", "Silver Photo Frame", "Rose Scented Candle"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    rel = Relevance(titles, vocab, None, Ideas.load())
    assert rel.not_a_gift.tolist() == [True, True, False, False]


def test_a_head_word_does_not_hold_a_type_for_a_sibling_far_in_meaning():
    titles = ["Heart Card Holder", "Star Card Holder", "Heart T-Light Holder", "Glass T-Light Holder",
              "Christmas Star Decoration", "Heart Hanging Decoration", "Bird Hanging Decoration", "Tree Star Decoration"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    assert {"card holder", "t-light holder", "star decoration", "hanging decoration"} <= set(vocab.types)
    angle = {"card holder": 0.0, "t-light holder": 1.16, "hanging decoration": 2.0, "star decoration": 2.6}

    def embed(phrases):          # unit vectors at these angles: cos(card, t-light) 0.40, cos(hanging, star) 0.83
        return np.array([[np.cos(angle[p]), np.sin(angle[p])] for p in phrases], np.float32)
    rel = Relevance(titles, vocab, None, Ideas.load(), embed_phrases=embed)
    assert rel.head_hit("card holder")[2:4].tolist() == [0, 0]             # a t-light holder is no card holder
    assert rel.head_hit("hanging decoration")[[4, 7]].tolist() == pytest.approx([0.7, 0.7])   # a star decoration is
    plain = Relevance(titles, vocab, None, Ideas.load())                                     # a decoration
    assert plain.head_hit("card holder")[2:4].tolist() == pytest.approx([0.7, 0.7])          # (without the embedder)
