"""Recommendation metrics pinned to values computed by hand, and `evaluate` on a scripted model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.recommend.base import Interactions
from assistant.recommend.evaluate import evaluate
from assistant.recommend.metrics import (average_popularity, coverage, exposure, gini, hit_rate_at_k, ndcg_at_k,
                                         novelty, recall_at_k, replaced)

# user A: relevant items at ranks 1 and 3 of 4, two relevant; user B: one hit at rank 4, three relevant
HITS = np.array([[1, 0, 1, 0], [0, 0, 0, 1]], bool)
N_RELEVANT = np.array([2, 3])


def test_recall_hit_rate_and_coverage_by_hand():
    assert recall_at_k(HITS, N_RELEVANT, 3).tolist() == [1.0, 0.0]                 # 2/2, 0/3
    assert recall_at_k(HITS, N_RELEVANT, 4) == pytest.approx([1.0, 1 / 3])         # B's rank-4 hit counts
    assert hit_rate_at_k(HITS, 3).tolist() == [1.0, 0.0]
    assert hit_rate_at_k(HITS, 4).tolist() == [1.0, 1.0]
    assert coverage([[0, 1, 2], [2, 3, 4]], n_items=10) == 0.5                     # 5 distinct of 10


def test_ndcg_by_hand():
    # A@3: DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal (2 relevant) = 1 + 1/log2(3) = 1.6309298
    # B@4: DCG = 1/log2(5) = 0.4306766; ideal (3 relevant) = 1 + 0.6309298 + 0.5 = 2.1309298
    assert ndcg_at_k(HITS, N_RELEVANT, 3) == pytest.approx([1.5 / 1.6309298, 0.0], abs=1e-6)
    assert ndcg_at_k(HITS, N_RELEVANT, 4) == pytest.approx([1.5 / 1.6309298, 0.4306766 / 2.1309298], abs=1e-6)
    assert ndcg_at_k(np.array([[1, 1]], bool), np.array([2]), 2) == pytest.approx([1.0])   # perfect ranking


def test_popularity_bias_metrics_by_hand():
    top, popularity = [[0, 1], [0, 2]], np.array([3, 1, 0])
    assert average_popularity(top, popularity).tolist() == [2.0, 1.5]             # (3+1)/2, (3+0)/2
    assert exposure(top, 4).tolist() == [2, 1, 1, 0]
    # sorted [0, 1, 1, 2], weights 2i - n - 1 = -3, -1, 1, 3: (0 - 1 + 1 + 6) / (4 * 4) = 0.375
    assert gini([2, 1, 1, 0]) == pytest.approx(0.375)
    assert gini([5, 5, 5]) == 0.0 and gini([0, 0, 0]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)                               # (3 * 4) / (4 * 4)
    # p = (buyers + 1) / (users + 1) = 4/4, 2/4, 1/4 -> -log2 p = 0, 1, 2
    assert novelty(top, popularity, n_users=3).tolist() == [0.5, 1.0]


class _ByIndex:
    """Scores item i as -i for every user: the ranking is i00, i01, i02, ... minus what the user owns."""

    def score(self, history):
        return np.tile(-np.arange(history.shape[1], dtype=np.float32), (history.shape[0], 1))


def test_evaluate_on_a_scripted_ranking():
    items = [f"i{i:02d}" for i in range(25)]
    train = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["i00", "i01"]})
    test = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "item_id": ["i01", "i22", "i03"]})
    data = Interactions.from_frame(train, item_ids=items)
    r = evaluate(_ByIndex(), data, data.matrix, test)
    # u1 (owns i00): top 20 = i01..i20; i01 at rank 1, i22 outside -> recall 1/2, NDCG@10 = 1 / (1 + 1/log2 3)
    # u2 (owns i01): top 20 = i00, i02..i20; i03 at rank 3 -> recall 1, NDCG@10 = (1/log2 4) / 1 = 0.5
    assert r["recall@20"] == pytest.approx((0.5 + 1.0) / 2)
    assert r["ndcg@10"] == pytest.approx((1 / 1.6309298 + 0.5) / 2, abs=1e-6)
    assert r["hr@10"] == 1.0
    assert r["coverage@20"] == pytest.approx(21 / 25)                                # i00..i20 shown
    # training buyers: i00 1, i01 1, the rest 0; each list holds one of them and 19 unbought items
    assert r["avg_popularity@20"] == pytest.approx(1 / 20)
    # exposure: i00 1, i01 1, i02..i20 2 each, i21..i24 0 (total 40); sorted, weights 2i - 26:
    # (-16 - 14) * 1 + 2 * sum_{i=7..25} (2i - 26) = -30 + 228 = 198 -> 198 / (25 * 40)
    assert r["gini@20"] == pytest.approx(0.198)
    # p = 2/3 (bought once, 2 users) or 1/3: (0.5849625 + 19 * 1.5849625) / 20
    assert r["novelty@20"] == pytest.approx((0.5849625 + 19 * 1.5849625) / 20, abs=1e-6)
    assert r["users"] == 2


def test_replaced_and_list_cost_by_hand():
    from assistant.recommend.evaluate import list_cost
    base = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
    new = np.array([[0, 1, 3, 9], [4, 5, 6, 7]])          # user 0: 9 replaces 2 (3 moves up)
    assert replaced(base, new, 4).tolist() == [1, 0]
    assert replaced(base, new, 2).tolist() == [0, 0]
    assert replaced(base, new, 3).tolist() == [1, 0]        # top 3: {0, 1, 3} vs {0, 1, 2}
    cost = list_cost(base, new)
    assert cost == {"replaced@10": 0.5, "replaced@20": 0.5, "users_changed@20": 0.5, "max_replaced@20": 1}
