"""Every sharepoint tool through the MCP SDK's own client against the sandbox tenant."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_sharepoint.seed import ENCODED_DRIVE_ID, HOST, MARKETING_SITE_ID
from ms365mcp_sharepoint.tools import TOOLS

pytestmark = pytest.mark.anyio

#: The tools the first scenario covers; the second covers the rest (so together: every tool).
SITE_TOOLS = {
    "search-sharepoint-sites",
    "get-sharepoint-site",
    "get-sharepoint-site-by-path",
    "list-sharepoint-site-drives",
    "get-sharepoint-site-drive-by-id",
    "list-sharepoint-site-items",
    "get-sharepoint-site-item",
    "get-sharepoint-sites-delta",
}


async def _ok(client: Any, called: set[str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    called.add(name)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def _error(client: Any, name: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(name, args)
    assert result.is_error is True, (name, args)
    return result.content[0].text


async def test_sites_drives_and_delta(client: Any) -> None:
    called: set[str] = set()
    found = (await _ok(client, called, "search-sharepoint-sites", {"search": "marketing"}))["value"]
    assert [s["displayName"] for s in found] == ["Marketing"]
    assert set(found[0]) <= {"id", "displayName", "name", "webUrl", "description"}
    everyone = await _ok(client, called, "search-sharepoint-sites", {"search": "*"})
    assert {s["name"] for s in everyone["value"]} == {"", "Marketing", "HR"}
    site_id = found[0]["id"]
    assert site_id == MARKETING_SITE_ID  # the id the onenote sandbox files the team notebook under

    site = await _ok(client, called, "get-sharepoint-site", {"siteId": site_id})
    assert site["webUrl"] == f"https://{HOST}/sites/Marketing"
    root = await _ok(client, called, "get-sharepoint-site", {"siteId": "root", "select": "id,displayName"})
    assert root["displayName"] == "Contoso Intranet" and "webUrl" not in root
    by_path = await _ok(
        client, called, "get-sharepoint-site-by-path", {"hostname": f"https://{HOST}/", "sitePath": "/sites/HR/"}
    )
    assert by_path["displayName"] == "Human Resources"

    drives = (await _ok(client, called, "list-sharepoint-site-drives", {"siteId": site_id}))["value"]
    assert {d["name"] for d in drives} == {"Brand Assets", "Documents"}
    assert all(d["driveType"] == "documentLibrary" for d in drives)
    brand = await _ok(
        client, called, "get-sharepoint-site-drive-by-id", {"siteId": site_id, "driveId": ENCODED_DRIVE_ID}
    )
    assert brand["name"] == "Brand Assets" and brand["quota"]["state"] == "normal"

    base = (await _ok(client, called, "list-sharepoint-site-items", {"siteId": site_id, "top": 50}))["value"]
    lists = [b for b in base if b["@odata.type"] == "#microsoft.graph.list"]
    assert {b["name"] for b in lists} >= {"CampaignTasks", "Shared Documents"}
    one = await _ok(client, called, "get-sharepoint-site-item", {"siteId": site_id, "baseItemId": lists[0]["id"]})
    assert one["id"] == lists[0]["id"]

    delta = await _ok(client, called, "get-sharepoint-sites-delta", {"top": 10})
    assert len(delta["value"]) == 3 and delta["deltaLink"]
    again = await _ok(client, called, "get-sharepoint-sites-delta", {"nextLink": delta["deltaLink"]})
    assert again["value"] == []
    assert called == SITE_TOOLS


async def test_lists_items_and_columns(client: Any) -> None:
    called: set[str] = set()
    site = await _ok(client, called, "get-sharepoint-site-by-path", {"hostname": HOST, "sitePath": "sites/Marketing"})
    sid = site["id"]
    lists = (await _ok(client, called, "list-sharepoint-site-lists", {"siteId": sid}))["value"]
    tasks = next(x for x in lists if x["displayName"] == "Campaign Tasks")
    assert tasks["list"]["template"] == "genericList"
    generic = await _ok(
        client, called, "list-sharepoint-site-lists", {"siteId": sid, "filter": "list/template eq 'documentLibrary'"}
    )
    assert {x["displayName"] for x in generic["value"]} == {"Documents", "Brand Assets"}
    with_cols = await _ok(
        client, called, "get-sharepoint-site-list", {"siteId": sid, "listId": "Campaign Tasks", "expand": "columns"}
    )
    assert {"Title", "Status", "DueDate"} <= {c["name"] for c in with_cols["columns"]}
    lid = tasks["id"]

    page = await _ok(client, called, "list-sharepoint-site-list-items", {"siteId": sid, "listId": lid, "top": 5})
    assert len(page["value"]) == 5 and page["nextLink"]
    assert page["value"][0]["fields"]["Title"] == "Draft spring launch brief"
    rest = await _ok(
        client, called, "list-sharepoint-site-list-items", {"siteId": sid, "listId": lid, "nextLink": page["nextLink"]}
    )
    assert rest["value"][0]["id"] == "6" and "fields" in rest["value"][0]
    everything = await _ok(
        client, called, "list-sharepoint-site-list-items", {"siteId": sid, "listId": lid, "fetchAllPages": True}
    )
    assert len(everything["value"]) == 12
    # Owner is not indexed: this works only because the tool sends Graph's Prefer header.
    mine = await _ok(
        client,
        called,
        "list-sharepoint-site-list-items",
        {"siteId": sid, "listId": lid, "filter": "fields/Owner eq 'Adele Vance'", "expand": "fields(select=Title)"},
    )
    assert mine["value"] and all(set(i["fields"]) <= {"Title", "id", "@odata.etag"} for i in mine["value"])
    item = await _ok(client, called, "get-sharepoint-site-list-item", {"siteId": sid, "listId": lid, "listItemId": "2"})
    assert item["fields"]["Status"] == "In progress"

    created = await _ok(
        client,
        called,
        "create-sharepoint-list-item",
        {
            "siteId": sid,
            "listId": lid,
            "body": {"Title": "Plan Q3 offsite", "Status": "Not started", "PercentComplete": 0},
        },
    )
    assert created["fields"]["Title"] == "Plan Q3 offsite" and created["id"] == "13"
    updated = await _ok(
        client,
        called,
        "update-sharepoint-list-item",
        {"siteId": sid, "listId": lid, "listItemId": created["id"], "body": {"fields": {"Status": "Done"}}},
    )
    assert updated["Status"] == "Done" and updated["Title"] == "Plan Q3 offsite"  # the fieldValueSet
    again = await _ok(
        client,
        called,
        "get-sharepoint-site-list-item",
        {"siteId": sid, "listId": lid, "listItemId": created["id"]},
    )
    assert again["fields"]["Status"] == "Done" and again["eTag"].endswith(',2"')
    await _ok(
        client, called, "delete-sharepoint-list-item", {"siteId": sid, "listId": lid, "listItemId": created["id"]}
    )
    gone = await _error(client, "get-sharepoint-site-list-item", {"siteId": sid, "listId": lid, "listItemId": "13"})
    assert "itemNotFound" in gone

    new_list = await _ok(
        client,
        called,
        "create-sharepoint-list",
        {
            "siteId": sid,
            "body": {
                "displayName": "Event Budget",
                "columns": [{"name": "Amount", "type": "currency"}, {"name": "Paid", "type": "boolean"}],
            },
        },
    )
    assert new_list["list"]["template"] == "genericList"
    nid = new_list["id"]
    column = await _ok(
        client,
        called,
        "create-sharepoint-list-column",
        {
            "siteId": sid,
            "listId": nid,
            "body": {"name": "Vendor", "type": "choice", "choices": ["Fabrikam", "Litware"]},
        },
    )
    assert column["choice"]["choices"] == ["Fabrikam", "Litware"]
    columns = (await _ok(client, called, "list-sharepoint-list-columns", {"siteId": sid, "listId": nid}))["value"]
    assert {"Title", "Amount", "Paid", "Vendor"} <= {c["name"] for c in columns}
    cid = column["id"]
    got = await _ok(
        client, called, "get-sharepoint-list-column", {"siteId": sid, "listId": nid, "columnDefinitionId": cid}
    )
    assert got["name"] == "Vendor"
    changed = await _ok(
        client,
        called,
        "update-sharepoint-list-column",
        {
            "siteId": sid,
            "listId": nid,
            "columnDefinitionId": cid,
            "body": {"displayName": "Supplier", "required": True},
        },
    )
    assert changed["displayName"] == "Supplier" and changed["required"] is True
    row = {"siteId": sid, "listId": nid, "body": {"Title": "Catering", "Amount": 1200, "Paid": False}}
    assert "Supplier" in await _error(client, "create-sharepoint-list-item", row)
    await _ok(
        client, called, "delete-sharepoint-list-column", {"siteId": sid, "listId": nid, "columnDefinitionId": cid}
    )
    await _ok(client, called, "create-sharepoint-list-item", row)

    delta = await _ok(client, called, "get-sharepoint-sites-delta", {"nextLink": "/v1.0/sites/delta()?token=0"})
    assert "Marketing" in {s["name"] for s in delta["value"]}
    assert called == {spec.name for spec in TOOLS} - SITE_TOOLS | {
        "get-sharepoint-site-by-path",
        "get-sharepoint-sites-delta",
    }


async def test_graph_errors_reach_the_model(client: Any) -> None:
    missing = await _error(client, "get-sharepoint-site", {"siteId": f"{HOST},nope,nope"})
    assert "itemNotFound" in missing
    no_path = await _error(client, "get-sharepoint-site-by-path", {"hostname": HOST, "sitePath": "/sites/Sales"})
    assert "itemNotFound" in no_path
    sites = await _ok(client, set(), "search-sharepoint-sites", {"search": "human resources"})
    sid = sites["value"][0]["id"]
    unknown = await _error(
        client, "create-sharepoint-list-item", {"siteId": sid, "listId": "Onboarding Tasks", "body": {"Colour": "red"}}
    )
    assert "Colour" in unknown and "not recognized" in unknown
    choice = await _error(
        client,
        "update-sharepoint-list-item",
        {"siteId": sid, "listId": "Onboarding Tasks", "listItemId": "1", "body": {"Status": "Finished"}},
    )
    assert "Finished" in choice
    title = await _error(
        client,
        "delete-sharepoint-list-column",
        {"siteId": sid, "listId": "Onboarding Tasks", "columnDefinitionId": "Title"},
    )
    assert "can't be deleted" in title
    dup = await _error(client, "create-sharepoint-list", {"siteId": sid, "body": {"displayName": "Employee Directory"}})
    assert "nameAlreadyExists" in dup


async def test_bad_input_names_the_field(client: Any) -> None:
    dots = await _error(client, "get-sharepoint-site-by-path", {"hostname": HOST, "sitePath": "/sites/../admin"})
    assert "sitePath" in dots and "'..'" in dots
    host = await _error(client, "get-sharepoint-site-by-path", {"hostname": "contoso/evil", "sitePath": "/sites/HR"})
    assert "hostname" in host
    blank = await _error(client, "search-sharepoint-sites", {"search": "  "})
    assert "search" in blank
    kind = await _error(
        client,
        "create-sharepoint-list-column",
        {"siteId": "root", "listId": "x", "body": {"name": "A", "type": "blob"}},
    )
    assert "body.type" in kind


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "ms365mcp", "--sandbox", "--org-mode", "--preset", "sharepoint"],
        env=env,
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {spec.name for spec in TOOLS} <= names
        result = await client.call_tool("search-sharepoint-sites", {"search": "marketing"})
        assert result.is_error is False and result.structured_content["value"][0]["name"] == "Marketing"
