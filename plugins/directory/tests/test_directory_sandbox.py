"""The sandbox directory answers raw Graph requests the way Graph does, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant

pytestmark = pytest.mark.anyio
MARK8 = "0b7c3f52-1a0e-4c55-9f4e-mark8project01"


@pytest.fixture
async def graph(directory_pm: Any) -> AsyncIterator[httpx.AsyncClient]:
    tenant = SandboxTenant()
    directory_pm.hook.sandbox_setup(tenant=tenant)
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, headers=headers) as client:
        yield client


def _code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


async def test_directory_search_needs_eventual_consistency(graph: httpx.AsyncClient) -> None:
    plain = await graph.get("/v1.0/users", params={"$search": '"displayName:ad"'})
    assert plain.status_code == 400 and "ConsistencyLevel" in plain.json()["error"]["message"]
    counted = await graph.get("/v1.0/groups", params={"$count": "true"})
    assert counted.status_code == 400 and _code(counted) == "Request_UnsupportedQuery"
    eventual = {"ConsistencyLevel": "eventual"}
    bare = await graph.get("/v1.0/users", params={"$search": "adele"}, headers=eventual)
    assert bare.status_code == 400 and "property:value" in bare.json()["error"]["message"]
    found = await graph.get("/v1.0/users", params={"$search": '"mail:adele"', "$count": "true"}, headers=eventual)
    assert found.json()["@odata.count"] == 1 and found.json()["value"][0]["displayName"] == "Adele Vance"


async def test_references_and_group_rules(graph: httpx.AsyncClient) -> None:
    bad = await graph.post(f"/v1.0/groups/{MARK8}/members/$ref", json={"@odata.id": "https://x/v1.0/foo"})
    assert bad.status_code == 400 and _code(bad) == "Request_BadRequest"
    extra = await graph.post(f"/v1.0/groups/{MARK8}/members/$ref", json={"id": "x"})
    assert extra.status_code == 400 and _code(extra) == "RequestBodyRead"
    group_owner = await graph.post(
        f"/v1.0/groups/{MARK8}/owners/$ref",
        json={"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/c5a8e6f3-3d2b-4a9c-8e71-allcompany05"},
    )
    assert group_owner.status_code == 400 and "Only users" in group_owner.json()["error"]["message"]
    mail_security = await graph.post(
        "/v1.0/groups",
        json={"displayName": "X", "mailNickname": "X", "mailEnabled": True, "securityEnabled": True, "groupTypes": []},
    )
    assert mail_security.status_code == 400 and "mail-enabled security" in mail_security.json()["error"]["message"]
    duplicate = await graph.post(
        "/v1.0/groups",
        json={"displayName": "Y", "mailNickname": "AllCompany", "mailEnabled": False, "securityEnabled": True},
    )
    assert duplicate.status_code == 400 and "mailNickname" in duplicate.json()["error"]["message"]
    no_window = await graph.get(f"/v1.0/groups/{MARK8}/calendarView")
    assert no_window.status_code == 400 and _code(no_window) == "ErrorInvalidParameter"


async def test_photo_profile_and_subscription_rules(graph: httpx.AsyncClient) -> None:
    png = await graph.put("/v1.0/me/photo/$value", content=b"\x89PNG", headers={"Content-Type": "image/png"})
    assert png.status_code == 400 and _code(png) == "ErrorInvalidImage"
    assert (await graph.get("/v1.0/me/photo/$value")).status_code == 404
    assert (await graph.get("/v1.0/me/profile")).status_code == 400
    assert (await graph.get("/beta/me/profile")).json()["names"][0]["first"] == "Adele"
    far = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    body = {
        "resource": "me/messages",
        "changeType": "created",
        "notificationUrl": "https://h.example",
        "expirationDateTime": far,
    }
    assert "10080" in (await graph.post("/v1.0/subscriptions", json=body)).json()["error"]["message"]
    odd = await graph.post("/v1.0/subscriptions", json={**body, "resource": "nothing/here"})
    assert odd.status_code == 400 and "not supported" in odd.json()["error"]["message"]
    drive = await graph.post("/v1.0/subscriptions", json={**body, "resource": "me/drive/root"})
    assert drive.status_code == 201


async def test_batch_limits(graph: httpx.AsyncClient) -> None:
    many = await graph.post(
        "/v1.0/$batch", json={"requests": [{"id": str(i), "method": "GET", "url": "/me"} for i in range(21)]}
    )
    assert many.status_code == 400 and "20" in many.json()["error"]["message"]
    absolute = await graph.post(
        "/v1.0/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "https://x/me"}]}
    )
    assert absolute.status_code == 400
    ok = await graph.post("/v1.0/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "/me/manager"}]})
    assert ok.json()["responses"][0]["body"]["displayName"] == "Megan Bowen"


async def test_subscription_lifetime_depends_on_the_resource(graph: httpx.AsyncClient) -> None:
    """Graph's per-resource maximums: mail 10080 minutes, conversations 4230, users 41760, presence 60."""
    in_days = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    body = {"changeType": "updated", "notificationUrl": "https://h.example", "expirationDateTime": in_days}
    mail = await graph.post("/v1.0/subscriptions", json={**body, "resource": "me/mailFolders('inbox')/messages"})
    assert mail.status_code == 201
    thread = await graph.post("/v1.0/subscriptions", json={**body, "resource": f"groups/{MARK8}/conversations"})
    assert thread.status_code == 400 and "4230" in thread.json()["error"]["message"]
    users = await graph.post("/v1.0/subscriptions", json={**body, "resource": "users"})
    assert users.status_code == 201
    two_hours = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    presence = {**body, "resource": "communications/presences/abc", "expirationDateTime": two_hours}
    refused = await graph.post("/v1.0/subscriptions", json=presence)
    assert refused.status_code == 400 and "60 minutes" in refused.json()["error"]["message"]


async def test_search_refuses_entity_types_graph_cannot_interleave(graph: httpx.AsyncClient) -> None:
    def request(*kinds: str) -> dict[str, Any]:
        return {"requests": [{"entityTypes": list(kinds), "query": {"queryString": "launch"}}]}

    assert (await graph.post("/v1.0/search/query", json=request("message", "chatMessage"))).status_code == 200
    assert (await graph.post("/v1.0/search/query", json=request("driveItem", "externalItem"))).status_code == 200
    for kinds in (("message", "event"), ("event", "driveItem"), ("person", "message")):
        refused = await graph.post("/v1.0/search/query", json=request(*kinds))
        assert refused.status_code == 400 and "together" in refused.json()["error"]["message"], kinds
