"""Milliseconds since a perf_counter start: the one way timings are measured and rounded.

    start = time.perf_counter()
    ...
    timings["facts_ms"] = ms_since(start)       # e.g. 12.3
"""
from __future__ import annotations

import time


def ms_since(start: float, digits: int = 1) -> float:
    """Wall time since `start` (a time.perf_counter() value) in milliseconds, rounded to `digits`."""
    return round((time.perf_counter() - start) * 1000, digits)
