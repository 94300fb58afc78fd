"""The one gate every LLM call goes through: bounded queueing, deadlines, cancellation, a record per call.

    gate = gate_for(llm, settings)              # one gate per LLM object, however often it is asked for
    for piece in gate.stream(messages, purpose="shopper", stop=stop_event):
        ...                                     # stop_event.set() or closing the generator cancels generation
    gate.stream(messages, purpose="shopper", wait_s=0)   # only if a slot is free now, else LLMUnavailable("busy")
    gate.json(messages, schema, purpose="route", timeout_s=4)   # dict, or LLMUnavailable (busy/late/invalid)
    gate.stats()   # {"shopper": {"calls": 12, "ok": 11, "wait_ms_p50": 3.1, "generation_ms_p95": 5210.0, ...}}
    gate.warm({"route": render("route", message=""), ...})   # at start: each prompt kind's static prefix, kept

A call waits for one of `llm.parallel` slots (1 in-process, the server's slots for `openai`) at most
`llm_queue_timeout_s` (or what is left of `timeout_s`), then raises LLMUnavailable("busy") so the caller
answers from a template instead of keeping a customer waiting. Generation ends at the deadline
(`llm_timeout_s` for streams, `timeout_s` for JSON), when `stop` is set, or when the consumer closes the
stream (Gradio's Stop button). Each call leaves a CallRecord (purpose, wait ms, first-piece ms,
generation ms, outcome, and where the backend knows them, prompt tokens, tokens reused from the prompt
cache and prefill ms) in `gate.records` (the last `llm_gate_records`) and a debug log line.
`warm` evaluates each prompt kind's static prefix through the same slots (purpose "warm:<kind>"), one at
a time, so a customer who arrives meanwhile waits for one prefix at most.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from assistant.config import Settings
from assistant.errors import LLMUnavailable

log = logging.getLogger(__name__)
POLL_S = 0.05       # how often a queued call looks at its stop event


@dataclass
class CallRecord:
    purpose: str                  # route | shopper | service | chitchat | staff | ...
    kind: str                     # stream | json
    wait_ms: float                # queued for a slot
    first_ms: float | None        # slot -> first piece (None: no piece)
    generation_ms: float          # slot -> done
    outcome: str                  # ok | busy | timeout | cancelled | unavailable
    prompt_tokens: int | None = None      # the prompt's tokens (backends that report it: llama_cpp)
    cached_tokens: int | None = None      # of them, already evaluated (a kept state or the last prompt)
    prefill_ms: float | None = None       # evaluating the rest, up to the first token


class _Halt:
    """Quacks like threading.Event for the backends: set by the caller's event, the deadline or the gate."""

    def __init__(self, caller: threading.Event | None, deadline: float):
        self.caller, self.deadline, self.flag = caller, deadline, threading.Event()

    def is_set(self) -> bool:
        return (self.flag.is_set() or (self.caller is not None and self.caller.is_set())
                or time.monotonic() > self.deadline)

    def set(self) -> None:
        self.flag.set()

    def why(self) -> str:
        if self.caller is not None and self.caller.is_set():
            return "cancelled"
        return "timeout" if time.monotonic() > self.deadline else "cancelled"


class LLMGate:
    def __init__(self, llm, settings: Settings | None = None):
        self.llm = llm
        self.settings = settings or llm.settings
        self.slots = max(1, int(getattr(llm, "parallel", 1)))
        self._free = threading.Semaphore(self.slots)
        self.records: deque[CallRecord] = deque(maxlen=self.settings.llm_gate_records)
        self._records_lock = threading.Lock()

    def ready(self) -> bool:
        return getattr(self.llm, "ready", lambda: True)()

    def warm_up(self) -> None:
        self.llm.warm_up()

    def warm(self, prefixes: dict[str, list[dict]], stop: threading.Event | None = None) -> dict[str, int]:
        """Evaluate and keep each prompt kind's static prefix (`{kind: messages}`), one slot at a time;
        {kind: tokens evaluated}. A prefix that fails is logged and skipped (its first real call pays it)."""
        done: dict[str, int] = {}
        for kind, messages in prefixes.items():
            if stop is not None and stop.is_set():
                break
            wait_ms = self._acquire(self.settings.llm_queue_timeout_s, stop, f"warm:{kind}", "warm")
            start = time.monotonic()
            outcome = "ok"
            try:
                done[kind] = self.llm.warm_prefix(messages)
            except LLMUnavailable as e:
                outcome = "unavailable"
                log.warning("could not warm the %s prompt prefix: %s", kind, e)
            finally:
                self._free.release()
                ms = (time.monotonic() - start) * 1000
                self._record(CallRecord(f"warm:{kind}", "warm", wait_ms, None, ms, outcome,
                                        prompt_tokens=done.get(kind)))
        log.info("prompt prefixes warmed: %s", done)
        return done

    # ------------------------------------------------------------------ calls
    def stream(self, messages: list[dict], purpose: str, stop: threading.Event | None = None,
               max_new_tokens: int | None = None, wait_s: float | None = None) -> Iterator[str]:
        """Pieces of the reply; LLMUnavailable when busy, or when it fails or times out before any piece.
        `wait_s` caps the wait for a slot below `llm_queue_timeout_s` (0: only if a slot is free now)."""
        queued = time.monotonic()
        wait = min(self.settings.llm_queue_timeout_s, self.settings.llm_timeout_s)
        wait_ms = self._acquire(wait if wait_s is None else min(wait, wait_s), stop, purpose, "stream")
        start = time.monotonic()
        halt = _Halt(stop, start + self.settings.llm_timeout_s)
        first_ms, outcome, prefill = None, "ok", {}
        try:
            for piece in self.llm.stream(messages, max_new_tokens, halt):
                if first_ms is None:
                    first_ms = (time.monotonic() - start) * 1000
                    prefill = self._prefill()
                yield piece
            if halt.is_set():
                outcome = halt.why()
                if first_ms is None:
                    raise LLMUnavailable(f"LLM {outcome} before the first piece ({purpose})")
        except GeneratorExit:
            outcome = "cancelled"
            raise
        except LLMUnavailable:
            outcome = "unavailable" if outcome == "ok" else outcome
            raise
        finally:
            halt.set()
            self._free.release()
            self._record(CallRecord(purpose, "stream", wait_ms, first_ms, (time.monotonic() - start) * 1000,
                                    outcome, **prefill))
            log.debug("llm %s stream: queued %.0f ms, total %.0f ms, %s", purpose, wait_ms,
                      (time.monotonic() - queued) * 1000, outcome)

    def json(self, messages: list[dict], schema: dict, purpose: str, timeout_s: float | None = None,
             max_new_tokens: int | None = None, stop: threading.Event | None = None) -> dict:
        """A dict that fits `schema`, within `timeout_s` in all (queue + generation), or LLMUnavailable."""
        budget = timeout_s if timeout_s is not None else self.settings.llm_timeout_s
        queued = time.monotonic()
        wait_ms = self._acquire(min(budget, self.settings.llm_queue_timeout_s), stop, purpose, "json")
        start = time.monotonic()
        halt = _Halt(stop, queued + budget)
        outcome, prefill = "ok", {}
        try:
            out = self.llm.json(messages, schema, max_new_tokens, halt)
            prefill = self._prefill()
            return out
        except LLMUnavailable:
            outcome = halt.why() if halt.is_set() else "unavailable"
            raise
        finally:
            halt.set()
            self._free.release()
            ms = (time.monotonic() - start) * 1000
            self._record(CallRecord(purpose, "json", wait_ms, ms if outcome == "ok" else None, ms, outcome,
                                    **prefill))

    # ------------------------------------------------------------------ bookkeeping
    def _prefill(self) -> dict:
        """The backend's record of the prompt it is running (one generation at a time in-process); {} if none."""
        if self.slots != 1:
            return {}           # several calls at once: the backend's "last prompt" may be another call's
        prefill = getattr(self.llm, "prefill", None)
        return dict(prefill) if prefill else {}

    def _acquire(self, wait_s: float, stop, purpose: str, kind: str) -> float:
        """Wait for a slot at most `wait_s` (checking `stop`); the wait in ms, or LLMUnavailable('busy')."""
        start = time.monotonic()
        deadline = start + max(0.0, wait_s)
        while not self._free.acquire(timeout=min(POLL_S, max(0.0, deadline - time.monotonic()))):
            cancelled = stop is not None and stop.is_set()
            if cancelled or time.monotonic() >= deadline:
                ms = (time.monotonic() - start) * 1000
                self._record(CallRecord(purpose, kind, ms, None, 0.0, "cancelled" if cancelled else "busy"))
                raise LLMUnavailable(f"LLM busy: no free slot within {wait_s:.1f} s ({purpose})")
        return (time.monotonic() - start) * 1000

    def _record(self, record: CallRecord) -> None:
        with self._records_lock:
            self.records.append(record)

    def stats(self) -> dict[str, dict]:
        """Per purpose: calls, outcomes, and p50/p95 of wait, first piece and generation ms."""
        with self._records_lock:
            records = list(self.records)
        out: dict[str, dict] = {}
        for purpose in sorted({r.purpose for r in records}):
            rs = [r for r in records if r.purpose == purpose]
            row: dict = {"calls": len(rs)}
            for outcome in sorted({r.outcome for r in rs}):
                row[outcome] = sum(r.outcome == outcome for r in rs)
            for name in ("wait_ms", "first_ms", "generation_ms", "prefill_ms", "prompt_tokens", "cached_tokens"):
                values = [getattr(r, name) for r in rs if getattr(r, name) is not None]
                if values:
                    row[f"{name}_p50"] = round(float(np.percentile(values, 50)), 1)
                    row[f"{name}_p95"] = round(float(np.percentile(values, 95)), 1)
            out[purpose] = row
        return out


_GATES_LOCK = threading.Lock()


def gate_for(llm, settings: Settings | None = None) -> LLMGate | None:
    """The gate of `llm` (created on first use and kept on the object); a gate is returned as is, None stays None."""
    if llm is None or isinstance(llm, LLMGate):
        return llm
    with _GATES_LOCK:
        gate = getattr(llm, "_gate", None)
        if gate is None:
            gate = LLMGate(llm, settings)
            llm._gate = gate
        return gate
