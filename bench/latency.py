"""Ranking latency, index build time and memory at 10k / 100k / 1M products (synthetic shops).

    python bench/latency.py --sizes 10000,100000,1000000 [--requests 300] [--codecs flat,sq8,pq]

For each size: generate a shop (bench/synth.py), build indexes (vectors given, so no catalog embedding),
then time `Ranker.recommend` with the query already embedded (retrieval + CF + ranking + evidence) over a
mix of requests: query only, query + filters, known user without query, query + known user. The baseline,
timed in the same run on the same queries, is a brute-force numpy scan of all product vectors (exact
top-20, no filters, no CF): the ratio says what the whole ranker costs relative to the simplest search.
Query embedding (MiniLM, one query) is reported separately, and each request is also timed with its query
embedded afresh (`ranker_with_query_embedding`, the figure a live request sees).

Vector index codecs (`--codecs`, sizes above Settings.exact_index_max_items): for each IVF codec an index is
built over the same product vectors and put in the ranker; reported are its nprobe, its RAM (`memory_mb`),
recall@10 against exact search on 100 real embedded queries (`recall_at_10_queries`: the 15 above plus 85
"<adjective> <noun> gift" phrases from the synthetic vocabulary) and on 200 catalog vectors (the build's own
tuning figure), the FAISS search p95 and the ranker p95 with the query embedding.

Product vectors are synthetic (bench/synth.py): the ~1,800 distinct title stems ("red mug") embedded with
MiniLM, each product its stem's vector plus Gaussian noise (sigma 0.03 per dimension, cosine ~0.86 to its stem),
so a 1M catalog is ~1,800 tight clusters of near-duplicates, as a catalog of variants is - harder for IVF than
uniform noise, where top-10 lists are nearly random.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import ADJECTIVES, NOUNS, synthetic_shop  # noqa: E402

from assistant.artifacts import ShopIndex  # noqa: E402
from assistant.build import build_indexes, tuning_queries  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.data.shop import save_shop  # noqa: E402
from assistant.retrieval.vector import IVFIndex, VectorIndex  # noqa: E402
from assistant.search.filters import Filters  # noqa: E402
from assistant.search.ranker import Ranker  # noqa: E402

QUERIES = ["red mug", "gift for a tea lover", "candle holder", "christmas decoration", "kids toy",
           "vintage photo frame", "garden bird feeder", "silver necklace", "party bunting", "lunch bag",
           "something for my mum", "wooden toy car", "blue teapot", "storage tin", "wall clock"]


def percentiles(ms: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def recall_queries(n: int = 100, seed: int = 0) -> list[str]:
    """QUERIES plus "<adjective> <noun> gift" phrases from the synthetic shop's words, n in all."""
    rng = np.random.default_rng(seed)
    nouns = [w for words in NOUNS.values() for w in words]
    return QUERIES + [f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)} gift" for _ in range(n - len(QUERIES))]


def time_ranker(ranker, embedder, users, requests: int) -> tuple[list, list, list, float]:
    """(ranker ms, ranker + query embedding ms, brute-force scan ms, mean CPU ms of embedding + ranker)
    over the request mix."""
    rng = np.random.default_rng(0)
    index = ranker.index
    qvecs = [embedder.query(q) for q in QUERIES]
    ranker_ms, total_ms, baseline_ms, cpu_s = [], [], [], 0.0
    for r in range(requests):
        qi = r % len(QUERIES)
        kind = r % 4
        kwargs = {"query": QUERIES[qi], "query_vector": qvecs[qi], "n": 10}
        if kind == 1:
            kwargs["filters"] = Filters(max_price=float(rng.choice([5, 10, 20])), in_stock=True)
        elif kind == 2:
            kwargs = {"user_id": users[r % len(users)], "n": 10}
        elif kind == 3:
            kwargs["user_id"] = users[r % len(users)]
        t, cpu = time.perf_counter(), time.process_time()
        if "query" in kwargs:                     # the query embedded again, as a live request would
            kwargs["query_vector"] = embedder.query(kwargs["query"])
        t_ranker = time.perf_counter()
        ranker.recommend(**kwargs)
        ranker_ms.append((time.perf_counter() - t_ranker) * 1000)
        total_ms.append((time.perf_counter() - t) * 1000)
        cpu_s += time.process_time() - cpu
        t = time.perf_counter()
        scores = index.vectors @ qvecs[qi]
        np.argpartition(-scores, 20)[:20]
        baseline_ms.append((time.perf_counter() - t) * 1000)
    return ranker_ms, total_ms, baseline_ms, 1000 * cpu_s / max(requests, 1)


def bench_codecs(index, ranker, users, codecs: list[str], requests: int, lock: Path | None) -> dict:
    """Each IVF codec over the same vectors: recall against exact search, memory, search and ranker p95."""
    embedder = index.embedder
    qv = np.stack([embedder.query(q) for q in recall_queries()]).astype(np.float32)
    vectors = np.ascontiguousarray(index.vectors, dtype=np.float32)
    exact = np.argpartition(-(qv @ vectors.T), 10, axis=1)[:, :10]      # the exact top-10 (as sets)
    out, centroids = {}, index.vector_index.centroids()    # every codec uses the build's cells (one k-means)
    tuning = np.stack([embedder.query(q) for q in tuning_queries(index.products)])
    index.vector_index = None     # one index in memory at a time: the build's is read back from disk after
    for codec in codecs:
        t = time.perf_counter()
        ivf = IVFIndex.build(vectors, codec=codec, queries=tuning, centroids=centroids)
        build_s = time.perf_counter() - t
        _, got = ivf.search(qv, 10)
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, exact)])
        search_ms = []
        index.vector_index = ivf
        with bench_lock(lock):
            for q in qv:
                t = time.perf_counter()
                ivf.search(q, 20)
                search_ms.append((time.perf_counter() - t) * 1000)
            _, total_ms, _, cpu_ms = time_ranker(ranker, embedder, users, requests)
            load = [round(x, 1) for x in os.getloadavg()]
        out[codec] = {**ivf.params, "build_s": round(build_s, 1), "recall_at_10_queries": round(float(recall), 4),
                      "search": percentiles(search_ms), "ranker_with_query_embedding": percentiles(total_ms[10:]),
                      "cpu_ms_per_request": round(cpu_ms, 2), "load_avg": load}
        print(f"    {codec:<5} nprobe {ivf.params['nprobe']:>4} | recall@10 queries {recall:.3f}, catalog vectors "
              f"{ivf.params['recall_at_10']:.3f} | {ivf.params['memory_mb']:>7} MB | search p95 "
              f"{out[codec]['search']['p95_ms']} ms | ranker+embedding p95 "
              f"{out[codec]['ranker_with_query_embedding']['p95_ms']} ms (CPU {cpu_ms:.1f} ms/request) | load {load} | "
              f"built in {build_s:.0f} s", flush=True)
        del ivf
    index.vector_index = VectorIndex.load(index.folder / "products.faiss")
    return out


@contextmanager
def bench_lock(path: Path | None):
    """Hold an exclusive flock on `path` (shared with other timed runs) while timing; nothing if None."""
    if path is None:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def bench_size(n: int, requests: int, workdir: Path, codecs: list[str], lock: Path | None = None) -> dict:
    shop, vectors = synthetic_shop(products=n, events=max(2 * n, 100_000), users=max(n // 5, 2_000))
    data = workdir / f"shop-{n}"
    save_shop(shop, data, fmt="parquet")
    # CF untuned (tune_budget_s 0): this measures search and ranking, and tuning at 1M items would score
    # dense (validation users x catalog) matrices
    settings = Settings.load(data_dir=data, index_dir=workdir / f"indexes-{n}", tune_budget_s=0)
    start = time.perf_counter()
    manifest = build_indexes(settings, progress=False, product_vectors=vectors)
    build_s = time.perf_counter() - start
    del shop, vectors
    index = ShopIndex.open(settings)
    ranker = Ranker(index)
    embedder = index.embedder
    embed_ms = []
    qvecs = []
    for q in QUERIES:
        t = time.perf_counter()
        qvecs.append(embedder.query(q))
        embed_ms.append((time.perf_counter() - t) * 1000)
    users = list(ranker.history.user_ids[:: max(1, len(ranker.history.user_ids) // 50)])
    with bench_lock(lock):
        ranker_ms, total_ms, baseline_ms, cpu_ms = time_ranker(ranker, embedder, users, requests)
        load = [round(x, 1) for x in os.getloadavg()]
    rank = percentiles(ranker_ms[10:])
    base = percentiles(baseline_ms[10:])
    return {"products": n, "events": manifest["counts"]["events"], "vector_index": manifest["models"]["vector_index"],
            "build_s": round(build_s, 1), "ranker": rank, "ranker_with_query_embedding": percentiles(total_ms[10:]),
            "baseline_bruteforce": base,
            "ratio_p95_ranker_vs_bruteforce": round(rank["p95_ms"] / max(base["p95_ms"], 1e-6), 2),
            "query_embedding": percentiles(embed_ms[1:]), "cpu_ms_per_request": round(cpu_ms, 2), "load_avg": load,
            "index_mb": round(sum(p.stat().st_size for p in (workdir / f"indexes-{n}" / "current").rglob("*")
                                  if p.is_file()) / 2**20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "codecs": bench_codecs(index, ranker, users, codecs, requests, lock)
            if codecs and n > settings.exact_index_max_items else {}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--codecs", default="", help="IVF codecs to compare, e.g. flat,sq8,pq (above the exact size)")
    ap.add_argument("--lock", type=Path, default=None,
                    help="flock this file around the timed parts only (builds run outside it), e.g. /work/bench.lock")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "latency.json")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            r = bench_size(n, args.requests, Path(tmp), [c for c in args.codecs.split(",") if c], args.lock)
            results.append(r)
            print(f"{n:>9,} products | build {r['build_s']:>7.1f} s | ranker p50 {r['ranker']['p50_ms']:>6.2f} ms "
                  f"p95 {r['ranker']['p95_ms']:>6.2f} ms | with query embedding p95 "
                  f"{r['ranker_with_query_embedding']['p95_ms']:>6.2f} ms | brute-force scan p95 {r['baseline_bruteforce']['p95_ms']:>6.2f} ms"
                  f" (ratio {r['ratio_p95_ranker_vs_bruteforce']}) | embed p50 {r['query_embedding']['p50_ms']:.1f} ms"
                  f" | {r['vector_index']['backend']} recall@10 {r['vector_index']['recall_at_10']}"
                  f" | index {r['index_mb']} MB | peak RSS {r['peak_rss_mb']} MB | CPU {r['cpu_ms_per_request']} ms/request"
                  f" | load {r['load_avg']}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
