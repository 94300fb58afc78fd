"""Time ranges of staff questions, relative to the shop's today (as_of), and the window just before one.

    find_periods("revenue last quarter vs this quarter", pd.Timestamp("2011-12-10"))
    # [((8, 20), Period('2011-07-01', '2011-10-01', 'last quarter')), ((24, 36), Period('2011-10-01', '2011-12-10', ...))]
    previous_window(Period("2011-11-01", "2011-12-01", "last month"))   # Period('2011-10-01', '2011-11-01', ...)

Definitions (README, "Staff insights"): last/this month, last/this quarter (calendar), this/last year, a year
(2011), last N days (as_of - N days up to as_of), a named month (November 2011; without a year the latest one
begun before as_of, and when that is the month in progress, "so far" or "this" say so, else `month_in_progress`
asks), Q1..Q4 [year], a half (H1/H2, first/second half [of 2011]), a range of months ("between March and May 2011",
"from March to May 2011": first day of the first to the end of the last) and "since March 2011" / "since 2011" (up
to as_of); a period followed by "so far" / "to date" (Q4 so far) runs to as_of; ordinal quarters ("the first
quarter", 第三季度); a month, quarter or half beside a relative year is in that year ("December last year", 去年12月:
one period). Each match reports its character span so the
parser knows which words it explained.

    find_periods("revenue in december last year", pd.Timestamp("2011-12-10"))
    # [((8, 29), Period('2010-12-01', '2011-01-01', 'December 2010'))]
"""
from __future__ import annotations

import re

import pandas as pd

from assistant.segments.semantic import Period

MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december"]
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)} | {m[:3]: i for i, m in enumerate(MONTH_NAMES, 1)}
MONTHS["sept"] = 9
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90}
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_N = r"(\d+|" + "|".join(NUMBER_WORDS) + ")"


def _day(ts: pd.Timestamp) -> str:
    return str(ts.date())


def _month(year: int, month: int) -> Period:
    start = pd.Timestamp(year=year, month=month, day=1)
    return Period(_day(start), _day(start + pd.DateOffset(months=1)), start.strftime("%B %Y"))


def _quarter_start(ts: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=ts.year, month=3 * ((ts.month - 1) // 3) + 1, day=1)


def _latest_month(month: int, as_of: pd.Timestamp) -> int:
    """Year of the latest `month` that has begun before as_of."""
    return as_of.year if month <= as_of.month else as_of.year - 1


def _rules(as_of: pd.Timestamp):
    """(pattern, function(match) -> Period or None) in priority order; patterns run on lower-cased text."""
    today = as_of.normalize()
    month1 = today.replace(day=1)
    q1 = _quarter_start(today)
    year = today.year

    def last_n(m):
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1)]
        unit = m.group(2)
        days = n * {"day": 1, "week": 7}[unit]
        return Period(_day(today - pd.Timedelta(days=days)), _day(today), f"last {days} days")

    def last_n_cn(m):
        n = int(m.group(1)) if m.group(1).isdigit() else CN_DIGITS[m.group(1)]
        days = n * (7 if m.group(2) == "周" else 1)
        return Period(_day(today - pd.Timedelta(days=days)), _day(today), f"last {days} days")

    def named(m):      # 'november 2011', 'in may' ('may' alone is a verb: needs 'in' or a year)
        if m.group(2) == "may" and not (m.group(1) or m.group(3)):
            return None
        month = MONTHS[m.group(2)]
        y = int(m.group(3)) if m.group(3) else _latest_month(month, today)
        return _month(y, month)

    def named_rev(m):  # '2011 november'
        return _month(int(m.group(1)), MONTHS[m.group(2)])

    def cn_month(m):   # '2011年11月' or '11月'
        text = m.group(2) or m.group(3)
        month = int(text) if text.isdigit() else CN_DIGITS[text]
        y = int(m.group(1)) if m.group(1) else _latest_month(month, today)
        return _month(y, month)

    def quarter(m):
        n = int(m.group(1) or m.group(4))
        y = int(m.group(2) or m.group(3) or (year if 3 * n - 2 <= today.month else year - 1))
        start = pd.Timestamp(year=y, month=3 * n - 2, day=1)
        return Period(_day(start), _day(start + pd.DateOffset(months=3)), f"Q{n} {y}")

    def ordinal_quarter(m):   # 'the first quarter (of 2011)', '第四季度', '2011年第一季度': the latest such quarter
        words = {"first": 1, "second": 2, "third": 3, "fourth": 4, "一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2,
                 "3": 3, "4": 4}
        n = words[m.group("qn") or m.group("qn2")]
        y_text = m.group("qy") or m.group("qy2")
        y = int(y_text) if y_text else (year if 3 * n - 2 <= today.month else year - 1)
        start = pd.Timestamp(year=y, month=3 * n - 2, day=1)
        return Period(_day(start), _day(start + pd.DateOffset(months=3)), f"Q{n} {y}")

    def a_year(m):
        y = int(next(g for g in m.groups() if g))
        return Period(f"{y}-01-01", f"{y + 1}-01-01", str(y))

    def month_of(name: str, year_text: str | None, before: int | None = None) -> tuple[int, int]:
        month = MONTHS[name] if name in MONTHS else (int(name) if name.isdigit() else CN_DIGITS[name])
        if year_text:
            return int(year_text), month
        if before is not None:          # 'march to may 2011': the first month takes the second's year
            return (before, month)
        return _latest_month(month, today), month

    def month_range(m):  # 'between march and may 2011', 'from oct 2010 to feb 2011', '2011年3月到5月'
        y2, m2 = month_of(m.group("m2"), m.group("y2"))
        y1, m1 = month_of(m.group("m1"), m.group("y1"), y2 if MONTHS.get(m.group("m1"), 0) <= m2 or
                          not m.group("m1").isalpha() else y2 - 1)
        if not m.group("y1") and (y1, m1) > (y2, m2):
            y1 -= 1
        start, end = pd.Timestamp(year=y1, month=m1, day=1), pd.Timestamp(year=y2, month=m2, day=1)
        if start > end:
            return None
        return Period(_day(start), _day(end + pd.DateOffset(months=1)),
                      f"{start.strftime('%B %Y')} to {end.strftime('%B %Y')}")

    def month_range_cn(m):
        y2, m2 = month_of(m.group("m2"), m.group("y2") or m.group("y1"))
        y1, m1 = month_of(m.group("m1"), m.group("y1"), y2 if not m.group("y1") else None)
        start, end = pd.Timestamp(year=y1, month=m1, day=1), pd.Timestamp(year=y2, month=m2, day=1)
        if start > end:
            return None
        return Period(_day(start), _day(end + pd.DateOffset(months=1)),
                      f"{start.strftime('%B %Y')} to {end.strftime('%B %Y')}")

    def since(m):        # 'since march 2011', 'since 2011', '2011年3月以来': up to the shop's today
        if m.group("sy") and not m.group("sm"):
            start = pd.Timestamp(year=int(m.group("sy")), month=1, day=1)
        else:
            y, month = month_of(m.group("sm"), m.group("sy"))
            start = pd.Timestamp(year=y, month=month, day=1)
        if start >= today:
            return None
        label = str(start.year) if m.group("sy") and not m.group("sm") else start.strftime("%B %Y")
        return Period(_day(start), _day(today), f"since {label}")

    def half(m):         # 'h1 2011', 'first half of 2011', '2011年上半年'
        first = bool(m.group("h1"))
        y = int(m.group("hy")) if m.group("hy") else (year if first or today.month > 6 else year - 1)
        start = pd.Timestamp(year=y, month=1 if first else 7, day=1)
        return Period(_day(start), _day(start + pd.DateOffset(months=6)), f"H{1 if first else 2} {y}")

    mon = rf"(?:{_MONTH_RE})\.?"
    cn_mon = r"(?:\d{1,2}|十一|十二|[一二三四五六七八九十])"
    last_quarter = Period(_day(q1 - pd.DateOffset(months=3)), _day(q1), "last quarter")
    return [
        (rf"\b(?:between|from) (?P<m1>{_MONTH_RE})\.?(?: (?P<y1>\d{{4}}))? (?:and|to|until|till|through|thru|-) "
         rf"(?P<m2>{_MONTH_RE})\.?(?:,? (?P<y2>\d{{4}}))?\b|\b(?P<m1b>{_MONTH_RE})\.? ?- ?(?P<m2b>{_MONTH_RE})\.? (?P<y2b>\d{{4}})\b",
         lambda m: month_range(_Groups(m, {"m1": "m1b", "m2": "m2b", "y2": "y2b"}))),
        (rf"(?<!compare )(?<!compared )(?<!comparing )(?<!vs )(?<!versus )\b(?P<m1>{_MONTH_RE})\.?(?: (?P<y1>\d{{4}}))? "
         rf"(?:to|through|thru|until|till) (?P<m2>{_MONTH_RE})\.?(?:,? (?P<y2>\d{{4}}))?\b", month_range),   # 'jan to nov'
        (rf"(?:(?P<y1>\d{{4}})\s*年\s*)?(?P<m1>{cn_mon})\s*月(?:份)?\s*(?:到|至|-|~)\s*(?:(?P<y2>\d{{4}})\s*年\s*)?"
         rf"(?P<m2>{cn_mon})\s*月(?:份)?(?:底|末)?", month_range_cn),
        (rf"\bsince (?:(?P<sm>{_MONTH_RE})\.?(?:,? (?P<sy>\d{{4}}))?|(?P<sy2>\d{{4}}))\b",
         lambda m: since(_Groups(m, {"sy": "sy2"}))),
        (rf"(?:(?P<sy>\d{{4}})\s*年\s*)?(?:(?P<sm>{cn_mon})\s*月(?:份)?)?\s*(?:以来|至今|起)", 
         lambda m: since(m) if (m.group("sy") or m.group("sm")) else None),
        (r"\b(?:(?P<h1>h1|(?:the )?first half)|h2|(?:the )?second half)(?:\s*(?:of\s+)?(?P<hy>\d{4}))?\b|"
         r"(?:(?P<hy2>\d{4})\s*年?\s*)?(?:(?P<h1b>上半年)|下半年)",
         lambda m: half(_Groups(m, {"h1": "h1b", "hy": "hy2"}))),
        (r"\b(?:last|previous|past|prior) quarter\b|上(?:一)?(?:个)?季度", lambda m: last_quarter),
        (r"\b(?:this|current) quarter\b|\bquarter to date\b|本季度|这个季度|这季度", lambda m: Period(_day(q1), _day(today), "this quarter")),
        (r"\b(?:last|previous|past|prior) month\b|上(?:一)?(?:个)?月", lambda m: Period(_day(month1 - pd.DateOffset(months=1)), _day(month1), "last month")),
        (r"\b(?:this|current) month\b|\bmonth to date\b|本月|这个月", lambda m: Period(_day(month1), _day(today), "this month")),
        (r"\b(?:last|previous|past|prior) year\b|去年", lambda m: Period(f"{year - 1}-01-01", f"{year}-01-01", f"{year - 1}")),
        (r"\b(?:this|current) year\b|\byear to date\b|\bytd\b|今年", lambda m: Period(f"{year}-01-01", f"{year + 1}-01-01", f"{year}")),
        (rf"\b(?:in the |over the |during the )?(?:last|past|previous) {_N} (day|week)s?\b", last_n),
        (r"(?:最近|过去|近)(\d+|[一二两三四五六七八九十]+)(天|日|周)(?:以内|之内|内)?", last_n_cn),
        (r"\bq([1-4])(?:\s*(?:of\s+)?(\d{4})(?:\s*年)?)?(?![a-z0-9])|\b(\d{4})\s*(?:年\s*)?(?:的\s*)?q([1-4])(?![a-z0-9])", quarter),
        (r"\b(?:the )?(?P<qn>first|second|third|fourth) quarter(?: of (?P<qy>\d{4}))?\b|"
         r"(?:(?P<qy2>\d{4})\s*年\s*)?第(?P<qn2>[一二三四1-4])季度", ordinal_quarter),
        (r"(?:(\d{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]+)|(\d{1,2}|十一|十二|[一二三四五六七八九十]))\s*月(?:份)?", cn_month),
        (rf"\b(\d{{4}})\s+({_MONTH_RE})\b", named_rev),
        (rf"(\b(?:in|during|for|of|since) )?\b({_MONTH_RE})\.?(?:\s*,?\s*(?:of\s+)?(\d{{4}}))?\b", named),
        (r"(?:\bin |\bduring |\bfor |\bof )?(?:\b(?:the )?calendar (?:year )?)?\b(20\d\d)\b|(20\d\d)\s*(?:自然)?年(?:度)?", a_year),
    ]


class _Groups:
    """A match whose named groups fall back to alternative groups (one rule, several spellings)."""

    def __init__(self, m: re.Match, fallback: dict[str, str]):
        self.m, self.fallback = m, fallback

    def group(self, name):
        value = self.m.group(name)
        if value is None and name in self.fallback:
            value = self.m.group(self.fallback[name])
        return value


AMBIGUOUS = r"\b(?:in |over |during )?(?:the )?(?:last|past|previous|prior) (?:(\d+|" + "|".join(NUMBER_WORDS) + \
    r") months|week)\b|(?:最近|过去|近)(\d+|[一二两三四五六七八九十]+)个月|上(?:个)?(?:周|星期)"


def ambiguous_period(text: str, as_of: pd.Timestamp) -> tuple[str, str, list[str]] | None:
    """'last 3 months' (rolling days or whole calendar months?) or 'last week' (7 days or the calendar week?):
    (the words, the question to ask, replacement phrases each read exactly), or None."""
    m = re.search(AMBIGUOUS, text)
    if not m:
        return None
    today = pd.Timestamp(as_of).normalize()
    zh = bool(re.search(r"[\u4e00-\u9fff]", text))       # choices in the question's language
    n_text = m.group(1) or m.group(2)
    if not n_text:
        return (m.group(0), "Do you mean the last 7 days, or a calendar week (which I can't select)?",
                ["最近7天" if zh else "in the last 7 days"])
    n = int(n_text) if n_text.isdigit() else NUMBER_WORDS.get(n_text) or CN_DIGITS.get(n_text, 0)
    if not 0 < n <= 36:
        return None
    month1 = today.replace(day=1)
    first, last = month1 - pd.DateOffset(months=n), month1 - pd.DateOffset(months=1)
    days = 365 * n // 12 if n % 12 == 0 else 30 * n
    if zh:
        whole = f"{first.year}年{first.month}月到{last.year}年{last.month}月"
        recent = f"最近{days}天"
    else:
        whole = f"from {first.strftime('%B %Y')} to {last.strftime('%B %Y')}"
        recent = f"in the last {days} days"
    return (m.group(0), f"The last {n} month(s) as the last {days} days up to today, or as the {n} whole calendar "
            f"month(s) before this one ({first.strftime('%B %Y')} to {last.strftime('%B %Y')})?", [recent, whole])


SO_FAR = (r"\bso far\b|\bto date\b|\bup (?:to|till|until) (?:now|today)\b|\b(?:until|till|to) (?:now|today)\b"
          r"|到目前为止|目前为止|到现在为止|截至现在|到现在|到今天|至今|截至目前|截止目前")    # up to the shop's today
MONTH_SO_FAR = re.compile(rf"{SO_FAR}|\bmtd\b|\b(?:this|current)\b|截至今天|截止今天|本月|这个月")


def month_in_progress(text: str, as_of: pd.Timestamp) -> tuple[str, str, list[str]] | None:
    """'December sales', '12月的销售额' asked on 10 December: a month named without a year is read as the latest one
    begun, which is the month in progress (a few days); the speaker may mean last year's whole month. Unless the
    question says "so far" / "this" or names another period, (the words, the question to ask, replacement phrases
    each read exactly)."""
    as_of = pd.Timestamp(as_of)
    found = find_periods(text, as_of)
    if MONTH_SO_FAR.search(text) or len(found) != 1:    # 'December vs last year': this December, against 2010
        return None
    for (start, end), p in found:
        words = text[start:end]
        if (re.search(r"20\d\d", words) or RELATIVE_YEAR.search(words) or not IN_A_YEAR.fullmatch(p.label)
                or not p.label[0].isalpha() or pd.Timestamp(p.end) <= as_of):
            continue
        month = pd.Timestamp(p.start)
        if re.search(r"[\u4e00-\u9fff]", words):
            choices = [f"{month.year}年{month.month}月到目前为止", f"{month.year - 1}年{month.month}月"]
        else:
            choices = [f"{month.strftime('%B %Y')} so far", f"{month.strftime('%B')} {month.year - 1}"]
        return (words, f"{month.strftime('%B')} {month.year} has only just begun (up to {_day(as_of)}): this "
                f"{month.strftime('%B')} so far, or the whole of {month.strftime('%B')} {month.year - 1}?", choices)
    return None


def find_periods(text: str, as_of: pd.Timestamp) -> list[tuple[tuple[int, int], Period]]:
    """Every period named in lower-cased `text`, left to right, with its character span."""
    rules = _rules(pd.Timestamp(as_of))
    found: list[tuple[tuple[int, int], Period]] = []
    taken = [False] * len(text)
    for pattern, fn in rules:
        for m in re.finditer(pattern, text):
            if any(taken[m.start():m.end()]):
                continue
            period = fn(m)
            if period is not None:
                found.append(((m.start(), m.end()), period))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return [_to_date(text, span, p, pd.Timestamp(as_of)) for span, p in
            _in_named_year(text, sorted(found, key=lambda f: f[0]))]


SO_FAR_AFTER = re.compile(rf"\s*(?:{SO_FAR})")
SINCE_BEFORE = re.compile(r"(?:\bsince|\bfrom|从|自)\s*$")


def _to_date(text: str, span: tuple[int, int], p: Period, as_of: pd.Timestamp) -> tuple[tuple[int, int], Period]:
    """'Q4 so far', '12月到目前为止': a period in progress up to the shop's today, like 'this quarter', so that the
    window before it is as long as the days that have passed (not the whole previous quarter).
    A period that has ended, followed by "to now" / "up to today" / 到现在 / 至今 ('Q4 2010 to now', '去年Q4到现在'),
    or preceded by "since" ('since last year's Q4'), runs from its first day to the shop's today: never the
    period alone with the rest of the words dropped. ("so far" after a period that has ended stays with it.)"""
    m = SO_FAR_AFTER.match(text, span[1])
    if pd.Timestamp(p.end) > as_of:
        if not m:
            return span, p
        return (span[0], m.end()), Period(p.start, _day(as_of), f"{p.label} so far")
    if pd.Timestamp(p.end) == as_of:      # already up to today ('this month', 'since March')
        return span, p
    before = SINCE_BEFORE.search(text, 0, span[0])
    if m and m.group(0).strip() != "so far":
        return ((before.start() if before else span[0]), m.end()), Period(p.start, _day(as_of), f"since {p.label}")
    if before and before.group(0).strip() == "since":
        return (before.start(), span[1]), Period(p.start, _day(as_of), f"since {p.label}")
    return span, p


RELATIVE_YEAR = re.compile(r"(?:the )?(?:last|previous|past|prior|this|current) year|去年|今年|前年")
NAMED_YEAR = re.compile(r"(?:(?:in|during|for|of) )?20\d\d(?:\s*年(?:度)?)?")   # '2010年的12月', "2010's December"
IN_A_YEAR = re.compile(r"[A-Z][a-z]+ \d{4}|Q[1-4] \d{4}|H[12] \d{4}")     # labels of a month, quarter or half
YEAR_GAP = re.compile(r"\s*(?:,|of|in|'s|的)?\s*")
# 'December revenue in 2010': words between a month and its year that do not set two periods apart
NOT_APART = re.compile(r"\b(?:vs\.?|versus|v|compared?|comparison|against|and|or|than|to|from|with|before|after|until|"
                       r"till|since|between|change|growth)\b|对比|相比|和|与|跟|比|到|至|及|或")


def _in_named_year(text: str, found: list) -> list:
    """'December last year', '去年12月', "last year's Q4", '2010年的12月': a month, quarter or half named beside a
    relative or named year is in that year (one period, not the month compared with the whole year)."""
    out, i = [], 0
    while i < len(found):
        if i + 1 < len(found):
            (a, pa), (b, pb) = found[i], found[i + 1]
            gap = text[a[1]:b[0]]
            pair = [((a, pa), text[a[0]:a[1]]), ((b, pb), text[b[0]:b[1]])]
            years = [x for x in pair if RELATIVE_YEAR.fullmatch(x[1].strip()) or NAMED_YEAR.fullmatch(x[1].strip())]
            parts = [x for x in pair if IN_A_YEAR.fullmatch(x[0][1].label) and not re.search(r"\d{4}", x[1])]
            near = YEAR_GAP.fullmatch(gap) or (len(gap.split()) <= 4 and not NOT_APART.search(gap))
            if len(years) == 1 and len(parts) == 1 and near:
                (_, year), ((_, part), _) = years[0][0], parts[0]
                shift = pd.Timestamp(year.start).year - pd.Timestamp(part.start).year
                start, end = (pd.Timestamp(x) + pd.DateOffset(years=shift) for x in (part.start, part.end))
                label = part.label.replace(str(pd.Timestamp(part.start).year), str(start.year))
                merged = Period(_day(start), _day(end), label)
                if YEAR_GAP.fullmatch(gap):
                    out.append(((a[0], b[1]), merged))
                else:       # words between ('December revenue in 2010'): they keep their own meaning
                    out += [(a, merged), (b, merged)]
                i += 2
                continue
        out.append(found[i])
        i += 1
    return out


def previous_window(p: Period) -> Period:
    """The window of the same length just before `p`: whole calendar months stay whole months, else days."""
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    months = (end.year - start.year) * 12 + end.month - start.month
    if start.day == 1 and end.day == 1 and months > 0:
        prev = start - pd.DateOffset(months=months)
    else:
        prev = start - (end - start)
    return Period(_day(prev), p.start, "previous period")
