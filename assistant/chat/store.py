"""App state in SQLite: conversations and their memory, messages, feedback and hand-off tickets.

    store = Store(Path("var/assistant.db"))
    conv = store.conversation(None, user_id="12347", role="shopper")     # new id when None
    store.add_message(conv, "user", "where is my order?", intent="order")
    store.add_feedback(conv, message_id, "up", strategy="hybrid")
    ticket = store.open_ticket(conv, "12347", "customer asked for a person", text)

Everything written here passes through `redact` first: no emails, phone or card numbers in the logs.
Safe for concurrent use from the app's worker threads (one connection per thread, WAL mode).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

from assistant.privacy import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, user_id TEXT, role TEXT, created TEXT,
                                          memory TEXT DEFAULT '{}');
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, sender TEXT,
                                     text TEXT, intent TEXT, strategy TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, message_id INTEGER,
                                     kind TEXT, item_id TEXT, strategy TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT, user_id TEXT,
                                    reason TEXT, text TEXT, status TEXT DEFAULT 'open', created TEXT);
"""
FEEDBACK_KINDS = ("up", "down", "add_to_cart")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def conversation(self, conversation_id: str | None, user_id: str | None, role: str) -> str:
        """Existing conversation of this user, or a new one. Another user's id starts a new conversation."""
        db = self._db()
        if conversation_id:
            row = db.execute("SELECT user_id, role FROM conversations WHERE id=?", (conversation_id,)).fetchone()
            if row is not None and row["user_id"] == (user_id or "") and row["role"] == role:
                return conversation_id
        new_id = uuid.uuid4().hex[:16]
        db.execute("INSERT INTO conversations (id, user_id, role, created) VALUES (?,?,?,?)",
                   (new_id, user_id or "", role, now()))
        return new_id

    def memory(self, conversation_id: str) -> dict:
        row = self._db().execute("SELECT memory FROM conversations WHERE id=?", (conversation_id,)).fetchone()
        return json.loads(row["memory"]) if row else {}

    def save_memory(self, conversation_id: str, memory: dict) -> None:
        self._db().execute("UPDATE conversations SET memory=? WHERE id=?",
                           (json.dumps(memory, ensure_ascii=False), conversation_id))

    def add_message(self, conversation_id: str, sender: str, text: str, intent: str = "",
                    strategy: str = "") -> int:
        cur = self._db().execute(
            "INSERT INTO messages (conversation_id, sender, text, intent, strategy, created) VALUES (?,?,?,?,?,?)",
            (conversation_id, sender, redact(text), intent, strategy, now()))
        return int(cur.lastrowid)

    def add_feedback(self, conversation_id: str, message_id: int | None, kind: str, item_id: str = "",
                     strategy: str = "") -> int:
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"feedback kind must be one of {FEEDBACK_KINDS}, got {kind!r}")
        cur = self._db().execute(
            "INSERT INTO feedback (conversation_id, message_id, kind, item_id, strategy, created) VALUES (?,?,?,?,?,?)",
            (conversation_id, message_id, kind, item_id, strategy, now()))
        return int(cur.lastrowid)

    def open_ticket(self, conversation_id: str, user_id: str | None, reason: str, text: str) -> int:
        cur = self._db().execute(
            "INSERT INTO tickets (conversation_id, user_id, reason, text, created) VALUES (?,?,?,?,?)",
            (conversation_id, user_id or "", reason, redact(text), now()))
        return int(cur.lastrowid)

    def rows(self, table: str, where: str = "", params: tuple = ()) -> list[dict]:
        """Read back a table (for tests, the staff dashboard and A/B analysis)."""
        if table not in ("conversations", "messages", "feedback", "tickets"):
            raise ValueError(f"unknown table {table!r}")
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "") + " ORDER BY rowid"
        return [dict(r) for r in self._db().execute(sql, params).fetchall()]
