"""Every contacts tool through the MCP SDK's own client against the sandbox tenant."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_contacts.sandbox import ENCODED_CONTACT_ID
from ms365mcp_contacts.tools import TOOLS

pytestmark = pytest.mark.anyio


async def _ok(client: Any, called: set[str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    called.add(name)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def test_every_contacts_tool_end_to_end(client: Any) -> None:
    called: set[str] = set()
    everyone = await _ok(client, called, "list-outlook-contacts", {"top": 100, "count": True})
    assert 10 <= len(everyone["value"]) <= 30
    assert everyone["value"] == sorted(everyone["value"], key=lambda c: c["displayName"].lower())
    folders = {f["displayName"]: f for f in (await _ok(client, called, "list-contact-folders"))["value"]}
    assert {"Customers", "Suppliers", "Family"} <= set(folders)
    children = (
        await _ok(client, called, "list-contact-folder-child-folders", {"contactFolderId": folders["Customers"]["id"]})
    )["value"]
    fabrikam = next(f for f in children if f["displayName"] == "Fabrikam")
    people = (await _ok(client, called, "list-contact-folder-contacts", {"contactFolderId": fabrikam["id"]}))["value"]
    assert {p["displayName"] for p in people} == {"Lidia Holloway", "Bianca Pisani", "Raul Razo"}
    lidia = await _ok(client, called, "get-outlook-contact", {"contactId": ENCODED_CONTACT_ID})
    assert lidia["emailAddresses"][0]["address"] == "lidia.holloway@fabrikam.example"

    created = await _ok(
        client,
        called,
        "create-outlook-contact",
        {
            "body": {
                "givenName": "Ana",
                "surname": "Ruiz",
                "emailAddresses": ["ana.ruiz@example.org"],
                "mobilePhone": "+34 600",
            }
        },
    )
    assert created["displayName"] == "Ana Ruiz"
    filtered = await _ok(
        client, called, "list-outlook-contacts", {"filter": "emailAddresses/any(a:a/address eq 'ana.ruiz@example.org')"}
    )
    assert [c["id"] for c in filtered["value"]] == [created["id"]]
    updated = await _ok(
        client,
        called,
        "update-outlook-contact",
        {"contactId": created["id"], "body": {"jobTitle": "Architect", "businessPhones": "+34 911"}},
    )
    assert updated["jobTitle"] == "Architect" and updated["businessPhones"] == ["+34 911"]
    assert (await _ok(client, called, "delete-outlook-contact", {"contactId": created["id"]}))["ok"] is True

    folder = await _ok(client, called, "create-contact-folder", {"body": {"displayName": "Conference 2026"}})
    folder = await _ok(
        client,
        called,
        "update-contact-folder",
        {"contactFolderId": folder["id"], "body": {"displayName": "Conference"}},
    )
    assert folder["displayName"] == "Conference"
    child = await _ok(
        client,
        called,
        "create-contact-child-folder",
        {"contactFolderId": folder["id"], "body": {"displayName": "Speakers"}},
    )
    assert child["parentFolderId"] == folder["id"]
    speaker = await _ok(
        client,
        called,
        "create-contact-in-folder",
        {
            "contactFolderId": child["id"],
            "body": {"displayName": "Keynote Speaker", "emailAddresses": "keynote@example.org"},
        },
    )
    assert speaker["parentFolderId"] == child["id"]
    await _ok(client, called, "delete-contact-folder", {"contactFolderId": folder["id"]})
    gone = await client.call_tool("list-contact-folder-contacts", {"contactFolderId": child["id"]})
    assert gone.is_error and "ErrorItemNotFound" in gone.content[0].text
    assert called == {spec.name for spec in TOOLS}


async def test_errors_name_the_problem(client: Any) -> None:
    missing = await client.call_tool("get-outlook-contact", {"contactId": "nope"})
    assert missing.is_error and "ErrorItemNotFound" in missing.content[0].text
    duplicate = await client.call_tool("create-contact-folder", {"body": {"displayName": "Family"}})
    assert duplicate.is_error and "ErrorFolderExists" in duplicate.content[0].text
    bad = await client.call_tool("create-outlook-contact", {"body": {"givenName": "A", "emailAddresses": ["x"]}})
    assert bad.is_error and "body.emailAddresses[0]" in bad.content[0].text


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {**os.environ, "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--preset", "contacts"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {spec.name for spec in TOOLS} <= names
        result = await client.call_tool("list-contact-folders", {})
        assert result.is_error is False and result.structured_content["value"]
