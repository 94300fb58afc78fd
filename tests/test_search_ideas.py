"""Gift ideas, styles and audiences (search/ideas.py): the resource files against the demo catalog, who a
request is for, and what that does to a ranking (hand-checked on small made-up titles)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.search.ideas import Ideas
from assistant.search.relevance import Relevance
from assistant.search.understand import Lexicon, understand
from assistant.search.vocabulary import mine_vocabulary


@pytest.fixture(scope="module")
def ideas():
    return Ideas.load()


def test_every_idea_word_names_some_demo_product(ideas):
    """A shop assistant's knowledge is only useful in the shop's own words: every word or phrase gift_ideas.csv
    maps to is in at least one title of the demo catalog (the Online Retail import)."""
    from tests.conftest import RAW
    from assistant.data.online_retail import import_online_retail
    products = import_online_retail(RAW).products
    rel = Relevance(products["title"].tolist(), mine_vocabulary(products), products["category"].tolist(), ideas)
    things = {t for idea in ideas.ideas for t in idea.things}
    assert len(things) > 100
    assert [t for t in sorted(things) if len(t.split()) > 2 or not rel.covered([t]).any()] == []


def test_who_a_request_is_for(ideas):
    cases = {
        "something for my grandson aged 7": "child",
        "a 14 year old's birthday present": "adult",
        "a treat for the girls at the office": "adult",          # friends, not children
        "a present for a little girl": "child",
        "something for a girl turning nine": "child",
        "a five-year-old's party": "child",
        "gift for my sister's baby": "baby",
        "a present for my son's football coach": "adult",
        "a thank-you for my daughter's teacher": "adult",         # the teacher receives it
        "a red cake stand": None,
    }
    assert {text: ideas.audience(text) for text in cases} == cases


def test_products_for_children_and_babies_by_title_or_category(ideas):
    titles = ["Childs Garden Trowel Blue", "Spaceboy Baby Gift Set", "Enamel Watering Can Cream",
              "Set of 6 Soldier Skittles", "Kids Rain Mac"]
    categories = ["Garden & Outdoor", "Toys & Kids", "Garden & Outdoor", "Toys & Kids", "Gifts & Novelties"]
    assert ideas.title_audience(titles, categories).tolist() == ["child", "baby", "", "child", "child"]


TITLES = ["Wrap Garden Flowers", "Childs Garden Trowel", "Garden Trowel Cast Iron", "Garden Party Invites",
          "Enamel Watering Can", "Herb Garden Sign", "Zinc Watering Can", "Bird Feeder Tuscan"]


def test_a_hobby_gift_wants_the_things_the_hobby_uses(ideas):
    vocab = mine_vocabulary(pd.DataFrame({"title": TITLES}))
    req = understand("a present for my uncle, he spends every weekend gardening", vocab, Lexicon.load())
    assert req.gift and req.audience == "adult" and req.idea_cues == ["gardening"]
    assert {"trowel", "watering can", "bird feeder"} <= set(req.ideas)
    rel = Relevance(TITLES, vocab, None, ideas)
    rows = np.arange(len(TITLES))
    scores = rel.blend(req, rel.lexical(req), np.zeros(len(TITLES)), rows)
    ranked = [TITLES[i] for i in np.argsort(-scores, kind="stable")]
    # the trowel with "garden" in its title first (a tool and the hint), then the watering cans and the feeder
    # (tools without the hint); the child's trowel is halved (audience); wrap and invitations (paper goods,
    # not the tool) and a sign (the hobby's word only) come last
    assert ranked[0] == "Garden Trowel Cast Iron"
    assert set(ranked[1:4]) == {"Enamel Watering Can", "Zinc Watering Can", "Bird Feeder Tuscan"}
    assert ranked.index("Childs Garden Trowel") > 3
    assert set(ranked[-3:]) == {"Wrap Garden Flowers", "Garden Party Invites", "Herb Garden Sign"}


def test_a_hobby_counts_only_for_a_gift_and_a_named_type_wins(ideas):
    vocab = mine_vocabulary(pd.DataFrame({"title": TITLES}))
    lexicon = Lexicon.load()
    assert understand("garden signs", vocab, lexicon).ideas == []                  # a theme, not a hobby
    assert understand("a gift for a keen gardener: a watering can", vocab, lexicon).ideas == []
    req = understand("an idea for bonfire night", vocab, lexicon)                   # occasions need no gift
    assert "lantern" in req.ideas and req.unknown == []


def test_a_style_holds_over_the_product(ideas):
    vocab = mine_vocabulary(pd.DataFrame({"title": TITLES}))
    req = understand("nautical bathroom bits", vocab, Lexicon.load())
    assert req.styles and {"seaside", "shell", "starfish"} <= set(req.styles[0]) and req.unknown == ["bathroom", "bit"]   # this tiny catalog has no bathroom


def test_bad_idea_rows_name_the_file_and_row(tmp_path):
    bad = tmp_path / "gift_ideas.csv"
    bad.write_text("kind,cues,things\ninterest,knitting,knitting kit\nhobby,golf,golf ball\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gift_ideas.csv row 2"):
        Ideas.load(gift_ideas=bad)


def test_synonyms_read_the_shoppers_spelling_as_the_catalogs():
    titles = ["Embossed Glass Tealight Holder", "Star T-Light Holder", "Tea Towel Kitchen",
              "Roses Teacup and Saucer", "Spotty Tea Cup and Saucer", "Cup of Tea Kneeling Pad"]
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    lexicon = Lexicon.load()
    rel = Relevance(titles, vocab, None, lexicon.ideas, lexicon.synonyms)
    req = understand("tealight holders", vocab, lexicon)
    assert rel.lexical(req).round(2).tolist()[:3] == [1.0, 1.0, 0.0]           # both spellings, not the towel
    req = understand("cups and saucers", vocab, lexicon)
    assert [titles[i] for i in np.flatnonzero(rel.lexical(req))] == ["Roses Teacup and Saucer",
                                                                     "Spotty Tea Cup and Saucer"]
