"""Rule parsing of staff questions into semantic-layer queries, keeping account of which words were explained.

    parser = QuestionParser(vocabulary, as_of=pd.Timestamp("2011-12-10"))   # vocabulary: Analytics.values()
    p = parser.parse("top 5 countries by revenue last quarter")
    p.query         # Query(metric='revenue', group_by='country', limit=5, time=Period(...last quarter))
    p.unexplained   # [] : every word accounted for, so the rules' reading can be trusted
    p.clarify       # None, or Clarification("Which product do you mean?", ["...", "..."]) when names are ambiguous

Each explainer (periods, metric phrases, conditions, rankings, dimensions, names of countries, segments, clusters,
categories and products, filler words) masks the words it explains. Words left over are reported, never guessed:
the caller asks the LLM (constrained to the layer's schema) or asks the user. Country and product names resolve
exactly (or by a listed alias); a name that only resembles one becomes a clarifying question.
Words of lexicon's closed harmless list ('France only', 'the hibernating lot', 'that year') are explained only
beside what they lean on, and the answer notes each as read without changing the question.
A self-correction ('France, sorry, I mean Germany') keeps only the correction; one aside ('finance team: ...',
'... (asking for a manager)') is dropped when the rest reads completely and the aside holds no risky word
(segments/agreement.py's list), each with a note.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace

import pandas as pd

from assistant.segments import lexicon as L
from assistant.segments import spelling
from assistant.segments.agreement import cjk_words, common_english, restricts, risky, words_of
from assistant.segments.periods import ambiguous_period, find_periods, month_in_progress, previous_window
from assistant.segments.present import canonical, condition_words
from assistant.segments.semantic import EXCLUDABLE, HIGHER_IS_WORSE, METRICS, Condition, Query

CJK = re.compile(r"[\u4e00-\u9fff]")
DEFAULT_TOP_NOTE = "no number asked, so the top"    # + N: the answer lists the default top N
AVERAGES = {"aov", "revenue_per_customer", "frequency", "customer_value", "churn_risk", "high_value_probability"}
LONG_FILLER = frozenset(w for w in L.FILLER if len(w) >= 4)     # 'many', 'what', 'much': a swap of two letters is read
WORD = re.compile(r"[a-z0-9][a-z0-9'&.\-]*|[\u4e00-\u9fff]|%")
MAX_CHOICES = 6
GENERIC_TITLE = 3         # a title that this many longer titles contain ('heart t-light holder') is asked about
MIN_TITLE_TYPO = 7        # a misspelt word is read as a product-title word only from this many letters
MIN_TITLE_TYPO_SHORT = 4  # ... or from this many when every other word of the question names that one title
TITLE_TYPO_DISTANCE = 2   # edits allowed to that one word
HOW_MANY_ALONE = r"\bhow many\b(?! (?:\w+ )?(?:orders|units|items|pieces|invoices|products|new|times))"
MAX_PRODUCT_MATCHES = MAX_CHOICES  # one leftover word matching more titles than we can list: not a product name
GENERIC_GLOSS = {"customers", "customer", "people", "buyers", "clients", "shoppers", "products", "product", "items",
                 "item", "number", "count", "total", "amount", "value", "figure"}   # '退货客户(customers)': too vague
PRODUCT_NOUN_AFTER_TITLE = r"\s*(?:这款|这个|该款|该|这一款)?\s*(?:产品|商品)|\s+(?:product|item)\b(?!s)"
MAX_METRICS = 3           # "how many customers and how much revenue": up to three figures on one scope
HARMLESS_NOTE = "read as not changing the question"   # a word of lexicon's closed harmless list, said beside what it leans on
PERIOD_DAYS = {"year": (365, 366), "quarter": (89, 92), "month": (28, 31), "week": (7, 7)}   # 'that year' needs a year named
COUNTED_CUSTOMERS = r"\b(?:how many|number of|count of|count the)(?: \w+){0,2} (?:customers|buyers|clients|shoppers)\b|" \
                    r"多少(?:个|位|名)?(?:下单的?|购买的?|买过的?)?(?:客户|顾客|买家|人)|客户数|顾客数|买家数|人数|" \
                    r"(?:客户|顾客|买家)(?:一共|总共|共)?(?:数量|有多少|有几|是多少)"     # '下单客户有多少': buying customers, counted


@dataclass
class Clarification:
    question: str
    choices: list[str] = field(default_factory=list)    # each a complete question the parser reads exactly


@dataclass
class Parse:
    query: Query | None
    unexplained: list[str] = field(default_factory=list)
    clarify: Clarification | None = None
    notes: list[str] = field(default_factory=list)      # typo readings etc., shown with the answer
    source: str = "rules"


class _Text:
    """Lower-cased question with a mask of explained characters; Chinese is also cut into words (jieba, through
    agreement.cjk_words) so that a character of a word partly explained ('份' of 按月份 after 按月 was read) is
    explained with it, unless it is a risky character (不, 除, 前 ...)."""

    def __init__(self, text: str):
        self.text = text
        self.taken = [False] * len(text)
        self.cjk_word = {}        # index of a Chinese character -> (start, end) of the word holding it
        for m in re.finditer(r"[\u4e00-\u9fff]+", text):
            pos = m.start()
            for w in cjk_words(m.group(0)):
                for i in range(pos, pos + len(w)):
                    self.cjk_word[i] = (pos, pos + len(w))
                pos += len(w)

    def _part_of_explained_word(self, i: int) -> bool:
        a, b = self.cjk_word.get(i, (i, i + 1))
        return b - a > 1 and any(self.taken[a:b]) and \
            all(self.taken[k] or self.text[k] not in L.RISKY_CJK for k in range(a, b))

    def find(self, pattern: str):
        """Matches of `pattern` that do not overlap explained characters (a match that does is tried again one
        character later, so 'share of customers | that have returned something' still finds the second phrase)."""
        rx, pos = re.compile(pattern), 0
        while pos <= len(self.text):
            m = rx.search(self.text, pos)
            if m is None:
                return
            if m.end() > m.start() and not any(self.taken[m.start():m.end()]):
                yield m
                pos = m.end()
            else:
                pos = m.start() + 1

    def take(self, start: int, end: int) -> None:
        self.taken[start:end] = [True] * (end - start)

    def first(self, pattern: str):
        m = next(self.find(pattern), None)
        if m:
            self.take(m.start(), m.end())
        return m

    def leftover_runs(self) -> list[tuple[int, int, str]]:
        """Maximal runs of unexplained, non-filler words: (start, end, text)."""
        runs, current = [], None
        for m in WORD.finditer(self.text):
            word = m.group(0).strip(".'-")
            # a word counts as explained only when all its parts are ('returns-prone': 'returns' alone is not;
            # "this year's": the possessive 's' adds nothing; 'brand-new': 'brand' only stresses 'new')
            open_parts = [p.group(0) for p in re.finditer(r"[a-z0-9]+", m.group(0))
                          if not all(self.taken[m.start() + p.start():m.start() + p.end()])]
            compound = "-" in m.group(0)          # 'brand' stresses only inside 'brand-new'; 'by brand' is a word
            explained = all(p in L.FILLER or (compound and p in L.COMPOUND_FILLER)
                            or (p == "s" and m.group(0).endswith("'s"))
                            for p in open_parts) or not word or word in L.FILLER or word in L.FILLER_CJK
            if CJK.fullmatch(m.group(0)):
                explained = any(self.taken[m.start():m.end()]) or word in L.FILLER_CJK or \
                    self._part_of_explained_word(m.start())
            elif m.group(0) == "%":           # no letters, yet a word: '(as a %)' asks a share
                explained = self.taken[m.start()]
            if explained:
                if current:
                    runs.append(current)
                    current = None
                continue
            current = (current[0], m.end()) if current else (m.start(), m.end())
        if current:
            runs.append(current)
        return [(a, b, self.text[a:b]) for a, b in runs]


def normalize(question: str) -> str:
    text = unicodedata.normalize("NFKC", question).lower()
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[?!,;:()\[\]？！，。；：、（）]", " ", text)
    text = re.sub(r"(?<=[a-z])-(based|born|located)\b", r" \1", text)     # 'germany-based customers'
    text = re.sub(r"\b(who|that|which|we|they|you|i)'ve\b", r"\1 have", text)   # 'customers who've bought'
    text = re.sub(r"\b(who|that)'s (?=(?:ever |already )?(?:bought|ordered|purchased|returned|placed|made|spent)\b)",
                  r"\1 has ", text)                                        # 'anyone who's ordered twice'
    # 'loyal这个segment平均...': Latin and Han runs are separate words (\b sees no edge between 'segment' and '的')
    text = re.sub(r"(?<=[a-z])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[a-z])", " ", text)
    text = re.sub(r"(?<=[0-9])(?=的)", " ", text)     # 'q4 2010的销量': the year ends before 的 (年, 月, 天 stay glued)

    for pattern, short in L.SHORTHANDS:           # 'no. of orders', 'orders per head', '20pc'
        text = re.sub(pattern, short, text)
    return " ".join(text.split())


class QuestionParser:
    def __init__(self, vocabulary: dict[str, set[str]], as_of: pd.Timestamp, k_anonymity: int | None = None):
        self.vocabulary = vocabulary
        self.k = k_anonymity       # the privacy floor every answer applies (groups of fewer customers are hidden)
        self.as_of = pd.Timestamp(as_of)
        self.titles = {t.lower(): t for t in vocabulary.get("product", ())}
        self.names = {}   # lower-cased name or alias -> (filter key, value)
        for key in ("country", "segment", "cluster", "category"):
            for value in vocabulary.get(key, ()):
                self.names[value.lower()] = (key, value)
        for aliases, key in ((L.COUNTRY_ALIASES, "country"), (L.SEGMENT_ALIASES, "segment"),
                             (L.CATEGORY_ALIASES, "category")):
            for alias, value in aliases.items():
                if value in vocabulary.get(key, ()):
                    self.names.setdefault(alias, (key, value))
        # a cluster by the first word(s) of its name that no other cluster starts with: 'the returns-prone cluster'
        self.early_names = set()
        clusters = [v.lower() for v in vocabulary.get("cluster", ())]
        for value in clusters:
            words = value.split()
            for i in range(1, len(words)):
                prefix = " ".join(words[:i])
                if sum(c.startswith(prefix + " ") for c in clusters) == 1 and prefix not in self.names:
                    for noun in ("cluster", "clusters"):
                        self.names.setdefault(f"{prefix} {noun}", self.names[value])
                        self.early_names.add(f"{prefix} {noun}")
        self.known_words = set(L.FILLER) | {w for n in self.names for w in n.split()}
        self.known_words |= {w for t in self.titles for w in re.findall(r"[a-z]+", t)}
        # typos snap only to the layer's own words and segment/category names; a country or product name that is
        # not exact is asked about ("Did you mean Germany?"), never corrected silently
        closed = {w for n, (key, _) in self.names.items() if key in ("segment", "category") for w in n.split()}
        self.typo_targets = sorted(L.KNOWN_WORDS | {w for w in closed if len(w) >= 4})
        self.typo_set = set(self.typo_targets)
        self.known_words |= L.KNOWN_WORDS
        self.known_words |= L.PHRASE_WORDS      # 'shift' (sold) is a word of the layer, not a typo of 'shirt'
        self.known_words |= L.LOGIC_WORDS       # 'including' is never a typo of 'excluding'
        # edit-distance readings (spelling.py): any known word competes, so a tie with a product word asks instead;
        # a one-word country name or alias may be read only with the reading stated ("Germany (you wrote ...)")
        self.countries = {n: v for n, (key, v) in self.names.items() if key == "country" and " " not in n}
        self.name_words = {w for n in self.names for w in n.split() if len(w) >= 4}
        self.spell_pool = sorted(self.known_words | set(self.countries) | {w for n in self.names for w in n.split()})
        # 'excluding the UK', 'non-UK', 除了英国以外, 英国除外: a name whose lines are left out
        named = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True)
                         if self.names[n][0] in EXCLUDABLE)
        self.excluded_name = rf"(?<![a-z0-9])(?:{named})(?![a-z0-9])"
        more = rf"(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|、|和|及|与)(?:the\s+)?(?:{named})(?![a-z0-9]))*"
        self.excluding = [rf"(?:{L.EXCLUDING})(?P<name>(?:{named})(?![a-z0-9]){more})(?:{L.EXCLUDING_AFTER})?",
                          rf"(?<![a-z0-9])(?P<name>(?:{named}){more})\s*除外"]
        # words that name a filter value of the shop: never dropped as an aside, never read as harmless
        self.filter_words = {w for n in self.names for w in n.split()} | \
            {w for t in self.titles for w in re.findall(r"[a-z]+", t)}

    # ------------------------------------------------------------ entry point
    def parse(self, question: str) -> Parse:
        corrected = self._self_correction(question)
        if corrected is not None:       # 'France, sorry, I mean Germany': only what the writer settled on
            return corrected
        parse = self._parse_typos(question)
        if parse.clarify is not None:
            settled = self._defined_after_dash(question)
            if settled is not None:     # 'basket size in France - avg spend per order': the writer says which
                return settled
        if parse.unexplained and not parse.clarify:
            share = self._count_as_share(question)
            if share is not None:       # 'how many ... (as a %)': the share of the customers the question scopes
                return share
            aside = self._without_aside(question)
            if aside is not None:       # 'finance q: ...', '... (just curious)': what remains reads completely
                return aside
            lead_in = self._without_lead_in(question)
            if lead_in is not None:     # 'How concentrated are we? What % of ...': the complete sentence answers
                return lead_in
        return parse

    def _parse_typos(self, question: str) -> Parse:
        parse = self._parse(question)
        if parse.unexplained and CJK.search(question):
            fixed = self._cjk_country_typo(normalize(question), parse.unexplained)
            if fixed:                   # '德过的收入': one character off one country name only, read with a note
                again = self._parse(fixed[0])
                if not again.unexplained:
                    again.notes.insert(0, f"{fixed[2]} (you wrote '{fixed[1]}')")
                    return again
        # 'Home Deco': the start of one category name only; 'one-off low spenders': another form of each word of
        # one name. Either is read, with a note, when the question then reads completely.
        for loose, said_as in ((self._category_prefix, "the category "), (self._name_word_forms, "")):
            found = loose(question, parse.unexplained) if parse.unexplained else None
            if found:
                again = self._parse(found[0])
                if not again.unexplained and again.clarify is None:
                    again.notes.insert(0, f"'{found[1]}' read as {said_as}{found[2]}")
                    return again
        return parse

    def _category_prefix(self, question: str, unexplained: list[str]) -> tuple[str, str, str] | None:
        """(text corrected, words, category) when a leftover run is the start of exactly one category name, cut
        inside its last word, that word kept to 4+ letters ('home deco' -> Home Decor)."""
        text = normalize(question)
        cats = {v.lower(): v for v in self.vocabulary.get("category", ())}
        for words in unexplained:
            words = words.strip()
            last = words.split()[-1] if words.split() else ""
            hits = [v for low, v in cats.items() if low.startswith(words) and low != words
                    and low[len(words):len(words) + 1].isalpha()]
            if len(last) >= 4 and last.isalpha() and len(hits) == 1 and words in text:
                return text.replace(words, hits[0].lower(), 1), words, hits[0]
        return None

    def _name_word_forms(self, question: str, unexplained: list[str]) -> tuple[str, str, str] | None:
        """(text corrected, words, name) when a leftover run names exactly one segment or cluster word by word up
        to word forms ('one-off low spenders' for 'One-off low-spending customers': spenders/spending share the
        stem 'spend'); hyphens are spaces and the name's generic noun ('customers') may be left out."""
        def stem(w):
            return re.sub(r"(?:ers|er|ing|s)$", "", w) if len(w) >= 6 else w
        text = normalize(question)
        for words in unexplained:
            said = [stem(w) for w in re.split(r"[\s\-]+", words.strip()) if w]
            hits = {v for n, (key, v) in self.names.items() if key in ("segment", "cluster")
                    and [stem(w) for w in re.split(r"[\s\-]+", n) if w not in GENERIC_GLOSS] == said}
            if len(said) >= 2 and len(hits) == 1 and words.strip() in text:
                name = hits.pop()
                return text.replace(words.strip(), name.lower(), 1), words.strip(), name
        return None

    def _complete(self, question: str) -> Parse | None:
        p = self._parse_typos(question)
        return p if p.query is not None and not p.unexplained and p.clarify is None else None

    def _self_correction(self, question: str) -> Parse | None:
        """'X, sorry, I mean Y' / 'X……不对，我是说Y': Y alone when it reads completely; else Y is one name or period
        that replaces the one name of its kind (or the one period) in X. None when there is no correction or it
        does not read (the question is then parsed whole, and its leftover words ask)."""
        m = None
        for m in re.finditer(L.SELF_CORRECTION, question, flags=re.IGNORECASE):
            pass
        if m is None or not question[:m.start()].strip() or not question[m.end():].strip():
            return None
        before, after = question[:m.start()], question[m.end():].strip(" ,.;:!?，。；：！？")
        note = f"'{m.group(0).strip(' ,.;:!，。；：')}' read as a correction: only '{after}' counts"
        p = self._complete(after)
        scope = self._scope_words(normalize(before), normalize(after))
        if p is not None and scope:     # 'avg basket value for Switzerland? Sorry, I mean average order value':
            p = self._complete(f"{after} {scope}")          # Y corrects the metric; X's scope stays
            note = f"'{m.group(0).strip(' ,.;:!，。；：')}' read as a correction: '{after}' replaces what it corrects"
        if p is None:
            text, fix = normalize(before), normalize(after)
            spans = self._spans_of_kind(text, fix)
            if len(spans) == 1:
                a, b = spans[0]
                p = self._complete(text[:a] + fix + text[b:])
        if p is not None:
            p.notes.insert(0, note)
        return p

    def _scope_words(self, before: str, after: str) -> str:
        """The names and periods `before` holds that `after` does not ("in Switzerland", "2011"), as words to add
        to `after`; '' when it adds none."""
        def named(text: str) -> list[tuple[str, str]]:
            out = []
            for name, (key, _) in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
                if re.search(_name_pattern(name), text) and not any(name in n for n, _ in out):
                    out.append((name, key))
            return out
        kinds = {key for _, key in named(after)}        # a kind Y names itself is Y's ('... sorry, Germany')
        words = [f"in {name}" if key == "country" else name for name, key in named(before) if key not in kinds]
        periods = [before[a:b] for (a, b), _ in find_periods(before, self.as_of)]
        if not find_periods(after, self.as_of):
            words += periods
        return " ".join(words)

    def _spans_of_kind(self, text: str, fix: str) -> list[tuple[int, int]]:
        """Where `text` names something of the kind `fix` is (a country, segment, cluster or category name; or a
        period), when `fix` is exactly one such thing; distinct values only."""
        if fix in self.names:
            key = self.names[fix][0]
            found = {}
            for name, (k, value) in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
                if k != key:
                    continue
                for m in re.finditer(_name_pattern(name), text):
                    if not any(a < m.end() and m.start() < b for a, b in found):
                        found[(m.start(), m.end())] = value
            return list(found) if len(set(found.values())) == 1 else []
        whole = find_periods(fix, self.as_of)
        if len(whole) == 1 and whole[0][0][1] - whole[0][0][0] >= len(fix.strip()) - 3:
            spans = [span for span, _ in find_periods(text, self.as_of)]
            return spans if len(spans) == 1 else []
        return []

    def _exclusions(self, t: _Text) -> dict[str, list[str]]:
        """Names whose lines are left out ('top 3 countries excluding the UK', 'other than champions', 'non-UK',
        除了英国以外, 不含英国, 英国除外): {filter key: [values]}, the words taken."""
        out: dict[str, list[str]] = {}
        for pattern in self.excluding:
            for m in list(t.find(pattern)):
                t.take(m.start(), m.end())
                for name in re.finditer(self.excluded_name, m.group("name")):     # 'the UK and Germany'
                    key, value = self.names[name.group(0)]
                    if value not in out.setdefault(key, []):
                        out[key].append(value)
        return out

    def _defined_after_dash(self, question: str) -> Parse | None:
        """The question's own definition settles its ask: the part after a dash or colon reads completely as one
        metric and adds no scope (no breakdown, filter, period or condition), and exactly one of the choices the
        part before it would ask between has that metric; that choice is answered, with a note."""
        for m in re.finditer(r"\s[-\u2013\u2014]+\s|[:\uff1a]\s*|\s[-\u2013\u2014]+(?=[\u4e00-\u9fff])", question):
            head, tail = question[:m.start()].strip(), question[m.end():].strip(" ?？.!")
            defined = self._complete(tail) if head and tail else None
            if defined is None:
                continue
            d = defined.query
            if d.group_by or d.filters or d.time or d.condition or d.also or d.compare or d.bought or d.top_pct:
                continue
            asked = self._parse_typos(head)
            if asked.clarify is None or asked.unexplained:
                continue
            picked = [p for p in map(self._complete, asked.clarify.choices) if p and p.query.metric == d.metric]
            if len(picked) == 1:
                picked[0].notes.insert(0, f"'{tail}' read as defining the figure: {METRICS[d.metric].label}")
                return picked[0]
        return None

    def _without_aside(self, question: str) -> Parse | None:
        """The question without one aside - a bracketed remark, a label before a colon, or a remark set off by a
        dash at either end - when what remains reads completely and the aside is at least two words with none
        risky (segments/agreement.py: logic, negation, comparison, time, number, metric, dimension or filter words)
        and none placed to restrict the scope; a restated filter ('(UK only)', '(2011 only)') may name what the rest
        filters by, or its period."""
        for pattern in L.ASIDES:
            for m in re.finditer(pattern, question):
                aside = m.group("aside")
                rest = (question[:m.start()] + " " + question[m.end():]).strip()
                p = self._complete(rest) if rest else None
                if p is None:
                    continue
                text = normalize(aside)
                named = {v.lower() for values in p.query.filters.values() for v in values}
                for name, (_, value) in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
                    if value.lower() in named:      # '(UK only)': the filter already read, restated
                        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
                for (a, b), period in reversed(find_periods(text, self.as_of)):   # '(2011 only)' after 'in 2011'
                    if p.query.time is not None and (period.start, period.end) == (p.query.time.start, p.query.time.end):
                        text = text[:a] + " " + text[b:]
                restated = len(text.split()) < len(normalize(aside).split())
                if restated:
                    text = re.sub(L.RESTATED_FILTER_WORDS, " ", text)
                words = [w for w in words_of([text]) if w not in L.FILLER and w not in L.FILLER_CJK]
                if (not restated and len(words_of([normalize(aside)])) < 2) or \
                        any(risky(w, self.filter_words) for w in words) or restricts(text, text) or \
                        re.search(L.ASIDE_ASKS_A_FIGURE, text) or any(re.search(pat, text) for _, pat in L.METRIC_PHRASES):
                    continue        # '... - what % are regulars?': an aside that asks a figure is the question
                p.notes.insert(0, f"'{aside.strip()}' read as an aside that does not change the question")
                return p
        return None

    def _without_lead_in(self, question: str) -> Parse | None:
        """Several sentences, exactly one of which reads completely while every other holds no risky word (no
        metric, dimension, filter, period, number or logic word: 'How concentrated are we?'): that one sentence is
        the question, the others a lead-in noted as not changing it."""
        sentences = [s.strip() for s in re.split(r"(?<=[?？!！。])\s*|(?<=[a-z]\.)\s+", question) if s.strip()]
        if len(sentences) < 2:
            return None
        complete = [(i, p) for i, s in enumerate(sentences) if (p := self._complete(s)) is not None]
        if len(complete) != 1:
            return None
        i, p = complete[0]
        for other in sentences[:i] + sentences[i + 1:]:
            text = normalize(other)
            words = [w for w in words_of([text]) if w not in L.FILLER and w not in L.FILLER_CJK]
            if any(risky(w, self.filter_words) for w in words) or restricts(text, text) or \
                    find_periods(text, self.as_of) or re.search(r"\d", text) or \
                    any(re.search(pat, text) for _, pat in L.METRIC_PHRASES):
                return None
        lead = " ".join(sentences[:i] + sentences[i + 1:])
        p.notes.insert(0, f"'{lead}' read as a lead-in that does not change the question")
        return p

    def _count_as_share(self, question: str) -> Parse | None:
        """'how many customers in Germany ordered twice (as a %)' read as 'what percentage of customers in Germany
        ordered twice': the count words become share words and the aside goes; kept only when the result reads
        completely as a share of customers."""
        aside = re.search(L.COUNT_AS_SHARE_ASIDE, question)
        if aside is None:
            return None
        rest = question[:aside.start()]
        if re.search(L.COUNT_AS_SHARE_EN, rest, flags=re.I):
            rewritten = re.sub(L.COUNT_AS_SHARE_EN, "what percentage of", rest, count=1, flags=re.I)
        elif CJK.search(rest) and re.search(L.COUNT_AS_SHARE_ZH, rest):
            rewritten = re.sub(L.COUNT_AS_SHARE_ZH, lambda m: "客户" if m.group(0).startswith("多少") else "",
                               rest, count=1) + "的客户占比"
        else:
            return None
        p = self._complete(rewritten)
        if p is None or p.query.metric not in ("customer_share", "repeat_rate", "churn_rate"):
            return None
        p.notes.insert(0, f"'{aside.group(0).strip()}' after a count of customers read as their share "
                          f"of the customers the question scopes")
        return p

    def _cjk_country_typo(self, text: str, unexplained: list[str]) -> tuple[str, str, str] | None:
        """(text corrected, typo, country) when a leftover Chinese run, with at most filler characters beside it,
        is one character off exactly one Chinese country name, its first character kept: in a 3-character name
        any later character but a filler one ('西般牙'); in a 2-character name only its last character typed as
        a listed homophone ('德过', '瑞仕'; lexicon.LAST_CHAR_HOMOPHONES), since many everyday words are one
        character off one (日期 日本, 美元 美国, 欧洲 澳洲)."""
        names = {n: v for n, v in self.countries.items() if CJK.match(n) and 2 <= len(n) <= 3}
        hits = {}
        for run in unexplained:
            run = run.replace(" ", "")
            if not re.fullmatch(r"[\u4e00-\u9fff]{1,3}", run):
                continue
            for i in (m.start() for m in re.finditer(re.escape(run), text)):
                for n, country in names.items():
                    for a in range(max(0, i + len(run) - len(n)), i + 1):
                        window = text[a:a + len(n)]
                        if len(window) != len(n) or a + len(n) < i + len(run):
                            continue
                        outside = window[:i - a] + window[i - a + len(run):]
                        diff = [k for k in range(len(n)) if window[k] != n[k]]
                        typed = window[diff[0]] if len(diff) == 1 else ""
                        fits = (len(n) == 3 and typed not in L.FILLER_CJK) or \
                            (len(n) == 2 and typed in L.LAST_CHAR_HOMOPHONES.get(n[1], ""))
                        if len(diff) == 1 and diff[0] > 0 and fits and CJK.fullmatch(typed) \
                                and all(c in L.FILLER_CJK or c in n for c in outside) and window not in self.names:
                            hits[(window, a)] = (n, country)
        if len(set(hits.values())) != 1 or len(hits) != 1:
            return None
        (window, a), (name, country) = next(iter(hits.items()))
        return text[:a] + name + text[a + len(window):], window, country

    def _parse(self, question: str) -> Parse:
        notes: list[str] = []
        text = self._fix_typos(normalize(question), notes)
        t = _Text(text)
        clarify = None
        products, product_clarify = self._exact_products(t)
        churn_restated = list(self._take_all(t, L.CHURN_RESTATED))    # before periods: 'in the last 90 days'
        for m in churn_restated:
            notes.append(f"'{m.group(0).strip()}' {L.CHURN_RESTATED_NOTE}")
        if churn_restated:
            list(self._take_all(t, L.CHURN_WORD))     # '流失客户（超过90天未购买）': the churned, not 'rate or risk?'
        other_window = t.first(L.CHURN_OTHER_WINDOW)     # 'quiet for 60 days': not the layer's definition
        defined = self._definitions(t, notes)             # 'net revenue (gross minus returns)': one metric
        previous_ref = t.first(L.PREVIOUS_REF)
        change = bool(previous_ref)
        periods = self._periods(t)
        if len(_distinct_periods(periods)) == 1:      # '... in 2011 ... that year': the period already named
            for m in list(t.find(L.SAME_PERIOD_AGAIN)):
                if _unit_fits(m.group(0), periods[0]):
                    t.take(m.start(), m.end())
                    notes.append(f"'{m.group(0)}' read as {periods[0].label}")
        for m in list(t.find(L.INTENSIFIERS)):          # 'brand new customers'
            t.take(m.start(), m.end())
            notes.append(f"'{m.group(0).strip(' -')}' {HARMLESS_NOTE}")
        if other_window:
            clarify = Clarification(
                "The layer counts a customer as churned when their last purchase is more than 90 days before the "
                f"shop's today; it has no other window than that ('{other_window.group(0)}'). Use the 90 days?",
                [question_with(text, other_window.group(0), "超过90天没有" if CJK.search(other_window.group(0))
                               else "gone quiet for more than 90 days")])
        vague = ambiguous_period(t.text, self.as_of)     # 'last 3 months', 'last week': which window? ask
        if vague and not any(t.taken[t.text.index(vague[0]):t.text.index(vague[0]) + len(vague[0])]):
            t.take(t.text.index(vague[0]), t.text.index(vague[0]) + len(vague[0]))
            clarify = Clarification(vague[1], [question_with(text, vague[0].strip(), c) for c in vague[2]])
        begun = month_in_progress(t.text, self.as_of)    # 'December' on 10 December: so far, or last December?
        if begun and clarify is None:
            clarify = Clarification(begun[1], [question_with(text, begun[0].strip(), c) for c in begun[2]])
        change = bool(list(self._take_all(t, L.CHANGE))) or change
        if change:
            list(self._take_all(t, L.CHANGE_PERCENT))
        list(self._take_all(t, L.K_ANONYMITY_PHRASE))     # "only countries with enough customers": always so
        excluded = self._exclusions(t)
        for m in list(t.find(L.K_ANONYMITY_FLOOR)):       # '(only countries with at least 10 customers)'
            if self.k is not None and int(m.group("n")) <= self.k:
                t.take(m.start(), m.end())
                notes.append(f"'{m.group(0).strip()}': every answer already leaves out groups with fewer than "
                             f"{self.k} customers (the privacy floor)")
        same_period = bool(t.first(L.SAME_PERIOD))
        order_only = None
        for direction, pattern in L.ORDER_ONLY.items():
            if t.first(pattern):
                order_only = direction
        list(self._take_all(t, L.FILLER_PHRASES))      # 'at least once' before 'least' reads as a ranking
        spans: list[tuple[int, int, str]] = []          # where names were read: harmless words lean on them
        long_names = self._names(t, min_words=3, spans=spans)          # 'frequent big-spending customers' before metric words
        for pattern, ask, choices in L.AMBIGUOUS_EARLY:
            m = t.first(pattern)
            if m and not clarify:
                clarify = Clarification(ask, [question_with(text, m.group(0), c) for c in choices])
        top_pct = self._top_percent(t)
        share_customers = bool(t.first(L.SHARE_OF_CUSTOMERS) or t.first(L.SHARE_BEFORE_PERIOD)) \
            if top_pct is None else False
        if share_customers:     # '英国客户占全部客户的比例': 占 ... 比例 together say "share"
            list(self._take_all(t, r"占(?=\S*(?:比例|百分比|比重|份额|多少))|比例|百分比|比重|份额|占比"))
        condition = self._condition(t)
        above = None if condition else t.first(r"(\d+|[一二两三四五六七八九十])\s*(次|单|笔)\s*以上")
        if above and not clarify:     # '2次以上': at least 2 or more than 2? Usage differs: ask
            n, unit = above.group(1), above.group(2)
            clarify = Clarification(f"“{n}{unit}以上”是指至少{n}{unit}（含{n}{unit}），还是超过{n}{unit}？",
                                    [question_with(text, above.group(0), f"至少{n}{unit}"),
                                     question_with(text, above.group(0), f"超过{n}{unit}")])
        buyers_of = bool(t.first(L.BUYERS_OF))
        best_selling = bool(t.first(L.BEST_SELLING))
        ranked_number = self._number_before_noun(t)
        early = [m for m in t.find(L.DIMENSION_NOUNS["segment"]) if "客户" in m.group(0)]   # '客户群' before '客户'
        for m in early:
            t.take(m.start(), m.end())
        # "revenue per customer": customer is not a dimension (no answer lists individuals); "orders per customer"
        # and "value per customer" are metrics of their own
        # 'how many items' counts units where the question speaks of selling anywhere ('units sold in 2010 - how
        # many items in total?'), else a count of groups
        items = "" if re.search(L.ITEMS_ARE_UNITS, text) else "|items"
        how_many_groups = t.first(r"\bhow many (?:different |distinct )?(?:products|countries|categories|segments|"
                                  rf"clusters|months|skus{items})\b|(?:多少|几)(?:个|种|家)?(?:国家|市场|分群|聚类|"
                                  r"品类|类别|产品|商品|月)")     # a count of groups: not in the layer
        spend_per_customer = None if periods else t.first(L.SPEND_PER_CUSTOMER)   # with a period: ask (not all-time)
        if periods and clarify is None and re.search(L.SPEND_PER_CUSTOMER, t.text):
            spend = re.search(L.SPEND_PER_CUSTOMER, t.text).group(0)
            clarify = Clarification("Per customer I have average customer value (all-time gross spend per customer) "
                                    "and, within a period, net revenue per customer (net revenue / customers who "
                                    "bought in it). Which one?",
                                    [question_with(text, spend, "average customer value"),
                                     question_with(text, spend, "net revenue per customer")])
        revenue_per_customer = t.first(L.REVENUE_PER_CUSTOMER)    # before 'per customer' below takes its words
        per_customer = t.first(r"(?<!orders )(?<!order )(?<!value )(?<!orders does )(?<!orders do )(?<!orders did )"
                               r"\b(?:per|each|every|by|individual|single) "
                               r"(?:customer|buyer|client)s?\b|每个客户|每位客户|人均(?!订单)")
        if per_customer and per_customer.group(0).startswith("by ") and \
                re.search(rf"(?:{'|'.join(L.DIMENSION_NOUNS.values())})\s*$", t.text[:per_customer.start()]):
            t.taken[per_customer.start():per_customer.end()] = [False] * (per_customer.end() - per_customer.start())
            per_customer = None         # 'top 3 countries by customers': ranked by the number of customers
        items_bought = re.search(L.ITEMS_BOUGHT, t.text)     # 'how many xmas items did loyal customers buy'
        if items_bought and any(t.taken[items_bought.start(2):items_bought.end(2)]):
            items_bought = None
        if items_bought:
            t.take(*items_bought.span(1))
            t.take(*items_bought.span(2))
        metrics = self._metrics(t)
        metrics = [m for m in defined if m not in metrics] + metrics
        if items_bought and "units" not in metrics:
            metrics.insert(0, "units")
        if revenue_per_customer:
            metrics.insert(0, "revenue_per_customer")
        if spend_per_customer and "customer_value" not in metrics:
            metrics.insert(0, "customer_value")
            notes.append(f"'{spend_per_customer.group(0)}' read as average customer value (all-time spend per customer)")
        if "new_customers" in defined:      # 'how many customers made their first purchase in ...': one count
            metrics = [m for m in metrics if m != "customers"]
        if churn_restated and not {"churn_rate", "churned_customers"} & set(metrics):
            metrics.insert(0, "churned_customers")     # 'customers with no order for 90+ days': the churned
        if {"churned_customers", "churn_rate"} & set(metrics) or re.search(L.CHURN_WORD, text):
            list(self._take_all(t, L.CHURN_OLD))      # 老客户流失: the churned are old customers by definition
        if AVERAGES & set(metrics):          # the metric is itself an average: 'on average', 'avg' add nothing
            list(self._take_all(t, L.AVERAGE_WORDS))
        for pattern, ask, choices in L.AMBIGUOUS_METRICS:
            m = t.first(pattern) if re.search(pattern, text) else None    # lookaheads see the whole question
            if m and not clarify:
                clarify = Clarification(ask, [question_with(text, m.group(0), c) for c in choices])
        sold = bool(list(self._take_all(t, L.SELL_VERBS)))
        if not metrics and sold and re.search(r"\bhow many\b|多少件", text):
            metrics = ["units"]
        elif not metrics and sold and re.search(r"\bhow much\b|多少钱", text):
            metrics = ["revenue"]           # "how much did we sell": sales, i.e. net revenue (the reading says so)
        self._category_products(t)
        dims, singular = self._dimensions(t)
        if early and "segment" not in dims:
            dims.insert(0, "segment")
        limit, order = self._ranking(t)
        if ranked_number is not None:
            limit = ranked_number
        if order_only and limit is None:
            order = order_only
        if metrics and metrics[0] in HIGHER_IS_WORSE and re.search(L.JUDGEMENT_ORDER, text):
            order = "asc" if order == "desc" else "desc"     # 'worst returns first': the most returned first
        if top_pct is not None:
            limit = None          # "our biggest customers": the top X% is the ranking
        owned = set().union(*(L.METRIC_OWN_NAMES.get(m, set()) for m in metrics))
        entities = sorted(long_names + self._names(t, owned=owned, notes=notes, spans=spans))
        self._harmless_beside_names(t, spans, notes)
        entities = [e for _, e in entities]
        self._category_suffix(t)
        if len(entities) >= 2:              # 'UK vs Germany, who spent more': the comparison itself
            list(self._take_all(t, L.COMPARED_MORE))
        if not metrics and self._how_many_of_a_segment(text, entities):
            metrics = ["customers"]         # 'how many champions bought something': a count of customers
        elif metrics and "customers" not in metrics and any(k in ("segment", "cluster") for k, _ in entities) \
                and re.search(L.HOW_MANY_ARE_THERE, text):
            metrics = ["customers", *metrics]   # '<segment> - how many are there and their churn risk': both
        t.first(L.ALL_TIME)                 # "all time", "overall": no period, which is the default
        self._take_all_list(t, [L.BUY_VERBS, L.VERSUS, "|".join(L.FILLER_CJK_WORDS + L.CJK_VERBS)])
        runs = t.leftover_runs()
        # leftover words may name a product ("the regency cakestand"): exact, unique, or ask
        unexplained = []
        glosses = _glosses(question)
        for start, end, words in runs:
            gloss = self._explained_gloss(t, end, words, glosses)
            if gloss:           # '营收贡献(revenue)': the writer's own English says what the Chinese word means
                notes.append(f"'{words}' read by its gloss '{gloss}'")
                continue
            found = [] if set(words.split()) & L.LOGIC_WORDS or self._too_common_for_a_title(words) \
                else self._product_words(words)
            typo = None
            if not found and not set(words.split()) & L.LOGIC_WORDS:
                found, typo = self._product_one_typo(words)   # 'white hanging heart t-light holdr'
            if len(found) > MAX_PRODUCT_MATCHES and " " not in words.strip():
                found = []                  # one common word ('big', 'heart'): not a product name, just unexplained
            strong = len(found) == 1 and _covers(words, found[0])
            if strong:
                products.append(found[0])
                notes.append(f"'{words}' read as the product {found[0]}" + (f" (you wrote '{typo[0]}' for "
                                                                            f"'{typo[1]}')" if typo else ""))
            elif found and clarify is None:
                clarify = Clarification(
                    f"Several products match '{words}'. Which one do you mean?" if len(found) > 1 else
                    f"Do you mean the product {found[0]}?",
                    [question_with(question, words, f'"{title}"') for title in found[:MAX_CHOICES]])
            else:
                close = [c for c in self._close_names(words) if c[1].lower() != words.strip()]   # 'new products'
                if close and clarify is None:
                    clarify = Clarification(
                        f"I don't know '{words}'. Did you mean {' or '.join(v for _, v in close)}?",
                        [question_with(question, words, v) for _, v in close])
                unexplained.append(words)
        clarify = product_clarify or clarify
        if how_many_groups:
            unexplained.append(how_many_groups.group(0))
        if per_customer and not ({"frequency", "customer_value"} & set(metrics)):
            unexplained.append(per_customer.group(0))
        defaulted = not limit and ranked_number is None
        periods = _year_then_range(periods, text)
        query, problem = self._assemble(metrics, dims, entities, products, periods, change, top_pct, share_customers,
                                        condition, buyers_of, best_selling, limit, order, singular,
                                        bool(self._counted_customers(text, items_bought) or (re.search(HOW_MANY_ALONE, text) and not items_bought)
                                             or re.search(L.METRIC_LIST_CUSTOMERS, text)),
                                        bool(re.search(L.BUY_VERBS, text)), bool(re.search(L.PREDICTED_COUNT, text)),
                                        bool(share_customers and buyers_of and re.search(L.SHARE_OF_BUYERS_ARE, text)))
        if problem and clarify is None and not unexplained:
            clarify = problem
        if query is not None and excluded:
            query = replace(query, exclude=excluded)
        if query is not None and query.bought and (query.time or query.compare) and not same_period \
                and clarify is None and not unexplained:
            # 'what did customers who bought X spend this year': bought in that period, or ever? The layer can
            # only answer the first; say so and offer it
            clarify = Clarification("Customers who bought it in the same period (what I can answer), or customers "
                                    "who ever bought it?", [canonical(query)])
            query = None
        if query is not None and query.change and query.compare and previous_ref and clarify is None:
            days = _days_named(previous_ref.group(0))
            prev = query.compare[1]
            length = (pd.Timestamp(prev.end) - pd.Timestamp(prev.start)).days
            if days and days != length:     # 'last month vs the previous 30 days': the windows differ; ask
                clarify = Clarification(f"The period before is {length} days long, not {days}. Compare with the "
                                        "period of the same length just before?", [canonical(query)])
                query = None
        if query is not None and clarify is None and not unexplained:
            query, clarify = self._value_word(t, text, query, notes)
        if query is not None and defaulted and query.limit and query.limit > 1:
            notes.append(f"{DEFAULT_TOP_NOTE} {query.limit}")
        return Parse(query if not clarify else None, unexplained, clarify, notes)

    @staticmethod
    def _counted_customers(text: str, items_bought: re.Match | None) -> bool:
        """'how many customers ...' asks a count of customers; in 'how many items did customers in France buy' the
        'how many' counts the items."""
        return any(not (items_bought and items_bought.start() <= m.start() < items_bought.end())
                   for m in re.finditer(COUNTED_CUSTOMERS, text))

    @staticmethod
    def _value_word(t: _Text, text: str, query: Query, notes: list[str]) -> tuple[Query | None, Clarification | None]:
        """'value' / 'worth' read by no explainer (only a filler word) beside figures that are all counts would
        vanish silently ('the value of orders' answered as a number of orders): ask money or number. 'The value of
        our customers' / 'value per customer' asks: average customer value (all-time) or net revenue per customer."""
        if re.search(L.VALUE_OF_CUSTOMERS, text) and query.metric == "customer_value" and not query.also:
            return None, Clarification(     # two blind writers read it two ways: all-time value or revenue per head
                "By the value of customers, do you mean average customer value (all-time gross spend per customer) "
                "or net revenue per customer?",
                [canonical(query), canonical(replace(query, metric="revenue_per_customer"))])
        dropped = [m.group(0) for m in re.finditer(L.VALUE_WORD, t.text) if not any(t.taken[m.start():m.end()])]
        figures = [query.metric, *query.also]
        if dropped and all(METRICS[m].kind == "count" for m in figures):
            money = replace(query, metric="revenue", also=[], condition=None) \
                if query.metric not in ("matching_customers", "customer_share") else None
            return None, Clarification(
                f"'{dropped[0]}' with {' and '.join(METRICS[m].label for m in figures)}: do you mean money "
                f"(net revenue) or the number?", [canonical(money)] * bool(money) + [canonical(query)])
        return query, None

    # ------------------------------------------------------------ explainers
    def _fix_typos(self, text: str, notes: list[str]) -> str:
        """Snap a misspelt word to the layer's own vocabulary only when exactly one close word exists."""
        out = []
        text = spelling.unglue_numbers(text)
        for word, gloss, meaning in L.GLOSSED:      # '客群(segment)': the gloss says which reading
            for pair in (rf"(?:{word})(?P<noun>\s*(?:的)?(?:客户|顾客))?\s*(?:{gloss})(?![a-z])",
                         rf"(?<![a-z])(?:{gloss})\s*(?:{word})(?P<noun>)"):     # '沉睡客户(hibernating)' too
                m = re.search(pair, text)
                if m:
                    notes.append(f"read '{m.group(0)}' as '{meaning}'")
                    text = text[:m.start()] + f" {meaning}{m.group('noun') or ''} " + text[m.end():]
        for word, readings in L.NAME_SETTLES:       # 'at risk 客群': a segment's name says which reading
            m = re.search(word, text)
            named = {key for name, (key, _) in self.names.items() if key in readings and len(name) >= 2
                     and re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", text)} if m else set()
            if len(named) == 1:
                meaning = readings[named.pop()]
                notes.append(f"read '{m.group(0)}' as '{meaning}' (the question names one)")
                text = text[:m.start()] + f" {meaning} " + text[m.end():]
        for typo, word in L.CJK_TYPOS.items():      # '复够率': the homophone of a layer word, read with a note
            if typo in text:
                text = text.replace(typo, word)
                notes.append(f"read '{typo}' as '{word}'")
        for word in text.split(" "):
            plain = word.strip(".'-\"")
            if plain.isascii() and plain.isalpha() and len(plain) >= 6 and plain not in self.known_words:
                glued = spelling.split_glued(plain, self.typo_set | L.FILLER)
                if glued and set(glued.split()) & L.FILLER:
                    d = spelling.allowed_distance(plain)
                    if any(spelling.edit_distance(plain, w) <= d and w not in L.KNOWN_WORDS | L.FILLER
                           for w in self.name_words):
                        glued = None    # 'loyalits': a name one letter off, not 'loyal' + 'its'
                if glued:               # 'lastmonth' -> 'last month'
                    notes.append(f"read '{plain}' as '{glued}'")
                    out.append(word.replace(plain, glued))
                    continue
            previous = out[-1].strip(".'-\"") if out else ""
            if plain.isascii() and plain.isalpha() and 3 <= len(plain) <= 5 and previous in L.METRIC_PAIRS \
                    and plain not in L.METRIC_PAIRS[previous] and plain not in L.LOGIC_WORDS:
                fits = [w for w in L.METRIC_PAIRS[previous] if spelling.edit_distance(plain, w) == 1]
                if len(fits) == 1:      # 'churn rte': the one word a metric's first word takes, one edit off
                    notes.append(f"read '{plain}' as '{fits[0]}'")
                    out.append(word.replace(plain, fits[0]))
                    continue
            if plain.isascii() and plain.isalpha() and len(plain) >= 3 and plain not in self.known_words:
                if len(plain) == 3:         # 'tpo': only two letters swapped, never a guess by similarity
                    close = self._transposed(plain)
                    if len(close) == 1:
                        notes.append(f"read '{plain}' as '{close[0]}'")
                        word = word.replace(plain, close[0])
                    out.append(word)
                    continue
                close = difflib.get_close_matches(plain, self.typo_targets, n=2, cutoff=0.85)
                if len(close) == 2 and (close[0].startswith(close[1]) or close[1].startswith(close[0])):
                    close = close[:1]       # 'custmers': customers / customer, one word
                if not close:
                    close = self._transposed(plain)
                if not close:
                    close = self._nearest_known(plain, notes)
                elif len(close) == 1:
                    notes.append(f"read '{plain}' as '{close[0]}'")
                if len(close) == 1:
                    word = word.replace(plain, close[0])
            out.append(word)
        return " ".join(out)

    def _nearest_known(self, plain: str, notes: list[str]) -> list[str]:
        """The one known word or one-word country name nearest by edit distance (none if tied); the note says it."""
        found = spelling.nearest(plain, self.spell_pool, spelling.allowed_distance(plain),
                                 same=lambda a, b: self.countries.get(a, a) == self.countries.get(b, b))
        if found is None or (found not in self.typo_set and found not in L.FILLER and found not in self.countries
                             and (len(plain) < MIN_TITLE_TYPO or plain in common_english())):   # 'nothing' is no typo
            return []               # 'doing' is not a typo of the title word 'ding'; 'cakstand' may be 'cakestand'
        if found in self.countries:
            notes.append(f"{self.countries[found]} (you wrote '{plain}')")
        else:
            notes.append(f"read '{plain}' as '{found}'")
        return [found]

    def _transposed(self, word: str) -> list[str]:
        """Layer words, or filler words of four letters or more, that `word` spells with two neighbouring letters
        swapped ('lsat' -> 'last', 'mnay' -> 'many')."""
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)} - {word}
        return sorted(swaps & (self.typo_set | LONG_FILLER))

    def _close_names(self, words: str) -> list[tuple[str, str]]:
        """Countries, segments, clusters or categories whose name resembles `words` (asked about, never assumed)."""
        close = difflib.get_close_matches(words, list(self.names), n=3, cutoff=0.75)
        return list(dict.fromkeys(self.names[c] for c in close))

    def _exact_products(self, t: _Text) -> tuple[list[str], Clarification | None]:
        found, clarify = [], None
        for m in list(t.find(r'"([^"]+)"')):
            title = self.titles.get(m.group(1).strip())
            t.take(m.start(), m.end())
            if title:
                found.append(title)
            else:
                choices = self._product_words(m.group(1).strip())
                clarify = Clarification(f"No product is called exactly '{m.group(1)}'. Which one do you mean?",
                                        [f'"{c}"' for c in choices[:MAX_CHOICES]])
        for low in sorted(self.titles, key=len, reverse=True):
            if len(low) < 6 or low not in t.text:
                continue
            for m in t.find(rf"(?<![a-z0-9]){re.escape(low)}(?![a-z0-9])"):
                t.take(m.start(), m.end())
                found.append(self.titles[low])
                longer = self._titles_containing(low)
                if len(longer) >= GENERIC_TITLE and clarify is None:   # 'heart t-light holder': that one, or ...?
                    clarify = Clarification(
                        f"'{self.titles[low]}' is one product, and {len(longer)} others have those words in their "
                        "names. Which one do you mean?",
                        [question_with(t.text, low, f'"{c}"') for c in [self.titles[low], *longer][:MAX_CHOICES]])
                noun = re.match(PRODUCT_NOUN_AFTER_TITLE, t.text[m.end():])   # 'X 这款产品': X, not a breakdown
                if noun:
                    t.take(m.end(), m.end() + noun.end())
        return found, clarify

    def _titles_containing(self, low: str) -> list[str]:
        """Other titles with the whole title `low` inside them, shortest first."""
        inside = re.compile(rf"(?<![a-z0-9]){re.escape(low)}(?![a-z0-9])")
        return sorted((title for other, title in self.titles.items() if other != low and inside.search(other)),
                      key=lambda x: (len(x), x))

    def _too_common_for_a_title(self, words: str) -> bool:
        """One common English word ('back' in 'came back', 'second') never starts product resolution: a product
        is named by a phrase that matches its title substantially, or by its whole one-word title."""
        content = [w for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", words) if w not in L.FILLER]
        return len(content) == 1 and content[0] in common_english() and content[0] not in self.titles

    def _product_words(self, words: str) -> list[str]:
        """Titles containing every content word of `words` (whole words), shortest first."""
        content = [w for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", words) if w not in L.FILLER]
        if not content or CJK.search(words):
            return []
        pats = [re.compile(rf"(?<![a-z0-9]){re.escape(w)}(?:s|es)?(?![a-z0-9])") for w in content]
        hits = [title for low, title in self.titles.items() if all(p.search(low) for p in pats)]
        if not hits and len(content) > 1:       # 'cake stand' for 'Cakestand': the words run together
            squashed = "".join(content)
            hits = [title for low, title in self.titles.items() if squashed in re.sub(r"[^a-z0-9]", "", low)]
        return sorted(hits, key=lambda x: (len(x), x))

    def _product_one_typo(self, words: str) -> tuple[list[str], tuple[str, str] | None]:
        """Titles that every content word of `words` names exactly but one, that one being within
        TITLE_TYPO_DISTANCE edits of a word of the title ('holdr' in 'white hanging heart t-light holdr'), and
        (misspelt, title word) when there is one such title. At least two words must match exactly, or, with
        two words, the corrected words must be the whole title ('popcorn holdr': Popcorn Holder, not Large
        Popcorn Holder)."""
        content = [w for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", words) if w not in L.FILLER]
        if len(content) < 2 or CJK.search(words):
            return [], None
        hits: dict[str, tuple[str, str]] = {}
        for low, title in self.titles.items():
            title_words = re.findall(r"[a-z0-9][a-z0-9'\-]*", low)
            missing = [w for w in content if not any(t == w or t in (w + "s", w + "es") for t in title_words)]
            if len(missing) != 1 or not MIN_TITLE_TYPO_SHORT <= len(missing[0]) or (
                    missing[0] in common_english()
                    and not any(spelling.spelling_variant(missing[0], t) for t in title_words)):
                continue        # 'nothing' spelt right is no typo of 'notting'; 'color' is the title's 'colour'
            close = [t for t in title_words if t not in content
                     and spelling.edit_distance(missing[0], t) <= TITLE_TYPO_DISTANCE]
            if len(close) != 1:
                continue
            corrected = sorted(close[0] if w == missing[0] else w for w in content)
            if len(content) >= 3 or corrected == sorted(title_words):     # two words: the whole title
                hits[title] = (missing[0], close[0])
        found = sorted(hits, key=lambda x: (len(x), x))
        return found, (hits[found[0]] if len(found) == 1 else None)

    @staticmethod
    def _explained_gloss(t: _Text, end: int, words: str, glosses: list[tuple[str, str]]) -> str | None:
        """The English gloss right after the Chinese `words` (ending at `end`) when every word of it is explained."""
        if not re.fullmatch(r"[\u4e00-\u9fff ]+", words):
            return None
        for chinese, english in glosses:
            if words.replace(" ", "") not in chinese:
                continue
            m = re.match(r"[\s\u4e00-\u9fff]{0,4}?\s*" + re.escape(english), t.text[end:])
            if m is None:
                continue
            start = end + m.end() - len(english)
            gloss_words = [(start + w.start(), start + w.end(), w.group(0)) for w in re.finditer(r"[a-z0-9]+", english)]
            if any(w not in L.FILLER | GENERIC_GLOSS for _, _, w in gloss_words) and all(
                    w in L.FILLER or all(t.taken[a:b]) for a, b, w in gloss_words):
                return english
        return None

    def _definitions(self, t: _Text, notes: list[str]) -> list[str]:
        """Explain a metric's definition said beside the metric's own name (lexicon.DEFINITIONS), with a note; the
        metrics a formula names on its own ('gross sales minus returns': net revenue) are returned."""
        alone = []
        for metric, pattern in L.DEFINITIONS:
            for m in list(t.find(pattern)):
                rest = t.text[:m.start()] + " " * (m.end() - m.start()) + t.text[m.end():]
                named = any(name == metric and re.search(p, rest) for name, p in L.METRIC_PHRASES)
                if named or (metric in L.DEFINITION_NAMES and re.search(L.DEFINITION_NAMES[metric], t.text)):
                    t.take(m.start(), m.end())
                    notes.append(f"'{m.group(0).strip()}' {L.DEFINITION_NOTE} {METRICS[metric].label}")
                    if not named:
                        alone.append(metric)
                    break
        return alone

    def _periods(self, t: _Text):
        found = [(span, p) for span, p in find_periods(t.text, self.as_of) if not any(t.taken[span[0]:span[1]])]
        for (start, end), _ in found:
            t.take(start, end)
        return [p for _, p in found]

    def _take_all(self, t: _Text, pattern: str):
        for m in list(t.find(pattern)):
            t.take(m.start(), m.end())
            yield m

    def _take_all_list(self, t: _Text, patterns: list[str]) -> None:
        for pattern in patterns:
            list(self._take_all(t, pattern))

    def _top_percent(self, t: _Text) -> float | None:
        m = t.first(L.TOP_PERCENT)
        if not m:
            return None
        list(self._take_all(t, r"\b(?:share|percentage|proportion|percent|portion|fraction|contribution|slice|chunk|"
                                  r"part)\b|\bwhat %|%(?= of (?:[\w']+ ){0,3}?(?:revenue|sales|takings|turnover)\b)|"
                                  r"占比|比例|份额|贡献"))
        return float(next(g for g in m.groups() if g))

    def _condition(self, t: _Text) -> Condition | None:
        """The order-count condition ('at least 2 orders', 回头客, 至少下过两单); a second phrase saying the same
        ('回头客（至少下过两单的）') is explained too, one saying something else stays unexplained (the question asks)."""
        found = list(self._conditions(t))
        for m, c in found:
            if c == found[0][1]:
                t.take(m.start(), m.end())
        return found[0][1] if found else None

    def _conditions(self, t: _Text):
        """(match, Condition) for the first match of each condition phrase, in priority order."""
        for pattern, (kind, op, value) in L.CONDITIONS:
            for m in t.find(pattern):         # every match: '回头客(repeat customers)' says it twice
                yield m, Condition(kind, op, value)
        n = r"(\d+|" + "|".join(w for w in L.NUMBER_WORDS if w.isascii()) + ")"
        thing = r"(?:orders|purchases|times|order|purchase|time)"
        forms = [(rf"\b(?:at least|minimum of|min) {n} {thing}\b|\b{n} or more {thing}\b|\b{n} ?\+ ?{thing}\b", ">="),
                 (rf"\bmore than {n} {thing}\b|\bover {n} {thing}\b", ">"),
                 (rf"\b(?:at most|no more than|up to) {n} {thing}\b", "<="),
                 (rf"\b(?:fewer|less) than {n} {thing}\b", "<"),
                 (rf"\b(?:exactly|only|just)? ?{n} {thing}\b", "=")]
        for pattern, op in forms + L.CONDITIONS_CN:
            m = next(t.find(pattern), None)
            if m:
                word = next(g for g in m.groups() if g)
                yield m, Condition("orders", op, int(word) if word.isdigit() else L.NUMBER_WORDS[word])

    def _number_before_noun(self, t: _Text) -> int | None:
        """'10 best-selling products', 'which 3 categories', '最高的三个国家': a number naming how many groups."""
        words = "|".join(w for w in L.NUMBER_WORDS if w.isascii())
        nouns = "|".join(L.DIMENSION_NOUNS.values())
        m = t.first(rf"(?<!least )(?<!exactly )(?<!than )(?<!only )(?<!just )(?<!most )"
                    rf"\b(\d+|{words})\b(?= (?:[\w\-]+ )?(?:{nouns}))|"
                    rf"(?<![a-z])(\d+|[一二两三四五六七八九十]+)\s*(?:个|家|大|款|种|类)?(?=\s*(?:{nouns}))")   # not 'top5'
        if not m:
            return None
        word = next(g for g in m.groups() if g)
        return int(word) if word.isdigit() else L.NUMBER_WORDS.get(word)

    def _category_products(self, t: _Text) -> None:
        """'Christmas products', '圣诞类产品': the product noun names the category's products, not a breakdown;
        after a number ('top 3 christmas products', '前三个圣诞产品') it is the breakdown, the category a filter."""
        names = "|".join(re.escape(n) for n, (key, _) in self.names.items() if key == "category")
        counted = r"(?:\b\d+|\b(?:" + "|".join(w for w in L.NUMBER_WORDS if w.isascii()) + r")|[一二两三四五六七八九十]+)" \
                  r"\s*(?:个|款|种)?\s*$"
        for m in list(t.find(rf"(?:{names})(\s*(?:类|类的|的)?\s*(?:products|items|产品|商品))")):
            if not re.search(counted, t.text[:m.start()]):
                t.take(m.start(1), m.end(1))

    def _metrics(self, t: _Text) -> list[str]:
        """Metrics named, in the order the question names them."""
        found: dict[str, int] = {}
        said: dict[str, list[str]] = {}
        for metric, pattern in L.METRIC_PHRASES:
            if metric == "top_share":
                continue
            for m in list(t.find(pattern)):
                t.take(m.start(), m.end())
                found.setdefault(metric, m.start())
                said.setdefault(metric, []).append(m.group(0))
        if "gross_sales" in found and "revenue" in found \
                and all(re.search(L.GROSS_QUALIFIER, w) for w in said["gross_sales"]) \
                and all(re.fullmatch(L.BARE_REVENUE, w) for w in said["revenue"]):
            found["gross_sales"] = min(found.pop("revenue"), found["gross_sales"])   # 'sales ... before returns'
        return sorted(found, key=found.get)

    def _dimensions(self, t: _Text) -> tuple[list[str], bool]:
        """Dimensions named, and whether one was named in the singular ("which month" asks for one)."""
        found, singular = [], False
        for dim, pattern in L.DIMENSION_NOUNS.items():
            for m in list(t.find(pattern)):
                t.take(m.start(), m.end())
                word = m.group(0)
                before = t.text[max(0, m.start() - 3):m.start()]
                if not word.isascii():
                    singular = singular or "哪个" in before or bool(re.search(r"哪(?:一)?个|哪家", t.text))
                elif not re.search(r"(?:s|ies|monthly|by month)$", word) and not re.search(
                        r"\b(?:by|per|each|every|across)\s+$", t.text[max(0, m.start() - 8):m.start()]):
                    singular = True     # 'which country' asks for one; 'by country' is a breakdown
                if dim not in found:
                    found.append(dim)
        return found, singular

    def _ranking(self, t: _Text) -> tuple[int | None, str]:
        limit, order = None, "desc"
        words = "|".join(w for w in L.NUMBER_WORDS if w.isascii())
        m = t.first(rf"\b(?:top|first|bottom|best|worst|biggest|largest|leading|highest|lowest|smallest)"
                    rf"(?: (\d+|{words})|(\d+))\b|"                   # 'top 5', 'top5'
                    rf"\b(\d+|{words}) (?:biggest|largest|best|top|leading|highest|lowest|smallest|worst|most|least)\b|"
                    r"(?:前|后|最后)(\d+|[一二两三四五六七八九十]+)(?:名|个|大)?")
        if m:
            word = next(g for g in m.groups() if g)
            limit = int(word) if word.isdigit() else L.NUMBER_WORDS.get(word)
            if re.search(r"bottom|worst|lowest|smallest|least|后", m.group(0)):
                order = "asc"
        if t.first(L.RANK_ASC) or ("哪" in t.text and t.first(L.RANK_PREDICATE["asc"])):
            order = "asc"
            limit = limit or 0
        elif t.first(L.RANK_DESC) or ("哪" in t.text and t.first(L.RANK_PREDICATE["desc"])):
            limit = limit or 0          # 0: ranking asked, no size given
        return limit, order

    def _names(self, t: _Text, min_words: int = 1, owned: set = frozenset(), notes: list[str] | None = None,
               spans: list | None = None) -> list[tuple[int, tuple[str, str]]]:
        """(position, (filter key, value)) of the names in the question with at least `min_words` words.

        A name in `owned` written bare ("new" in "new-customer acquisition") is a word of the question's metric:
        it is explained by the metric and never also becomes a filter (one word, one meaning)."""
        found: dict[tuple[str, str], int] = {}
        for name in sorted(self.names, key=len, reverse=True):
            if name not in t.text or (len(name.split()) < min_words and name not in self.early_names):
                continue
            if name.isascii():
                pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
            else:
                pattern = re.escape(name)
            for m in list(t.find(pattern)):
                t.take(m.start(), m.end())
                named_as_such = re.match(rf"\W*(?:{L.DIMENSION_NOUNS[self.names[name][0]]})", t.text[m.end():]) \
                    if self.names[name][0] in L.DIMENSION_NOUNS else None     # "the new segment": the segment
                if name in L.ADJECTIVE_SEGMENTS and self.names[name][0] == "segment" \
                        and re.match(L.NOT_A_SEGMENT_AFTER, t.text[m.end():]):
                    t.taken[m.start():m.end()] = [False] * (m.end() - m.start())
                    continue            # 'new products': not the segment 'new'; the word stays unexplained
                if self.names[name] in owned and name == self.names[name][1].lower() and not named_as_such:
                    if notes is not None:
                        notes.append(f"'{name}' read as part of the metric, not as the {self.names[name][0]} filter")
                    continue
                found.setdefault(self.names[name], m.start())
                if spans is not None:
                    spans.append((m.start(), m.end(), self.names[name][0]))
        return sorted((pos, key) for key, pos in found.items())

    @staticmethod
    def _harmless_beside_names(t: _Text, spans: list[tuple[int, int, str]], notes: list[str]) -> None:
        """Words of the closed harmless list right beside a name: a restrictor restating the filter ('UK only',
        'just Germany', 仅英国) and a collective noun after a segment or cluster ('the hibernating lot', 这群人).
        Never beside a category or product ('only Christmas products' may mean something else)."""
        def take(a: int, b: int) -> None:
            if b > a and not any(t.taken[a:b]):
                t.take(a, b)
                notes.append(f"'{t.text[a:b].strip()}' {HARMLESS_NOTE}")
        for start, end, key in spans:
            if key not in ("country", "segment", "cluster"):
                continue
            before = re.search(L.RESTRICTOR_BEFORE, t.text[:start])
            if before:
                take(before.start(), before.end())
            for pattern in (L.RESTRICTOR_AFTER, L.COLLECTIVE_AFTER_GROUP if key != "country" else L.PLACE_AFTER_COUNTRY):
                m = re.match(pattern, t.text[end:]) if pattern else None
                if m:       # only the harmless word itself: the noun before it may be explained already
                    word = "w" if "w" in m.groupdict() and m.group("w") else "z"
                    take(end + m.start(word), end + m.end(word))

    def _category_suffix(self, t: _Text) -> None:
        """'厨房餐具类', '圣诞品类': the category word after a Chinese category name."""
        for m in list(t.find(r"(?<=[\u4e00-\u9fff])(?:品类|类别|类)|(?<=[a-z] )(?:品类|类别|类目|类)")):   # 'easter 类'
            before = m.start() - (2 if t.text[m.start() - 1] == " " else 1)
            if before >= 0 and t.taken[before]:
                t.take(m.start(), m.end())

    def _how_many_of_a_segment(self, text: str, entities: list[tuple[str, str]]) -> bool:
        names = [re.escape(n) for n, (key, _) in self.names.items() if key in ("segment", "cluster") and n.isascii()]
        return bool(names and re.search(rf"\bhow many (?:of (?:our |the )?)?(?:{'|'.join(names)})\b", text)) or bool(
            any(key in ("segment", "cluster") for key, _ in entities)
            and re.search(r"\bhow many of (?:them|those|these|that group)\b", text))    # 'loyal - how many of them' 

    # ------------------------------------------------------------ assembly
    def _assemble(self, metrics, dims, entities, products, periods, change, top_pct, share_customers, condition,
                  buyers_of, best_selling, limit, order, singular=False, counted_customers=False, buy_verb=False,
                  predicted_count=False, base_is_buyers=False) -> tuple[Query | None, Clarification | None]:
        """A Query from the explained parts, or a clarifying question when they do not make one question."""
        if not metrics and buyers_of:
            metrics = ["customers"]
        if top_pct is not None:
            metrics = [m for m in metrics if m not in ("revenue", "customers")]
            metrics.insert(0, "top_share")
        if best_selling:
            who = [m for m in metrics if m in ("new_customers", "returning_customers", "churned_customers")]
            if who:     # "best selling products to new customers": the layer can't restrict sales to those
                label = METRICS[who[0]].label
                scope = describe_scope(None, {}, products, periods)
                return None, Clarification(
                    f"I can't restrict best-selling products to {label}. I can rank all products, or count {label}."
                    " Which one?", [f"best-selling products {scope}".strip(), f"{who[0].replace('_', ' ')} {scope}".strip()])
            metrics = [m for m in metrics if m != "customers"] or ["units"]
            limit = limit or 0
            if not dims:
                dims = ["product"]
        if "new_customers" in metrics and not periods and "month" not in dims:
            return None, Clarification(
                "'New customers' counts customers by their first purchase in a period, or you may mean the RFM "
                "segment 'new'. Which one?",
                ["how many customers are in the new segment", "how many new customers last month",
                 "how many new customers this year"])
        if "churned_customers" in metrics:
            if share_customers or "churn_rate" in metrics:     # "what share have gone quiet": the churn rate
                metrics = ["churn_rate" if m == "churned_customers" else m for m in metrics]
                metrics = list(dict.fromkeys(m for m in metrics if m != "customers"))
                share_customers = False
            elif condition is None:
                metrics = [m for m in metrics if m != "customers"]      # "how many customers churned": a count
        if "returning_customers" in metrics and condition is None and not share_customers:
            metrics = [m for m in metrics if m != "customers"]
        if share_customers and {"churn_rate", "repeat_rate"} & set(metrics):
            share_customers = False     # "what share have churned": the rate is itself a share of customers
        if share_customers:
            metrics = [m for m in metrics if m != "customers"]
            amounts = [m for m in metrics if m != "returning_customers"]
            if amounts:        # "what share of revenue comes from the UK": a share of a figure, not of customers
                return None, Clarification(
                    f"I don't compute a share of {METRICS[amounts[0]].label} for a group; I can give "
                    f"{METRICS[amounts[0]].label} for the group and for every group side by side. Which one?",
                    [f"{amounts[0]} {describe_scope(None, {}, products, periods)}".strip() + "".join(
                        f" in {v}" for _, v in entities)] + [f"{amounts[0]} by {k}" for k, _ in entities[:1]])
            if "returning_customers" in metrics:
                metrics.remove("returning_customers")
                condition = Condition("returned")
        elif condition is not None:
            others = [m for m in metrics if m != "customers"]
            if others:         # "revenue from repeat customers": the layer counts such customers, no more
                return None, Clarification(
                    f"I can count customers who {condition_words(condition)}, but I can't compute "
                    f"{' or '.join(others)} for only those customers. Count them instead?",
                    [f"how many customers {condition_words(condition)}", f"{others[0]} " +
                     describe_scope(None, {}, products, periods)])
            metrics = ["matching_customers"]
        probability = [m for m in metrics if METRICS[m].kind == "probability"]
        if probability and counted_customers and predicted_count:
            # "how many customers are likely to churn": no count by a predicted probability in the layer
            scope = describe_scope(None, {k: v for k, v in entities}, products, periods)
            return None, Clarification(
                f"I can't count customers by a predicted probability. I can give their {METRICS[probability[0]].label}"
                ", or count a segment (e.g. 'at risk'). Which one?",
                [f"{probability[0].replace('_', ' ')} {scope}".strip(), "how many customers are in the at risk segment"])
        if len(metrics) > 1 and "customers" in metrics and not counted_customers:
            metrics.remove("customers")     # "revenue from champion customers": customers names who, not a count
        # group-by cues: a dimension noun with the same dimension's value named is a filter, not a grouping
        filters: dict[str, list[str]] = {}
        for key, value in entities:
            filters.setdefault(key, []).append(value)
        group_by = None
        grouping = [d for d in dims if d not in filters or len(filters[d]) > 1]
        if len(grouping) > 1:
            grouping = [d for d in grouping if d != "product"] if products or best_selling is False else grouping
        if len(grouping) > 1:
            return None, Clarification(f"Should I break this down by {' or by '.join(grouping)}?",
                                       [f"{', '.join(metrics) or 'customers'} by {d}" for d in grouping])
        if grouping:
            group_by = grouping[0]
        for key, values in filters.items():
            if len(values) > 1 and group_by not in (None, key):
                return None, Clarification(f"Compare {' and '.join(values)} side by side, or one of them?",
                                           [f"{metrics[0] if metrics else 'customers'} for {v}" for v in values])
            if len(values) > 1:
                group_by = key          # "UK vs Germany": one row each
                if limit == 0:
                    limit = None        # "which of UK and Germany is higher": both rows, highest first
        if share_customers:
            if condition is None:
                cond_keys = [k for k in ("country", "segment", "cluster") if k in filters and len(filters[k]) == 1]
                bought_named = products or len(filters.get("category", [])) == 1
                if base_is_buyers and bought_named and len(cond_keys) == 1:
                    # 'customers who bought X - what % are loyal': X's buyers are the base, the group the part
                    condition = Condition(cond_keys[0], "=", filters.pop(cond_keys[0])[0])
                elif base_is_buyers and bought_named:
                    return None, Clarification("Of the customers who bought it, what share are in which group?",
                                               ["what share of customers are in the UK"])
                elif products:
                    condition = Condition("bought_product", "=", products.pop())
                elif "category" in filters and len(filters["category"]) == 1:
                    condition = Condition("bought_category", "=", filters.pop("category")[0])
                elif len(cond_keys) == 1:
                    condition = Condition(cond_keys[0], "=", filters.pop(cond_keys[0])[0])
                else:
                    return None, Clarification("A share of customers who do what? For example:",
                                               ["what share of customers placed exactly one order",
                                                "what percentage of customers are in the UK",
                                                "what share of customers returned something"])
            metrics = ["customer_share"]
        if not metrics:
            if group_by or filters or products or periods:
                return None, Clarification("Which figure would you like?",
                                           [f"{m} {describe_scope(group_by, filters, products, periods)}".strip()
                                            for m in ("revenue", "customers", "orders", "units sold")])
            return None, Clarification("I can answer questions about revenue, gross sales, returns, orders, units, "
                                       "customers, repeat purchase rate, new customers, churn and shares. What would "
                                       "you like to know?",
                                       ["total revenue", "revenue by country", "customers by segment",
                                        "repeat purchase rate"])
        who = {"new_customers", "returning_customers", "churned_customers"} & set(metrics)
        if len(metrics) > 1 and who and not counted_customers:   # "revenue from new customers": a filter, not a count
            return None, Clarification(
                f"I can't restrict {' or '.join(m for m in metrics if m not in who)} to {METRICS[who.pop()].label};"
                " I can give each figure on its own. Which one?",
                [f"{m.replace('_', ' ')} {describe_scope(group_by, filters, products, periods)}".strip()
                 for m in metrics])
        if len(metrics) > MAX_METRICS or (len(metrics) > 1 and ("top_share" in metrics or change or top_pct)):
            return None, Clarification(f"Which figure: {' or '.join(metrics)}?",
                                       [f"{m} {describe_scope(group_by, filters, products, periods)}".strip()
                                        for m in metrics])
        metric, also = metrics[0], metrics[1:]
        if metrics == ["customers"] and buy_verb and not (counted_customers or group_by or products
                                                          or "category" in filters or condition):
            # "what do at-risk customers buy": asks what they buy, not how many they are
            scope = describe_scope(None, filters, [], periods)
            return None, Clarification("What they buy by category, or the best-selling products?",
                                       [f"customers by category {scope}".strip(),
                                        f"best-selling products {scope}".strip()])
        bought: dict[str, str] = {}
        if len(products) > 1 and group_by is None:
            return None, Clarification("Which product?", [f'"{p}"' for p in products[:MAX_CHOICES]])
        if products:
            if buyers_of and metric not in ("customers", "matching_customers", "customer_share"):
                bought["product"] = products[0]
            else:
                filters["product"] = products[:1]
        if buyers_of and metric not in ("customers", "matching_customers", "customer_share") \
                and len(filters.get("category", [])) == 1 and not bought:
            bought["category"] = filters.pop("category")[0]
        time, compare = None, []
        periods = _distinct_periods(periods)   # 'bought in 2011 ... more than once in 2011': one period, not 2011 vs 2011
        if len(periods) == 2 and not change:
            compare = periods
        elif len(periods) > 2:
            return None, Clarification("Which period?", [f"{metric} {p.label}" for p in periods])
        elif periods:
            time = periods[-1] if change else periods[0]
        if change:
            if time is None:
                return None, Clarification("Change over which period?",
                                           [f"{metric} change last month vs the previous month",
                                            f"{metric} change last quarter vs the previous quarter"])
            if len(periods) == 2:
                compare = [periods[0], periods[1]]
            else:
                compare = [time, previous_window(time)]
        ranked = limit is not None
        if limit == 0:
            limit = 1 if singular else (None if group_by == "month" else 10)
        if group_by is None and ranked:
            if best_selling or limit:
                group_by = "product" if metric in ("units", "revenue", "gross_sales") and best_selling else group_by
            if group_by is None:
                return None, Clarification(f"Top {limit} of what?",
                                           [f"top {limit} countries by {metric}", f"top {limit} products by {metric}",
                                            f"top {limit} categories by {metric}"])
        if metric == "top_share" and group_by:
            return None, Clarification("The top-customer share is one figure for the whole shop or a filter. "
                                       "Without the breakdown?", [f"share of revenue from the top {top_pct:g}% of customers"])
        return Query(metric, group_by, filters, bought, condition if metric in ("customer_share",
                                                                               "matching_customers") else None,
                     time, compare, change, top_pct, limit, order, also), None


def _unit_fits(words: str, period) -> bool:
    """Does 'that year' / 当月 name a unit as long as the one period named?"""
    unit = next((u for u, w in (("year", "year|年"), ("quarter", "quarter|季"), ("month", "month|月"), ("week", "week"))
                 if re.search(w, words)), None)
    days = (pd.Timestamp(period.end) - pd.Timestamp(period.start)).days
    return unit is not None and PERIOD_DAYS[unit][0] <= days <= PERIOD_DAYS[unit][1]


def _days_named(text: str) -> int | None:
    """Days in 'the previous 30 days' / 'the prior 2 weeks' / '前30天' (None when no number is named)."""
    m = re.search(r"(\d+|" + "|".join(w for w in L.NUMBER_WORDS if w.isascii()) + r"|seven|thirty|sixty|ninety|fourteen|"
                  r"twelve)\s*(weeks?|周|months?)?", text)
    if not m:
        return None
    words = {"seven": 7, "thirty": 30, "sixty": 60, "ninety": 90, "fourteen": 14, "twelve": 12}
    n = int(m.group(1)) if m.group(1).isdigit() else L.NUMBER_WORDS.get(m.group(1)) or words.get(m.group(1))
    unit = m.group(2) or ""
    if unit.startswith("month"):
        return None                 # months are calendar months: compared as months by previous_window
    return n * 7 if unit.startswith("week") or unit == "周" else n


def _covers(words: str, title: str) -> bool:
    """Do `words` name `title` well enough to use it without asking (two words or half of the title's words)?"""
    content = [w for w in re.findall(r"[a-z0-9]+", words) if w not in L.FILLER]
    return len(content) >= 2 or 2 * len(content) >= len(re.findall(r"[a-z0-9]+", title.lower()))


def _glosses(question: str) -> list[tuple[str, str]]:
    """(Chinese word, English gloss) for each '中文(English)' in the question, both as normalize() writes them."""
    text = unicodedata.normalize("NFKC", question).lower()
    return [(m.group(1), " ".join(m.group(2).split())) for m in
            re.finditer(r"([\u4e00-\u9fff]{1,8})\s*[(\[]\s*([a-z][a-z0-9 '&\-]*?)\s*[)\]]", text)]


def describe_scope(group_by, filters, products, periods) -> str:
    parts = [f"by {group_by}"] if group_by else []
    parts += [f"in {v}" for vals in filters.values() for v in vals]
    parts += [f'for "{p}"' for p in products]
    parts += [p.label for p in periods]
    return " ".join(parts)


def question_with(question: str, words: str, replacement: str) -> str:
    """`question` with `words` (as found in its normalized form) replaced, for a clarifying choice."""
    low = normalize(question)
    return low.replace(words, replacement, 1) if words in low else f"{low} {replacement}"


def _distinct_periods(periods: list) -> list:
    """The periods in the order named, each window once: the same window named twice is one period, not a comparison."""
    seen, out = set(), []
    for p in periods:
        if (p.start, p.end) not in seen:
            seen.add((p.start, p.end))
            out.append(p)
    return out


def _name_pattern(name: str) -> str:
    """A name said whole: a Latin name not inside a longer word, a Chinese one wherever it is written."""
    return rf"(?<![\w\u4e00-\u9fff]){re.escape(name)}(?![\w\u4e00-\u9fff])" if name.isascii() else re.escape(name)


def _year_then_range(periods: list, text: str) -> list:
    """'2011, Jan to Nov': a year and a period inside it, with no comparison word, is that period (the year says
    which Jan to Nov); '2011 vs December 2011' stays a comparison."""
    out = _distinct_periods(periods)
    years = [p for p in out if re.fullmatch(r"\d{4}", p.label)]
    if len(out) != 2 or len(years) != 1 or re.search(L.VERSUS, text):
        return periods
    inner = next(p for p in out if p is not years[0])
    return [inner] if years[0].start <= inner.start and inner.end <= years[0].end else periods
