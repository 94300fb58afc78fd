"""The house: every import inside the package points down a floor, and no import circle spans two packages.

Floors as in /work/shared/DESIGN.md (README "Layout"), lowest first. Imports inside functions count too.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
FLOORS = [   # lowest first; a name is a subpackage or a top-level module of `assistant`
    {"config", "errors", "privacy", "access", "fsutil", "timing", "prompts", "resources"},
    {"data"},
    {"models"},
    {"retrieval"},
    {"segments"},
    {"recommend"},
    {"search"},
    {"spark"},                                  # the Spark build path (assistant/spark/), used by build
    {"artifacts", "build"},
    {"chat"},
    {"experiments"},                            # A/B report and simulator: read the chat store, fit recommenders
    {"cli", "webapp", "staff_view", "__main__"},
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}


def unit(module: str) -> str:
    """'assistant.chat.engine' -> 'chat'; 'assistant.config' -> 'config'."""
    return module.split(".")[1]


def imports() -> dict[str, set[str]]:
    """module -> the assistant modules it imports (anywhere in the file)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(("assistant",) + path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant"):
                found |= ({node.module} if node.module != "assistant" else
                          {f"assistant.{a.name}" for a in node.names})
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("assistant.")}
        out[module] = found
    return out


def upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{src} -> {dst}" for src, dsts in graph.items() if src != "assistant" for dst in dsts
                  if FLOOR[unit(dst)] > FLOOR[unit(src)])


def cross_package_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of the package-level graph with more than one package."""
    edges: dict[str, set[str]] = {}
    for src, dsts in graph.items():
        if src != "assistant":
            edges.setdefault(unit(src), set()).update(unit(d) for d in dsts if unit(d) != unit(src))
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):                     # Tarjan
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return comps


def test_every_module_has_a_floor():
    units = {unit(m) for m in imports() if m != "assistant"}
    assert units <= set(FLOOR), f"add {sorted(units - set(FLOOR))} to FLOORS (and to README's Layout)"


def test_no_import_runs_up_a_floor():
    assert upward(imports()) == []


def test_no_import_circle_spans_two_packages():
    assert cross_package_cycles(imports()) == []


def test_the_checks_can_fail():
    graph = {"assistant.store": set(), "assistant.privacy": {"assistant.chat.guard"},
             "assistant.chat.guard": {"assistant.privacy"}}
    assert upward(graph) == ["assistant.privacy -> assistant.chat.guard"]
    assert cross_package_cycles(graph) == [["chat", "privacy"]]
