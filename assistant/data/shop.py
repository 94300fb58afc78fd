"""A shop folder in memory: all tables validated together, plus the knowledge base.

    shop = load_shop(Path("data/demo-shop"))
    shop.products.loc[shop.products.item_id == "85123A", "title"]
    shop.kb["returns.md"]

    save_shop(shop, Path("data/my-shop"))   # written to a temp folder, then renamed into place
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assistant.data.contracts import CONTRACTS, check_reference, find_table_file, read_table
from assistant.errors import DataError
from assistant.fsutil import atomic_dir, file_sha256

TABLE_FILES = ("products", "customers", "events", "orders", "order_items")


@dataclass
class Shop:
    products: pd.DataFrame
    customers: pd.DataFrame
    events: pd.DataFrame
    orders: pd.DataFrame
    order_items: pd.DataFrame
    kb: dict[str, str] = field(default_factory=dict)   # file name -> Markdown text
    meta: dict[str, str] = field(default_factory=dict)  # e.g. {"as_of": "2011-12-10", "source": ...}

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def load_shop(folder: Path) -> Shop:
    """Validate and load every table of `folder`; raises DataError on the first problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(str(folder), "shop folder not found (run `python -m assistant import` first?)")
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLE_FILES:
        contract = CONTRACTS[name]
        path = find_table_file(folder, name)
        if path is None:
            if contract.must_have_rows:
                raise DataError(f"{folder}/{name}.csv", "required file is missing")
            cols = {c.name: pd.Series([], dtype=object) for c in contract.columns}
            tables[name] = pd.DataFrame(cols)
            continue
        tables[name] = read_table(path, contract)
        for column, target in contract.refs.items():
            other, other_col = target.split(".")
            if other in tables and (other != "customers" or len(tables["customers"])):
                check_reference(tables[name], path.name, column, tables[other][other_col], f"{other}")
    kb = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "kb").glob("*.md"))}
    meta = {}
    meta_file = folder / "shop.toml"
    if meta_file.exists():
        meta = {k: str(v) for k, v in tomllib.loads(meta_file.read_text(encoding="utf-8")).items()}
    return Shop(**tables, kb=kb, meta=meta)


def save_shop(shop: Shop, folder: Path, fmt: str = "csv") -> None:
    """Write `shop` as a shop folder; the old folder stays intact until the new one is complete."""
    with atomic_dir(Path(folder)) as tmp:
        for name in TABLE_FILES:
            df = shop.table(name)
            if fmt == "parquet":
                df.to_parquet(tmp / f"{name}.parquet", index=False)
            else:
                df.to_csv(tmp / f"{name}.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
        (tmp / "kb").mkdir()
        for fname, text in shop.kb.items():
            (tmp / "kb" / fname).write_text(text, encoding="utf-8")
        if shop.meta:
            (tmp / "shop.toml").write_text("".join(f'{k} = "{v}"\n' for k, v in sorted(shop.meta.items())),
                                           encoding="utf-8")


def data_hash(folder: Path) -> str:
    """sha256 over every file of the shop folder (names and bytes), independent of file times."""
    digest = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        file_sha256(path, digest)
    return digest.hexdigest()
