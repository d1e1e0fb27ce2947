"""fetchAllPages: follow nextLinks within the configured caps, losing nothing on a late failure."""

from __future__ import annotations

import logging
from typing import Any

import attrs
import httpx

from ms365mcp.graph.client import GraphClient
from ms365mcp.graph.shaping import strip_odata
from ms365mcp.identity import Identity
from ms365mcp.progress import report

log = logging.getLogger("ms365mcp.graph.paging")

_RESUME = "call again with nextLink to continue from here"


@attrs.frozen
class PageLimits:
    max_pages: int = 100
    max_items: int = 10_000


async def _next_page(
    client: GraphClient, identity: Identity, link: str, headers: tuple[tuple[str, str], ...], api_version: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """One later page as (page, None), or (None, error) for anything that is not a usable page."""
    try:
        response = await client.get_url(link, identity, headers, api_version=api_version)
    except ValueError:
        return None, {"code": "foreign_link", "message": "Graph returned a nextLink to another host; not followed"}
    except httpx.TransportError as exc:
        log.warning("a later page failed: %s", type(exc).__name__)
        return None, {"code": type(exc).__name__, "message": "a later page could not be fetched (network error)"}
    if response.status_code >= 400:
        return None, {"status": response.status_code, "message": "a later page failed; the items so far are kept"}
    try:
        page = strip_odata(response.json())
    except ValueError:
        page = None
    if not isinstance(page, dict):
        return None, {"status": response.status_code, "message": "a later page was not a Graph JSON page"}
    return page, None


async def fetch_remaining(
    client: GraphClient,
    identity: Identity,
    first: dict[str, Any],
    limits: PageLimits,
    headers: tuple[tuple[str, str], ...] = (),
    api_version: str = "v1.0",
) -> dict[str, Any]:
    """Merge the pages after ``first``; say where it stopped and how to resume when a cap is hit."""
    items: list[Any] = list(first.get("value", []))
    merged: dict[str, Any] = {k: v for k, v in first.items() if k not in ("value", "nextLink")}
    next_link = first.get("nextLink")
    pages = 1
    while next_link and pages < limits.max_pages and len(items) < limits.max_items:
        page, error = await _next_page(client, identity, next_link, headers, api_version)
        if page is None:
            merged["error"] = {**(error or {}), "resume": _RESUME}
            break
        values = page.get("value", [])
        items.extend(values if isinstance(values, list) else [])
        pages += 1
        await report(pages, limits.max_pages, f"{len(items)} items from {pages} pages")
        next_link = page.get("nextLink")
        if page.get("deltaLink"):
            merged["deltaLink"] = page["deltaLink"]
    merged["value"] = items
    merged["pages"] = pages
    if next_link:
        merged["nextLink"] = next_link
        if "error" not in merged:
            merged["stopped"] = (
                f"stopped after {pages} pages and {len(items)} items (MS365_MCP_MAX_PAGES / "
                f"MS365_MCP_MAX_ITEMS); {_RESUME}"
            )
    return merged
