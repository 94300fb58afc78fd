"""Build time and peak memory of the pandas build and the Spark build (local[2]) as the purchase log grows.

    python bench/scale_build.py --sizes 1000000,5000000,20000000 [--engines pandas,spark] [--timeout-s 1800]

For each size a synthetic shop (bench/synth.py: Zipf-like popularity, users with category tastes) is written as
Parquet in chunks of `--chunk` events (`events.parquet/part-*.parquet`, likewise orders and order_items), with a
fixed catalog (`--products`) and one user per 20 events, so only the log grows. Each engine then runs the whole
build (`build_indexes`, product vectors given, CF = ALS with `--cf-params` for both) in its own process; the
peak memory is the largest RSS of that process and its children (Spark's JVM included), sampled every 0.5 s.
The pandas process gets an address-space limit (`--pandas-memory-gb`); a build that hits it or the time limit
is reported as such, not left out.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import synthetic_shop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = """
import json, sys, numpy as np
from pathlib import Path
from assistant.config import Settings
from assistant.build import build_indexes
data, index, engine, cf_params = sys.argv[1:5]
s = Settings.load(data_dir=Path(data), index_dir=Path(index), cf_model="als", cf_params=cf_params, tune_budget_s=0,
                  spark_driver_memory=sys.argv[5])
m = build_indexes(s, progress=False, engine=engine, product_vectors=np.load(Path(data).parent / "vectors.npy"))
print(json.dumps({"counts": m["counts"], "step_seconds": m["step_seconds"]}))
"""


def write_shop(folder: Path, events: int, products: int, chunk: int) -> None:
    """The synthetic shop as Parquet: catalog and customers once, the log in parts."""
    folder.mkdir(parents=True)
    users = max(events // 20, 1000)
    for part, start in enumerate(range(0, events, chunk)):
        shop, vectors = synthetic_shop(products, min(chunk, events - start), users, part=part, vectors=part == 0)
        if part == 0:
            shop.products.to_parquet(folder / "products.parquet", index=False)
            shop.customers.to_parquet(folder / "customers.parquet", index=False)
            (folder / "shop.toml").write_text("".join(f'{k} = "{v}"\n' for k, v in sorted(shop.meta.items())))
            (folder / "kb").mkdir()
            for name, text in shop.kb.items():
                (folder / "kb" / name).write_text(text)
            np.save(folder.parent / "vectors.npy", vectors)
        for name in ("events", "orders", "order_items"):
            (folder / f"{name}.parquet").mkdir(exist_ok=True)
            shop.table(name).to_parquet(folder / f"{name}.parquet" / f"part-{part:04d}.parquet", index=False)
        print(f"  wrote part {part}: {start + min(chunk, events - start):,} events", flush=True)


def run_build(data: Path, index: Path, engine: str, args) -> dict:
    def limit():
        if engine == "pandas":
            cap = int(args.pandas_memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cmd = [sys.executable, "-c", BUILD, str(data), str(index), engine, args.cf_params, args.spark_memory]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    logs = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")   # files, not pipes: a chatty JVM
    proc = subprocess.Popen(cmd, stdout=logs[0], stderr=logs[1], text=True, env=env,   # cannot block on a full pipe
                            preexec_fn=limit)
    peak = 0
    cpu = {}      # pid -> latest user + system seconds (monotonic per process; summed over the tree at the end)
    parent = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
            for p in tree:
                t = p.cpu_times()
                cpu[p.pid] = t.user + t.system
        except psutil.Error:
            pass
        if time.perf_counter() - start > args.timeout_s:
            for c in parent.children(recursive=True):
                c.kill()
            proc.kill()
            proc.wait()
            return {"status": f"timeout after {args.timeout_s} s", "seconds": None, "peak_gb": round(peak / 2**30, 2),
                    "cpu_s": round(sum(cpu.values()), 1)}
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    out, err = (f.seek(0) or f.read() for f in logs)
    if proc.returncode == 0:
        status = "ok"
    elif any(s in err for s in ("MemoryError", "Unable to allocate", "bad_alloc")) or proc.returncode in (-9, 137):
        status = f"out of memory (limit {args.pandas_memory_gb} GB)" if engine == "pandas" else "out of memory"
    else:      # e.g. pyarrow's "ArrowException: Unknown error: Wrapping ..." when an allocation fails at the cap
        status = "failed: " + (err.strip().splitlines() or ["?"])[-1][:200]
        if engine == "pandas":
            status += f" (under the {args.pandas_memory_gb} GB address-space cap)"
    steps = json.loads(out.strip().splitlines()[-1])["step_seconds"] if proc.returncode == 0 else None
    return {"status": status, "seconds": round(seconds, 1), "cpu_s": round(sum(cpu.values()), 1),
            "peak_gb": round(peak / 2**30, 2), "step_seconds": steps, "load_avg": [round(x, 1) for x in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000000,5000000,20000000")
    ap.add_argument("--engines", default="pandas,spark")
    ap.add_argument("--products", type=int, default=20_000)
    ap.add_argument("--chunk", type=int, default=2_000_000)
    ap.add_argument("--cf-params", default='{"factors": 32, "iterations": 10}')
    ap.add_argument("--timeout-s", type=float, default=1800)
    ap.add_argument("--pandas-memory-gb", type=float, default=16)
    ap.add_argument("--spark-memory", default="8g", help="spark.driver.memory (local mode: all of Spark)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "scale_build.json")
    args = ap.parse_args()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"scale-{size}-") as tmp:
            data = Path(tmp) / "shop"
            t = time.perf_counter()
            write_shop(data, size, args.products, args.chunk)
            mb = sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) / 2**20
            print(f"{size:,} events: synthetic shop written in {time.perf_counter() - t:.0f} s ({mb:.0f} MB Parquet)",
                  flush=True)
            for engine in args.engines.split(","):
                r = {"events": size, "engine": engine, **run_build(data, Path(tmp) / f"indexes-{engine}", engine,
                                                                   args)}
                results.append(r)
                print(f"{size:>11,} events | {engine:<6} | {r['status']:<28} | "
                      f"{r['seconds'] if r['seconds'] is not None else '-':>8} s | CPU {r['cpu_s']:>7} s | "
                      f"peak {r['peak_gb']:>6} GB | load {r.get('load_avg')} | steps {r.get('step_seconds')}",
                      flush=True)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
