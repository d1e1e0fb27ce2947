"""The sandbox's list item routes answer the way Graph's listitem-update page says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant

pytestmark = pytest.mark.anyio


@pytest.fixture
async def graph(sharepoint_pm: Any) -> AsyncIterator[httpx.AsyncClient]:
    tenant = SandboxTenant()
    sharepoint_pm.hook.sandbox_setup(tenant=tenant)
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, headers=headers) as client:
        yield client


async def _first_item(graph: httpx.AsyncClient) -> tuple[str, str, dict[str, Any]]:
    sites = (await graph.get("/v1.0/sites", params={"search": "*"})).json()["value"]
    for site in sites:
        for found in (await graph.get(f"/v1.0/sites/{site['id']}/lists")).json()["value"]:
            base = f"/v1.0/sites/{site['id']}/lists/{found['id']}/items"
            items = (await graph.get(base, params={"$expand": "fields"})).json()["value"]
            if items and "Title" in items[0]["fields"]:
                return base, items[0]["id"], items[0]
    raise AssertionError("the seed has no list item with a Title")


async def test_patch_fields_takes_a_flat_value_set_and_answers_200(graph: httpx.AsyncClient) -> None:
    base, item_id, _ = await _first_item(graph)
    changed = await graph.patch(f"{base}/{item_id}/fields", json={"Title": "Renamed"})
    assert changed.status_code == 200
    assert changed.json()["Title"] == "Renamed" and "fields" not in changed.json()
    unknown = await graph.patch(f"{base}/{item_id}/fields", json={"NoSuchColumn": 1})
    assert unknown.status_code == 400 and "not recognized" in unknown.json()["error"]["message"]
    wrapped = await graph.patch(f"{base}/{item_id}/fields", json={"fields": {"Title": "x"}})
    assert wrapped.status_code == 400
    missing = await graph.patch(f"{base}/999999/fields", json={"Title": "x"})
    assert missing.status_code == 404
