"""Choose every model's hyper-parameters on a validation split cut from the training part only.

    tuned = tune_models(["ease", "hybrid"], train, how="temporal80", budget_s=120)
    tuned["hybrid"].config          # {'l2': 200.0, 'k': 100, ..., 'seq_weight': 0.5, 'seq': {...}}
    tuned["ease"].report()          # config, val_ndcg@10, trials, tune_s

The validation split is `train` split again the same way as the test split (temporal80 or loo):
the test part is never seen. Each trial fits on the validation-train part and scores NDCG@10 of
up to VAL_USERS sampled validation users. SPACE lists each model's candidates, most promising
first; a model stops trying when its share of `budget_s` is spent (it always gets its first
candidate), so the budget bounds the wall time roughly, not exactly (one trial can overrun it).
The sequential model's epochs are read off one training run (validated at EPOCH_CHECKS); out of
time, its training stops at the next epoch (after at least EPOCH_CHECKS[0]).
The hybrid reuses its parts' tuned configs and searches its blend weights (BLEND_GRID) and the
history half-life on the parts' validation scores: no refit per weight, then (given product vectors) the
weight of the content score of never-bought items: the largest of COLD_WEIGHTS whose validation NDCG@10
stays within `cold_max_ndcg_loss` (Setting) of the best blend's (new products are worth showing; a
weight chosen for NDCG alone is 0, as validation users rarely buy what nobody bought before): first the highest
place of NEW_SLOTS for the new-arrival slot (recommend/blend.py) whose NDCG@10 and NDCG@20 stay within that
budget, then the largest content weight whose NDCG@10 and NDCG@20, with the slot, still do.
The debiased model keeps the tuned hybrid and takes the exposure reward (DEBIAS_REWARDS; or, for the ips and
xquad methods, the strength of DEBIAS_STRENGTHS) whose validation coverage@20 is best among those whose NDCG@10
and NDCG@20 both stay within `max_ndcg_loss` (Setting debias_max_ndcg_loss) of the hybrid's: the flow is solved
over the validation customers' lists, as the build solves it over every customer's.
budget_s 0: defaults, untuned.
Leaves out: Bayesian search, early stopping on anything but the epoch checkpoints.
"""
from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from assistant.recommend.base import Interactions, normalise_rows
from assistant.recommend.blend import cold_scores, content_match, new_arrival_slot
from assistant.recommend.ease import EASE
from assistant.recommend.evaluate import fit_input, held_out_rows, history_matrix, ranked, ranking_metrics, split
from assistant.recommend.registry import create_recommender

log = logging.getLogger(__name__)

VAL_USERS = 1500                     # validation users scored per trial (a fixed random sample)
SPACE: dict[str, list[dict]] = {
    "popularity": [{}],
    "ease": [{"l2": v} for v in (400.0, 200.0, 800.0, 100.0, 1600.0, 50.0, 3200.0)],
    "itemknn": [{"k": k, "shrink": s} for k, s in itertools.product((200, 100, 400, 50), (10.0, 0.0, 50.0))],
    "als": [{"factors": f, "regularization": r, "alpha": a, "iterations": 15}
            for f, a, r in itertools.product((64, 128), (5.0, 1.0, 20.0), (0.1, 1.0, 0.01))],
    "sequential": [{"dim": 64, "blocks": 1, "max_len": 30, "lr": 5e-3, "epochs": 30},
                   {"dim": 32, "blocks": 1, "max_len": 20, "lr": 1e-2, "epochs": 40},
                   {"dim": 64, "blocks": 2, "max_len": 50, "lr": 3e-3, "epochs": 30}],
}
EPOCH_CHECKS = (5, 10, 15, 20, 25, 30, 40)
BLEND_GRID = {"main_weight": (1.0, 0.0), "knn_weight": (0.0, 0.15, 0.3, 0.6, 1.0),
              "seq_weight": (0.0, 0.3, 0.6, 1.0, 2.0, 4.0), "pop_weight": (0.0, 0.05, 0.15)}
# main_weight 0: blends without EASE, and ItemKNN or the sequential model alone - so where one part beats every
# blend with EASE on validation, the hybrid falls back to it instead of losing to it
HALF_LIVES = (30.0, 7.0, 120.0, 3650.0)       # history half-life (days) the hybrid's parts score
SHARE = {"popularity": 0.0, "debiased": 0.2, "ease": 1.0, "itemknn": 1.0, "als": 1.0, "sequential": 3.0, "hybrid": 1.0}
PARTS = ("ease", "itemknn", "sequential")       # what the hybrid blends (tuned first when it is asked for)
COLD_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)      # hybrid: content score of never-bought items (x the best score)
NEW_SLOTS = (3, 5, 10, 15, 20)                  # hybrid: list place of the new-arrival slot, highest first
DEBIAS_REWARDS = (0.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0)   # exposure: rank steps per item
DEBIAS_STRENGTHS = {"ips": (0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2),
                    "xquad": (0.0, 0.1, 0.2, 0.3, 0.5, 0.7)}


@dataclass
class Tuned:
    """The outcome of tuning one model: its chosen config and how it scored on validation."""
    name: str
    config: dict
    val_ndcg: float | None = None
    trials: int = 0
    tune_s: float = 0.0
    model: object = field(default=None, repr=False)    # fitted on the validation-train part
    scores: np.ndarray | None = field(default=None, repr=False)   # the hybrid's validation scores

    def report(self) -> dict:
        return {"config": self.config, "val_ndcg@10": None if self.val_ndcg is None else round(self.val_ndcg, 5),
                "trials": self.trials, "tune_s": round(self.tune_s, 2)}


class Validation:
    """The validation split of a training frame, and NDCG@10 of any model on its sampled users."""

    def __init__(self, train: pd.DataFrame, how: str, items, max_users: int = VAL_USERS, seed: int = 0,
                 item_vectors: np.ndarray | None = None):
        self.item_vectors = item_vectors
        fit_part, val_part = split(train, how)
        users = val_part["user_id"].unique()
        if len(users) > max_users:
            users = np.random.default_rng(seed).choice(users, max_users, replace=False)
        self.fit_part = fit_part
        self.data = Interactions.from_frame(fit_part, item_ids=items)
        val_part = val_part[val_part["user_id"].isin(set(users))]
        self.rows, self.truth = held_out_rows(self.data, val_part)
        keep = self.rows >= 0                       # users with no validation-train purchase are skipped
        self.rows, self.truth = self.rows[keep], [t for t, k in zip(self.truth, keep) if k]
        self.seen = self.data.matrix[self.rows]
        self._histories: dict = {}

    def history(self, half_life_days: float | None) -> sp.csr_matrix:
        if half_life_days not in self._histories:
            self._histories[half_life_days] = history_matrix(self.fit_part, self.data, half_life_days)
        return self._histories[half_life_days]

    def fit(self, model):
        return model.fit(fit_input(model, self.fit_part, self.data))

    def scores(self, model, half_life_days: float | None = None) -> np.ndarray:
        """Dense scores of the validation users (history decayed by `half_life_days`, default the model's)."""
        half_life = getattr(model, "history_half_life_days", None) if half_life_days is None else half_life_days
        history = self.history(half_life)[self.rows]
        return np.concatenate([model.score(history[b:b + 512]) for b in range(0, len(self.rows), 512)] or
                              [np.zeros((0, self.data.matrix.shape[1]), np.float32)])

    def ndcg(self, scores: np.ndarray) -> float:
        return ranking_metrics(ranked(scores, self.seen, 10), self.truth, scores.shape[1])["ndcg@10"]


def tune_models(names, train: pd.DataFrame, how: str, budget_s: float, items=None,
                item_vectors: np.ndarray | None = None, max_ndcg_loss: float = 0.03,
                cold_max_ndcg_loss: float = 0.01) -> dict[str, Tuned]:
    """Tuned configs for `names` (the hybrid's parts are tuned too when it or the debiased model is asked for).
    `item_vectors`: (len(items), dim) unit product vectors for the hybrid's content score of new items."""
    if budget_s <= 0:
        return {}
    start = time.perf_counter()
    items = sorted(train["item_id"].unique()) if items is None else items
    val = Validation(train, how, items, item_vectors=item_vectors)
    parts = PARTS if len(items) <= EASE.max_items else tuple(p for p in PARTS if p != "ease")  # EASE: dense
    blended = "hybrid" in names or "debiased" in names
    order = [n for n in parts if blended and n not in names]
    order += [n for n in names if n not in ("hybrid", "debiased")]
    order += ["hybrid"] if blended else []
    order += ["debiased"] if "debiased" in names else []
    shares = {n: SHARE.get(n, 1.0) for n in order}
    tuned: dict[str, Tuned] = {}
    for i, name in enumerate(order):
        left = budget_s - (time.perf_counter() - start)
        share = left * shares[name] / max(sum(shares[n] for n in order[i:]), 1e-9)
        if name == "hybrid":
            tuned[name] = tune_hybrid(val, tuned, share, cold_max_ndcg_loss)
        elif name == "debiased":
            tuned[name] = tune_debiased(val, tuned["hybrid"], max_ndcg_loss)
        elif name == "sequential":
            tuned[name] = tune_sequential(val, share)
        else:
            tuned[name] = tune_grid(name, val, SPACE.get(name, [{}]), share)
        log.info("tuned %s in %.1fs: %s (val NDCG@10 %s)", name, tuned[name].tune_s, tuned[name].config,
                 tuned[name].val_ndcg)
    return tuned


def tune_grid(name: str, val: Validation, candidates: list[dict], budget_s: float) -> Tuned:
    """Try `candidates` in order until the budget is spent; keep the best on validation NDCG@10."""
    start = time.perf_counter()
    best = Tuned(name, {})
    for trial, config in enumerate(candidates):
        if trial and time.perf_counter() - start > budget_s:
            break
        model = val.fit(create_recommender(name, **config))
        score = val.ndcg(val.scores(model))
        best.trials += 1
        if best.val_ndcg is None or score > best.val_ndcg:
            best.config, best.val_ndcg, best.model = model.params, score, model
    best.tune_s = time.perf_counter() - start
    return best


def tune_sequential(val: Validation, budget_s: float) -> Tuned:
    """Each size trains once for its most epochs; the epoch count is the best validated checkpoint."""
    start = time.perf_counter()
    best = Tuned("sequential", {})
    for trial, config in enumerate(SPACE["sequential"]):
        if trial and time.perf_counter() - start > budget_s:
            break
        model = create_recommender("sequential", **config)
        snapshot: dict = {}

        def check(epoch: int, model=model, snapshot=snapshot) -> bool:
            out_of_time = time.perf_counter() - start > budget_s and epoch >= EPOCH_CHECKS[0]
            if epoch in EPOCH_CHECKS or epoch == config["epochs"] or out_of_time:
                score = val.ndcg(val.scores(model))
                if not snapshot or score > snapshot["score"]:
                    snapshot.update(score=score, epoch=epoch, weights=model.weights.copy())
            return out_of_time                  # stop: the best checkpoint so far stands
        model.fit(val.history(model.history_half_life_days), on_epoch=check)
        best.trials += 1
        if best.val_ndcg is None or snapshot["score"] > best.val_ndcg:
            model.restore(snapshot["weights"], snapshot["epoch"])
            best.config, best.val_ndcg, best.model = dict(model.params), snapshot["score"], model
    best.tune_s = time.perf_counter() - start
    return best


def tune_hybrid(val: Validation, parts: dict[str, Tuned], budget_s: float, cold_max_ndcg_loss: float = 0.01) -> Tuned:
    """Blend weights and history half-life on the parts' validation scores; parts keep their tuned configs."""
    start = time.perf_counter()
    large = val.data.matrix.shape[1] > EASE.max_items
    counts = np.asarray(val.data.matrix.sum(axis=0)).ravel()
    pop = (counts / max(counts.max(), 1.0))[None, :].astype(np.float32)
    best = Tuned("hybrid", {})
    for half_life in HALF_LIVES:
        if best.trials and time.perf_counter() - start > budget_s:
            break
        main = "itemknn" if large else "ease"
        s_main = normalise_rows(val.scores(parts[main].model, half_life))
        s_knn = normalise_rows(val.scores(parts["itemknn"].model, half_life))
        s_seq = normalise_rows(val.scores(parts["sequential"].model, half_life))
        for mw, kw, sw, pw in itertools.product(*BLEND_GRID.values()):
            if (large and kw) or not (mw or kw or sw):      # large: ItemKNN is the main part; nothing to rank by
                continue
            blend = mw * s_main + kw * s_knn + sw * s_seq + pw * pop
            score = val.ndcg(blend)
            best.trials += 1
            if best.val_ndcg is None or score > best.val_ndcg:
                best.val_ndcg, best.scores = score, blend
                best.config = {"main_weight": mw, "knn_weight": kw, "seq_weight": sw, "pop_weight": pw,
                               "half_life_days": half_life}
    best.config["cold_weight"], best.config["new_slot"] = 0.0, 0
    if val.item_vectors is not None and (counts == 0).any():
        unseen = counts == 0
        history = val.history(best.config["half_life_days"])[val.rows]
        match = content_match(history, val.item_vectors, np.flatnonzero(unseen))
        base, floor = best.scores, best.val_ndcg * (1 - cold_max_ndcg_loss)
        floor20 = ranking_metrics(ranked(base, val.seen), val.truth, base.shape[1])["ndcg@20"] * (1 - cold_max_ndcg_loss)
        for slot in NEW_SLOTS:                      # first the slot: the highest place within the budget
            trial = new_arrival_slot(base, val.seen, match, np.flatnonzero(unseen), slot)
            m = ranking_metrics(ranked(trial, val.seen), val.truth, trial.shape[1])
            best.trials += 1
            if m["ndcg@10"] >= floor and m["ndcg@20"] >= floor20:
                best.config["new_slot"] = slot
                break
        top = base[:, ~unseen].max(axis=1, keepdims=True)
        for cw in COLD_WEIGHTS[1:]:                 # then the content score, within what is left of it
            trial = base.copy()
            trial[:, unseen] = cold_scores(match, top, cw)
            trial = new_arrival_slot(trial, val.seen, match, np.flatnonzero(unseen), best.config["new_slot"])
            m = ranking_metrics(ranked(trial, val.seen), val.truth, trial.shape[1])
            best.trials += 1
            if m["ndcg@10"] >= floor and m["ndcg@20"] >= floor20:
                best.val_ndcg, best.scores, best.config["cold_weight"] = m["ndcg@10"], trial, cw
        if not best.config["cold_weight"] and best.config["new_slot"]:
            best.scores = new_arrival_slot(base, val.seen, match, np.flatnonzero(unseen), best.config["new_slot"])
            best.val_ndcg = val.ndcg(best.scores)
    ease, knn = parts["ease"].config if "ease" in parts else {}, parts["itemknn"].config
    best.config = {"l2": ease.get("l2", 400.0), "k": knn.get("k", 200), "shrink": knn.get("shrink", 10.0),
                   **best.config, "seq": parts["sequential"].config if best.config["seq_weight"] else {}}
    best.tune_s = time.perf_counter() - start
    return best


def tune_debiased(val: Validation, hybrid: Tuned, max_ndcg_loss: float, method: str = "exposure") -> Tuned:
    """The hybrid's config plus the debiasing parameter (exposure: reward; ips, xquad: strength) with the best
    validation coverage@20 among those whose NDCG@10 and NDCG@20 are both at least (1 - max_ndcg_loss) x the
    hybrid's (on the hybrid's validation scores; no refit)."""
    from assistant.recommend.debias import (MAX_SWAPS, apply_swaps, flow_swaps, ips, row_changes, short_head,
                                            tail_share, xquad)
    from assistant.recommend.metrics import coverage
    start = time.perf_counter()
    counts = np.asarray(val.data.matrix.sum(axis=0)).ravel()
    head = short_head(counts)
    scores = np.array(hybrid.scores, dtype=np.float64)
    scores[val.seen.nonzero()] = -np.inf
    p_tail = tail_share(val.seen, head, default=0.8)
    base = ranking_metrics(ranked(scores, val.seen), val.truth, scores.shape[1])
    floor = {k: base[k] * (1 - max_ndcg_loss) for k in ("ndcg@10", "ndcg@20")}
    best, chosen = Tuned("debiased", {}), {}
    param = "reward" if method == "exposure" else "strength"
    for value in (DEBIAS_REWARDS if method == "exposure" else DEBIAS_STRENGTHS[method]):
        if method == "exposure":
            swaps = flow_swaps(scores, value, MAX_SWAPS)
            top = ranked(apply_swaps(scores, [row_changes(swaps, r) for r in range(swaps.shape[0])]), val.seen)
        elif method == "ips":
            top = ranked(ips(scores, counts, value), val.seen)
        else:
            top = xquad(scores, head, p_tail, value)
        m = ranking_metrics(top, val.truth, scores.shape[1])
        cov = coverage(top[:, :20], scores.shape[1])
        best.trials += 1
        log.info("debiased (%s) %s %s: validation NDCG@10 %.4f, NDCG@20 %.4f, coverage@20 %.3f",
                 method, param, value, m["ndcg@10"], m["ndcg@20"], cov)
        if all(m[k] >= floor[k] for k in floor) and (not chosen or cov > chosen["coverage"]):
            best.val_ndcg, chosen = m["ndcg@10"], {param: value, "coverage": cov}
    log.info("debiased (%s): %s %s, validation coverage@20 %.3f", method, param, chosen[param], chosen["coverage"])
    best.config = {**hybrid.config, "method": method, param: chosen[param],
                   **({"max_swaps": MAX_SWAPS} if method == "exposure" else {})}
    best.tune_s = time.perf_counter() - start
    return best
