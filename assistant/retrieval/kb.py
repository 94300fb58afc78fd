"""The shop's policy knowledge base: Markdown split into citable sections, searched by meaning and words.

    chunks = chunk_markdown({"returns.md": text})       # DataFrame: doc, title, section, text
    kb = KnowledgeBase(chunks, vectors, embedder)
    hits = kb.search("how long do I have to send something back?", k=3)
    hits[0]["citation"]   # 'returns.md#return-window'
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from assistant.retrieval.lexical import BM25Index

HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$", re.M)


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
        dense = self.vectors @ self.embedder.query(question[:2000])
        words = self.lexical.scores(question[:2000])
        if words.max() > 0:
            words = words / words.max()
        score = dense + 0.15 * words
        order = np.argsort(-score)[:k]
        return [{**self.chunks.iloc[i].to_dict(), "citation": self.chunks.iloc[i]["anchor"],
                 "score": round(float(score[i]), 4)} for i in order]
