"""The real LLM server (`serve-llm`): started on a free loopback port, used through the `openai` backend."""
from __future__ import annotations

import socket
import threading

import pytest

from assistant.chat.router import ROUTE_SCHEMA
from assistant.config import Settings
from assistant.models.gate import gate_for
from assistant.models.registry import create
from assistant.models.server import server_command, start_server, stop_server, wait_ready
from assistant.prompts import render

RAINBOW = ("red", "orange", "yellow", "green", "blue", "indigo", "violet")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_command_sizes_context_per_slot():
    s = Settings.load(llm_context=2048, llm_threads=2, llama_server_bin="/bin/true", llm_prompt_cache_mb=96)
    cmd = server_command(s, port=8099, parallel=3)
    assert cmd[0] == "/bin/true" and cmd[cmd.index("--parallel") + 1] == "3"
    assert cmd[cmd.index("--cache-ram") + 1] == "96"           # the same prompt-state budget as in-process
    assert cmd[cmd.index("--ctx-size") + 1] == str(2048 * 3) and cmd[cmd.index("--port") + 1] == "8099"
    assert [cmd[cmd.index(flag) + 1] for flag in ("--cache-type-k", "--cache-type-v", "--flash-attn", "--load-mode")] \
        == ["q8_0", "q8_0", "on", "none"]                       # the same memory settings as in-process
    with pytest.raises(ValueError, match="unknown LLM server engine 'vllm'"):
        server_command(s, 8099, 1, engine="vllm")


@pytest.mark.llm
def test_real_server_streams_chat_and_answers_json_schema(tmp_path):
    port = free_port()
    base = Settings.load()
    proc = start_server(base, port, parallel=2, log_file=tmp_path / "server.log")
    try:
        url = f"http://127.0.0.1:{port}/v1"
        wait_ready(url, timeout_s=180, proc=proc)
        llm = create("llm", "openai", settings=Settings.load(llm_base_url=url, llm_parallel=2, llm_timeout_s=300,
                                                             llm_queue_timeout_s=300))   # generous: shared CI cores
        gate = gate_for(llm)
        assert gate.slots == 2
        messages = [{"role": "system", "content": "You are a concise assistant. Answer in English."},
                    {"role": "user", "content": "Name one colour of the rainbow. One word."}]
        pieces = list(gate.stream(messages, purpose="chitchat", max_new_tokens=8))
        assert len(pieces) >= 1 and any(c in "".join(pieces).lower() for c in RAINBOW)
        answers = [None, None]

        def route(i, text):
            answers[i] = gate.json(render("route", message=text), ROUTE_SCHEMA, purpose="route", timeout_s=300)
        threads = [threading.Thread(target=route, args=(0, "where is my parcel? it was due on Monday")),
                   threading.Thread(target=route, args=(1, "can I return a mug I bought last week?"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answers[0] == {"label": "order"}                       # both at once: two slots
        assert answers[1] in ({"label": "policy"}, {"label": "order"})
        assert [r.outcome for r in gate.records] == ["ok", "ok", "ok"]
    finally:
        stop_server(proc)
    assert proc.returncode is not None
