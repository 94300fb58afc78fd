"""The semantic layer's vocabulary: every metric defined once, the dimensions, filters, periods, and a validated query.

    q = Query(metric="revenue", group_by="country", limit=5, time=Period("2011-07-01", "2011-10-01", "last quarter"))
    validate(q, vocabulary)      # raises QueryError naming the bad field; values must exist in the shop's data
    METRICS["revenue"].definition   # "gross sales minus returns ..." (the README table is this dict)

The metric formulas are SQL over per-group measures computed in segments/sql.py (gross, returns, orders, units,
customers, repeaters, ...). No user text ever becomes a name here: names come from these tables and every value
(country, product title, dates) is validated against the data and then bound as a SQL parameter.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from assistant.errors import UsageError


@dataclass(frozen=True)
class Metric:
    name: str
    label: str          # how an answer names it
    kind: str           # money | count | rate | ratio | probability
    formula: str        # SQL over the measure columns of segments/sql.py
    definition: str     # documentation (README)


_M = [
    Metric("revenue", "net revenue", "money", "COALESCE(gross, 0) - COALESCE(returns_value, 0)",
           "gross sales minus returns (credit notes), each document by its own order date; 'sales' means this"),
    Metric("gross_sales", "gross sales", "money", "COALESCE(gross, 0)", "sum of quantity x unit price of purchase lines"),
    Metric("returns_value", "returns value", "money", "COALESCE(returns_value, 0)",
           "sum of quantity x unit price of return lines (orders with status returned: credit notes, i.e. returns "
           "and cancellations)"),
    Metric("orders", "orders", "count", "COALESCE(orders, 0)", "number of distinct purchase orders"),
    Metric("aov", "average order value", "money", "gross / NULLIF(orders, 0)", "gross sales / orders"),
    Metric("revenue_per_customer", "net revenue per customer", "money",
           "(COALESCE(gross, 0) - COALESCE(returns_value, 0)) / NULLIF(customers, 0)",
           "net revenue / customers with a purchase in scope (revenue per paying customer; 客单价 asks between this "
           "and average order value)"),
    Metric("units", "units sold", "count", "COALESCE(units, 0)", "sum of quantity over purchase lines"),
    Metric("customers", "customers", "count", "COALESCE(customers, 0)",
           "distinct customers with at least one purchase line in scope"),
    Metric("frequency", "orders per customer", "ratio", "orders::DOUBLE / NULLIF(customers, 0)",
           "orders / customers"),
    Metric("repeat_rate", "repeat purchase rate", "rate", "repeaters::DOUBLE / NULLIF(customers, 0)",
           "share of customers in scope with 2 or more purchase orders in scope"),
    Metric("new_customers", "new customers", "count", "COALESCE(new_customers, 0)",
           "customers whose first purchase order ever falls in the period"),
    Metric("returning_customers", "customers who returned something", "count", "COALESCE(returners, 0)",
           "distinct customers with at least one return line in scope"),
    Metric("churn_rate", "churn rate", "rate", "churned::DOUBLE / NULLIF(customers, 0)",
           "share of customers in scope whose last purchase is more than 90 days before the shop's today"),
    Metric("churned_customers", "customers who churned", "count", "COALESCE(churned, 0)",
           "customers in scope whose last purchase is more than 90 days before the shop's today"),
    Metric("churn_risk", "average churn risk", "probability", "churn_risk",
           "average predicted churn probability of the customers in scope"),
    Metric("high_value_probability", "average high-value probability", "probability", "high_value_probability",
           "average predicted high-value probability of the customers in scope"),
    Metric("customer_value", "average customer value", "money", "customer_value",
           "average gross sales per customer over all data (profiles.monetary) of the customers in scope"),
    Metric("customer_share", "share of customers", "rate", "matching::DOUBLE / NULLIF(customers, 0)",
           "customers meeting a condition / all customers in scope"),
    Metric("matching_customers", "customers", "count", "COALESCE(matching, 0)",
           "customers in scope meeting a condition (e.g. exactly one order)"),
    Metric("top_share", "share of net revenue", "rate", "",
           "customers ranked by net revenue in scope (ties by id); net revenue of the top ceil(N x X/100) / total"),
]
METRICS: dict[str, Metric] = {m.name: m for m in _M}
# Metrics where more is bad news: "worst" / "best" rank them highest-first / lowest-first ("worst returns")
HIGHER_IS_WORSE = frozenset({"returns_value", "returning_customers", "churn_rate", "churned_customers", "churn_risk"})
DIMENSIONS = ("country", "segment", "cluster", "category", "product", "month")
FILTERS = ("country", "segment", "cluster", "category", "product")   # product: exact title of the lines
EXCLUDABLE = ("country", "segment", "cluster", "category")            # 'excluding the UK', 'other than champions'
CONDITIONS = ("orders", "returned", "bought_product", "bought_category", "country", "segment", "cluster")
OPS = ("=", ">=", "<=", ">", "<")


class QueryError(UsageError):
    """A query the layer cannot run as asked (unknown name or value); the message names the field."""


@dataclass(frozen=True)
class Period:
    start: str          # inclusive, YYYY-MM-DD
    end: str            # exclusive
    label: str


@dataclass
class Condition:
    """Who counts in customer_share / matching_customers: e.g. ('orders', '=', 1), ('bought_product', '=', title)."""
    kind: str
    op: str = "="
    value: str | int | None = None


@dataclass
class Query:
    metric: str
    group_by: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)   # line filters: country/segment/... -> values
    bought: dict[str, str] = field(default_factory=dict)          # customer filter: {"product"|"category": name}
    condition: Condition | None = None
    time: Period | None = None
    compare: list[Period] = field(default_factory=list)           # A vs B periods, or [previous, current]
    change: bool = False                                          # compare = [previous window, period]
    top_pct: float | None = None                                  # top_share: the X of "top X% of customers"
    limit: int | None = None
    order: str = "desc"
    also: list[str] = field(default_factory=list)                 # more metrics on the same scope (multi-part)
    exclude: dict[str, list[str]] = field(default_factory=dict)   # lines left out: country/segment/... -> values

    def to_dict(self) -> dict:
        return asdict(self)


def validate(q: Query, vocabulary: dict[str, set[str]]) -> Query:
    """Check every name against the layer and every value against the shop's data; raise QueryError if not."""
    for metric in (q.metric, *q.also):
        if metric not in METRICS:
            raise QueryError(f"metric: unknown {metric!r}; known: {', '.join(METRICS)}")
    if q.group_by is not None and q.group_by not in DIMENSIONS:
        raise QueryError(f"group_by: unknown {q.group_by!r}; known: {', '.join(DIMENSIONS)}")
    for key, values in {**q.filters, **{k: [v] for k, v in q.bought.items()}}.items():
        if key not in FILTERS:
            raise QueryError(f"filters: unknown {key!r}; known: {', '.join(FILTERS)}")
        for value in values:
            if value not in vocabulary.get(key, ()):
                raise QueryError(f"filters.{key}: {value!r} is not in the shop's data")
    for key, values in q.exclude.items():          # 'excluding the UK': country != $x, values from the data
        if key not in EXCLUDABLE:
            raise QueryError(f"exclude: unknown {key!r}; known: {', '.join(EXCLUDABLE)}")
        for value in values:
            if value not in vocabulary.get(key, ()):
                raise QueryError(f"exclude.{key}: {value!r} is not in the shop's data")
    if q.condition is not None:
        c = q.condition
        if c.kind not in CONDITIONS or c.op not in OPS:
            raise QueryError(f"condition: unknown {c.kind!r} {c.op!r}")
        if c.kind == "orders" and not isinstance(c.value, int):
            raise QueryError("condition.value: a whole number of orders is needed")
        if c.kind.startswith("bought_") and c.value not in vocabulary.get(c.kind[7:], ()):
            raise QueryError(f"condition.value: {c.value!r} is not in the shop's data")
        if c.kind in ("country", "segment", "cluster") and c.value not in vocabulary.get(c.kind, ()):
            raise QueryError(f"condition.value: {c.value!r} is not in the shop's data")
    if q.metric in ("customer_share", "matching_customers") and q.condition is None:
        raise QueryError(f"{q.metric} needs a condition (which customers?)")
    if q.metric == "top_share" and not (q.top_pct and 0 < q.top_pct <= 100):
        raise QueryError("top_pct: a percentage between 0 and 100 is needed")
    if q.limit is not None and not (0 < int(q.limit) <= 1000):
        raise QueryError("limit: between 1 and 1000")
    if q.order not in ("desc", "asc"):
        raise QueryError("order: desc or asc")
    return q
