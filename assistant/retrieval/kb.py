"""The shop's policy knowledge base: Markdown split into citable sections, searched by meaning and words.

    chunks = chunk_markdown({"returns.md": text})       # DataFrame: doc, title, section, text
    kb = KnowledgeBase(chunks, vectors, embedder)
    hits = kb.search("how long do I have to send something back?", k=3)
    hits[0]["citation"]   # 'returns.md#return-window'
    kb.search("退货期限是多久")[0]["citation"]              # the same section: Chinese policy words -> English first

Chinese questions are translated first, in code, word by word with the policy glossary in
resources/zh_policy_terms.csv (measured on resources/kb_questions.csv, one English/Chinese pair per demo
section: top-1 section of the Chinese twin equal to the English one for 32 of 32 with the glossary, 24 with
multilingual-e5 embeddings of the sections, 26 with LLM translation first; see the README).
"""
from __future__ import annotations

import csv
import functools
import re

import numpy as np
import pandas as pd

from assistant.resources import ZH_POLICY_TERMS
from assistant.retrieval.lexical import BM25Index

HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$", re.M)
CJK = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=1)
def policy_glossary() -> tuple[tuple[str, str], ...]:
    """(Chinese, English) policy terms, longest Chinese first; a bad row is an error naming it."""
    with open(ZH_POLICY_TERMS, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, start=1):
        for column in ("zh", "en"):
            if not (row.get(column) or "").strip():
                raise ValueError(f"{ZH_POLICY_TERMS.name} row {n}, column {column!r}: empty")
    return tuple(sorted(((r["zh"].strip(), r["en"].strip()) for r in rows), key=lambda t: -len(t[0])))


def to_english(question: str) -> str:
    """A Chinese question as English policy words (longest terms first), keeping any Latin words and numbers."""
    if not CJK.search(question):
        return question
    words, rest = [], question
    for zh, en in policy_glossary():
        if zh in rest:
            words.append(en)
            rest = rest.replace(zh, " ")
    latin = re.findall(r"[A-Za-z0-9£%.]+", question)
    return " ".join(words + latin)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def chunk_markdown(docs: dict[str, str]) -> pd.DataFrame:
    """One row per `##` section (the text before the first one belongs to the document title)."""
    rows = []
    for name, text in sorted(docs.items()):
        title = next((m.group(2) for m in HEADING.finditer(text) if m.group(1) == "#"), name)
        marks = [m for m in HEADING.finditer(text) if len(m.group(1)) >= 2]
        starts = [(0, title)] + [(m.start(), m.group(2)) for m in marks]
        for (start, section), nxt in zip(starts, starts[1:] + [(len(text), None)]):
            body = HEADING.sub("", text[start:nxt[0]]).strip()
            if body:
                rows.append({"doc": name, "title": title, "section": section,
                             "anchor": f"{name}#{slug(section)}", "text": body})
    return pd.DataFrame(rows, columns=["doc", "title", "section", "anchor", "text"])


def passage(row) -> str:
    """The text embedded for a chunk: document title, section and body."""
    return f"{row['title']} - {row['section']}: {row['text']}"


class KnowledgeBase:
    def __init__(self, chunks: pd.DataFrame, vectors: np.ndarray, embedder, lexical: BM25Index | None = None):
        self.chunks = chunks.reset_index(drop=True)
        self.vectors = vectors
        self.embedder = embedder
        self.lexical = lexical or BM25Index.build([passage(r) for _, r in self.chunks.iterrows()])

    def search(self, question: str, k: int = 3) -> list[dict]:
        """Best k sections: cosine similarity blended with normalised BM25; each with a citation."""
        if len(self.chunks) == 0:
            return []
        question = to_english(question[:2000])
        dense = self.vectors @ self.embedder.query(question)
        words = self.lexical.scores(question)
        if words.max() > 0:
            words = words / words.max()
        score = dense + 0.15 * words
        order = np.argsort(-score)[:k]
        return [{**self.chunks.iloc[i].to_dict(), "citation": self.chunks.iloc[i]["anchor"],
                 "score": round(float(score[i]), 4)} for i in order]
