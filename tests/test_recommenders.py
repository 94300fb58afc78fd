"""One shared test mixin for every CF model (like benfred/implicit's RecommenderBase tests)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from assistant.recommend.base import top_n
from assistant.recommend.registry import create_recommender, load_recommender
from assistant.recommend.evaluate import compare, prepare, split


def two_tribes(n_users: int = 60, seed: int = 0) -> sp.csr_matrix:
    """Users 0..29 buy from items 0..9, users 30..59 from items 10..19: learnable structure."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for u in range(n_users):
        base = 0 if u < n_users // 2 else 10
        for i in rng.choice(10, size=6, replace=False):
            rows.append(u)
            cols.append(base + i)
    return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_users, 20))


def in_random_order(matrix: sp.csr_matrix, seed: int = 0) -> sp.csr_matrix:
    """The same purchases with distinct recency values in (0, 1]: a random order within each user."""
    ordered = matrix.copy()
    ordered.data = np.random.default_rng(seed).uniform(0.05, 1.0, len(ordered.data)).astype(np.float32)
    return ordered


class RecommenderContract:
    """Subclasses set `name` (and `params`); every model must pass all of these."""
    name = ""
    params: dict = {}
    learns_structure = True
    ordered = False          # train and score on recency-valued histories (sequential models)

    @pytest.fixture
    def fitted(self):
        matrix = in_random_order(two_tribes()) if self.ordered else two_tribes()
        return create_recommender(self.name, **self.params).fit(matrix), matrix

    def test_scores_have_one_row_per_history(self, fitted):
        model, matrix = fitted
        assert model.score(matrix[:5]).shape == (5, matrix.shape[1])

    def test_recommend_excludes_seen_and_sorts(self, fitted):
        model, matrix = fitted
        items, scores = model.recommend(matrix[0], n=5)
        assert len(items) == 5 and not set(items) & set(matrix[0].indices)
        assert list(scores) == sorted(scores, reverse=True)

    def test_recommends_from_the_users_tribe(self, fitted):
        model, matrix = fitted
        if not self.learns_structure:
            pytest.skip("popularity ignores the user")
        for user, tribe in ((0, range(0, 10)), (45, range(10, 20))):
            items, _ = model.recommend(matrix[user], n=3)
            assert set(items) <= set(tribe), (self.name, user, items)

    def test_unknown_user_history_is_scored(self, fitted):
        model, _ = fitted
        history = sp.csr_matrix(([1.0, 1.0], ([0, 0], [12, 15])), shape=(1, 20), dtype=np.float32)
        items, _ = model.recommend(history, n=3)
        assert len(items) == 3 and 12 not in items
        if self.learns_structure:
            assert set(items) <= set(range(10, 20))

    def test_allowed_mask_filters(self, fitted):
        model, matrix = fitted
        allowed = np.zeros(20, bool)
        allowed[[3, 17]] = True
        items, _ = model.recommend(matrix[1], n=5, allowed=allowed)
        assert set(items) <= {3, 17}

    def test_similar_items_and_explain(self, fitted):
        model, matrix = fitted
        if not self.learns_structure:
            pytest.skip("popularity has no item similarity")
        similar, _ = model.similar_items(2, n=3)
        assert 2 not in similar and set(similar) <= set(range(10))
        target = model.recommend(matrix[0], n=1)[0][0]
        reasons = model.explain(matrix[0], int(target))
        assert reasons and all(j in matrix[0].indices for j, _ in reasons)

    def test_save_and_load_roundtrip(self, fitted, tmp_path):
        model, matrix = fitted
        model.save(tmp_path / "model.npz")
        loaded = load_recommender(tmp_path / "model.npz")
        assert type(loaded) is type(model) and loaded.params == model.params
        np.testing.assert_allclose(loaded.score(matrix[:3]), model.score(matrix[:3]), rtol=1e-5)


class TestPopularity(RecommenderContract):
    name = "popularity"
    learns_structure = False


class TestItemKNN(RecommenderContract):
    name = "itemknn"
    params = {"k": 10, "shrink": 1.0}


class TestEASE(RecommenderContract):
    name = "ease"
    params = {"l2": 5.0}


class TestALS(RecommenderContract):
    name = "als"
    params = {"factors": 2, "iterations": 15, "regularization": 0.1}


class TestSequential(RecommenderContract):
    name = "sequential"
    params = {"dim": 16, "blocks": 1, "epochs": 60, "lr": 1e-2, "dropout": 0.1}
    ordered = True


class TestBlendedCF(RecommenderContract):
    name = "hybrid"
    params = {"l2": 5.0, "k": 10, "shrink": 1.0}


class TestBlendedWithSequence(RecommenderContract):
    name = "hybrid"
    params = {"l2": 5.0, "k": 10, "shrink": 1.0, "seq_weight": 0.5, "pop_weight": 0.05,
              "seq": TestSequential.params}
    ordered = True


class TestDebiased(RecommenderContract):
    name = "debiased"
    params = {"l2": 5.0, "k": 10, "shrink": 1.0, "strength": 0.2}


def test_top_n_skips_infinite():
    items, scores = top_n(np.array([0.1, -np.inf, 0.5, 0.3]), 10)
    assert list(items) == [2, 3, 0]


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown recommender 'svd'"):
        create_recommender("svd")


def test_splits():
    t = pd.Timestamp("2011-01-01")
    df = pd.DataFrame({"user_id": ["u"] * 10 + ["v"] * 3, "item_id": [f"i{k}" for k in range(10)] + ["a", "b", "a"],
                       "timestamp": [t + pd.Timedelta(days=k) for k in range(10)] + [t] * 3})
    df = prepare(df, min_items=2)
    assert len(df) == 12                                         # v's repeat purchase of a dropped
    train, test = split(df, "temporal80")
    assert list(test[test.user_id == "u"]["item_id"]) == ["i8", "i9"]
    train, test = split(df, "loo")
    assert list(test["item_id"]) == ["i9", "b"]
    with pytest.raises(ValueError):
        split(df, "random")


def test_compare_on_real_purchases_beats_popularity(small_shop):
    from assistant.data.shop import load_shop
    ev = load_shop(small_shop).events
    df = prepare(ev[ev["event"] == "purchase"])
    train, test = split(df, "temporal80")
    results = {r["model"]: r for r in compare(train, test, ["popularity", "ease", "hybrid"])}
    assert results["ease"]["ndcg@10"] > results["popularity"]["ndcg@10"]
    assert 0 <= results["hybrid"]["recall@20"] <= 1 and results["hybrid"]["users"] == df["user_id"].nunique()


def test_fast_paths_agree_with_dense_scores():
    matrix = two_tribes()
    for name, params in (("itemknn", {"k": 10}), ("ease", {"l2": 5.0}), ("hybrid", {"l2": 5.0, "k": 10})):
        model = create_recommender(name, **params).fit(matrix)
        history = matrix[3]
        dense = model.score(history)[0]
        items = np.array([1, 5, 12, 19])
        np.testing.assert_allclose(model.score_items(history, items), dense[items], rtol=1e-5, atol=1e-6)
        allowed = np.ones(20, bool)
        top, scores = model.top_scores(history, 3, allowed)
        assert not set(top) & set(history.indices) and list(scores) == sorted(scores, reverse=True)
        expected = dense.astype(float).copy()
        expected[history.indices] = -np.inf
        assert set(top) == set(np.argsort(-expected)[:3]) or np.allclose(np.sort(scores), np.sort(expected)[-3:])


def test_blend_falls_back_to_itemknn_for_large_catalogs(tmp_path, monkeypatch):
    from assistant.recommend.ease import EASE
    monkeypatch.setattr(EASE, "max_items", 10)
    model = create_recommender("hybrid", k=10).fit(two_tribes())
    assert model.main is model.neighbours
    model.save(tmp_path / "m.npz")
    loaded = load_recommender(tmp_path / "m.npz")
    assert loaded.main is loaded.neighbours and loaded.main.name == "itemknn"
