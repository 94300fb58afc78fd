"""Synthetic shop generator for scale benchmarks, in the same data contracts as a real shop.

    python bench/synth.py --products 1000000 --events 10000000 --users 500000 --out /tmp/shop-1m
    shop, vectors = synthetic_shop(products=100_000, events=1_000_000, users=50_000)

Products are combinations of real gift-shop words (so titles embed and search meaningfully); popularity is
Zipf-like, each user shops in a few "taste" categories, so CF has structure to learn. Product vectors are
made without running the embedder on every title: the distinct title stems are embedded once with MiniLM
and each product gets its stem's vector plus a little noise (`product_vectors.npy`), which
`build_indexes(..., product_vectors=...)` takes as given.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.data.shop import Shop, save_shop  # noqa: E402

ADJECTIVES = ["red", "pink", "blue", "white", "black", "green", "ivory", "silver", "gold", "vintage", "retro",
              "wooden", "glass", "ceramic", "enamel", "knitted", "painted", "small", "large", "jumbo", "mini",
              "floral", "spotty", "striped", "rustic", "french", "scandi", "woodland", "botanical", "regency"]
NOUNS = {
    "Kitchen & Dining": ["mug", "teacup", "teapot", "cake stand", "lunch box", "bowl", "plate", "apron", "jug"],
    "Candles & Lights": ["candle", "t-light holder", "lantern", "night light", "light chain", "candle holder"],
    "Home Decor": ["cushion cover", "wall clock", "photo frame", "mirror", "door sign", "doormat", "coat hook"],
    "Bags & Storage": ["shopping bag", "lunch bag", "storage tin", "basket", "trinket box", "jar"],
    "Cards, Wrap & Stationery": ["notebook", "wrapping paper", "greeting card", "pencil set", "sticker sheet"],
    "Toys & Kids": ["jigsaw", "spinning top", "rag doll", "skipping rope", "paint set", "toy car"],
    "Garden & Outdoor": ["plant pot", "watering can", "bird feeder", "garden trowel", "parasol"],
    "Jewellery & Accessories": ["necklace", "bracelet", "earrings", "hair clip", "purse", "umbrella"],
    "Christmas": ["christmas bauble", "advent calendar", "star decoration", "tree topper", "stocking"],
    "Party & Celebrations": ["party bunting", "birthday banner", "paper plates", "balloons", "cake toppers"],
}


def synthetic_shop(products: int, events: int, users: int, seed: int = 0, part: int | None = None,
                   vectors: bool = True) -> tuple[Shop, np.ndarray | None]:
    """`part` k > 0: the same catalog, users and tastes, a different slice of the log (order ids "O<k>-..."),
    for writing a big log in chunks (bench/scale_build.py); `vectors=False` skips the product vectors."""
    rng = np.random.default_rng(seed)
    categories = list(NOUNS)
    cat = rng.integers(0, len(categories), products)
    noun_idx = rng.integers(0, 100, products) % np.array([len(NOUNS[categories[c]]) for c in cat])
    adj = rng.integers(0, len(ADJECTIVES), products)
    stems = [f"{ADJECTIVES[a]} {NOUNS[categories[c]][n]}" for a, c, n in zip(adj, cat, noun_idx)]
    titles = [f"{s} no. {i % 997}".title() for i, s in enumerate(stems)]
    item_ids = np.array([f"P{i:07d}" for i in range(products)], dtype=object)
    price = np.round(np.exp(rng.normal(1.2, 0.8, products)), 2).clip(0.1, 500)
    catalog = pd.DataFrame({
        "item_id": item_ids, "title": titles, "description": [f"{t}. A {categories[c].lower()} gift." for t, c in
                                                               zip(titles, cat)],
        "category": [categories[c] for c in cat], "brand": rng.choice(["Acme", "Homely", "Nordic", ""], products),
        "price": price, "currency": "GBP", "stock": rng.integers(0, 200, products),
        "attributes": [f'{{"colour": "{ADJECTIVES[a]}"}}' if a < 7 else "{}" for a in adj]})
    user_ids = np.array([f"U{u:07d}" for u in range(users)], dtype=object)
    taste = rng.integers(0, len(categories), (users, 2))
    by_cat = [np.flatnonzero(cat == c) for c in range(len(categories))]
    if part:
        rng = np.random.default_rng([seed, part])
    ev_user = rng.integers(0, users, events)
    ev_cat = taste[ev_user, rng.integers(0, 2, events)]
    ranks = np.minimum((rng.pareto(1.2, events) * 3).astype(np.int64), products)   # Zipf-like within category
    ev_item = np.zeros(events, np.int64)
    for c, members in enumerate(by_cat):
        mine = ev_cat == c
        ev_item[mine] = members[ranks[mine] % len(members)]
    start = pd.Timestamp("2024-01-01")
    ts = start + pd.to_timedelta(np.sort(rng.integers(0, 365 * 86400, events)), unit="s")
    kind = rng.choice(["view", "cart", "purchase"], events, p=[0.5, 0.2, 0.3])
    ev = pd.DataFrame({"user_id": user_ids[ev_user], "item_id": item_ids[ev_item], "event": kind,
                       "timestamp": ts, "quantity": 1, "price": price[ev_item]})
    customers = pd.DataFrame({"user_id": user_ids, "name": "", "email": "",
                              "country": rng.choice(["United Kingdom", "Germany", "France", "EIRE"], users),
                              "signup_date": start})
    buys = ev[ev["event"] == "purchase"]
    order_key = buys["user_id"] + buys["timestamp"].dt.strftime("-%Y%m%d")
    order_ids = (f"O{part}-" if part else "O") + pd.Series(pd.factorize(order_key)[0],
                                                            index=buys.index).astype(str).str.zfill(8)
    orders = (buys.assign(order_id=order_ids).groupby("order_id")
              .agg(user_id=("user_id", "first"), order_date=("timestamp", "min")).reset_index())
    orders["status"] = "delivered"
    orders["shipped_date"] = orders["order_date"] + pd.Timedelta(days=1)
    orders["delivered_date"] = orders["order_date"] + pd.Timedelta(days=3)
    orders["country"] = ""
    order_items = pd.DataFrame({"order_id": order_ids.values, "item_id": buys["item_id"].values,
                                "quantity": 1, "unit_price": buys["price"].values})
    order_items = order_items.groupby(["order_id", "item_id"], as_index=False).agg(
        quantity=("quantity", "sum"), unit_price=("unit_price", "first"))
    shop = Shop(catalog, customers, ev, orders[["order_id", "user_id", "status", "order_date", "shipped_date",
                                                "delivered_date", "country"]], order_items,
                kb={"returns.md": "# Returns\n\n## Return window\nReturn within 30 days of delivery.\n"},
                meta={"as_of": "2025-01-01", "name": "synthetic shop"})
    return shop, (_vectors(stems, rng) if vectors else None)


def _vectors(stems: list[str], rng) -> np.ndarray:
    from assistant.models.registry import create
    unique, inverse = np.unique(np.array(stems, dtype=object), return_inverse=True)
    base = create("embedder", "minilm").passages(list(unique))
    vectors = base[inverse] + rng.normal(0, 0.03, (len(stems), base.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    shop, vectors = synthetic_shop(args.products, args.events, args.users)
    save_shop(shop, args.out, fmt="parquet")
    np.save(args.out.with_name(args.out.name + "-product_vectors.npy"), vectors)
    print(f"wrote {args.out}: {args.products} products, {args.events} events, {args.users} users "
          f"(+ {args.out.name}-product_vectors.npy)")


if __name__ == "__main__":
    main()
