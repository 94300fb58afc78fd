"""A shop assistant's knowledge of gifts: what a hobby, an occasion or a style means in the catalog's words,
and whom a request and a product are for.

    ideas = Ideas.load()                                   # resources/gift_ideas.csv + resources/audience.csv
    ideas.things("a dad who loves his garden")             # ['trowel', 'secateur', 'kneeling pad', ...]
    ideas.cues("a dad who loves his garden")               # ['garden']: the words that led there
    ideas.for_audience("child")                            # ['toy', 'soft toy', 'teddy', ...]: a child's gift
    ideas.audience("present for a 5 year old boy")         # 'child'   ('baby', 'child', 'adult' or None)
    ideas.title_audience(titles, categories)               # (n,) array of 'baby' | 'child' | ''

A hobby ("gardening", "knitting", "bird watching") or an occasion whose name no title carries ("bonfire night",
"retirement") maps to the things it buys, a place ("the bathroom", "a dining table") to the kinds of things kept
there; a style ("shabby chic", "nautical") to the title words that show it
(vintage, doily, lace...; seaside, shell, starfish...); an audience to its usual gifts: all in the catalog's own
title words (gift_ideas.csv, checked against the catalog by a test: every word there is in some title).
Who a gift is for sets an *audience*, never a title word to match: a girl of nine is a child (children's
things), "the girls" for afternoon tea are adults (no children's mugs), a new mum's baby wants baby things. An age in years decides first (0-2 baby, 3-12 child,
13+ adult). Products are children's or babies' by their title words or a "Kids" category (audience.csv).
This module only reads words: the relevance blend (relevance.py) decides what an audience mismatch costs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.fsutil import csv_rows
from assistant.resources import AUDIENCE, GIFT_IDEAS
from assistant.search.vocabulary import stem, words

NUMBER_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                             "thirteen fourteen fifteen sixteen seventeen eighteen".split())}
_N = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + ")"
# "a 5 year old", "five-year-old", "aged 7", "turning nine", "her 9th birthday"
AGE = re.compile(rf"\b{_N}[- ]?(?:years?|yrs?|yo)\b(?:[- ]old(?:'s)?)?|\b(?:aged?|turning|turns) {_N}\b|"
                 rf"\b(\d{{1,2}})(?:st|nd|rd|th)(?= birthday\b)", re.I)
TEEN = re.compile(r"\bteen(?:s|age|aged|ager|agers)?\b", re.I)
AUDIENCES = ("baby", "child", "adult")
KINDS = ("interest", "occasion", "audience", "style", "place")
KIDS_CATEGORY = re.compile(r"\bkids?\b|\bchild", re.I)


def _phrase(text: str) -> str:
    """A phrase in comparable form: lower-case, stemmed words, single spaces ('Bird Feeders' -> 'bird feeder')."""
    return " ".join(stem(w) for w in re.findall(r"[a-z0-9][a-z0-9'-]*", text.lower()))


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?:^| ){re.escape(phrase)}(?: |$)", text) is not None


# A hobby said as what someone does ("who cycles", "she knits", "he bakes") is its '-ing' cue: the verb's bare
# form (stemmed text: 'cycles' -> 'cycle') right after a subject, maybe after an adverb.
DOER = r"(?:who|he|she|they|i|we|you)(?: (?:also|still|really|often|always|regularly|just|now|loves? to|likes? to))?"


def _verb_forms(cue: str) -> set[str]:
    """The bare verb of a one-word '-ing' cue: cycling -> cycle/cycl, knitting -> knit, baking -> bake."""
    if " " in cue or not cue.endswith("ing") or len(cue) < 6:
        return set()
    base = cue[:-3]
    forms = {base, base + "e"}
    if len(base) > 2 and base[-1] == base[-2]:
        forms.add(base[:-1])           # knitt -> knit, runn -> run
    return forms


def _does(text: str, cue: str) -> bool:
    forms = _verb_forms(cue)
    return bool(forms) and re.search(rf"(?:^| ){DOER} (?:{'|'.join(map(re.escape, forms))})(?: |$)", text) is not None


@dataclass
class Idea:
    kind: str                      # interest | occasion | audience | style | place
    cues: list[str]                # request phrases (stemmed)
    things: list[str]              # catalog title words/phrases (stemmed)
    audience: str | None = None    # interests: whom the hobby suggests when the request does not say (adult)


@dataclass
class Ideas:
    ideas: list[Idea]
    request_words: dict[str, list[str]]      # audience -> request phrases (stemmed)
    title_words: dict[str, list[str]]        # audience -> title phrases (stemmed)

    @classmethod
    def load(cls, gift_ideas: Path = GIFT_IDEAS, audience: Path = AUDIENCE) -> "Ideas":
        ideas = []
        for n, row in csv_rows(gift_ideas, ("kind", "cues", "things")):
            cues, things = _split(row["cues"]), _split(row["things"], title=True)
            if row["kind"] not in KINDS or not cues or not things or \
                    (row["kind"] == "audience" and not set(cues) <= set(AUDIENCES)):
                raise ValueError(f"{gift_ideas.name} row {n}: needs kind one of {KINDS}, cues (for "
                                 f"an audience: one of {AUDIENCES}) and things "
                                 f"(got {row['kind']!r}, {row['cues']!r}, {row['things']!r})")
            audience_of = (row.get("audience") or "").strip() or None
            if audience_of is not None and audience_of not in AUDIENCES:
                raise ValueError(f"{gift_ideas.name} row {n}, column 'audience': {audience_of!r} is not one of "
                                 f"{AUDIENCES}")
            ideas.append(Idea(row["kind"], cues, things, audience_of))
        request_words: dict[str, list[str]] = {a: [] for a in AUDIENCES}
        title_words: dict[str, list[str]] = {a: [] for a in AUDIENCES}
        for n, row in csv_rows(audience, ("side", "audience", "words")):
            side = {"request": request_words, "title": title_words}.get(row["side"])
            if side is None or row["audience"] not in AUDIENCES:
                raise ValueError(f"{audience.name} row {n}: side must be request|title and audience one of "
                                 f"{AUDIENCES} (got {row['side']!r}, {row['audience']!r})")
            side[row["audience"]] += _split(row["words"])
        return cls(ideas, request_words, title_words)

    def matches(self, text: str) -> list[tuple[Idea, str]]:
        """(idea, the cue found) for every idea whose cue the text holds, longest cue first within an idea."""
        low = _phrase(text)
        out = []
        for idea in self.ideas:
            if idea.kind == "audience":
                continue
            cue = next((c for c in sorted(idea.cues, key=len, reverse=True) if _contains(low, c)), None) \
                or next((c for c in idea.cues if idea.kind == "interest" and _does(low, c)), None)
            if cue:
                out.append((idea, cue))
        return out

    def things(self, text: str) -> list[str]:
        return list(dict.fromkeys(t for idea, _ in self.matches(text) for t in idea.things))

    def for_audience(self, audience: str | None) -> list[str]:
        """What a gift for this audience usually is when nothing else says ('child' -> toys, jigsaws...)."""
        return list(dict.fromkeys(t for idea in self.ideas if idea.kind == "audience" and audience in idea.cues
                                  for t in idea.things))

    def cues(self, text: str) -> list[str]:
        return [cue for _, cue in self.matches(text)]

    def audience(self, text: str) -> str | None:
        """Who the request is for: an age in years first, then the youngest audience a word names
        ('my son and his new baby' -> baby), where "the girls"/"the boys" (friends) count as adults."""
        for adult in self.request_words["adult"]:      # "my child's teacher" is for the teacher
            text = re.sub(rf"\b[\w-]+'s? ((?:[\w-]+ ){{0,2}}{re.escape(adult)})\b", r"\1", text, flags=re.I)
        # "the boys' room" is the children's room ("the boys" alone are grown-up friends)
        text = re.sub(r"\bthe (boys|girls)'\s+(?=(?:bed|play)?rooms?\b)", r"\1 ", text, flags=re.I)
        m = AGE.search(text)
        if m:
            said = next(g for g in m.groups() if g).lower()
            age = int(said) if said.isdigit() else NUMBER_WORDS[said]
            return "baby" if age <= 2 else "child" if age <= 12 else "adult"
        if TEEN.search(text):         # "a teenage boy" is past children's things
            return "adult"
        low = _phrase(text)
        adult = [w for w in self.request_words["adult"] if _contains(low, w)]
        for audience in ("baby", "child"):
            found = [w for w in self.request_words[audience] if _contains(low, w)]
            # a child word inside an adult phrase ("the girls") does not count
            if any(not any(_contains(a, w) for a in adult) for w in found):
                return audience
        return "adult" if adult else None

    @staticmethod
    def without_age(text: str) -> str:
        """The text with its age phrase taken out ("turning nine" is not a theme 'nine')."""
        return AGE.sub(" ", text)

    def title_audience(self, titles, categories=None) -> np.ndarray:
        """'baby', 'child' or '' per product, from its title words (and a children's category)."""
        out = []
        for row, title in enumerate(titles):
            low = _phrase(str(title))
            if any(_contains(low, w) for w in self.title_words["baby"]):
                out.append("baby")
            elif any(_contains(low, w) for w in self.title_words["child"]) or \
                    (categories is not None and KIDS_CATEGORY.search(str(categories[row]))):
                out.append("child")
            else:
                out.append("")
        return np.array(out, dtype=object)


def _split(cell: str | None, title: bool = False) -> list[str]:
    """';'-separated phrases; title words as the relevance index holds them (stemmed, stop words out)."""
    return [p for p in (" ".join(words(x)) if title else _phrase(x) for x in (cell or "").split(";")) if p]
