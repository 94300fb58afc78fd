"""Several OpenAI-compatible servers behind the `openai` backend: least busy first, failover, real llama.cpp."""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.config import Settings
from assistant.models.registry import create
from assistant.models.server_pool import ServerPool, parse_urls

HI = [{"role": "user", "content": "Say hi."}]


def test_pool_picks_the_least_busy_then_the_least_used_and_skips_failed_servers():
    pool = ServerPool(["a", "b", "c"], cooldown_s=60)
    assert [pool.pick() for _ in range(4)] == ["a", "b", "c", "a"]      # in flight a2 b1 c1
    pool.release("b")                                                    # b0: least busy
    assert pool.pick() == "b"                                            # in flight a2 b1 c1, calls a2 b2 c1
    pool.release("a"), pool.release("a")                                 # a0
    assert pool.pick() == "a"
    pool.failed("c")
    for u in ("a", "b"):
        pool.release(u)
    assert pool.pick() in ("a", "b") and pool.pick() in ("a", "b")      # c (in flight 1, failed) not chosen
    assert pool.pick(exclude={"a", "b"}) == "c"                          # all others excluded: the failed one
    assert pool.pick(exclude={"a", "b", "c"}) is None
    assert pool.stats()["c"] == {"in_flight": 2, "calls": 2, "failures": 1}


def test_parse_urls():
    assert parse_urls(" http://a:1/v1/, http://b:2/v1 ,") == ["http://a:1/v1", "http://b:2/v1"]
    assert parse_urls("") == []
    with pytest.raises(ValueError, match="twice"):
        parse_urls("http://a/v1,http://a/v1/")


class _SlowSSE(BaseHTTPRequestHandler):
    """An OpenAI-style streaming server that takes `delay` seconds per answer and counts its requests."""
    delay, counts, lock = 0.4, {}, threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        port = self.server.server_address[1]
        with self.lock:
            self.counts[port] = self.counts.get(port, 0) + 1
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {"choices": [{"delta": {"content": f"from {port}"}}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())

    def log_message(self, *args):
        pass


def _serve():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowSSE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_openai_backend_spreads_concurrent_calls_and_fails_over():
    servers = [_serve(), _serve()]
    ports = [s.server_address[1] for s in servers]
    try:
        urls = ",".join(f"http://127.0.0.1:{p}/v1" for p in ports)
        llm = create("llm", "openai", settings=Settings.load(llm_backend="openai", llm_base_urls=urls,
                                                             llm_parallel=2, llm_timeout_s=10))
        assert llm.parallel == 4                                         # the gate's slots: 2 per server
        with ThreadPoolExecutor(4) as ex:                                # 4 at once: 2 on each server
            answers = list(ex.map(lambda _: "".join(llm.stream(HI)), range(4)))
        assert _SlowSSE.counts == {ports[0]: 2, ports[1]: 2}
        assert sorted(answers) == sorted([f"from {p}" for p in ports] * 2)
        assert all(s["in_flight"] == 0 for s in llm.pool.stats().values())
        servers[0].shutdown(), servers[0].server_close()                # one server goes away
        assert "".join(llm.stream(HI)) == f"from {ports[1]}"             # retried on the other
        assert "".join(llm.stream(HI)) == f"from {ports[1]}"             # the dead one is cooling down
        assert llm.pool.stats()[f"http://127.0.0.1:{ports[0]}/v1"]["failures"] == 1
    finally:
        for s in servers:
            s.shutdown(), s.server_close()
        _SlowSSE.counts.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.llm
def test_two_real_llama_cpp_servers_share_the_load(tmp_path):
    """Two real llama-server processes (the project's `serve-llm` engine, built by `make test`)."""
    from assistant.models.server import start_server, wait_ready
    settings = Settings.load(llm_threads=1)
    ports = [_free_port(), _free_port()]
    procs = [start_server(settings, p, parallel=1, log_file=tmp_path / f"server-{p}.log") for p in ports]
    try:
        urls = [f"http://127.0.0.1:{p}/v1" for p in ports]
        for url, proc in zip(urls, procs):
            wait_ready(url, timeout_s=180, proc=proc)
        llm = create("llm", "openai", settings=Settings.load(llm_backend="openai", llm_base_urls=",".join(urls),
                                                             llm_parallel=1, llm_timeout_s=120))
        with ThreadPoolExecutor(2) as ex:
            answers = list(ex.map(lambda _: "".join(llm.stream(HI, max_new_tokens=8)), range(2)))
        assert all(a.strip() for a in answers)
        assert {u: s["calls"] for u, s in llm.pool.stats().items()} == {urls[0]: 1, urls[1]: 1}
        deadline = time.monotonic() + 30     # the server logs the end of a task after sending it: under load, later
        while True:
            logs = [(tmp_path / f"server-{p}.log").read_text() for p in ports]
            if all("stop processing" in log for log in logs) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert all("stop processing" in log for log in logs), logs      # each server really generated
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
