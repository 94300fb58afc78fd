"""Search relevance on a judged set: NDCG@k and precision@k for the ranker, BM25 alone and embeddings alone.

    judged = load_judged(REQUESTS, JUDGMENTS)                 # resources/eval/search_*.csv (written blind)
    report = evaluate(judged, {"ranker": fn, "bm25": fn, "embeddings": fn}, k=5)
    report["systems"]["ranker"]["ndcg@5"], report["no_match"]["ranker"]

A system is a function `text -> (item ids best first, said_no_match[, offered])`; `offered` (default: all) is
how many of the top k it offers as matches, the rest being shown labelled as alternatives. Gains are graded: 2^grade - 1,
discounted by log2(rank + 1); the ideal ranking is the request's judged products sorted by grade.
Unjudged products count as grade 0. Precision@k counts grade >= 2 ("relevant") in the top k, divided
by k; both rank the whole top k, alternatives included. The *relevant share* ("of the top five, how many are
relevant") counts the products offered as matches, pooled over requests, at two bars: grade >= 1 (at least somewhat relevant) and grade >= 2 (relevant), overall and per kind. A *no-match request* has no product judged >= 1: for it, NDCG is not defined; what counts is
whether the system said so (`said_no_match`) - the honest no-match rate. The false no-match rate is
the share of the other requests where a system said no-match although relevant products exist.
"""
from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.fsutil import csv_rows
from assistant.resources import SEARCH_JUDGMENTS as JUDGMENTS
from assistant.resources import SEARCH_REQUESTS as REQUESTS

RELEVANT_GRADE = 2
SHARE_GRADES = (1, 2)        # the relevant share is reported at grade >= 1 and grade >= 2


@dataclass
class JudgedRequest:
    request_id: str
    text: str
    lang: str
    kind: str
    grades: dict[str, int] = field(default_factory=dict)     # item_id -> grade 0-3

    @property
    def no_match(self) -> bool:
        return not any(g >= 1 for g in self.grades.values())


def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: list[str], grades: dict[str, int], k: int) -> float:
    """NDCG@k with gain 2^grade - 1; 0.0 when the request has no positive judgment."""
    ideal = dcg(sorted((2 ** g - 1 for g in grades.values()), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([2 ** grades.get(i, 0) - 1 for i in ranked[:k]]) / ideal


def precision_at_k(ranked: list[str], grades: dict[str, int], k: int, min_grade: int = RELEVANT_GRADE) -> float:
    return sum(grades.get(i, 0) >= min_grade for i in ranked[:k]) / k


def load_judged(requests_csv: Path = REQUESTS, judgments_csv: Path = JUDGMENTS) -> list[JudgedRequest]:
    """Requests with their graded judgments; bad rows raise ValueError naming the file, row and field."""
    requests: dict[str, JudgedRequest] = {}
    for n, row in csv_rows(requests_csv, ("request_id", "text", "lang", "kind")):
        rid = row["request_id"].strip()
        if not rid or not row["text"].strip():
            raise ValueError(f"{requests_csv.name} row {n}, column '{'text' if rid else 'request_id'}': empty")
        if rid in requests:
            raise ValueError(f"{requests_csv.name} row {n}, column 'request_id': duplicate {rid!r}")
        requests[rid] = JudgedRequest(rid, row["text"].strip(), row["lang"].strip(), row["kind"].strip())
    for n, row in csv_rows(judgments_csv, ("request_id", "item_id", "grade")):
        rid = row["request_id"].strip()
        if rid not in requests:
            raise ValueError(f"{judgments_csv.name} row {n}, column 'request_id': unknown request {rid!r}")
        try:
            grade = int(row["grade"])
        except ValueError:
            raise ValueError(f"{judgments_csv.name} row {n}, column 'grade': expected 0-3, got {row['grade']!r}") from None
        if not 0 <= grade <= 3:
            raise ValueError(f"{judgments_csv.name} row {n}, column 'grade': expected 0-3, got {grade}")
        requests[rid].grades[row["item_id"].strip()] = grade
    return list(requests.values())


def evaluate(judged: list[JudgedRequest], systems: dict[str, Callable[[str], tuple[list[str], bool]]],
             k: int = 5) -> dict:
    """Per system: mean NDCG@k and precision@k over requests with relevant products, per-kind NDCG,
    honest no-match rate over no-match requests, false no-match rate over the others."""
    report: dict = {"k": k, "requests": len(judged), "relevant_grade": RELEVANT_GRADE,
                    "no_match_requests": sum(j.no_match for j in judged), "systems": {}, "per_request": []}
    rows = []
    for j in judged:
        row = {"request_id": j.request_id, "text": j.text, "kind": j.kind, "no_match_request": j.no_match}
        for name, system in systems.items():
            ranked, said_no, *offered = system(j.text)
            shown = ranked[:k][:offered[0]] if offered else ranked[:k]
            row[name] = {"ranked": ranked[:k], "said_no_match": said_no,
                         "ndcg": ndcg_at_k(ranked, j.grades, k), "precision": precision_at_k(ranked, j.grades, k),
                         "relevant": {g: sum(j.grades.get(i, 0) >= g for i in shown) for g in SHARE_GRADES},
                         "shown": len(shown)}
        rows.append(row)
    for name in systems:
        scored = [r for r in rows if not r["no_match_request"]]
        none = [r for r in rows if r["no_match_request"]]
        by_kind: dict[str, list[float]] = defaultdict(list)
        for r in scored:
            by_kind[r["kind"]].append(r[name]["ndcg"])
        report["systems"][name] = {
            f"ndcg@{k}": _mean([r[name]["ndcg"] for r in scored]),
            f"precision@{k}": _mean([r[name]["precision"] for r in scored]),
            "ndcg_by_kind": {kind: _mean(v) for kind, v in sorted(by_kind.items())},
            "honest_no_match": _mean([float(r[name]["said_no_match"]) for r in none]) if none else None,
            "false_no_match": _mean([float(r[name]["said_no_match"]) for r in scored]),
            "relevant_share": relevant_share([r[name] for r in scored], k),
            "relevant_share_by_kind": {kind: relevant_share([r[name] for r in scored if r["kind"] == kind], k)
                                       for kind in sorted(by_kind)},
        }
    report["per_request"] = rows
    return report


def relevant_share(rows: list[dict], k: int) -> dict[str, float]:
    """Pooled share of relevant products in the top k, per grade bar g: '>=g' over k slots per request (a request
    offering fewer than k matches counts its other slots as not relevant) and '>=g shown' over the products
    offered as matches (a ranker that offers 2 right products and labels 3 alternatives is not punished).
    `rows` hold, per request, 'relevant' ({g: products of grade >= g in its top k}) and 'shown' (products shown)."""
    slots, shown = k * len(rows), sum(r["shown"] for r in rows)
    out = {}
    for g in SHARE_GRADES:
        hits = sum(r["relevant"][g] for r in rows)
        out[f">={g}"] = round(hits / slots, 4) if slots else 0.0
        out[f">={g} shown"] = round(hits / shown, 4) if shown else 0.0
    return out


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0

