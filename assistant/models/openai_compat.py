"""The `openai` backend: any server speaking POST {base_url}/chat/completions (llama.cpp's server, vLLM, Ollama).

    s = Settings.load(llm_backend="openai", llm_base_url="http://127.0.0.1:8080/v1", llm_parallel=4)
    llm = create("llm", "openai", settings=s)
    llm.stream(messages)              # SSE pieces
    llm.json(messages, schema)        # the server constrains output with response_format; validated here

`python -m assistant serve-llm` starts such a server on the local GGUF (models/server.py). A server that is
down, slow (no byte for `llm_timeout_s`) or answers garbage raises LLMUnavailable, never anything else.
Several servers: `llm_base_urls="http://a:8080/v1,http://b:8080/v1"` (models/server_pool.py): each call goes
to the least busy server, an unreachable one is skipped for `llm_server_cooldown_s` and the call is tried on the
next; the gate's slots are `llm_parallel` per server.
JSON: sends the standard `{"type": "json_schema", ...}` response_format; a server that rejects it (an HTTP
4xx, or an error naming json_schema / response_format like llama-cpp-python's 500) is asked again, and from then on, with
llama.cpp's `{"type": "json_object", "schema": ...}`.
"""
from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request

from assistant.errors import LLMUnavailable
from assistant.models.llm import LLM, parse_json
from assistant.models.registry import register
from assistant.models.server_pool import ServerPool, parse_urls

log = logging.getLogger(__name__)
NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, socket.timeout, ConnectionError, OSError)


class ServerUnreachable(LLMUnavailable):
    """No connection or no answer before the timeout: the pool tries another server."""


@register("llm", "openai")
class OpenAICompatibleLLM(LLM):
    _json_object_only: set = set()    # base URLs whose server wants llama.cpp's json_object + schema

    def __init__(self, settings=None):
        super().__init__(settings)
        urls = parse_urls(self.settings.llm_base_urls) or [self.settings.llm_base_url.rstrip("/")]
        self.pool = ServerPool(urls, cooldown_s=self.settings.llm_server_cooldown_s)
        self.parallel = max(1, self.settings.llm_parallel) * len(urls)
        self.base_url = urls[0]

    def warm_up(self) -> None:
        """Check the servers answer; a down server is logged, not raised (answers fall back to templates)."""
        for url in self.pool.urls:
            try:
                with urllib.request.urlopen(url + "/models", timeout=min(5.0, self.settings.llm_timeout_s)):
                    pass
            except NETWORK_ERRORS as e:
                log.warning("LLM server %s not answering (%s); template answers until it is up", url, e)

    def warm_prefix(self, messages: list[dict]) -> int:
        """A one-token completion of the prefix, so the server's prompt cache holds it (0: tokens not known)."""
        self.complete(messages, max_new_tokens=1)
        return 0

    def _post(self, body: dict, url: str):
        request = urllib.request.Request(url + "/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            return urllib.request.urlopen(request, timeout=self.settings.llm_timeout_s)
        except urllib.error.HTTPError as e:
            detail = e.read(300).decode("utf-8", "replace")
            raise LLMUnavailable(f"LLM server {url} answered HTTP {e.code}: {detail}") from e
        except NETWORK_ERRORS as e:
            raise ServerUnreachable(f"LLM server {url} unreachable: {e}") from e

    def stream(self, messages, max_new_tokens=None, stop=None, response_format=None):
        body = {"model": self.settings.llm_model, "messages": messages, "stream": True, "temperature": 0,
                "max_tokens": max_new_tokens or self.settings.llm_max_new_tokens}
        if response_format:
            body["response_format"] = response_format
        tried: set[str] = set()
        while True:
            url = self.pool.pick(tried)
            if url is None:     # every server tried: callers see the plain LLMUnavailable
                raise LLMUnavailable(str(last_error)) from last_error
            try:
                try:
                    response = self._post(body, url)
                except ServerUnreachable as e:
                    self.pool.failed(url)
                    tried.add(url)
                    last_error = e
                    continue
                self.pool.ok(url)
                yield from self._pieces(response, url, stop)
                return
            finally:
                self.pool.release(url)

    def _pieces(self, response, url: str, stop):
        with response:
            try:
                for raw in response:
                    if stop is not None and stop.is_set():
                        return
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        choice = json.loads(data)["choices"][0]
                    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as e:
                        raise LLMUnavailable(f"LLM server {url} sent a malformed event: {data[:80]!r}") from e
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
            except NETWORK_ERRORS as e:
                raise LLMUnavailable(f"LLM server {url} stalled: {e}") from e

    def json(self, messages, schema, max_new_tokens=None, stop=None):
        formats = [{"type": "json_object", "schema": schema}]
        if not self._json_object_only & set(self.pool.urls):    # the servers of one pool run the same software
            formats.insert(0, {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema,
                                                                      "strict": True}})
        for i, response_format in enumerate(formats):
            try:
                text = "".join(self.stream(messages, max_new_tokens, stop, response_format=response_format))
                break
            except LLMUnavailable as e:
                message = str(e)      # llama-cpp-python's server says 500 and names the field
                rejected = " HTTP 4" in message or "json_schema" in message or "response_format" in message
                if not rejected or i == len(formats) - 1:
                    raise
                log.info("%s rejects json_schema; using json_object + schema", self.pool.urls)
                self._json_object_only.update(self.pool.urls)
        if stop is not None and stop.is_set():
            raise LLMUnavailable("JSON generation stopped (timeout or cancel)")
        return parse_json(text, schema)
