"""Structured product filters, applied as a boolean mask inside retrieval (never by the LLM).

    f = Filters(max_price=20, categories=["Kitchen & Dining"], in_stock=True, attributes={"colour": "red"})
    mask = f.mask(catalog)           # one bool per product row
    f.describe("GBP")                 # ['under £20.00', 'in Kitchen & Dining', 'in stock', 'colour: red']
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from assistant.data.merchandise import merchandise_mask
from assistant.search.money import format_price

@dataclass
class Filters:
    min_price: float | None = None
    max_price: float | None = None
    categories: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    in_stock: bool = False
    attributes: dict[str, str] = field(default_factory=dict)
    exclude_ids: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return self == Filters()

    def mask(self, catalog: "CatalogArrays") -> np.ndarray:
        m = catalog.merchandise.copy()            # fee and postage lines are never offered (data/merchandise.py)
        if self.min_price is not None:
            m &= catalog.price >= self.min_price
        if self.max_price is not None:
            m &= catalog.price <= self.max_price
        if self.categories:
            m &= np.isin(catalog.category_lower, [c.lower() for c in self.categories])
        if self.brands:
            m &= np.isin(catalog.brand_lower, [b.lower() for b in self.brands])
        if self.in_stock:
            m &= catalog.stock > 0
        for key, value in self.attributes.items():
            m &= catalog.attribute(key) == str(value).lower()
        if self.exclude_ids:
            m &= ~np.isin(catalog.item_ids, self.exclude_ids)
        return m

    def describe(self, currency: str = "GBP") -> list[str]:
        """Human-readable constraints, used as evidence ("matches: under £20, in stock")."""
        out = []
        if self.min_price is not None and self.max_price is not None:
            out.append(f"{format_price(self.min_price, currency)}-{format_price(self.max_price, currency)}")
        elif self.max_price is not None:
            out.append(f"under {format_price(self.max_price, currency)}")
        elif self.min_price is not None:
            out.append(f"over {format_price(self.min_price, currency)}")
        out += [f"in {c}" for c in self.categories] + [f"by {b}" for b in self.brands]
        if self.in_stock:
            out.append("in stock")
        out += [f"{k.replace('_', ' ')}: {v}" for k, v in self.attributes.items()]
        return out

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], {}, False)}


class CatalogArrays:
    """Column arrays of the product table, prepared once for fast masks."""

    def __init__(self, products: pd.DataFrame):
        self.size = len(products)
        self.item_ids = products["item_id"].to_numpy(dtype=object)
        self.titles = products["title"].to_numpy(dtype=object)
        self.category = products["category"].to_numpy(dtype=object)
        self.currency = products["currency"].to_numpy(dtype=object)
        self.price = products["price"].to_numpy(np.float64)
        self.stock = products["stock"].to_numpy(np.int64)
        self.merchandise = merchandise_mask(products)   # False for postage, fee and voucher lines
        self.category_lower = products["category"].str.lower().to_numpy(dtype=object)
        self.brand_lower = products["brand"].fillna("").str.lower().to_numpy(dtype=object)
        self._attributes = [json.loads(a or "{}") for a in products["attributes"]]
        self._by_key: dict[str, np.ndarray] = {}
        self.categories = sorted(products["category"].unique())

    def attribute(self, key: str) -> np.ndarray:
        """Lower-cased value of attribute `key` per product ('' where absent)."""
        if key not in self._by_key:
            self._by_key[key] = np.array([str(a.get(key, "")).lower() for a in self._attributes], dtype=object)
        return self._by_key[key]
