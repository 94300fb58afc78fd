"""Shared by the search tests: rank a small hand-written catalog for a request by title relevance alone.

    req, ranked = rank_titles("a mug for my aunt", ["Spotty Mug", "Garden Sign"])   # the Request, titles best first
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from assistant.search.ideas import Ideas
from assistant.search.relevance import Relevance
from assistant.search.understand import Lexicon, understand
from assistant.search.vocabulary import mine_vocabulary


def rank_titles(text: str, titles: list[str], categories=None):
    """(the understood request, `titles` ordered by Relevance.blend with no embedding signal; ties keep order)."""
    vocab = mine_vocabulary(pd.DataFrame({"title": titles}))
    req = understand(text, vocab, Lexicon.load())
    rel = Relevance(titles, vocab, categories, Ideas.load())
    scores = rel.blend(req, rel.lexical(req), np.zeros(len(titles)), np.arange(len(titles)))
    return req, [titles[i] for i in np.argsort(-scores, kind="stable")]
