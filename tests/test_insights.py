"""Staff insights on the full demo shop: every number equals hand-written SQL; parsing; privacy; roles."""
from __future__ import annotations

import csv

import duckdb
import pytest

from assistant.chat.staff import StaffHandler, export_audience
from assistant.privacy import add_laplace_noise, suppress_small_groups
from assistant.segments.nlq import parse_accuracy


@pytest.fixture(scope="module")
def staff(demo_services):
    return StaffHandler(demo_services)


@pytest.fixture(scope="module")
def db(demo_services):
    """An independent DuckDB connection over the same built files, for the hand-written SQL."""
    folder = demo_services.index.folder
    con = duckdb.connect()
    for name in ("orders", "order_items", "products", "events"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder}/tables/{name}.parquet')")
    con.execute(f"CREATE VIEW profiles AS SELECT * FROM read_parquet('{folder}/profiles.parquet')")
    return con


SOLD = "o.status NOT IN ('returned', 'cancelled')"
LQ = "o.order_date >= '2011-07-01' AND o.order_date < '2011-10-01'"
BASE = ("FROM orders o JOIN order_items i USING (order_id) JOIN products p USING (item_id) "
        "JOIN profiles f USING (user_id) WHERE " + SOLD)

# (question, metric column, group column or None, hand-written SQL returning (group, value) or (value,))
CASES = [
    ("how many customers are in each segment", "customers", "segment",
     f"SELECT f.segment, COUNT(DISTINCT o.user_id) {BASE} GROUP BY 1"),
    ("revenue by segment last quarter", "revenue", "segment",
     f"SELECT f.segment, ROUND(SUM(i.quantity * i.unit_price), 2) {BASE} AND {LQ} GROUP BY 1"),
    ("which categories do at-risk customers buy", "customers", "category",
     f"SELECT p.category, COUNT(DISTINCT o.user_id) {BASE} AND f.segment = 'at risk' GROUP BY 1"),
    ("top countries among champions", "customers", "country",
     f"SELECT f.country, COUNT(DISTINCT o.user_id) {BASE} AND f.segment = 'champions' GROUP BY 1 ORDER BY 2 DESC LIMIT 5"),
    ("churn risk of customers who bought candles", "churn_risk", None,
     "SELECT ROUND(AVG(churn_probability), 4) FROM profiles WHERE user_id IN "
     f"(SELECT o.user_id {BASE} AND p.category = 'Candles & Lights')"),
    ("how many at-risk customers bought candles last quarter", "customers", None,
     f"SELECT COUNT(DISTINCT o.user_id) {BASE} AND f.segment = 'at risk' AND p.category = 'Candles & Lights' AND {LQ}"),
    ("average order value by country", "aov", "country",
     f"SELECT f.country, ROUND(SUM(i.quantity * i.unit_price) / COUNT(DISTINCT o.order_id), 2) {BASE} GROUP BY 1"),
    ("churn rate of loyal customers", "churn_rate", None,
     "SELECT ROUND(AVG(CASE WHEN recency_days > 90 THEN 1.0 ELSE 0.0 END), 4) FROM profiles WHERE segment = 'loyal'"),
    ("how many customers in Germany", "customers", None,
     f"SELECT COUNT(DISTINCT o.user_id) {BASE} AND f.country = 'Germany'"),
    ("revenue by month this year", "revenue", "month",
     f"SELECT strftime(o.order_date, '%Y-%m'), ROUND(SUM(i.quantity * i.unit_price), 2) {BASE} "
     "AND o.order_date >= '2011-01-01' GROUP BY 1"),
    ("how many orders did we get last month", "orders", None,
     f"SELECT COUNT(DISTINCT o.order_id) {BASE} AND o.order_date >= '2011-11-01' AND o.order_date < '2011-12-01'"),
    ("purchase frequency of hibernating customers", "frequency", None,
     f"SELECT ROUND(COUNT(DISTINCT o.order_id) / COUNT(DISTINCT o.user_id), 3) {BASE} AND f.segment = 'hibernating'"),
    ("revenue by category this year", "revenue", "category",
     f"SELECT p.category, ROUND(SUM(i.quantity * i.unit_price), 2) {BASE} AND o.order_date >= '2011-01-01' GROUP BY 1"),
    ("revenue from champions", "revenue", None,
     f"SELECT ROUND(SUM(i.quantity * i.unit_price), 2) {BASE} AND f.segment = 'champions'"),
    ("revenue by cluster", "revenue", "cluster",
     f"SELECT f.cluster, ROUND(SUM(i.quantity * i.unit_price), 2) {BASE} GROUP BY 1"),
    ("churn rate by segment", "churn_rate", "segment",
     "SELECT segment, ROUND(AVG(CASE WHEN recency_days > 90 THEN 1.0 ELSE 0.0 END), 4) FROM profiles GROUP BY 1"),
    ("units sold by category last quarter", "units", "category",
     f"SELECT p.category, SUM(i.quantity) {BASE} AND {LQ} GROUP BY 1"),
    ("customer lifetime value by segment", "avg_customer_value", "segment",
     "SELECT segment, ROUND(AVG(monetary), 2) FROM profiles GROUP BY 1"),
    ("how many hibernating customers are there in France", "customers", None,
     f"SELECT COUNT(DISTINCT o.user_id) {BASE} AND f.segment = 'hibernating' AND f.country = 'France'"),
    ("retention by segment last quarter", "retention", "segment",
     "WITH prev AS (SELECT DISTINCT o.user_id, f.segment " + BASE.replace("WHERE " + SOLD, "WHERE " + SOLD) +
     " AND o.order_date >= '2011-04-01' AND o.order_date < '2011-07-01'), cur AS (SELECT DISTINCT o.user_id "
     f"{BASE} AND {LQ}) SELECT segment, ROUND(AVG(CASE WHEN user_id IN (SELECT user_id FROM cur) THEN 1.0 ELSE 0.0 END), 4) "
     "FROM prev GROUP BY 1"),
    ("high value probability by segment", "high_value_probability", "segment",
     "SELECT segment, ROUND(AVG(high_value_probability), 4) FROM profiles GROUP BY 1"),
]


@pytest.mark.parametrize("question,metric,group,sql", CASES, ids=[c[0][:40] for c in CASES])
def test_every_number_equals_hand_written_sql(staff, db, demo_services, question, metric, group, sql):
    insight = staff.answer(question)
    assert insight.query.metric == metric and insight.query.group_by == group
    k = demo_services.settings.k_anonymity
    expected = db.execute(sql).fetchall()
    if group is None:
        assert insight.rows[0][metric] == pytest.approx(float(expected[0][0]), abs=1e-6)
        return
    got = {r[group]: r[metric] for r in insight.rows}
    for key, value in expected:
        if key is None:
            continue
        assert key in got, key
        if got[key] is None:       # suppressed: the group really is small
            assert next(r for r in insight.rows if r[group] == key)["suppressed"]
        else:
            assert got[key] == pytest.approx(float(value), abs=1e-6), key
    assert all(r["customers"] is None or r["customers"] >= k for r in insight.rows)
    assert insight.narrative and insight.chart["y"] == metric


def test_parsing_accuracy_on_shipped_questions(staff):
    report = parse_accuracy(staff.parser)
    assert report["n"] >= 60 and report["accuracy"] >= 0.9, report["errors"]


def test_small_groups_are_suppressed(staff, demo_services):
    insight = staff.answer("how many customers by country")
    hidden = [r for r in insight.rows if r.get("suppressed")]
    assert hidden and all(r["customers"] is None for r in hidden)
    assert "hidden" in insight.narrative and insight.notes


def test_privacy_helpers():
    rows, hidden = suppress_small_groups([{"g": "a", "customers": 3, "revenue": 9.5},
                                          {"g": "b", "customers": 30, "revenue": 99.0}], k=10)
    assert hidden == 1 and rows[0] == {"g": "a", "customers": None, "revenue": None, "suppressed": True}
    noisy = add_laplace_noise([{"customers": 100}] * 200, ["customers"], epsilon=1.0, seed=0)
    values = [r["customers"] for r in noisy]
    assert len(set(values)) > 3 and abs(sum(values) / len(values) - 100) < 1


@pytest.mark.parametrize("question", ["show me the customers of segment champions",
                                      "list every customer in France with their revenue", "revenue by customer"])
def test_no_individual_is_exposed(staff, demo_services, question):
    """Asked for individuals, the answer is still groups: rows exist, none names a customer id, and every
    visible row describes at least k customers."""
    ids = set(demo_services.index.profiles["user_id"].astype(str))
    k = demo_services.settings.k_anonymity
    insight = staff.answer(question)
    assert insight.rows, insight.narrative
    for row in insight.rows:
        assert "user_id" not in row and not ({str(v) for v in row.values()} & ids), row
        assert row.get("suppressed") or row["customers"] >= k, row


def test_staff_role_through_the_engine_and_shopper_refusal(demo_services, small_settings):
    from assistant.chat.engine import STAFF_ONLY, Assistant
    from assistant.chat.router import Router
    assistant = Assistant(demo_services, Router(small_settings))
    reply = assistant.ask("revenue by segment last quarter", role="staff").finish()
    assert reply.intent == "staff_insight" and reply.rows and reply.parsed_query["metric"] == "revenue"
    assert "Champions" in reply.text
    refused = assistant.ask("revenue by segment last quarter", user_id="12347").finish()
    assert refused.text == STAFF_ONLY and refused.rows == []


def test_export_audience(demo_services, tmp_path):
    n = export_audience(demo_services, "at risk", tmp_path / "at-risk.csv", products_per_customer=2)
    rows = list(csv.DictReader(open(tmp_path / "at-risk.csv")))
    assert len(rows) == n > 10 and set(rows[0]) == {"user_id", "segment", "product_1", "product_2"}
    with pytest.raises(ValueError, match="fewer than k"):
        export_audience(demo_services, "no such segment", tmp_path / "x.csv")


def test_segment_report_in_build(demo_services):
    import json
    report = json.loads((demo_services.index.folder / "segments.json").read_text())
    assert report["propensity"]["churn"]["auc"] > 0.65 and report["propensity"]["high_value"]["auc"] > 0.7
    assert 2 <= len(report["clusters"]) <= 8 and all(c["name"] and c["description"] for c in report["clusters"])
