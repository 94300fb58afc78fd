"""Privacy on the ground floor: PII redaction for anything stored, k-anonymity and Laplace noise for counts.

    redact("mail me at a@b.com or 07700 900123")            # 'mail me at [email] or [phone]'
    rows, suppressed = suppress_small_groups(rows, k=10)   # groups of fewer than k customers: values hidden
    rows = add_laplace_noise(rows, ["customers"], epsilon=1.0, seed=0)

Imports nothing of the package, so the store (logs), the chat guard and the insight answers can all use it.
"""
from __future__ import annotations

import re

import numpy as np

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
PHONE = re.compile(r"(?<![\w£$€.])(?:\+\d{1,3}[ -]?)?(?:\(?\d{2,5}\)?[ -]?){2,4}\d{3,4}(?![\w.])")


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def redact(text: str) -> str:
    """Replace e-mail addresses, card numbers (Luhn-valid, 13-19 digits) and phone numbers."""
    text = EMAIL.sub("[email]", text)
    text = CARD.sub(lambda m: "[card]" if _luhn(re.sub(r"\D", "", m.group())) else m.group(), text)
    return PHONE.sub(lambda m: "[phone]" if len(re.sub(r"\D", "", m.group())) >= 9 else m.group(), text)


def suppress_small_groups(rows: list[dict], k: int, count_key: str = "customers") -> tuple[list[dict], int]:
    """Hide every value of a row describing fewer than `k` customers (the group label stays, marked)."""
    out, hidden = [], 0
    for row in rows:
        if row.get(count_key) is not None and row[count_key] < k:
            hidden += 1
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
