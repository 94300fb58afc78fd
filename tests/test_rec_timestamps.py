"""The hit matrix the metrics read (the metrics themselves: test_metrics.py), and timestamp formats."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.data.contracts import DataError, read_table
from assistant.recommend import metrics
from assistant.recommend.evaluate import INTERACTIONS

def test_hit_matrix():
    top = np.array([[4, 2, 7], [1, 0, 3]])
    assert metrics.hit_matrix(top, [{7, 4}, {9}]).tolist() == [[True, False, True], [False, False, False]]


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
