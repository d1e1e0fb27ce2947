"""Planner's optimistic concurrency, handled for the model.

Planner refuses a PATCH or DELETE without an ``If-Match`` header carrying the item's current
``@odata.etag`` (412 Precondition Failed). The server strips ``@odata.*`` annotations from answers, so
a model rarely has the etag at hand: when the call gives none, the handler reads the item first and
sends the etag it just got. A caller that does pass ``etag`` keeps real concurrency protection: a
stale value fails with 412 instead of overwriting someone else's change.
"""

from __future__ import annotations

from typing import Any

from ms365mcp.errors import ToolError
from ms365mcp.graph.errors import GraphCallError, graph_error
from ms365mcp.graph.request import GraphRequest, render_path

#: The extra input every Planner PATCH/DELETE tool takes.
ETAG_PARAM: dict[str, dict[str, Any]] = {"etag": {"type": "string"}}

STALE_HINT = (
    "The item changed since that etag was read. Get it again and retry, or leave etag out so the "
    "current version is used."
)


async def current_etag(call: Any) -> str:
    """Read the item at the tool's own path and return its etag (body annotation or ETag header)."""
    spec = call.spec
    request = GraphRequest(method="GET", path=render_path(spec, call.args), api_version=spec.api_version)
    response = await call.send(request)
    if response.status_code >= 400:
        raise graph_error(response, spec, org_mode=call.runtime.settings.org_mode)
    etag = None
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        etag = data.get("@odata.etag")
    etag = etag or response.headers.get("etag")
    if not isinstance(etag, str) or not etag:
        raise ToolError(f"{spec.name}: Graph returned no etag for this item, so it can't be changed safely")
    return etag


async def with_if_match(call: Any) -> dict[str, Any]:
    """Send the tool's request with ``If-Match`` (the given etag, or the current one) and, for a PATCH,
    ask for the changed item back instead of Planner's default empty 204."""
    given = call.args.get("etag")
    etag = given.strip() if isinstance(given, str) and given.strip() else await current_etag(call)
    headers: tuple[tuple[str, str], ...] = (("If-Match", etag),)
    if call.spec.method == "PATCH":
        headers += (("Prefer", "return=representation"),)
    try:
        return await call.graph(headers=headers)
    except GraphCallError as exc:
        if exc.status == 412:
            raise GraphCallError(exc.status, exc.code, exc.message, STALE_HINT) from None
        raise
