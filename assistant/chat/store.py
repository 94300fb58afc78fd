"""App state in SQLite: conversations and their memory, messages, feedback, hand-off tickets, staff audit, exports.

    store = Store(Path("var/assistant.db"))
    conv = store.conversation(None, user_id="12347", role="shopper")     # new id when None
    store.add_message(conv, "user", "where is my order?", intent="order")
    store.add_message(conv, "assistant", text, "product_search", "hybrid", cards=5, llm=True)
    store.add_feedback(conv, message_id, "up", strategy="hybrid")
    store.arm_log()          # one row per shopper conversation: its A/B arm, answers, cards, LLM answers, feedback
    ticket = store.open_ticket(conv, "12347", "customer asked for a person", text)
    store.audit_staff("session-1", parsed_query, rows=7, epsilon=0.0)    # who asked what, no customer data
    store.log_export("at risk", rows=412, path="at-risk.csv")

One write path: every INSERT/UPDATE goes through `_write`, which passes every text value (and every string
inside the JSON memory) through `privacy.redact` - no e-mail, phone, card number or IBAN is ever stored.
Safe for concurrent use from the app's worker threads (one connection per thread, WAL mode).
"""
from __future__ import annotations

import json
import re
import sqlite3
import secrets
import string
import threading
from datetime import datetime, timezone
from pathlib import Path

from assistant.privacy import redact, redact_value

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, user_id TEXT, role TEXT, created TEXT,
                                          memory TEXT DEFAULT '{}');
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, sender TEXT,
                                     text TEXT, intent TEXT, strategy TEXT, created TEXT,
                                     cards INTEGER DEFAULT 0, llm INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, message_id INTEGER,
                                     kind TEXT, item_id TEXT, strategy TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, user_id TEXT,
                                    reason TEXT, text TEXT, status TEXT DEFAULT 'open', created TEXT);
CREATE TABLE IF NOT EXISTS staff_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT, parsed_query TEXT,
                                        rows INTEGER, epsilon REAL, outcome TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS exports (id INTEGER PRIMARY KEY AUTOINCREMENT, segment TEXT, rows INTEGER, path TEXT,
                                    created TEXT);
"""
TABLES = ("conversations", "messages", "feedback", "tickets", "staff_audit", "exports")
FEEDBACK_KINDS = ("up", "down", "add_to_cart")
ADDED_COLUMNS = {"messages": (("cards", "INTEGER DEFAULT 0"), ("llm", "INTEGER DEFAULT 0"))}  # for older databases
ARM_LOG = """
SELECT m.conversation_id, m.arm, m.answers, m.cards, m.llm_answers, COALESCE(f.add_to_cart, 0) AS add_to_cart,
       COALESCE(f.thumbs_up, 0) AS thumbs_up, COALESCE(f.thumbs_down, 0) AS thumbs_down
FROM (SELECT conversation_id, strategy AS arm, SUM(sender = 'assistant') AS answers, SUM(cards) AS cards,
             SUM(llm) AS llm_answers, MIN(id) AS first FROM messages WHERE strategy != ''
      GROUP BY conversation_id, strategy) m
JOIN conversations c ON c.id = m.conversation_id
LEFT JOIN (SELECT conversation_id, SUM(kind = 'add_to_cart') AS add_to_cart, SUM(kind = 'up') AS thumbs_up,
                  SUM(kind = 'down') AS thumbs_down FROM feedback GROUP BY conversation_id) f
       ON f.conversation_id = m.conversation_id
WHERE c.role = 'shopper'
ORDER BY m.first
"""


class _JsonText(str):
    """A dict to store as JSON: its strings are redacted one by one (redacting the JSON text could break it)."""

    def __new__(cls, value: dict):
        return super().__new__(cls, json.dumps(redact_value(value), ensure_ascii=False, sort_keys=True))


class _Key(str):
    """An identifier or enum value (conversation / user / item id, intent, strategy, time): stored as it is when it
    looks like one and redaction would not change it, redacted like free text otherwise (a user id typed as an
    e-mail or a card number is still PII). Ids this store makes are letters only, so redaction never touches them."""


KEY = re.compile(r"[A-Za-z0-9_.:+-]{0,64}")


def _clean(value):
    if not isinstance(value, str) or isinstance(value, _JsonText):
        return value
    if isinstance(value, _Key) and KEY.fullmatch(value) and redact(value) == value:
        return str(value)
    return redact(value)


def new_id(n: int = 16) -> str:
    """A random id of lowercase letters (26^16 ~ 4e22 values): no digits, so no PII pattern can match it."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def _keys(*values) -> tuple:
    return tuple(_Key(v) if isinstance(v, str) else v for v in values)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)
            for table, columns in ADDED_COLUMNS.items():
                have = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns:
                    if name not in have:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def _write(self, sql: str, params: tuple) -> sqlite3.Cursor:
        """The one write path: every text parameter is redacted before it reaches the database (identifiers marked
        with _keys only if they look like identifiers; JSON via _JsonText, string by string)."""
        return self._db().execute(sql, tuple(_clean(p) for p in params))

    def conversation(self, conversation_id: str | None, user_id: str | None, role: str) -> str:
        """Existing conversation of this user, or a new one. Another user's id starts a new conversation."""
        db = self._db()
        if conversation_id:
            row = db.execute("SELECT user_id, role FROM conversations WHERE id=?", (conversation_id,)).fetchone()
            if row is not None and row["user_id"] == _clean(_Key(user_id or "")) and row["role"] == role:
                return conversation_id
        conv = new_id()
        self._write("INSERT INTO conversations (id, user_id, role, created) VALUES (?,?,?,?)",
                    _keys(conv, user_id or "", role, now()))
        return conv

    def memory(self, conversation_id: str) -> dict:
        row = self._db().execute("SELECT memory FROM conversations WHERE id=?", (conversation_id,)).fetchone()
        return json.loads(row["memory"]) if row else {}

    def save_memory(self, conversation_id: str, memory: dict) -> None:
        self._write("UPDATE conversations SET memory=? WHERE id=?", (_JsonText(memory), _Key(conversation_id)))

    def add_message(self, conversation_id: str, sender: str, text: str, intent: str = "",
                    strategy: str = "", cards: int = 0, llm: bool = False) -> int:
        """One message; for an answer, how many product cards it showed and whether LLM text was shown."""
        cur = self._write(
            "INSERT INTO messages (conversation_id, sender, text, intent, strategy, created, cards, llm) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (*_keys(conversation_id, sender), text, *_keys(intent, strategy, now()), int(cards), int(bool(llm))))
        return int(cur.lastrowid)

    def add_feedback(self, conversation_id: str, message_id: int | None, kind: str, item_id: str = "",
                     strategy: str = "") -> int:
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"feedback kind must be one of {FEEDBACK_KINDS}, got {kind!r}")
        cur = self._write(
            "INSERT INTO feedback (conversation_id, message_id, kind, item_id, strategy, created) VALUES (?,?,?,?,?,?)",
            _keys(conversation_id, message_id, kind, item_id, strategy, now()))
        return int(cur.lastrowid)

    def open_ticket(self, conversation_id: str, user_id: str | None, reason: str, text: str) -> int:
        cur = self._write(
            "INSERT INTO tickets (conversation_id, user_id, reason, text, created) VALUES (?,?,?,?,?)",
            (*_keys(conversation_id, user_id or ""), reason, text, _Key(now())))
        return int(cur.lastrowid)

    def audit_staff(self, session: str, parsed_query: dict | None, rows: int, epsilon: float = 0.0,
                    outcome: str = "answered") -> int:
        """Record one staff question: when, the parsed query (never the rows themselves), how many rows."""
        cur = self._write(
            "INSERT INTO staff_audit (session, parsed_query, rows, epsilon, outcome, created) VALUES (?,?,?,?,?,?)",
            (_Key(session), _JsonText(parsed_query or {}), int(rows), float(epsilon), outcome, _Key(now())))
        return int(cur.lastrowid)

    def log_export(self, segment: str, rows: int, path: str) -> int:
        """Record one audience export: which segment, how many customers, where (never the ids)."""
        cur = self._write("INSERT INTO exports (segment, rows, path, created) VALUES (?,?,?,?)",
                          (segment, int(rows), str(path), _Key(now())))
        return int(cur.lastrowid)

    def arm_log(self) -> list[dict]:
        """Per shopper conversation: conversation_id, arm, answers, cards, llm_answers, add_to_cart, thumbs_up,
        thumbs_down (what experiments/report.py analyses; no text, no user id)."""
        return [dict(r) for r in self._db().execute(ARM_LOG).fetchall()]

    def rows(self, table: str, where: str = "", params: tuple = ()) -> list[dict]:
        """Read back a table (for tests, the staff dashboard and A/B analysis)."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "") + " ORDER BY rowid"
        return [dict(r) for r in self._db().execute(sql, params).fetchall()]
