"""Check tool arguments against the input schema before any Graph call, naming the bad field."""

from __future__ import annotations

from typing import Any

import attrs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}
_JSON_NAMES = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "list",
    dict: "object",
    type(None): "null",
}
#: A model can send megabytes in one argument; an error line quotes only the start of it.
_QUOTE_CHARS = 40
_LINE_CHARS = 300
_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "more than",
    "exclusiveMaximum": "less than",
    "minLength": "at least this many characters:",
    "maxLength": "at most this many characters:",
    "minItems": "at least this many items:",
    "maxItems": "at most this many items:",
}


@attrs.frozen
class Problem:
    """One schema violation: the dotted field path (``body.toRecipients[0]``) and a readable line."""

    field: str
    text: str


def field_path(path: Any) -> str:
    """``("body", "toRecipients", 0)`` becomes ``body.toRecipients[0]``, as the plugins write it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "arguments"


def _expected(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "…"


def describe(error: ValidationError, schema: dict[str, Any] | None = None) -> str:
    """One readable line per problem: the field, what was expected, and what came."""
    return _problem(error).text


def _problem(error: ValidationError) -> Problem:
    field = field_path(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        name = f"{field}.{missing}" if field != "arguments" else missing
        return Problem(name, f"{name}: required")
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {})) or "none"
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        if field == "arguments":
            name, text = (
                (extra[0] if extra else field),
                f"{', '.join(extra)}: unknown argument; this tool takes {allowed}",
            )
        else:
            name, text = field, f"{field}: unknown field {', '.join(extra)}; it takes {allowed}"
        return Problem(name, text[:_LINE_CHARS])
    if error.validator == "type":
        got = _JSON_NAMES.get(type(error.instance), type(error.instance).__name__)
        return Problem(
            field, f"{field}: expected {_expected(error.validator_value)}, got {got} {_quote(error.instance)}"
        )
    if error.validator == "enum":
        return Problem(field, f"{field}: must be one of {', '.join(map(str, error.validator_value))}"[:_LINE_CHARS])
    if error.validator in _BOUNDS:
        bound = f"{_BOUNDS[error.validator]} {error.validator_value}"
        return Problem(field, f"{field}: must be {bound}, got {_quote(error.instance)}")
    # Other messages quote the whole instance, which may be long: keep the start.
    return Problem(field, f"{field}: {error.message}"[:_LINE_CHARS])


class ArgumentValidator:
    """A compiled validator per tool: compile once at start-up, validate on every call."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator = Draft202012Validator(schema)

    def check(self, args: dict[str, Any]) -> list[Problem]:
        errors = sorted(self._validator.iter_errors(args), key=lambda e: list(map(str, e.absolute_path)))
        return [_problem(e) for e in errors]
