"""Request understanding by rules: what the shopper wants, in the catalog's own words, English or Chinese.

    lexicon = Lexicon.load()                          # resources/zh_terms.csv + resources/request_words.csv
    req = understand("a gift for a tea lover under 10 pounds", vocab, lexicon)
    req.types, req.themes, req.gift, req.recipient    # [], ['tea'], True, None
    req = understand("给妈妈的圣诞礼物", vocab, lexicon)
    req.english, req.occasion, req.language           # 'mum christmas gift', 'christmas', 'Chinese'
    req = understand("what goes well with the white hanging heart t-light holder?", vocab, lexicon)
    req.anchor                                        # 'white hanging heart t-light holder'

Types and themes come from the mined vocabulary (search/vocabulary.py); recipients, occasions and the words
that only carry the request ("gift", "lover", "looking for") from resources/request_words.csv, whose catalog
hints are kept only when the catalog has them. Chinese is cut into words by a segmenter (retrieval/segment_zh.py,
jieba) and each word mapped with resources/zh_terms.csv. Price, colour and stock stay with the constraint parser: this module never filters, and
reads the request without its price phrases (search/prices.py).
What it cannot place is kept in `unknown`, so the caller can say "we don't have that" instead of guessing.
Hobbies, occasions, styles and whom the request is for come from search/ideas.py (`ideas`, `styles`,
`audience`); `synonym` rows of request_words.csv rewrite a shopper's spelling into the catalog's first; `idiom` rows
replace a phrase not meant word by word with its meaning before any word is read ("night owl": no owl).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.fsutil import csv_rows
from assistant.models.embed import english_words
from assistant.resources import REQUEST_WORDS, ZH_HEADS, ZH_TERMS
from assistant.search.context import without_context
from assistant.search.ideas import Ideas
from assistant.search.prices import without_prices
from assistant.retrieval.segment_zh import Segmenter
from assistant.search.spelling import Speller
from assistant.search.vocabulary import STOP, Vocabulary, stem, words

CJK = re.compile(r"[\u4e00-\u9fff]")
INFLECTION = re.compile(r"(?:[a-z]?(?:ing|ed|er|ers)|s)")   # throw+ing, plan+ned, bak+er: a verb form, not a compound
NUMBERISH = re.compile(r"(?:£|\$|€)?\d+(?:\.\d+)?(?:cm|mm|p|s)?")   # "1950s" is a decade (a style's cue)
# "goes well with X", "to go with X", "matching X", "what else do I need for X", "配X" -> X
COMPLEMENT = re.compile(
    r"(?:go(?:es)? (?:well )?with|to go with|pairs? (?:well )?with|matching|to match|match(?:es)? (?:with )?|"
    r"complements?|what else (?:do|would|should) (?:i|we) (?:need|buy|get) (?:for|with)|"
    r"bought (?:together )?with|accessories for)\s+(?:the |a |an |my |our |this |that )?(.+)", re.I)
COMPLEMENT_ZH = re.compile(r"(?:搭配|配)(.+?)(?:的|用的)?(?:东西|什么|商品|产品)?[?？。]*$|(.+?)(?:配什么|搭配什么)")
# "an egg hunt with the kids", "baking with my children": the people come along; the things are not for them
COMPANY = re.compile(r"\b(?:with|and) (?:the |my |our |your )?(?:kids|children|grandchildren|grandkids|family|little ones)\b"
                     r"(?! (?:room|bedroom|party|parties)\b)", re.I)
LOVER = re.compile(r"\b(?:(\w+(?: \w+)?) (?:lovers?|fans?|enthusiasts?|addicts?)|(?:loves?|likes?|fan of|into|mad about)"
                   r" (?:(?:his|her|their|my|our) )?(\w+(?: \w+)?))\b", re.I)


@dataclass
class Request:
    text: str
    language: str = "English"
    english: str = ""                                     # the request in English words (Chinese mapped)
    types: list[str] = field(default_factory=list)       # catalog product types named ("cake stand")
    themes: list[str] = field(default_factory=list)      # other catalog words ("tea", "heart")
    hints: list[str] = field(default_factory=list)       # catalog words implied by recipient/occasion
    occasion_hints: list[str] = field(default_factory=list)   # those implied by the occasion ("halloween" -> pumpkin)
    occasion_theme: str | None = None                     # the theme word that stands for the occasion ("christmas")
    recipient: str | None = None
    occasion: str | None = None
    gift: bool = False
    unknown: list[str] = field(default_factory=list)     # English content words the catalog does not know
    unknown_zh: list[str] = field(default_factory=list)  # Chinese left unmapped by the lexicon
    head: str = ""                                        # the last content word: usually the thing wanted
    anchor: str = ""                                      # complement requests: the product named
    expanded_types: list[str] = field(default_factory=list)   # types added by the LLM (validated)
    ideas: list[str] = field(default_factory=list)       # what a hobby/occasion buys, in title words (ideas.py)
    idea_cues: list[str] = field(default_factory=list)   # the request words that led there ("gardening")
    idea_for: str = ""                                    # who/what the ideas suit, for evidence ("bonfire night")
    places: list[str] = field(default_factory=list)      # rooms named whose things the ideas are ("bathroom")
    audience: str | None = None                           # who it is for: baby | child | adult (ideas.py)
    soft_themes: list[str] = field(default_factory=list)  # themes that only colour a named type ("party", "picnic"
                                                          # beside an occasion: lights for a bbq need not say picnic)
    styles: list[list[str]] = field(default_factory=list)  # per style named, the title words that show it
    style_cues: list[str] = field(default_factory=list)  # ... and the words that named it ("nautical")
    corrections: list[tuple[str, str]] = field(default_factory=list)   # typos read as known words (spelling.py)
    said: str = ""                                        # the request as said, without its prices, milestones and
                                                          # context phrases: what e5 reads ("50镑以内" is no "50's")

    @property
    def search_text(self) -> str:
        """Words to match in titles: types, themes, hints (deduplicated)."""
        return " ".join(dict.fromkeys(self.types + self.expanded_types + self.ideas + self.themes + self.hints))

    @property
    def meaning_text(self) -> str:
        """A short English phrase for the embedding: the request without filler and prices (words the catalog
        lacks stay: the embedding may still place 'kitchenware' or 'halloween')."""
        return " ".join(dict.fromkeys(self.english.split() + self.expanded_types))

    def has_subject(self) -> bool:
        return bool(self.types or self.themes or self.hints or self.expanded_types or self.ideas)


@dataclass
class Lexicon:
    zh: dict[str, str]                                   # Chinese word -> English catalog words
    kinds: dict[str, str]                                # English request word/phrase -> gift|recipient|occasion|filler
    hints: dict[str, list[str]]                          # word -> catalog hint words
    ideas: Ideas = field(default_factory=Ideas.load)      # hobby/occasion -> things; audiences
    synonyms: dict[str, str] = field(default_factory=dict)   # a shopper's spelling -> the catalog's ("tealight")
    idioms: dict[str, str] = field(default_factory=dict)     # a phrase not meant word by word -> what it means in
                                                             # catalog words, or "" ("night owl" is no owl)
    _speller: tuple = field(default=(None, None), repr=False, compare=False)   # (vocabulary, its Speller)
    zh_heads: dict[str, str] = field(default_factory=lambda: load_zh_heads())   # 袜 -> 'stocking sock': one
                                                             # character that names the thing, at a compound's end

    @classmethod
    def load(cls, zh_terms: Path = ZH_TERMS, request_words: Path = REQUEST_WORDS,
             zh_heads: Path = ZH_HEADS) -> "Lexicon":
        zh = load_zh_terms(zh_terms)
        heads = load_zh_heads(zh_heads)
        kinds, hints, synonyms, idioms = {}, {}, {}, {}
        for n, row in _rows(request_words, ("kind", "word", "catalog_hints")):
            word = row["word"].strip().lower()
            if row["kind"].strip() == "idiom":          # read as a whole, before its words ("night owl")
                idioms[word] = " ".join((row["catalog_hints"] or "").split())
                continue
            if row["kind"].strip() == "season":         # read by load_seasons (relevance), no request word
                continue
            if row["kind"].strip() == "synonym":
                if not (row["catalog_hints"] or "").strip():
                    raise ValueError(f"{Path(request_words).name} row {n}, column 'catalog_hints': a synonym "
                                     f"needs the catalog's word")
                synonyms[word] = row["catalog_hints"].strip().lower()
                continue
            kinds[word] = row["kind"].strip()
            hints[word] = row["catalog_hints"].split()
        return cls(zh, kinds, hints, Ideas.load(), synonyms, idioms, zh_heads=heads)

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Every single request word this lexicon knows (stemmed): kinds, synonyms, hobby and occasion cues."""
        said = list(self.kinds) + list(self.synonyms) + [c for idea in self.ideas.ideas for c in idea.cues] \
            + [w for ws in self.ideas.request_words.values() for w in ws]
        return frozenset(stem(w) for phrase in said for w in re.findall(r"[a-z]+", phrase.lower()))

    def read_idioms(self, text: str) -> str:
        """Each idiom (request_words.csv kind 'idiom') replaced by its meaning, longest first: its words are not
        products ('a real night owl' -> 'a real', 'throwing a party' -> 'party')."""
        for phrase in sorted(self.idioms, key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(phrase)}\b", f" {self.idioms[phrase]} ", text, flags=re.I)
        return " ".join(text.split())

    def speller(self, vocab: Vocabulary) -> Speller:
        """Typo reader over the catalog's words and this lexicon's; ordinary English words are left alone. Built
        once per vocabulary (every request of a catalog reads the same one)."""
        if self._speller[0] is not vocab:
            known = set(vocab.word_count) | {w for t in vocab.types for w in t.split()} | self.words | STOP
            self._speller = (vocab, Speller(frozenset(known), english_words()))
        return self._speller[1]

    @functools.cached_property
    def seasons(self) -> dict[str, list[str]]:
        """Occasions whose goods are themed to them -> their title marks (`load_seasons`)."""
        return load_seasons()

    @functools.cached_property
    def segmenter(self) -> Segmenter:
        return Segmenter(self.zh)

    def translate(self, text: str) -> tuple[str, list[str]]:
        """Chinese -> English words, word by word as the segmenter cuts them (retrieval/segment_zh.py); returns (text
        with Chinese replaced, unmapped Chinese runs). A word the lexicon lacks is read by the lexicon's terms of two
        characters or more inside it, longest first; a one-character term maps only when it stands as its own word
        (布 "fabric" alone, never inside 布置 "to decorate"), or ends a word whose start the lexicon mapped (a
        compound's head comes last: 收纳袋 storage + bag). A character of the closed class of product heads
        (resources/zh_heads.csv: 袜 stocking, 盘 plate, 镜 mirror...) maps the same two ways: ending a word whose start
        mapped (咖啡壶 coffee + teapot) or standing as its own word, dressed or not (圣诞 + 袜子: a Christmas stocking).
        A word whose start maps but whose end (its head) does not is left unread as a whole: the start is a modifier."""
        out, unknown, run = [], [], ""
        for word in self.segmenter.words(text):
            if not CJK.search(word):
                if run:
                    unknown.append(run)
                    run = ""
                out.append(word)
                continue
            word = _core_character(word, self.zh.keys() | self.zh_heads.keys())
            i, clean = 0, True          # clean: no character of this word left unmapped so far
            start, mapped = len(out), False     # this word's first output; whether any term of it mapped
            while i < len(word):
                term = word if word in self.zh else next(
                    (zh for zh in self.zh if len(zh) >= 2 and word.startswith(zh, i)), None)
                if term is None and 0 < i == len(word) - 1 and word[i] in self.zh and clean:
                    term = word[i]    # Chinese compounds end in their head: 收纳袋 is 收纳 + 袋, a storage bag
                if term is None and i == len(word) - 1 and word[i] in self.zh_heads and clean:
                    if run:
                        unknown.append(run)
                        run = ""
                    out.append(f" {self.zh_heads[word[i]]} ")     # 圣诞 + 袜: the thing is the stocking
                    i += 1
                    continue
                if term is None:
                    run += word[i]
                    clean = False
                    i += 1
                    continue
                if run:
                    unknown.append(run)
                    run = ""
                out.append(f" {self.zh[term]} ")
                mapped = True
                i += len(term)
            if mapped and run and _content_zh(run):
                # a compound ends in its head: a mapped start before an unmapped end (笔记本 + 电脑, a laptop) only
                # modifies what the lexicon cannot name; the whole word is unread, never the modifier's type
                del out[start:]
                run = word
        if run:
            unknown.append(run)
        return " ".join("".join(out).split()), [u for u in map(_content_zh, unknown) if u]


# A one-character term with a diminutive or shape affix, or doubled, is still that term: 盒子 box, 小猫 cat,
# 星形 star-shaped, 狗狗 dog; 布置 ("to decorate") has no such affix and stays unread.
ZH_AFFIXES = frozenset("子儿咪小形状型")


def _core_character(word: str, zh) -> str:
    """The one-character term a two-character word only dresses up (盒子 -> 盒), else the word as it is."""
    if len(word) != 2 or word in zh:
        return word
    a, b = word
    if a == b and a in zh:
        return a
    if a in zh and b in ZH_AFFIXES:
        return a
    if b in zh and a in ZH_AFFIXES:
        return b
    return word


def load_seasons(path: Path = REQUEST_WORDS) -> dict[str, list[str]]:
    """Occasions whose goods are themed to them (request_words.csv kind `season`): occasion -> the title words
    (stemmed) that mark a product as that occasion's ('christmas' -> christmas, santa, reindeer, bauble...). A
    product so marked belongs to that occasion, never to another one's request (relevance.py)."""
    seasons = {}
    for n, row in _rows(path, ("kind", "word", "catalog_hints")):
        if row["kind"].strip() == "season":
            marks = [stem(w) for w in (row["catalog_hints"] or "").lower().split()]
            if not marks:
                raise ValueError(f"{Path(path).name} row {n}, column 'catalog_hints': a season needs title words")
            seasons[stem(row["word"].strip().lower())] = marks
    return seasons


def load_zh_terms(path: Path = ZH_TERMS) -> dict[str, str]:
    """Chinese shopping word -> English catalog words (resources/zh_terms.csv, the one home of these terms),
    longest word first so that a longest-match reader finds 茶壶 (teapot) before 茶 (tea)."""
    zh = {}
    for _, row in _rows(path, ("zh", "en")):
        word, english = row["zh"].strip(), (row["en"] or "").strip()
        if not english:
            raise ValueError(f"{path.name}: Chinese term {word!r}, column 'en': empty")
        zh[word] = english
    return dict(sorted(zh.items(), key=lambda kv: -len(kv[0])))


def load_zh_heads(path: Path = ZH_HEADS) -> dict[str, str]:
    """Single-character product heads -> English catalog words (resources/zh_heads.csv): a closed class, read only
    where a compound ends or the character stands alone (`Lexicon.translate`)."""
    for n, row in _rows(path, ("zh", "en")):
        if len(row["zh"].strip()) != 1:
            raise ValueError(f"{Path(path).name} row {n}, column 'zh': {row['zh']!r} is not one character")
    return load_zh_terms(path)


# Chinese grammar words that carry no product meaning (给妈妈的 "for mum's", 我想要 "I want", 一个 "one").
ZH_FUNCTION_CHARS = set("色形款配的了吗呢吧啊给我你他她它们想要买个一些有没请找送适合用和与或在是这那哪什么怎样多少钱以下以内左右元块英镑")
ZH_FUNCTION_WORDS = {"推荐", "一下", "一些", "可以", "喜欢", "东西", "商品", "产品", "有没有", "什么", "哪些", "便宜", "好看",
                     "漂亮", "可爱", "颜色", "红色", "粉色", "蓝色", "白色", "黑色", "绿色", "紫色", "黄色", "金色", "银色",
                     "棕色", "橙色", "灰色", "爱好者", "的人", "朋友们", "搭配", "岁", "用品", "图案", "风格",
                     "款式", "之类", "什么的", "等等"}


def _content_zh(run: str) -> str:
    """What is left of an unmapped Chinese run once grammar words and characters are removed."""
    for w in ZH_FUNCTION_WORDS:
        run = run.replace(w, "")
    return "".join(ch for ch in run if ch not in ZH_FUNCTION_CHARS)


# Ordinals and counts of years inside an occasion name which one, not a product: "a first birthday", "her 40th",
# "after 30 years together" ("First Class" luggage tags are no first-birthday gift). A milestone said alone
# ("for his sixtieth", "her 21st") is a birthday; only the number is dropped before an occasion word.
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ORDINAL = ("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
            "fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|fortieth|"
            "fiftieth|sixtieth|seventieth|eightieth|ninetieth|hundredth")
ORDINAL = rf"(?:(?:{_TENS})[- ]?)?(?:{_ORDINAL})|\d+(?:st|nd|rd|th)"
OCCASION_AFTER = (r"birthday|bday|b-day|anniversary|wedding|christmas|xmas|valentine'?s?|easter|mother'?s day|"
                  r"father'?s day|home|house|baby|date|holiday|day")
MILESTONE_BEFORE = re.compile(rf"\b(?P<ordinal>{ORDINAL})\s+(?=(?P<occasion>{OCCASION_AFTER})\b)", re.I)
_ORDINAL_VALUE = {w: n + 1 for n, w in enumerate(_ORDINAL.split("|")[:20])} | {
    w: 10 * (n + 3) for n, w in enumerate(_ORDINAL.split("|")[20:27])} | {"hundredth": 100}
_TENS_VALUE = {w: 10 * (n + 2) for n, w in enumerate(_TENS.split("|"))}
MILESTONE_ALONE = re.compile(rf"\b(?P<who>his|her|my|their|your|our)\s+(?:(?:{_TENS})[- ]?(?:{_ORDINAL})|"
                             rf"(?:sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|fortieth|fiftieth|"
                             rf"sixtieth|seventieth|eightieth|ninetieth|hundredth)|(?:1[6-9]|[2-9]\d|1\d\d)"
                             rf"(?:st|nd|rd|th))\b(?!\s+(?:{OCCASION_AFTER})\b)", re.I)
_COUNT = rf"(?:\d+|{_TENS}|ten|five|fifteen|twelve|a few|many)"
YEARS_TOGETHER = re.compile(rf"\b(?:after\s+|for\s+|of\s+)?{_COUNT}\s+years?\b(?!\s+old\b)"
                            r"(?:\s+(?:together|married|of marriage|wed|of friendship|in the job|of service))?", re.I)


def _ordinal_value(ordinal: str) -> int | None:
    """'6th' -> 6, 'first' -> 1, 'twenty-first' -> 21, 'fortieth' -> 40."""
    low = ordinal.lower()
    if low[:1].isdigit():
        return int(re.match(r"\d+", low).group())
    tens = next((v for w, v in _TENS_VALUE.items() if low.startswith(w) and low != w + "ieth"), 0)
    rest = re.sub(rf"^(?:{_TENS})[- ]?", "", low) if tens else low
    value = _ORDINAL_VALUE.get(rest)
    return None if value is None else tens + value


def _milestone(m: re.Match) -> str:
    """A birthday's ordinal is the age turned ("a 6th birthday": a six-year-old, read by ideas.AGE); another
    occasion's ordinal is dropped."""
    value = _ordinal_value(m.group("ordinal"))
    if m.group("occasion").lower() in ("birthday", "bday", "b-day") and value is not None and value < 100:
        return f"{value} year old "
    return ""


def without_milestones(text: str) -> str:
    """The request without the ordinals and year counts that only say which occasion it is ("a 6th birthday" ->
    "a 6 year old birthday": the age stays for the audience; "for his sixtieth" -> "for his birthday"; "our second
    anniversary" -> "our anniversary"; "after 30 years together" -> "")."""
    text = MILESTONE_BEFORE.sub(_milestone, text)
    text = MILESTONE_ALONE.sub(lambda m: f"{m.group('who')} birthday", text)
    return " ".join(YEARS_TOGETHER.sub(" ", text).split())


def understand(text: str, vocab: Vocabulary, lexicon: Lexicon) -> Request:
    """Parse a shopping request into catalog types/themes, recipient, occasion, gift, complement anchor."""
    req = Request(text=text, language="Chinese" if CJK.search(text) else "English")
    text = without_prices(text)       # "under ten pounds" is a filter (chat/constraints.py), not a thing wanted
    text = without_milestones(text)   # "a first birthday": no 'First Class' luggage tag
    text = without_context(text)      # "4 cups a day", "friends round", "about 80": when, how many, who comes
    req.said = text
    english, unknown_zh = lexicon.translate(text) if req.language == "Chinese" else (text, [])
    english, req.corrections = lexicon.speller(vocab).correct(english)   # "umbrela" -> "umbrella", said in the lead-in
    english = lexicon.read_idioms(english)
    english = _without_destination(english, vocab, lexicon)
    if req.language == "Chinese":
        m = COMPLEMENT_ZH.search(text)
        if m:
            anchor = lexicon.translate(m.group(1) or m.group(2))[0]
            req.anchor = "" if _purpose(anchor, vocab, lexicon) else anchor
    if not re.search(r"\b(?:gifts?|presents?)\b", english, re.I):
        english = COMPANY.sub(" ", english)
    low = " ".join(NUMBERISH.sub(" ", Ideas.without_age(english.lower())).split())
    for said, catalog in lexicon.synonyms.items():        # the catalog's spelling ("tealight" -> "t-light")
        low = re.sub(rf"\b{re.escape(said)}\b", catalog, low)
    m = COMPLEMENT.search(low)
    if m and not req.anchor and not _purpose(m.group(1), vocab, lexicon):
        req.anchor = m.group(1).strip(" ?.!")
        low = low[:m.start()]
    lover = LOVER.search(low)
    lover_theme = (lover.group(1) or lover.group(2)) if lover else None
    # multi-word request phrases first ("mother's day", "baby shower"), then single words
    for phrase in sorted((p for p in lexicon.kinds if " " in p), key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}\b", low):
            _note(req, phrase, lexicon, vocab)
            low = re.sub(rf"\b{re.escape(phrase)}\b", " ", low)
    rest: list[str] = []
    previous = ""
    for w in re.findall(r"[a-z][a-z'-]*[a-z]|[a-z]|[\u4e00-\u9fff]+", low):
        if w.endswith("'s") and lexicon.kinds.get(w[:-2]) == "recipient":
            previous = w              # "my daughter's room", "men's shoes", "my child's teacher": whose it is
            continue                  # (an audience, read by ideas.py), neither a theme nor the recipient
        # a person word inside a catalog name is the name ("dolly girl", "balloon girl"), not who it is for
        named = previous and previous not in lexicon.kinds and f"{stem(previous)} {stem(w)}" in vocab.phrase_set
        if w in lexicon.kinds and not named and not (lover_theme and w in lover_theme.split()):
            kind = _note(req, w, lexicon, vocab)
            if kind == "recipient" and rest and rest[-1] == previous and not vocab.types_in(previous):
                rest.pop()            # a word describing the recipient ("new baby", "keen cook") is not a theme
            if kind == "occasion" and stem(w) in vocab.word_count and stem(w) not in rest:
                rest.append(stem(w))  # the occasion itself is what the shopper asked for ("halloween decorations")
        elif req.occasion and previous == req.occasion and w in ("day", "eve", "night"):
            pass                      # "valentine's day", "christmas eve": part of the occasion
        elif "-" in w and not vocab.known(stem(w)):
            rest += [x for x in w.split("-") if x and x not in STOP and x not in lexicon.kinds]
        elif w not in STOP:
            rest.append(_known_prefix(w, vocab))
        previous = w
    content = " ".join(rest)
    req.types = vocab.types_in(content)
    req.themes = vocab.themes_in(content)
    if req.occasion:                  # the occasion as a theme: its own word, or the occasion it names ("xmas")
        same = [stem(req.occasion)] + [h for h in req.occasion_hints if lexicon.kinds.get(h) == "occasion"]
        req.occasion_theme = next((t for t in same if t in req.themes), None)
        if req.occasion_theme is None and len(same) > 1 and same[1] not in req.themes:
            req.themes.append(same[1])
            req.occasion_theme = same[1]
    if req.occasion and req.types:    # another occasion's word beside a named type and occasion is a mood
        req.soft_themes = [t for t in req.themes if lexicon.kinds.get(t) == "occasion" and t != stem(req.occasion)]
    if req.types and (PARTY & set(words(english)) or PARTY & ({stem(req.occasion or "")} | set(req.occasion_hints))):
        # at a party, cups and plates are the paper ones: "paper cup" is preferred where the catalog sells it, and
        # a birthday party's cups need not say birthday (the occasion's word only colours the types named)
        req.hints += [f"paper {t}" for t in req.types if f"paper {t}" in vocab.types and f"paper {t}" not in req.hints]
        req.soft_themes += [t for t in req.themes if lexicon.kinds.get(t) == "occasion" and t not in req.soft_themes
                            and not lexicon.seasons.get(t)]
    _ideas(req, english, lexicon.ideas, gift_context=req.gift or lover_theme is not None)
    req.hints = [h for h in req.hints if h not in req.themes]
    typed = {w for t in req.types for w in t.split()}
    cued = {w for c in req.idea_cues + req.style_cues for w in c.split()}
    req.unknown = [w for w in dict.fromkeys(stem(x) for x in rest)
                   if len(w) > 2 and w not in typed and w not in cued and not vocab.known(w) and w.isascii()]
    req.unknown_zh = unknown_zh
    req.head = stem(rest[-1]) if rest else ""
    req.english = " ".join(x for x in [req.recipient or "", req.occasion or "", content, "gift" if req.gift else ""]
                           if x).strip()
    return req


def _ideas(req: Request, english: str, ideas: Ideas, gift_context: bool) -> None:
    """Who the request is for, and, when it names no product type, what its hobby, occasion or place buys. A hobby
    counts only in a gift's context ("a gift for someone who gardens", "a knitting fan"); an occasion or a place
    always ("nautical things for the bathroom": bathroom things, and nautical: both hold).
    The hobby's own word then only hints ("garden" in a wrapping paper's title is not what a gardener uses)."""
    req.audience = ideas.audience(english)
    if req.anchor:
        return
    matches = ideas.matches(english)
    any_cue = {w for _, cue in matches for w in cue.split()}      # 'garden' read as a type is a hobby's word
    style_words = {w for idea, cue in matches if idea.kind == "style" for w in cue.split()}
    for idea, cue in matches:
        if idea.kind == "style":      # a style holds over the product: one more thing the shopper named
            req.styles.append(idea.things)
            req.style_cues.append(cue)
    def styled(t: str) -> bool:       # 'retro' from 'retro', 'table' read from 'tableware'
        return set(t.split()) <= style_words or any(len(t) >= 4 and w.startswith(t) for w in style_words)

    req.themes = [t for t in req.themes if not styled(t)]
    req.types = [t for t in req.types if not styled(t)]
    for idea, cue in matches:
        if idea.kind == "style" or (idea.kind == "interest" and not gift_context):
            continue
        req.ideas += [t for t in idea.things if t not in req.ideas]
        req.idea_cues.append(cue)
        if idea.kind == "place":
            req.places.append(cue)
        req.idea_for = req.idea_for or (f"someone into {cue}" if idea.kind == "interest"
                                        else f"the {cue}" if idea.kind == "place" else cue)
        req.audience = req.audience or idea.audience      # a gardener or a knitter is a grown-up
    cue_words = {w for c in req.idea_cues for w in c.split()}

    def cued(t: str) -> bool:         # 'garden' from 'gardening', 'hen' from 'hen party'
        return any(w == t or (len(t) >= 4 and w.startswith(t)) for w in cue_words)

    if any(not all(cued(w) or w in any_cue for w in t.split()) for t in req.types):
        req.ideas, req.idea_cues, req.idea_for, req.places = [], [], "", []   # a type was named: it is what is wanted
        return
    named = [t for t in req.themes if t != req.occasion_theme]
    if not req.ideas and gift_context and not req.types and not named:   # "pirate things for kids" wants pirates
        req.ideas = ideas.for_audience(req.audience)
        req.idea_for = f"a {req.audience}" if req.ideas else ""
    if not req.ideas:
        return
    soft = [t for t in req.themes + req.types if all(cued(w) or w in any_cue for w in t.split())]
    req.themes = [t for t in req.themes if t not in soft]
    req.types = [t for t in req.types if t not in soft]
    places = {w for idea, cue in matches if idea.kind == "place" for w in cue.split()}   # a table names tableware:
    req.hints += [t for t in soft if t not in req.hints and (t in req.ideas or not set(t.split()) <= places)]  # no lamp


PARTY = frozenset({"party", "parties", "picnic", "bbq", "barbecue"})   # occasions served on paper tableware


# "for his shed", "for their new flat": where the thing goes, said after the thing or instead of it ("in his shed"
# says where a hobby is done: it stays)
DESTINATION = re.compile(r"\bfor\s+(?:his|her|my|their|our|your|the)\s+(?:[a-z]+'s\s+)?(?:(?:new|own|first|"
                         r"little|big|home)\s+)?([a-z]+)\b(?=\s*(?:$|[.,!?;:]|(?:and|so|but|please|as|where|which|"
                         r"that|because)\b))", re.I)


def _without_destination(text: str, vocab: Vocabulary, lexicon: Lexicon) -> str:
    """A place the thing is for, when it is no word the request vocabulary reads (a recipient, an occasion, a hobby
    or place idea such as the kitchen), no product type, and the request names no product type elsewhere, is
    context, not a product word: "a present for his shed" offers no 'Shed' titled trinket. Beside a named type it
    stays ("a sign for her shed": a shed sign is the best sign)."""
    for m in list(DESTINATION.finditer(text)):
        place = m.group(1).lower()
        if place in lexicon.kinds or stem(place) in lexicon.words or vocab.types_in(stem(place)) \
                or place in STOP:
            continue
        rest = text[:m.start()] + " " + text[m.end():]
        if [t for t in vocab.types_in(rest) if t not in lexicon.kinds]:     # 'present' is a gift word here
            continue
        text = rest
    return " ".join(text.split())


def _purpose(anchor: str, vocab: Vocabulary, lexicon: Lexicon) -> bool:
    """Is what follows "to go with" / "matching" / "accessories for" an occasion or a hobby ("a hen party",
    "napkins for a baby shower", "christmas dinner") rather than a product? It names an occasion or an idea's cue,
    and its words do not read as a catalog name (some neighbouring pair is no phrase of any title): then the
    request is an ordinary search, not bought-together products of a named product."""
    said = " ".join(stem(w) for w in re.findall(r"[a-z][a-z'-]*", anchor.lower()) if w not in STOP)
    named = any(re.search(rf"\b{re.escape(stem(p))}\b", said) for p, kind in lexicon.kinds.items()
                if kind == "occasion") or any(idea.kind in ("occasion", "interest")
                                              for idea, _ in lexicon.ideas.matches(said))
    ws = [w for w in said.split() if not lexicon.kinds.get(w) == "recipient" and not w.endswith("'s")]
    return named and (len(ws) < 2 or any(f"{a} {b}" not in vocab.phrase_set for a, b in zip(ws, ws[1:])))


def _known_prefix(word: str, vocab: Vocabulary) -> str:
    """An unknown compound read as its known head: 'kitchenware' -> 'kitchen', 'tablecloth' -> 'table'. A verb
    form is not its noun: 'throwing' a party is no throw (blanket), 'hosted' no host; INFLECTION endings stay."""
    w = stem(word)
    if vocab.known(w) or not w.isascii():
        return word
    for cut in range(len(w) - 3, 3, -1):
        if len(w) - cut <= 5 and vocab.known(w[:cut]) and not INFLECTION.fullmatch(w[cut:]):
            return w[:cut]
    return word


def _note(req: Request, word: str, lexicon: Lexicon, vocab: Vocabulary) -> str:
    """Record a request word (gift / recipient / occasion / filler) and its catalog hints; returns its kind."""
    kind = lexicon.kinds[word]
    if kind == "gift":
        req.gift = True
    elif kind == "recipient" and req.recipient is None:
        req.recipient = word
        req.gift = True
    elif kind == "occasion" and req.occasion is None:
        req.occasion = word
    hints = [stem(h) for h in lexicon.hints.get(word, []) if vocab.known(stem(h))]
    req.hints += [h for h in hints if h not in req.hints]
    if kind == "occasion" and req.occasion == word:
        req.occasion_hints = hints
    return kind


def _rows(path: Path, columns: tuple[str, ...]):
    """Rows of a resource CSV; a missing column or empty required cell names the file and row."""
    for n, row in csv_rows(path, columns):
        if not (row[columns[0]] or "").strip():
            raise ValueError(f"{path.name} row {n}, column '{columns[0]}': empty")
        yield n, row
