"""What a shop's product table may hold that is not merchandise: postage, carriage, packing and bank charges, fees,
vouchers and manual adjustments. Such a line is never offered, recommended or counted as a product to buy.

    is_merchandise("23444", "Next Day Carriage")       # False: a shipping fee line
    is_merchandise("85168B", "Black Baroque Carriage Clock")   # True: the clock is a thing
    merchandise_mask(products)                          # one bool per row of a products frame

The one home of this rule: the Online Retail importer drops these lines (data/online_retail.py) and the search
catalog (search/filters.CatalogArrays) keeps any that an older import or another shop's table still holds out of
every answer. A title is a service line when all its words are service words ("Next Day Carriage", "Packing
Charge", "Postage") or it names a voucher or fee; a title with a thing in it ("Carriage Clock") is merchandise.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Stock codes the Online Retail export uses for postage, fees, samples and adjustments.
NON_PRODUCT_CODE = re.compile(r"^(POST|D|M|DOT|BANK CHARGES|AMAZONFEE|CRUK|C2|PADS|B|S|ADJUST.*|TEST.*|"
                              r"GIFT_.*|DCGS.*)$", re.I)
SERVICE_WORDS = frozenset({"next", "day", "same", "express", "standard", "priority", "tracked", "international",
                           "overseas", "uk", "eu", "carriage", "postage", "post", "packing", "packaging", "delivery",
                           "shipping", "courier", "charge", "charges", "fee", "fees", "bank", "amazon", "dotcom",
                           "manual", "adjustment", "discount", "surcharge", "handling", "and", "&", "p&p"})
SERVICE_TITLE = re.compile(r"\b(?:gift )?vouchers?\b|\bgift cards? £|\b(?:bank|amazon|packing|handling|service) "
                           r"(?:charges?|fees?)\b|\bcommission\b|\bsurcharge\b", re.I)


def is_merchandise(code: str, title: str) -> bool:
    """False for a postage, fee, voucher or adjustment line (by its stock code or its title)."""
    if NON_PRODUCT_CODE.match(str(code).strip()):
        return False
    title = str(title)
    ws = re.findall(r"[a-z&]+", title.lower())
    if ws and all(w in SERVICE_WORDS for w in ws):
        return False
    return not SERVICE_TITLE.search(title)


def merchandise_mask(products: pd.DataFrame) -> np.ndarray:
    """True per row of `products` (item_id, title) that is merchandise."""
    return np.fromiter((is_merchandise(c, t) for c, t in zip(products["item_id"], products["title"])), bool,
                       len(products))
