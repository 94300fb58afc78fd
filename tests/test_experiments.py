"""A/B experiments: statistics pinned to hand-computed values, the report read back from the real store, the
analysis checked on simulated traffic, the debiased re-ranker and the cold-start splits."""
from __future__ import annotations

import dataclasses
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from assistant.chat.store import Store
from assistant.config import Settings
from assistant.experiments.report import ArmCounts, Plan, ab_report, compare_arms, format_report
from assistant.experiments.simulate import experiments
from assistant.experiments.stats import (exact_power, mde, power, ratio_interval, sample_size, two_proportion_z,
                                         uncorrected_n, wilson)
from assistant.recommend.debias import ips, short_head, tail_share, xquad
from assistant.recommend.evaluate import cold_splits
from assistant.recommend.registry import create_recommender, load_recommender


# ------------------------------------------------------------------ statistics, by hand
def test_wilson_interval_by_hand():
    # p = .15, z = 1.959964: centre (.15 + z^2/400) / (1 + z^2/200) = .156597,
    # half z sqrt(.15 * .85 / 200 + z^2 / 160000) / (1 + z^2/200) = .049462
    assert wilson(30, 200) == pytest.approx((0.107136, 0.206056), abs=1e-6)
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)


def test_pooled_two_proportion_z_by_hand():
    # pooled 75/400 = .1875, se = sqrt(.1875 * .8125 * (1/200 + 1/200)) = .0390312, z = .075 / se
    z, p = two_proportion_z(30, 200, 45, 200)
    assert z == pytest.approx(1.921538, abs=1e-5) and p == pytest.approx(0.054664, abs=1e-5)
    assert two_proportion_z(0, 100, 0, 100) == (0.0, 1.0)


def test_sample_size_power_and_mde_agree():
    # pbar .11: (1.959964 sqrt(2 * .11 * .89) + 1.281552 sqrt(.09 + .1056))^2 / .02^2 = 5141.31, continuity-
    # corrected (Fleiss, Tytun & Ury 1980): 5141.31 / 4 * (1 + sqrt(1 + 4 / (5141.31 * .02)))^2 = 5240.83 -> 5241
    assert sample_size(0.10, 0.12) == 5241
    assert sample_size(0.10, 0.12, power_=0.8) == 3941
    assert uncorrected_n(5241, 0.02) == pytest.approx(5141.48, abs=0.01)     # the correction's inverse
    assert power(0.10, 0.12, 5241) >= 0.9 > power(0.10, 0.12, 5100)
    assert power(0.10, 0.12, 5241) == pytest.approx(0.9, abs=1e-4)
    assert mde(0.10, 5241) == pytest.approx(0.02, abs=2e-5)           # the inverse of sample_size
    assert mde(0.10, 20000) < mde(0.10, 5241)
    with pytest.raises(ValueError):
        sample_size(0.1, 0.1)


def test_the_plan_holds_for_the_test_that_decides():
    """Exact power of the pooled z-test (summed over both binomials) at the planned size: the uncorrected
    Fleiss size gives 0.8993 at 50% vs 55% (short of the plan); the corrected size meets 0.9 on a grid."""
    assert exact_power(0.5, 0.55, 2095) == pytest.approx(0.8993, abs=1e-4)     # 2095: Fleiss without correction
    assert exact_power(0.10, 0.12, 5241) == pytest.approx(0.9058, abs=1e-4)
    for p in (0.02, 0.1, 0.3, 0.5):
        for lift in (0.1, 0.2, 0.5):
            n = sample_size(p, p * (1 + lift))
            if n < 40000:
                assert 0.9 < exact_power(p, p * (1 + lift), n) < 0.93, (p, lift)
    assert exact_power(0.1683, 0.1683, 3701) == pytest.approx(0.05, abs=2e-4)    # the test's size is alpha
    # by hand: n = 2, p = .5 each: 16 equally likely outcomes; |z| > 1.96 only for 0 vs 2 and 2 vs 0
    # (pooled .5, se = sqrt(.25), z = 1 / .5 = 2): 2 / 16
    assert exact_power(0.5, 0.5, 2) == pytest.approx(2 / 16)


def test_delta_method_ratio_interval_by_hand():
    # rate 3/6 = .5; residuals y - r n = 0, -.5, .5: var (ddof 1) .25, / (3 clusters * mean n 2 ^ 2) = .0208333
    rate, low, high = ratio_interval([1, 0, 2], [2, 1, 3])
    assert rate == 0.5 and (low, high) == pytest.approx((0.5 - 0.282896, 0.5 + 0.282896), abs=1e-5)


def test_verdicts():
    plan = Plan(alpha=0.05, power=0.9, target_lift=0.2, min_per_arm=100)
    few = compare_arms(ArmCounts("a", 50, 5), ArmCounts("b", 50, 20), plan)
    assert few["verdict"] == "not enough data yet" and few["winner"] is None       # 50 < min_per_arm
    clear = compare_arms(ArmCounts("a", 6000, 600), ArmCounts("b", 6000, 780), plan)     # planned: 5,241
    assert clear["winner"] == "b" and clear["p_value"] < 0.001
    early = compare_arms(ArmCounts("a", 300, 57), ArmCounts("b", 300, 81), plan)        # p = 0.02, underpowered
    assert early["winner"] is None and early["p_value"] < 0.05
    assert early["verdict"].startswith("not enough data yet (b leads")
    # 10% vs 10.4%: not significant, and far below the 5,241 per arm that find a 20% lift
    small = compare_arms(ArmCounts("a", 1000, 100), ArmCounts("b", 1000, 104), plan)
    assert small["winner"] is None and small["verdict"] == "not enough data yet"
    assert small["needed_per_arm"] == sample_size(0.10, 0.12) and small["mde"] == pytest.approx(mde(0.1, 1000), abs=1e-6)
    flat = compare_arms(ArmCounts("a", 6000, 600), ArmCounts("b", 6000, 606), plan)
    assert flat["winner"] is None and flat["verdict"].startswith("no difference found")
    assert compare_arms(ArmCounts("a", 6000, 600), ArmCounts("b", 6000, 700), plan, comparisons=2)["alpha"] == 0.025


# ------------------------------------------------------------------ the report from the real store
def _settings(tmp_path, **kw) -> Settings:
    return Settings.load(state_db=tmp_path / "ab.db", ab_strategies="hybrid,debiased", **kw)


def test_report_reads_the_arms_back_from_the_store(tmp_path):
    store = Store(tmp_path / "ab.db")
    c1, c2, c3 = (store.conversation(None, None, "shopper") for _ in range(3))
    m1 = store.add_message(c1, "assistant", "a", "product_search", "hybrid", cards=5, llm=True)
    store.add_feedback(c1, m1, "add_to_cart", "22423", "hybrid")
    store.add_feedback(c1, m1, "add_to_cart", "85123A", "hybrid")
    store.add_feedback(c1, m1, "up", strategy="hybrid")
    store.add_message(c2, "user", "red mugs", "product_search", "hybrid")
    store.add_message(c2, "assistant", "b", "product_search", "hybrid", cards=5, llm=False)
    m3 = store.add_message(c3, "assistant", "c", "product_search", "debiased", cards=5, llm=True)
    store.add_message(c3, "assistant", "d", "refine", "debiased", cards=3, llm=True)
    store.add_feedback(c3, m3, "add_to_cart", "22423", "debiased")
    store.add_feedback(c3, m3, "down", strategy="debiased")
    staff = store.conversation(None, "staff-1", "staff")             # staff questions are no experiment
    store.add_message(staff, "assistant", "revenue", "staff_insight", "hybrid", cards=0)

    report = ab_report(store, _settings(tmp_path))
    hybrid, debiased = report["arms"]
    assert (hybrid["arm"], hybrid["conversations"], hybrid["answers"], hybrid["cards"]) == ("hybrid", 2, 2, 10)
    assert hybrid["conversion"]["rate"] == 0.5 and hybrid["add_to_cart_per_card"]["rate"] == 0.2    # 2 / 10
    assert hybrid["thumbs_up_per_answer"]["rate"] == 0.5 and hybrid["llm_share"]["rate"] == 0.5
    assert (debiased["conversations"], debiased["answers"], debiased["cards"]) == (1, 2, 8)
    assert debiased["add_to_cart_per_card"]["rate"] == 1 / 8 and debiased["thumbs_up_per_answer"]["rate"] == 0.0
    assert debiased["llm_share"]["rate"] == 1.0
    assert report["verdict"] == "not enough data yet"
    assert "hybrid" in format_report(report) and "not enough data yet" in format_report(report)


def test_store_adds_the_new_columns_to_an_old_database(tmp_path):
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, "
                     "sender TEXT, text TEXT, intent TEXT, strategy TEXT, created TEXT);"
                     "CREATE TABLE conversations (id TEXT PRIMARY KEY, user_id TEXT, role TEXT, created TEXT, "
                     "memory TEXT DEFAULT '{}');"
                     "INSERT INTO conversations VALUES ('abc', '', 'shopper', 'x', '{}');"
                     "INSERT INTO messages (conversation_id, sender, text, intent, strategy, created) "
                     "VALUES ('abc', 'assistant', 'hi', 'chitchat', 'hybrid', 'x');")
    db.commit()
    db.close()
    log = Store(tmp_path / "old.db").arm_log()
    assert log == [{"conversation_id": "abc", "arm": "hybrid", "answers": 1, "cards": 0, "llm_answers": 0,
                    "add_to_cart": 0, "thumbs_up": 0, "thumbs_down": 0}]


# ------------------------------------------------------------------ the analysis on simulated traffic
def test_analysis_finds_a_planted_lift_and_keeps_its_false_positive_rate():
    rng = np.random.default_rng(1)
    q = rng.choice([0.02, 0.1, 0.4], size=5000, p=[0.6, 0.3, 0.1])         # customers' conversion chances
    lifted = np.minimum(q * 1.15, 1)                       # a 15% lift: below the 20% the plan is sized for
    plan = Plan(alpha=0.05, power=0.9, target_lift=0.2, min_per_arm=100)
    n = sample_size(q.mean(), lifted.mean(), plan.alpha, plan.power)
    assert n > sample_size(q.mean(), q.mean() * 1.2) * 1.3   # so the verdict is read past the planned size
    found = (experiments(q, lifted, n, 600, plan, rng) == 2).mean()
    false_pos = (experiments(q, q, n, 1500, plan, rng) > 0).mean()
    assert found >= 0.86                                   # power 0.9 planned; 600 runs: +-2.4 points (2 sd)
    assert exact_power(q.mean(), lifted.mean(), n) > 0.9     # what `found` estimates
    assert abs(false_pos - 0.05) <= 0.02                   # 1500 runs: sd 0.56 points


def test_simulator_end_to_end_through_the_store(small_index, small_settings):
    from assistant.experiments.simulate import simulate
    settings = dataclasses.replace(small_settings, eval_holdout_days=2.0)
    result = simulate(small_settings.data_dir, settings, arms=("popularity", "hybrid"), lift=0.5, runs=200,
                      db_runs=2, seed=0)
    assert result["customers"] >= 3 and result["n_per_arm"] > 0          # a week of data: few come back
    assert 0 < result["true_conversion"][0] < 1 and 0 <= result["false_positive_rate"] <= 0.15
    ab, aa = result["stored_runs"]
    assert ab["arms"] == ["popularity", "hybrid"] and aa["arms"] == ["popularity", "popularity-copy"]
    assert abs(sum(ab["conversations"]) - 2 * result["n_per_arm"]) == 0        # every conversation read back
    assert all(0 <= r <= 1 for r in ab["add_to_cart_per_card"])


# ------------------------------------------------------------------ debiasing and cold start
def test_short_head_and_tail_share_by_hand():
    counts = np.array([10, 5, 3, 2])                        # 20 purchases
    assert short_head(counts, 0.2).tolist() == [True, False, False, False]      # 10 >= 4
    assert short_head(counts, 0.6).tolist() == [True, True, False, False]       # 10 < 12 <= 15
    history = sp.csr_matrix(np.array([[1, 0, 1, 1], [0, 0, 0, 0]], np.float32))
    assert tail_share(history, short_head(counts, 0.2), default=0.8).tolist() == [2 / 3, 0.8]


def test_xquad_by_hand():
    scores = np.array([[1.0, 0.9, 0.5, 0.0]])
    head = np.array([True, True, False, False])
    # step 1: 0.5 rel + 0.5 * 0.5 * 1 -> .75 .70 .50 .25: item 0 (head)
    # step 2: head cover 0, tail cover 1 -> item 1 .45, item 2 .25 + .25 = .50: item 2 (tail)
    # step 3: both covers .5 -> item 1 .45 + .125, item 3 .125: item 1
    assert xquad(scores, head, np.array([0.5]), 0.5, size=3).tolist() == [[0, 2, 1]]
    assert xquad(scores, head, np.array([0.5]), 0.0, size=3).tolist() == [[0, 1, 2]]
    assert xquad(scores, head, np.array([0.0]), 0.5, size=3).tolist() == [[0, 1, 2]]   # a head buyer keeps it
    seen = scores.copy()
    seen[0, 0] = -np.inf                                                             # bought: never listed
    assert 0 not in xquad(seen, head, np.array([0.5]), 0.5, size=3)[0]


def test_debiased_model_widens_exposure():
    rng = np.random.default_rng(0)
    pop = 1.0 / np.arange(1, 41) ** 1.2                     # a long-tailed catalog of 40 items
    rows = [rng.choice(40, size=6, replace=False, p=pop / pop.sum()) for _ in range(300)]
    matrix = sp.csr_matrix((np.ones(1800, np.float32), (np.repeat(np.arange(300), 6), np.concatenate(rows))),
                           shape=(300, 40))
    def shown(model):
        model.fit(matrix)
        scores = np.array(model.score(matrix), dtype=np.float64)
        scores[matrix.nonzero()] = -np.inf
        return np.argsort(-scores, axis=1)[:, :5]
    from assistant.recommend.metrics import exposure, gini
    base = shown(create_recommender("hybrid", l2=10.0, k=20))
    for method, strength in (("ips", 0.5), ("xquad", 0.6)):
        debiased = shown(create_recommender("debiased", l2=10.0, k=20, strength=strength, method=method))
        assert gini(exposure(debiased, 40)) < gini(exposure(base, 40)), method
        assert len(np.unique(debiased)) >= len(np.unique(base)), method
    with pytest.raises(ValueError, match="debiasing method"):
        create_recommender("debiased", method="magic")


def test_ips_divides_by_the_popularity_propensity():
    scores = np.array([[1.0, 0.5, -np.inf, 0.3]])
    counts = np.array([3, 0, 8, 15])
    # (3 + 1) ** 0.5 = 2, (15 + 1) ** 0.5 = 4: 1.0 / 2, 0.3 / 4; a masked item stays masked; item 1, never
    # bought, is scaled like the row's best bought item (1.0 -> 0.5): 0.5 * 0.5
    assert ips(scores, counts, 0.5).tolist() == [[0.5, 0.25, -np.inf, 0.075]]
    assert ips(scores, counts, 0.0).tolist() == scores.tolist()


def test_cold_splits_by_hand():
    day = pd.Timestamp("2011-01-01")
    rows = [("u1", "i1", 0), ("u1", "i2", 1), ("u1", "i3", 10), ("u2", "i1", 2), ("u2", "i2", 10),
            ("u3", "i9", 11), ("u4", "i2", 3), ("u4", "i5", 4), ("u4", "i3", 12)]
    df = pd.DataFrame([(u, i, day + pd.Timedelta(days=d)) for u, i, d in rows],
                      columns=["user_id", "item_id", "timestamp"])
    train, new_items, new_customers = cold_splits(df, holdout_days=3)          # cutoff: day 9
    assert len(train) == 5
    assert sorted(zip(new_items["user_id"], new_items["item_id"])) == [("u1", "i3"), ("u4", "i3")]  # u3: no past
    assert sorted(zip(new_customers["user_id"], new_customers["item_id"])) == [("u2", "i2"), ("u3", "i9")]


def test_hybrid_reaches_never_bought_items_by_content_and_new_customers_by_popularity(tmp_path):
    matrix = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 0, 0]], np.float32))
    vectors = np.eye(4, dtype=np.float32)
    vectors[3] = vectors[2]                                    # item 3 (never bought) looks like item 2
    model = create_recommender("hybrid", l2=1.0, k=3, cold_weight=2.0)
    model.item_vectors = vectors
    model.fit(matrix)
    items, _ = model.recommend(sp.csr_matrix(np.array([[0, 0, 1, 0]], np.float32)), n=3)
    assert items[0] == 3
    empty = model.score(sp.csr_matrix((1, 4), dtype=np.float32))[0]
    assert np.argsort(-empty, kind="stable").tolist()[:3] == [0, 1, 2]        # bought by 3, 2, 2 customers
    path = tmp_path / "cf.npz"
    model.save(path)
    again = load_recommender(path)                                              # the vectors are kept
    history = sp.csr_matrix(np.array([[0, 0, 1, 0]], np.float32))
    assert np.allclose(again.score(history), model.score(history))
    without = create_recommender("hybrid", l2=1.0, k=3).fit(matrix)             # no vectors: CF cannot
    assert 3 not in without.recommend(sp.csr_matrix(np.array([[0, 0, 1, 0]], np.float32)), n=1)[0]


def test_eval_ab_command(tmp_path, capsys):
    from assistant.cli import main
    store = Store(tmp_path / "ab.db")
    for i in range(4):
        conv = store.conversation(None, None, "shopper")
        store.add_message(conv, "assistant", "x", "product_search", ("hybrid", "debiased")[i % 2], cards=2)
    assert main(["eval", "ab", "--db", str(tmp_path / "ab.db"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [a["conversations"] for a in report["arms"]] == [2, 2] and report["verdict"] == "not enough data yet"
