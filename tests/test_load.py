"""Load: 20 concurrent conversations x 5 messages through the app's Gradio API; nothing is lost."""
from __future__ import annotations

import sys

from assistant.chat.store import Store
from assistant.config import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from load import run_load  # noqa: E402

from test_e2e_browser import STATE_DB, app_url  # noqa: E402,F401  (the running-app fixture)


def test_20_users_5_messages_all_answered_and_feedback_kept(app_url, small_index):  # noqa: F811
    customers = [str(u) for u in small_index.profiles["user_id"].head(20)]
    report = run_load(app_url, users=20, messages=5, customers=customers, timeout_s=900)
    assert report["requests"] == 100 and report["answered"] == 100
    results = report["results"]
    conversations = {r["conversation"] for r in results}
    assert len(conversations) == 20                                   # one conversation per user, kept
    assert len({r["feedback_id"] for r in results}) == 100            # every feedback row written once
    rows = [f for f in Store(STATE_DB[0]).rows("feedback") if f["conversation_id"] in conversations]
    assert len(rows) == 100 and {f["kind"] for f in rows} == {"up", "down"}
    messages = [m for m in Store(STATE_DB[0]).rows("messages") if m["conversation_id"] in conversations]
    assert len(messages) == 200                                       # 100 questions + 100 answers logged
    assert [r["intent"] for r in results if r["user"] == 0] == ["product_search", "refine", "refine", "policy",
                                                                  "order"]
