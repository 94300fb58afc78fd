"""Complements: what customers bought in the same order as a named product ("what goes well with X?").

    comp = Complements(order_items, orders, catalog_item_ids, vocab.product_types)
    row = comp.resolve("white hanging heart t-light holder", relevance, understand)   # catalog row or None
    comp.top(row, n=5, allowed=mask, same_type=relevance.same_type(row))   # [(row, customers), ...]

Counted per distinct customer (one big buyer cannot make a pair), over non-returned orders. Products of
the anchor's own type are left out (more t-light holders are alternatives, not complements). Ranked by
customers who bought both, damped by how many buy the other product at all, so that the carrier bag
everyone buys does not top every list.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

MIN_CUSTOMERS = 2        # a pair seen with one customer is an accident, not a habit


class Complements:
    def __init__(self, order_items: pd.DataFrame, orders: pd.DataFrame, item_ids, product_types: list[list[str]]):
        self.size = len(item_ids)
        self.product_types = product_types
        row_of = pd.Series(np.arange(self.size), index=pd.Index(item_ids))
        kept = orders[orders["status"] != "returned"][["order_id", "user_id"]].dropna()
        lines = order_items.merge(kept, on="order_id")
        lines = lines[lines["item_id"].isin(row_of.index)]
        users = pd.Categorical(lines["user_id"].astype(str))
        items = row_of.reindex(lines["item_id"]).to_numpy()
        order_codes = pd.Categorical(lines["order_id"].astype(str))
        ones = np.ones(len(lines), np.float32)
        # orders x items (1 if the order holds the item) and customers x orders
        self.order_items = sp.csr_matrix((ones, (order_codes.codes, items)),
                                         shape=(len(order_codes.categories), self.size))
        self.order_items.data[:] = 1
        first_user = lines.groupby(order_codes.codes, observed=True)["user_id"].first()
        user_codes = pd.Categorical(first_user.astype(str), categories=users.categories).codes
        self.user_orders = sp.csr_matrix((np.ones(len(first_user), np.float32), (user_codes, first_user.index)),
                                         shape=(len(users.categories), self.order_items.shape[0])).tocsc()
        customers_items = (self.user_orders @ self.order_items).tocsr()
        customers_items.data[:] = 1
        self.buyers = np.asarray(customers_items.sum(axis=0)).ravel()

    def customers_with(self, row: int) -> np.ndarray:
        """For every product: customers who bought it in the same order as product `row`."""
        orders = self.order_items[:, row].nonzero()[0]
        if not len(orders):
            return np.zeros(self.size, np.float32)
        both = (self.user_orders[:, orders] @ self.order_items[orders]).tocsr()
        both.data[:] = 1
        counts = np.asarray(both.sum(axis=0)).ravel()
        counts[row] = 0
        return counts

    def top(self, row: int, n: int = 5, allowed: np.ndarray | None = None,
            same_type: np.ndarray | None = None) -> list[tuple[int, int]]:
        """Best complements of product `row`: [(row, customers who bought both in one order)].
        `same_type` marks products of the anchor's type (left out)."""
        counts = self.customers_with(row)
        score = counts / np.sqrt(np.maximum(self.buyers, 1))
        keep = counts >= MIN_CUSTOMERS
        if allowed is not None:
            keep &= allowed
        if same_type is not None:
            keep &= ~same_type
        rows = np.flatnonzero(keep)
        rows = rows[np.argsort(-score[rows], kind="stable")[:n]]
        return [(int(r), int(counts[r])) for r in rows]

    def resolve(self, name: str, titles, relevance, understand) -> int | None:
        """The catalog row a shopper means by `name`: an exact title, else the title covering most of the
        name's words (at least two thirds), most-bought first among equals; None when nothing fits."""
        low = " ".join(name.lower().split())
        exact = [i for i, t in enumerate(titles) if str(t).lower() == low]
        if exact:
            return exact[0]
        request = understand(name)
        if request.unknown:
            return None
        coverage = relevance.lexical(request)
        best = float(coverage.max()) if coverage.size else 0.0
        if best < 2 / 3:
            return None
        tied = np.flatnonzero(coverage >= best - 1e-6)
        return int(tied[np.argmax(self.buyers[tied])])
