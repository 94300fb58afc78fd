"""RouteFeatures: the embedding beside character n-grams, with values worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.chat.route_features import RouteFeatures

EMB = np.array([[0.6, 0.8], [1.0, 0.0]])


def test_without_ngrams_the_embedding_is_the_row():
    features = RouteFeatures(0.0).fit(["abc", "abd"])
    assert features.vectorizer is None
    np.testing.assert_array_equal(features.transform(["abc", "abd"], EMB), EMB)


def test_ngrams_shared_by_two_texts_by_hand():
    # " abc " and " abd " (padded at word bounds) share only " a", "ab" and " ab" (min_df 2);
    # each has tf 1 and the same idf, so the L2-normalised block is 1/sqrt(3) each, times the weight
    features = RouteFeatures(0.5).fit(["abc", "abd"])
    assert sorted(features.vectorizer.vocabulary_) == [" a", " ab", "ab"]
    rows = features.transform(["abc", "xyz"], EMB).toarray()
    assert rows.shape == (2, 2 + 3)
    np.testing.assert_allclose(rows[0], [0.6, 0.8] + [0.5 / np.sqrt(3)] * 3)
    np.testing.assert_allclose(rows[1], [1.0, 0.0, 0.0, 0.0, 0.0])          # no known n-gram: embedding only


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="char_weight"):
        RouteFeatures(-1)
    with pytest.raises(ValueError, match="2 texts but 1 embeddings"):
        RouteFeatures(0.5).fit(["abc", "abd"]).transform(["abc", "abd"], EMB[:1])
