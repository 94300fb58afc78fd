"""The Online Retail importer turns real transactions into valid shop tables."""
from __future__ import annotations

import gzip

import pytest

from assistant.errors import DataError
from assistant.data.online_retail import attributes_of, category_of, import_online_retail
from assistant.data.shop import load_shop


def test_import_gives_a_valid_shop(small_shop):
    shop = load_shop(small_shop)   # full validation, including references between tables
    assert len(shop.products) > 500 and len(shop.customers) > 100
    assert set(shop.events["event"]) == {"purchase", "return"}
    assert {"returns.md", "shipping.md", "payment.md", "warranty.md", "privacy.md", "contact.md",
            "refunds.md"} <= set(shop.kb)
    assert shop.meta["as_of"] == "2010-12-04" and "CC BY 4.0" in shop.meta["source"]


def test_non_products_are_dropped_and_cancellations_become_returns(small_shop):
    shop = load_shop(small_shop)
    assert not shop.products["item_id"].isin(["POST", "D", "M", "DOT", "BANK CHARGES"]).any()
    returned = shop.orders[shop.orders["order_id"].str.startswith("C")]
    assert len(returned) > 0 and set(returned["status"]) == {"returned"}
    assert (shop.events.loc[shop.events["event"] == "return", "quantity"] > 0).all()


def test_known_product_is_imported_with_its_real_data(small_shop):
    shop = load_shop(small_shop)
    row = shop.products.set_index("item_id").loc["85123A"]
    assert row["title"] == "White Hanging Heart T-Light Holder"
    assert row["category"] == "Candles & Lights"
    assert row["price"] == pytest.approx(2.55, abs=0.5)
    assert '"colour": "white"' in row["attributes"]


def test_category_and_attribute_rules():
    assert category_of("JUMBO BAG RED RETROSPOT") == "Bags & Storage"
    assert category_of("PAPER CHAIN KIT 50'S CHRISTMAS") == "Christmas"
    assert category_of("SOMETHING UNUSUAL") == "Gifts & Novelties"
    assert attributes_of("SET OF 6 SPICE TINS PANTRY DESIGN") == '{"pack_size": 6}'


def test_wrong_file_format_is_rejected(tmp_path):
    path = tmp_path / "other.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"other.csv.gz, column 'InvoiceNo': not an Online Retail export"):
        import_online_retail(path)
