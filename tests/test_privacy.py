"""Privacy on the ground floor: redaction (text, nested values, logs), the store's one write path, k-anonymity,
Laplace noise and its budget, staff passwords and back-off. No index needed: fast."""
from __future__ import annotations

import io
import logging
import os
import sqlite3
import stat

import numpy as np
import pytest

from assistant.access import HASH_FILE, StaffAccess
from assistant.config import Settings
from assistant.privacy import (BudgetExhausted, PrivacyBudget, add_laplace_noise, install_log_redaction, redact,
                               redact_value, suppress_small_groups)
from assistant.chat.store import Store

EMAILS = ["jane.doe@example.com", "j.smith+shop@mail.co.uk"]
PHONES = ["07700 900123", "+44 7700 900456", "+1-202-555-0143", "(020) 7946 0018", "13812345678"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", "3782 822463 10005"]
IBANS = ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR14 2004 1010 0505 0001 3M02 606"]
ALL = EMAILS + PHONES + CARDS + IBANS


@pytest.mark.parametrize("value,mark", [(v, "[email]") for v in EMAILS] + [(v, "[phone]") for v in PHONES]
                         + [(v, "[card]") for v in CARDS] + [(v, "[iban]") for v in IBANS])
def test_redact_each_kind_in_english_and_chinese(value, mark):
    assert redact(f"my details: {value}, thanks") == f"my details: {mark}, thanks"
    assert redact(f"我的信息是{value}，谢谢") == f"我的信息是{mark}，谢谢"     # no \b inside Chinese text


def test_redact_keeps_shop_numbers():
    text = "order 536365 and C536379, item 85123A at £12.50, 3 items, delivered 2011-12-09 10:30, call in 30 days"
    assert redact(text) == text
    assert redact("card 4111 1111 1111 1112") == "card [number]"    # not Luhn-valid: still never stored
    assert redact("") == "" and redact("score 0.1234567890123456") == "score 0.1234567890123456"


def test_redact_value_walks_nested_structures():
    value = {"turns": [{"user": "mail jane.doe@example.com", "n": 3}], "jane.doe@example.com": ("07700 900123",)}
    assert redact_value(value) == {"turns": [{"user": "mail [email]", "n": 3}], "[email]": ("[phone]",)}


def test_log_records_and_tracebacks_are_redacted():
    install_log_redaction()
    install_log_redaction()                      # idempotent
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("test_privacy.logs")
    logger.addHandler(handler)
    try:
        logger.warning("customer %s paid with %s", EMAILS[0], CARDS[1])
        try:
            raise ValueError(f"bad IBAN {IBANS[0]}")
        except ValueError:
            logger.exception("failed for %s", PHONES[0])
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "customer [email] paid with [card]" in text and "bad IBAN [iban]" in text and "failed for [phone]" in text
    assert not any(v in text for v in ALL)


def scan(folder, values) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {v}" for v in values if v.encode() in data or v.replace(" ", "").encode() in data]
    return found


def test_store_has_one_redacting_write_path(tmp_path):
    store = Store(tmp_path / "state" / "assistant.db")
    conv = store.conversation(None, "12347", "shopper")
    for value in ALL:
        store.add_message(conv, "user", f"my details are {value}")
        store.save_memory(conv, {"turns": [{"user": f"please use {value}"}], "filters": {"max_price": 10.0},
                                 "shown": [{"item_id": "85123A", "price": 2.55, "score": 0.1234567890123456}]})
        store.open_ticket(conv, "12347", "customer asked for a person", f"call me on {value}")
        store.add_feedback(conv, None, "add_to_cart", item_id=value)
        store.audit_staff("sess-1", {"metric": "revenue", "product": value}, rows=3)
        store.log_export(f"segment {value}", rows=12, path=f"/tmp/{value}.csv")
    store.conversation(None, EMAILS[0], "shopper")                                  # a user id typed as an e-mail
    assert scan(tmp_path, ALL) == []
    with sqlite3.connect(tmp_path / "state" / "assistant.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%'")]
        cells = " ".join(str(c) for t in tables for row in db.execute(f"SELECT * FROM {t}") for c in row)
    assert len(tables) == 6 and not any(v in cells for v in ALL)
    memory = store.memory(conv)
    assert memory["turns"][0]["user"] == "please use [iban]" and memory["shown"][0]["score"] == 0.1234567890123456
    assert store.rows("tickets")[0]["text"] == "call me on [email]" and store.rows("tickets")[0]["user_id"] == "12347"


def test_store_ids_survive_redaction(tmp_path):
    store = Store(tmp_path / "a.db")
    ids = {store.conversation(None, None, "shopper") for _ in range(200)}
    assert len(ids) == 200 and all(i.isalpha() and redact(i) == i for i in ids)    # letters only: never redacted
    assert redact("ab12cdef34567890") == "[iban]"      # why hex ids (uuid) would not do
    conv = store.conversation(None, "13812345678", "shopper")       # a customer id that looks like a phone number
    assert store.conversation(conv, "13812345678", "shopper") == conv and store.rows("conversations")[-1]["user_id"] \
        == "[phone]"
    store.add_feedback(conv, None, "up", item_id="85123A")
    assert store.rows("feedback")[0]["item_id"] == "85123A"


def test_suppress_small_groups():
    rows, hidden = suppress_small_groups([{"g": "a", "customers": 9, "revenue": 9.5},
                                          {"g": "b", "customers": 10, "revenue": 99.0}], k=10)
    assert hidden == 1 and rows == [{"g": "a", "customers": None, "revenue": None, "suppressed": True},
                                    {"g": "b", "customers": 10, "revenue": 99.0}]


def test_laplace_noise_scale_is_sensitivity_over_epsilon():
    rows = [{"customers": 1000, "revenue": 50_000.0}] * 4000
    noisy = add_laplace_noise(rows, {"customers": 1.0, "revenue": 100.0}, epsilon=0.5, seed=0)
    customers = np.array([r["customers"] for r in noisy])
    revenue = np.array([r["revenue"] for r in noisy])
    assert customers.dtype.kind == "i" and isinstance(noisy[0]["revenue"], float)
    assert abs(np.mean(np.abs(customers - 1000)) - 2.0) < 0.15          # E|Laplace(b)| = b = 1 / 0.5
    assert abs(np.mean(np.abs(revenue - 50_000)) - 200.0) < 12          # b = 100 / 0.5
    assert add_laplace_noise([{"customers": 3, "suppressed": True}], ["customers"], 1.0) == \
        [{"customers": 3, "suppressed": True}]
    with pytest.raises(ValueError, match="epsilon"):
        add_laplace_noise(rows, ["customers"], epsilon=0)


def test_privacy_budget_adds_up_and_refuses_beyond_total():
    budget = PrivacyBudget(1.0)
    assert budget.spend(0.5) == 0.5 and budget.spend(0.5) == 0.5 and budget.left == 0.0
    with pytest.raises(BudgetExhausted, match="1 of 1 spent"):
        budget.spend(0.1)
    assert budget.spent == 1.0 and PrivacyBudget(3.0, spent=2.5).left == 0.5
    with pytest.raises(ValueError):
        PrivacyBudget(0)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_staff_access_backs_off_after_failures():
    clock = Clock()
    access = StaffAccess.from_password("right", max_failures=3, lockout_s=30, clock=clock)
    assert access.check("right").ok and not access.check("").ok and not access.check(None).ok
    third = access.check("wrong")                              # third failure in a row: locked for 30 s
    assert not third.ok and third.wait_s == 30
    locked = access.check("right")                             # even the right password waits
    assert not locked.ok and "try again in 30 s" in locked.message
    clock.now += 31
    assert not access.check("wrong").ok and access.check("right").message.startswith("Too many")   # now 60 s
    clock.now += 61
    assert access.check("right").ok                            # success resets the counter
    assert access.check("wrong").message == "Wrong password."


def test_staff_password_generated_once_hashed_and_configured_one_wins(tmp_path):
    settings = Settings.load(state_db=tmp_path / "var" / "assistant.db", staff_password="")
    shown: list[str] = []
    access = StaffAccess.from_settings(settings, announce=shown.append)
    assert len(shown) == 1
    password = shown[0].rsplit(": ", 1)[1]
    path = tmp_path / "var" / HASH_FILE
    assert len(password) >= 16 and password not in path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = StaffAccess.from_settings(settings, announce=shown.append)   # second start: hash reused, nothing shown
    assert len(shown) == 1 and again.check(password).ok and access.check(password).ok
    assert not again.check("staff-demo").ok                              # no shipped default
    configured = StaffAccess.from_settings(Settings.load(state_db=settings.state_db, staff_password="s3cret"))
    assert configured.check("s3cret").ok and not configured.check(password).ok
    path.write_text("garbage")
    with pytest.raises(ValueError, match=HASH_FILE):
        StaffAccess.from_settings(settings)


def test_settings_have_no_usable_default_password_and_dp_off():
    defaults = Settings()
    assert defaults.staff_password == "" and defaults.dp_epsilon == 0.0 and defaults.k_anonymity == 10
