"""Check tool arguments against the input schema before any Graph call, naming the bad field."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}


def _field(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "arguments"


def describe(error: ValidationError, schema: dict[str, Any]) -> str:
    """One readable line per problem: the field, what was expected, and what came."""
    field = _field(error)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        name = f"{field}.{missing}" if field != "arguments" else missing
        return f"{name}: required"
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {})) or "none"
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{', '.join(extra)}: unknown argument; this tool takes {allowed}"
    if error.validator == "type":
        expected = _TYPE_NAMES.get(str(error.validator_value), str(error.validator_value))
        return f"{field}: expected {expected}, got {type(error.instance).__name__} {error.instance!r:.40}"
    if error.validator == "enum":
        return f"{field}: must be one of {', '.join(map(str, error.validator_value))}"
    if error.validator in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
        return f"{field}: {error.message}"
    return f"{field}: {error.message}"


class ArgumentValidator:
    """A compiled validator per tool: compile once at start-up, validate on every call."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator = Draft202012Validator(schema)

    def problems(self, args: dict[str, Any]) -> list[str]:
        errors = sorted(self._validator.iter_errors(args), key=lambda e: list(map(str, e.absolute_path)))
        return [describe(e, self.schema) for e in errors]
