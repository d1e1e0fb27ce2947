"""Every directory tool through the MCP SDK's own client against the sandbox tenant."""

from __future__ import annotations

import base64
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_directory.seed import ENCODED_THREAD_ID
from ms365mcp_directory.tools import TOOLS

from ms365mcp.runtime import Runtime

pytestmark = pytest.mark.anyio

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
MARK8 = "0b7c3f52-1a0e-4c55-9f4e-mark8project01"
HR = "7f3a9c41-2e6b-4d08-b1c5-hrtaskforce3"


async def _ok(client: Any, called: set[str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    called.add(name)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def _err(client: Any, name: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(name, args)
    assert result.is_error is True, (name, result.content[0].text)
    return result.content[0].text


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["value"]]


async def _users_and_org_chart(client: Any, called: set[str], runtime: Runtime) -> dict[str, str]:
    me = await _ok(client, called, "get-current-user", {"select": "displayName,mail,officeLocation"})
    assert me["displayName"] == "Adele Vance" and me["officeLocation"] == "18/2111"
    profile = await _ok(client, called, "get-my-profile")
    assert profile["positions"][0]["detail"]["jobTitle"] == "Product Manager"
    photo = base64.b64encode(JPEG).decode()
    assert (await _ok(client, called, "upload-my-profile-photo", {"body": photo}))["ok"] is True
    assert runtime.sandbox.store["directory"].photos[me["id"]] == JPEG

    users = await _ok(client, called, "list-users", {"count": True})
    assert users["count"] == 5
    by_name = {u["displayName"]: u for u in users["value"]}
    assert set(by_name["Megan Bowen"]) >= {"id", "mail", "jobTitle"}
    found = await _ok(client, called, "list-users", {"search": '"displayName:meg"'})
    assert [u["displayName"] for u in found["value"]] == ["Megan Bowen"]
    either = await _ok(
        client, called, "list-users", {"search": '"displayName:alex" OR "mail:diego"', "orderby": "displayName"}
    )
    assert [u["displayName"] for u in either["value"]] == ["Alex Wilber", "Diego Siciliani"]
    paged = await _ok(client, called, "list-users", {"top": 2, "fetchAllPages": True})
    assert len(paged["value"]) == 5
    marketing = await _ok(client, called, "list-users", {"filter": "department eq 'Marketing'"})
    assert len(marketing["value"]) == 3

    manager = await _ok(client, called, "get-my-manager")
    assert manager["displayName"] == "Megan Bowen"
    reports = await _ok(client, called, "list-my-direct-reports")
    assert [r["displayName"] for r in reports["value"]] == ["Alex Wilber"]
    megan_boss = await _ok(client, called, "get-user-manager", {"userId": "megan@contoso.sandbox"})
    assert megan_boss["displayName"] == "Diego Siciliani"
    megan_reports = await _ok(client, called, "list-user-direct-reports", {"userId": by_name["Megan Bowen"]["id"]})
    assert [r["displayName"] for r in megan_reports["value"]] == ["Adele Vance"]
    top = await _err(client, "get-user-manager", {"userId": "diego@contoso.sandbox"})
    assert "Request_ResourceNotFound" in top

    people = await _ok(client, called, "list-relevant-people")
    names = [p["displayName"] for p in people["value"]]
    assert names[0] in ("Alex Wilber", "Megan Bowen") and "Lidia Holloway" in names
    lidia = await _ok(client, called, "list-relevant-people", {"search": "lidia"})
    assert [p["displayName"] for p in lidia["value"]] == ["Lidia Holloway"]
    groups = await _ok(client, called, "list-my-memberships")
    kinds = {g["displayName"]: g["@odata.type"] for g in groups["value"]}
    assert kinds["Mark 8 Project Team"] == "#microsoft.graph.group"
    assert kinds["Reports Reader"] == "#microsoft.graph.directoryRole" and "Contoso Admins" not in kinds
    trending = await _ok(client, called, "list-trending-insights", {"top": 2})
    assert trending["value"][0]["resourceVisualization"]["title"] == "Mark 8 launch plan.docx"
    assert "nextLink" in trending
    return {name: user["id"] for name, user in by_name.items()}


async def _groups(client: Any, called: set[str], users: dict[str, str]) -> None:
    listed = await _ok(client, called, "list-groups", {"filter": "groupTypes/any(t:t eq 'Unified')"})
    assert {g["displayName"] for g in listed["value"]} == {"Mark 8 Project Team", "Sales and Marketing", "All Company"}
    searched = await _ok(client, called, "list-groups", {"search": '"displayName:hr"', "count": True})
    assert _ids(searched) == [HR] and searched["count"] == 1
    group = await _ok(client, called, "get-group", {"groupId": MARK8})
    assert group["mail"] == "Mark8ProjectTeam@contoso.sandbox"

    now = datetime.now(UTC)
    window = {
        "groupId": MARK8,
        "startDateTime": (now - timedelta(days=1)).isoformat(),
        "endDateTime": (now + timedelta(days=14)).isoformat(),
    }
    view = await _ok(client, called, "get-group-calendar-view", window)
    assert [e["subject"] for e in view["value"]] == ["Mark 8 stand-up", "Launch rehearsal", "Retrospective"]
    events = await _ok(client, called, "list-group-events", {"groupId": MARK8, "timezone": "Europe/Paris"})
    assert len(events["value"]) == 4 and events["value"][0]["start"]["timeZone"] == "Europe/Paris"
    members = await _ok(client, called, "list-group-members", {"groupId": MARK8})
    assert {m["displayName"] for m in members["value"]} == {"Adele Vance", "Alex Wilber", "Megan Bowen"}
    owners = await _ok(client, called, "list-group-owners", {"groupId": MARK8})
    assert [o["displayName"] for o in owners["value"]] == ["Megan Bowen"]
    conversations = await _ok(client, called, "list-group-conversations", {"groupId": MARK8})
    assert {c["topic"] for c in conversations["value"]} == {"Launch checklist", "Press kit photos"}
    threads = await _ok(client, called, "list-group-threads", {"groupId": MARK8})
    assert ENCODED_THREAD_ID in _ids(threads)
    reply = {"groupId": MARK8, "conversationThreadId": ENCODED_THREAD_ID, "body": {"content": "Checklist signed off."}}
    assert (await _ok(client, called, "reply-to-group-thread", reply))["status"] == 202
    threads = await _ok(client, called, "list-group-threads", {"groupId": MARK8, "select": "id,preview"})
    assert threads["value"][0] == {"id": ENCODED_THREAD_ID, "preview": "Checklist signed off."}
    security = await _err(client, "list-group-threads", {"groupId": HR})
    assert "security group" in security

    created = await _ok(
        client,
        called,
        "create-group",
        {"body": {"displayName": "Launch Crew", "kind": "microsoft365", "members": [users["Alex Wilber"]]}},
    )
    gid = created["id"]
    assert created["mailNickname"] == "LaunchCrew" and created["groupTypes"] == ["Unified"]
    assert (await _ok(client, called, "update-group", {"groupId": gid, "body": {"description": "Crew"}}))["ok"]
    assert (await _ok(client, called, "get-group", {"groupId": gid}))["description"] == "Crew"
    add = {"groupId": gid, "body": {"id": users["Megan Bowen"]}}
    assert (await _ok(client, called, "add-group-member", add))["status"] == 204
    assert "already exist" in await _err(client, "add-group-member", add)
    assert (await _ok(client, called, "add-group-owner", add))["status"] == 204
    members = await _ok(client, called, "list-group-members", {"groupId": gid})
    assert {m["displayName"] for m in members["value"]} == {"Alex Wilber", "Megan Bowen"}
    remove = {"groupId": gid, "directoryObjectId": users["Megan Bowen"]}
    assert (await _ok(client, called, "remove-group-member", remove))["ok"]
    assert (await _ok(client, called, "remove-group-owner", remove))["ok"]
    last = await _err(client, "remove-group-owner", {"groupId": gid, "directoryObjectId": users["Adele Vance"]})
    assert "last owner" in last
    assert (await _ok(client, called, "delete-group", {"groupId": gid}))["ok"]
    assert "Request_ResourceNotFound" in await _err(client, "get-group", {"groupId": gid})


async def _search(client: Any, called: set[str]) -> None:
    mail = await _ok(client, called, "search-query", {"body": {"queryString": "launch", "entityTypes": ["message"]}})
    hits = mail["value"][0]["hitsContainers"][0]["hits"]
    assert hits and hits[0]["resource"]["@odata.type"] == "#microsoft.graph.message"
    assert "<c0>" in hits[0]["summary"].lower()
    files = await _ok(client, called, "search-query", {"body": {"queryString": "budget", "entityTypes": "driveItem"}})
    assert files["value"][0]["hitsContainers"][0]["hits"][0]["resource"]["name"] == "Q3 campaign budget.xlsx"
    mixed = await client.call_tool(
        "search-query", {"body": {"queryString": "x", "entityTypes": ["message", "driveItem"]}}
    )
    assert mixed.is_error and "can't search these together" in mixed.content[0].text
    extracts = await _ok(
        client,
        called,
        "copilot-retrieve",
        {"body": {"queryString": "travel expense reports", "dataSource": "sharePoint", "maximumNumberOfResults": 2}},
    )
    top = extracts["retrievalHits"][0]
    assert top["webUrl"].endswith("Travel%20policy.pdf") and "Expense reports" in top["extracts"][0]["text"]


async def _subscriptions(client: Any, called: set[str]) -> None:
    seeded = await _ok(client, called, "list-subscriptions")
    assert len(seeded["value"]) == 1
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    created = await _ok(
        client,
        called,
        "create-subscription",
        {
            "body": {
                "resource": "me/events",
                "changeType": "created,updated",
                "notificationUrl": "https://hooks.example.org/graph",
                "expirationDateTime": expires,
                "clientState": "s3cret",
            }
        },
    )
    sid = created["id"]
    assert created["changeType"] == "created,updated" and created["applicationId"]
    assert (await _ok(client, called, "get-subscription", {"subscriptionId": sid}))["resource"] == "me/events"
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    renewed = await _ok(
        client, called, "update-subscription", {"subscriptionId": sid, "body": {"expirationDateTime": later}}
    )
    assert renewed["expirationDateTime"] > created["expirationDateTime"]
    too_far = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert "10080 minutes" in await _err(
        client, "update-subscription", {"subscriptionId": sid, "body": {"expirationDateTime": too_far}}
    )
    assert (await _ok(client, called, "reauthorize-subscription", {"subscriptionId": sid}))["ok"]
    assert (await _ok(client, called, "delete-subscription", {"subscriptionId": sid}))["ok"]
    assert "ResourceNotFound" in await _err(client, "get-subscription", {"subscriptionId": sid})


async def _batch(client: Any, called: set[str]) -> None:
    result = await _ok(
        client,
        called,
        "graph-batch",
        {
            "body": {
                "requests": [
                    {"id": "me", "method": "GET", "url": "/me?$select=displayName"},
                    {"id": "boss", "method": "GET", "url": "/me/manager"},
                    {
                        "id": "reply",
                        "method": "POST",
                        "url": f"/groups/{MARK8}/threads/AAQkADU3ZGQ0%2FMark8%2Blaunch%3D%3D/reply",
                        "body": {"post": {"body": {"contentType": "text", "content": "From a batch"}}},
                        "dependsOn": ["me"],
                    },
                    {"id": "nope", "method": "GET", "url": "/groups/missing"},
                ]
            }
        },
    )
    answers = {r["id"]: r for r in result["responses"]}
    assert [r["id"] for r in result["responses"]] == ["me", "boss", "reply", "nope"]
    assert answers["me"]["body"]["displayName"] == "Adele Vance"
    assert answers["boss"]["body"]["displayName"] == "Megan Bowen"
    assert answers["reply"]["status"] == 202
    assert answers["nope"]["status"] == 404
    assert result["statusCounts"] == {"200": 2, "202": 1, "404": 1}
    threads = await client.call_tool("list-group-threads", {"groupId": MARK8})
    assert threads.structured_content["value"][0]["preview"] == "From a batch"


async def test_every_directory_tool_end_to_end(client: Any, runtime: Runtime) -> None:
    called: set[str] = set()
    users = await _users_and_org_chart(client, called, runtime)
    await _groups(client, called, users)
    await _search(client, called)
    await _subscriptions(client, called)
    await _batch(client, called)
    assert called == {spec.name for spec in TOOLS}


async def test_directory_errors_name_the_problem(client: Any) -> None:
    bad_member = await _err(client, "add-group-member", {"groupId": MARK8, "body": {"id": "adele@contoso.sandbox"}})
    assert "body.id" in bad_member
    missing = await _err(client, "add-group-member", {"groupId": MARK8, "body": {"id": "no-such-object"}})
    assert "Request_ResourceNotFound" in missing
    http_hook = await _err(
        client,
        "create-subscription",
        {
            "body": {
                "resource": "me/events",
                "changeType": "updated",
                "notificationUrl": "http://hooks.example.org",
                "expirationDateTime": "2999-01-01T00:00:00Z",
            }
        },
    )
    assert "body.notificationUrl" in http_hook
    batch = await _err(
        client, "graph-batch", {"body": {"requests": [{"id": "1", "method": "GET", "url": "https://evil.example/me"}]}}
    )
    assert "body.requests[0].url" in batch
    window = await _err(client, "get-group-calendar-view", {"groupId": MARK8, "startDateTime": "2026-01-01"})
    assert "endDateTime" in window


async def test_search_reads_the_mail_and_files_stores_when_present(tmp_path: Any, directory_pm: Any) -> None:
    import ms365mcp_files.plugin
    import ms365mcp_mail.plugin

    from ms365mcp.runtime import build_runtime
    from ms365mcp.server.mcp import build_server
    from ms365mcp.settings import Settings

    directory_pm.register(ms365mcp_mail.plugin, name="mail")
    directory_pm.register(ms365mcp_files.plugin, name="files")
    rt = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), directory_pm)
    try:
        mailbox = rt.sandbox.store["mail"][rt.sandbox.me.id]
        subject = next(m["subject"] for m in mailbox.messages.values() if m.get("subject"))
        word = max(subject.split(), key=len)
        files = [i for i in rt.sandbox.store["drive.items"].values() if "file" in i]
        async with Client(build_server(rt)) as client:
            mail = await client.call_tool("search-query", {"body": {"queryString": word, "entityTypes": ["message"]}})
            hits = mail.structured_content["value"][0]["hitsContainers"][0]["hits"]
            assert any(h["resource"]["id"] in mailbox.messages for h in hits)
            name = files[0]["name"].rsplit(".", 1)[0]
            found = await client.call_tool(
                "search-query", {"body": {"queryString": name, "entityTypes": ["driveItem"]}}
            )
            hits = found.structured_content["value"][0]["hitsContainers"][0]["hits"]
            assert files[0]["id"] in [h["resource"]["id"] for h in hits]
    finally:
        await rt.aclose()


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--org-mode", "--preset", "users"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"list-users", "get-my-manager", "list-relevant-people", "get-current-user"} <= names
        assert "list-groups" not in names
        result = await client.call_tool("get-my-manager", {})
        assert result.is_error is False and result.structured_content["displayName"] == "Megan Bowen"
