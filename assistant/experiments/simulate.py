"""A traffic simulator that checks the A/B analysis itself, on customers from the held-out end of a real log.

    result = simulate(Path("data/demo-shop"), settings, arms=("hybrid", "debiased"), lift=0.2, runs=2000)
    print(format_simulation(result))       # `python -m assistant simulate-ab`

World: the purchases before a cutoff `eval_holdout_days` before the last one train each arm's recommender
(recommend/registry.py, default configs, the product vectors of the current build when there is one);
the customers who bought something before and after the cutoff are the simulated shoppers, and what they
bought after it is what they want. A conversation shows CARDS cards from its arm's recommender; each card
is added to the cart with probability BASE_P, or HIT_P when the customer bought that item after the cutoff,
times (1 + lift) in the second arm (the planted lift). So each arm's true conversion rate (share of
conversations with an add-to-cart) is known exactly: the mean over customers of 1 - prod(1 - p_card).

Checks, at the sample size `stats.sample_size` (continuity-corrected, see stats.py) gives for the true rates (and at least the size `eval ab`
plans for a `ab_target_lift` lift over the control's true rate, before which it names no winner):
- power: over `runs` A/B experiments, how often report.compare_arms names the second arm the winner;
- false positives: over `runs` A/A experiments (the first arm against itself, no lift), how often it names
  any winner; it should be near alpha;
- end to end: `db_runs` of these experiments are written through the real store (chat/store.py: messages
  with cards and the LLM flag, add-to-cart and thumbs feedback, arms by chat/engine.arm_of) into a temporary
  SQLite file and read back by report.ab_report, the code behind `eval ab`.
The cheap runs draw conversation outcomes from the same model as the stored ones, without the store.
Leaves out: customers who return, novelty effects, arms that change what people want.
"""
from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.artifacts import product_vectors
from assistant.chat.engine import arm_of
from assistant.chat.store import Store
from assistant.experiments.report import ArmCounts, Plan, ab_report, compare_arms
from assistant.experiments.stats import exact_power, sample_size, wilson
from assistant.recommend.base import Interactions
from assistant.recommend.evaluate import aligned_vectors, fit_input, history_matrix, load_interactions, new_model

log = logging.getLogger(__name__)

CARDS = 5             # product cards per simulated answer
BASE_P = 0.02         # add-to-cart chance of a card the customer did not buy after the cutoff
HIT_P = 0.25          # ... of a card they did buy
THUMBS_UP_P = 0.3     # chance an answer gets a thumbs-up (the same in every arm)
LLM_P = 0.7           # chance an answer has LLM text (the same in every arm)
CHUNK = 100           # simulated experiments drawn at once


def card_probabilities(data_dir: Path, settings, arms: tuple[str, ...]) -> tuple[dict[str, np.ndarray], int]:
    """{arm: (customers, CARDS) add-to-cart probability of each card shown}, before any planted lift."""
    df = load_interactions(Path(data_dir), min_items=1)
    cutoff = df["timestamp"].max() - np.timedelta64(int(settings.eval_holdout_days * 86400), "s")
    train, after = df[df["timestamp"] < cutoff], df[df["timestamp"] >= cutoff]
    items = sorted(set(df["item_id"]))
    data = Interactions.from_frame(train, item_ids=items)
    wants = after[after["user_id"].isin(set(data.user_ids))].groupby("user_id")["item_id"].agg(set)
    rows = np.array([data.user_index(u) for u in wants.index], np.int64)
    item_pos = {item: i for i, item in enumerate(items)}
    vectors = aligned_vectors(items, product_vectors(settings))
    out = {}
    for arm in dict.fromkeys(arms):
        model = new_model(arm, {}, vectors)        # default configs (debiased: the exposure flow, reward 400)
        model.fit(fit_input(model, train, data))
        history = history_matrix(train, data, getattr(model, "history_half_life_days", None))
        probs = np.empty((len(rows), CARDS))
        for b in range(0, len(rows), 256):
            chunk = rows[b:b + 256]
            scores = np.array(model.score(history[chunk]), dtype=np.float64)
            scores[data.matrix[chunk].nonzero()] = -np.inf
            top = np.argsort(-scores, axis=1, kind="stable")[:, :CARDS]
            for r, (user_items, shown) in enumerate(zip(wants.values[b:b + 256], top)):
                wanted = {item_pos[x] for x in user_items}
                hit = np.array([int(i) in wanted for i in shown])
                probs[b + r] = np.where(hit, HIT_P, BASE_P)
        out[arm] = probs
    return out, len(train)


def conversion_rates(probs: np.ndarray) -> np.ndarray:
    """(customers,) chance of at least one add-to-cart in a conversation."""
    return 1.0 - np.prod(1.0 - probs, axis=1)


def experiments(q_a: np.ndarray, q_b: np.ndarray, n: int, runs: int, plan: Plan, rng) -> np.ndarray:
    """(runs,) winner per simulated experiment of n conversations per arm: 0 none, 1 arm A, 2 arm B."""
    winners = np.zeros(runs, np.int64)
    for start in range(0, runs, CHUNK):
        m = min(CHUNK, runs - start)
        k_a = (rng.random((m, n)) < q_a[rng.integers(0, len(q_a), (m, n))]).sum(axis=1)
        k_b = (rng.random((m, n)) < q_b[rng.integers(0, len(q_b), (m, n))]).sum(axis=1)
        for j in range(m):
            v = compare_arms(ArmCounts("A", n, int(k_a[j])), ArmCounts("B", n, int(k_b[j])), plan)
            winners[start + j] = 0 if v["winner"] is None else (1 if v["winner"] == "A" else 2)
    return winners


def stored_experiment(probs: dict[str, np.ndarray], arms: tuple[str, str], n: int, lift: float, settings,
                      rng) -> dict:
    """One experiment of about n conversations per arm written through the real store, then `eval ab`'s report."""
    labels = [arms[0], arms[1] if arms[1] != arms[0] else arms[1] + "-copy"]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "ab.db")
        for _ in range(2 * n):
            conv = store.conversation(None, None, "shopper")
            arm = arm_of(conv, labels)
            p = probs[arms[labels.index(arm)]][rng.integers(len(probs[arms[0]]))]
            p = np.minimum(p * (1 + lift), 1.0) if arm == labels[1] else p
            store.add_message(conv, "user", "simulated shopper", "product_search", arm)
            message = store.add_message(conv, "assistant", "simulated answer", "product_search", arm,
                                        cards=CARDS, llm=rng.random() < LLM_P)
            for card in np.flatnonzero(rng.random(CARDS) < p):
                store.add_feedback(conv, message, "add_to_cart", f"card{card}", arm)
            if rng.random() < THUMBS_UP_P:
                store.add_feedback(conv, message, "up", strategy=arm)
        return ab_report(store, replace(settings, ab_strategies=",".join(labels)))


def simulate(data_dir: Path, settings, arms: tuple[str, ...] = ("hybrid", "debiased"), lift: float = 0.2,
             runs: int = 2000, db_runs: int = 2, seed: int = 0) -> dict:
    """Power on A/B runs and the false-positive rate on A/A runs at the sample size the tool asks for."""
    if len(arms) != 2:
        raise ValueError(f"simulate-ab compares two arms, got {arms}")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    plan = Plan.from_settings(settings)
    probs, n_train = card_probabilities(data_dir, settings, arms)
    q_a = conversion_rates(probs[arms[0]])
    q_b = conversion_rates(np.minimum(probs[arms[1]] * (1 + lift), 1.0))
    true_a, true_b = float(q_a.mean()), float(q_b.mean())
    planned = sample_size(true_a, min(true_a * (1 + plan.target_lift), 0.999999), plan.alpha, plan.power)
    n = max(sample_size(true_a, true_b, plan.alpha, plan.power), planned)     # past the plan, and enough
    ab = experiments(q_a, q_b, n, runs, plan, rng)
    aa = experiments(q_a, q_a, n, runs, plan, rng)
    found, false_pos = int((ab == (2 if true_b > true_a else 1)).sum()), int((aa > 0).sum())
    stored = []
    for r in range(db_runs):
        ab_lift, pair = (lift, arms) if r % 2 == 0 else (0.0, (arms[0], arms[0]))
        report = stored_experiment(probs, pair, n, ab_lift, settings, rng)
        stored.append({"kind": "A/B" if r % 2 == 0 else "A/A", "arms": [a["arm"] for a in report["arms"]],
                       "conversations": [a["conversations"] for a in report["arms"]],
                       "conversion": [round(a["conversion"]["rate"], 4) for a in report["arms"]],
                       "add_to_cart_per_card": [round(a["add_to_cart_per_card"]["rate"], 4) for a in report["arms"]],
                       "p_value": report["tests"][0]["p_value"], "verdict": report["verdict"]})
    return {"arms": list(arms), "customers": len(q_a), "train_interactions": n_train,
            "holdout_days": settings.eval_holdout_days, "click_model": {"cards": CARDS, "base_p": BASE_P,
                                                                     "hit_p": HIT_P, "lift": lift},
            "true_conversion": [round(true_a, 5), round(true_b, 5)], "plan": plan.__dict__, "n_per_arm": n,
            "planned_per_arm": planned, "exact_power": exact_power(true_a, true_b, n, plan.alpha),
            "exact_size": exact_power(true_a, true_a, n, plan.alpha),
            "runs": runs, "power": found / runs, "power_ci": wilson(found, runs),
            "false_positive_rate": false_pos / runs, "false_positive_ci": wilson(false_pos, runs),
            "stored_runs": stored, "seconds": round(time.perf_counter() - started, 1)}


def format_simulation(r: dict) -> str:
    a, b = r["arms"]
    pa, pb = r["true_conversion"]
    lines = [f"{r['customers']} held-out customers (last {r['holdout_days']:g} days; models fitted on "
             f"{r['train_interactions']} earlier purchases); click model: {r['click_model']}",
             f"true conversion per conversation: {a} {pa:.2%}, {b} {pb:.2%} (planted lift "
             f"{r['click_model']['lift']:+.0%} per card in {b})",
             f"sample size the tool asks for (alpha {r['plan']['alpha']:g}, power {r['plan']['power']:g}): "
             f"{r['n_per_arm']} conversations per arm",
             f"A/B: the better arm found in {r['power']:.1%} of {r['runs']} runs "
             f"(95% CI {r['power_ci'][0]:.1%}-{r['power_ci'][1]:.1%}; the test's exact power at this size "
             f"{r['exact_power']:.2%})",
             f"A/A: a winner declared in {r['false_positive_rate']:.2%} of {r['runs']} runs "
             f"(95% CI {r['false_positive_ci'][0]:.2%}-{r['false_positive_ci'][1]:.2%}; alpha {r['plan']['alpha']:g}, "
             f"exact size {r['exact_size']:.2%})"]
    for s in r["stored_runs"]:
        lines.append(f"through the store ({s['kind']}): arms {s['arms']}, conversations {s['conversations']}, "
                     f"conversion {s['conversion']}, add-to-cart/card {s['add_to_cart_per_card']}, "
                     f"p = {s['p_value']:.4f}: {s['verdict']}")
    lines.append(f"{r['seconds']} s")
    return "\n".join(lines)
