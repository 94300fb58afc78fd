"""Ranking metrics pinned to hand-computed values, and timestamp formats of interaction files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.data.contracts import DataError, read_table
from assistant.recommend import metrics
from assistant.recommend.evaluate import INTERACTIONS

# Three users, top 3. u0: hits at ranks 1 and 3 of 2 relevant; u1: nothing; u2: a hit at rank 2 of 3.
HITS = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 0]], bool)
N_RELEVANT = np.array([2, 1, 3])


def test_hit_matrix():
    top = np.array([[4, 2, 7], [1, 0, 3]])
    assert metrics.hit_matrix(top, [{7, 4}, {9}]).tolist() == [[True, False, True], [False, False, False]]


def test_recall():
    # u0 2/2, u1 0/1, u2 1/3; at k=2: u0 1/2
    np.testing.assert_allclose(metrics.recall_at(HITS, N_RELEVANT, 3), [1.0, 0.0, 1 / 3])
    np.testing.assert_allclose(metrics.recall_at(HITS, N_RELEVANT, 2), [0.5, 0.0, 1 / 3])


def test_ndcg():
    # u0: DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal (2 relevant) = 1 + 1/log2(3) = 1.63093 -> 0.91972
    # u2: DCG = 1/log2(3) = 0.63093; ideal (3 relevant, k=3) = 1 + 0.63093 + 0.5 = 2.13093 -> 0.29608
    np.testing.assert_allclose(metrics.ndcg_at(HITS, N_RELEVANT, 3), [0.91972, 0.0, 0.29608], atol=1e-5)
    # k=2: u0 DCG 1, ideal 1.63093 -> 0.61315; u2 DCG 0.63093, ideal 1.63093 -> 0.38685
    np.testing.assert_allclose(metrics.ndcg_at(HITS, N_RELEVANT, 2), [0.61315, 0.0, 0.38685], atol=1e-5)


def test_ndcg_of_a_user_without_relevant_items_is_zero():
    assert metrics.ndcg_at(np.zeros((1, 3), bool), np.array([0]), 3).tolist() == [0.0]


def test_hit_rate_and_coverage():
    assert metrics.hit_rate_at(HITS, 1).tolist() == [1.0, 0.0, 0.0]
    assert metrics.hit_rate_at(HITS, 3).tolist() == [1.0, 0.0, 1.0]
    assert metrics.coverage(np.array([[0, 1, 2], [2, 3, 4]]), 10) == 0.5


def write(tmp_path, values) -> pd.Series:
    f = tmp_path / "events.csv"
    f.write_text("user_id,item_id,timestamp\n" + "".join(f"u,i{k},{v}\n" for k, v in enumerate(values)))
    return read_table(f, INTERACTIONS)["timestamp"]


@pytest.mark.parametrize("values,expected", [
    (["881250949", "881250950"], ["1997-12-04 15:55:49", "1997-12-04 15:55:50"]),              # Unix seconds
    (["881250949000", "881250950500"], ["1997-12-04 15:55:49", "1997-12-04 15:55:50.500"]),    # milliseconds
    (["2011-12-09 12:50:00", "2011-12-10T08:00:00Z"], ["2011-12-09 12:50:00", "2011-12-10 08:00:00"]),
])
def test_timestamp_formats(tmp_path, values, expected):
    assert write(tmp_path, values).tolist() == [pd.Timestamp(e) for e in expected]


def test_bad_timestamp_names_file_row_and_column(tmp_path):
    with pytest.raises(DataError, match=r"events.csv row 2, column 'timestamp': expected a Unix time in seconds"):
        write(tmp_path, ["881250949", "yesterday"])
    with pytest.raises(DataError, match=r"row 2, column 'timestamp': expected a date/time \(ISO 8601"):
        write(tmp_path, ["2011-12-09", "881250949"])
