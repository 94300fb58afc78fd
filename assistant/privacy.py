"""Privacy on the ground floor: PII redaction for anything stored or logged, k-anonymity, differential privacy.

    redact("mail me at a@b.com or 07700 900123")            # 'mail me at [email] or [phone]'
    redact_value({"turns": [{"user": "IBAN GB82 WEST 1234 5698 7654 32"}]})   # every string inside, redacted
    install_log_redaction()                                  # every log record (and traceback) redacted from now on
    rows, suppressed = suppress_small_groups(rows, k=10)   # groups of fewer than k customers: values hidden
    rows = add_laplace_noise(rows, {"customers": 1.0, "revenue": 500.0}, epsilon=0.5)
    budget = PrivacyBudget(total=3.0); budget.spend(0.5)   # BudgetExhausted once 3.0 is used up

Redaction replaces e-mail addresses, IBANs, card-like numbers (13-19 digits, with or without spaces or dashes;
Luhn-valid -> [card], others -> [number]) and phone numbers (9+ digits). Shop numbers stay: order numbers
(536365, C536379), product codes (85123A), prices. It works inside Chinese text too (no \\b, which treats
Chinese characters as word characters).

Differential privacy (off unless Settings.dp_epsilon > 0): each noisy figure gets Laplace(sensitivity / epsilon)
noise, where sensitivity is how much one customer can change it (1 for a count of customers or orders-as-counted,
a cap in money for a sum of revenue). One answer spends `epsilon` once per noisy column; a staff session may spend
at most `dp_session_budget` in total, after which it gets no more figures. Smaller epsilon = more noise = more
privacy: with epsilon = 0.5 a count is typically off by about 2 (the noise's scale), and whether any single
customer is in the data changes the probability of any answer by at most a factor e^0.5 = 1.65.
Limits: the guarantee per group holds for groupings where each customer is in one group (segment, cluster,
country); a customer buying in several categories or months appears in several groups, so there the real
cost is epsilon times that number of groups. Averages and rates are not noised (they are computed from exact
counts); the revenue cap is an assumption about one customer's spend, not enforced by clipping.

Imports nothing of the package, so the store, the chat guard and the insight answers can all use it.
"""
from __future__ import annotations

import logging
import re
import threading

import numpy as np

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z_£$€.])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# IBAN: country code, check digits, 11-30 letters/digits, usually grouped by four
IBAN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,4})?"
                  + _NOT_ALNUM_AFTER)
CARD = re.compile(_NOT_ALNUM_BEFORE + r"(?:\d[ -]?){12,18}\d(?![0-9A-Za-z]|[.,]\d)")
PHONE = re.compile(_NOT_ALNUM_BEFORE + r"(?:\+\d{1,3}[ -]?)?(?:\(?\d{2,5}\)?[ -]?){2,4}\d{3,4}(?![0-9A-Za-z]|[.,]\d)"
                   + r"|" + _NOT_ALNUM_BEFORE + r"\+?\d{9,15}" + _NOT_ALNUM_AFTER)
PLACEHOLDERS = ("[email]", "[iban]", "[card]", "[number]", "[phone]")


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban(match: re.Match) -> str:
    compact = re.sub(r"[ -]", "", match.group())
    return "[iban]" if 15 <= len(compact) <= 34 and re.search(r"\d{4}", compact[4:]) else match.group()


def redact(text: str) -> str:
    """Replace e-mail addresses, IBANs, card-like numbers and phone numbers (see module docstring)."""
    if not text:
        return text
    text = EMAIL.sub("[email]", text)
    text = IBAN.sub(_iban, text)
    text = CARD.sub(lambda m: "[card]" if _luhn(re.sub(r"\D", "", m.group())) else "[number]", text)
    return PHONE.sub(lambda m: "[phone]" if len(re.sub(r"\D", "", m.group())) >= 9 else m.group(), text)


def redact_value(value):
    """`redact` applied to every string inside nested dicts / lists / tuples (keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    return value


# ---------------------------------------------------------------- logs
_log_lock = threading.Lock()
_installed = False


def install_log_redaction() -> None:
    """Redact every log record from now on: message, arguments and traceback text (idempotent).

    Done in the record factory, so it covers every logger and handler, including third-party ones."""
    global _installed
    with _log_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except (TypeError, ValueError):       # bad %-args: keep the raw template, redacted
                message = str(record.msg)
            record.msg, record.args = redact(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


# ---------------------------------------------------------------- k-anonymity
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


# ---------------------------------------------------------------- differential privacy
class BudgetExhausted(Exception):
    """A staff session has spent its whole epsilon budget; it gets no more noisy figures."""


class PrivacyBudget:
    """The epsilon one staff session may spend in total (sequential composition: costs add up).

    Plain data (no lock) so that a UI session state can copy it; one session asks one question at a time."""

    def __init__(self, total: float, spent: float = 0.0):
        if total <= 0:
            raise ValueError(f"privacy budget must be > 0, got {total}")
        self.total = float(total)
        self.spent = float(spent)

    @property
    def left(self) -> float:
        return max(0.0, self.total - self.spent)

    def spend(self, epsilon: float) -> float:
        """Charge `epsilon`; raises BudgetExhausted (and charges nothing) if it would exceed the total."""
        if self.spent + epsilon > self.total + 1e-9:
            raise BudgetExhausted(f"privacy budget used up ({self.spent:g} of {self.total:g} spent)")
        self.spent += epsilon
        return epsilon


def add_laplace_noise(rows: list[dict], keys: list[str] | dict[str, float], epsilon: float,
                      seed: int | None = None) -> list[dict]:
    """Add Laplace(sensitivity/epsilon) noise to the `keys` columns, never below 0.

    `keys`: column names (sensitivity 1: counts) or {column: sensitivity} (e.g. a revenue cap per customer).
    Integer columns stay integers; suppressed rows stay hidden."""
    if epsilon <= 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    sensitivity = dict.fromkeys(keys, 1.0) if not isinstance(keys, dict) else dict(keys)
    rng = np.random.default_rng(seed)
    out = []
    for row in rows:
        row = dict(row)
        for key, sens in sensitivity.items():
            value = row.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not row.get("suppressed"):
                noisy = max(0.0, value + rng.laplace(0, sens / epsilon))
                row[key] = int(round(noisy)) if isinstance(value, int) else round(noisy, 2)
        out.append(row)
    return out
