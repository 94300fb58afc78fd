"""The Reply: the one contract between the engine and every front end (Gradio, CLI, Python API).

    reply = assistant.ask("red mugs under £10", user_id="12347")
    reply.products                      # cards from the catalog, available at once
    for piece in reply.stream():        # the LLM's explanation, sentence by sentence, already checked
        print(piece, end="")
    reply.to_dict()                     # intent, text, products, citations, rows, timings ...

Text is checked sentence by sentence before it is shown (see chat/guard.py); if the LLM fails or is
too slow, the stream switches to the template text built from the same facts.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from assistant.chat.guard import SENTENCE


@dataclass
class Reply:
    conversation_id: str
    intent: str
    role: str = "shopper"
    text: str = ""
    products: list[dict] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    chart: dict | None = None
    parsed_query: dict | None = None
    ticket_id: int | None = None
    strategy: str = ""
    suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    message_id: int | None = None
    llm_used: bool = False
    # set by handlers: a generator of raw LLM pieces, a sentence checker, the fallback text, a finaliser
    _llm: Iterator[str] | None = field(default=None, repr=False)
    _check: Callable[[str], str] | None = field(default=None, repr=False)
    _fallback: str = field(default="", repr=False)
    _lead: str = field(default="", repr=False)
    _on_done: Callable[["Reply"], None] | None = field(default=None, repr=False)
    _started: float = field(default_factory=time.perf_counter, repr=False)
    _done: bool = field(default=False, repr=False)

    def stream(self) -> Iterator[str]:
        """Yield the answer text in pieces (lead-in from code, then checked LLM sentences or the template)."""
        if self._done:
            yield self.text
            return
        shown: list[str] = []
        if self._lead:
            shown.append(self._lead)
            yield self._lead
        produced = False
        if self._llm is not None:
            buffer = ""
            try:
                for piece in self._llm:
                    if "first_llm_token_ms" not in self.timings_ms:
                        self.timings_ms["first_llm_token_ms"] = self._elapsed()
                    buffer += piece
                    *complete, buffer = SENTENCE.split(buffer)
                    for sentence in complete:
                        ok = self._checked(sentence)
                        if ok:
                            self.timings_ms.setdefault("first_llm_sentence_ms", self._elapsed())
                            produced = True
                            shown.append(ok)
                            yield (" " if len(shown) > 1 else "") + ok
                ok = self._checked(buffer)
                if ok:
                    self.timings_ms.setdefault("first_llm_sentence_ms", self._elapsed())
                    produced = True
                    shown.append(ok)
                    yield (" " if len(shown) > 1 else "") + ok
                self.llm_used = produced
            except Exception as e:  # LLM down, timed out or broken: the template still answers
                self.notes.append(f"LLM unavailable ({type(e).__name__}); template answer")
        if not produced and self._fallback:
            shown.append(self._fallback)
            yield (" " if len(shown) > 1 else "") + self._fallback
        self.text = " ".join(s.strip() for s in shown if s.strip())
        self.timings_ms["total_ms"] = self._elapsed()
        self._done = True
        if self._on_done:
            self._on_done(self)

    def finish(self) -> "Reply":
        """Consume the stream (for the CLI and tests) and return self."""
        for _ in self.stream():
            pass
        return self

    def _checked(self, sentence: str) -> str:
        sentence = sentence.strip()
        if not sentence:
            return ""
        return self._check(sentence) if self._check else sentence

    def _elapsed(self) -> float:
        return round((time.perf_counter() - self._started) * 1000, 1)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
