"""Order status and return eligibility for the signed-in customer only, computed in code.

    orders = CustomerOrders(index)        # policy: ReturnPolicy.from_index(index), the window quoted from the KB
    orders.lookup("12347", "537626")     # OrderFacts, or None if it is not this customer's order
    orders.recent("12347", n=3)

An order that exists but belongs to someone else is reported exactly like one that does not exist,
so the answer leaks nothing about other customers.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

ORDER_ID_PATTERN = re.compile(r"\b([A-Za-z]{0,3}\d{5,10})\b")   # 536365, C536379, O00012345
NON_RETURNABLE = re.compile(r"\b(candle|candles|incense|wax|chocolate|sweets|cake decorations?|gift card|voucher)\b",
                            re.I)


WINDOW_SENTENCE = re.compile(r"within\s+\**\s*(\d{1,3})\s+days", re.I)    # "within **30 days of delivery**"


@dataclass
class ReturnPolicy:
    window_days: int | None         # days from delivery; None: the shop's policy pages do not say
    citation: str = "returns.md#return-window"

    @classmethod
    def from_index(cls, index) -> "ReturnPolicy":
        """The window from shop.toml's `return_window_days` if set, else as the KB section states it."""
        meta = index.manifest.get("shop", {})
        if meta.get("return_window_days"):
            return cls(int(meta["return_window_days"]))
        match = WINDOW_SENTENCE.search(index.kb_section(cls.citation) or "")
        return cls(int(match.group(1)) if match else None)


@dataclass
class OrderFacts:
    order_id: str
    status: str
    order_date: str
    shipped_date: str | None
    delivered_date: str | None
    items: list[dict]
    total: float
    returnable: bool
    return_reason: str
    return_deadline: str | None
    currency: str = "GBP"

    def to_dict(self) -> dict:
        return asdict(self)


class CustomerOrders:
    def __init__(self, index, policy: ReturnPolicy | None = None):
        self.orders = index.table("orders")
        self.items = index.table("order_items").merge(
            index.products[["item_id", "title", "category"]], on="item_id", how="left")
        self.as_of = index.as_of
        self.currency = index.currency
        self.policy = policy or ReturnPolicy.from_index(index)

    def lookup(self, user_id: str | None, order_id: str) -> OrderFacts | None:
        """This customer's order `order_id`, or None (not found, or not theirs: same answer)."""
        if not user_id:
            return None
        row = self.orders[(self.orders["order_id"].str.upper() == order_id.upper())
                          & (self.orders["user_id"] == str(user_id))]
        return self._facts(row.iloc[0]) if len(row) else None

    def recent(self, user_id: str | None, n: int = 3) -> list[OrderFacts]:
        if not user_id:
            return []
        mine = self.orders[self.orders["user_id"] == str(user_id)].sort_values("order_date", ascending=False)
        return [self._facts(r) for _, r in mine.head(n).iterrows()]

    def _facts(self, order) -> OrderFacts:
        lines = self.items[self.items["order_id"] == order["order_id"]]
        items = [{"item_id": r.item_id, "title": r.title, "quantity": int(r.quantity),
                  "unit_price": float(r.unit_price)} for r in lines.itertuples()]
        returnable, reason, deadline = self._returnable(order, items)
        return OrderFacts(order_id=str(order["order_id"]), status=str(order["status"]),
                          order_date=_day(order["order_date"]), shipped_date=_day(order["shipped_date"]),
                          delivered_date=_day(order["delivered_date"]), items=items,
                          total=round(sum(i["quantity"] * i["unit_price"] for i in items), 2),
                          returnable=returnable, return_reason=reason, return_deadline=deadline,
                          currency=self.currency)

    def _returnable(self, order, items) -> tuple[bool, str, str | None]:
        status = order["status"]
        if status == "returned":
            return False, "this is already a return (credit note)", None
        if status == "cancelled":
            return False, "the order was cancelled", None
        if status == "processing":
            return False, "it has not shipped yet, so it can be cancelled instead of returned", None
        if status == "shipped" or pd.isna(order["delivered_date"]):
            return False, "it has not been delivered yet; the return window starts at delivery", None
        if self.policy.window_days is None:
            return False, "our policy pages do not state a return window, so a colleague needs to check", None
        deadline = order["delivered_date"] + pd.Timedelta(days=self.policy.window_days)
        if self.as_of > deadline:
            return False, (f"the {self.policy.window_days}-day return window ended on {_day(deadline)}; "
                           "faulty items are still covered by the warranty"), _day(deadline)
        excluded = [i["title"] for i in items if NON_RETURNABLE.search(str(i["title"]))]
        note = (f"; {', '.join(excluded[:3])} can only be returned unopened" if excluded else "")
        return True, f"within the {self.policy.window_days}-day return window{note}", _day(deadline)


def _day(value) -> str | None:
    return None if value is None or pd.isna(value) else str(pd.Timestamp(value).date())
