"""Every validation error names the file, row and column, with a clear message."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from assistant.data.contracts import CONTRACTS, read_table
from assistant.errors import DataError
from assistant.data.shop import load_shop

PRODUCTS = "item_id,title,category,price,stock\nA1,Red mug,Kitchen,3.5,10\nB2,Blue bag,Bags,4.25,0\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def products(path: Path) -> pd.DataFrame:
    return read_table(path, CONTRACTS["products"])


def test_valid_products_are_typed_and_defaulted(tmp_path):
    df = products(write(tmp_path, "products.csv", PRODUCTS))
    assert list(df["price"]) == [3.5, 4.25]
    assert df["stock"].dtype == "int64"
    assert list(df["currency"]) == ["GBP", "GBP"]          # optional column, default
    assert list(df["attributes"]) == ["{}", "{}"]


def test_missing_column(tmp_path):
    with pytest.raises(DataError, match=r"products.csv, column 'price': missing required column\(s\) \['price'\]"):
        products(write(tmp_path, "products.csv", "item_id,title,category\nA1,Red mug,Kitchen\n"))


def test_bad_type_names_row_and_column(tmp_path):
    text = PRODUCTS + "C3,Green jug,Kitchen,cheap,4\n"
    with pytest.raises(DataError) as e:
        products(write(tmp_path, "products.csv", text))
    assert str(e.value) == "products.csv row 3, column 'price': expected a number, got 'cheap'"
    assert (e.value.row, e.value.column) == (3, "price")


def test_negative_price(tmp_path):
    with pytest.raises(DataError, match=r"products.csv row 2, column 'price': must be >= 0, got '-4.25' \(negative\)"):
        products(write(tmp_path, "products.csv", PRODUCTS.replace("4.25", "-4.25")))


def test_fractional_stock_is_not_a_whole_number(tmp_path):
    with pytest.raises(DataError, match=r"row 1, column 'stock': expected a whole number, got '10.5'"):
        products(write(tmp_path, "products.csv", PRODUCTS.replace(",10\n", ",10.5\n")))


def test_duplicate_ids(tmp_path):
    with pytest.raises(DataError, match=r"products.csv row 3, column 'item_id': duplicate id \(item_id='A1'\)"):
        products(write(tmp_path, "products.csv", PRODUCTS + "A1,Another mug,Kitchen,2,1\n"))


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match=r"products.csv: is empty: expected a header row and data rows"):
        products(write(tmp_path, "products.csv", ""))
    with pytest.raises(DataError, match=r"products.csv: has a header but no rows"):
        products(write(tmp_path, "products.csv", "item_id,title,category,price\n"))


def test_wrong_encoding(tmp_path):
    latin1 = (PRODUCTS + "C3,Café set,Kitchen,9,1\n").encode("latin-1")
    with pytest.raises(DataError, match=r"products.csv row 3: is not valid UTF-8 \(byte 0xe9 on line 4\)"):
        products(write(tmp_path, "products.csv", latin1))


def test_utf8_bom_and_chinese_text_are_fine(tmp_path):
    df = products(write(tmp_path, "products.csv", "\ufeff" + PRODUCTS + "C3,红色茶杯,Kitchen,9,1\n"))
    assert df["title"].iloc[2] == "红色茶杯"


def test_empty_required_cell(tmp_path):
    with pytest.raises(DataError, match=r"row 2, column 'title': is empty but required"):
        products(write(tmp_path, "products.csv", PRODUCTS.replace("Blue bag", "")))


def test_bad_attributes_json(tmp_path):
    text = "item_id,title,category,price,attributes\nA1,Mug,Kitchen,3,\"[1, 2]\"\n"
    with pytest.raises(DataError, match=r"row 1, column 'attributes': expected a JSON object"):
        products(write(tmp_path, "products.csv", text))


def test_bad_event_type_and_timestamp(tmp_path):
    events = CONTRACTS["events"]
    with pytest.raises(DataError, match=r"events.csv row 1, column 'event': 'like' is not one of"):
        read_table(write(tmp_path, "events.csv", "user_id,item_id,event,timestamp\nu1,A1,like,2011-01-01\n"), events)
    with pytest.raises(DataError, match=r"events.csv row 1, column 'timestamp': expected a date/time"):
        read_table(write(tmp_path, "events.csv", "user_id,item_id,event,timestamp\nu1,A1,view,yesterday\n"), events)


def test_parquet_is_accepted_and_validated(tmp_path):
    good = pd.DataFrame({"item_id": ["A1"], "title": ["Mug"], "category": ["Kitchen"], "price": [3.0]})
    good.to_parquet(tmp_path / "products.parquet")
    assert products(tmp_path / "products.parquet")["price"].iloc[0] == 3.0
    good.assign(price=[-1.0]).to_parquet(tmp_path / "products.parquet")
    with pytest.raises(DataError, match=r"products.parquet row 1, column 'price': must be >= 0"):
        products(tmp_path / "products.parquet")


def shop_folder(tmp_path: Path, events: str) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    write(folder, "products.csv", PRODUCTS)
    write(folder, "events.csv", events)
    return folder


def test_unknown_item_in_events(tmp_path):
    folder = shop_folder(tmp_path, "user_id,item_id,event,timestamp\nu1,A1,view,2011-01-01\nu1,ZZ9,purchase,2011-01-02\n")
    with pytest.raises(DataError, match=r"events.csv row 2, column 'item_id': unknown item_id 'ZZ9': not in products"):
        load_shop(folder)


def test_minimal_shop_loads_with_optional_tables_absent(tmp_path):
    shop = load_shop(shop_folder(tmp_path, "user_id,item_id,event,timestamp\nu1,A1,view,2011-01-01\n"))
    assert len(shop.products) == 2 and len(shop.events) == 1 and len(shop.orders) == 0


def test_both_csv_and_parquet_is_an_error(tmp_path, small_shop):
    folder = tmp_path / "shop"
    shutil.copytree(small_shop, folder)
    pd.read_csv(folder / "products.csv", dtype=str).to_parquet(folder / "products.parquet")
    with pytest.raises(DataError, match="both products.csv and products.parquet exist"):
        load_shop(folder)
