"""Parse a staff question into an InsightQuery with rules and fuzzy matching (English and Chinese).

    parser = QuestionParser(vocabulary={"segment": [...], "country": [...], "category": [...], "cluster": [...]},
                            as_of=pd.Timestamp("2011-12-10"))
    q = parser.parse("how many at-risk customers bought candles last quarter?")
    # InsightQuery(metric='customers', filters={'segment': ['at risk'], 'category': ['Candles & Lights']},
    #              time=TimeRange('2011-07-01', '2011-10-01', 'last quarter'))

Never produces SQL: only metric/dimension names from the semantic layer and values from the data.
"""
from __future__ import annotations

import csv
import difflib
import re

import pandas as pd

from assistant.resources import STAFF_QUESTIONS
from assistant.segments.semantic import InsightQuery, TimeRange

METRIC_WORDS = [  # checked in order; first match wins
    ("aov", r"average order value|aov|average basket|avg basket|basket size|平均订单|客单价"),
    ("avg_customer_value", r"customer value|lifetime value|clv|ltv|spend per customer|客户价值"),
    ("churn_risk", r"churn risk|risk of churn|churn probability|likely to churn|流失风险|流失概率"),
    ("churn_rate", r"churn rate|churned|churn|流失率|流失"),
    ("high_value_probability", r"high.value probability|likely to be high value|高价值"),
    ("retention", r"retention|retained|repeat rate|留存"),
    ("conversion", r"conversion|convert|转化"),
    ("frequency", r"purchase frequency|frequency|how often|购买频率|频率"),
    ("revenue", r"revenue|sales|\bsell\b|turnover|income|spend|spent|takings|收入|销售额|营收"),
    ("orders", r"number of orders|how many orders|orders|order count|订单数|订单"),
    ("units", r"units|items sold|quantity|件数|销量"),
    ("customers", r"how many|number of|count|customers|people|buyers|who|多少|人数|客户"),
]
DIMENSION_WORDS = [
    ("segment", r"(?:by|per|each|every|across|which|top|for all) (?:rfm )?segments?|segments? breakdown|"
                r"segment by segment|各(?:个)?(?:客户)?(?:细分)?群体|每个(?:客户)?群|各细分|按(?:客户)?群"),
    ("cluster", r"(?:by|per|each|which|top) clusters?|各(?:个)?聚类|每个聚类"),
    ("country", r"(?:by|per|each|which|top|what) countr(?:y|ies)|countr(?:y|ies) breakdown|各国|每个国家|哪些国家|按国家"),
    ("category", r"(?:by|per|each|which|top|what) categor(?:y|ies)|categor(?:y|ies) (?:do|did|does)|"
                 r"各(?:个)?类别|每个类别|哪些类别|什么类别|按类别|哪些品类"),
    ("month", r"(?:by|per|each|every) month|monthly|month by month|over time|trend|每月|按月|月度"),
]
SEGMENT_ALIASES = {"at-risk": "at risk", "atrisk": "at risk", "risky": "at risk", "can't lose": "cannot lose",
                   "cant lose": "cannot lose", "sleeping": "hibernating", "dormant": "hibernating",
                   "lost": "hibernating", "new customers": "new", "potential loyal": "potential loyalists",
                   "冠军": "champions", "忠诚": "loyal", "有风险": "at risk", "流失风险高": "at risk",
                   "风险客户": "at risk", "休眠": "hibernating", "新客户": "new", "潜在忠诚": "potential loyalists",
                   "即将流失": "about to sleep", "需要关注": "need attention"}
COUNTRY_ALIASES = {"uk": "United Kingdom", "britain": "United Kingdom", "england": "United Kingdom",
                   "英国": "United Kingdom", "德国": "Germany", "法国": "France", "西班牙": "Spain", "荷兰": "Netherlands",
                   "爱尔兰": "EIRE", "ireland": "EIRE", "比利时": "Belgium", "瑞士": "Switzerland", "葡萄牙": "Portugal",
                   "澳大利亚": "Australia", "意大利": "Italy", "挪威": "Norway", "日本": "Japan", "usa": "USA",
                   "美国": "USA"}
CATEGORY_ALIASES = {"蜡烛": "Candles & Lights", "厨房": "Kitchen & Dining", "圣诞": "Christmas", "玩具": "Toys & Kids",
                    "首饰": "Jewellery & Accessories", "包": "Bags & Storage", "花园": "Garden & Outdoor",
                    "贺卡": "Cards, Wrap & Stationery", "派对": "Party & Celebrations", "家居": "Home Decor"}
MONTHS = {m.lower(): i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July",
                                              "August", "September", "October", "November", "December"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
STOP = {"the", "a", "an", "of", "in", "for", "and", "to", "do", "did", "does", "is", "are", "what", "which",
        "how", "many", "much", "by", "per", "each", "who", "last", "this", "our", "we", "customers", "customer",
        "bought", "buy", "buying", "show", "me", "top", "with", "from", "get", "have", "has", "among", "all"}


def quarter_start(ts: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=ts.year, month=3 * ((ts.month - 1) // 3) + 1, day=1)


def parse_time(text: str, as_of: pd.Timestamp) -> TimeRange | None:
    t = text.lower()
    day = as_of.normalize()
    if re.search(r"last quarter|previous quarter|上(?:个)?季度", t):
        end = quarter_start(day)
        return TimeRange(str((end - pd.DateOffset(months=3)).date()), str(end.date()), "last quarter")
    if re.search(r"this quarter|本季度|这个季度", t):
        return TimeRange(str(quarter_start(day).date()), str((day + pd.Timedelta(days=1)).date()), "this quarter")
    if re.search(r"last month|previous month|上(?:个)?月", t):
        end = day.replace(day=1)
        return TimeRange(str((end - pd.DateOffset(months=1)).date()), str(end.date()), "last month")
    if re.search(r"this month|本月|这个月", t):
        return TimeRange(str(day.replace(day=1).date()), str((day + pd.Timedelta(days=1)).date()), "this month")
    if re.search(r"last year|去年", t):
        return TimeRange(f"{day.year - 1}-01-01", f"{day.year}-01-01", "last year")
    if re.search(r"this year|year to date|ytd|今年", t):
        return TimeRange(f"{day.year}-01-01", str((day + pd.Timedelta(days=1)).date()), "this year")
    m = re.search(r"(?:last|past) (\d+) (day|week|month)s?|(?:最近|过去)(\d+)(天|周|个月)", t)
    if m:
        n = int(m.group(1) or m.group(3))
        unit = m.group(2) or {"天": "day", "周": "week", "个月": "month"}[m.group(4)]
        start = day - (pd.DateOffset(months=n) if unit == "month" else pd.Timedelta(days=n * (7 if unit == "week" else 1)))
        return TimeRange(str(start.date()), str((day + pd.Timedelta(days=1)).date()), f"last {n} {unit}s")
    m = re.search(r"\bq([1-4])(?:\s*(\d{4}))?\b", t)
    if m:
        year = int(m.group(2) or (day.year if int(m.group(1)) <= (day.month - 1) // 3 + 1 else day.year - 1))
        start = pd.Timestamp(year=year, month=3 * int(m.group(1)) - 2, day=1)
        return TimeRange(str(start.date()), str((start + pd.DateOffset(months=3)).date()), f"Q{m.group(1)} {year}")
    m = re.search(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b(?:\s+(\d{4}))?|(\d{1,2})月", t)
    if m:
        month = MONTHS[m.group(1)] if m.group(1) else int(m.group(3))
        year = int(m.group(2)) if m.group(2) else (day.year if month <= day.month else day.year - 1)
        start = pd.Timestamp(year=year, month=month, day=1)
        return TimeRange(str(start.date()), str((start + pd.DateOffset(months=1)).date()), start.strftime("%B %Y"))
    m = re.search(r"\b(?:in|during) (20\d\d)\b|(20\d\d)年", t)
    if m:
        year = int(m.group(1) or m.group(2))
        return TimeRange(f"{year}-01-01", f"{year + 1}-01-01", str(year))
    return None


class QuestionParser:
    def __init__(self, vocabulary: dict[str, list[str]], as_of: pd.Timestamp):
        self.vocabulary = vocabulary
        self.as_of = as_of

    def parse(self, question: str) -> InsightQuery:
        text = " ".join(question.strip().split())
        low = self._fix_typos(text.lower())
        segment = self._segment(low)
        alias = next((a for a in SEGMENT_ALIASES if a in low), "")
        metric_text = low.replace(alias, " ") if alias else low     # '流失风险高的客户' names a segment, not a metric
        metric = next((m for m, pattern in METRIC_WORDS if re.search(pattern, metric_text)), "customers")
        group_by = next((d for d, pattern in DIMENSION_WORDS if re.search(pattern, low)), None)
        filters: dict[str, list[str]] = {}
        if segment:
            filters["segment"] = [segment]
        country = self._match(low, "country", COUNTRY_ALIASES)
        if country and group_by != "country":
            filters["country"] = [country]
        category = self._match(low, "category", CATEGORY_ALIASES)
        product = None
        if category and group_by != "category":
            filters["category"] = [category]
        elif not category:
            product = self._product_words(low)
        cluster = next((c for c in self.vocabulary.get("cluster", []) if c.lower() in low), None)
        if cluster:
            filters["cluster"] = [cluster]
        if group_by == "segment":
            filters.pop("segment", None)
        limit = 5 if re.search(r"\btop\b|最多|前五", low) and group_by else 50
        return InsightQuery(metric=metric, group_by=group_by, filters=filters, product=product,
                            time=parse_time(low, self.as_of), limit=limit)

    def _fix_typos(self, text: str) -> str:
        """Snap misspelt words to the parser's vocabulary (e.g. 'chmpions' -> 'champions', 'revnue' -> 'revenue')."""
        known = {"champions", "loyal", "hibernating", "revenue", "customers", "segment", "segments", "country",
                 "countries", "category", "categories", "churn", "retention", "quarter", "month", "average",
                 "conversion", "frequency", "orders", "promising", "attention", "cluster", "clusters", "risk"}
        known |= {w for values in self.vocabulary.values() for v in values for w in v.lower().split() if len(w) > 3}
        known |= {w for _, pattern in METRIC_WORDS + DIMENSION_WORDS for w in re.findall(r"[a-z]{4,}", pattern)}
        out = []
        for word in re.findall(r"[\w'&-]+|[^\w\s]", text):
            if word.isascii() and word.isalpha() and len(word) > 4 and word not in known:
                close = difflib.get_close_matches(word, known, n=1, cutoff=0.8)
                word = close[0] if close else word
            out.append(word)
        return " ".join(out)

    def _segment(self, low: str) -> str | None:
        for alias, segment in SEGMENT_ALIASES.items():
            if alias in low:
                return segment
        for segment in sorted(self.vocabulary.get("segment", []), key=len, reverse=True):
            if re.search(rf"\b{re.escape(segment)}\b", low):
                return segment
        return None

    def _match(self, low: str, column: str, aliases: dict[str, str]) -> str | None:
        for alias, value in aliases.items():
            if (re.search(rf"\b{re.escape(alias)}\b", low) if alias.isascii() else alias in low):
                if value in self.vocabulary.get(column, [value]):
                    return value
        for value in sorted(self.vocabulary.get(column, []), key=len, reverse=True):
            words = [w for w in re.findall(r"[a-z]+", value.lower()) if w not in STOP and len(w) > 2]
            if value.lower() in low or any(re.search(rf"\b{re.escape(w)}\b", low) for w in words[:1]):
                return value
        return None

    def _product_words(self, low: str) -> str | None:
        m = re.search(r"(?:bought|buy|buying|purchased|ordered)\s+(?:an?\s+|the\s+|some\s+)?([a-z][a-z\- ]{2,30}?)"
                      r"(?:\s+(?:last|this|in|during|since|by|per|\?|$)|[?.,]|$)", low)
        if not m:
            return None
        words = [w for w in m.group(1).split() if w not in STOP]
        if not words:
            return None
        word = words[-1]
        return word[:-1] if word.endswith("s") and len(word) > 4 else word


def parse_accuracy(parser: QuestionParser, path=STAFF_QUESTIONS) -> dict:
    """Share of questions whose metric, dimension, filters, product and time label all parse as expected.
    CSV columns: question, metric, group_by, filters ('segment=at risk;country=France'), product, time."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    errors = []
    for row in rows:
        q = parser.parse(row["question"])
        expected = {"metric": row["metric"], "group_by": row["group_by"] or None,
                    "filters": {k: [v] for k, v in (p.split("=", 1) for p in row["filters"].split(";") if p)},
                    "product": row["product"] or None, "time": row["time"] or None}
        got = {"metric": q.metric, "group_by": q.group_by, "filters": q.filters, "product": q.product,
               "time": q.time.label if q.time else None}
        if got != expected:
            errors.append({"question": row["question"], "expected": expected, "got": got})
    return {"n": len(rows), "accuracy": round(1 - len(errors) / max(len(rows), 1), 4), "errors": errors}
