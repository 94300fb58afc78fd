"""Chinese words as a real segmenter cuts them (jieba), with the shop's own terms kept whole.

    seg = Segmenter(["蛋糕架", "派对"])
    seg.words("派对布置用品")          # ['派对', '布置', '用品']: 布置 "to decorate" is one word, not 布 "fabric" + 置
    seg.words("我要蛋糕架")            # ['我要', '蛋糕架']: a term of the lexicon is never cut

Shared by request understanding (search/understand.py) and staff question parsing (segments/nlq.py, leftover
words are whole words). Request understanding maps these words to catalog words: a one-character term maps only
when the segmenter leaves that character as its own word; a longer word it does not know is read by the lexicon's
terms of two characters or more found inside it (圣诞礼物 -> 圣诞 + 礼物). jieba's dictionary ships inside its
wheel; the prefix dictionary is built once per process (about a second) and cached by jieba in the temp folder.
"""
from __future__ import annotations

import functools
import logging

import jieba

jieba.setLogLevel(logging.WARNING)


class Segmenter:
    def __init__(self, terms):
        self._terms = tuple(t for t in terms if len(t) >= 2)

    @functools.cached_property
    def _tokenizer(self) -> jieba.Tokenizer:
        tok = jieba.Tokenizer()
        for term in self._terms:
            tok.add_word(term)          # frequency suggested by jieba so that the term is kept whole
        return tok

    def words(self, text: str) -> list[str]:
        """The text cut into words (precise mode, no HMM guessing of unknown words); nothing dropped or reordered."""
        return list(self._tokenizer.cut(text, HMM=False))
