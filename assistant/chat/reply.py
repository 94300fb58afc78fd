"""The Reply: the one contract between the engine and every front end (Gradio, CLI, Python API).

    reply = assistant.ask("red mugs under £10", user_id="12347")
    reply.products                      # cards from the catalog, available at once
    reply.lead                          # the lead-in from code, the first piece streamed
    for piece in reply.stream():        # the LLM's explanation, sentence by sentence, already checked
        print(piece, end="")
    reply.to_dict()                     # intent, text, products, citations, rows, timings ...

Text is checked sentence by sentence before it is shown (see chat/guard.py); if the LLM fails or is
too slow, the stream switches to the template text built from the same facts.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

from assistant.chat.answer import Answer, Facts
from assistant.chat.guard import SENTENCE
from assistant.errors import LLMUnavailable
from assistant.timing import ms_since

log = logging.getLogger(__name__)


@dataclass
class Reply(Facts):     # products, citations, orders, rows, chart, parsed_query, ticket_id, strategy, ... timings_ms
    conversation_id: str
    intent: str
    role: str = "shopper"
    text: str = ""
    message_id: int | None = None
    llm_used: bool = False
    # set only by Reply.from_answer: raw LLM pieces, a sentence checker, the template text, a finaliser
    _llm: Iterator[str] | None = field(default=None, repr=False)
    _check: Callable[[str], str] | None = field(default=None, repr=False)
    _fallback: str = field(default="", repr=False)
    _lead: str = field(default="", repr=False)
    _on_done: Callable[["Reply"], None] | None = field(default=None, repr=False)
    _started: float = field(default_factory=time.perf_counter, repr=False)
    _done: bool = field(default=False, repr=False)

    @classmethod
    def from_answer(cls, answer: Answer, conversation_id: str, role: str, llm: Iterator[str] | None = None,
                    started: float | None = None, on_done: Callable[["Reply"], None] | None = None) -> "Reply":
        """The Reply for a handler's Answer; `llm` streams the answer's prompt (None: template only)."""
        facts = {f.name: getattr(answer, f.name) for f in fields(Facts)}
        reply = cls(conversation_id=conversation_id, intent=answer.intent, role=role, **facts)
        reply._llm, reply._check = llm, answer.check
        reply._fallback, reply._lead, reply._on_done = answer.fallback, answer.lead, on_done
        if started is not None:
            reply._started = started
        return reply

    @property
    def lead(self) -> str:
        """The lead-in sentence from code ("Here are 5 picks.", the honest no-match line), shown before any
        explanation; '' when the answer has none. `stream()` yields it first."""
        return self._lead

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
            except LLMUnavailable as e:  # LLM off, busy, down or timed out: the template still answers
                log.info("LLM unavailable, template answer: %s", e)
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
        return ms_since(self._started)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
