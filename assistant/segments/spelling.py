"""Tolerant spelling for staff questions: a misspelt word is read as a known word only when exactly one is nearest.

    edit_distance("germnay", "germany")                 # 1 (two neighbouring letters swapped count as one edit)
    nearest("germnay", ["germany", "germain"], max_d=2)  # "germany": one candidate at the smallest distance
    nearest("fance", ["france", "fancy"], max_d=1)       # None: two candidates at distance 1, so the parser asks
    nearest("germay", ["german", "germany"], 1, same=lambda a, b: True)   # "german": both name Germany
    split_glued("lastmonth", known)                       # "last month" when exactly one split gives two known words
    unglue_numbers("last 30days")                         # "last 30 days"

What it leaves out: it never picks between two candidates, never corrects short words (see `allowed_distance`),
and never reads a word as a different name when another known word is as close; the caller says the reading in
words ("Germany (you wrote 'germnay')").
"""
from __future__ import annotations

import re
from collections.abc import Iterable

UNITS_GLUED = re.compile(r"\b(\d+)(days?|weeks?|months?|years?|quarters?|orders?|customers?|products?)\b")


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, neighbouring swaps cost 1."""
    if abs(len(a) - len(b)) > 2:
        return 3                       # farther than any distance this module accepts
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def allowed_distance(word: str) -> int:
    """How many edits a word of this length may carry: none under 5 letters, 1 under 8, else 2."""
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def nearest(word: str, candidates: Iterable[str], max_d: int, same=None) -> str | None:
    """The one candidate nearest to `word` within max_d edits, or None when none or several tie. `same(a, b)`:
    two candidates that name the same thing ('german' and 'germany' both Germany) are no tie."""
    best, best_d, tied = None, max_d + 1, False
    for c in candidates:
        d = edit_distance(word, c)
        if d < best_d:
            best, best_d, tied = c, d, False
        elif d == best_d and c != best and not (same and same(c, best)):
            tied = True
    return None if tied or best_d == 0 else best


def split_glued(word: str, known: set[str], min_part: int = 3) -> str | None:
    """'lastmonth' -> 'last month' when exactly one split gives two known words of at least min_part letters."""
    splits = [f"{word[:i]} {word[i:]}" for i in range(min_part, len(word) - min_part + 1)
              if word[:i] in known and word[i:] in known]
    if not splits:      # 'grossales': the letter both words share written once ('gross' + 'sales')
        splits = [f"{word[:i]} {word[i - 1:]}" for i in range(min_part, len(word) - min_part + 2)
                  if word[:i] in known and word[i - 1:] in known]
    return splits[0] if len(splits) == 1 else None


def unglue_numbers(text: str) -> str:
    """'last 30days' -> 'last 30 days': a number glued to its unit."""
    return UNITS_GLUED.sub(r"\1 \2", text)
