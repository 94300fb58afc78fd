"""Compile a validated semantic-layer Query to one parameterised DuckDB statement, and run it.

    db = Analytics(index_folder)      # DuckDB: a `lines` table (purchase and return lines with customer attributes)
    rows = db.run(Query(metric="revenue", group_by="country", limit=5))
    # [{"country": "United Kingdom", "revenue": 6767873.39, "customers": 3920}, ...]  (k-anonymity not applied here)

Shape: lines in scope (filters, period) -> per (group, customer) facts -> per group measures -> the metric formula
from semantic.METRICS. Every value is a named parameter ($f0, $start, ...); only layer names are spliced.
"""
from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from assistant.segments.propensity import CHURN_DAYS   # churn: recency_days above this (one home for the rule)
from assistant.segments.semantic import DIMENSIONS, METRICS, Query, QueryError

RETURN_STATUS = "returned"                  # a credit note (return or cancellation); never a purchase
IGNORED_STATUSES = ("cancelled",)           # neither a purchase nor a credit: left out
DIMENSION_SQL = {"country": "country", "segment": "segment", "cluster": "cluster", "category": "category",
                 "product": "title", "month": "strftime(order_date, '%Y-%m')"}
FILTER_SQL = {"country": "country", "segment": "segment", "cluster": "cluster", "category": "category",
              "product": "title"}
CONDITION_SQL = {   # per customer, over the lines in scope
    "orders": "COUNT(DISTINCT oid) FILTER (WHERE NOT is_return) {op} $cond",
    "returned": "bool_or(is_return)",
    "bought_product": "bool_or(NOT is_return AND title = $cond)",
    "bought_category": "bool_or(NOT is_return AND category = $cond)",
    "country": "any_value(country) = $cond", "segment": "any_value(segment) = $cond",
    "cluster": "any_value(cluster) = $cond",
}
CUSTOMER_MEASURES = ("repeaters", "returners", "matching", "new_customers", "churned", "churn_risk",
                     "high_value_probability", "customer_value")
assert set(DIMENSION_SQL) == set(DIMENSIONS)


def _scope(q: Query, params: dict) -> str:
    """WHERE clause of the lines in scope; fills `params`."""
    clauses = []
    for key, values in q.filters.items():
        names = []
        for value in values:
            names.append(f"$f{len(params)}")
            params[names[-1][1:]] = value
        clauses.append(f"{FILTER_SQL[key]} IN ({', '.join(names)})")
    for key, values in q.exclude.items():      # lines of an unknown country etc. stay: only the named are left out
        names = []
        for value in values:
            names.append(f"$f{len(params)}")
            params[names[-1][1:]] = value
        clauses.append(f"COALESCE({FILTER_SQL[key]}, '') NOT IN ({', '.join(names)})")
    period = ""
    if q.time:
        params["start"], params["end"] = q.time.start, q.time.end
        period = " AND order_date >= $start::TIMESTAMP AND order_date < $end::TIMESTAMP"
        clauses.append(period[5:])
    for key, value in q.bought.items():
        params[f"b_{key}"] = value
        column = "title" if key == "product" else "category"
        clauses.append(f"user_id IN (SELECT user_id FROM lines WHERE NOT is_return AND {column} = $b_{key}{period})")
    return " WHERE " + " AND ".join(clauses) if clauses else ""


def compile_query(q: Query) -> tuple[str, dict]:
    """(sql, params) returning one row per group: the dimension column, the metric, `customers`.

    Ordered but not limited: the caller leaves out groups under k customers first, then keeps the top `limit`."""
    if q.compare:
        raise QueryError("compile one period at a time (Analytics.run handles comparisons)")
    params: dict = {}
    where = _scope(q, params)
    if q.metric == "top_share":
        return _top_share(q, where, params)
    dim = DIMENSION_SQL[q.group_by] if q.group_by else "'all'"
    formula = METRICS[q.metric].formula
    orders = ("COUNT(DISTINCT oid) FILTER (WHERE NOT is_return)" if "orders" in formula else "NULL")  # costly: if used
    per_line = ("SELECT g, SUM(amount) FILTER (WHERE NOT is_return) AS gross, "
                "SUM(amount) FILTER (WHERE is_return) AS returns_value, "
                f"{orders} AS orders, SUM(quantity) FILTER (WHERE NOT is_return) AS units, "
                "COUNT(DISTINCT uid) FILTER (WHERE NOT is_return) AS customers FROM scope GROUP BY g")
    sql = f"WITH scope AS (SELECT COALESCE(CAST({dim} AS VARCHAR), '(unknown)') AS g, * FROM lines{where}),\n"
    if any(m in METRICS[q.metric].formula for m in CUSTOMER_MEASURES):
        cond = "NULL"
        if q.condition is not None:
            cond = CONDITION_SQL[q.condition.kind].format(op=q.condition.op)
            if "$cond" in cond:
                params["cond"] = q.condition.value
        if q.group_by == "month":
            window = "date_trunc('month', MIN(order_date))"
        else:
            params["window"] = q.time.start if q.time else "1900-01-01"
            window = "$window::TIMESTAMP"
        sql += f"""users AS (
  SELECT g, any_value(user_id) AS user_id, COUNT(DISTINCT oid) FILTER (WHERE NOT is_return) AS n_orders,
         bool_or(is_return) AS returned, {cond} AS cond, {window} AS window_start
  FROM scope GROUP BY g, uid),
per_customer AS (
  SELECT u.g, COUNT(*) FILTER (WHERE n_orders >= 2) AS repeaters,
         COUNT(*) FILTER (WHERE returned) AS returners,
         COUNT(*) FILTER (WHERE n_orders > 0 AND cond) AS matching,
         COUNT(*) FILTER (WHERE n_orders > 0 AND f.first_purchase >= u.window_start) AS new_customers,
         COUNT(*) FILTER (WHERE n_orders > 0 AND p.recency_days > {CHURN_DAYS}) AS churned,
         AVG(p.churn_probability) FILTER (WHERE n_orders > 0) AS churn_risk,
         AVG(p.high_value_probability) FILTER (WHERE n_orders > 0) AS high_value_probability,
         AVG(p.monetary) FILTER (WHERE n_orders > 0) AS customer_value
  FROM users u LEFT JOIN firsts f USING (user_id) LEFT JOIN profiles p ON CAST(p.user_id AS VARCHAR) = u.user_id
  GROUP BY u.g),
"""
        join = " LEFT JOIN per_customer c USING (g)"
    else:
        join = ""
    sql += (f"per_line AS ({per_line})\nSELECT g, ({METRICS[q.metric].formula}) AS value, COALESCE(customers, 0) AS "
            f"customers FROM per_line l{join}")
    if q.group_by == "month" and not q.limit:
        sql += " ORDER BY g"
    elif q.group_by:
        sql += f" ORDER BY value {q.order.upper()} NULLS LAST, g"
    return sql, params


def _top_share(q: Query, where: str, params: dict) -> tuple[str, dict]:
    if q.group_by:
        raise QueryError("group_by: the top-customer share is one figure for the whole scope")
    params["pct"] = float(q.top_pct)
    sql = f"""
WITH scope AS (SELECT * FROM lines{where}),
users AS (SELECT user_id, SUM(CASE WHEN is_return THEN -amount ELSE amount END) AS net,
                 COUNT(DISTINCT oid) FILTER (WHERE NOT is_return) AS n_orders FROM scope GROUP BY user_id),
ranked AS (SELECT net, ROW_NUMBER() OVER (ORDER BY net DESC, user_id) AS rk FROM users WHERE n_orders > 0),
k AS (SELECT CAST(CEIL(COUNT(*) * $pct / 100.0) AS INTEGER) AS k, COUNT(*) AS n FROM ranked)
SELECT 'all' AS g, (SELECT SUM(net) FROM ranked, k WHERE rk <= k.k)
       / NULLIF((SELECT SUM(CASE WHEN is_return THEN -amount ELSE amount END) FROM scope), 0) AS value,
       (SELECT n FROM k) AS customers, (SELECT k FROM k) AS top_customers"""
    return sql, params


class Analytics:
    """DuckDB over one build's tables. Thread-safe: each thread gets its own cursor."""

    def __init__(self, folder: Path, as_of: str):
        self.folder = Path(folder)
        self.as_of = str(as_of)[:10]
        self.con = duckdb.connect(":memory:")
        tables = self.folder / "tables"
        for name in ("orders", "order_items", "products", "customers"):
            self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{tables / (name + '.parquet')}')")
        self.con.execute(f"CREATE VIEW profiles AS SELECT * FROM read_parquet('{self.folder / 'profiles.parquet'}')")
        ignored = ", ".join(f"'{s}'" for s in IGNORED_STATUSES)
        self.con.execute(f"""
            CREATE TABLE lines AS
            SELECT dense_rank() OVER (ORDER BY o.order_id) AS oid, dense_rank() OVER (ORDER BY o.user_id) AS uid,
                   o.order_id, CAST(o.user_id AS VARCHAR) AS user_id, o.order_date, o.status = '{RETURN_STATUS}' AS is_return,
                   oi.item_id, oi.quantity, oi.quantity * oi.unit_price AS amount, p.title, p.category,
                   c.country, pr.segment, pr.cluster
            FROM orders o JOIN order_items oi USING (order_id) LEFT JOIN products p USING (item_id)
            LEFT JOIN customers c ON CAST(c.user_id AS VARCHAR) = CAST(o.user_id AS VARCHAR)
            LEFT JOIN profiles pr ON CAST(pr.user_id AS VARCHAR) = CAST(o.user_id AS VARCHAR)
            WHERE o.status NOT IN ({ignored}) ORDER BY o.order_date""")
        self.con.execute("CREATE TABLE firsts AS SELECT user_id, MIN(order_date) AS first_purchase "
                         "FROM lines WHERE NOT is_return GROUP BY user_id")
        self._local = threading.local()

    def _cursor(self):
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.con.cursor()
        return cur

    def sql(self, sql: str, params: dict | list | tuple = ()) -> list[dict]:
        cur = self._cursor().execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def run_one(self, q: Query) -> list[dict]:
        """Rows {<group_by or 'all'>: label, <metric>: value, customers: n} for one period."""
        sql, params = compile_query(q)
        rows = self.sql(sql, params)
        key = q.group_by or "all"
        return [{key: r["g"], q.metric: r["value"], "customers": r["customers"],
                 **({"top_customers": r["top_customers"]} if "top_customers" in r else {})} for r in rows]

    def values(self) -> dict[str, set[str]]:
        """The vocabulary of filter values: {'country': {...}, 'segment': ..., 'product': titles, ...}."""
        out = {}
        for key, column in FILTER_SQL.items():
            out[key] = {r["v"] for r in self.sql(f"SELECT DISTINCT {column} AS v FROM lines WHERE v IS NOT NULL")}
        return out

    def product_ids(self) -> dict[str, list[str]]:
        """Product title -> its item ids (a few titles are shared by several ids)."""
        out: dict[str, list[str]] = {}
        for r in self.sql("SELECT DISTINCT title, CAST(item_id AS VARCHAR) AS id FROM lines WHERE title IS NOT NULL "
                          "ORDER BY id"):
            out.setdefault(r["title"], []).append(r["id"])
        return out
