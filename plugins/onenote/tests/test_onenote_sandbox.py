"""The sandbox's OneNote routes against Graph's create-page and update-page rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant

pytestmark = pytest.mark.anyio
BOUNDARY = "PartBoundary7"


@pytest.fixture
async def graph(onenote_pm: Any) -> AsyncIterator[httpx.AsyncClient]:
    tenant = SandboxTenant()
    onenote_pm.hook.sandbox_setup(tenant=tenant)
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, headers=headers) as client:
        yield client


def _multipart(name: str, html: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\nContent-Type: text/html\r\n\r\n'
        f"{html}\r\n--{BOUNDARY}--\r\n"
    ).encode()


async def test_multipart_create_reads_the_presentation_part(graph: httpx.AsyncClient) -> None:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    page = "<html><head><title>From parts</title></head><body><p>hi</p></body></html>"
    created = await graph.post("/v1.0/me/onenote/pages", content=_multipart("Presentation", page), headers=headers)
    assert created.status_code == 201 and created.json()["title"] == "From parts"
    unnamed = await graph.post("/v1.0/me/onenote/pages", content=_multipart("Other", page), headers=headers)
    assert unnamed.status_code == 400 and "Presentation" in unnamed.json()["error"]["message"]
    text = await graph.post("/v1.0/me/onenote/pages", content=b"hi", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415


async def test_tables_and_images_take_no_children(graph: httpx.AsyncClient) -> None:
    html = '<html><head><title>T</title></head><body><table data-id="t"><tr><td>1</td></tr></table></body></html>'
    created = await graph.post("/v1.0/me/onenote/pages", content=html, headers={"Content-Type": "text/html"})
    page_id = created.json()["id"]
    path = f"/v1.0/me/onenote/pages/{page_id}/content"
    refused = await graph.patch(path, json=[{"target": "#t", "action": "append", "content": "<p>x</p>"}])
    assert refused.status_code == 400 and "table" in refused.json()["error"]["message"]
    sibling = await graph.patch(path, json=[{"target": "#t", "action": "insert", "content": "<p>after</p>"}])
    assert sibling.status_code == 204
    assert "after" in (await graph.get(path)).text
