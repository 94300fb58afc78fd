"""Privacy for insight answers: k-anonymity suppression and optional Laplace noise on counts.

    rows, suppressed = suppress_small_groups(rows, k=10)   # groups of fewer than k customers: values hidden
    rows = add_laplace_noise(rows, ["customers"], epsilon=1.0, seed=0)
"""
from __future__ import annotations

import numpy as np


def suppress_small_groups(rows: list[dict], k: int, count_key: str = "customers") -> tuple[list[dict], int]:
    """Hide every value of a row describing fewer than `k` customers (the group label stays, marked)."""
    out, hidden = [], 0
    for row in rows:
        if row.get(count_key) is not None and row[count_key] < k:
            hidden += row[count_key] > 0      # a group with no purchasing customer hides no one
            out.append({key: (value if not isinstance(value, (int, float)) or isinstance(value, bool) else None)
                        for key, value in row.items()} | {"suppressed": True})
        else:
            out.append(dict(row))
    return out, hidden


def add_laplace_noise(rows: list[dict], keys: list[str], epsilon: float, seed: int | None = None) -> list[dict]:
    """Add Laplace(1/epsilon) noise to count columns (sensitivity 1), rounded, never below 0."""
    rng = np.random.default_rng(seed)
    out = []
    for row in rows:
        row = dict(row)
        for key in keys:
            if isinstance(row.get(key), (int, float)) and not row.get("suppressed"):
                row[key] = max(0, int(round(row[key] + rng.laplace(0, 1.0 / epsilon))))
        out.append(row)
    return out
