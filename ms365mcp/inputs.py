"""Friendly tool input turned into Graph's shapes, with one set of rules for every plugin.

People (and models) write "ana@x.com", "Ana <ana@x.com>" or "a@x.com; b@y.com" where Graph wants
``{"emailAddress": {"address": ...}}`` objects. Each workload plugin accepts those forms; keeping
the parsing here means a mail recipient, an event attendee, a contact address and a share invitee
are read the same way and a bad one is refused with the same message naming the same field path.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from ms365mcp.errors import ToolInputError

__all__ = ["address_list", "addresses", "body_of", "email_address", "recipient", "recipients"]

#: A model can send a huge value where an address belongs; an error quotes only its start.
_QUOTE_CHARS = 60
_EXPECTED = 'expected "name@domain", "Name <name@domain>" or {"emailAddress": {"address": "name@domain"}}'


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "…"


def email_address(value: Any, field: str) -> dict[str, str]:
    """Graph's ``emailAddress`` object (``address`` and, if given, ``name``) from any accepted form.

    Accepts "a@b.com", "Name <a@b.com>", ``{"address": ..., "name": ...}`` and a Graph recipient
    ``{"emailAddress": {...}}``; other keys are dropped. Raises ToolInputError naming ``field``.
    """
    if isinstance(value, str):
        name, address = parseaddr(value.strip())
        if "@" in address:
            return {"address": address, **({"name": name} if name else {})}
    elif isinstance(value, dict):
        inner = value.get("emailAddress", value)
        if isinstance(inner, dict) and isinstance(inner.get("address"), str) and "@" in inner["address"]:
            return {k: v for k, v in inner.items() if k in ("address", "name")}
    raise ToolInputError(field, f"{_quote(value)} is not an e-mail address; {_EXPECTED}")


def recipient(value: Any, field: str) -> dict[str, Any]:
    """One Graph recipient, ``{"emailAddress": {...}}``, from any form :func:`email_address` accepts."""
    return {"emailAddress": email_address(value, field)}


def address_list(value: Any, field: str) -> list[Any]:
    """The entries of a list as given, or of a string split on commas and semicolons (blanks dropped).

    Entries are not checked here; callers parse each one so an error can name ``field[i]``.
    """
    if isinstance(value, str):
        value = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, list):
        raise ToolInputError(field, "expected a list of e-mail addresses")
    return value


def recipients(value: Any, field: str) -> list[dict[str, Any]]:
    """Graph recipients from a list or a comma/semicolon string; a bad entry is named ``field[i]``."""
    return [recipient(entry, f"{field}[{i}]") for i, entry in enumerate(address_list(value, field))]


def addresses(value: Any, field: str) -> list[str]:
    """Bare address strings (``getSchedule`` and the like) from the same friendly forms."""
    return [email_address(entry, f"{field}[{i}]")["address"] for i, entry in enumerate(address_list(value, field))]


def body_of(args: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    """The request body object in ``args``, so a prepare step can edit it in place.

    A missing body becomes an empty one stored back in ``args`` unless ``required``; anything
    that is not an object is refused as ``body``.
    """
    body = args.get("body")
    if body is None and not required:
        body = args["body"] = {}
    if not isinstance(body, dict):
        raise ToolInputError("body", "expected an object")
    return body
