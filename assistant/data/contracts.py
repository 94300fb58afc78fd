"""Data contracts: the tables a shop provides, and their validation.

A shop folder holds `products`, `customers`, `events`, `orders` and `order_items`
as `.csv` (UTF-8) or `.parquet`, plus a `kb/` folder of Markdown policy documents.

    from assistant.data.contracts import read_table, CONTRACTS
    products = read_table(Path("shop/products.csv"), CONTRACTS["products"])

Every problem raises `DataError` (assistant/errors.py) naming the file, the row (1-based data row; the CSV
line is row + 1 because of the header) and the column.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from assistant.errors import DataError


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"             # str | float | int | datetime | json
    required: bool = True         # the column must be present
    nullable: bool = False        # empty cells allowed
    min: float | None = None      # numbers: smallest allowed value
    choices: tuple[str, ...] = ()
    default: object = ""          # value of an absent optional column / empty cell


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()                          # unique together
    refs: dict[str, str] = field(default_factory=dict)  # column -> "table.column"
    must_have_rows: bool = False


EVENT_TYPES = ("view", "cart", "purchase", "return")
ORDER_STATUSES = ("processing", "shipped", "delivered", "cancelled", "returned")

CONTRACTS: dict[str, Table] = {t.name: t for t in (
    Table("products", (
        Column("item_id"),
        Column("title"),
        Column("description", required=False, nullable=True),
        Column("category"),
        Column("brand", required=False, nullable=True),
        Column("price", "float", min=0),
        Column("currency", required=False, default="GBP"),
        Column("stock", "int", required=False, min=0, default=0),
        Column("attributes", "json", required=False, nullable=True, default="{}"),
    ), key=("item_id",), must_have_rows=True),
    Table("customers", (
        Column("user_id"),
        Column("name", required=False, nullable=True),
        Column("email", required=False, nullable=True),
        Column("country", required=False, nullable=True),
        Column("signup_date", "datetime", required=False, nullable=True, default=None),
    ), key=("user_id",)),
    Table("events", (
        Column("user_id"),
        Column("item_id"),
        Column("event", choices=EVENT_TYPES),
        Column("timestamp", "datetime"),
        Column("quantity", "int", required=False, min=1, default=1),
        Column("price", "float", required=False, nullable=True, min=0, default=None),
    ), refs={"item_id": "products.item_id"}),
    Table("orders", (
        Column("order_id"),
        Column("user_id"),
        Column("status", choices=ORDER_STATUSES),
        Column("order_date", "datetime"),
        Column("shipped_date", "datetime", required=False, nullable=True, default=None),
        Column("delivered_date", "datetime", required=False, nullable=True, default=None),
        Column("country", required=False, nullable=True),
    ), key=("order_id",), refs={"user_id": "customers.user_id"}),
    Table("order_items", (
        Column("order_id"),
        Column("item_id"),
        Column("quantity", "int", min=1),
        Column("unit_price", "float", min=0),
    ), refs={"order_id": "orders.order_id", "item_id": "products.item_id"}),
)}


def find_table_file(folder: Path, name: str) -> Path | None:
    """The `.csv` or `.parquet` file for table `name` in `folder`, or None."""
    found = [p for p in (folder / f"{name}.csv", folder / f"{name}.parquet") if p.exists()]
    if len(found) > 1:
        raise DataError(str(found[0]), f"both {found[0].name} and {found[1].name} exist; keep one")
    return found[0] if found else None


def read_table(path: Path, table: Table) -> pd.DataFrame:
    """Read and validate one table file; returns typed columns in contract order."""
    raw = _read_raw(path)
    if raw.empty and table.must_have_rows:
        raise DataError(path.name, "has a header but no rows; at least one is needed")
    missing = [c.name for c in table.columns if c.required and c.name not in raw.columns]
    if missing:
        raise DataError(path.name, f"missing required column(s) {missing}; found {list(raw.columns)}",
                        column=missing[0])
    out = {}
    for col in table.columns:
        if col.name in raw.columns:
            out[col.name] = _convert(raw[col.name], col, path.name)
        else:
            out[col.name] = pd.Series([col.default] * len(raw), dtype=_dtype(col), index=raw.index)
    df = pd.DataFrame(out)
    if table.key:
        dup = df.duplicated(list(table.key), keep="first")
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            key = ", ".join(f"{k}={df[k].iloc[i]!r}" for k in table.key)
            raise DataError(path.name, f"duplicate id ({key}) already used by an earlier row",
                            row=i + 1, column=table.key[0])
    return df


def check_reference(df: pd.DataFrame, file: str, column: str, known: pd.Series, target: str) -> None:
    """Raise if a value of `df[column]` is not among `known` (e.g. an event's unknown item id)."""
    bad = ~df[column].isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(file, f"unknown {column} {df[column].iloc[i]!r}: not in {target}"
                        f" ({int(bad.sum())} row(s) like this)", row=i + 1, column=column)


def _read_raw(path: Path) -> pd.DataFrame:
    name = path.name
    if path.stat().st_size == 0:
        raise DataError(name, "is empty: expected a header row and data rows")
    if path.suffix == ".parquet":
        try:
            df = pd.read_parquet(path)
        except (pa.ArrowException, OSError) as e:  # ArrowInvalid for corrupt files, OSError for unreadable
            raise DataError(name, f"cannot be read as Parquet: {e}") from None
        return df.astype(object).where(df.notna(), "")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DataError(name, f"is not valid UTF-8 (byte 0x{data[e.start]:02x} on line {line}); "
                              "save it as UTF-8", row=max(line - 1, 0) or None) from None
    if not text.strip():
        raise DataError(name, "is empty: expected a header row and data rows")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as e:
        raise DataError(name, f"is not well-formed CSV: {e}") from None
    df.columns = [c.strip() for c in df.columns]
    return df


def _dtype(col: Column):
    return {"float": "float64", "int": "int64", "datetime": "datetime64[ns]"}.get(col.kind, object)


def _convert(series: pd.Series, col: Column, file: str) -> pd.Series:
    as_text = series.astype(str).str.strip()
    empty = (as_text == "") | series.isna()
    if empty.any() and not col.nullable and col.default in ("", None):
        raise DataError(file, "is empty but required", row=_first(empty), column=col.name)
    if col.kind == "str":
        values = as_text.where(~empty, "" if col.default is None else str(col.default))
        if col.choices:
            bad = ~values.isin(col.choices) & ~empty
            if bad.any():
                i = _first(bad)
                raise DataError(file, f"{values.iloc[i - 1]!r} is not one of {list(col.choices)}",
                                row=i, column=col.name)
        return values.astype(object)
    if col.kind == "json":
        return as_text.where(~empty, col.default).map(lambda s, f=file, c=col: _json_object(s, f, c, as_text))
    if col.kind == "datetime":
        values, kind_name = parse_timestamps(series.where(~empty, None), as_text[~empty])
    else:
        values = pd.to_numeric(series.where(~empty, None), errors="coerce")
        kind_name = "a number" if col.kind == "float" else "a whole number"
    bad = values.isna() & ~empty
    if col.kind == "int":
        bad |= values.notna() & (values != np.floor(values.fillna(0)))
    if bad.any():
        i = _first(bad)
        raise DataError(file, f"expected {kind_name}, got {as_text.iloc[i - 1]!r}", row=i, column=col.name)
    if col.min is not None:
        low = values < col.min
        if low.any():
            i = _first(low)
            raise DataError(file, f"must be >= {col.min:g}, got {as_text.iloc[i - 1]!r}"
                                  f"{' (negative)' if col.min == 0 else ''}", row=i, column=col.name)
    if col.default is not None and empty.any():
        values = values.fillna(col.default)
    if col.kind == "int":
        return values.astype("int64")
    if col.kind == "datetime" and getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values


UNIX_MS_FROM = 1e11    # a Unix time above this is milliseconds (1e11 s would be the year 5138)


def parse_timestamps(series: pd.Series, present: pd.Series) -> tuple[pd.Series, str]:
    """The one timestamp parser: ISO 8601, Unix seconds or Unix milliseconds, detected per file.

    A file whose first non-empty value is a number is Unix time (milliseconds when its largest number is
    >= UNIX_MS_FROM, else seconds); any other file is ISO 8601. Unparseable values come back as NaT,
    with the format's name for the caller's error message: (values, "a date/time (...)")."""
    numbers = pd.to_numeric(present, errors="coerce")
    if len(present) and pd.notna(numbers.iloc[0]):
        unit = "ms" if numbers.abs().max() >= UNIX_MS_FROM else "s"
        values = pd.to_datetime(pd.to_numeric(series, errors="coerce"), unit=unit, errors="coerce")
        return values, f"a Unix time in {'milliseconds' if unit == 'ms' else 'seconds'}, as in the file's first row"
    try:
        values = pd.to_datetime(series, errors="coerce", format="ISO8601")
    except ValueError:           # rows with and without a UTC offset: naive ones are read as UTC
        values = pd.to_datetime(series, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)
    return values, ("a date/time (ISO 8601, e.g. 2011-12-09 12:50:00; or Unix seconds / milliseconds "
                    "in every row)")


def _json_object(text: str, file: str, col: Column, all_text: pd.Series) -> str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        row = int(np.flatnonzero((all_text == text).to_numpy())[0]) + 1
        raise DataError(file, f"expected a JSON object like {{\"colour\": \"red\"}}, got {text!r}",
                        row=row, column=col.name)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0]) + 1
