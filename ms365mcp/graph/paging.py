"""fetchAllPages: follow nextLinks within the configured caps, losing nothing on a late failure."""

from __future__ import annotations

from typing import Any

import attrs

from ms365mcp.graph.client import GraphClient
from ms365mcp.graph.shaping import strip_odata
from ms365mcp.identity import Identity
from ms365mcp.progress import report


@attrs.frozen
class PageLimits:
    max_pages: int = 100
    max_items: int = 10_000


async def fetch_remaining(
    client: GraphClient,
    identity: Identity,
    first: dict[str, Any],
    limits: PageLimits,
    headers: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """Merge the pages after ``first``; say where it stopped and how to resume when a cap is hit."""
    items: list[Any] = list(first.get("value", []))
    merged: dict[str, Any] = {k: v for k, v in first.items() if k not in ("value", "nextLink")}
    next_link = first.get("nextLink")
    pages = 1
    while next_link and pages < limits.max_pages and len(items) < limits.max_items:
        response = await client.get_url(next_link, identity, headers)
        if response.status_code >= 400:
            merged["error"] = {
                "status": response.status_code,
                "message": "a later page failed; the items so far are kept",
                "resume": "call again with nextLink to continue from here",
            }
            break
        page = strip_odata(response.json())
        items.extend(page.get("value", []))
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
                "MS365_MCP_MAX_ITEMS); call again with nextLink to continue"
            )
    return merged
