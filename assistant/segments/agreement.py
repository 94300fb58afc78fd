"""Agreement: answer a question the rules read all but one or two harmless words of, when the LLM reads it the same.

    verdict = agreement(parse, proposal, text, as_of, filter_words)   # parse: the rules' Parse; proposal: the LLM's
    verdict.ok, verdict.notes, verdict.reason                         # validated Query (or None); text: normalised
    risky("rte", filter_words)        # True: one edit from 'rate' (also used by nlq to drop an aside)

The rules' reading (`parse.query`) is answered only when all of these hold; otherwise the caller asks as before:
- the rules raised no clarifying question and left at most MAX_WORDS words unexplained (Chinese is counted in
  words as jieba cuts them, retrieval/segment_zh.py: 时间 is one word, 到 another);
- no unexplained word is risky: none is on lexicon's closed list (RISKY_WORDS / RISKY_CJK: logic, negation,
  comparison, time, number, metric and dimension words, and what the layer lacks: other currencies, VAT, cost ...), none names or nearly names a filter value of the shop
  (`filter_words`: country, segment, cluster, category and product-title words), none holds a digit, and none is one
  edit from a risky word of four or more letters (a misspelt 'rte' may be 'rate') unless it is itself a correctly
  spelt common English word (`common_english`, from the embedder's vocabulary: 'point' is not a typo of 'print', 'doing' of 'dining';
  one edit from a filter value's word still counts: 'hearts' nearly names 'heart');
- no unexplained word restricts who or what is counted: none stands right before a noun of the layer ('wholesale
  customers', 'online orders', 批发(的)客户) or right after a preposition that attaches it to the scope ('revenue
  from wholesale', 'orders by phone'), since the LLM's schema has nowhere to put such a restriction and would
  agree by leaving it out; a whole-population quantifier (lexicon.WHOLE_POPULATION: 'the whole customer base',
  'all of our customers', 全部客户) names everyone and never restricts;
- the LLM's constrained fill agrees with the rules on EVERY field: metric, breakdown, filters, period (the same window
  of data: both ends clipped at the shop's today, after which there is no data), limit and order; a rules' query that
  uses a field the LLM's schema cannot say (a product or cluster filter, a condition, a comparison, a second metric,
  a top-X% share, a bought-by filter) never agrees. A limit the question names no number for (the rules' default
  top N, or the 1 of 'which country ...') agrees with the LLM leaving `top` out.
The answer states the reading as usual and notes each word "read '<word>' as not changing the question".
What it leaves out: it never answers the LLM's reading where it differs, and never when the LLM is off, slow or busy.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pandas as pd

from assistant.models.embed import english_words
from assistant.resources import ZH_TERMS
from assistant.retrieval.segment_zh import Segmenter
from assistant.segments import lexicon as L
from assistant.segments.semantic import Query
from assistant.segments.spelling import edit_distance

MAX_WORDS = 2            # unexplained words the agreement may read as harmless
NOTE = "read '{word}' as not changing the question"
_LATIN = re.compile(r"[a-z0-9][a-z0-9'&.\-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
                     r"fifty|hundred|dozen)\b|[一二两三四五六七八九十百千]")


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)


@functools.cache
def _segmenter() -> Segmenter:
    """jieba with the layer's own Chinese names kept whole (country, segment, category aliases, filler words)."""
    terms = [t for names in (L.COUNTRY_ALIASES, L.SEGMENT_ALIASES, L.CATEGORY_ALIASES) for t in names
             if _CJK_RUN.fullmatch(t)]
    return Segmenter([*terms, *L.FILLER_CJK_WORDS])


@functools.lru_cache(maxsize=4096)
def cjk_words(run: str) -> tuple[str, ...]:
    """A run of Chinese characters as whole words ('全部时间' -> ('全部', '时间'))."""
    return tuple(_segmenter().words(run))


def words_of(runs: list[str]) -> list[str]:
    """The unexplained runs as words: Latin words, and Chinese runs cut into words (cjk_words)."""
    out = []
    for run in runs:
        for m in re.finditer(rf"{_LATIN.pattern}|{_CJK_RUN.pattern}", run.lower()):
            w = m.group(0)
            out += list(cjk_words(w)) if _CJK_RUN.fullmatch(w) else [w.strip(".'-")]
    return [w for w in out if w]


COMMON_RANK = 12_000     # the first entries of the embedder's vocabulary: common words


@functools.cache
def common_english() -> frozenset[str]:
    """Correctly spelt common English words of three letters or more (models/embed.py `english_words`, the
    first COMMON_RANK entries of the BERT uncased vocabulary, roughly frequency ordered)."""
    return frozenset(w for w in english_words(first=COMMON_RANK) if len(w) >= 3)


@functools.cache
def zh_catalog_terms() -> tuple[str, ...]:
    """Chinese words for the catalog's things (resources/zh_terms.csv, shared with shopper search): 蛋糕架, 马克杯."""
    rows = ZH_TERMS.read_text(encoding="utf-8").splitlines()[1:]
    return tuple(sorted({r.split(",", 1)[0].strip() for r in rows if r.strip()} - {""}, key=len, reverse=True))


def risky(word: str, filter_words: set[str]) -> bool:
    """Could this word change the question? (closed list, a digit, a filter value's word, or one edit from either,
    unless the word is itself a common English word; in Chinese a risky character or a catalog word such as 蛋糕架)"""
    if _CJK_RUN.fullmatch(word):
        return any(c in L.RISKY_CJK for c in word) or any(t in word for t in zh_catalog_terms() if len(t) >= 2)
    parts = [word, *re.split(r"['\-.&]", word)]
    if any(ch.isdigit() for ch in word) or any(p in L.RISKY_WORDS or p in filter_words for p in parts if p):
        return True
    # 'point' in 'at some point' is spelt right: not a typo of a risky word ('hearts' still nearly names 'heart')
    if len(word) >= 3 and word not in common_english() and \
            any(abs(len(w) - len(word)) <= 1 and edit_distance(word, w) <= 1 for w in L.RISKY_WORDS if len(w) >= 4):
        return True
    return len(word) >= 5 and any(abs(len(w) - len(word)) <= 1 and edit_distance(word, w) <= 1
                                  for w in filter_words if len(w) >= 5)


# a word right before one of these nouns describes it ('wholesale customers'); right after one of these prepositions
# it names a scope ('from wholesale', 'by phone')
_NOUN_AFTER = r"\s*(?:'s\s*)?(?:customers?|buyers?|clients?|shoppers?|people|users?|accounts?|orders?|invoices?|" \
              r"sales|revenue|takings|turnover|products?|items?|units?|goods|lines?|purchases?|returns?|" \
              r"categor(?:y|ies)|countr(?:y|ies)|markets?|segments?|clusters?)\b|" \
              r"\s*的?\s*(?:客户|顾客|客人|用户|买家|订单|商品|产品|销售|收入|营收|退货)"
_PREPOSITION_BEFORE = r"\b(?:for|from|among|amongst|by|via|through|on|to|with|of|at|in|into|inside|within|excluding|" \
                      r"except|without)\s+$"     # 'customers in Europe': a place the layer has no name for


def restricts(run: str, text: str) -> bool:
    """Does any word of this leftover run stand where it would restrict the scope (right before a layer noun, or
    right after a preposition: 'wholesale customers', 'via marketplaces')?"""
    for m in re.finditer(re.escape(run.strip()), text):
        for w in re.finditer(rf"{_LATIN.pattern}|{_CJK_RUN.pattern}", m.group(0)):
            if w.group(0) in L.WHOLE_POPULATION:
                continue        # 'the whole customer base', 全部客户: everyone, no restriction
            a, b = m.start() + w.start(), m.start() + w.end()
            if re.match(_NOUN_AFTER, text[b:]) or re.search(_PREPOSITION_BEFORE, text[:a]):
                return True
    return False


def _window(q: Query, today: pd.Timestamp) -> tuple[str, str] | None:
    if q.time is None:
        return None
    end = min(pd.Timestamp(q.time.end), today)
    return q.time.start, str(end.date())


def same_reading(rules: Query, llm: Query, question: str, as_of: pd.Timestamp) -> str:
    """'' when the two queries ask the same of the data, else the first field that differs."""
    if rules.bought or rules.condition or rules.compare or rules.change or rules.also or rules.exclude or \
            rules.top_pct is not None:
        return "the rules' reading uses a field the LLM cannot fill"
    if {"product", "cluster"} & set(rules.filters):
        return "the rules' reading filters by a product or cluster, which the LLM cannot fill"
    today = pd.Timestamp(as_of).normalize()
    if rules.metric != llm.metric:
        return f"metric ({rules.metric} vs {llm.metric})"
    if rules.group_by != llm.group_by:
        return f"breakdown ({rules.group_by} vs {llm.group_by})"
    if {k: sorted(v) for k, v in rules.filters.items()} != {k: sorted(v) for k, v in llm.filters.items()}:
        return f"filters ({rules.filters} vs {llm.filters})"
    if _window(rules, today) != _window(llm, today):
        return f"period ({_window(rules, today)} vs {_window(llm, today)})"
    if rules.group_by:
        number_named = bool(_NUMBER.search(question.lower()))
        if llm.limit is None and rules.limit is not None and number_named:
            return "limit (the question names a number the LLM left out)"
        if llm.limit is not None and llm.limit != rules.limit:
            return f"limit ({rules.limit} vs {llm.limit})"
        if llm.limit is not None and rules.order != llm.order:
            return f"order ({rules.order} vs {llm.order})"
        if llm.limit is None and rules.order != "desc":
            return "order (the rules rank from the bottom, the LLM did not)"
    return ""


def agreement(parse, proposal: Query | None, text: str, as_of: pd.Timestamp,
              filter_words: set[str]) -> Verdict:
    """Whether the rules' partial reading may be answered (see the module docstring)."""
    if parse.clarify is not None or parse.query is None:
        return Verdict(False, "the rules did not read the question")
    words = words_of(parse.unexplained)
    if not words or len(words) > MAX_WORDS:
        return Verdict(False, f"{len(words)} unexplained words")
    bad = [w for w in words if risky(w, filter_words)]
    if bad:
        return Verdict(False, f"risky word(s): {', '.join(bad)}")
    bound = [run for run in parse.unexplained if restricts(run, text)]
    if bound:
        return Verdict(False, f"word(s) that may restrict the scope: {', '.join(bound)}")
    if proposal is None:
        return Verdict(False, "no LLM reading")
    differs = same_reading(parse.query, proposal, text, as_of)
    if differs:
        return Verdict(False, f"the LLM reads it differently: {differs}")
    return Verdict(True, notes=[NOTE.format(word=run.strip()) for run in parse.unexplained])
