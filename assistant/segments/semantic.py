"""The semantic layer: a small query structure compiled to parameterised SQL on DuckDB over the built tables.

    q = InsightQuery(metric="revenue", group_by="segment", time=TimeRange("2011-07-01", "2011-10-01", "last quarter"))
    db = Analytics(index_folder)                 # DuckDB views over tables/*.parquet and profiles.parquet
    sql, params = compile_query(q)
    rows = db.run(q)                            # list of dicts, k-anonymity applied (see privacy.py)

User text never becomes SQL: names (metric, dimension) come from fixed tables below and every value
(segment, country, category, dates, product words) is a bound parameter.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from assistant.errors import UsageError
from assistant.segments.propensity import CHURN_DAYS

LINE_METRICS = {
    "customers": "COUNT(DISTINCT l.user_id)",
    "revenue": "ROUND(SUM(l.amount), 2)",
    "orders": "COUNT(DISTINCT l.order_id)",
    "aov": "ROUND(SUM(l.amount) / NULLIF(COUNT(DISTINCT l.order_id), 0), 2)",
    "frequency": "ROUND(COUNT(DISTINCT l.order_id)::DOUBLE / NULLIF(COUNT(DISTINCT l.user_id), 0), 3)",
    "units": "SUM(l.quantity)",
}
CUSTOMER_METRICS = {   # averaged over the distinct customers in each group (from profiles.parquet)
    "churn_rate": f"ROUND(AVG(CASE WHEN p.recency_days > {CHURN_DAYS} THEN 1.0 ELSE 0.0 END), 4)",
    "churn_risk": "ROUND(AVG(p.churn_probability), 4)",
    "high_value_probability": "ROUND(AVG(p.high_value_probability), 4)",
    "avg_customer_value": "ROUND(AVG(p.monetary), 2)",
}
METRICS = (*LINE_METRICS, *CUSTOMER_METRICS, "retention", "conversion")
DIMENSIONS = {"segment": "l.segment", "cluster": "l.cluster", "country": "l.country", "category": "l.category",
              "month": "strftime(l.order_date, '%Y-%m')"}
FILTER_COLUMNS = {"segment": "l.segment", "cluster": "l.cluster", "country": "l.country", "category": "l.category"}


@dataclass
class TimeRange:
    start: str          # inclusive, YYYY-MM-DD
    end: str            # exclusive
    label: str


@dataclass
class InsightQuery:
    metric: str
    group_by: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)   # segment/cluster/country/category -> values
    product: str | None = None                                   # "bought X": words in the product title
    time: TimeRange | None = None
    limit: int = 50

    def to_dict(self) -> dict:
        return asdict(self)


def _where(q: InsightQuery, alias: str = "l") -> tuple[list[str], list]:
    clauses, params = [], []
    for key, values in q.filters.items():
        if values:
            clauses.append(f"{FILTER_COLUMNS[key].replace('l.', alias + '.')} IN ({', '.join('?' * len(values))})")
            params += list(values)
    if q.product:
        clauses.append(f"{alias}.user_id IN (SELECT user_id FROM lines WHERE title ILIKE ?)")
        params.append(f"%{q.product}%")
    if q.time:
        clauses.append(f"{alias}.order_date >= ?::TIMESTAMP AND {alias}.order_date < ?::TIMESTAMP")
        params += [q.time.start, q.time.end]
    return clauses, params


def compile_query(q: InsightQuery) -> tuple[str, list]:
    """Parameterised SQL for `q`; every row also carries `customers` (for k-anonymity)."""
    if q.metric not in METRICS:
        raise UsageError(f"unknown metric {q.metric!r}; known: {METRICS}")
    if q.group_by is not None and q.group_by not in DIMENSIONS:
        raise UsageError(f"unknown dimension {q.group_by!r}; known: {list(DIMENSIONS)}")
    dim = DIMENSIONS[q.group_by] if q.group_by else None
    select_dim = f"{dim} AS {q.group_by}, " if dim else ""
    group = f" GROUP BY {dim}" if dim else ""
    clauses, params = _where(q)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    if q.metric in LINE_METRICS:
        sql = (f"SELECT {select_dim}{LINE_METRICS[q.metric]} AS {q.metric}, COUNT(DISTINCT l.user_id) AS customers "
               f"FROM lines l{where}{group}")
    elif q.metric in CUSTOMER_METRICS:
        pair = f"{dim} AS {q.group_by}, " if dim else ""
        inner = f"SELECT DISTINCT {pair}l.user_id FROM lines l{where}"
        outer_dim = f"g.{q.group_by}, " if dim else ""
        sql = (f"SELECT {outer_dim}{CUSTOMER_METRICS[q.metric]} AS {q.metric}, COUNT(DISTINCT g.user_id) AS customers "
               f"FROM ({inner}) g JOIN profiles p ON p.user_id = g.user_id"
               + (f" GROUP BY g.{q.group_by}" if dim else ""))
    elif q.metric == "retention":
        sql, params = _retention(q, select_dim, dim)
    else:
        sql, params = _conversion(q, select_dim, dim)
    if not dim:
        order = ""
    elif q.group_by == "month":
        order = f" ORDER BY {q.group_by}"
    else:
        order = f" ORDER BY {q.metric} DESC NULLS LAST, {q.group_by}"
    return f"{sql}{order} LIMIT {int(q.limit)}", params


def _retention(q: InsightQuery, select_dim: str, dim: str | None) -> tuple[str, list]:
    """Share of the customers active in the previous window (same length) who bought again in this one."""
    if q.time is None:
        raise UsageError("retention needs a time range, e.g. 'retention last quarter'")
    if q.group_by == "month":
        raise UsageError("retention is one figure per time range; split it by segment, cluster, country or category")
    start, end = pd.Timestamp(q.time.start), pd.Timestamp(q.time.end)
    months = (end.year - start.year) * 12 + end.month - start.month
    whole_months = start.day == 1 and end.day == 1 and months > 0
    prev_start = start - (pd.DateOffset(months=months) if whole_months else (end - start))   # previous quarter, month...
    previous = InsightQuery(q.metric, filters=q.filters, product=q.product,
                            time=TimeRange(str(prev_start.date()), q.time.start, "previous window"))
    clauses, params = _where(previous)
    pair = f", {dim} AS {q.group_by}" if dim else ""
    group = f" GROUP BY prev.{q.group_by}" if dim else ""
    outer_dim = f"prev.{q.group_by}, " if dim else ""
    sql = (f"WITH prev AS (SELECT DISTINCT l.user_id{pair} FROM lines l WHERE {' AND '.join(clauses)}), "
           f"cur AS (SELECT DISTINCT user_id FROM lines WHERE order_date >= ?::TIMESTAMP AND order_date < ?::TIMESTAMP) "
           f"SELECT {outer_dim}ROUND(AVG(CASE WHEN prev.user_id IN (SELECT user_id FROM cur) THEN 1.0 ELSE 0.0 END), 4)"
           f" AS retention, COUNT(DISTINCT prev.user_id) AS customers FROM prev{group}")
    return sql, [*params, q.time.start, q.time.end]


def _conversion(q: InsightQuery, select_dim: str, dim: str | None) -> tuple[str, list]:
    """Share of customers with any event in the window who purchased in it (events table)."""
    if q.group_by in ("category", "month"):
        raise UsageError("conversion can be split by segment, cluster or country")
    clauses, params = [], []
    for key, values in q.filters.items():
        if values and key != "category":
            clauses.append(f"{FILTER_COLUMNS[key]} IN ({', '.join('?' * len(values))})")
            params += list(values)
    if q.time:
        clauses.append("l.timestamp >= ?::TIMESTAMP AND l.timestamp < ?::TIMESTAMP")
        params += [q.time.start, q.time.end]
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    group = f" GROUP BY {dim}" if dim else ""
    sql = (f"SELECT {select_dim}ROUND(COUNT(DISTINCT CASE WHEN l.event = 'purchase' THEN l.user_id END)::DOUBLE / "
           f"NULLIF(COUNT(DISTINCT l.user_id), 0), 4) AS conversion, COUNT(DISTINCT l.user_id) AS customers "
           f"FROM (SELECT e.*, p.segment, p.cluster, p.country FROM events e LEFT JOIN profiles p USING (user_id)) l"
           f"{where}{group}")
    return sql, params


class Analytics:
    """DuckDB over one build's tables. Thread-safe: each thread gets its own cursor."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.con = duckdb.connect(":memory:")
        tables = self.folder / "tables"
        for name in ("orders", "order_items", "products", "events"):
            self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{tables / (name + '.parquet')}')")
        self.con.execute(f"CREATE VIEW profiles AS SELECT * FROM read_parquet('{self.folder / 'profiles.parquet'}')")
        self.con.execute("""
            CREATE TABLE lines AS
            SELECT o.order_id, o.user_id, o.order_date, oi.item_id, oi.quantity, oi.unit_price,
                   oi.quantity * oi.unit_price AS amount, p.category, p.title, pr.segment, pr.cluster,
                   COALESCE(pr.country, o.country) AS country
            FROM orders o JOIN order_items oi USING (order_id)
            LEFT JOIN products p USING (item_id) LEFT JOIN profiles pr USING (user_id)
            WHERE o.status NOT IN ('returned', 'cancelled')""")
        self._local = threading.local()

    def _cursor(self):
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.con.cursor()
        return cur

    def sql(self, sql: str, params: list | tuple = ()) -> list[dict]:
        cur = self._cursor().execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def run(self, q: InsightQuery) -> list[dict]:
        sql, params = compile_query(q)
        return self.sql(sql, params)

    def values(self, column: str) -> list[str]:
        """Distinct values of a filterable column (for the parser's vocabulary)."""
        return [r["v"] for r in self.sql(f"SELECT DISTINCT {FILTER_COLUMNS[column].replace('l.', '')} AS v "
                                         "FROM lines WHERE v IS NOT NULL ORDER BY v")]
