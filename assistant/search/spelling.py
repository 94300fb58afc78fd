"""Typos in a request: a word that neither the catalog nor the request vocabulary knows, one edit (a letter
added, dropped or changed, two neighbours swapped) from exactly one known word of 4+ letters, is read as it.

    speller = Speller(known={"umbrella", "girlfriend", "tree"}, english={"three", "an", "for", "my"})
    speller.correct("an umbrela for my girlfreind")
    # ('an umbrella for my girlfriend', [('umbrela', 'umbrella'), ('girlfreind', 'girlfriend')])
    speller.correct("three candles")             # ('three candles', []): an English word is never corrected

`known`: the catalog's title words and the request words (recipients, occasions, hobbies), stemmed. `english`:
ordinary English words (the embedder's tokenizer vocabulary, models/embed.py `english_words`), so that
"three" is not read as "tree". A known word is never corrected; a word with two candidates ("cale": cake or
cane) stays as said, and so do words under 4 letters, numbers and words with an apostrophe or a hyphen. The
catalog's cut-off title words ("candl") lose to an English word of the candidates ("candels" -> candle). The
caller states each correction to the shopper ("I read 'umbrela' as 'umbrella'"): a correction is a guess.
"""
from __future__ import annotations

import re
import string

from assistant.search.vocabulary import stem

MIN_LETTERS = 4
WORD = re.compile(r"(?<![\w'-])[A-Za-z]{%d,}(?![\w'-])" % MIN_LETTERS)


def one_edit(word: str) -> set[str]:
    """Every string one edit from `word` (Damerau: delete, swap two neighbours, replace, insert). The last
    letter is never replaced: that mostly makes another word, not a typo of one (fillet -> filler)."""
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if len(b) > 1 for c in letters}   # not the last letter
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | swaps | replaces | inserts) - {word}


class Speller:
    def __init__(self, known: set[str] | frozenset[str], english: set[str] | frozenset[str] = frozenset()):
        self.known = known
        self.english = english

    def is_known(self, word: str) -> bool:
        w = word.lower()
        return w in self.known or stem(w) in self.known or w in self.english

    def fix(self, word: str) -> str | None:
        """The one known word (4+ letters) `word` is a typo of, or None (known, English, none or several)."""
        if len(word) < MIN_LETTERS or self.is_known(word):
            return None
        w = word.lower()
        found = {c for form in {w, stem(w)} for c in one_edit(form)
                 if len(c) >= MIN_LETTERS and c in self.known}
        if len(found) > 1:            # the catalog has cut words ("candl"): an ordinary English word wins
            found = found & self.english
        return found.pop() if len(found) == 1 else None

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """(text with typos corrected, [(said, read)])."""
        fixes: list[tuple[str, str]] = []

        def sub(m: re.Match) -> str:
            read = self.fix(m.group(0))
            if read is None:
                return m.group(0)
            fixes.append((m.group(0), read))
            return read

        return WORD.sub(sub, text), fixes
