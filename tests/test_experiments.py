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


# ------------------------------------------------------------------ aggregate diversity: the exposure flow
RANKS_SCORES = np.array([[5, 4, 3, 2, 1],       # u0 ranks items 0 1 2 3 4
                         [5, 4, 1, 3, 2],       # u1: 0 1 3 4 2
                         [5, 4, 2, 1, 3]], float)   # u2: 0 1 4 2 3


def test_exposure_flow_by_hand():
    from assistant.recommend.exposure import exposure_flow, rank_matrix
    ranks = rank_matrix(RANKS_SCORES)
    assert ranks.tolist() == [[0, 1, 2, 3, 4], [0, 1, 4, 2, 3], [0, 1, 3, 4, 2]]
    # lists of 2, at most 1 swap each. Base lists {0, 1} x 3: cost 1 + 1 + 1 = 3, 2 items covered.
    # Covering 4 (each user's rank-2 item instead of item 1, one user keeps item 1): 1 + 2 + 2 = 5.
    # Covering all 5 needs item 1 kept by one user who also swaps (rank 1 + rank 2, dropping item 0): 7.
    # reward 0: base (obj 3); 1.5: 4 covered (5 - 6 = -1 beats 7 - 7.5 and 3 - 3); 10: 5 covered (7 - 50)
    for reward, covered, objective in ((0.0, 2, 3.0), (1.5, 4, -1.0), (10.0, 5, -43.0)):
        flow = exposure_flow(ranks, size=2, reward=reward, max_swaps=1)
        assert flow.covered == covered and flow.objective == pytest.approx(objective), reward
        assert np.bincount(flow.rows, minlength=3).tolist() == [2, 2, 2]                 # 2 items per user
        assert all(((ranks[flow.rows, flow.items] >= 2) & (flow.rows == u)).sum() <= 1 for u in range(3))
    from assistant.recommend.debias import flow_swaps, row_changes
    changes = flow_swaps(RANKS_SCORES, 10.0, 1, size=2)          # all 5 covered: 3 in, 3 out, one per user
    assert sorted(np.concatenate([row_changes(changes, u)[0] for u in range(3)]).tolist()) == [2, 3, 4]
    assert all(len(row_changes(changes, u)[1]) == 1 for u in range(3))
    none = exposure_flow(ranks, size=2, reward=10.0, max_swaps=0)                     # no swaps allowed
    assert none.covered == 2


def test_apply_swaps_and_history_keys_by_hand():
    from assistant.recommend.debias import apply_swaps, history_keys
    scores = np.array([[0.9, 0.8, 0.7, 0.1, -np.inf]])
    # list of 3 with one swap (item 3): the top 2 in base order, then item 3; item 2 drops below; -inf stays
    none = np.array([], np.int64)
    out = apply_swaps(scores, [(np.array([3]), np.array([2]))], size=3)
    assert np.argsort(-out[0], kind="stable")[:4].tolist() == [0, 1, 3, 2] and out[0, 4] == -np.inf
    # the flow dropped item 1, not the bottom one: the list keeps 0 and 2, then item 3
    out = apply_swaps(scores, [(np.array([3]), np.array([1]))], size=3)
    assert np.argsort(-out[0], kind="stable")[:4].tolist() == [0, 2, 3, 1]
    assert apply_swaps(scores, [(none, none)], size=3).tolist() == scores.tolist()
    h = sp.csr_matrix(np.array([[1, 0, 1], [0.5, 0, 0.25], [1, 1, 0]], np.float32))
    keys = history_keys(h)
    assert keys[0] == keys[1] != keys[2]            # the purchase set, not the recency values
    assert history_keys(h[2]).tolist() == [keys[2]]


def long_tail_matrix(users=300, items=40, per_user=6, seed=0):
    rng = np.random.default_rng(seed)
    pop = 1.0 / np.arange(1, items + 1) ** 1.2
    rows = [rng.choice(items, size=per_user, replace=False, p=pop / pop.sum()) for _ in range(users)]
    return sp.csr_matrix((np.ones(users * per_user, np.float32),
                          (np.repeat(np.arange(users), per_user), np.concatenate(rows))), shape=(users, items))


def test_exposure_debiasing_covers_the_catalog_at_a_bounded_per_user_cost(tmp_path, monkeypatch):
    import assistant.recommend.debias as debias
    from assistant.recommend.evaluate import list_cost, ranked
    from assistant.recommend.metrics import coverage
    monkeypatch.setattr(debias, "LIST_SIZE", 5)                   # lists of 5 from a catalog of 40
    matrix = long_tail_matrix()
    base = create_recommender("hybrid", l2=10.0, k=20).fit(matrix)
    model = create_recommender("debiased", l2=10.0, k=20, reward=1000.0, max_swaps=2).fit(matrix)
    top_base, top = ranked(base.score(matrix), matrix, 5), ranked(model.score(matrix), matrix, 5)
    assert coverage(top_base, 40) < 0.8 and coverage(top, 40) == 1.0             # every item shown to someone
    cost = list_cost(top_base, top)
    assert cost["max_replaced@20"] <= 2 and 0 < cost["users_changed@20"] < 0.5
    assert (top[:, :3] == top_base[:, :3]).all()                 # swaps take the bottom places (<= 2 of 5)
    assert all(len(s) <= 2 for s in model.swapped(matrix))
    unknown = sp.csr_matrix(np.eye(1, 40, 39, dtype=np.float32))  # a history no fitted customer has
    assert np.allclose(model.score(unknown), base.score(unknown))
    path = tmp_path / "debiased.npz"
    model.save(path)
    again = load_recommender(path)
    assert (ranked(again.score(matrix), matrix, 5) == top).all()
    exposure_path = tmp_path / "exposure.npz"                     # what the build stores beside cf.npz
    model.save_exposure(exposure_path)
    served = debias.Debiased.load_exposure(exposure_path, base)
    assert (ranked(served.score(matrix), matrix, 5) == top).all() and served.params["reward"] == 1000.0
    zero = create_recommender("debiased", l2=10.0, k=20, reward=0.0).fit(matrix)   # reward 0: the hybrid
    assert (ranked(zero.score(matrix), matrix, 5) == top_base).all()


def test_tuning_picks_the_exposure_reward_within_the_ndcg_budget():
    from assistant.recommend import tuning
    from assistant.recommend.tuning import Tuned, Validation, tune_debiased
    rng = np.random.default_rng(1)
    matrix = long_tail_matrix(users=150, items=400, per_user=8, seed=1)     # lists of 20 leave items unseen
    users, items = matrix.nonzero()
    df = pd.DataFrame({"user_id": [f"u{u:03d}" for u in users], "item_id": [f"i{i:03d}" for i in items],
                       "timestamp": pd.Timestamp("2011-01-01") + pd.to_timedelta(rng.integers(0, 300, len(users)), "D")})
    val = Validation(df, "temporal80", [f"i{i:03d}" for i in range(400)])
    model = val.fit(create_recommender("hybrid", l2=10.0, k=20))
    hybrid = Tuned("hybrid", {"l2": 10.0, "k": 20}, scores=val.scores(model))
    tight, loose = tune_debiased(val, hybrid, 0.0), tune_debiased(val, hybrid, 0.5)
    assert tight.config["method"] == loose.config["method"] == "exposure"
    assert tight.config["reward"] in tuning.DEBIAS_REWARDS and loose.config["reward"] >= tight.config["reward"]
    assert loose.config["reward"] > 0 and tight.config["max_swaps"] == 5
    assert loose.val_ndcg >= 0.5 * tight.val_ndcg


def test_new_arrival_slot_by_hand():
    from assistant.recommend.blend import new_arrival_slot
    scores = np.array([[0.9, 0.8, 0.7, 0.6, 0.0, 0.0], [0.9, 0.8, 0.7, 0.6, 0.0, 0.0]], np.float32)
    seen = sp.csr_matrix(np.array([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], np.float32))
    match = np.array([[0.2, 0.7], [0.9, 0.1]], np.float32)          # new items 4 and 5
    out = new_arrival_slot(scores, seen, match, np.array([4, 5]), slot=2)
    # row 0: item 5 (match .7) to place 2 among the unseen (item 0 is bought): between 0.8 and 0.7
    assert np.argsort(-np.where(seen.toarray()[0] > 0, -np.inf, out[0]), kind="stable")[:3].tolist() == [1, 5, 2]
    assert out[1].tolist() == scores[1].tolist()                     # row 1 has no history: left alone
    weak = new_arrival_slot(scores, seen, np.array([[0.2, 0.4], [0, 0]], np.float32), np.array([4, 5]), slot=2)
    assert weak.tolist() == scores.tolist()                         # match .4 < NEW_MIN_MATCH .5: no slot
    first = new_arrival_slot(scores, seen, match, np.array([4, 5]), slot=1)
    assert np.argmax(np.where(seen.toarray()[0] > 0, -np.inf, first[0])) == 5


def test_build_stores_the_exposure_flow_and_the_live_ranker_serves_it(small_index):
    """The build solves the flow over every customer (default reward: the test build is untuned) and stores it
    beside cf.npz; the ranker's `debiased` strategy puts a customer's first swapped-in item at the n-th card."""
    from assistant.search.ranker import Ranker
    assert (small_index.folder / "exposure.npz").exists() and small_index.exposure is not None
    report = small_index.manifest["models"]["cf_tuning"]["exposure"]
    assert report["reward"] == 400.0 and report["max_swaps"] == 5 and report["swaps"] > 0
    ranker = Ranker(small_index)
    users = [u for u, row in zip(ranker.history.user_ids, range(ranker.history.matrix.shape[0]))
             if len(small_index.exposure.swapped(ranker.history.matrix[row])[0])]
    assert len(users) >= 1
    user = str(users[0])
    history = ranker.history.matrix[ranker.history.user_index(user)]
    first = int(small_index.exposure.swapped(history)[0][0])
    debiased = ranker.recommend("", user_id=user, strategy="debiased", n=5)
    hybrid = ranker.recommend("", user_id=user, strategy="hybrid", n=5)
    ids = [r.item_id for r in debiased.items]
    assert str(ranker.catalog.item_ids[first]) in ids and len(ids) == 5
    assert str(ranker.catalog.item_ids[first]) not in [r.item_id for r in hybrid.items]
    anonymous = ranker.recommend("", strategy="debiased", n=5)          # no customer: no swaps, the hybrid's
    assert [r.item_id for r in anonymous.items] == [r.item_id for r in ranker.recommend("", n=5).items]
