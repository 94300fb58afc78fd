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


def _clustered(n, dim, centres=200, noise=0.15, seed=0):
    """Catalog-like vectors: tight groups of variants round `centres` directions (not uniform noise)."""
    rng = np.random.default_rng(seed)
    c = _unit(centres, dim, seed + 1)
    x = c[rng.integers(0, centres, n)] + rng.normal(0, noise, (n, dim)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("codec", ["flat", "sq8"])
def test_ivf_codecs_reach_the_recall_target_on_catalog_vectors_and_queries(tmp_path, codec):
    vectors = _clustered(20_000, 32)
    queries = _unit(100, 32, seed=7) * 0.3 + vectors[:100] * 0.7            # between clusters, like a short query
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    index = build_vector_index(vectors, exact_max_items=1000, codec=codec, queries=lambda: queries)
    assert index.params["codec"] == codec and index.params["tuned_on"] == ["catalog", "queries"]
    assert index.params["recall_at_10"] >= 0.95
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, got = index.search(queries, 10)
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)]) >= 0.95   # recomputed here
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.params == json.loads(json.dumps(index.params))
    allowed = np.zeros(len(vectors), bool)
    allowed[::2] = True
    _, ids = loaded.search(vectors[10], k=5, allowed=allowed)
    assert ids[0][0] == 10 and all(i % 2 == 0 for i in ids[0])


def test_quantised_codecs_hold_less_memory_and_say_so():
    vectors = _clustered(20_000, 32)
    mb = {c: build_vector_index(vectors, exact_max_items=1000, codec=c).params for c in ("flat", "sq8", "pq")}
    # codes per vector: flat 4 x 32 = 128 bytes, sq8 32, pq 4 (4 sub-vectors x 8 bits); plus 16 bytes of ids
    assert mb["flat"]["memory_mb"] == pytest.approx((20_000 * 144 + mb["flat"]["nlist"] * 128) / 2**20, abs=0.05)
    assert mb["sq8"]["memory_mb"] == pytest.approx((20_000 * 48 + mb["sq8"]["nlist"] * 128) / 2**20, abs=0.05)
    assert mb["pq"]["memory_mb"] < mb["sq8"]["memory_mb"] < mb["flat"]["memory_mb"]
    assert 0 < mb["pq"]["recall_at_10"] <= 1 and mb["pq"]["nprobe"] <= mb["pq"]["nlist"]
    with pytest.raises(ValueError, match="unknown vector index codec 'hnsw'"):
        build_vector_index(vectors, exact_max_items=1000, codec="hnsw")


def test_a_second_codec_reuses_the_first_indexs_cells():
    vectors = _clustered(20_000, 32)
    flat = build_vector_index(vectors, exact_max_items=1000)
    from assistant.retrieval.vector import IVFIndex
    sq8 = IVFIndex.build(vectors, codec="sq8", centroids=flat.centroids())
    assert sq8.params["nlist"] == flat.params["nlist"]
    np.testing.assert_allclose(sq8.centroids(), flat.centroids())        # no second k-means
    assert sq8.params["recall_at_10"] >= 0.95
