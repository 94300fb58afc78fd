"""Query relevance: the request's catalog words matched in titles (types first), blended with embedding meaning.

    rel = Relevance(titles, vocab, categories)           # once per index
    scores = rel.lexical(request)                        # (n_products,) share of the request's words a title covers
    blended = rel.blend(lexical, dense)                  # what the ranker squares and boosts
    rel.no_match(request, lexical, best_cosine)          # True: say "we don't have that" and offer alternatives

A title covers a request word when it holds the word (stemmed), a compound starting with it ("teapot"
covers "tea"), or, for a two-word type, the phrase; a product whose category holds the word ("toy" in
"Toys & Kids") covers it by half. Product types weigh double: "cake stand" must win
over "Cake Towel" for a shopper who asked for a cake stand; a word shared with the request ("tea" in
"Tea Party Birthday Card") is not enough when a type was asked for. Hints (from recipient/occasion)
weigh less than what the shopper said. Rarer words count more (idf). Paper goods (cards, wrap, invitations,
gift bags, tags) count half for gifts, occasions, hobbies, styles and non-paper types unless the shopper asked
for paper: they go with a present, they are not one. A product for another audience than the request's
(a child's for an adult: ADULT_CHILDREN_FACTOR; not a baby's for a baby: AUDIENCE_FACTOR); what a hobby or
occasion buys (ideas.py) is one group that counts as the type asked for; a style is one group of alternatives, a must.
A product themed to another occasion (request_words.csv kind `season`) keeps OTHER_OCCASION_FACTOR; party sundries
are halved for a grown-up's gift; a room named with a style must hold both where some product does (`holds_all`).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from assistant.data.colours import COLOUR_WORDS
from assistant.search.ideas import Ideas
from assistant.search.understand import Request, load_seasons
from assistant.search.vocabulary import MATERIALS, SIZES, TRAILING, Vocabulary, stem, words

TYPE_WEIGHT, THEME_WEIGHT, HINT_WEIGHT, EXPANDED_WEIGHT, IDEA_WEIGHT = 1.0, 1.0, 0.6, 1.5, 1.0
LEXICAL_SHARE = 0.6          # blend: 0.6 x title coverage + 0.4 x embedding similarity (rescaled)
DENSE_FLOOR, DENSE_CEIL = 0.15, 0.70   # MiniLM cosine: below the floor unrelated, above the ceiling a close match
# e5 (multilingual index) z-score over the catalog -> the MiniLM cosine scale: a title standing Z_FLOOR standard
# deviations above the catalog is at DENSE_FLOOR, Z_CEIL at DENSE_CEIL (e5's raw cosines all sit in 0.80-0.88)
Z_FLOOR, Z_CEIL = 2.0, 5.0
CATEGORY_HIT = 0.5           # a word found only in the product's category counts half: the title names the thing
MISSING_FACTOR = 0.5         # a product not of the type asked for, or missing a theme named, keeps half (per group)
MATERIAL_MISSING_FACTOR = 0.35   # ... missing a material named (glass, wooden, china) keeps less: a glass t-light holder is
                                 # nearer "a glass candle holder" than a wooden candle holder is
NO_MATCH_DENSE = 0.6         # a product this close in meaning (MiniLM cosine) is never "no match"
NO_MATCH_COVERAGE = 0.5      # ... nor one whose title covers half of the request
# What wraps or goes with a gift is not the gift: for a gift request that names no product type these product types
# keep half their relevance ("a birthday present for a little girl" wants a present, not a birthday card).
GIFT_WRAPPING = frozenset({"card", "wrap", "gift wrap", "wrapping paper", "gift bag", "gift tag", "tag", "tape",
                           "envelope", "tissue", "ribbon", "gift box"})
# Paper goods by title word: cards, wrap, invitations, paper chains (not a card holder, a card game or playing cards).
PAPER_WORDS = frozenset({"card", "wrap", "wrapping", "invite", "invitation", "envelope", "tissue", "greeting"})
PAPER_PHRASES = frozenset({"gift bag", "gift tag", "gift tape", "paper chain", "wrapping paper"})
NOT_PAPER = frozenset({"holder", "game", "playing", "wallet"})
# Words that show the shopper asked for paper goods themselves ("birthday cards", "gift wrap", "party invitations").
ASKS_PAPER = PAPER_WORDS | {"paper", "bag", "tag", "ribbon", "stationery", "chain"}
WRAPPING_FACTOR = 0.5
AUDIENCE_FACTOR = 0.5        # a baby's gift that is not a baby's product keeps half
ADULT_CHILDREN_FACTOR = 0.25  # an adult's that is a children's product keeps a quarter: never a grown-up's match
CHILD_ADULT_FACTOR = 0.7     # a child's gift that is not a children's product keeps 70% (many things suit a child)
# A request holding these names a purpose, place or person after the thing: its last word is not the thing's head.
PURPOSE_WORDS = frozenset({"for", "to", "with", "in", "on", "at", "from", "into", "near", "by"})
# A product themed to an occasion (request_words.csv kind `season`: Christmas, Easter, Halloween, Valentine's, by its
# title) shown for ANOTHER occasion's request keeps this share: Easter chicks are no Mother's Day present, Christmas
# table decorations no wedding's.
OTHER_OCCASION_FACTOR = 0.2
# What is no present for a grown-up unless asked for: party consumables and paper sundries (stickers, doilies,
# napkins, tape, confetti, straws, balloons, cake cases), by title word; a gift request for an adult (or for
# nobody said) keeps WRAPPING_FACTOR of them, as it does of cards and wrap.
NOT_A_GIFT_WORDS = frozenset({"sticker", "doily", "doilie", "napkin", "tape", "confetti", "straw", "balloon",
                              "tissue", "serviette", "garland", "bunting", "banner"})
NOT_A_GIFT_PHRASES = frozenset({"cake case", "baking case", "paper plate", "paper cup", "party bag", "paper chain"})
# A room and a style (or theme) named ("nautical things for the bathroom"): where some product holds both, one
# holding only one of them keeps this share more, on top of the half for what it misses (below the match share)
PARTIAL_FACTOR = 0.6
# A two-word type's head (its last word) alone holds the type partly: "christmas hanging decorations" finds a Christmas
# 'Star Decoration' (a decoration, not said to hang) above a heart 'Hanging Decoration' with no Christmas mark; where
# no title holds the phrase at all ("ceramic bowl" in a shop of plain bowls), the head holds it fully
HEAD_HIT = 0.7
# ... unless the title is of another compound of that head far in meaning (MiniLM cosine of the two type phrases below
# SIBLING_MIN): a 'T-Light Holder' is no card holder (0.43); a 'Refectory Clock' is near enough an alarm clock (0.52,
# judged relevant on dev; at 0.55 it fell out), a 'Star Decoration' a hanging decoration (0.57)
SIBLING_MIN = 0.5
SHADES = frozenset({"light", "dark", "pale", "bright", "pastel", "deep"})   # before a colour they name a shade
UNKNOWN_WEIGHT = 0.4         # an unknown word may be a mere modifier ("waterproof"): it weighs less than a theme


def _arrays(postings: dict[str, set[int]]) -> dict[str, np.ndarray]:
    """word -> its rows as a sorted int array (what `_mask` reads)."""
    return {t: np.fromiter(sorted(r), np.int64, len(r)) for t, r in postings.items()}


def _head_postings(titles, nouns: set[str]) -> dict[str, np.ndarray]:
    """word -> rows whose title holds it not directly followed by another noun of the catalog (a word that is
    neither a number nor a trailing colour, size or material, nor a shade before a colour: "Bowl Light Blue"):
    there it modifies that noun ("Food Container")."""
    out: dict[str, set[int]] = defaultdict(set)
    for row, title in enumerate(titles):
        ws = words(str(title))
        for k, w in enumerate(ws):
            after = ws[k + 1] if k + 1 < len(ws) else None
            if after in SHADES and k + 2 < len(ws) and ws[k + 2] in COLOUR_WORDS:
                after = None                      # 'Small Bowl Light Blue': a shade of a colour, no lamp
            if after is None or after == w or after not in nouns:
                out[w].add(row)
    return _arrays(out)


def _is_wrapping(types: list[str], title: str) -> bool:
    """Paper goods that go with a present: its first mined type is gift wrapping ("Gift Bag Birthday"), or its
    title names a card, wrap, invitation, envelope, gift tag or paper chain ("Bank Account Greeting Card",
    "Party Invites Woodland"); a "Card Holder", a card game and playing cards are things, not paper goods."""
    if types and types[0] in GIFT_WRAPPING:
        return True
    ws = words(title)
    if set(ws) & NOT_PAPER:
        return False
    pairs = {f"{a} {b}" for a, b in zip(ws, ws[1:])}
    return bool(set(ws) & PAPER_WORDS or pairs & PAPER_PHRASES)


def _not_a_gift(title: str) -> bool:
    """Party consumables and paper sundries by title word ("Set of 72 Pink Paper Doilies", "Sticker Sheet")."""
    ws = [stem(w) for w in words(title)]
    return bool(set(ws) & NOT_A_GIFT_WORDS or {f"{a} {b}" for a, b in zip(ws, ws[1:])} & NOT_A_GIFT_PHRASES)


def idea_things(request: Request) -> list[str]:
    """What the request's hobby, occasion or room buys, less the occasion's own motif words (its hints: 'love',
    'heart' for an anniversary): a motif shows the occasion on a thing, it is no present by itself, so a photo
    frame or a candle for a partner's anniversary leads over a 'Big Love' wall sign."""
    motifs = set(request.occasion_hints)
    things = [t for t in request.ideas if t not in motifs]
    return things if things else list(request.ideas)


def asks_sundries(request: Request) -> bool:
    """Did the shopper ask for party things or paper sundries (a party, plates, cups, napkins, stickers...)?"""
    said = {stem(w) for w in words(request.english)} | {w for t in request.types + request.themes for w in t.split()}
    return bool(said & (NOT_A_GIFT_WORDS | ASKS_PAPER | {"party", "plate", "cup", "case"}))


def asks_paper(request: Request) -> bool:
    """Did the shopper ask for cards, wrap, invitations or other paper goods themselves?"""
    said = set(words(request.english)) | {w for t in request.types + request.themes for w in t.split()}
    return bool(said & ASKS_PAPER)


class Relevance:
    def __init__(self, titles, vocab: Vocabulary, categories=None, ideas: Ideas | None = None,
                 synonyms: dict[str, str] | None = None, seasons: dict[str, list[str]] | None = None,
                 embed_phrases=None):
        self.size = len(titles)
        self.embed_phrases = embed_phrases     # list[str] -> (n, dim) unit vectors (the ranker's MiniLM), or None
        self._phrase_vectors: dict[str, np.ndarray] = {}
        self._far: dict[str, np.ndarray] = {}     # type -> its far siblings' rows (cached: the catalog is fixed)
        self.vocab = vocab
        postings: dict[str, set[int]] = defaultdict(set)
        in_category: dict[str, set[int]] = defaultdict(set)
        known = set(vocab.word_count)
        synonyms = {" ".join(words(k)): v for k, v in (synonyms or {}).items()}   # as title words read
        for row, title in enumerate(titles):
            ws = words(str(title))
            for w in words(str(categories[row])) if categories is not None else ():
                in_category[w].add(row)       # 'toy' covers everything in 'Toys & Kids' (at CATEGORY_HIT)
            for w in ws:
                postings[w].add(row)
                if w in synonyms:                         # 'Tealight Holder' covers a request for t-lights
                    postings[synonyms[w]].add(row)
                for cut in range(3, len(w) - 2):          # compounds: teapot -> tea + pot
                    if w[:cut] in known and w[cut:] in known:
                        postings[w[:cut]].add(row)
            for a, b in zip(ws, ws[1:]):
                postings[f"{a} {b}"].add(row)
                if f"{a} {b}" in synonyms:                # 'Tea Cup and Saucer' covers a request for teacups
                    postings[synonyms[f"{a} {b}"]].add(row)
        self.postings = _arrays(postings)
        single_types = {t for t in vocab.types if " " not in t}    # 'tin' is a thing too, not only a material
        self.head_postings = _head_postings(titles, set(vocab.word_count) - ((TRAILING | MATERIALS) - single_types))
        self.wrapping = np.array([_is_wrapping(vocab.product_types[row] if row < len(vocab.product_types) else [],
                                               str(title)) for row, title in enumerate(titles)])
        self.category_postings = _arrays(in_category)
        self.seasons = load_seasons() if seasons is None else seasons
        self.season_rows = {s: self._mask(marks, self.postings) for s, marks in self.seasons.items()}
        self.not_a_gift = np.array([_not_a_gift(str(t)) for t in titles], bool)
        self.audience = (ideas or Ideas.load()).title_audience(titles, categories)   # 'baby' | 'child' | ''

    def _idf(self, term: str) -> float:
        df = len(self.postings.get(term, ())) or len(self.category_postings.get(term, ()))
        return math.log1p(self.size / (df + 1))

    def group_idf(self, alternatives: list[str]) -> float:
        """idf of a group as one word: its document frequency is the union of its alternatives' (a group of
        many rare hints is not rarer than each of them)."""
        if len(alternatives) == 1:
            return self._idf(alternatives[0])
        found = [self.postings[t] for t in alternatives if t in self.postings]
        found = found or [self.category_postings[t] for t in alternatives if t in self.category_postings]
        df = len(np.unique(np.concatenate(found))) if found else 0
        return math.log1p(self.size / (df + 1))

    def groups(self, request: Request) -> list[tuple[list[str], float, bool]]:
        """(alternatives, weight, hard) per thing the request asks for; one group matches if any alternative does.
        The occasion's theme word takes the occasion's hints as alternatives ('halloween' or pumpkin, skull...).
        Hard groups are what the shopper named (types, themes other than sizes): a product missing one loses
        relevance (see `blend`); hints from the recipient are soft, and so is a gift's occasion (when it is given)."""
        occasion_hints = set(request.occasion_hints) if request.occasion_theme else set()
        out = [([t], TYPE_WEIGHT, True) for t in request.types]
        for t in request.themes:
            alternatives = [t] + sorted(occasion_hints - {t}) if t == request.occasion_theme else [t]
            soft = t in SIZES or (request.gift and t == request.occasion_theme) \
                or t in request.soft_themes        # a Christmas gift need not be a Christmas thing
            out.append((alternatives, THEME_WEIGHT, not soft))
        if request.expanded_types:
            out.append((list(request.expanded_types), EXPANDED_WEIGHT, False))
        named = {w for t in request.types for w in t.split()} | set(request.types)
        for style, cue in zip(request.styles, request.style_cues):   # a style named ("nautical"): any of its
            own = {stem(w) for w in cue.split()} & named      # title words shows it; the type named does not
            shows = style if own else [w for w in style if w not in named]   # ("moroccan lanterns": any lantern is
            if shows:                                         # no Moroccan one), unless the style was said by the
                out.append((shows, THEME_WEIGHT, True))       # type's own word ("artificial flowers")
        things = idea_things(request)
        if things:                    # what the hobby/occasion buys: one group, a product of any of them covers it
            out.append((things, IDEA_WEIGHT, True))
        hints = [h for h in request.hints if h not in occasion_hints]
        if request.types and request.audience == "child" and asks_sundries(request):
            hints = []      # paper cups for a child's party: 'Childrens' in a title makes no plastic cup a paper one
        if hints:
            out.append((hints, HINT_WEIGHT, False))
        return out

    def lexical(self, request: Request) -> np.ndarray:
        """Share (0-1, idf-weighted) of the request's word groups that each product's title covers."""
        score = np.zeros(self.size, np.float32)
        total = 0.0
        modifiers = self.type_modifiers(request)
        typed = self.titled_types(request) if modifiers else None
        for alternatives, weight, _ in self.groups(request):
            hit = np.zeros(self.size, np.float32)
            for term in alternatives:
                rows = self.category_postings.get(term)
                if rows is not None:
                    hit[rows] = CATEGORY_HIT
            if len(alternatives) == 1 and alternatives[0] in request.types:
                hit = np.maximum(hit, self.head_hit(alternatives[0]))
            for term in alternatives:
                rows = self.postings.get(term)
                if rows is not None:
                    hit[rows] = 1.0
            if typed is not None and alternatives[0] in modifiers:
                hit = hit * typed        # "fairy lights": 'fairy' counts on lights only, never on fairy incense
            w = weight * self.group_idf(alternatives)
            score += w * hit
            total += w
        return score / total if total else score

    def type_modifiers(self, request: Request) -> set[str]:
        """Nouns said right before a type's word, naming a two-word thing whose head is the type ("fairy lights",
        "moon lamp"): such a word counts only on products of the type, the modifier alone is no match. A colour,
        material, size or occasion before a type is an attribute of it ("red mugs", "felt decorations",
        "halloween decorations") and keeps its own weight (the dev set judges those by category too)."""
        if not request.types or request.language != "English":
            return set()
        said = [stem(w) for w in re.findall(r"[a-z0-9'-]+", request.text.lower())]    # as said: "horses and ponies"
        firsts = {t.split()[0] for t in request.types}
        attributes = set(COLOUR_WORDS) | set(MATERIALS) | set(SIZES) | SHADES | set(self.seasons) \
            | {m for marks in self.seasons.values() for m in marks} | {request.occasion_theme, request.occasion}
        return {a for a, b in zip(said, said[1:])
                if b in firsts and a in request.themes and a not in firsts and a not in attributes}

    def titled_types(self, request: Request) -> np.ndarray:
        """True where a product's title holds a type named (or its head): a 'Candles & Lights' category makes no
        incense a light."""
        return np.logical_or.reduce([self.in_titles(request.types), *self._held_by_head(request)])

    def _held_by_head(self, request: Request) -> list[np.ndarray]:
        """Per type named, True where a title holds it by its head word alone ('Star Decoration': a decoration)."""
        return [self.head_hit(t) > 0 for t in request.types]

    def type_match(self, request: Request) -> np.ndarray | None:
        """True where a product is of a type the shopper named (None when no type was named)."""
        asked = request.types + request.expanded_types + idea_things(request)
        if not asked:
            return None
        return np.logical_or.reduce([self.covered(asked), *self._held_by_head(request)])

    def head_hit(self, type_: str) -> np.ndarray:
        """How much each title holds a two-word type by its head word alone (the thing it names, not a modifier:
        'Star Decoration' holds 'hanging decoration' at HEAD_HIT; 'Decoration Box' does not); 1.0 where no title
        holds the phrase itself. Zero everywhere for a one-word type (the phrase is then the word)."""
        hit = np.zeros(self.size, np.float32)
        parts = type_.split()
        if len(parts) < 2:
            return hit
        rows = self.holds_as_head(parts[-1])
        if self.embed_phrases is not None:
            rows &= ~self._far_siblings(type_)
        hit[rows] = HEAD_HIT if type_ in self.postings else 1.0
        return hit

    def _far_siblings(self, type_: str) -> np.ndarray:
        """True where a product's own compound of `type_`'s head is another type far in meaning (SIBLING_MIN)."""
        if type_ in self._far:
            return self._far[type_]
        head = type_.split()[-1]
        own = [next((t for t in types if t != type_ and " " in t and t.split()[-1] == head), None)
               for types in self.vocab.product_types[:self.size]]
        own += [None] * (self.size - len(own))
        siblings = sorted({t for t in own if t})
        missing = [t for t in [type_] + siblings if t not in self._phrase_vectors]
        if missing:
            self._phrase_vectors.update(zip(missing, self.embed_phrases(missing)))
        near = {t: float(self._phrase_vectors[t] @ self._phrase_vectors[type_]) >= SIBLING_MIN for t in siblings}
        self._far[type_] = np.array([t is not None and not near[t] for t in own], bool)
        return self._far[type_]

    def covers(self, row: int, term: str) -> bool:
        """Does product `row`'s title hold `term` (stemmed word, compound part or two-word phrase)?"""
        rows = self.postings.get(term)
        if rows is None:
            return False
        i = int(np.searchsorted(rows, row))
        return i < len(rows) and int(rows[i]) == row

    def same_type(self, row: int) -> np.ndarray:
        """Products sharing product `row`'s main type, or that type's head word ('t-light holder', 'holder')."""
        hit = np.zeros(self.size, bool)
        types = self.vocab.product_types[row][:1]
        for t in types + [t.split()[-1] for t in types]:
            rows = self.postings.get(t)
            if rows is not None:
                hit[rows] = True
        return hit

    @staticmethod
    def rescale_dense(cosine: np.ndarray) -> np.ndarray:
        return np.clip((cosine - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR), 0, 1)

    @staticmethod
    def multilingual_dense(z: np.ndarray) -> np.ndarray:
        """e5 z-scores (retrieval/multilingual.py) as MiniLM-scale cosines, so both blend the same way."""
        return (DENSE_FLOOR + np.clip((z - Z_FLOOR) / (Z_CEIL - Z_FLOOR), 0, 1) * (DENSE_CEIL - DENSE_FLOOR)
                ).astype(np.float32)

    def _mask(self, words_: list[str], *indexes: dict[str, np.ndarray]) -> np.ndarray:
        """True where any of `indexes` lists any of `words_` for the product."""
        hit = np.zeros(self.size, bool)
        for t in words_:
            for postings in indexes:
                rows = postings.get(t)
                if rows is not None:
                    hit[rows] = True
        return hit

    def in_titles(self, alternatives: list[str]) -> np.ndarray:
        """True where a product's title (not its category) holds any of `alternatives`."""
        return self._mask(alternatives, self.postings)

    def covered(self, alternatives: list[str]) -> np.ndarray:
        """True where a product's title or category holds any of `alternatives`."""
        return self._mask(alternatives, self.postings, self.category_postings)

    def blend(self, request: Request, lexical: np.ndarray, cosine: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Relevance of products `rows` given their title coverage and embedding cosine. A product missing a
        named theme or material ("felt", "glass", "halloween") keeps MISSING_FACTOR of its relevance per group
        missed, as one not of the type asked for does: every thing the shopper named counts, and the rarer
        word (idf) decides between a product with only the type and one with only the theme."""
        rel = LEXICAL_SHARE * lexical + (1 - LEXICAL_SHARE) * self.rescale_dense(cosine)
        typed = self.type_match(request)
        if typed is not None and self.type_modifiers(request):
            typed = typed & self.titled_types(request)    # "fairy lights": by title, a fairy candle is no light
        paper = np.zeros(len(rows), bool)
        if (request.gift or request.occasion or request.ideas or request.styles or request.types) \
                and not asks_paper(request):
            paper = self.wrapping[rows]   # a card with a teddy on it is not a teddy: paper is never of the type
        if typed is not None and (typed[rows] & ~paper).any():
            rel = np.where(typed[rows] & ~paper, rel, rel * MISSING_FACTOR)
        rel = np.where(paper, rel * WRAPPING_FACTOR, rel)
        audience = self.audience_factor(request.audience, rows)
        if request.audience == "child" and asks_sundries(request):
            # party sundries asked for a child's party (paper cups, napkins) are the child's: no children's
            # plastic cup leads over the paper ones for being a "children's" product
            audience = np.where(self.not_a_gift[rows], 1.0, audience)
        rel = rel * audience
        if request.gift and request.audience not in ("child", "baby") and not asks_sundries(request):
            sundry = self.not_a_gift[rows] & ~paper       # no sticker for mum; a hobby's own things stay (cake cases
            if typed is not None:                         # for a baker, cocktail straws for a gin fan)
                sundry &= ~typed[rows]
            rel = np.where(sundry, rel * WRAPPING_FACTOR, rel)
        other = self.other_seasons(request)
        if other is not None:
            rel = np.where(other[rows], rel * OTHER_OCCASION_FACTOR, rel)
        groups = self.groups(request)
        materials = sum(alternatives[0] in MATERIALS for alternatives, _, _ in groups)
        head = self.named_head(request)
        full = self.holds_all(request, rows)
        if full is not None and full.any():  # a room and a style named: where some product is both, one that is
            rel = np.where(full, rel, rel * PARTIAL_FACTOR)   # only one of them is no match
        for alternatives, _, hard in groups:
            if hard and (alternatives[0] in request.themes or alternatives in request.styles):
                hit = self.covered(alternatives)[rows]
                if alternatives == [head]:            # "dog food": 'food' must name the thing, not modify it
                    hit = hit & self.holds_as_head(head)[rows]
                material = materials == 1 and alternatives[0] in MATERIALS   # "zinc metal": either will do
                if hit.any():
                    rel = np.where(hit, rel, rel * (MATERIAL_MISSING_FACTOR if material else MISSING_FACTOR))
        return rel

    def holds_all(self, request: Request, rows: np.ndarray) -> np.ndarray | None:
        """For a request naming a room with a style or theme it must hold ("nautical bits for the bathroom"): True
        per product of `rows` that holds the room's things (by its things' words, never the room's own name) and every
        style and theme; None otherwise. (A type in a
        style, "moroccan lanterns", is left to the halving: on the dev set the stricter rule made "french style
        home accessories" all alternatives, every one of them judged relevant.)"""
        if not request.places:
            return None
        room = {stem(w) for place in request.places for w in words(place)}
        things = [t for t in idea_things(request) if not set(t.split()) <= room   # the room's things, not its name:
                  and not any(r.startswith(t) for r in room)]                # ('bath' is inside 'bathroom'):
        hard = [alternatives for alternatives, _, h in self.groups(request)  # 'Kitchen ... Plaque' or a toy
                if h and alternatives != idea_things(request)]               # 'Playhouse Kitchen' is no kitchen thing
        if things or request.types or request.expanded_types:
            hard.append(list(request.types + request.expanded_types + things))
        if len(hard) < 2:
            return None
        hit = np.ones(len(rows), bool)
        for alternatives in hard:
            hit &= self.covered(alternatives)[rows]
        return hit

    def other_seasons(self, request: Request) -> np.ndarray | None:
        """True where a product is themed to another occasion than the one the request names (None: the request
        names no occasion, or no product is another's). The request's seasons: its occasion's, and any whose
        title words it says itself ("skull napkins for a birthday" keeps its skulls)."""
        if not request.occasion:
            return None
        said = {stem(request.occasion)} | set(request.occasion_hints) | set(request.themes) | set(request.types) \
            | set(request.hints) | {w for t in request.themes + request.types for w in t.split()}
        other = [rows for s, rows in self.season_rows.items() if s not in said and not said & set(self.seasons[s])]
        return np.logical_or.reduce(other) if other else None

    def named_head(self, request: Request) -> str | None:
        """The thing a request names after a modifier ("dog food" -> 'food', "wine glass" -> 'glass'): its last
        content word, when that is a theme (not inside a mined type), another catalog word comes before it, and it
        is the last word said, right after a catalog word ("beach hut things" names things of a theme; "a wine glass for
        dad" and "a lunch box for school" are left alone) and no category's word ("home
        decor", "party": a range or an occasion, not one kind of thing)."""
        typed = {w for t in request.types for w in t.split()}
        head = request.head
        if not (head and head in request.themes and head not in typed and head not in self.category_postings
                and len(request.types) + len(request.themes) >= 2):
            return None
        if request.language != "English":
            return head if words(request.english)[-1:] == [head] else None
        said = [stem(w) for w in re.findall(r"[a-z0-9'-]+", request.text.lower())]
        named = typed | set(request.themes)     # the word just before the head modifies it, and no purpose or
        if PURPOSE_WORDS & set(said):           # place comes first: "a tin for a rose garden" asks for a tin
            return None
        if said[-1:] != [head] or len(said) < 2 or said[-2] not in named:
            return None
        # after a colour, material or size the word may be a motif the shopper wants ("gold star": a star-shaped
        # gold decoration will do); after a noun it is the thing itself ("dog food", "wine glass")
        return None if said[-2] in COLOUR_WORDS or said[-2] in MATERIALS or said[-2] in SIZES else head

    def holds_as_head(self, word: str) -> np.ndarray:
        """True where a title holds `word` as the thing it is, not as a modifier of a product type after it:
        'Black Wine Glass' holds 'glass'; 'Glass Jar Marmalade' and 'Dog Food Container' do not hold 'glass' or
        'food' (a title's head is mostly its last noun; trailing colours and sizes do not count as nouns)."""
        return self._mask([word], self.head_postings)

    def audience_factor(self, audience: str | None, rows: np.ndarray) -> np.ndarray | float:
        """What a product keeps for being for someone else than the request's audience (1.0: no mismatch)."""
        mine = self.audience[rows]
        if audience == "adult":
            return np.where(mine != "", ADULT_CHILDREN_FACTOR, 1.0)
        if audience == "baby":
            return np.where(mine == "baby", 1.0, AUDIENCE_FACTOR)
        if audience == "child":
            return np.where(mine != "", 1.0, CHILD_ADULT_FACTOR)
        return 1.0

    def no_match(self, request: Request, lexical: np.ndarray, best_cosine: float,
                 allowed: np.ndarray | None = None) -> bool:
        """Nothing is relevant enough to offer as a match. Only a request holding words no product has can be
        one ("a laptop charger", "65 inch smart tv"), and only when nothing is close in meaning either and:
        the thing asked for (the last content word) is unknown, or unknown words outnumber catalog words,
        or the best title covers less than half of the request with each unknown word counted at
        UNKNOWN_WEIGHT x the rarest word's weight. Chinese the lexicon cannot map counts only when nothing
        at all was mapped (the lexicon is not complete)."""
        if request.anchor or request.ideas:     # ideas are checked against the catalog: the shop has them
            return False
        head = self.named_head(request)
        if head and allowed is not None and self.covered([head])[allowed].any() \
                and not self.holds_as_head(head)[allowed].any():
            return True                         # "dog food": titles hold 'food' only as a modifier (Food Container)
        if not request.has_subject():
            return bool(request.unknown or request.unknown_zh)
        if not request.unknown or best_cosine >= NO_MATCH_DENSE:
            return False
        if request.head in request.unknown:
            return True
        if request.gift:              # words describing the person ("who spends weekends in the garden") are
            return False              # not the thing asked for: what of the request we know is served
        known = {w for t in request.types + request.themes for w in t.split()}
        if len(request.unknown) > len(known):
            return True
        asked = sum(w * self.group_idf(alts) for alts, w, _ in self.groups(request))
        missing = UNKNOWN_WEIGHT * math.log1p(self.size) * len(request.unknown)      # df = 0
        best = float(lexical.max()) if lexical.size else 0.0
        return best * asked / (asked + missing) < NO_MATCH_COVERAGE
