"""User profiles built at index time: RFM, tenure, basket, returns, categories, trend, RFM segment.

    profiles = build_profiles(shop, as_of=pd.Timestamp("2011-12-10"))
    profiles.loc[profiles.user_id == "12347", ["recency_days", "frequency", "monetary", "segment"]]

Orders with status `returned` are credit notes: they count towards the return rate, never as purchases.
RFM scores are quintiles (5 = best); the named segments follow the classic R x F segment map.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from assistant.data.shop import Shop
from assistant.segments.clusters import cluster_customers
from assistant.segments.propensity import CHURN_DAYS, fit_propensity

# (segment, R scores, F scores): the classic RFM segment map, checked in this order.
RFM_SEGMENTS = [
    ("champions", (5,), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential loyalists", (4, 5), (2, 3)),
    ("new", (5,), (1,)),
    ("promising", (4,), (1,)),
    ("need attention", (3,), (3,)),
    ("about to sleep", (3,), (1, 2)),
    ("cannot lose", (1, 2), (5,)),
    ("at risk", (1, 2), (3, 4)),
    ("hibernating", (1, 2), (1, 2)),
]


def order_lines(shop: Shop) -> pd.DataFrame:
    """order_items joined with their order and product category; `amount` = quantity x unit price."""
    lines = shop.order_items.merge(shop.orders[["order_id", "user_id", "status", "order_date"]], on="order_id")
    lines = lines.merge(shop.products[["item_id", "category"]], on="item_id", how="left")
    return lines.assign(amount=lines["quantity"] * lines["unit_price"])


def build_profiles(shop: Shop, as_of: pd.Timestamp) -> pd.DataFrame:
    lines = order_lines(shop)
    bought = lines[lines["status"] != "returned"]
    returned = lines[lines["status"] == "returned"]
    g = bought.groupby("user_id")
    p = pd.DataFrame({
        "first_order": g["order_date"].min(),
        "last_order": g["order_date"].max(),
        "frequency": g["order_id"].nunique(),
        "monetary": g["amount"].sum().round(2),
        "units": g["quantity"].sum(),
        "distinct_items": g["item_id"].nunique(),
    })
    p["recency_days"] = (as_of - p["last_order"]).dt.days
    p["tenure_days"] = (as_of - p["first_order"]).dt.days
    p["avg_basket"] = (p["monetary"] / p["frequency"]).round(2)
    p["return_rate"] = (returned.groupby("user_id")["quantity"].sum().reindex(p.index).fillna(0)
                        / p["units"]).clip(upper=1).round(4)
    spend = bought.pivot_table(index="user_id", columns="category", values="amount", aggfunc="sum", fill_value=0)
    share = spend.div(spend.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    p["top_category"] = share.idxmax(axis=1).reindex(p.index)
    p["top_categories"] = share.apply(lambda r: ", ".join(r[r > 0].sort_values(ascending=False).index[:3]),
                                      axis=1).reindex(p.index)
    horizon = pd.Timedelta(days=CHURN_DAYS)      # the column names say 90d: CHURN_DAYS is 90
    recent = bought[bought["order_date"] >= as_of - horizon].groupby("user_id")["order_id"].nunique()
    before = bought[(bought["order_date"] < as_of - horizon)
                    & (bought["order_date"] >= as_of - 2 * horizon)].groupby("user_id")["order_id"].nunique()
    p["orders_last_90d"] = recent.reindex(p.index).fillna(0).astype(int)
    p["orders_prev_90d"] = before.reindex(p.index).fillna(0).astype(int)
    p["trend"] = np.select([p["orders_last_90d"] > p["orders_prev_90d"],
                            p["orders_last_90d"] < p["orders_prev_90d"]], ["growing", "declining"], "steady")
    p = p.join(rfm_scores(p))
    p = p.reset_index().rename(columns={"index": "user_id"})
    country = shop.customers.set_index("user_id")["country"]
    p.insert(1, "country", p["user_id"].map(country).fillna(""))
    return p.drop(columns=["units"]).sort_values("user_id").reset_index(drop=True)


def build_segments(shop: Shop, as_of: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """Profiles plus behavioural cluster and propensity scores; and a report (cluster names, AUCs)."""
    profiles = build_profiles(shop, as_of)
    report: dict = {"clusters": [], "propensity": {}}
    if len(profiles) >= 4:
        labels, report["clusters"] = cluster_customers(profiles)
        names = {c["cluster"]: c["name"] for c in report["clusters"]}
        profiles["cluster"] = [names[c] for c in labels]
    else:
        profiles["cluster"] = "all customers"
    lines = order_lines(shop)
    scores, report["propensity"] = fit_propensity(lines[lines["status"] != "returned"], as_of)
    profiles = profiles.merge(scores, left_on="user_id", right_index=True, how="left")
    return profiles, report


def rfm_scores(p: pd.DataFrame) -> pd.DataFrame:
    """Quintile scores r, f, m (1..5, 5 best) and the named segment for each customer."""
    r = _quintile(-p["recency_days"])
    f = _quintile(p["frequency"])
    m = _quintile(p["monetary"])
    segment = pd.Series("others", index=p.index, dtype=object)
    for name, rs, fs in reversed(RFM_SEGMENTS):
        segment[r.isin(rs) & f.isin(fs)] = name
    return pd.DataFrame({"r_score": r, "f_score": f, "m_score": m,
                         "rfm": r.astype(str) + f.astype(str) + m.astype(str), "segment": segment})


def _quintile(values: pd.Series) -> pd.Series:
    """1..5 by rank (ties broken by order of appearance so every quintile has ~20%)."""
    if len(values) == 0:
        return pd.Series([], dtype=int, index=values.index)
    ranks = values.rank(method="first")
    return np.ceil(ranks / len(values) * 5).clip(1, 5).astype(int)
