"""Structured output: the schema checker, JSON parsing, and validate-and-retry-once for unconstrained backends."""
from __future__ import annotations

import pytest

from assistant.errors import LLMUnavailable
from assistant.models.llm import LLM, parse_json
from assistant.models.schema import SchemaError, validate

LABEL = {"type": "object", "properties": {"label": {"type": "string", "enum": ["order", "policy"]},
                                          "n": {"type": "integer", "minimum": 1, "maximum": 3}},
         "required": ["label"], "additionalProperties": False}


@pytest.mark.parametrize("value, message", [
    ({"label": "refund"}, r"\$\.label: 'refund' is not one of \['order', 'policy'\]"),
    ({}, r"\$: missing required field 'label'"),
    ({"label": "order", "why": "x"}, r"\$: unexpected field\(s\) \['why'\]"),
    ({"label": "order", "n": 4}, r"\$\.n: 4 outside \[1, 3\]"),
    ({"label": "order", "n": True}, r"\$\.n: True is not of type integer"),
    (["order"], r"\$: \['order'\] is not of type object"),
])
def test_schema_rejects_with_path(value, message):
    with pytest.raises(SchemaError, match=message):
        validate(value, LABEL)


def test_schema_accepts_and_refuses_unknown_keywords():
    validate({"label": "policy", "n": 2}, LABEL)
    validate({"tags": ["a", "b"]}, {"type": "object", "properties": {"tags": {"type": "array", "maxItems": 2,
                                                                             "items": {"type": "string"}}}})
    with pytest.raises(SchemaError, match=r"\$\.tags\[1\]: 2 is not of type string"):
        validate({"tags": ["a", 2]}, {"properties": {"tags": {"items": {"type": "string"}}}})
    with pytest.raises(SchemaError, match=r"keyword\(s\) \['pattern'\] not supported"):
        validate("abc", {"type": "string", "pattern": "a.*"})


def test_parse_json_unwraps_fences_and_names_problems():
    assert parse_json('```json\n{"label": "order"}\n```', LABEL) == {"label": "order"}
    with pytest.raises(LLMUnavailable, match=r"output is not JSON \(Expecting value at char 0\)"):
        parse_json("order", LABEL)
    with pytest.raises(LLMUnavailable, match=r"output breaks the schema: \$\.label: 'refund' is not one of"):
        parse_json('{"label": "refund"}', LABEL)


class Scripted(LLM):
    """Answers each call with the next scripted text; records the prompts it was given."""

    def __init__(self, answers):
        super().__init__()
        self.answers, self.prompts = list(answers), []

    def stream(self, messages, max_new_tokens=None, stop=None):
        self.prompts.append(messages[-1]["content"])
        yield self.answers.pop(0)


def test_unconstrained_json_retries_once_with_the_problem():
    llm = Scripted(['{"label": "refund"}', '{"label": "policy"}'])
    assert llm.json([{"role": "user", "content": "classify: can I return it?"}], LABEL) == {"label": "policy"}
    assert len(llm.prompts) == 2
    assert "matching this JSON schema" in llm.prompts[0] and "rejected" not in llm.prompts[0]
    assert "rejected: output breaks the schema: $.label: 'refund' is not one of" in llm.prompts[1]


def test_unconstrained_json_gives_up_after_one_retry():
    llm = Scripted(["sure! it's an order", '{"label": 7}', '{"label": "order"}'])
    with pytest.raises(LLMUnavailable, match=r"no schema-valid JSON after a retry .*is not of type string"):
        llm.json([{"role": "user", "content": "classify"}], LABEL)
    assert len(llm.prompts) == 2
