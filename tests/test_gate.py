"""The one LLM gate: bounded queueing, deadlines, cancellation (Stop, closed stream), per-call records."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from assistant.config import Settings
from assistant.errors import LLMUnavailable
from assistant.models.gate import CallRecord, LLMGate, gate_for
from assistant.models.llm import LLM
from assistant.models.registry import create

ROUTE = {"type": "object", "properties": {"intent": {"enum": ["order", "policy"]}}, "required": ["intent"]}


class Ticking(LLM):
    """Yields "w0 ", "w1 ", ... every `tick` seconds until `n` pieces or `stop`; remembers how each call ended."""

    def __init__(self, settings, n=50, tick=0.02, parallel=1):
        super().__init__(settings)
        self.n, self.tick, self.parallel, self.stopped = n, tick, parallel, []

    def stream(self, messages, max_new_tokens=None, stop=None):
        try:
            for i in range(self.n):
                time.sleep(self.tick)                  # "decoding" a piece, then look at stop (as llama_cpp does)
                if stop is not None and stop.is_set():
                    self.stopped.append("stop")
                    return
                yield f"w{i} "
            self.stopped.append("done")
        except GeneratorExit:
            self.stopped.append("closed")
            raise

    def json(self, messages, schema, max_new_tokens=None, stop=None):
        text = "".join(self.stream(messages, max_new_tokens, stop))
        if stop is not None and stop.is_set():
            raise LLMUnavailable("JSON generation stopped (timeout or cancel)")
        return {"intent": "order", "text": text}


def settings(**kw) -> Settings:
    return Settings.load(**{"llm_queue_timeout_s": 0.3, "llm_timeout_s": 5.0, **kw})


def test_gate_is_one_per_llm_and_sized_by_backend_parallelism():
    llm = Ticking(settings(), parallel=3)
    assert gate_for(llm) is gate_for(llm) and gate_for(gate_for(llm)) is gate_for(llm) and gate_for(None) is None
    assert gate_for(llm).slots == 3
    openai = create("llm", "openai", settings=settings(llm_parallel=4))
    assert LLMGate(openai).slots == 4 and LLMGate(create("llm", "llama_cpp")).slots == 1


def test_busy_gate_answers_unavailable_after_the_bounded_wait():
    gate = LLMGate(Ticking(settings(), n=100))
    first = gate.stream([], purpose="shopper")
    assert next(first) == "w0 "                       # holds the only slot
    start = time.monotonic()
    with pytest.raises(LLMUnavailable, match=r"LLM busy: no free slot within 0.3 s \(route\)"):
        gate.json([], ROUTE, purpose="route")
    assert 0.25 <= time.monotonic() - start < 3.0           # bounded (generous: CI machines are shared)
    first.close()                                     # the consumer went away: slot freed, generation stopped
    assert gate.llm.stopped == ["closed"]
    assert gate.json([], ROUTE, purpose="route", timeout_s=4)["intent"] == "order"   # 100 ticks: 2 s
    outcomes = [(r.purpose, r.outcome) for r in gate.records]
    assert outcomes == [("route", "busy"), ("shopper", "cancelled"), ("route", "ok")]


def test_wait_s_caps_the_queueing_of_one_call():
    gate = LLMGate(Ticking(settings(llm_queue_timeout_s=10), n=100))
    holder = gate.stream([], purpose="shopper")
    next(holder)
    start = time.monotonic()
    with pytest.raises(LLMUnavailable, match=r"no free slot within 0.0 s \(shopper\)"):
        next(gate.stream([], purpose="shopper", wait_s=0))      # would wait 10 s without wait_s
    assert time.monotonic() - start < 1.0 and gate.records[-1].outcome == "busy"
    holder.close()
    assert next(gate.stream([], purpose="shopper", wait_s=0)) == "w0 "   # a free slot is taken at once


def test_stop_event_cancels_generation_and_a_queued_call():
    gate = LLMGate(Ticking(settings(llm_queue_timeout_s=10), n=100))
    stop = threading.Event()
    pieces = []
    for piece in gate.stream([], purpose="service", stop=stop):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
    assert pieces == ["w0 ", "w1 ", "w2 "] and gate.llm.stopped == ["stop"]
    assert gate.records[-1].outcome == "cancelled" and gate.records[-1].first_ms > 0
    holder = gate.stream([], purpose="shopper")
    next(holder)
    waiting = threading.Event()
    threading.Timer(0.2, waiting.set).start()
    start = time.monotonic()
    with pytest.raises(LLMUnavailable, match="busy"):
        gate.json([], ROUTE, purpose="route", stop=waiting)  # would wait 10 s; Stop ends the wait
    assert time.monotonic() - start < 3.0 and gate.records[-1].outcome == "cancelled"
    holder.close()


def test_deadlines_end_json_and_streams():
    gate = LLMGate(Ticking(settings(llm_timeout_s=0.2), n=100, tick=0.05))
    with pytest.raises(LLMUnavailable, match="stopped"):
        gate.json([], ROUTE, purpose="route", timeout_s=0.15)
    assert gate.records[-1].outcome == "timeout"
    pieces = list(gate.stream([], purpose="chitchat"))    # a late stream ends, keeping what came in time
    assert 1 <= len(pieces) <= 5 < gate.llm.n and gate.records[-1].outcome == "timeout"
    slow_start = LLMGate(Ticking(settings(llm_timeout_s=0.1), n=5, tick=0.3))
    with pytest.raises(LLMUnavailable, match=r"LLM timeout before the first piece \(shopper\)"):
        list(slow_start.stream([], purpose="shopper"))


def test_stats_are_percentiles_per_purpose():
    gate = LLMGate(Ticking(settings()))
    for wait, gen in ((10, 100), (20, 200), (30, 300)):
        gate._record(CallRecord("shopper", "stream", wait, gen / 2, gen, "ok"))
    gate._record(CallRecord("shopper", "stream", 300, None, 0.0, "busy"))
    gate._record(CallRecord("route", "json", 0, 50, 50, "ok"))
    stats = gate.stats()
    # numpy linear percentiles: wait [10, 20, 30, 300] -> p50 25.0, p95 259.5; generation [0,100,200,300]
    assert stats["shopper"] == {"calls": 4, "busy": 1, "ok": 3, "wait_ms_p50": 25.0, "wait_ms_p95": 259.5,
                                "first_ms_p50": 100.0, "first_ms_p95": 145.0,
                                "generation_ms_p50": 150.0, "generation_ms_p95": 285.0}
    assert stats["route"]["calls"] == 1 and stats["route"]["ok"] == 1


def test_openai_backend_down_or_silent_raises_unavailable_through_the_gate():
    down = create("llm", "openai", settings=settings(llm_base_url="http://127.0.0.1:9/v1", llm_timeout_s=2))
    with pytest.raises(LLMUnavailable, match="unreachable"):
        list(gate_for(down).stream([{"role": "user", "content": "hi"}], purpose="chitchat"))
    down.warm_up()                                     # logs, never raises
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()                                    # accepts connections, never answers
    try:
        port = silent.getsockname()[1]
        slow = create("llm", "openai", settings=settings(llm_base_url=f"http://127.0.0.1:{port}/v1",
                                                         llm_timeout_s=0.5))
        start = time.monotonic()
        with pytest.raises(LLMUnavailable, match="unreachable|stalled"):
            gate_for(slow).json([{"role": "user", "content": "hi"}], ROUTE, purpose="route")
        assert time.monotonic() - start < 3
    finally:
        silent.close()


def test_engine_answers_from_template_with_a_note_when_the_server_is_down(small_index, small_settings):
    from assistant.chat.engine import Assistant, Services
    from assistant.chat.router import Router
    s = Settings.load(**{**small_settings.__dict__, "llm_backend": "openai",
                         "llm_base_url": "http://127.0.0.1:9/v1", "llm_timeout_s": 2})
    llm = create("llm", "openai", settings=s)
    assistant = Assistant(Services(s, small_index, llm=llm), Router(s, llm=llm))
    reply = assistant.ask("what is your return policy?").finish()
    assert reply.intent == "policy" and not reply.llm_used and reply.citations
    assert reply.text.startswith("From our policy") and any("LLM unavailable (LLMUnavailable)" in n
                                                            for n in reply.notes)
    assert gate_for(llm).records[-1].purpose == "service" and gate_for(llm).records[-1].outcome == "unavailable"


def test_openai_backend_retries_json_with_json_object_when_json_schema_is_rejected():
    """llama-cpp-python's server answers 500 'Input should be text or json_object' to the standard format."""
    import json as jsonlib
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = jsonlib.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body["response_format"]["type"])
            if body["response_format"]["type"] == "json_schema":
                self.send_response(500)
                self.end_headers()
                self.wfile.write(b"{'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or "
                                 b"'json_object'\", 'input': 'json_schema'}")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in ('{"intent": ', '"policy"}'):
                event = {"choices": [{"delta": {"content": piece}}]}
                self.wfile.write(f"data: {jsonlib.dumps(event)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        llm = create("llm", "openai", settings=settings(llm_base_url=url))
        assert gate_for(llm).json([{"role": "user", "content": "can I return it?"}], ROUTE,
                                  purpose="route") == {"intent": "policy"}
        assert llm.json([{"role": "user", "content": "again"}], ROUTE) == {"intent": "policy"}
        assert seen == ["json_schema", "json_object", "json_object"]     # the server's preference is remembered
    finally:
        server.shutdown()
        server.server_close()


class Prefixed(Ticking):
    """Keeps warmed prefixes; reports a prefill for each stream like llama_cpp (prompt 40 tokens, 30 cached)."""

    def __init__(self, settings, fail=()):
        super().__init__(settings, n=3, tick=0.0)
        self.fail, self.kept = set(fail), []

    def warm_prefix(self, messages):
        if messages[0]["content"] in self.fail:
            raise LLMUnavailable("llama.cpp failed")
        self.kept.append(messages[0]["content"])
        return 10 * len(self.kept)

    def stream(self, messages, max_new_tokens=None, stop=None):
        self.prefill = {"prompt_tokens": 40, "cached_tokens": 30, "prefill_ms": 12.5}
        yield from super().stream(messages, max_new_tokens, stop)


def test_gate_warms_prefixes_one_slot_at_a_time_and_skips_a_failing_one():
    llm = Prefixed(settings(), fail={"B"})
    gate = LLMGate(llm)
    kinds = {"a": [{"role": "system", "content": "A"}], "b": [{"role": "system", "content": "B"}],
             "c": [{"role": "system", "content": "C"}]}
    assert gate.warm(kinds) == {"a": 10, "c": 20}
    assert llm.kept == ["A", "C"]
    assert [(r.purpose, r.kind, r.outcome, r.prompt_tokens) for r in gate.records] == [
        ("warm:a", "warm", "ok", 10), ("warm:b", "warm", "unavailable", None), ("warm:c", "warm", "ok", 20)]
    assert gate._free.acquire(blocking=False)          # every slot given back
    gate._free.release()
    stop = threading.Event()
    stop.set()
    assert gate.warm(kinds, stop=stop) == {}            # Stop (app shutting down) ends the warm-up


def test_gate_records_the_backends_prefill_per_call():
    gate = LLMGate(Prefixed(settings()))
    assert "".join(gate.stream([], purpose="shopper")) == "w0 w1 w2 "
    record = gate.records[-1]
    assert (record.prompt_tokens, record.cached_tokens, record.prefill_ms) == (40, 30, 12.5)
    row = gate.stats()["shopper"]
    assert row["prefill_ms_p50"] == 12.5 and row["cached_tokens_p50"] == 30.0
    plain = LLMGate(Ticking(settings(), n=2, tick=0.0))          # a backend that reports nothing
    list(plain.stream([], purpose="shopper"))
    assert plain.records[-1].prefill_ms is None and "prefill_ms_p50" not in plain.stats()["shopper"]
