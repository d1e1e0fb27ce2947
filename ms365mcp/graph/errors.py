"""Graph error answers turned into errors the model can act on: code, message and a hint."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx

from ms365mcp.catalog.spec import ToolSpec

#: Graph messages are short; anything longer (a proxy's page, a stack dump) is cut to this.
MAX_MESSAGE_CHARS = 1000
_MAX_CODE_CHARS = 100


class GraphCallError(Exception):
    """Graph answered with an error status; ``payload`` is what the model sees."""

    def __init__(self, status: int, code: str, message: str, hint: str | None) -> None:
        # Only status and code in the exception text: the message may quote mail content or addresses.
        super().__init__(f"{status} {code}")
        self.status, self.code, self.message, self.hint = status, code, message, hint

    @property
    def payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.hint:
            error["hint"] = self.hint
        return {"error": error}


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> int | None:
    """Retry-After as whole seconds from now: it is either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, round(when.timestamp() - now()))


def _hint(status: int, spec: ToolSpec, org_mode: bool, retry_after: str | None) -> str | None:
    if status == 401:
        return (
            "The access token was refused (expired, or issued for another resource); sign in again "
            "(a MS365_MCP_OAUTH_TOKEN is never refreshed: set a fresh one)."
        )
    if status == 403:
        groups = spec.permissions(org_mode)
        if groups:
            needed = " or ".join(" + ".join(g) for g in groups)
            return (
                f"Access denied: {spec.name} needs the delegated permission {needed}, and the signed-in user "
                "must have access to the item (a shared mailbox or folder needs delegate rights)."
            )
        return "Access denied: the signed-in user is not allowed to do this."
    if status == 404:
        ids = ", ".join(spec.path_params)
        if ids:
            return f"Not found: the {ids} may be stale, mistyped or from another account; list again for a fresh id."
        return "Not found: this resource does not exist for the signed-in user."
    if status == 429:
        seconds = retry_after_seconds(retry_after)
        wait = f"wait {max(seconds, 1)} seconds" if seconds is not None else "wait a little"
        return f"Graph is throttling this account; {wait} before retrying, and ask for less (top, select)."
    if status >= 500:
        return "Graph had a temporary problem; try again shortly."
    return None


def _short(value: Any, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "… (cut)"


def graph_error(response: httpx.Response, spec: ToolSpec, *, org_mode: bool) -> GraphCallError:
    """Read Graph's error body into a GraphCallError; a body that is not Graph's (a proxy's HTML
    page) is never echoed, only its status."""
    code, message = f"http_{response.status_code}", response.reason_phrase or "Graph returned an error"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = _short(error.get("code") or code, _MAX_CODE_CHARS)
        message = _short(error.get("message") or message, MAX_MESSAGE_CHARS)
    hint = _hint(response.status_code, spec, org_mode, response.headers.get("retry-after"))
    return GraphCallError(response.status_code, code, message, hint)
