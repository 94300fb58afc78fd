"""Prompt templates live in assistant/resources/prompts/<task>.md; this turns one into chat messages.

    messages = render("shopper", question="a gift for my mum", products="1. ...")
    prefix("route")        # the static start of every route prompt: the system part, the user part cut at $message

A template has a `## system` section and a `## user` section; `$name` placeholders are filled with
string.Template (values are inserted as they are, never re-parsed as templates). `prefix` gives the part of
a template that is the same for every request (what a prompt-caching engine evaluates once at start): the
system section with the given values, and the user section up to its first placeholder not given.
"""
from __future__ import annotations

import functools
import re
from string import Template

from assistant.errors import DataError
from assistant.resources import PROMPTS

SECTION = re.compile(r"^## (system|user)\s*$", re.M)


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict[str, Template]:
    path = PROMPTS / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    parts = SECTION.split(text)
    sections = {parts[i]: Template(parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise DataError(path.name, "needs exactly a '## system' and a '## user' section")
    return sections


def render(name: str, **values) -> list[dict]:
    """[system, user] messages for template `name`; a missing value raises KeyError."""
    t = load(name)
    return [{"role": "system", "content": t["system"].substitute(values)},
            {"role": "user", "content": t["user"].substitute(values)}]


def prefix(name: str, **values) -> list[dict]:
    """[system, user-so-far]: the system section filled from `values` (all its placeholders are needed), the
    user section cut where its first placeholder missing from `values` begins."""
    t = load(name)
    user = t["user"]
    cut = len(user.template)
    for match in user.pattern.finditer(user.template):
        key = match.group("named") or match.group("braced")
        if key is not None and key not in values:
            cut = match.start()
            break
    return [{"role": "system", "content": t["system"].substitute(values)},
            {"role": "user", "content": Template(user.template[:cut]).substitute(values)}]
