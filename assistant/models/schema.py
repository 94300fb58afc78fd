"""A small JSON-schema checker for the subset the assistant's LLM schemas use.

    validate({"label": "order"}, {"type": "object", "properties": {"label": {"enum": ["order"]}},
                                  "required": ["label"], "additionalProperties": False})   # ok
    validate({"label": 3}, ...)   # SchemaError: $.label: 3 is not one of ['order']

Supported keywords: type (object, array, string, integer, number, boolean, null, or a list of them),
properties, required, additionalProperties (false), enum, const, items, minItems, maxItems,
minLength, maxLength, minimum, maximum. Anything else in a schema raises SchemaError, so a schema never
silently claims more checking than happens here.
"""
from __future__ import annotations

KNOWN = {"type", "properties", "required", "additionalProperties", "enum", "const", "items", "minItems",
         "maxItems", "minLength", "maxLength", "minimum", "maximum", "description", "title"}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


class SchemaError(ValueError):
    """A value does not fit its schema (the message names the JSON path), or the schema uses an unknown keyword."""


def validate(value, schema: dict, path: str = "$") -> None:
    unknown = set(schema) - KNOWN
    if unknown:
        raise SchemaError(f"{path}: schema keyword(s) {sorted(unknown)} not supported by assistant.models.schema")
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, k) for k in kinds):
            raise SchemaError(f"{path}: {value!r} is not of type {'/'.join(kinds)}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{path}: {value!r} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        raise SchemaError(f"{path}: {value!r} is not {schema['const']!r}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", float("inf")):
            raise SchemaError(f"{path}: string length {len(value)} outside the allowed range")
    if _is(value, "number"):
        if value < schema.get("minimum", float("-inf")) or value > schema.get("maximum", float("inf")):
            raise SchemaError(f"{path}: {value} outside [{schema.get('minimum')}, {schema.get('maximum')}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                raise SchemaError(f"{path}: missing required field {key!r}")
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(props))
            if extra:
                raise SchemaError(f"{path}: unexpected field(s) {extra}")
        for key, sub in props.items():
            if key in value:
                validate(value[key], sub, f"{path}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", float("inf")):
            raise SchemaError(f"{path}: {len(value)} items outside the allowed range")
        if "items" in schema:
            for i, item in enumerate(value):
                validate(item, schema["items"], f"{path}[{i}]")


def _is(value, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind not in TYPES:
        raise SchemaError(f"unknown schema type {kind!r}")
    return isinstance(value, TYPES[kind])
