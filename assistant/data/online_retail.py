"""Import the UCI Online Retail transactions (a real UK gift shop) into the shop contracts.

    python -m assistant import online-retail data/online-retail/online_retail.csv.gz data/demo-shop

Raw columns: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country.
- products: one per StockCode (postage, fees and manual adjustments dropped); title from the most
  common description, price = median positive unit price, category and colour derived from words
  in the description, stock derived (0 for items unsold in the last 90 days).
- customers: each CustomerID with its most frequent country and first purchase date.
- events: every sale line of a known customer as `purchase`; cancellation lines ('C' invoices) as `return`.
- orders/order_items: invoices of known customers; a 'C' invoice is a `returned` order (a credit note).
  Status of sales follows the shop's "today" (`as_of`, the day after the last invoice).
The shop's policy knowledge base (assistant/resources/demo_kb) is copied into the shop's kb/ folder.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from assistant.data.colours import COLOURS
from assistant.data.merchandise import NON_PRODUCT_CODE
from assistant.data.shop import Shop
from assistant.errors import DataError
from assistant.resources import DEMO_KB

RAW_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
               "CustomerID", "Country"]
KB_SOURCE = DEMO_KB

# First matching rule wins; words are matched whole against the upper-case description.
CATEGORY_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("Christmas", ("CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE", "NATIVITY")),
    ("Easter", ("EASTER", "CHICK", "BUNNY")),
    ("Candles & Lights", ("CANDLE", "CANDLES", "T-LIGHT", "T-LIGHTS", "TEALIGHT", "LANTERN", "LIGHTS",
                          "LIGHT", "LAMP", "INCENSE", "OIL", "BURNER", "NIGHTLIGHT")),
    ("Jewellery & Accessories", ("NECKLACE", "EARRINGS", "BRACELET", "RING", "CHARM", "BEAD", "BEADS",
                                 "DIAMANTE", "BROOCH", "HAIR", "CLIP", "SLIDE", "PURSE", "UMBRELLA",
                                 "SCARF", "GLOVES", "HANDBAG", "BLING", "JEWELLED")),
    ("Bags & Storage", ("BAG", "BAGS", "BASKET", "STORAGE", "TIN", "TINS", "BOX", "BOXES", "JAR",
                        "CASE", "CASES", "HAMPER", "DRAWER", "CABINET", "TRUNK")),
    ("Kitchen & Dining", ("MUG", "MUGS", "CUP", "CUPS", "TEACUP", "SAUCER", "PLATE", "PLATES", "BOWL",
                          "BOWLS", "CUTLERY", "SPOON", "SPOONS", "NAPKINS", "TEA", "COFFEE", "CAKE",
                          "BAKING", "KITCHEN", "PANTRY", "LUNCH", "APRON", "TRAY", "DISH", "JUG",
                          "TEAPOT", "BOTTLE", "CAKESTAND", "CASES", "GLASS", "TUMBLER", "COASTER",
                          "OVEN", "CHOPPING", "EGG", "JAM", "CHOCOLATE", "SCALES", "DOILY")),
    ("Cards, Wrap & Stationery", ("CARD", "CARDS", "WRAP", "PAPER", "NOTEBOOK", "PENCILS", "PENCIL",
                                  "PEN", "PENS", "STICKERS", "TAPE", "ENVELOPE", "ENVELOPES", "BOOK",
                                  "TISSUES", "RIBBON", "RIBBONS", "ERASER", "CALENDAR", "DIARY",
                                  "STAMP", "JOURNAL", "TAGS")),
    ("Toys & Kids", ("TOY", "TOYS", "CHILDRENS", "CHILDS", "DOLLY", "DOLL", "JIGSAW", "GAME", "GAMES",
                     "SPACEBOY", "PLAYHOUSE", "SOLDIER", "FELTCRAFT", "PUZZLE", "BALLOON", "BALLOONS",
                     "SKIPPING", "CRAYONS", "PAINTING", "KIT", "TEDDY", "MAGIC", "DINOSAUR")),
    ("Party & Celebrations", ("PARTY", "BIRTHDAY", "BUNTING", "GARLAND", "CONFETTI", "WEDDING",
                              "BANNER", "STRAWS")),
    ("Garden & Outdoor", ("GARDEN", "PLANT", "PLANTER", "WATERING", "BIRD", "PARASOL", "PICNIC",
                          "FLOWER", "FLOWERS", "TROWEL", "SEED", "POT", "POTS", "WINDMILL", "FEEDER")),
    ("Home Decor", ("CUSHION", "CLOCK", "FRAME", "MIRROR", "SIGN", "HOOK", "HOOKS", "DOORMAT", "VASE",
                    "WALL", "HANGER", "HANGING", "DECORATION", "ORNAMENT", "WREATH", "TILE", "KNOB",
                    "DOORSTOP", "THROW", "BLANKET", "QUILT", "CURTAIN", "HEART", "HOLDER", "PHOTO",
                    "PICTURE", "ART", "MAGNETS", "MAGNET", "BATHROOM", "TOWEL", "WARMER")),
]


def category_of(description: str) -> str:
    words = set(re.findall(r"[A-Z][A-Z\-]*", description.upper()))
    for category, keywords in CATEGORY_RULES:
        if words.intersection(keywords):
            return category
    return "Gifts & Novelties"


def attributes_of(description: str) -> str:
    words = set(re.findall(r"[a-z]+", description.lower()))
    colours = [c for c in COLOURS if c in words]
    parts = []
    if colours:
        parts.append(f'"colour": "{colours[0]}"')
    pack = re.search(r"\b(?:SET(?: OF)?|PACK(?: OF)?|SET/)\s*(\d+)", description.upper())
    if pack:
        parts.append(f'"pack_size": {int(pack.group(1))}')
    return "{" + ", ".join(parts) + "}"


def read_raw(path: Path) -> pd.DataFrame:
    """Read the raw transactions with StockCode/InvoiceNo as text; checks the expected columns."""
    df = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str,
                                  "Description": str, "Country": str})
    missing = [c for c in RAW_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(Path(path).name, f"not an Online Retail export: missing column(s) {missing}",
                        column=missing[0])
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], format="mixed")
    df["CustomerID"] = df["CustomerID"].str.replace(r"\.0$", "", regex=True)
    df["Description"] = df["Description"].fillna("").str.strip()
    df["StockCode"] = df["StockCode"].str.strip().str.upper()   # '85123a' is the same product as '85123A'
    return df[~df["StockCode"].str.match(NON_PRODUCT_CODE)]   # sales of fee lines stay out of the shop;
    # a fee line with a product-like code (Next Day Carriage) is kept out of answers by the search catalog


def import_online_retail(path: Path) -> Shop:
    """Convert the raw Online Retail CSV(.gz) into a validated-shape `Shop`."""
    raw = read_raw(path)
    as_of = (raw["InvoiceDate"].max().normalize() + pd.Timedelta(days=1))
    sales = raw[(raw["Quantity"] > 0) & (raw["UnitPrice"] > 0) & ~raw["InvoiceNo"].str.startswith("C")]
    products = _products(sales, as_of)
    known = raw[raw["CustomerID"].notna() & raw["StockCode"].isin(products["item_id"])]
    returns = known[known["InvoiceNo"].str.startswith("C") & (known["Quantity"] < 0)]
    bought = known[known["StockCode"].isin(products["item_id"]) & ~known["InvoiceNo"].str.startswith("C")
                   & (known["Quantity"] > 0) & (known["UnitPrice"] > 0)]
    customers = (pd.concat([bought, returns]).sort_values("InvoiceDate")
                 .groupby("CustomerID")
                 .agg(country=("Country", lambda s: s.mode().iloc[0]), signup_date=("InvoiceDate", "min"))
                 .reset_index().rename(columns={"CustomerID": "user_id"}))
    customers.insert(1, "name", "Customer " + customers["user_id"])
    customers.insert(2, "email", "")
    events = pd.concat([
        _events(bought, "purchase"),
        _events(returns.assign(Quantity=-returns["Quantity"]), "return"),
    ]).sort_values(["timestamp", "user_id", "item_id"], kind="stable").reset_index(drop=True)
    orders, order_items = _orders(pd.concat([bought, returns]), as_of)
    kb = {p.name: p.read_text(encoding="utf-8") for p in sorted(KB_SOURCE.glob("*.md"))}
    meta = {"name": "Online Retail demo gift shop", "as_of": str(as_of.date()), "currency": "GBP",
            "source": "UCI Online Retail (Chen, Sain & Guo 2012), CC BY 4.0, doi:10.1057/dbm.2012.17"}
    return Shop(products, customers, events, orders, order_items, kb=kb, meta=meta)


def _products(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    named = sales[sales["Description"] != ""]
    g = named.groupby("StockCode")
    title = g["Description"].agg(lambda s: s.value_counts().index[0])
    price = g["UnitPrice"].median().round(2)
    last_sold = g["InvoiceDate"].max()
    units_90d = named[named["InvoiceDate"] >= as_of - pd.Timedelta(days=90)].groupby("StockCode")["Quantity"].sum()
    products = pd.DataFrame({"item_id": title.index, "raw": title.values})
    products["title"] = products["raw"].map(_title_case)
    products["category"] = products["raw"].map(category_of)
    products["description"] = products.apply(
        lambda r: f"{r.title}. {r.category} from our gift range.", axis=1)
    products["brand"] = ""
    products["price"] = products["item_id"].map(price).values
    products["currency"] = "GBP"
    recent = products["item_id"].map(units_90d).fillna(0)
    products["stock"] = [_stock(code, units) for code, units in zip(products["item_id"], recent)]
    products["attributes"] = products["raw"].map(attributes_of)
    products["last_sold"] = products["item_id"].map(last_sold).values
    return products[["item_id", "title", "description", "category", "brand", "price", "currency",
                     "stock", "attributes"]].sort_values("item_id").reset_index(drop=True)


def _stock(code: str, units_90d: float) -> int:
    """Deterministic stock level: none for items unsold in 90 days, else about 2-8 weeks of sales."""
    if units_90d <= 0:
        return 0
    weeks = 2 + int(hashlib.sha256(code.encode()).hexdigest(), 16) % 7
    return int(max(1, round(units_90d / 13 * weeks)))


def _title_case(text: str) -> str:
    small = {"of", "and", "in", "with", "for", "the", "on", "a"}
    words = text.lower().split()
    return " ".join(w if (i and w in small) else re.sub(r"(^|-)([a-z])", lambda m: m[1] + m[2].upper(), w)
                    for i, w in enumerate(words))


def _events(rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    return pd.DataFrame({"user_id": rows["CustomerID"].values, "item_id": rows["StockCode"].values,
                         "event": kind, "timestamp": rows["InvoiceDate"].values,
                         "quantity": rows["Quantity"].astype(int).values,
                         "price": rows["UnitPrice"].values})


def _orders(lines: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    g = lines.groupby("InvoiceNo")
    orders = pd.DataFrame({"order_id": g["CustomerID"].first().index,
                           "user_id": g["CustomerID"].first().values,
                           "order_date": g["InvoiceDate"].min().values,
                           "country": g["Country"].first().values})
    age = (as_of - orders["order_date"]).dt.days
    is_return = orders["order_id"].str.startswith("C")
    orders["status"] = "delivered"
    orders.loc[age < 5, "status"] = "shipped"
    orders.loc[age < 2, "status"] = "processing"
    orders.loc[is_return, "status"] = "returned"
    orders["shipped_date"] = (orders["order_date"] + pd.Timedelta(days=1)).where(orders["status"] != "processing")
    orders["delivered_date"] = (orders["order_date"] + pd.Timedelta(days=4)).where(
        orders["status"].isin(["delivered", "returned"]))
    orders = orders[["order_id", "user_id", "status", "order_date", "shipped_date", "delivered_date", "country"]]
    items = (lines.assign(quantity=lines["Quantity"].abs())
             .groupby(["InvoiceNo", "StockCode"], sort=True)
             .agg(quantity=("quantity", "sum"), unit_price=("UnitPrice", "first")).reset_index()
             .rename(columns={"InvoiceNo": "order_id", "StockCode": "item_id"}))
    return orders.sort_values("order_id").reset_index(drop=True), items
