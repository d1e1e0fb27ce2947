"""Graph error answers turned into errors the model can act on: code, message and a hint."""

from __future__ import annotations

from typing import Any

import httpx

from ms365mcp.catalog.spec import ToolSpec


class GraphCallError(Exception):
    """Graph answered with an error status; ``payload`` is what the model sees."""

    def __init__(self, status: int, code: str, message: str, hint: str | None) -> None:
        super().__init__(f"{status} {code}")
        self.status, self.code, self.message, self.hint = status, code, message, hint

    @property
    def payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.hint:
            error["hint"] = self.hint
        return {"error": error}


def _hint(status: int, spec: ToolSpec, org_mode: bool, retry_after: str | None) -> str | None:
    if status == 401:
        return "The access token was refused (expired or for another resource); sign in again."
    if status == 403:
        groups = spec.permissions(org_mode)
        if groups:
            needed = " or ".join(" + ".join(g) for g in groups)
            return f"The signed-in account or app lacks permission for this call; {spec.name} needs {needed}."
        return "The signed-in account is not allowed to do this."
    if status == 404:
        ids = ", ".join(spec.path_params)
        return (
            f"Not found: the {ids} may be stale or belong to another mailbox or folder; list again for a fresh id."
            if ids
            else "Not found."
        )
    if status == 429:
        return f"Graph is throttling this account; wait {retry_after or 'a little'} seconds before retrying."
    if status >= 500:
        return "Graph had a temporary problem; try again shortly."
    return None


def graph_error(response: httpx.Response, spec: ToolSpec, *, org_mode: bool) -> GraphCallError:
    """Read Graph's error body (or its absence) into a GraphCallError."""
    code, message = f"http_{response.status_code}", response.reason_phrase or "Graph returned an error"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code") or code)
        message = str(body["error"].get("message") or message)
    hint = _hint(response.status_code, spec, org_mode, response.headers.get("retry-after"))
    return GraphCallError(response.status_code, code, message, hint)
