"""Staff insights on the full demo shop: every metric equals hand-written SQL; unclear questions ask; privacy; roles."""
from __future__ import annotations

import csv

import duckdb
import pytest

from assistant.chat.staff import StaffHandler, export_audience
from assistant.privacy import add_laplace_noise, suppress_small_groups
from assistant.segments.present import canonical
from assistant.segments.semantic import Condition, Period, Query, QueryError, validate
from assistant.segments.staff_eval import evaluate_insights, load_items, matches, parse_accuracy, same_number, score


@pytest.fixture(scope="module")
def staff(demo_services):
    return StaffHandler(demo_services)


@pytest.fixture(scope="module")
def db(demo_services):
    """An independent DuckDB connection over the same built files, for the hand-written SQL."""
    folder = demo_services.index.folder
    con = duckdb.connect()
    for name in ("orders", "order_items", "products", "customers"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder}/tables/{name}.parquet')")
    con.execute(f"CREATE VIEW profiles AS SELECT * FROM read_parquet('{folder}/profiles.parquet')")
    return con


# purchase lines (P) and return lines (R), with the customer's own country from customers
LINES = ("(SELECT o.order_id, o.user_id, o.order_date, o.status = 'returned' AS ret, i.quantity AS qty, "
         "i.quantity * i.unit_price AS amt, p.title, p.category, c.country, f.segment "
         "FROM orders o JOIN order_items i USING (order_id) LEFT JOIN products p USING (item_id) "
         "LEFT JOIN customers c USING (user_id) LEFT JOIN profiles f USING (user_id))")
NOV = "order_date >= '2011-11-01' AND order_date < '2011-12-01'"

# (question, hand-written SQL giving the single expected value)
SINGLE = [
    ("what's our total revenue", f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES}"),
    ("gross sales", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret"),
    ("returns value last month", f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {NOV}"),
    ("how many orders last month", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {NOV}"),
    ("average order value in the UK",
     f"SELECT SUM(amt) / COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'United Kingdom'"),
    ("units sold in Germany", f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND country = 'Germany'"),
    ("how many customers do we have", f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret"),
    ("orders per customer", f"SELECT COUNT(DISTINCT order_id) / COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret"),
    ("repeat purchase rate in the United Kingdom",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} "
     "WHERE NOT ret AND country = 'United Kingdom' GROUP BY user_id)"),
    ("how many new customers did we get in November 2011",
     f"SELECT COUNT(*) FROM (SELECT user_id, MIN(order_date) d FROM {LINES} WHERE NOT ret GROUP BY user_id) "
     "WHERE d >= '2011-11-01' AND d < '2011-12-01'"),
    ("how many customers have returned something", f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE ret"),
    ("churn rate of loyal customers",
     "SELECT AVG((recency_days > 90)::INT) FROM profiles WHERE segment = 'loyal'"),
    ("average churn risk of hibernating customers",
     "SELECT AVG(churn_probability) FROM profiles WHERE segment = 'hibernating'"),
    ("high value probability in France",
     f"SELECT AVG(high_value_probability) FROM profiles WHERE user_id IN "
     f"(SELECT user_id FROM {LINES} WHERE NOT ret AND country = 'France')"),
    ("customer value of customers who bought candles",
     f"SELECT AVG(monetary) FROM profiles WHERE user_id IN "
     f"(SELECT user_id FROM {LINES} WHERE NOT ret AND category = 'Candles & Lights')"),
    ("what percentage of our customers are in the UK",
     f"SELECT AVG((country = 'United Kingdom')::INT) FROM (SELECT DISTINCT user_id, country FROM {LINES} "
     "WHERE NOT ret)"),
    ("how many customers placed exactly one order",
     f"SELECT COUNT(*) FROM (SELECT user_id FROM {LINES} WHERE NOT ret GROUP BY user_id "
     "HAVING COUNT(DISTINCT order_id) = 1)"),
    ("what share of revenue comes from the top 10% of customers",
     f"WITH u AS (SELECT user_id, SUM(CASE WHEN ret THEN -amt ELSE amt END) net, bool_or(NOT ret) bought "
     f"FROM {LINES} GROUP BY user_id), r AS (SELECT net, ROW_NUMBER() OVER (ORDER BY net DESC, user_id) rk "
     "FROM u WHERE bought) SELECT (SELECT SUM(net) FROM r WHERE rk <= (SELECT CEIL(COUNT(*) * 0.1) FROM r)) "
     "/ (SELECT SUM(net) FROM u)"),
    ("number of customers who purchased the Regency Cakestand 3 Tier",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier'"),
]

ROUND5_SQL = [
    ("下过3次及以上订单的客户有多少",
     f"SELECT COUNT(*) FROM (SELECT user_id FROM {LINES} WHERE NOT ret GROUP BY user_id "
     "HAVING COUNT(DISTINCT order_id) >= 3)"),
    ("每个客户平均累计消费是多少", "SELECT AVG(monetary) FROM profiles"),
    ("lifetime gross spend per customer among champions", "SELECT AVG(monetary) FROM profiles WHERE segment = 'champions'"),
    ("how many customers have gone quiet", "SELECT COUNT(*) FROM profiles WHERE recency_days > 90"),
    ("有多少德国客户流失了",
     f"SELECT COUNT(*) FROM profiles WHERE recency_days > 90 AND user_id IN (SELECT user_id FROM {LINES} "
     "WHERE NOT ret AND country = 'Germany')"),
    ("how much did we lose to returns last quarter",
     f"SELECT SUM(amt) FROM {LINES} WHERE ret AND order_date >= '2011-07-01' AND order_date < '2011-10-01'"),
    ("what did we sell last month before returns are taken off", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND {NOV}"),
    ("what share of customers have gone quiet", "SELECT AVG((recency_days > 90)::INT) FROM profiles"),
    ("德国客户的消费总额",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'Germany'"),
    ("本月到目前为止的收入",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE order_date >= '2011-12-01'"),
    ("units of white hanging heart t-light holdr",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'White Hanging Heart T-Light Holder'"),
    ("how many units of the regency cakestand 3 teir",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier'"),
]


def test_net_revenue_is_the_figure_from_the_issue(staff):
    assert staff.answer("total revenue").facts[0][1] == pytest.approx(8_287_351.75, abs=0.005)
    assert staff.answer("gross sales").facts[0][1] == pytest.approx(8_761_363.91, abs=0.005)


def test_top_countries_rank_only_groups_of_at_least_k_customers(staff, db, demo_services):
    k = demo_services.settings.k_anonymity
    expected = db.execute(f"SELECT country, SUM(CASE WHEN ret THEN -amt ELSE amt END) v FROM {LINES} GROUP BY 1 "
                          f"HAVING COUNT(DISTINCT user_id) FILTER (WHERE NOT ret) >= {k} ORDER BY v DESC LIMIT 5"
                          ).fetchall()
    insight = staff.answer("top 5 countries by revenue")
    assert [(g, pytest.approx(v)) for g, v in insight.facts] == [(g, pytest.approx(v)) for g, v in expected]
    assert insight.reading == "Net revenue by country, top 5, all time"
    assert "left out" in " ".join(insight.notes)


def test_best_selling_products_within_a_segment_are_ranked_by_units(staff, db, demo_services):
    k = demo_services.settings.k_anonymity
    expected = db.execute(f"SELECT title, SUM(qty) v FROM {LINES} WHERE NOT ret AND segment = 'loyal' GROUP BY 1 "
                          f"HAVING COUNT(DISTINCT user_id) >= {k} ORDER BY v DESC, title LIMIT 10").fetchall()
    insight = staff.answer("best selling products among loyal customers")
    assert insight.query.metric == "units" and insight.query.group_by == "product"
    assert insight.facts == [(g, v) for g, v in expected]


def test_change_against_the_previous_window(staff, db):
    def net(start, end):
        return db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                          f"WHERE order_date >= '{start}' AND order_date < '{end}'").fetchone()[0]
    now, before = net("2011-11-10", "2011-12-10"), net("2011-10-11", "2011-11-10")
    insight = staff.answer("how does revenue in the last 30 days compare with the previous 30 days")
    assert [v for _, v in insight.facts] == pytest.approx([now, before, now - before, (now - before) / before])
    month = staff.answer("revenue last month vs the previous month")     # whole months stay whole months
    assert [v for _, v in month.facts][:2] == pytest.approx([net("2011-11-01", "2011-12-01"),
                                                             net("2011-10-01", "2011-11-01")])


def test_a_vs_b_comparison_and_multi_part_question(staff, db):
    insight = staff.answer("Champions vs loyal customers: how many of each and how much revenue from each?")
    expected = dict(db.execute(f"SELECT segment, SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                               "WHERE segment IN ('champions', 'loyal') GROUP BY 1").fetchall())
    facts = dict(insight.facts)
    assert facts["champions · net revenue"] == pytest.approx(expected["champions"])
    assert facts["loyal · customers"] == 818 and facts["champions · customers"] == 634


def test_product_names_resolve_exactly_or_ask(staff):
    exact = staff.answer("how many customers bought the regency cakestand")
    assert exact.reading == "Customers who bought Regency Cakestand 3 Tier (22423), all time"
    assert exact.facts == [("all", 881)]
    several = staff.answer("how many customers bought the cake stand")
    assert several.facts == [] and several.clarification and len(several.clarification.choices) > 1
    assert all('"' in c for c in several.clarification.choices)          # each choice names one exact title
    chosen = staff.answer(several.clarification.choices[0])
    assert chosen.clarification is None and chosen.query.filters["product"]


@pytest.mark.parametrize("question,why", [
    ("repeat purchase rate in Itly", "Did you mean Italy"),     # too short to read as another word: asked
    ("conversion rate by country", "not sure"),                    # a metric the layer lacks
    ("how is our churn", "churn rate"),                            # two metrics could be meant
    ("top 5 by revenue", "Top 5 of what"),
    ("who are our best customers", ""),
    ("how many new customers", "segment"),                          # segment 'new' or first purchases?
])
def test_unclear_questions_get_a_clarifying_question_not_a_number(staff, question, why):
    insight = staff.answer(question)
    assert insight.clarification is not None and insight.facts == [] and insight.rows == []
    assert why in insight.narrative


def test_canonical_questions_read_back_to_the_same_query(staff):
    vocab = staff.insights.vocabulary
    queries = [Query("revenue", "country", limit=5), Query("units", "product", {"segment": ["loyal"]}, limit=10),
               Query("customers", filters={"product": ["Regency Cakestand 3 Tier"]}),
               Query("repeat_rate", filters={"country": ["United Kingdom"]},
                     time=Period("2011-07-01", "2011-10-01", "last quarter")),
               Query("customer_share", condition=Condition("orders", "=", 1)),
               Query("top_share", top_pct=10.0), Query("new_customers", "month")]
    for q in queries:
        parsed = staff.parser.parse(canonical(validate(q, vocab)))
        assert not parsed.unexplained and parsed.query == q, canonical(q)


def test_validation_rejects_names_and_values_outside_the_layer(staff):
    vocab = staff.insights.vocabulary
    for bad in (Query("conversion"), Query("revenue", "customer"), Query("revenue", filters={"country": ["UK"]}),
                Query("customer_share"), Query("top_share", top_pct=0)):
        with pytest.raises(QueryError):
            validate(bad, vocab)


def test_blind_set_scores(staff):
    """The blind set (resources/staff_eval.jsonl, hand-written SQL answers); it guided development, so it is a
    regression pin here, not a held-out estimate."""
    report = evaluate_insights(staff.insights)
    assert report["wrong"] == 0, [i for i in report["items"] if i["verdict"] == "wrong"]
    assert report["exact_of_answerable"] >= 0.9
    by = report["by_lang"]
    assert by["zh"]["exact_of_answerable"] >= by["en"]["exact_of_answerable"] - 0.05


def test_scorer_rules():
    assert same_number(0.14712, 0.1471) and not same_number(0.1481, 0.1471) and same_number(10.004, 10.0)
    item = {"rows": [["Germany", 94], ["France", 87]]}
    assert matches([("France", 87), ("Germany", 94)], item, labelled=True, unordered=True)
    assert not matches([("France", 87), ("Germany", 94)], item, labelled=True)
    assert not matches([("all", 5)], {"value": 6}, labelled=False)


def test_a_two_period_comparison_scores_with_the_change_it_states(staff):
    """'Q3 vs Q2': the facts are the two figures; the answer also states the change and %, so a writer who
    expected current / previous / change / pct rows is matched by the same two figures."""
    insight = staff.answer("net revenue q3 2011 vs q2 2011")
    (_, a), (_, b) = insight.facts
    four = {"expect": "answer", "rows": [["current", a], ["previous", b], ["change", a - b],
                                         ["pct_change", round((a - b) / b, 4)]]}
    assert score(insight, four) == "exact"
    assert score(insight, {**four, "rows": [*four["rows"][:2], ["change", a - b + 1], four["rows"][3]]}) == "wrong"
    assert score(insight, {"expect": "answer", "rows": [["Q3 2011", a], ["Q2 2011", b]]}) == "exact"


def test_a_list_value_is_read_as_unlabelled_rows(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a", "question": "q", "expect": "answer", "value": [5, 4, 1, 0.25]}\n', encoding="utf-8")
    item = load_items(path)[0]
    assert item["rows"] == [[5], [4], [1], [0.25]] and "value" not in item
    assert matches([("Q3", 5), ("Q2", 4), ("change", 1), ("change_pct", 0.25)], item, labelled=False)


def test_parsing_regression_on_shipped_questions(staff):
    report = parse_accuracy(staff.parser)
    assert report["n"] >= 60 and report["accuracy"] >= 0.9, report["errors"]


def test_small_groups_are_left_out(staff, demo_services):
    insight = staff.answer("how many customers by country")
    k = demo_services.settings.k_anonymity
    assert insight.rows and all(r["customers"] >= k for r in insight.rows)
    assert "left out" in insight.narrative and insight.notes
    single = staff.answer("revenue from Iceland")         # one customer: the figure is hidden
    assert single.facts == [("all", None)] and "hidden" in single.narrative
    for question in ("revenue and orders from Iceland", "orders and units from Iceland"):   # every figure of it,
        several = staff.answer(question)                                                   # not only the first
        assert several.query.also and [v for _, v in several.facts] == [None, None], several.facts
        assert all(v is None for r in several.rows for k_, v in r.items() if k_ not in ("all", "suppressed"))


def test_privacy_helpers():
    rows, hidden = suppress_small_groups([{"g": "a", "customers": 3, "revenue": 9.5},
                                          {"g": "b", "customers": 30, "revenue": 99.0}], k=10)
    assert hidden == 1 and rows[0] == {"g": "a", "customers": None, "revenue": None, "suppressed": True}
    noisy = add_laplace_noise([{"customers": 100}] * 200, ["customers"], epsilon=1.0, seed=0)
    values = [r["customers"] for r in noisy]
    assert len(set(values)) > 3 and abs(sum(values) / len(values) - 100) < 1


@pytest.mark.parametrize("question", ["show me the customers of segment champions",
                                      "list every customer in France with their revenue", "revenue by customer",
                                      "revenue per customer"])
def test_no_individual_is_exposed(staff, demo_services, question):
    """Asked for individuals, the answer is groups or a clarifying question: no row names a customer id, and every
    visible row describes at least k customers."""
    ids = set(demo_services.index.profiles["user_id"].astype(str))
    k = demo_services.settings.k_anonymity
    insight = staff.answer(question)
    assert insight.rows or insight.clarification is not None, insight.narrative
    for row in insight.rows:
        assert "user_id" not in row and not ({str(v) for v in row.values()} & ids), row
        assert row.get("suppressed") or row["customers"] >= k, row


def test_staff_role_through_the_engine_and_shopper_refusal(demo_services, small_settings):
    from assistant.chat.engine import STAFF_ONLY, Assistant
    from assistant.chat.router import Router
    assistant = Assistant(demo_services, Router(small_settings))
    reply = assistant.ask("revenue by segment last quarter", role="staff").finish()
    assert reply.intent == "staff_insight" and reply.rows and reply.parsed_query["metric"] == "revenue"
    assert reply.text.startswith("Net revenue by segment, last quarter (2011-07-01 to 2011-09-30)")
    asked = assistant.ask("how is our churn", role="staff").finish()
    assert asked.rows == [] and asked.suggestions == ["how is our churn rate", "how is our churn risk"]
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


class FakeGate:
    """Stands in for models/gate.py: returns a fixed JSON (or raises) and records the schema it was given."""

    def __init__(self, out):
        self.out, self.calls = out, []

    def json(self, messages, schema, purpose, timeout_s=None, max_new_tokens=None):
        from assistant.errors import LLMUnavailable
        from assistant.models.schema import validate as check
        self.calls.append((messages, schema, purpose, max_new_tokens))
        if self.out is None:
            raise LLMUnavailable("busy")
        check(self.out, schema)
        return self.out


def test_llm_reading_is_validated_and_offered_as_a_choice_never_answered(staff):
    from assistant.segments.llm_parse import LLMQueryFiller
    insights = staff.insights
    out = {"metric": "revenue", "group_by": "country", "period": "last quarter", "top": 5}   # fields left out
    gate = FakeGate(out)
    insights.llm_parser = LLMQueryFiller(gate, insights.vocabulary, staff.s.index.as_of)
    try:
        insight = insights.answer("how are our markets doing, by takings, recently")
        messages, schema, purpose, max_tokens = gate.calls[0]
        assert purpose == "staff" and messages[-1]["content"] == "how are our markets doing, by takings, recently"
        assert schema["required"] == ["metric"] and max_tokens and max_tokens <= 64      # a short answer
        assert insight.facts == [] and insight.clarification is not None
        # the question states no number, so the LLM's 'top 5' is dropped (llm_parse.to_query keeps what it names)
        assert "revenue by country last quarter" in insight.clarification.choices
        assert not any(c.startswith("top 5") for c in insight.clarification.choices)
        picked = insights.answer("revenue by country last quarter")      # the choice reads back exactly
        assert picked.clarification is None and picked.reading.startswith("Net revenue by country")
        insights.llm_parser = LLMQueryFiller(FakeGate(None), insights.vocabulary, staff.s.index.as_of)
        busy = insights.answer("how are our markets doing, by takings, recently")
        assert busy.facts == [] and busy.clarification is not None          # LLM busy: still asks, no crash
    finally:
        insights.llm_parser = None


def test_cli_eval_insights_reports_exact_clarified_wrong(demo_settings, monkeypatch, capsys, tmp_path):
    from assistant.cli import main
    item = {"id": "t1", "question": "how many orders last month", "lang": "en", "expect": "answer", "value": 1}
    (tmp_path / "one.jsonl").write_text(__import__("json").dumps(item) + "\n", encoding="utf-8")
    monkeypatch.setenv("SHOP_INDEX_DIR", str(demo_settings.index_dir))
    monkeypatch.setenv("SHOP_DATA_DIR", str(demo_settings.data_dir))
    assert main(["eval", "insights", "--data", str(tmp_path / "one.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "exact 0, clarified 0, wrong 1" in out and "wrong: t1" in out      # a wrong number is called wrong
    (tmp_path / "bad.jsonl").write_text('{"id": "t2", "question": "x", "expect": "answer"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl: line 1: expect=answer needs"):
        main(["eval", "insights", "--data", str(tmp_path / "bad.jsonl")])


def test_llm_schema_fill_reads_top_and_bottom_and_leaves_nothing_null(staff):
    from assistant.segments.llm_parse import schema, to_query
    as_of = staff.s.index.as_of
    s = schema(staff.insights.vocabulary)
    assert all(None not in p.get("enum", []) for p in s["properties"].values())    # left out, never null
    low = to_query({"metric": "orders", "group_by": "category", "bottom": 3}, as_of)
    assert (low.group_by, low.limit, low.order) == ("category", 3, "asc")
    high = to_query({"metric": "revenue", "group_by": "country", "top": 5, "country": "France"}, as_of)
    assert (high.limit, high.order, high.filters) == (5, "desc", {})      # a filter on the grouped key is dropped
    assert to_query({"metric": "units", "top": 2}, as_of).limit is None       # no breakdown: no ranking
    assert to_query({"metric": "unknown"}, as_of) is None


def test_second_blind_set_scores(staff):
    """resources/staff_test.jsonl, a second set written blind from the layer's documentation. Its held-out score
    (before any fix for it: exact 52 of 109, wrong 4) is in staff_test.md; its failures were then read to find
    categories of question, so this is a regression pin at the figures reached, not a held-out estimate."""
    from assistant.segments.staff_eval import eval_set
    report = evaluate_insights(staff.insights, eval_set("test"))
    assert report["n"] == 146
    assert report["wrong"] == 0, [i for i in report["items"] if i["verdict"] == "wrong"]
    assert report["exact_of_answerable"] >= 0.95
    by = report["by_lang"]
    assert by["zh"]["exact_of_answerable"] >= by["en"]["exact_of_answerable"] - 0.05


@pytest.mark.parametrize("question,sql", [
    ("revenue between march and may 2011",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
     "WHERE order_date >= '2011-03-01' AND order_date < '2011-06-01'"),
    ("revenue since march 2011",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE order_date >= '2011-03-01'"),
    ("orders in the first half of 2011",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND order_date >= '2011-01-01' "
     "AND order_date < '2011-07-01'"),
    ("2011年3月到5月的订单数",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND order_date >= '2011-03-01' "
     "AND order_date < '2011-06-01'"),
])
def test_date_ranges_equal_hand_written_sql(staff, db, question, sql):
    insight = staff.answer(question)
    assert insight.clarification is None, insight.narrative
    assert insight.facts[0][1] == pytest.approx(db.execute(sql).fetchone()[0], rel=1e-9)


@pytest.mark.parametrize("question", [
    "orders in december",                    # 10 days of December 2011 so far, or the whole of December 2010?
    "12月的订单数",                           # the same in Chinese
    "glass heart t-light holder sales",      # 'heart t-light holder' is exact, but not when it is only part of it:
    "units of heart t-light holder sold",    # one title, and 6 longer ones contain it
])
def test_month_in_progress_and_generic_titles_ask(staff, question):
    insight = staff.answer(question)
    if question.startswith("glass"):        # the longer exact title wins: no ask
        assert insight.clarification is None and insight.query.filters["product"] == ["Glass Heart T-Light Holder"]
        return
    assert insight.clarification is not None and insight.facts == [], insight.reading
    for choice in insight.clarification.choices:
        assert staff.answer(choice).clarification is None, choice


def test_a_month_named_with_so_far_or_a_year_is_read(staff, db):
    dec_2010 = db.execute(f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND order_date >= "
                          "'2010-12-01' AND order_date < '2011-01-01'").fetchone()[0]
    assert staff.answer("orders in december 2010").facts == [("all", dec_2010)]
    assert staff.answer("orders in december so far").query.time.start == "2011-12-01"
    assert staff.answer("orders in november").clarification is None            # a whole month: the latest one


def test_a_period_so_far_is_compared_with_as_many_days_before(staff, db):
    """'Q4 so far' is 1 Oct to the shop's today (70 days), like 'this quarter'; the window before it is the 70 days
    before, not the whole of Q3 (92 days)."""
    q = staff.answer("net revenue q4 so far vs the same length window before").query
    assert [(p.start, p.end) for p in q.compare] == [("2011-10-01", "2011-12-10"), ("2011-07-23", "2011-10-01")]
    facts = staff.answer("net revenue q4 so far vs the same length window before").facts
    before = db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                        "WHERE order_date >= '2011-07-23' AND order_date < '2011-10-01'").fetchone()[0]
    assert facts[1][1] == pytest.approx(before, abs=0.01)


def test_a_breakdown_phrase_is_not_a_singular_which(staff):
    """'by country' names the breakdown; 'which markets' (plural) asks for a ranking, not the top one."""
    q = staff.answer("churned customers by country, which markets have the most?").query
    assert q.group_by == "country" and q.limit == 10
    assert staff.answer("which country has the most churned customers").query.limit == 1
    series = staff.answer("which month had the most orders in 2011")
    assert series.query.limit == 1 and "went from" not in series.narrative


@pytest.mark.parametrize("question", [
    "revenue in the last 3 months",          # rolling 90 days or three calendar months?
    "orders last week",                      # 7 days or a calendar week?
    "orders last month vs the previous 30 days",   # windows of different length
    "how many loyalists do we have",         # loyal or potential loyalists
    "christmas sales in 2011",               # the category or the season
    "average spend per customer in 2011",    # all-time customer value, or 2011 spend per customer?
    "what did customers who bought candles spend last month",   # bought in that month, or ever?
    "沉睡客户有多少",                         # about to sleep or hibernating
    "how much did we spend last month",      # the shop's costs: not in the layer ('customers spend' is revenue)
    "average basket size in 2011",           # money per order or items per order
    "typical order size last quarter",       # the same
    "AOV for Christmas",                     # the Christmas category or the Christmas trading period
    "orders over easter",                    # the same for Easter
    "每个客群的收入",                         # 客群: RFM segment or behavioural cluster
    "revenue by customer group",             # the same in English
])
def test_questions_with_two_readings_ask(staff, question):
    insight = staff.answer(question)
    assert insight.clarification is not None and insight.facts == [], insight.reading
    for choice in insight.clarification.choices:      # each choice reads exactly: no second question
        assert staff.answer(choice).clarification is None, choice


def test_a_season_with_a_category_noun_is_the_category(staff):
    for question in ("AOV in the Christmas category", "revenue from Christmas products", "圣诞类产品的销量"):
        insight = staff.answer(question)
        assert insight.clarification is None and "category Christmas" in insight.reading, question


def test_the_same_period_named_twice_is_one_period_not_a_comparison(staff, db):
    """Repeat-purchase share within 2011: of customers who ordered in 2011, those with 2+ orders in 2011."""
    insight = staff.answer("what % of customers who ordered in 2011 bought more than once in 2011")
    assert insight.clarification is None and not insight.query.compare and " vs " not in insight.reading
    expected = db.execute(
        f"SELECT AVG(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END) FROM (SELECT user_id, COUNT(DISTINCT order_id) AS n "
        f"FROM {LINES} WHERE NOT ret AND order_date >= '2011-01-01' AND order_date < '2012-01-01' GROUP BY 1)"
    ).fetchone()[0]
    assert insight.facts[0][1] == pytest.approx(expected, rel=1e-9)


def test_swapped_letters_are_corrected_for_the_layers_words_only(staff):
    fixed = staff.answer("net sales lsat month")
    assert fixed.clarification is None and "read 'lsat' as 'last'" in fixed.notes
    assert _values(staff.answer("net sales lsat month")) == pytest.approx(_values(staff.answer("net sales last month")))


def _values(insight) -> list[float]:
    return [v for _, v in insight.facts]


def test_a_misspelt_name_is_read_only_when_one_name_is_clearly_nearest(staff):
    """Edit distance 1 (2 from 8 letters), one candidate nearest, the reading stated; otherwise it asks."""
    for question, country in (("churn rate in Frnace", "France"), ("orders from Polnd", "Poland"),
                              ("aov for Germay customers", "Germany")):   # 'german' and 'germany' both Germany
        insight = staff.answer(question)
        assert insight.clarification is None and f"country {country}" in insight.reading
        assert any(n.startswith(f"{country} (you wrote '") for n in insight.notes), insight.notes
    for question in ("aov in fance",        # France or the product word 'fancy': a tie at distance 1
                     "revenue in Itly"):    # four letters: too short to read as another word
        insight = staff.answer(question)
        assert insight.clarification is not None and insight.facts == [], insight.reading
        assert "Did you mean" in insight.clarification.question
    kingdom = staff.answer("revenue in the United Kingdon")   # never a jump to United Arab Emirates
    assert "United Kingdom" in kingdom.reading and "Emirates" not in kingdom.reading


@pytest.mark.parametrize("short,plain", [
    ("no. of orders last month", "number of orders last month"),
    ("# of customers in France", "number of customers in France"),
    ("orders per head in 2011", "orders per customer in 2011"),
    ("what pc of customers are in the UK", "what percent of customers are in the UK"),
    ("revenue France v Germany", "revenue France vs Germany"),
    ("net takings last month", "net revenue last month"),
    ("customer acquisition last month", "new customers last month"),
    ("value lost to returns in 2011", "returns value in 2011"),
    ("how many customers only ever ordered once", "how many customers placed exactly one order"),
    ("revenue over the whole history", "revenue all time"),
    ("上个月新增的客户", "new customers last month"),
])
def test_shorthands_and_paraphrases_read_as_the_layers_words(staff, short, plain):
    got, want = staff.answer(short), staff.answer(plain)
    assert got.clarification is None and want.clarification is None, (got.narrative, want.narrative)
    assert got.reading == want.reading and _values(got) == pytest.approx(_values(want))


def test_glued_and_misspelt_ordinary_words(staff):
    for glued, plain in (("how many oders lastmonth", "how many orders last month"),
                         ("revenue in the last 30days", "revenue in the last 30 days")):
        got = staff.answer(glued)
        assert got.clarification is None and _values(got) == pytest.approx(_values(staff.answer(plain)))
    fixed = staff.answer("How many units did we shift in the last 30 days")     # 'shift' is a word, not 'shirt'
    assert fixed.clarification is None and fixed.reading.startswith("Units sold")
    title = staff.answer("how many customers bought the regency cakstand 3 tier")   # 8 letters: a title word
    assert title.reading.startswith("Customers who bought Regency Cakestand 3 Tier") and title.facts[0][1] == 881
    assert "read 'cakstand' as 'cakestand'" in title.notes
    assert fixed.clarification is None and fixed.reading.startswith("Units sold")


@pytest.mark.llm
def test_real_llm_fills_a_short_valid_query_that_is_only_offered(staff, demo_services):
    """llama.cpp fills the layer's schema for a question the rules cannot explain: the JSON is short (only the
    fields needed, within MAX_TOKENS), it validates, and the answer is still a question with choices."""
    from assistant.models.gate import gate_for
    from assistant.models.registry import create
    from assistant.segments.llm_parse import MAX_TOKENS, LLMQueryFiller
    settings = demo_services.settings
    gate = gate_for(create("llm", settings.llm_backend, settings=settings), settings)
    gate.warm_up()
    insights = staff.insights
    insights.llm_parser = LLMQueryFiller(gate, insights.vocabulary, staff.s.index.as_of, timeout_s=60)
    try:
        proposal = insights.llm_parser("what did we take in France last quarter, roughly")
        assert proposal is not None and proposal.metric in ("revenue", "gross_sales")
        assert proposal.filters.get("country") == ["France"] and proposal.time.label == "last quarter"
        insight = insights.answer("how are our markets doing, by takings, recently")
        assert insight.facts == [] and insight.clarification is not None      # offered, never answered
        assert all(r.outcome == "ok" for r in gate.records if r.purpose == "staff")
        assert MAX_TOKENS <= 64
    finally:
        insights.llm_parser = None


# ---------------------------------------------------------------- round 5: words used once, Chinese, typos
Y2011 = Period("2011-01-01", "2012-01-01", "2011")
DEC = Period("2011-12-01", "2011-12-10", "this month")


def test_a_word_that_makes_the_metric_is_not_also_a_filter(staff, db, demo_services):
    """'new' in 'new-customer acquisition' names the metric; it must not also become the segment filter 'new'."""
    k = demo_services.settings.k_anonymity
    insight = staff.answer("top 3 countries for new-customer acquisition this year")
    assert insight.query == Query("new_customers", "country", time=Y2011, limit=3)
    expected = db.execute(
        f"SELECT country, COUNT(*) v FROM (SELECT user_id, MIN(order_date) d, ANY_VALUE(country) country "
        f"FROM {LINES} WHERE NOT ret GROUP BY user_id) WHERE d >= '2011-01-01' AND d < '2012-01-01' GROUP BY 1 "
        f"HAVING COUNT(*) >= {k} ORDER BY v DESC LIMIT 3").fetchall()
    assert insight.facts == [(g, v) for g, v in expected]
    by_month = staff.parser.parse("new customer acquisition by month this year").query
    assert by_month == Query("new_customers", "month", time=Y2011)
    # written as the segment, it is the segment
    assert staff.parser.parse("how many customers are in the new segment").query.filters == {"segment": ["new"]}


# (question, expected query): hand-checked readings, our own wording
READINGS = [
    ("各segment的客户数", Query("customers", "segment")),
    ("loyal 这个segment平均流失风险是多少", Query("churn_risk", filters={"segment": ["loyal"]})),
    ("各个cluster的收入", Query("revenue", "cluster")),
    ("哪个国家的复购率高", Query("repeat_rate", "country", limit=1)),
    ("2011年哪个月的收入最高", Query("revenue", "month", time=Y2011, limit=1)),
    ("今年新增客户按国家", Query("new_customers", "country", time=Y2011)),
    ("how many customers did we acquire in Germany this year",     # was all customers beside the new ones
     Query("new_customers", filters={"country": ["Germany"]}, time=Y2011)),
    ("下过3次及以上订单的客户有多少", Query("matching_customers", condition=Condition("orders", ">=", 3))),
    ("至少下了2单的客户有多少", Query("matching_customers", condition=Condition("orders", ">=", 2))),
    ("各分群的人均累计消费", Query("customer_value", "segment")),
    ("每个客户平均下几单", Query("frequency")),
    ("每个客户平均买几次", Query("frequency")),
    ("各国平均每个客户的订单数", Query("frequency", "country")),
    ("英国的平均每单消费", Query("aov", filters={"country": ["United Kingdom"]})),
    ("本月到目前为止的收入", Query("revenue", time=DEC)),
    ("今年以来买得最多的产品", Query("units", "product", time=Y2011, limit=10)),
    ("各国家的复够率", Query("repeat_rate", "country")),
    ("德国客户的消费总额", Query("revenue", filters={"country": ["Germany"]})),
    ("what did we sell last month before returns are taken off",
     Query("gross_sales", time=Period("2011-11-01", "2011-12-01", "last month"))),
    ("how much revenue was lost to cancellations and returns in 2011", Query("returns_value", time=Y2011)),
    ("lapse rate by cluster", Query("churn_rate", "cluster")),
    ("returns value of the returns-prone cluster",           # was every cluster: 'returns' took half the word
     Query("returns_value", filters={"cluster": ["Returns-prone narrow-range one-off customers"]})),
    ("how many brand-new customers did we win in march 2011",
     Query("new_customers", time=Period("2011-03-01", "2011-04-01", "March 2011"))),
    ("what share of our customers have gone quiet", Query("churn_rate")),
    ("share of customers with no order in 90d+", Query("churn_rate")),
    ("avg churn prob of the hibernating segment", Query("churn_risk", filters={"segment": ["hibernating"]})),
    ("revenue by country, only the ones you're allowed to show", Query("revenue", "country")),
    ("top 5 products by units excl. anything too small to show", Query("units", "product", limit=5)),
    ("各国家的收入，排除太小的组", Query("revenue", "country")),
    ("customers by country excluding small ones", Query("customers", "country")),
    ("share of customers that have returned something", Query("customer_share", condition=Condition("returned"))),
    ("France vs Spain: who spent more in 2011",
     Query("revenue", "country", {"country": ["France", "Spain"]}, time=Y2011)),
    ("lifetime gross spend per customer by segment", Query("customer_value", "segment")),
    ("top5 products by units", Query("units", "product", limit=5)),          # glued to its number
    ("bottom3 countries by orders", Query("orders", "country", limit=3, order="asc")),
    ("units sold of the popcorn holdr", Query("units", filters={"product": ["Popcorn Holder"]})),  # whole title
    ("回头客（至少买过两次的）有多少人", Query("matching_customers", condition=Condition("orders", ">=", 2))),
    ("December so far: gross, returns, net",          # up to the shop's today (b131748)
     Query("gross_sales", time=Period("2011-12-01", "2011-12-10", "December 2011 so far"),
           also=["returns_value", "revenue"])),
]


@pytest.mark.parametrize("question,expected", READINGS, ids=[r[0][:40] for r in READINGS])
def test_hand_checked_readings(staff, question, expected):
    parsed = staff.parser.parse(question)
    assert parsed.clarify is None and not parsed.unexplained, (parsed.clarify, parsed.unexplained)
    assert parsed.query == expected


@pytest.mark.parametrize("question,period", [
    ("revenue in december last year", Period("2010-12-01", "2011-01-01", "December 2010")),
    ("last year's december revenue", Period("2010-12-01", "2011-01-01", "December 2010")),
    ("去年12月的净收入", Period("2010-12-01", "2011-01-01", "December 2010")),
    ("今年3月的订单数", Period("2011-03-01", "2011-04-01", "March 2011")),
    ("revenue q4 last year", Period("2010-10-01", "2011-01-01", "Q4 2010")),
    ("去年第四季度的收入", Period("2010-10-01", "2011-01-01", "Q4 2010")),
    ("units sold in the first quarter", Period("2011-01-01", "2011-04-01", "Q1 2011")),
    ("2011年第三季度的订单数", Period("2011-07-01", "2011-10-01", "Q3 2011")),
    # round 6: a named year beside the month or quarter (was: the month of 2011 compared with the whole year)
    ("2010年的12月收入", Period("2010-12-01", "2011-01-01", "December 2010")),
    ("2010年的第四季度收入", Period("2010-10-01", "2011-01-01", "Q4 2010")),
    ("2010年的Q4订单数", Period("2010-10-01", "2011-01-01", "Q4 2010")),
    ("Q4 2010的销量", Period("2010-10-01", "2011-01-01", "Q4 2010")),
    ("2011年Q3的收入", Period("2011-07-01", "2011-10-01", "Q3 2011")),
    ("2010's December revenue", Period("2010-12-01", "2011-01-01", "December 2010")),
    ("December revenue in 2010", Period("2010-12-01", "2011-01-01", "December 2010")),
])
def test_a_month_beside_a_relative_year_is_in_that_year(staff, question, period):
    """Once read as the month of this year compared with the whole of last year (two periods)."""
    q = staff.parser.parse(question).query
    assert q.time == period and q.compare == []
    apart = staff.parser.parse("revenue in december vs last year").query     # 'vs' between: two periods
    assert [p.label for p in apart.compare] == ["December 2011", "2010"]


def test_customers_who_are_new_is_the_new_customers_metric(staff, db):
    """'how many loyal customers are new this year' once compared the segments loyal and new."""
    insight = staff.answer("how many loyal customers are new this year")
    assert insight.query == Query("new_customers", filters={"segment": ["loyal"]}, time=Y2011)
    expected = db.execute(f"SELECT COUNT(*) FROM (SELECT user_id, MIN(order_date) d, ANY_VALUE(segment) s FROM {LINES} "
                          "WHERE NOT ret GROUP BY user_id) WHERE s = 'loyal' AND d >= '2011-01-01'").fetchone()[0]
    assert insight.facts == [("all", expected)]


def test_n_times_or_more_in_chinese_asks_which_bound(staff):
    ask = staff.answer("下过2次以上订单的客户")       # 以上: inclusive or not varies in use
    assert ask.clarification and ask.facts == []
    at_least, more = (staff.parser.parse(c).query for c in ask.clarification.choices)
    assert at_least.condition == Condition("orders", ">=", 2) and more.condition == Condition("orders", ">", 2)


def test_how_many_churned_is_a_count_and_what_share_is_the_rate(staff):
    """'how many customers churned' once answered all customers (4,334) beside the churn rate: now the count."""
    assert staff.parser.parse("how many customers churned").query == Query("churned_customers")
    assert staff.parser.parse("what share of customers have lapsed").query == Query("churn_rate")
    assert staff.parser.parse("churned customers by country").query == Query("churned_customers", "country")


def test_last_30_days_against_the_30_before_in_chinese(staff, db):
    def net(start, end):
        return db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                          f"WHERE order_date >= '{start}' AND order_date < '{end}'").fetchone()[0]
    for question in ("最近30天的收入和之前30天相比", "revenue in the last 30 days vs the 30 before"):
        insight = staff.answer(question)
        assert [v for _, v in insight.facts][:2] == pytest.approx([net("2011-11-10", "2011-12-10"),
                                                                   net("2011-10-11", "2011-11-10")]), question


def test_typos_are_read_with_the_reading_stated_or_asked(staff):
    holder = staff.parser.parse("units of white hanging heart t-light holdr")
    assert holder.query.filters == {"product": ["White Hanging Heart T-Light Holder"]}
    assert any("'holdr' for 'holder'" in n for n in holder.notes)
    several = staff.answer("units of red retrospot bagg")      # the other words name several titles: asked
    assert several.clarification and len(several.clarification.choices) > 1 and several.facts == []
    segment = staff.parser.parse("how many potential loyalits are there")   # a name one letter off, not 'loyal its'
    assert segment.query.filters == {"segment": ["potential loyalists"]} and "read 'loyalits' as 'loyalists'" in segment.notes
    homophone = staff.parser.parse("各国家的复够率")
    assert "read '复够率' as '复购率'" in homophone.notes


@pytest.mark.parametrize("question", ["average propensity score for champions",
                                      "how many customers bought more than 3 units",
                                      "how many customers are likely to churn",       # no count by a probability
                                      "how many customers are at risk of churning",   # 'churning' is no typo
                                      "how many returns last month", "上个月有多少次退货",   # money, not a count
                                      "top 5 new products by revenue",           # 'new' is no segment of products
                                      "流失风险高的客户都买些什么",                  # 高 describes: no ranking
                                      "returns value of the returns-happy customers",   # half a word is not a word
                                      "best selling products to new customers last month",   # no such filter
                                      "revenue by brand", "orders per brand",
                                      "回头客（至少买过三次的）有多少人"])   # two conditions that disagree   # 'brand' is filler only in 'brand-new'
def test_words_that_stay_unclear_still_ask(staff, question):
    insight = staff.answer(question)
    assert insight.clarification is not None and insight.facts == [], insight.reading


# Round 6: a definition or a gloss said beside the layer's words; English names beside Chinese nouns. Our own
# wording; each figure from hand-written SQL. All of these asked (or named two figures) before.
Q2 = "order_date >= '2011-04-01' AND order_date < '2011-07-01'"
Y10 = "order_date >= '2010-01-01' AND order_date < '2011-01-01'"
Y11 = "order_date >= '2011-01-01' AND order_date < '2012-01-01'"
CHURNED = "(SELECT user_id FROM profiles WHERE recency_days > 90)"
ROUND6_SQL = [
    ("total 2010 takings before refunds come off", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND {Y10}"),
    ("what were sales in 2011 before we deduct returns", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND {Y11}"),
    ("2011年扣除退货前的销售额", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND {Y11}"),
    ("gross sales minus returns in 2010",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE {Y10}"),
    ("net revenue (gross less refunds) in 2010",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE {Y10}"),
    ("what did cancellations cost us in Q2 2011", f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {Q2}"),
    ("how much money went to refunds/cancellations in Q2 2011", f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {Q2}"),
    ("2011年第二季度因退货和取消损失了多少钱", f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {Q2}"),
    ("returns and cancellations in Q2 2011", f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {Q2}"),
    ("what share of Spanish customers have gone quiet for more than three months",
     f"SELECT AVG((user_id IN {CHURNED})::INT) FROM (SELECT DISTINCT user_id FROM {LINES} "
     "WHERE NOT ret AND country = 'Spain')"),
    ("超过90天没有下单的德国客户有多少",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'Germany' AND user_id IN {CHURNED}"),
    ("流失客户（超过90天未购买）有多少", f"SELECT COUNT(*) FROM {CHURNED} c WHERE user_id IN "
                                     f"(SELECT user_id FROM {LINES} WHERE NOT ret)"),
    ("how many German customers haven't placed an order in more than 90 days",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'Germany' AND user_id IN {CHURNED}"),
    ("how many French customers have no orders in the past 90 days",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'France' AND user_id IN {CHURNED}"),
    ("what percentage of German customers placed exactly one order",     # the share phrase once ate 'German'
     f"SELECT AVG((n = 1)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} "
     "WHERE NOT ret AND country = 'Germany' GROUP BY user_id)"),
    ("how many Belgian customers have 3+ orders",
     f"SELECT COUNT(*) FROM (SELECT user_id FROM {LINES} WHERE NOT ret AND country = 'Belgium' GROUP BY user_id "
     "HAVING COUNT(DISTINCT order_id) >= 3)"),
    ("repeat rate (2+ orders) in 2010",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} "
     f"WHERE NOT ret AND {Y10} GROUP BY user_id)"),
    ("average order value (gross sales per order) in Norway",
     f"SELECT SUM(amt) / COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Norway'"),
    ("首次下单在2011年11月的客户有多少",        # the new-customer definition said alone
     f"SELECT COUNT(*) FROM (SELECT user_id, MIN(order_date) d FROM {LINES} WHERE NOT ret GROUP BY user_id) "
     "WHERE d >= '2011-11-01' AND d < '2011-12-01'"),
    ("how many customers made their first purchase in November 2011",
     f"SELECT COUNT(*) FROM (SELECT user_id, MIN(order_date) d FROM {LINES} WHERE NOT ret GROUP BY user_id) "
     "WHERE d >= '2011-11-01' AND d < '2011-12-01'"),
    ("mean high-value propensity score of the loyal segment",
     "SELECT AVG(high_value_probability) FROM profiles WHERE segment = 'loyal'"),
    ("repeat purchase rate (customers with at least two orders) in France",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} "
     "WHERE NOT ret AND country = 'France' GROUP BY user_id)"),
    ("AOV, i.e. gross sales / orders, in 2010",
     f"SELECT SUM(amt) / COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {Y10}"),
    ("Easter 品类 去年卖了多少件", f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND category = 'Easter' AND {Y10}"),
    ("Jumbo Bag Red Retrospott 今年卖了几个",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Jumbo Bag Red Retrospot' AND {Y11}"),
    ("Regency Cakestand 3 Tier 这款产品去年卖了多少件",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier' AND {Y10}"),
]


def test_restated_definitions_and_glosses_are_stated_in_the_answer(staff):
    churn = staff.answer("share of customers quiet for 90+ days")
    assert any("more than 90 days" in n for n in churn.notes), churn.notes
    net = staff.parser.parse("net revenue, i.e. gross sales minus returns, by country")
    assert net.query == Query("revenue", "country") and any("definition of net revenue" in n for n in net.notes)
    returns = staff.answer("how much did we lose to cancellations in Q2 2011")
    assert "returns and cancellations" in returns.reading
    glossed = staff.parser.parse("各客群(segment)的客户数")
    assert glossed.query == Query("customers", "segment") and "read '客群 segment' as '分群'" in glossed.notes
    assert staff.parser.parse("每个客群（cluster）的收入").query == Query("revenue", "cluster")
    assert staff.parser.parse("average propensity score (churn) of champions").query == \
        Query("churn_risk", filters={"segment": ["champions"]})


@pytest.mark.parametrize("question", [
    "how many customers have gone quiet in the last 60 days",     # another window than the definition's 90 days
    "60天没有购买的客户有多少", "share of customers who haven't ordered for six months",
    "revenue per order in France", "units per order in 2011", "每单收入",     # per order: only AOV is in the layer
    "cancellations last quarter",                                 # a count or a value? not said
    "各客群的收入",                                                # no gloss: segment or cluster?
    "Christmas revenue in 2011",                                  # no category noun: category or season?
    "revenue including returns in 2011",                          # was read as 'excluding' (a typo fix): net
    "how many customers last ordered 90 days ago",                # that day, not more than 90 days
    "how many items are in the Christmas category",               # a count of products, not units sold
    "gross sales without returns in 2011",                        # gross itself, or gross minus returns?
    "退货客户(customers)有多少", "毛利(gross margin)按国家",           # a gloss too vague, or not in the layer
    "share of revenue from customers quiet for 90+ days",         # not the churn rate beside revenue
])
def test_round6_words_that_stay_unclear_ask(staff, question):
    insight = staff.answer(question)
    assert insight.clarification is not None and insight.facts == [], insight.reading


def test_another_churn_window_offers_the_definition(staff):
    ask = staff.answer("how many German customers have gone quiet in the last 60 days")
    choice = staff.parser.parse(ask.clarification.choices[0])
    assert choice.query == Query("churned_customers", filters={"country": ["Germany"]}) and choice.clarify is None


ROUND6_READINGS = [   # (question, expected query): hand-checked, our own wording
    ("churn score by segment", Query("churn_risk", "segment")),
    ("各分群的平均流失概率得分", Query("churn_risk", "segment")),
    ("高价值得分按国家", Query("high_value_probability", "country")),
    ("churn risk (the model's predicted probability) by cluster", Query("churn_risk", "cluster")),
    ("回头客(repeat customers)有多少", Query("matching_customers", condition=Condition("orders", ">=", 2))),
    ("复购率（至少下过两单的客户占比）按国家", Query("repeat_rate", "country")),
    ("customers with recency > 90 days by country", Query("churned_customers", "country")),
    ("customers who last ordered more than three months ago by country", Query("churned_customers", "country")),
    ("share of Portuguese customers who lapsed over 90 days ago",
     Query("churn_rate", filters={"country": ["Portugal"]})),
    ("已经三个月没下单的客户有多少", Query("churned_customers")),
    ("退款总额按国家", Query("returns_value", "country")),
    ("Kitchen品类 2011年的订单数", Query("orders", filters={"category": ["Kitchen & Dining"]}, time=Y2011)),
    ("loyal客户2011年花了多少钱", Query("revenue", filters={"segment": ["loyal"]}, time=Y2011)),
    ("2011年的出货量", Query("units", time=Y2011)),
    ("2011年的销售量", Query("units", time=Y2011)),
    ("how much did we lose to cancelations in 2011", Query("returns_value", time=Y2011)),     # US spelling
    ("sales in 2011 befor returns come off", Query("gross_sales", time=Y2011)),             # a typo in the phrase
    ("sales volume by country in 2011", Query("units", "country", time=Y2011)),
    ("how many items did Germany buy in 2011", Query("units", filters={"country": ["Germany"]}, time=Y2011)),
    ("营收贡献(revenue)按国家", Query("revenue", "country")),            # an unknown word read by its own gloss
    ("复购比例(repeat rate)按国家", Query("repeat_rate", "country")),
    ("沉睡客户(hibernating)的数量", Query("customers", filters={"segment": ["hibernating"]})),
    ("units in December for Germany in 2010",      # the words between the month and its year keep their meaning
     Query("units", filters={"country": ["Germany"]}, time=Period("2010-12-01", "2011-01-01", "December 2010"))),
]


@pytest.mark.parametrize("question,expected", ROUND6_READINGS, ids=[r[0][:40] for r in ROUND6_READINGS])
def test_round6_hand_checked_readings(staff, question, expected):
    parsed = staff.parser.parse(question)
    assert parsed.clarify is None and not parsed.unexplained, (parsed.clarify, parsed.unexplained)
    assert parsed.query == expected


# round 7: words of the closed harmless list, shorthands and period back-references; each figure from SQL written
# here, each question in my own wording
IN_2011 = "order_date >= '2011-01-01' AND order_date < '2012-01-01'"
HARMLESS_SQL = [
    ("net sales for France only during 2011",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'France' AND {IN_2011}"),
    ("order count, just Switzerland", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Switzerland'"),
    ("the cannot lose bunch: how many customers", "SELECT COUNT(*) FROM profiles WHERE segment = 'cannot lose'"),
    ("at risk folks, net revenue in 2011",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE segment = 'at risk' AND {IN_2011}"),
    ("只看法国的订单数", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'France'"),
    ("忠诚客户那帮人的收入是多少",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE segment = 'loyal'"),
    ("brand-new buyers in November 2011",
     f"SELECT COUNT(*) FROM (SELECT user_id, MIN(order_date) d FROM {LINES} WHERE NOT ret GROUP BY user_id) "
     "WHERE d >= '2011-11-01' AND d < '2011-12-01'"),
    ("rev from Belgium", f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'Belgium'"),
    ("no. of custs in Portugal", f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'Portugal'"),
    ("grossales for Spain", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND country = 'Spain'"),
    ("法锅客户的销售额", f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'France'"),
    ("意大历的订单数", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Italy'"),
    ("老顾客流失了多少", "SELECT COUNT(*) FROM profiles WHERE recency_days > 90"),
    ("2011年德国拉来了几个新客",
     f"SELECT COUNT(*) FROM (SELECT user_id, MIN(order_date) d, any_value(country) c FROM {LINES} WHERE NOT ret "
     "GROUP BY user_id) WHERE c = 'Germany' AND d >= '2011-01-01' AND d < '2012-01-01'"),
    ("冠军客户贡献了多少订单", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND segment = 'champions'"),
    ("回购率是百分之多少",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} WHERE NOT ret "
     "GROUP BY user_id)"),
    ("lifetime spending per client", "SELECT AVG(monetary) FROM profiles"),
    ("what % of 2011 shoppers bought anything from christmas",     # once a count: the year hid 'what % of'
     f"SELECT AVG(x::INT) FROM (SELECT user_id, bool_or(category = 'Christmas') x FROM {LINES} WHERE NOT ret "
     f"AND {IN_2011} GROUP BY user_id)"),
    ("what percent of 2010 buyers are in Germany",
     f"SELECT AVG((country = 'Germany')::INT) FROM (SELECT DISTINCT user_id, country FROM {LINES} WHERE NOT ret "
     "AND order_date >= '2010-01-01' AND order_date < '2011-01-01')"),
    ("the promising segment - how many of them ordered during 2011",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND segment = 'promising' AND {IN_2011}"),
]


def test_harmless_readings_are_stated(staff, db):
    only = staff.answer("net sales for France only during 2011")
    assert "'only' read as not changing the question" in only.notes
    group = staff.answer("the cannot lose bunch: how many customers")
    assert "'bunch' read as not changing the question" in group.notes
    again = staff.answer("units sold in March 2011 and that month's gross sales")
    assert "'that month's' read as March 2011" in again.notes
    gross = db.execute(f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND order_date >= '2011-03-01' "
                       "AND order_date < '2011-04-01'").fetchone()[0]
    units = db.execute(f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND order_date >= '2011-03-01' "
                       "AND order_date < '2011-04-01'").fetchone()[0]
    assert again.clarification is None and again.facts[0][1] == pytest.approx(units, rel=1e-9)
    assert again.facts[1][1] == pytest.approx(gross, rel=1e-9)
    assert "France (you wrote '法锅')" in staff.answer("法锅客户的销售额").notes
    assert "Italy (you wrote '意大历')" in staff.answer("意大历的订单数").notes


def test_change_words_and_a_window_of_the_same_length(staff, db):
    def net(where: str) -> float:
        return db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE {where}").fetchone()[0]
    q3 = net("order_date >= '2011-07-01' AND order_date < '2011-10-01'")
    q2 = net("order_date >= '2011-04-01' AND order_date < '2011-07-01'")
    for question in ("2011年第三季度收入的涨幅", "2011年第三季度的收入比上个季度多了多少"):
        got = staff.answer(question)
        assert got.clarification is None and got.query.change, (question, got.narrative)
        assert [v for _, v in got.facts[:2]] == pytest.approx([q3, q2], rel=1e-9)
    window = staff.answer("orders in the last 14 days against an equal-length period just before")
    assert window.clarification is None and window.query.change
    days = [(p.start, p.end) for p in window.query.compare]
    assert days == [("2011-11-26", "2011-12-10"), ("2011-11-12", "2011-11-26")]


@pytest.mark.parametrize("question", [
    "revenue from only Christmas products",        # 'only' beside a category may mean 'nothing else'
    "revenue of the UK lot",                        # a collective noun leans on a segment or cluster, not a country
    "how many customers did that year bring",       # 'that year' with no year named
    "orders in 2010 and 2011 and that year's units",  # two years named: which one?
    "spend per customer in 2011",                   # all-time value or 2011 spend per customer? not guessed
    "how many of them ordered in 2011",             # 'them' with no segment named
    "欧洲的收入",                                    # Europe, one character off 澳洲 (Australia): never corrected
    "美元收入",                                      # dollars, one character off 美国
    "按日期的订单数",                                 # by date, one character off 日本
    "how many brand customers",                    # 'brand' stresses only 'new'
    "how many customers bought from christmas to new year",   # 'from Christmas to ...': a period, not the category
])
def test_harmless_words_never_stretch_to_change_a_question(staff, question):
    got = staff.answer(question)
    assert got.clarification is not None, (question, got.reading)


# ---------------------------------------------------------------- round 8: agreement, asides, corrections, per customer
def _net(db, where: str) -> float:
    return db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE {where}").fetchone()[0]


def _orders(db, start: str, end: str) -> int:
    """Orders placed in [start, end)."""
    return db.execute(f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND order_date >= '{start}' "
                      f"AND order_date < '{end}'").fetchone()[0]


H2_SO_FAR = "order_date >= '2011-07-01' AND order_date < '2011-12-10'"
ROUND8_SQL = [   # (question in our own words, hand-written SQL of its single figure)
    ("net revenue per customer in Germany during 2011",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) / COUNT(DISTINCT user_id) FILTER (WHERE NOT ret) "
     f"FROM {LINES} WHERE country = 'Germany' AND {IN_2011}"),
    ("2011年每位买家的平均收入",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) / COUNT(DISTINCT user_id) FILTER (WHERE NOT ret) "
     f"FROM {LINES} WHERE {IN_2011}"),
    ("sales for calendar year 2010",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE order_date < '2011-01-01'"),
    ("how many units went out the door in November 2011", f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND {NOV}"),
    ("how many different shoppers did we have in France",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'France'"),
    ("number of buyers who've purchased the regency cakestand 3 tier",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier'"),
    ("瑞士这边2011年的订单数",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Switzerland' AND {IN_2011}"),
    ("2011下半年到现在为止的退货金额", f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {H2_SO_FAR}"),
    ("orders in H2 2011 up to now", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {H2_SO_FAR}"),
    ("repeat rte for Belgium",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} WHERE NOT ret "
     "AND country = 'Belgium' GROUP BY user_id)"),
    ("法国客户流失的比例",
     f"SELECT AVG((f.recency_days > 90)::INT) FROM (SELECT DISTINCT user_id FROM {LINES} WHERE NOT ret "
     "AND country = 'France') u JOIN profiles f USING (user_id)"),
    ("what share of our buyers have churned in Germany",
     f"SELECT AVG((f.recency_days > 90)::INT) FROM (SELECT DISTINCT user_id FROM {LINES} WHERE NOT ret "
     "AND country = 'Germany') u JOIN profiles f USING (user_id)"),
    ("units sold in Italy in 2011, oops, I meant Portugal",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND country = 'Portugal' AND {IN_2011}"),
    ("去年英国的收入，说错了，我是说德国",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'Germany' "
     "AND order_date < '2011-01-01'"),
    ("orders from Spain in 2010 - no wait, I mean 2011",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Spain' AND {IN_2011}"),
    ("how many customers in Belgium? sorry, I meant how many orders in Belgium",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Belgium'"),
    ("finance team: gross sales in 2011", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND {IN_2011}"),
    ("orders in Norway in 2011 (my manager asked)",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Norway' AND {IN_2011}"),
    ("units sold in Germany in 2011 (2011 only)",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND country = 'Germany' AND {IN_2011}"),
    ("net revenue in the UK in 2011 (UK only)",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'United Kingdom' AND {IN_2011}"),
]


def test_the_quarter_before_that_in_chinese_is_the_comparisons_previous_period(staff, db):
    got = staff.answer("2011年第三季度的净收入和再上一个季度比")
    assert got.clarification is None and got.query.change, got.narrative
    q3 = _net(db, "order_date >= '2011-07-01' AND order_date < '2011-10-01'")
    q2 = _net(db, "order_date >= '2011-04-01' AND order_date < '2011-07-01'")
    assert [v for _, v in got.facts[:2]] == pytest.approx([q3, q2], rel=1e-9)


@pytest.mark.parametrize("question", ["上个月的订单数跟前一个月相比，百分比也要", "上个月的订单数和上上个月比",
                                      "orders last month vs the month before, and the percent"])
def test_the_month_before_and_its_percentage_in_a_change_question(staff, db, question):
    """前一个月 / 上上个月 is the period before the one named; the percentage asked beside a change is the change's."""
    got = staff.answer(question)
    assert got.clarification is None and got.query.change, got.narrative
    nov, oct_ = _orders(db, "2011-11-01", "2011-12-01"), _orders(db, "2011-10-01", "2011-11-01")
    assert [v for _, v in got.facts[:2]] == [nov, oct_]
    assert f"{(nov - oct_) / oct_:+.1%}" in got.narrative


def test_corrections_and_asides_are_stated(staff):
    fixed = staff.answer("units sold in Italy in 2011, oops, I meant Portugal")
    assert "'oops, I meant' read as a correction: only 'Portugal' counts" in fixed.notes
    assert "Portugal" in fixed.reading and "Italy" not in fixed.reading
    aside = staff.answer("finance team: gross sales in 2011")
    assert "'finance team' read as an aside that does not change the question" in aside.notes
    assert "'这边' read as not changing the question" in staff.answer("瑞士这边2011年的订单数").notes
    assert "read 'rte' as 'rate'" in staff.answer("repeat rte for Belgium").notes


def test_kedanjia_asks_per_order_or_per_customer_and_both_choices_read(staff, db):
    asked = staff.answer("2011年的客单价。")
    assert asked.clarification is not None and asked.facts == []
    assert len(asked.clarification.choices) == 2
    per_order, per_customer = (staff.answer(c) for c in asked.clarification.choices)
    assert per_order.query.metric == "aov" and per_customer.query.metric == "revenue_per_customer"
    aov = db.execute(f"SELECT SUM(amt) / COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {IN_2011}").fetchone()
    rpc = db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) / COUNT(DISTINCT user_id) FILTER "
                     f"(WHERE NOT ret) FROM {LINES} WHERE {IN_2011}").fetchone()
    assert per_order.facts[0][1] == pytest.approx(aov[0], rel=1e-9)
    assert per_customer.facts[0][1] == pytest.approx(rpc[0], rel=1e-9)
    spend = staff.answer("spend per customer in 2011")      # customer value is all-time: asks, both choices read
    assert spend.clarification is not None
    assert [staff.answer(c).query.metric for c in spend.clarification.choices] == ["customer_value",
                                                                                   "revenue_per_customer"]


@pytest.mark.parametrize("question", [
    "revenue last month (excluding postage)",          # a logic word in the aside
    "orders in Spain (wholesale)",                     # one bare word: may be a filter the layer lacks
    "orders in Spain in 2011 (trade customers)",       # a word before a layer noun restricts the scope
    "gross sales in 2011 (mugs)",                      # a product-title word
    "orders in France, sorry",                         # an apology with no correction after it
    "revenue in France last month, sorry, I mean last year or so",   # the correction does not read
    "orders by country (not the UK)",                  # negation in the aside
    "orders in Germany in 2011 (2010 only)",           # 'only' beside another period than the one read
])
def test_asides_and_corrections_never_stretch(staff, question):
    got = staff.answer(question)
    assert got.clarification is not None and got.facts == [], (question, got.reading)


def _with_llm(staff, out: dict | None):
    from assistant.segments.llm_parse import LLMQueryFiller
    staff.insights.llm_parser = LLMQueryFiller(FakeGate(out), staff.insights.vocabulary, staff.s.index.as_of)


def test_agreement_answers_only_when_the_llm_reads_every_field_the_same(staff, db):
    question = "roughly what was net revenue in France last quarter"
    agree = {"metric": "revenue", "country": "France", "period": "last quarter"}
    try:
        staff.insights.llm_parser = None
        assert staff.answer(question).clarification is not None            # LLM off: asks as before
        _with_llm(staff, agree)
        got = staff.answer(question)
        assert got.clarification is None and got.source == "rules+llm"
        assert "read 'roughly' as not changing the question" in got.notes
        assert got.facts[0][1] == pytest.approx(
            _net(db, "country = 'France' AND order_date >= '2011-07-01' AND order_date < '2011-10-01'"), rel=1e-9)
        for other in ({**agree, "country": "Germany"}, {**agree, "period": "this quarter"},
                      {**agree, "metric": "gross_sales"}, {**agree, "group_by": "month"},
                      {"metric": "revenue", "country": "France"}, {"metric": "unknown"}, None):
            _with_llm(staff, other)                                           # any difference, or busy: asks
            assert staff.answer(question).clarification is not None, other
    finally:
        staff.insights.llm_parser = None


def test_agreement_windows_limits_and_risky_words(staff):
    try:
        # 'this year' and '2011' are the same window of data
        _with_llm(staff, {"metric": "orders", "country": "Spain", "period": "this year"})
        got = staff.answer("honestly, how many orders came from Spain in 2011")
        assert got.clarification is None and got.query.time.label == "2011"
        # a number named: the LLM must name it too
        _with_llm(staff, {"metric": "orders", "group_by": "country", "period": "this year"})
        assert staff.answer("top 3 countries by orders in 2011 honestly").clarification is not None
        _with_llm(staff, {"metric": "orders", "group_by": "country", "period": "this year", "top": 3})
        ranked = staff.answer("top 3 countries by orders in 2011 honestly")
        assert ranked.clarification is None and len(ranked.rows) == 3
        # words that may restrict the scope or are on the risky list never pass, whatever the LLM says
        _with_llm(staff, {"metric": "orders", "country": "Spain", "period": "this year"})
        for question in ("how many orders from wholesale customers in Spain in 2011",   # before a layer noun
                         "how many orders in Spain in 2011 via marketplaces",           # after a preposition
                         "how many orders in Spain in 2011 excl marketplaces",          # a logic word
                         "how many orders in Spain in 2011 give or take weekends",      # more than two words
                         "how many orders in Spain in 2011 net of vat",                 # a thing the layer lacks
                         "orders in euros in Spain in 2011"):                           # another currency
            assert staff.answer(question).clarification is not None, question
    finally:
        staff.insights.llm_parser = None


def test_risky_words_and_word_counts():
    from assistant.segments.agreement import risky, words_of
    titles = {"regency", "cakestand", "heart"}
    assert words_of(["finance team", "那边"]) == ["finance", "team", "那边"]
    assert words_of(["再上一个"]) == ["再", "上", "一个"]          # Chinese in whole words (jieba), not pairs
    for word in ("not", "excluding", "excl", "quarter", "2011", "more", "average", "rte", "hearts", "regency", "上一", "不是",
                 "usd", "dollars", "vat", "margin", "美元", "人民币"):
        assert risky(word, titles), word
    for word in ("roughly", "honestly", "finance", "那边", "这边"):
        assert not risky(word, titles), word


def test_worst_ranks_a_bad_news_metric_highest_first(staff, db, demo_services):
    """'worst' on returns or churn means the most returned / churned first; on sales it means the least."""
    k = demo_services.settings.k_anonymity
    most_returned = db.execute(
        f"SELECT category FROM {LINES} GROUP BY 1 HAVING COUNT(DISTINCT user_id) FILTER (WHERE NOT ret) >= {k} "
        "ORDER BY SUM(amt) FILTER (WHERE ret) DESC NULLS LAST LIMIT 1").fetchone()[0]
    insight = staff.answer("categories ranked by returns value, worst first")
    assert insight.clarification is None and insight.facts[0][0] == most_returned
    insight = staff.answer("the three best categories by returns value")
    assert insight.facts[0][1] == min(v for _, v in insight.facts) and len(insight.facts) == 3
    worst_sales = staff.answer("worst 3 categories by sales")
    assert worst_sales.facts[0][1] == min(v for _, v in worst_sales.facts)


def test_a_percent_sign_first_asks_for_a_share_of_customers(staff, db):
    insight = staff.answer("% of custs located in germany")
    expected = db.execute(f"SELECT AVG((country = 'Germany')::INT) FROM (SELECT DISTINCT user_id, country "
                          f"FROM {LINES} WHERE NOT ret)").fetchone()[0]
    assert insight.clarification is None and insight.facts[0][1] == pytest.approx(expected, rel=1e-9)


def test_a_change_question_scores_with_the_change_as_its_one_figure(staff):
    insight = staff.answer("orders in q3 2011 compared with q2 2011")
    (_, a), (_, b) = insight.facts
    assert score(insight, {"expect": "answer", "value": a - b}) == "exact"
    assert score(insight, {"expect": "answer", "value": round((a - b) / b, 4)}) == "exact"
    assert score(insight, {"expect": "answer", "value": a - b + 1}) == "wrong"


def test_money_given_back_is_the_returns_value_and_an_aside_can_add_it(staff, db):
    q2 = "order_date >= '2011-04-01' AND order_date < '2011-07-01'"
    back = staff.answer("how much money did we hand back in refunds + cancellations during 2010")
    assert back.clarification is None and back.query.metric == "returns_value", back.reading
    assert back.facts[0][1] == pytest.approx(
        db.execute(f"SELECT SUM(amt) FROM {LINES} WHERE ret AND order_date < '2011-01-01'").fetchone()[0], rel=1e-9)
    both = staff.answer("gross sales for Q2 2011 (and the refunds in between)")
    assert both.clarification is None and [m for m in (both.query.metric, *both.query.also)] == \
        ["gross_sales", "returns_value"]
    gross = db.execute(f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND {q2}").fetchone()[0]
    refunds = db.execute(f"SELECT SUM(amt) FROM {LINES} WHERE ret AND {q2}").fetchone()[0]
    assert [v for _, v in both.facts] == pytest.approx([gross, refunds], rel=1e-9)
    assert staff.answer("orders in between March and May 2011").query.time.label == "March 2011 to May 2011"


def test_llm_schema_offers_named_years_quarters_and_months(staff):
    import pandas as pd

    from assistant.segments.llm_parse import LLMQueryFiller, named_periods, to_query
    as_of = pd.Timestamp("2011-12-10")
    named = named_periods(as_of)
    assert named[:2] == ["2010", "Q1 2010"] and "Q4 2011" in named and "December 2011" in named
    assert "January 2012" not in named and len(named) == 2 + 8 + 24
    filler = LLMQueryFiller(FakeGate(None), staff.insights.vocabulary, as_of)
    assert set(named) <= set(filler.schema["properties"]["period"]["enum"])
    q = to_query({"metric": "orders", "period": "Q3 2011"}, as_of)
    assert (q.time.start, q.time.end) == ("2011-07-01", "2011-10-01")


@pytest.mark.llm
def test_real_llm_agreement_answers_a_harmless_word_and_never_a_different_question(staff, demo_services, db):
    """llama.cpp (timeout raised for a loaded machine): a leftover harmless word is answered when the LLM agrees;
    a leftover word that restricts the scope still asks whatever the LLM says."""
    from assistant.models.gate import gate_for
    from assistant.models.registry import create
    from assistant.segments.llm_parse import LLMQueryFiller
    settings = demo_services.settings
    gate = gate_for(create("llm", settings.llm_backend, settings=settings), settings)
    gate.warm_up()
    staff.insights.llm_parser = LLMQueryFiller(gate, staff.insights.vocabulary, staff.s.index.as_of, timeout_s=60)
    try:
        got = staff.answer("honestly, how many orders came from Spain in 2011")
        assert got.clarification is None and got.source == "rules+llm", got.narrative
        assert got.facts[0][1] == db.execute(f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND "
                                             f"country = 'Spain' AND {IN_2011}").fetchone()[0]
        assert staff.answer("how many orders from wholesale customers in Spain in 2011").clarification is not None
    finally:
        staff.insights.llm_parser = None


@pytest.mark.parametrize("question,sql", [
    ("revenue in Portugal during 2011, or rather France",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE country = 'France' AND {IN_2011}"),
    ("orders from Italy in 2010, make that 2011",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Italy' AND {IN_2011}"),
    ("how many shoppers who's ordered the regency cakestand 3 tier",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier'"),
    ("how many customers did Germany have in 2011, just curious",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'Germany' AND {IN_2011}"),
    ("gross sales in 2010, thanks!", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND order_date < '2011-01-01'"),
    ("麻烦帮我查一下2011年法国的订单数，谢谢",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'France' AND {IN_2011}"),
])
def test_round8_courtesies_and_other_corrections(staff, db, question, sql):
    got = staff.answer(question)
    assert got.clarification is None, (question, got.narrative)
    assert got.facts[0][1] == pytest.approx(db.execute(sql).fetchone()[0], rel=1e-9), (question, got.reading)


def test_several_metrics_of_one_period_score_in_any_order(staff):
    insight = staff.answer("gross sales, net revenue and returns value in november 2011")
    assert insight.clarification is None and len(insight.facts) == 3
    values = {label: v for label, v in insight.facts}
    rows = [["returns value", values["returns value"]], ["gross sales", values["gross sales"]],
            ["net revenue", values["net revenue"]]]
    assert score(insight, {"expect": "answer", "rows": rows}) == "exact"
    rows[0][1] += 1
    assert score(insight, {"expect": "answer", "rows": rows}) == "wrong"


# ---------------------------------------------------------------- round 11: no metric word is dropped silently
def test_customers_in_a_list_of_figures_is_a_figure_too(staff, db):
    """'customers' last (or first) in a list of metrics is counted, not read as who the other figures are about."""
    got = staff.answer("orders, units sold and customers for the regency cakestand 3 tier in 2011")
    assert got.clarification is None and len(got.facts) == 3, got.narrative
    where = f"NOT ret AND title = 'Regency Cakestand 3 Tier' AND {IN_2011}"
    want = db.execute(f"SELECT COUNT(DISTINCT order_id), SUM(qty), COUNT(DISTINCT user_id) FROM {LINES} "
                      f"WHERE {where}").fetchone()
    assert [v for _, v in got.facts] == [pytest.approx(float(w)) for w in want]
    got = staff.answer("customers, orders and revenue in France in 2011")
    want = db.execute(f"SELECT COUNT(DISTINCT user_id) FILTER (WHERE NOT ret), COUNT(DISTINCT order_id) FILTER "
                      f"(WHERE NOT ret), SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                      f"WHERE country = 'France' AND {IN_2011}").fetchone()
    assert got.clarification is None and [v for _, v in got.facts] == [pytest.approx(float(w)) for w in want]
    # 'customers' that names who the figures are about still is not a figure of its own
    assert [label for label, _ in staff.answer("revenue from champion customers and orders").facts] == \
        ["net revenue", "orders"]


def test_value_of_customers_asks_customer_value_or_revenue_per_customer(staff, db):
    """Two readings (blind writers differ): all-time customer value, or net revenue per customer. Both choices read
    exactly; a lone 'value' beside counts asks money or number."""
    asked = staff.answer("what is the value of our French customers")
    assert asked.clarification is not None and len(asked.clarification.choices) == 2
    value, per_head = (staff.answer(c) for c in asked.clarification.choices)
    french = f"SELECT DISTINCT CAST(user_id AS VARCHAR) FROM {LINES} WHERE NOT ret AND country = 'France'"
    want = db.execute(f"SELECT AVG(monetary) FROM profiles WHERE CAST(user_id AS VARCHAR) IN ({french})").fetchone()[0]
    assert value.clarification is None and value.facts[0][1] == pytest.approx(want, rel=1e-9), value.reading
    want = db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) / COUNT(DISTINCT user_id) FILTER (WHERE NOT ret) "
                      f"FROM {LINES} WHERE country = 'France'").fetchone()[0]
    assert per_head.clarification is None and per_head.facts[0][1] == pytest.approx(want, rel=1e-9), per_head.reading
    assert staff.answer("value per customer").clarification is not None
    for question in ("what is the value of our customers in 2011",      # all-time, or within the period?
                     "what was the value of orders in November 2011",  # money, or the count?
                     "total value of units sold in 2011"):
        assert staff.answer(question).clarification is not None, question


def test_share_of_a_years_buyers_who_bought_a_category(staff, db):
    """The year is the base (that year's buyers), the category the part; 'of 2011' is read as the period."""
    got = staff.answer("percentage of 2011 buyers who bought garden things")
    want = db.execute(f"SELECT COUNT(DISTINCT user_id) FILTER (WHERE category = 'Garden & Outdoor')::DOUBLE / "
                      f"COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND {IN_2011}").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == pytest.approx(want, rel=1e-9), got.reading
    assert 0 < want < 1


def test_how_many_category_items_a_segment_bought_is_units(staff, db):
    got = staff.answer("how many home decor items did champions buy in 2011")
    want = db.execute(f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND category = 'Home Decor' "
                      f"AND segment = 'champions' AND {IN_2011}").fetchone()[0]
    assert got.clarification is None and got.query.metric == "units" and got.query.group_by is None
    assert got.facts[0][1] == pytest.approx(want)
    got = staff.answer("how many items did customers in France buy in 2011")     # 'how many' counts the items
    want = db.execute(f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND country = 'France' AND {IN_2011}").fetchone()[0]
    assert got.clarification is None and len(got.facts) == 1 and got.facts[0][1] == pytest.approx(want)


def test_what_share_of_a_products_buyers_are_in_a_segment_keeps_the_buyers_as_base(staff, db):
    buyers = f"FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier'"
    product_base = db.execute(f"SELECT COUNT(DISTINCT user_id) FILTER (WHERE segment = 'champions')::DOUBLE / "
                              f"COUNT(DISTINCT user_id) {buyers}").fetchone()[0]
    segment_base = db.execute(f"SELECT COUNT(DISTINCT user_id) FILTER (WHERE title = 'Regency Cakestand 3 Tier')"
                              f"::DOUBLE / COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND segment = "
                              "'champions'").fetchone()[0]
    assert abs(product_base - segment_base) > 0.05     # the two readings differ: the test can tell them apart
    for question in ("people who bought the regency cakestand 3 tier - what percentage are champions?",
                     "what share of customers who bought the regency cakestand 3 tier are champions"):
        got = staff.answer(question)
        assert got.clarification is None and got.facts[0][1] == pytest.approx(product_base, rel=1e-9), question
    got = staff.answer("what share of champions bought the regency cakestand 3 tier")
    assert got.clarification is None and got.facts[0][1] == pytest.approx(segment_base, rel=1e-9)


def test_several_metrics_by_group_score_from_rows_with_one_value_per_metric(staff):
    insight = staff.answer("gross sales and returns value by month in the second half of 2011")
    assert insight.clarification is None and insight.query.also == ["returns_value"]
    pairs = [insight.facts[i:i + 2] for i in range(0, len(insight.facts), 2)]
    rows = [[g[0][0].split(" · ")[0], g[0][1], g[1][1]] for g in pairs]
    assert score(insight, {"expect": "answer", "rows": rows}) == "exact"
    rows[-1][2] += 1
    assert score(insight, {"expect": "answer", "rows": rows}) == "wrong"
    two = staff.answer("how many customers are in the hibernating segment, and their average customer value")
    (_, n), (_, v) = two.facts
    assert score(two, {"expect": "answer", "rows": [["hibernating", n, v]]}) == "exact"
    assert score(two, {"expect": "answer", "rows": [["hibernating", n + 1, v]]}) == "wrong"


def test_a_default_top_ten_scores_against_a_writer_who_listed_every_group(staff):
    insight = staff.answer("best categories by revenue")
    assert len(insight.facts) == 10
    rows = [[label, v] for label, v in insight.facts] + [["Some Other Category", 1.0], ["Last", 0.5]]
    assert score(insight, {"expect": "answer", "rows": rows}) == "exact"
    rows[3][1] += 1
    assert score(insight, {"expect": "answer", "rows": rows}) == "wrong"


def test_an_aside_that_asks_a_figure_is_never_dropped(staff):
    """'... - what % are <unknown word>?' after a complete question is the question itself, not a remark: ask."""
    got = staff.answer("customers who bought the regency cakestand 3 tier - what % are regulars?")
    assert got.clarification is not None and not got.facts, got.narrative
    kept = staff.answer("finance team: how many orders from Spain in 2011")      # a plain label still is an aside
    assert kept.clarification is None and any("aside" in n for n in kept.notes)


def test_an_average_basket_asks_money_or_items(staff):
    asked = staff.answer("average basket in november 2011")
    assert asked.clarification is not None and asked.clarification.choices[0].startswith("average order value")
    assert staff.answer("average basket value in november 2011").query.metric == "aov"


def test_a_comparison_in_one_row_and_a_hidden_figure_score_honestly(staff):
    insight = staff.answer("how did orders in october 2011 compare with september 2011")
    a, b = insight.facts[0][1], insight.facts[1][1]
    row = ["orders", a, b, a - b, round((a - b) / b, 4)]
    assert score(insight, {"expect": "answer", "rows": [row]}) == "exact"
    assert score(insight, {"expect": "answer", "rows": [[*row[:2], b + 1, *row[3:]]]}) == "wrong"
    hidden = staff.answer("net revenue from EIRE in H1 2011")      # 3 customers: hidden for privacy
    assert all(v is None for _, v in hidden.facts) and score(hidden, {"expect": "answer", "value": 1.0}) == "clarified"


@pytest.mark.parametrize("question,sql", [
    ("orders feb to apr 2011", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND "
                               "order_date >= '2011-02-01' AND order_date < '2011-05-01'"),
    ("units for 2011, june through august", f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND "
                                            "order_date >= '2011-06-01' AND order_date < '2011-09-01'"),
])
def test_a_bare_month_range_is_one_period(staff, db, question, sql):
    insight = staff.answer(question)
    assert insight.clarification is None and not insight.query.compare, insight.reading
    assert insight.facts[0][1] == pytest.approx(db.execute(sql).fetchone()[0], rel=1e-9)


def test_how_many_are_there_beside_another_figure_counts_the_segment_too(staff, db):
    got = staff.answer("at risk segment: how many are there, and their average churn risk?")
    want = db.execute(f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND segment = 'at risk'").fetchone()[0]
    assert got.clarification is None and got.query.metric == "customers" and got.query.also == ["churn_risk"]
    assert got.facts[0][1] == want


# ---------------------------------------------------------------- round 13: the LLM's fill, leftovers as words
def test_llm_fill_keeps_only_what_the_question_names():
    import pandas as pd

    from assistant.segments.llm_parse import ALL_TIME, NO_BREAKDOWN, schema, to_query
    as_of = pd.Timestamp("2011-12-10")
    s = schema({"country": {"United Kingdom", "Spain"}})
    assert s["properties"]["group_by"]["enum"][0] == NO_BREAKDOWN and s["properties"]["period"]["enum"][0] == ALL_TIME
    q = to_query({"metric": "repeat_rate", "group_by": NO_BREAKDOWN, "period": ALL_TIME}, as_of, "repeat buyers overall")
    assert (q.group_by, q.time, q.limit, q.filters) == (None, None, None, {})
    # a top N the question never states is dropped; a year it does not hold too
    q = to_query({"metric": "churn_rate", "top": 1, "period": "2010"}, as_of,
                 "what share of our buyers ever sent something back")
    assert (q.group_by, q.limit, q.filters, q.time) == (None, None, {}, None)
    # a filter value or a breakdown it never names: the model read a restriction into other words ('in Europe')
    assert to_query({"metric": "customers", "country": "Spain"}, as_of, "how many customers in europe") is None
    assert to_query({"metric": "churn_rate", "group_by": "country"}, as_of, "churn rate, seasonally") is None
    # ... unless the question names exactly one value of that dimension: then it is that value's filter
    vocabulary = {"country": {"Spain", "France"}}
    q = to_query({"metric": "orders", "group_by": "country", "top": 1}, as_of, "orders that came from spain", vocabulary)
    assert (q.group_by, q.limit, q.filters) == (None, None, {"country": ["Spain"]})
    assert to_query({"metric": "orders", "group_by": "country"}, as_of, "orders from spain or france", vocabulary) is None
    q = to_query({"metric": "customers", "group_by": "segment", "top": 10}, as_of, "buyers in each segment, most first")
    assert (q.group_by, q.limit) == ("segment", None)
    # what the question does name stays: a number, an alias, a Chinese name, a year
    q = to_query({"metric": "units", "group_by": "country", "top": 4, "period": "2011"}, as_of,
                 "our four biggest markets by units in 2011")
    assert (q.group_by, q.limit, q.time.label) == ("country", 4, "2011")
    for question in ("orders in the uk", "英国的订单", "orders in united kingdom"):
        assert to_query({"metric": "orders", "country": "United Kingdom"}, as_of, question).filters == \
            {"country": ["United Kingdom"]}, question


def test_common_english_words_are_no_typos_and_whole_population_words_restrict_nothing(staff, db):
    from assistant.segments.agreement import restricts, risky
    for word in ("point", "doing", "whole"):
        assert not risky(word, set()), word            # spelt right: not a typo of 'print' / 'dining'
    assert risky("rte", set()) and risky("revnue", set())
    assert not restricts("whole", "repeat rate of the whole customer base")
    assert not restricts("全部", "全部客户的复购率")
    assert restricts("wholesale", "repeat rate of wholesale customers")
    assert restricts("europe", "how many customers do we have in europe")      # a place the layer cannot name
    assert risky("蛋糕架", set())                                              # a catalog word (zh_terms.csv)
    repeat = db.execute(f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} "
                        "WHERE NOT ret AND country = 'Germany' GROUP BY user_id)").fetchone()[0]
    try:
        _with_llm(staff, {"metric": "repeat_rate", "country": "Germany"})
        got = staff.answer("how is Germany doing on repeat purchase rate")
        assert got.clarification is None and got.facts[0][1] == pytest.approx(repeat, rel=1e-9)
        assert "read 'doing' as not changing the question" in got.notes
        _with_llm(staff, {"metric": "repeat_rate"})
        assert staff.answer("repeat purchase rate of the whole customer base").clarification is None
    finally:
        staff.insights.llm_parser = None


ROUND13_ZH_SQL = [   # Chinese leftovers are whole words: 'all time', 'by month', 'descending', 'rank'
    ("全部时间的复购率是多少",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} WHERE NOT ret "
     "GROUP BY user_id)"),
    ("所有时间里德国的订单数", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Germany'"),
]


@pytest.mark.parametrize("question,group_by,order", [("2011年各国家的订单数，从多到少排个名", "country", "desc"),
                                                     ("2011年按月份的订单数", "month", "desc"),
                                                     ("2011年各品类的订单数从少到多", "category", "asc")])
def test_chinese_order_rank_and_month_words_read_whole(staff, db, question, group_by, order):
    got = staff.answer(question)
    assert got.clarification is None and (got.query.group_by, got.query.order) == (group_by, order), got.narrative
    key = {"country": "country", "category": "category", "month": "strftime(order_date, '%Y-%m')"}[group_by]
    want = dict(db.execute(f"SELECT {key}, COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {IN_2011} "
                           "GROUP BY 1").fetchall())
    for row in got.rows:
        assert row["orders"] == want[row[group_by]], row
    values = [row["orders"] for row in got.rows] if group_by != "month" else []
    assert values == sorted(values, reverse=order == "desc")


NO_UK = "country IS DISTINCT FROM 'United Kingdom'"
ROUND13_SQL = [   # readings that asked though the question was clear, in our own words
    ("net revenue in 2011 for non-UK customers",
     f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} WHERE {NO_UK} AND {IN_2011}"),
    ("不含英国的订单数", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {NO_UK}"),
    ("orders except for Germany and the UK in 2011",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {NO_UK} AND country IS DISTINCT FROM "
     f"'Germany' AND {IN_2011}"),
    ("what share of our 2011 buyers came back to place another order",
     f"SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {LINES} WHERE NOT ret "
     f"AND {IN_2011} GROUP BY user_id)"),
    ("lapsed buyers in Spain (bought nothing in the last 90 days)",
     f"SELECT COUNT(*) FROM profiles WHERE recency_days > 90 AND user_id IN (SELECT user_id FROM {LINES} "
     "WHERE NOT ret AND country = 'Spain')"),
    ("2011年德国下单客户一共有多少",
     f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND country = 'Germany' AND {IN_2011}"),
    ("average basket size in Germany - average spend per order",
     f"SELECT SUM(amt) / COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Germany'"),
    ("units shipped to France in 2011 - how many items is that in total",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND country = 'France' AND {IN_2011}"),
    ("法国客户平均下几单",
     f"SELECT COUNT(DISTINCT order_id)::DOUBLE / COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret "
     "AND country = 'France'"),
]


def test_excluding_a_country_ranks_the_rest_and_reads_back(staff, db):
    got = staff.answer("top 3 countries by customers in 2011 excluding the UK")
    assert got.clarification is None and got.query.exclude == {"country": ["United Kingdom"]}
    assert "excluding United Kingdom" in got.reading
    want = db.execute(f"SELECT country, COUNT(DISTINCT user_id) n FROM {LINES} WHERE NOT ret AND {NO_UK} AND "
                      f"{IN_2011} GROUP BY country ORDER BY n DESC, country LIMIT 3").fetchall()
    assert [(r["country"], r["customers"]) for r in got.rows] == want
    again = staff.answer(canonical(got.query))        # the canonical question reads back the same query
    assert again.query.exclude == got.query.exclude and again.query.limit == 3
    zh = staff.answer("除了英国以外，2011年客户最多的三个国家")
    assert zh.clarification is None and [(r["country"], r["customers"]) for r in zh.rows] == want
    with pytest.raises(QueryError, match="exclude.country"):
        validate(Query("orders", exclude={"country": ["Atlantis"]}), staff.insights.vocabulary)


def test_a_category_word_before_products_filters_a_product_ranking(staff, db):
    got = staff.answer("top 3 christmas products by revenue in 2011")
    assert got.clarification is None and (got.query.group_by, got.query.filters) == ("product", {"category": ["Christmas"]})
    want = db.execute(f"SELECT title, SUM(CASE WHEN ret THEN -amt ELSE amt END) v FROM {LINES} WHERE category = "
                      f"'Christmas' AND {IN_2011} GROUP BY title ORDER BY v DESC LIMIT 3").fetchall()
    assert [r["product"] for r in got.rows] == [t for t, _ in want]
    assert [r["revenue"] for r in got.rows] == pytest.approx([v for _, v in want], rel=1e-9)


def test_the_privacy_floor_restated_is_noted_not_read_as_a_condition(staff):
    got = staff.answer("aov by country (only countries with at least 10 customers)")
    assert got.clarification is None and got.query.condition is None and got.query.group_by == "country"
    assert any("fewer than 10 customers" in n for n in got.notes)
    assert staff.answer("aov by country (only countries with at least 200 customers)").clarification is not None


@pytest.mark.parametrize("question", ["what % of 2011 buyers came back, roughly",      # one common word
                                      "how many customers bought the back"])
def test_one_common_word_never_names_a_product(staff, question):
    got = staff.answer(question)
    assert got.query is None or "product" not in got.query.filters
    asked = got.clarification.question if got.clarification else ""
    assert "products match" not in asked and "mean the product" not in asked, asked


# A period that has ended, then "to now" / 到现在 (or "since" before it): from its first day to the shop's today,
# never the period alone (the "to now" used to be dropped silently: a figure for a different question)
SINCE_Q4_2010 = "order_date >= '2010-10-01' AND order_date < '2011-12-10'"
TO_NOW_SQL = [
    ("units of the regency cakestand 3 tier from Q4 2010 to now",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier' AND {SINCE_Q4_2010}"),
    ("orders since Q4 last year", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {SINCE_Q4_2010}"),
    ("去年第四季度到现在的订单数",
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {SINCE_Q4_2010}"),
    ("gross sales from march until today",
     f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND order_date >= '2011-03-01' AND order_date < '2011-12-10'"),
    ("2011年3月至今的毛销售额",
     f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND order_date >= '2011-03-01' AND order_date < '2011-12-10'"),
]


# Every single-figure phrasing above (the metrics, then each round's new phrasings) against its hand-written SQL
SINGLE_FIGURES = SINGLE + ROUND5_SQL + ROUND6_SQL + HARMLESS_SQL + ROUND8_SQL + TO_NOW_SQL + ROUND13_ZH_SQL + \
    ROUND13_SQL + [
    ("orders last qtr", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret "
                        "AND order_date >= '2011-07-01' AND order_date < '2011-10-01'"),     # short forms of periods
    ("gross sales in Germany this yr", f"SELECT SUM(amt) FROM {LINES} WHERE NOT ret AND country = 'Germany' AND {IN_2011}"),
    # customer value with its definition said again: one figure, not customer value plus net revenue
    ("lifetime value per customer among champions (average all-time spend)",
     "SELECT AVG(monetary) FROM profiles WHERE segment = 'champions'"),
    ("at risk分群的客户价值（累计消费的平均值）", "SELECT AVG(monetary) FROM profiles WHERE segment = 'at risk'"),
    ("仅购买过一次的客户数", f"SELECT COUNT(*) FROM (SELECT user_id FROM {LINES} WHERE NOT ret GROUP BY user_id "
                     "HAVING COUNT(DISTINCT order_id) = 1)"),               # 'only once', said as 仅/只 + a verb
    ("德国有退货记录的客户数", f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE ret AND country = 'Germany'"),
    ("units of the Assorted Color Bird Ornament sold in 2011",        # US 'color' for the title's UK 'colour'
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Assorted Colour Bird Ornament' AND {IN_2011}"),
    ("2011年一共接了多少单", f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND {IN_2011}"),
    ("hibernating那批客户的平均流失概率（模型预测的）",
     "SELECT AVG(churn_probability) FROM profiles WHERE segment = 'hibernating'"),
    ("how mnay orders came from France in 2011",                      # two letters swapped in a filler word
     f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'France' AND {IN_2011}"),
    ("what share of loyal customers have already churned",            # 'already', 'also': harmless adverbs
     "SELECT AVG((recency_days > 90)::INT) FROM profiles WHERE segment = 'loyal'"),
    # a correction of the metric alone keeps the scope it corrects (it used to drop Norway: all customers' AOV)
    ("whats the typical basket in Norway in 2011? sorry, I mean the average order value",
     f"SELECT SUM(amt) / COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Norway' AND {IN_2011}"),
    ("unit sales of the regency cakestand 3 tier in 2011",             # units sold, not units and sales
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier' AND {IN_2011}"),
    ("regency cakestand 3 tier: how many did we sell in 2011",
     f"SELECT SUM(qty) FROM {LINES} WHERE NOT ret AND title = 'Regency Cakestand 3 Tier' AND {IN_2011}"),
]


def test_up_or_down_in_chinese_is_a_change_and_pai_ranks(staff, db):
    got = staff.answer("2011年第三季度的订单数比第二季度涨了还是跌了")
    assert got.clarification is None and got.query.compare, got.narrative
    assert [v for _, v in got.facts[:2]] == [_orders(db, "2011-07-01", "2011-10-01"),
                                             _orders(db, "2011-04-01", "2011-07-01")]
    ranked = staff.answer("2011年按订单数排前三的国家")
    want = db.execute(f"SELECT country FROM {LINES} WHERE NOT ret AND {IN_2011} GROUP BY country "
                      "ORDER BY COUNT(DISTINCT order_id) DESC LIMIT 3").fetchall()
    assert ranked.clarification is None and [label for label, _ in ranked.facts] == [c for (c,) in want]


def test_a_percent_sign_nothing_explains_asks(staff):
    """A % sign is a word too, never dropped: after a count of orders nothing says what it is a share of."""
    got = staff.answer("how many orders in Germany (as a %)")
    assert got.clarification is not None and got.facts == [], got.reading


def test_as_a_share_after_a_count_of_customers_answers_their_share(staff, db):
    """'how many customers ... (as a %)' / '（占比）': the share of the customers the question scopes, not the count."""
    repeaters = ("SELECT AVG((n >= 2)::INT) FROM (SELECT user_id, COUNT(DISTINCT order_id) n FROM {} "
                 "WHERE NOT ret AND country = 'Germany' {} GROUP BY user_id)")
    for question, period in (("how many customers in Germany placed at least 2 orders in 2011 (as a %)",
                              f"AND {IN_2011}"),
                             ("德国下过至少两单的客户有多少（占比）", "")):
        got = staff.answer(question)
        want = db.execute(repeaters.format(LINES, period)).fetchone()[0]
        assert got.clarification is None and got.facts[0][1] == pytest.approx(want), (question, got.reading)
        assert period == "" or any("share" in n for n in got.notes), got.notes


@pytest.mark.parametrize("question,sql", SINGLE_FIGURES, ids=[c[0][:45] for c in SINGLE_FIGURES])
def test_every_single_figure_equals_hand_written_sql(staff, db, question, sql):
    insight = staff.answer(question)
    assert insight.clarification is None, (question, insight.narrative)
    expected = db.execute(sql).fetchone()[0]
    assert len(insight.facts) == 1 and insight.facts[0][1] == pytest.approx(float(expected), rel=1e-9, abs=1e-9), \
        (question, insight.reading)
    assert insight.reading and insight.query is not None


def test_a_two_character_country_with_its_last_character_typed_by_sound(staff, db):
    """瑞仕 for 瑞士 is read like 德过 for 德国, with a note; 瑞事 too; another character is not read."""
    got = staff.answer("2011年瑞仕客户的净收入")
    want = db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                      f"WHERE country = 'Switzerland' AND {IN_2011}").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == pytest.approx(want), got.reading
    assert "瑞仕" in " ".join(got.notes), got.notes
    assert staff.answer("瑞事的订单数").facts[0][1] == db.execute(
        f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Switzerland'").fetchone()[0]
    assert staff.answer("瑞甲的订单数").clarification is not None


def test_a_segment_named_in_the_question_settles_what_kequn_means(staff, db):
    """客群 is segment or cluster; naming a segment ('hibernating') says which; alone it still asks."""
    got = staff.answer("hibernating 客群的订单数")
    want = db.execute(f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND segment = 'hibernating'")
    assert got.clarification is None and got.facts[0][1] == want.fetchone()[0], got.reading
    assert any("客群" in n for n in got.notes), got.notes
    assert staff.answer("客群的订单数").clarification is not None


def test_a_vague_lead_in_sentence_does_not_change_the_question(staff, db):
    """Two sentences: the one that reads completely answers, the lead-in with no metric/filter/period word is noted;
    a first sentence naming a metric ('how spread out is our revenue?') still asks."""
    got = staff.answer("Quick one. How many orders did we get in Germany in 2011?")
    want = db.execute(f"SELECT COUNT(DISTINCT order_id) FROM {LINES} WHERE NOT ret AND country = 'Germany' "
                      f"AND {IN_2011}").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == want, got.reading
    assert any("lead-in" in n for n in got.notes), got.notes
    asks = staff.answer("How spread out is our revenue? What share of net revenue comes from the top 5 percent of customers?")
    assert asks.clarification is not None and asks.facts == []


def test_averages_said_round_about(staff, db):
    """'how many orders does a <segment> customer place on average' is orders per customer of that segment;
    平均每位付费客户贡献了多少净收入 is net revenue per paying customer."""
    got = staff.answer("how many orders does a hibernating customer place on average")
    want = db.execute(f"SELECT COUNT(DISTINCT order_id) / COUNT(DISTINCT user_id) FROM {LINES} "
                      "WHERE NOT ret AND segment = 'hibernating'").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == pytest.approx(want), got.reading
    got = staff.answer("2011年平均每位付费客户贡献了多少净收入")
    want = db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) / COUNT(DISTINCT user_id) FILTER (WHERE NOT ret) "
                      f"FROM {LINES} WHERE {IN_2011}").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == pytest.approx(want), got.reading


def test_the_start_of_one_category_name_reads_that_category_with_a_note(staff, db):
    """'Home Deco' is cut from Home Decor only (4+ letters of its last word kept); 'Home De' still asks."""
    got = staff.answer("revenue from Home Deco in 2011")
    want = db.execute(f"SELECT SUM(CASE WHEN ret THEN -amt ELSE amt END) FROM {LINES} "
                      f"WHERE category = 'Home Decor' AND {IN_2011}").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == pytest.approx(want), got.reading
    assert any("Home Decor" in n for n in got.notes), got.notes
    assert staff.answer("units sold in Home De").clarification is not None


def test_another_form_of_each_word_of_a_cluster_name_reads_it(staff, db):
    """'one-off low spenders' for One-off low-spending customers (spenders / spending), with a note."""
    got = staff.answer("how many customers are in the one-off low spenders cluster")
    want = db.execute(f"SELECT COUNT(DISTINCT user_id) FROM {LINES} WHERE NOT ret AND user_id IN "
                      "(SELECT user_id FROM profiles WHERE cluster = 'One-off low-spending customers')").fetchone()[0]
    assert got.clarification is None and got.facts[0][1] == want, got.reading
    assert any("One-off low-spending customers" in n for n in got.notes), got.notes


@pytest.mark.parametrize("question", ["which customer spent the most in 2011", "哪位顾客去年下单最多？名字给我",
                                      "which customers bought the regency cakestand 3 tier", "list the customer names"])
def test_one_customer_or_their_names_asks_never_a_ranking_of_products(staff, question):
    got = staff.answer(question)        # once answered as units sold by product
    assert got.clarification is not None and got.facts == [] and "individual customers" in got.narrative


def test_a_customer_group_is_no_individual(staff, db):
    got = staff.answer("which customer segment has the most customers")
    top = db.execute(f"SELECT segment FROM {LINES} WHERE NOT ret GROUP BY segment "
                     "ORDER BY COUNT(DISTINCT user_id) DESC LIMIT 1").fetchone()[0]
    assert got.clarification is None and got.facts[0][0] == top

