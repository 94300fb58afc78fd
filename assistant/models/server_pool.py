"""Several OpenAI-compatible LLM servers behind one backend: each call goes to the least busy one.

    pool = ServerPool(["http://gpu-a:8000/v1", "http://gpu-b:8000/v1"], cooldown_s=10)
    with pool.lease() as url:          # the healthy server with the fewest calls in flight (ties: fewest calls)
        ...                            # POST url + "/chat/completions"
    pool.failed(url)                   # unreachable: skipped for cooldown_s, then tried again
    pool.stats()                       # {"http://gpu-a:8000/v1": {"in_flight": 0, "calls": 12, "failures": 0}}

Least busy first is the client's own count of calls in flight per server (no polling of the servers), which is
what matters when every server has the same slots; a server marked failed is used only when all are.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def parse_urls(text: str) -> list[str]:
    """"http://a:8080/v1, http://b:8080/v1" -> ["http://a:8080/v1", "http://b:8080/v1"] (trailing / dropped)."""
    urls = [u.strip().rstrip("/") for u in text.split(",") if u.strip()]
    if len(set(urls)) != len(urls):
        raise ValueError(f"llm_base_urls lists a server twice: {text!r}")
    return urls


class ServerPool:
    def __init__(self, urls: list[str], cooldown_s: float = 10.0):
        if not urls:
            raise ValueError("a server pool needs at least one URL")
        self.urls = list(urls)
        self.cooldown_s = cooldown_s
        self._lock = threading.Lock()
        self._in_flight = dict.fromkeys(self.urls, 0)
        self._calls = dict.fromkeys(self.urls, 0)
        self._failures = dict.fromkeys(self.urls, 0)
        self._down_until = dict.fromkeys(self.urls, 0.0)

    def pick(self, exclude: set[str] = frozenset()) -> str | None:
        """The URL a new call should use (and count it as in flight), or None when every URL is excluded."""
        now = time.monotonic()
        with self._lock:
            candidates = [u for u in self.urls if u not in exclude]
            if not candidates:
                return None
            up = [u for u in candidates if self._down_until[u] <= now] or candidates
            url = min(up, key=lambda u: (self._in_flight[u], self._calls[u], self.urls.index(u)))
            self._in_flight[url] += 1
            self._calls[url] += 1
            return url

    def release(self, url: str) -> None:
        with self._lock:
            self._in_flight[url] -= 1

    @contextmanager
    def lease(self, exclude: set[str] = frozenset()) -> Iterator[str]:
        url = self.pick(exclude)
        if url is None:
            raise LookupError("no server left to try")
        try:
            yield url
        finally:
            self.release(url)

    def failed(self, url: str) -> None:
        """`url` did not answer: skip it for cooldown_s."""
        with self._lock:
            self._failures[url] += 1
            self._down_until[url] = time.monotonic() + self.cooldown_s

    def ok(self, url: str) -> None:
        with self._lock:
            self._down_until[url] = 0.0

    def stats(self) -> dict[str, dict]:
        with self._lock:
            return {u: {"in_flight": self._in_flight[u], "calls": self._calls[u], "failures": self._failures[u]}
                    for u in self.urls}
