"""The catalog's own words, mined at build time: product types, theme words, and which types each theme sells as.

    vocab = mine_vocabulary(products)                  # products: DataFrame with title, category
    vocab.save(folder / "vocabulary.json"); vocab = Vocabulary.load(folder / "vocabulary.json")
    vocab.types_in("christmas decorations for a tree")  # ['decoration', 'tree']  (longest phrases first)
    vocab.types_in("glass candle holder")               # ['candle holder'], not 'glass candle' too (phrases overlap)
    vocab.product_types[row]                            # {'t-light holder', 'holder'} for 'White Hanging Heart T-Light Holder'
    vocab.theme_types["tea"]                            # {'mug': 3, 'teapot': 2, 'tin': 2, ...}

A *type* is a word (or two-word phrase) that usually ends a title: titles name the thing last
("Red Retrospot Cake Stand", "Zinc Heart Lattice T-Light Holder"), so a word's share of appearances
in the last position, after trailing sizes/colours/pack words are dropped, tells a type ("holder", 0.9)
from a theme ("heart", 0.15). Everything else a title says is a *theme* word. Words are compared
after `stem` (plural -> singular). Nothing here is hand-listed except the trailing-modifier words.
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
# Words that trail a title after its type ("Cake Stand ... Small", "Bag Red", "Mug Assorted"): never types.
SIZES = frozenset("small large medium mini jumbo giant big tiny xl".split())   # never a thing the shopper must have
# What a thing is made of: named next to a type ("glass jar", "wooden toys") it holds over the type (relevance.py)
MATERIALS = frozenset("glass wooden wood ceramic porcelain china enamel enamelled zinc metal tin wicker felt "
                      "cotton linen jute hessian bamboo copper brass crystal lace velvet leather rattan willow "
                      "stoneware pottery acrylic plastic silk wool knitted".split())
TRAILING = SIZES | frozenset("assorted asst design designs colour colours "
                     "set pack of and in with the a for on red pink blue white black green ivory cream silver gold "
                     "purple yellow brown orange grey gray natural clear multi multicolour pastel spot spots "
                     "vintage retro wooden wood metal glass zinc ceramic felt paper fabric enamel".split())
STOP = frozenset("a an and the of for in on with to from by my your our i me it is are this that".split())
MIN_TYPE_COUNT = 2        # a type ends at least this many titles
MIN_TYPE_SHARE = 0.34     # ... and at least this share of the titles it appears in


def stem(word: str) -> str:
    """Light English singular: cases->case, boxes->box, candies->candy, glasses->glass; 'ss'/'us' kept."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or w.endswith(("ss", "us", "is", "mas", "ous", "ics")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "xes", "sses", "zes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Stemmed lower-case words of a text (stop words dropped; 't-light' kept whole)."""
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOP]


def _core(title: str) -> list[str]:
    """Title words with trailing modifiers and numbers dropped ('Cake Stand Victorian Small' keeps 'small' out)."""
    ws = [w for w in words(title) if not w.isdigit()]
    while ws and ws[-1] in TRAILING:
        ws.pop()
    return ws


@dataclass
class Vocabulary:
    types: dict[str, int] = field(default_factory=dict)             # type phrase -> titles it ends
    theme_types: dict[str, dict[str, int]] = field(default_factory=dict)   # theme word -> {type: titles}
    product_types: list[list[str]] = field(default_factory=list)    # per product row, its types
    word_count: dict[str, int] = field(default_factory=dict)        # stemmed word -> products (title or category)
    phrases: list[str] = field(default_factory=list)                # two-word runs in >= 2 titles ("cake stand")

    def types_in(self, text: str) -> list[str]:
        """Types named in `text`, longest phrase first; a word inside a found two-word type is not repeated."""
        ws = words(text)
        found, used = [], set()
        for i in range(len(ws) - 2, -1, -1):        # from the end: the thing is named last ("glass candle holder"
            if i + 1 in used:                        # is a candle holder of glass, not a glass candle)
                continue
            phrase = f"{ws[i]} {ws[i + 1]}"
            if phrase in self.types or (ws[i + 1] in self.types and phrase in self.phrase_set):
                found.insert(0, phrase)
                used |= {i, i + 1}
        found += [w for i, w in enumerate(ws) if i not in used and w in self.types and w not in found]
        return found

    def themes_in(self, text: str) -> list[str]:
        """Catalog words in `text` that are not types (e.g. 'tea', 'heart', 'christmas')."""
        typed = {w for t in self.types_in(text) for w in t.split()}
        return [w for w in dict.fromkeys(words(text)) if w in self.word_count and w not in typed]

    @functools.cached_property
    def phrase_set(self) -> set[str]:
        return set(self.phrases)

    def known(self, term: str) -> bool:
        return term in self.types or term in self.word_count

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"types": self.types, "theme_types": self.theme_types,
                                    "product_types": self.product_types, "word_count": self.word_count,
                                    "phrases": self.phrases},
                                   ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def mine_vocabulary(products) -> Vocabulary:
    """Mine types, themes and their links from product titles (one pass, deterministic)."""
    titles = [str(t) for t in products["title"]]
    cores = [_core(t) for t in titles]
    last1, last2 = Counter(), Counter()
    seen1, seen2 = Counter(), Counter()
    for ws in cores:
        if ws:
            last1[ws[-1]] += 1
        if len(ws) >= 2:
            last2[" ".join(ws[-2:])] += 1
        seen1.update(set(ws))
        seen2.update({f"{a} {b}" for a, b in zip(ws, ws[1:])})
    types = {w: n for w, n in last1.items()
             if n >= MIN_TYPE_COUNT and n / seen1[w] >= MIN_TYPE_SHARE and len(w) > 2 and w not in TRAILING}
    types |= {p: n for p, n in last2.items()
              if n >= MIN_TYPE_COUNT and n / seen2[p] >= MIN_TYPE_SHARE and p.split()[-1] in types}
    product_types: list[list[str]] = []
    theme_types: dict[str, Counter] = defaultdict(Counter)
    for ws in cores:
        mine = [f"{a} {b}" for a, b in zip(ws, ws[1:]) if f"{a} {b}" in types]
        mine += [w for w in ws if w in types and w not in mine]
        product_types.append(mine)
        head = mine[0] if mine else ""
        for w in set(ws) - {x for t in mine for x in t.split()}:
            if head:
                theme_types[w][head] += 1
    categories = [str(c) for c in products["category"]] if "category" in products else [""] * len(titles)
    word_count = Counter(w for t, c in zip(titles, categories) for w in set(words(f"{t} {c}")) if not w.isdigit())
    return Vocabulary(types=dict(sorted(types.items())),
                      theme_types={w: dict(c.most_common(12)) for w, c in sorted(theme_types.items())},
                      product_types=product_types, word_count=dict(sorted(word_count.items())),
                      phrases=sorted(p for p, n in seen2.items() if n >= MIN_TYPE_COUNT))
