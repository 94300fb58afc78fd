"""Files the package ships (package data): prompt templates, labelled utterances, eval sets, the demo KB.

    from assistant.resources import PROMPTS, UTTERANCES, ROUTER_EVAL, ROUTER_DEV, ROUTER_TEST, DEMO_KB
    from assistant.resources import STAFF_QUESTIONS, STAFF_EVAL, STAFF_TEST
    (PROMPTS / "shopper.md").read_text(encoding="utf-8")

They live inside the package so a plain (non-editable) `pip install .` carries them; pyproject.toml's
[tool.setuptools.package-data] lists the same folders. This module only names paths: it reads nothing.
"""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
PROMPTS = RESOURCES / "prompts"                    # <task>.md templates, see assistant/prompts.py
UTTERANCES = RESOURCES / "utterances.csv"          # text,intent: what the router's classifier learns from
ROUTER_EVAL = RESOURCES / "router_eval.csv"        # text,intent: held-out router evaluation, never trained on
ROUTER_DEV = RESOURCES / "router_dev.csv"          # text,label,kind,lang: blind dev set (router_dev.md), never trained on
ROUTER_TEST = RESOURCES / "router_test.csv"        # same columns: a second blind set, held out (router_test.md)
STAFF_QUESTIONS = RESOURCES / "staff_questions.csv"  # staff questions with their expected parse (regression)
STAFF_EVAL = RESOURCES / "staff_eval.jsonl"        # staff questions written blind, answers from hand-written SQL
STAFF_TEST = RESOURCES / "staff_test.jsonl"        # a second blind set, held out (staff_test.md says how it was used)
OTHER_COMPANIES = RESOURCES / "other_companies.txt"  # names of other companies' services the router declines
COURIERS = RESOURCES / "couriers.txt"                  # couriers: declined only for the customer's own business (chat/couriers.py)
KB_QUESTIONS = RESOURCES / "kb_questions.csv"      # citation,en,zh: one question pair per demo KB section
ZH_POLICY_TERMS = RESOURCES / "zh_policy_terms.csv"  # zh,en: policy glossary, Chinese questions -> KB words
DEMO_KB = RESOURCES / "demo_kb"                    # the demo shop's policy pages, copied into data/<shop>/kb/
ZH_TERMS = RESOURCES / "zh_terms.csv"              # zh,en: Chinese shopping words -> English catalog words
ZH_HEADS = RESOURCES / "zh_heads.csv"              # zh,en: single-character product heads (袜 stocking), read only
                                                   # where a compound ends or the character stands alone
REQUEST_WORDS = RESOURCES / "request_words.csv"    # kind,word,catalog_hints: gift/recipient/occasion/filler words
GIFT_IDEAS = RESOURCES / "gift_ideas.csv"          # kind,cues,things: hobby/occasion -> catalog title words
AUDIENCE = RESOURCES / "audience.csv"              # side,audience,words: who a request / a product is for
SEARCH_REQUESTS = RESOURCES / "eval" / "search_requests.csv"     # the blind judged search set (requests)
SEARCH_JUDGMENTS = RESOURCES / "eval" / "search_judgments.csv"   # ... and its graded judgments
