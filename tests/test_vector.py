"""The vector index's own flat/IVF map: save/load round trip, filtered search, unknown type refused."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.errors import IndexMismatch
from assistant.retrieval.vector import FlatIndex, VectorIndex, build_vector_index


def _unit(n, dim, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_flat_round_trip_and_filter(tmp_path):
    vectors = _unit(50, 8)
    index = build_vector_index(vectors, exact_max_items=100)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert isinstance(loaded, FlatIndex) and loaded.params == {"recall_at_10": 1.0}
    _, ids = loaded.search(vectors[7], k=1)
    assert ids[0][0] == 7                                   # a vector's nearest neighbour is itself
    allowed = np.zeros(50, bool)
    allowed[[3, 9]] = True
    _, ids = loaded.search(vectors[7], k=5, allowed=allowed)
    assert set(ids[0][:2]) == {3, 9} and list(ids[0][2:]) == [-1, -1, -1]


def test_unknown_saved_type_is_refused(tmp_path):
    build_vector_index(_unit(20, 4)).save(tmp_path / "v.faiss")
    (tmp_path / "v.faiss.json").write_text(json.dumps({"backend": "hnsw"}))
    with pytest.raises(IndexMismatch, match="unknown vector index type 'hnsw'"):
        VectorIndex.load(tmp_path / "v.faiss")
