"""FAISS vector search over normalised embeddings (inner product = cosine), with filters.

    index = build_vector_index(X, exact_max_items=50_000)   # exact Flat, or IVF tuned to recall >= 0.95
    index = build_vector_index(X, codec="sq8")               # IVF lists of 8-bit codes: 4x less memory
    scores, ids = index.search(q, k=20, allowed=mask)         # mask: bool per row, or None
    index.save(path); VectorIndex.load(path)                 # the .json names its type in INDEX_TYPES

Filters run inside FAISS (an IDSelector), so a filtered search still returns the k best
matching rows; very selective filters are answered exactly over the allowed rows.

IVF codecs (Settings.vector_index_codec, used above exact_max_items): `flat` keeps float32 vectors in the lists
(4 x dim bytes each), `sq8` one byte per dimension, `pq` dim/8 bytes (product quantisation: smallest, but its
recall@10 against exact search can stay below the target at any nprobe - the tuning records what it reached).
The recorded `memory_mb` counts codes, ids, the direct map and the centroids (what the index holds in RAM).
"""
from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np

from assistant.errors import IndexMismatch

EXACT_SUBSET_MAX = 4096   # allowed rows at or below this: exact dot products over just those rows


class VectorIndex:
    """Base: one FAISS index plus the tuning that goes with it."""
    backend_name = "base"

    def __init__(self, index: faiss.Index, params: dict | None = None):
        self.index = index
        self.params = params or {}

    @property
    def size(self) -> int:
        return self.index.ntotal

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Top-k (scores, row ids) per query row; ids are -1 where fewer than k rows qualify."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, self.size))
        if allowed is None:
            return self.index.search(queries, k, params=self._search_params(None))
        count = int(np.count_nonzero(allowed))
        if count == 0:
            return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)
        if count <= EXACT_SUBSET_MAX:
            return self._exact_subset(queries, k, np.flatnonzero(allowed))
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(self._bitmap(allowed)))
        return self.index.search(queries, k, params=self._search_params(selector))

    def _bitmap(self, allowed: np.ndarray) -> np.ndarray:
        self._bits = np.packbits(allowed.astype(bool), bitorder="little")  # kept alive during search
        return self._bits

    def _exact_subset(self, queries, k, rows):
        vectors = self.index.reconstruct_batch(rows.astype(np.int64))
        scores = queries @ vectors.T
        k_sub = min(k, len(rows))
        top = np.argsort(-scores, axis=1)[:, :k_sub]
        out_s = np.full((len(queries), k), -np.inf, np.float32)
        out_i = np.full((len(queries), k), -1, np.int64)
        out_s[:, :k_sub] = np.take_along_axis(scores, top, axis=1)
        out_i[:, :k_sub] = rows[top]
        return out_s, out_i

    def _search_params(self, selector):
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))
        Path(str(path) + ".json").write_text(json.dumps({"backend": self.backend_name, **self.params}))

    @staticmethod
    def load(path: Path) -> "VectorIndex":
        params = json.loads(Path(str(path) + ".json").read_text())
        name = params.pop("backend")
        if name not in INDEX_TYPES:
            raise IndexMismatch(f"{path}.json: unknown vector index type {name!r}; known: {sorted(INDEX_TYPES)}; rebuild")
        return INDEX_TYPES[name](faiss.read_index(str(path)), params)


class FlatIndex(VectorIndex):
    """Exact inner-product search: best for catalogs up to tens of thousands of items."""
    backend_name = "flat"

    @classmethod
    def build(cls, vectors: np.ndarray) -> "FlatIndex":
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index, {"recall_at_10": 1.0})


IVF_CODECS = ("flat", "sq8", "pq")


class IVFIndex(VectorIndex):
    """Inverted lists over k-means cells; nprobe tuned at build time against exact search."""
    backend_name = "ivf"

    @classmethod
    def build(cls, vectors: np.ndarray, target_recall: float = 0.95, seed: int = 0,
              codec: str = "flat", queries: np.ndarray | None = None,
              centroids: np.ndarray | None = None) -> "IVFIndex":
        """`queries`: embedded shopper queries to tune nprobe on beside catalog vectors (a catalog vector finds
        its own cluster easily; a short query lands between clusters and needs more lists probed).
        `centroids`: another IVF index's cells (`.centroids()`), reused instead of training k-means again."""
        if codec not in IVF_CODECS:
            raise ValueError(f"unknown vector index codec {codec!r}; use one of {IVF_CODECS}")
        n, dim = vectors.shape
        nlist = int(min(max(16, 4 * np.sqrt(n)), n // 39)) if centroids is None else len(centroids)
        rng = np.random.default_rng(seed)
        train = vectors[rng.choice(n, size=min(n, 64 * nlist), replace=False)]
        quantizer = faiss.IndexFlatIP(dim)
        if centroids is not None:
            quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))   # trained: IVF skips k-means
        index = _ivf(quantizer, dim, nlist, codec, len(train))
        index.cp.seed = seed
        index.train(train)
        index.add(vectors)
        index.make_direct_map()  # lets filtered searches reconstruct allowed rows
        self = cls(index, {"nlist": nlist, "codec": codec})
        self.params.update(self.tune(vectors, target_recall, rng, queries=queries))
        self.params["memory_mb"] = round((n * (index.code_size + 16) + nlist * dim * 4) / 2**20, 1)
        return self

    def tune(self, vectors, target_recall, rng, k: int = 10, n_queries: int = 200, queries=None) -> dict:
        """Smallest nprobe whose recall@k against exact search reaches `target_recall` on sampled catalog
        vectors and, if given, on `queries` (recall_at_10 is the lower of the two)."""
        sets = {"catalog": vectors[rng.choice(len(vectors), size=min(n_queries, len(vectors)), replace=False)]}
        if queries is not None and len(queries):
            sets["queries"] = np.ascontiguousarray(queries, dtype=np.float32)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        truth = {name: exact.search(q, k)[1] for name, q in sets.items()}
        del exact
        nprobe, recall, best, each = 1, 0.0, (1, -1.0), {}
        while nprobe <= self.index.nlist:
            self.params["nprobe"] = nprobe
            each = {name: float(np.mean([len(set(a) & set(b)) / k for a, b in zip(
                self.index.search(q, k, params=self._search_params(None))[1], truth[name])]))
                for name, q in sets.items()}
            recall = min(each.values())
            if recall >= target_recall:
                break
            if recall < best[1] + 0.005:      # the codes, not the lists, limit recall now (pq): keep the cheaper
                nprobe, recall = best
                break
            best = (nprobe, recall)
            nprobe *= 2
        return {"nprobe": min(nprobe, self.index.nlist), "recall_at_10": round(float(recall), 4),
                "tuned_on": sorted(sets)}

    def centroids(self) -> np.ndarray:
        """(nlist, dim) the cells' centres."""
        return self.index.quantizer.reconstruct_n(0, self.index.nlist)

    def _search_params(self, selector):
        nprobe = self.params.get("nprobe", 16)
        if selector is None:
            return faiss.SearchParametersIVF(nprobe=nprobe)
        return faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)


def _ivf(quantizer, dim: int, nlist: int, codec: str, n_train: int) -> faiss.IndexIVF:
    """An untrained IVF index with lists in `codec` (the python wrapper keeps `quantizer` alive)."""
    ip = faiss.METRIC_INNER_PRODUCT
    if codec == "flat":
        return faiss.IndexIVFFlat(quantizer, dim, nlist, ip)
    if codec == "sq8":
        return faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, ip)
    m = next(m for m in (dim // 8, dim // 4, dim // 2, dim) if m and dim % m == 0)   # sub-vectors of 8 dims
    bits = int(np.clip(np.log2(max(n_train, 1) / 39), 1, 8))        # 39 training points per centroid
    return faiss.IndexIVFPQ(quantizer, dim, nlist, m, bits, ip)


INDEX_TYPES: dict[str, type[VectorIndex]] = {"flat": FlatIndex, "ivf": IVFIndex}   # saved "backend" -> class


def build_vector_index(vectors: np.ndarray, exact_max_items: int = 50_000, codec: str = "flat",
                       queries=None) -> VectorIndex:
    """Exact search for small catalogs, IVF (recall-tuned, lists in `codec`) above `exact_max_items`;
    `queries`: a callable giving embedded shopper queries to tune on (called only when IVF is built)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if codec not in IVF_CODECS:
        raise ValueError(f"unknown vector index codec {codec!r}; use one of {IVF_CODECS}")
    if len(vectors) <= exact_max_items:
        return FlatIndex.build(vectors)
    return IVFIndex.build(vectors, codec=codec, queries=queries() if queries is not None else None)
