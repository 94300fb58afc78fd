"""A shop folder for the Spark build: small tables in pandas, the big ones as validated Spark DataFrames.

    shop = SparkShop.open(spark, "data/big-shop", staging=Path("/tmp/stage"))   # or "s3a://bucket/shop"
    shop.products, shop.customers, shop.kb, shop.meta       # pandas / dicts, as in data/shop.py
    shop.frames["events"].groupBy("event").count()          # Spark DataFrame, typed per data/contracts.py
    shop.write_tables(build_dir / "tables")                  # the same tables/*.parquet the pandas build writes

The big tables (events, orders, order_items) are read from `<name>.parquet` (a file or a folder of part files,
on any file system Spark reads). A local `<name>.csv` is validated and converted to Parquet in `staging` first
(pandas reads it, so very large logs should arrive as Parquet). Validation follows data/contracts.py column by
column, in one Spark pass per table; Spark has no row numbers, so an error names the file, the column, the
first offending value and how many rows are like it.
"""
from __future__ import annotations

import logging
import shutil
import tomllib
from pathlib import Path

import pandas as pd

from assistant.data.contracts import CONTRACTS, DataError, Table, find_table_file, read_table, typed_table
from assistant.data.shop import TABLE_FILES

log = logging.getLogger(__name__)

BIG_TABLES = ("events", "orders", "order_items")
SMALL_TABLES = ("products", "customers")
assert set(BIG_TABLES) | set(SMALL_TABLES) == set(TABLE_FILES)
NUMERIC_TYPES = {"tinyint", "smallint", "int", "bigint", "float", "double"}
SPARK_TYPES = {"str": "string", "json": "string", "float": "double", "int": "bigint", "datetime": "timestamp_ntz"}


def is_remote(folder: str) -> bool:
    return "://" in str(folder) and not str(folder).startswith("file://")


class SparkShop:
    def __init__(self, spark, folder: str, products: pd.DataFrame, customers: pd.DataFrame, frames: dict,
                 kb: dict[str, str], meta: dict[str, str]):
        self.spark, self.folder = spark, folder
        self.products, self.customers = products, customers
        self.frames = frames            # name -> typed Spark DataFrame (events, orders, order_items)
        self.kb, self.meta = kb, meta

    @classmethod
    def open(cls, spark, folder: str | Path, staging: Path) -> "SparkShop":
        """Read and validate every table; raises DataError on the first problem."""
        folder = str(folder).rstrip("/")
        if not is_remote(folder) and not Path(folder).is_dir():
            raise DataError(folder, "shop folder not found (run `python -m assistant import` first?)")
        # the big tables are persisted once typed; Spark would serve an earlier open's cache for the same
        # files even after they changed, so every open starts from the files
        spark.catalog.clearCache()
        small = {name: _read_small(spark, folder, name) for name in SMALL_TABLES}
        frames = {name: _read_big(spark, folder, name, staging) for name in BIG_TABLES}
        shop = cls(spark, folder, small["products"], small["customers"], frames, *_kb_and_meta(spark, folder))
        shop._check_references()
        return shop

    def products_frame(self):
        """(item_id, category) of the catalog as a Spark DataFrame."""
        return self.spark.createDataFrame(self.products[["item_id", "category"]].astype(str))

    def count(self, name: str) -> int:
        return len(self.products) if name == "products" else (
            len(self.customers) if name == "customers" else self.frames[name].count())

    def latest_time(self):
        """Newest event timestamp or order date (pandas Timestamp), or None for an empty log."""
        from pyspark.sql import functions as F
        times = [self.frames["events"].agg(F.max("timestamp")).first()[0],
                 self.frames["orders"].agg(F.max("order_date")).first()[0]]
        times = [pd.Timestamp(t) for t in times if t is not None]
        return max(times) if times else None

    def write_tables(self, folder: Path) -> None:
        """tables/<name>.parquet as the pandas build writes them (one file each); later reads use these."""
        for name in SMALL_TABLES:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        for name in BIG_TABLES:
            parts = folder / f".{name}-parts"
            self.frames[name].coalesce(1).write.mode("overwrite").parquet(str(parts))
            (part,) = sorted(parts.glob("part-*.parquet"))
            part.rename(folder / f"{name}.parquet")
            shutil.rmtree(parts)
            self.frames[name].unpersist()
            self.frames[name] = self.spark.read.parquet(str(folder / f"{name}.parquet"))

    def _check_references(self) -> None:
        from pyspark.sql import functions as F
        known = {"products.item_id": self.products["item_id"], "customers.user_id": self.customers["user_id"]}
        for name in BIG_TABLES:
            for column, target in CONTRACTS[name].refs.items():
                if target == "customers.user_id" and not len(self.customers):
                    continue
                if target in known:
                    ids = self.spark.createDataFrame(pd.DataFrame({column: known[target].astype(str)}))
                else:   # order_items.order_id -> orders.order_id
                    ids = self.frames[target.split(".")[0]].select(F.col(target.split(".")[1]).alias(column))
                bad = self.frames[name].select(column).join(F.broadcast(ids) if target in known else ids,
                                                            column, "left_anti")
                row = bad.agg(F.count(F.lit(1)).alias("n"), F.first(column).alias("v")).first()
                if row["n"]:
                    raise DataError(f"{name}.parquet", f"unknown {column} {row['v']!r}: not in {target.split('.')[0]}"
                                    f" ({row['n']} row(s) like this)", column=column)


def _read_small(spark, folder: str, name: str) -> pd.DataFrame:
    contract = CONTRACTS[name]
    if not is_remote(folder):
        path = find_table_file(Path(folder), name)
        if path is not None:
            return read_table(path, contract)
    elif _exists(spark, f"{folder}/{name}.parquet"):
        df = spark.read.parquet(f"{folder}/{name}.parquet").toPandas()
        return typed_table(df.astype(object).where(df.notna(), ""), contract, f"{name}.parquet")
    if contract.must_have_rows:
        raise DataError(f"{folder}/{name}.parquet", "required file is missing")
    return pd.DataFrame({c.name: pd.Series([], dtype=object) for c in contract.columns})


def _read_big(spark, folder: str, name: str, staging: Path):
    contract = CONTRACTS[name]
    source = f"{folder}/{name}.parquet"
    if not is_remote(folder):
        path = find_table_file(Path(folder), name)
        if path is not None and path.suffix == ".csv":
            staging.mkdir(parents=True, exist_ok=True)
            log.info("converting %s to Parquet in %s", path, staging)
            read_table(path, contract).to_parquet(staging / f"{name}.parquet", index=False)
            source = str(staging / f"{name}.parquet")
        elif path is None:
            return _empty(spark, contract)
    elif not _exists(spark, source):
        return _empty(spark, contract)
    from pyspark import StorageLevel
    # validated, typed and kept: the checks, the reference joins and write_tables all read it (not the source)
    return typed_frame(spark.read.parquet(source), contract, f"{name}.parquet").persist(StorageLevel.MEMORY_AND_DISK)


def typed_frame(df, table: Table, file: str):
    """Columns in contract order and types; raises DataError as data/contracts.py would (without row numbers)."""
    from pyspark.sql import functions as F
    missing = [c.name for c in table.columns if c.required and c.name not in df.columns]
    if missing:
        raise DataError(file, f"missing required column(s) {missing}; found {df.columns}", column=missing[0])
    out, checks = [], []      # checks: (column, condition, message, offending text)
    types = dict(df.dtypes)
    for col in table.columns:
        kind = SPARK_TYPES[col.kind]
        if col.name not in df.columns:
            out.append(F.lit(col.default).cast(kind).alias(col.name))
            continue
        raw = F.col(col.name)
        numeric = types[col.name] in NUMERIC_TYPES      # Parquet numbers: no round trip through text
        text = F.trim(raw.cast("string"))
        empty = raw.isNull() if numeric else raw.isNull() | (text == "")
        if not col.nullable and col.default in ("", None):
            checks.append((col.name, empty, "is empty but required", text))
        if col.kind in ("str", "json"):
            value = F.when(empty, F.lit("" if col.default is None else str(col.default))).otherwise(text)
            if col.choices:
                checks.append((col.name, ~empty & ~text.isin(*col.choices),
                               f"is not one of {list(col.choices)}", text))
        else:
            if col.kind == "datetime":
                value = raw.cast(kind) if types[col.name].startswith("timestamp") else text.cast(kind)
            else:
                value = raw.cast("double") if numeric else text.cast("double")
            name = {"datetime": "a date/time (ISO 8601, e.g. 2011-12-09 12:50:00)", "float": "a number",
                    "int": "a whole number"}[col.kind]
            bad = value.isNull() & ~empty
            if col.kind == "int":
                bad = bad | (value.isNotNull() & (value != F.floor(value)))
            checks.append((col.name, bad, f"expected {name}", text))
            if col.min is not None:
                checks.append((col.name, value < col.min, f"must be >= {col.min:g}", text))
            if col.default is not None:
                value = F.when(empty, F.lit(col.default)).otherwise(value)
            value = value.cast(kind)
        out.append(value.alias(col.name))
    aggs = []
    for i, (_, cond, _, shown) in enumerate(checks):
        aggs += [F.sum(F.when(cond, 1).otherwise(0)).alias(f"n{i}"), F.first(F.when(cond, shown), True).alias(f"v{i}")]
    row = df.agg(*aggs).first() if aggs else None
    for i, (column, _, message, _) in enumerate(checks):
        if row[f"n{i}"]:
            raise DataError(file, f"{message}, got {row[f'v{i}']!r} ({row[f'n{i}']} row(s) like this)",
                            column=column)
    typed = df.select(*out)
    if table.key:
        dup = typed.groupBy(*table.key).count().where("count > 1").first()
        if dup is not None:
            key = ", ".join(f"{k}={dup[k]!r}" for k in table.key)
            raise DataError(file, f"duplicate id ({key}) used by {dup['count']} rows", column=table.key[0])
    return typed


def _empty(spark, table: Table):
    schema = ", ".join(f"`{c.name}` {SPARK_TYPES[c.kind]}" for c in table.columns)
    return spark.createDataFrame([], schema)


def _exists(spark, uri: str) -> bool:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(path)


def _kb_and_meta(spark, folder: str) -> tuple[dict[str, str], dict[str, str]]:
    if not is_remote(folder):
        kb = {p.name: p.read_text(encoding="utf-8") for p in sorted((Path(folder) / "kb").glob("*.md"))}
        meta_file = Path(folder) / "shop.toml"
        text = meta_file.read_text(encoding="utf-8") if meta_file.exists() else ""
    else:
        kb = {}
        if _exists(spark, f"{folder}/kb"):
            kb = {uri.rsplit("/", 1)[-1]: body for uri, body in
                  sorted(spark.sparkContext.wholeTextFiles(f"{folder}/kb/*.md").collect())}
        text = ""
        if _exists(spark, f"{folder}/shop.toml"):
            text = spark.read.text(f"{folder}/shop.toml", wholetext=True).first()[0]
    return kb, {k: str(v) for k, v in tomllib.loads(text).items()}



def spark_data_hash(spark, folder: str | Path) -> str:
    """data/shop.data_hash for a local folder; for remote storage, sha256 over file names, sizes and times."""
    import hashlib
    from assistant.data.shop import data_hash
    if not is_remote(str(folder)):
        return data_hash(Path(folder))
    jvm = spark.sparkContext._jvm
    root = jvm.org.apache.hadoop.fs.Path(str(folder))
    files = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).listFiles(root, True)
    listing = []
    while files.hasNext():
        f = files.next()
        listing.append(f"{f.getPath().toString()}\0{f.getLen()}\0{f.getModificationTime()}")
    return hashlib.sha256("\n".join(sorted(listing)).encode()).hexdigest()
