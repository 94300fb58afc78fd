"""Aggregate diversity by a min-cost flow over everyone's lists (Antikacioglu & Ravi 2017).

    ranks = rank_matrix(scores)                          # (users, items) 0-based rank of each item per user
    flow = exposure_flow(ranks, size=20, reward=200, max_swaps=5)
    flow.rows, flow.items                                # the chosen (user, item) pairs: `size` per user
    flow.covered                                         # items recommended to at least one user

Antikacioglu & Ravi (2017, "Post processing recommender systems for diversity", KDD) pick each customer's
list of `size` items from their candidates so that as many items as possible are recommended to someone, at
the least cost in rank; they solve it exactly as a min-cost flow. Here, as a linear program over the bipartite
graph (its constraint matrix is a network matrix, so the optimum is integral):

    source -> customer u: exactly `size` units (fewer if fewer items are allowed);  u -> item i (i in u's base top-`size`): cost rank(u, i)
    u -> u' (at most `max_swaps` units) -> item i (i below u's top-`size`): cost rank(u, i)
    item i -> sink: one unit at cost -reward (the first exposure of i), any more at cost 0.

So a customer gives up their k-th best item for one ranked r only when that uncovers an item worth `reward`
rank steps more than r - k costs: `reward` 0 keeps every base list; large values show (almost) every item to
the one customer who ranks it highest. No customer loses more than `max_swaps` of their `size` items (the
per-user cost is bounded). Candidates: each customer's top CANDIDATES and, per item, the PER_ITEM customers
who rank it highest (so items nobody has in a top 100 can still be reached).

Online, one customer at a time, there is no batch to solve: recommend/debias.py solves the flow once over
every known customer (at fit; the build does it for the whole shop) and keeps each customer's swapped-in
items, which the live ranker then reads (no running exposure count is needed; customers the flow has not
seen get the base list). LP duals (item prices) were tried as a stateless online rule: they are degenerate
here (integer costs, many ties) and reproduced only 0.72 of the flow's 1.0 validation coverage.
Leaves out: exposure targets above one per item (A&R's discrepancy objective), re-solving as traffic comes in.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

log = logging.getLogger(__name__)

CANDIDATES = 100        # each customer's base top-N the flow may choose from
PER_ITEM = 10           # ... plus, per item, the customers who rank it highest


def rank_matrix(scores: np.ndarray) -> np.ndarray:
    """(rows, items) int32 0-based rank of each item in its row by descending score (-inf last, ties by index)."""
    scores = np.asarray(scores, np.float64)
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty(scores.shape, np.int32)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1], dtype=np.int32)[None, :], 1)
    return ranks


@dataclass
class Flow:
    """The flow's outcome: the chosen (row, item) pairs, the LP objective, the items covered."""
    rows: np.ndarray
    items: np.ndarray
    objective: float
    covered: int


def candidate_edges(ranks: np.ndarray, allowed: np.ndarray, candidates: int = CANDIDATES,
                    per_item: int = PER_ITEM) -> tuple[np.ndarray, np.ndarray]:
    """(rows, items) of the edges the flow may use: each row's top `candidates` allowed items and each item's
    `per_item` best-ranking rows (allowed = finite base score: not bought, not filtered)."""
    n_rows, n_items = ranks.shape
    masked = np.where(allowed, ranks, np.iinfo(np.int32).max)
    top = min(candidates, n_items)
    user_side = sp.coo_matrix((np.ones(n_rows * top, bool),
                               (np.repeat(np.arange(n_rows), top),
                                np.argpartition(masked, top - 1, axis=1)[:, :top].ravel())), shape=ranks.shape)
    m = min(per_item, n_rows)
    best_rows = np.argpartition(masked, m - 1, axis=0)[:m]              # (m, items)
    item_side = sp.coo_matrix((np.ones(m * n_items, bool), (best_rows.ravel(), np.tile(np.arange(n_items), m))),
                              shape=ranks.shape)
    edges = (user_side.tocsr() + item_side.tocsr()).tocoo()
    keep = allowed[edges.row, edges.col]
    return edges.row[keep].astype(np.int64), edges.col[keep].astype(np.int64)


def exposure_flow(ranks: np.ndarray, size: int, reward: float, max_swaps: int,
                  allowed: np.ndarray | None = None, candidates: int = CANDIDATES, per_item: int = PER_ITEM) -> Flow:
    """Solve the flow of the module docstring on `ranks` (rows, items) with HiGHS; see Flow."""
    n_rows, n_items = ranks.shape
    allowed = np.ones(ranks.shape, bool) if allowed is None else allowed
    rows, items = candidate_edges(ranks, allowed, candidates, per_item)
    r = ranks[rows, items].astype(np.float64)
    head = r < size
    n_edges = len(rows)
    # variables: x (edges), t (rows: flow u -> u'), y (items: first exposure)
    cost = np.concatenate([r, np.zeros(n_rows), np.full(n_items, -float(reward))])
    t_col, y_col = n_edges + np.arange(n_rows), n_edges + n_rows + np.arange(n_items)
    e = np.arange(n_edges)
    # equalities: head_u: sum head x + t_u = size; tail_u: sum tail x - t_u = 0
    eq_r = np.concatenate([np.where(head, rows, n_rows + rows), np.arange(n_rows), n_rows + np.arange(n_rows)])
    eq_c = np.concatenate([e, t_col, t_col])
    eq_v = np.concatenate([np.ones(n_edges), np.ones(n_rows), -np.ones(n_rows)])
    a_eq = sp.csr_matrix((eq_v, (eq_r, eq_c)), shape=(2 * n_rows, len(cost)))
    supply = np.bincount(rows[head], minlength=n_rows).astype(np.float64)   # size, or fewer allowed items
    b_eq = np.concatenate([supply, np.zeros(n_rows)])
    # inequalities: y_i - sum_u x_ui <= 0
    ub_r = np.concatenate([items, np.arange(n_items)])
    ub_c = np.concatenate([e, y_col])
    ub_v = np.concatenate([-np.ones(n_edges), np.ones(n_items)])
    a_ub = sp.csr_matrix((ub_v, (ub_r, ub_c)), shape=(n_items, len(cost)))
    bounds = np.zeros((len(cost), 2))
    bounds[:, 1] = 1.0
    bounds[t_col, 1] = max_swaps
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(n_items), A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                  method="highs-ds")
    if res.status != 0:
        raise RuntimeError(f"exposure flow: the LP solver failed ({res.message})")
    x = res.x[:n_edges] > 0.5
    if np.any(np.abs(res.x[:n_edges] - np.round(res.x[:n_edges])) > 1e-6):
        log.warning("exposure flow: fractional LP solution (rounded)")
    covered = int((np.bincount(items[x], minlength=n_items) > 0).sum())
    return Flow(rows[x], items[x], float(res.fun), covered)
