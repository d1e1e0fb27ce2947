"""Every OneNote tool through the MCP SDK's own client against the sandbox tenant."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_onenote.seed import ENCODED_PAGE_ID, SITE_ID
from ms365mcp_onenote.tools import TOOLS

pytestmark = pytest.mark.anyio


async def _ok(client: Any, called: set[str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    called.add(name)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def _fail(client: Any, name: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(name, args)
    assert result.is_error is True, name
    return result.content[0].text


def _by_name(items: list[dict[str, Any]], key: str = "displayName") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


async def test_personal_notebooks_end_to_end(client: Any) -> None:
    called: set[str] = set()
    notebooks = (await _ok(client, called, "list-onenote-notebooks", {"expand": "sections,sectionGroups"}))["value"]
    assert [n["displayName"] for n in notebooks] == ["Adele's Notebook", "Work Notes"]
    mine = _by_name(notebooks)["Adele's Notebook"]
    assert mine["isDefault"] is True
    assert {s["displayName"] for s in mine["sections"]} == {"Quick Notes", "Product Ideas", "Meetings"}
    assert [g["displayName"] for g in mine["sectionGroups"]] == ["Travel"]

    sections = _by_name(
        (await _ok(client, called, "list-onenote-notebook-sections", {"notebookId": mine["id"]}))["value"]
    )
    assert sections["Quick Notes"]["isDefault"] is True
    everywhere = await _ok(client, called, "list-all-onenote-sections", {"top": 100, "count": True})
    assert everywhere["count"] == 8 and "Lisbon Offsite" in _by_name(everywhere["value"])
    groups = _by_name((await _ok(client, called, "list-onenote-section-groups"))["value"])
    assert set(groups) == {"Travel", "Projects", "Archive"}
    assert groups["Archive"]["parentSectionGroup"]["displayName"] == "Projects"

    quick = (
        await _ok(client, called, "list-onenote-section-pages", {"onenoteSectionId": sections["Quick Notes"]["id"]})
    )["value"]
    assert [p["title"] for p in quick] == ["Groceries", "Call back Megan", "Team lunch ideas"]
    assert quick[0]["id"] == ENCODED_PAGE_ID
    first = await _ok(client, called, "list-onenote-pages", {"top": 5})
    assert len(first["value"]) == 5 and first["nextLink"]
    every = await _ok(client, called, "list-onenote-pages", {"fetchAllPages": True, "select": "id,title"})
    assert len(every["value"]) == 13 and set(every["value"][0]) == {"id", "title"}

    page = await _ok(client, called, "get-onenote-page-content", {"onenotePageId": ENCODED_PAGE_ID})
    assert page["contentType"] == "text/html"
    assert "<title>Groceries</title>" in page["content"] and "<li>Oat milk</li>" in page["content"]
    assert 'data-id="shopping"' in page["content"] and ' id="' not in page["content"]
    with_ids = await _ok(
        client, called, "get-onenote-page-content", {"onenotePageId": ENCODED_PAGE_ID, "includeIDs": True}
    )
    assert ' id="li:{' in with_ids["content"]

    notebook = await _ok(client, called, "create-onenote-notebook", {"body": {"displayName": "Recipes"}})
    assert notebook["displayName"] == "Recipes" and notebook["isDefault"] is False
    section = await _ok(
        client, called, "create-onenote-section", {"notebookId": notebook["id"], "body": {"displayName": "Soups"}}
    )
    assert section["parentNotebook"]["id"] == notebook["id"]
    soup = await _ok(
        client,
        called,
        "create-onenote-section-page",
        {"onenoteSectionId": section["id"], "body": {"title": "Tomato soup", "content": "- tomatoes\n- basil"}},
    )
    assert soup["title"] == "Tomato soup" and soup["parentSection"]["id"] == section["id"]
    html = (await _ok(client, called, "get-onenote-page-content", {"onenotePageId": soup["id"]}))["content"]
    assert "<ul><li>tomatoes</li><li>basil</li></ul>" in html

    note = await _ok(
        client,
        called,
        "create-onenote-page",
        {"sectionName": "Inbox", "body": "<html><head><title>Idea</title></head><body><p>Drone cam</p></body></html>"},
    )
    assert note["parentSection"]["displayName"] == "Inbox"
    quick_note = await _ok(client, called, "create-onenote-page", {"body": {"content": "Remember the milk"}})
    assert quick_note["parentSection"]["id"] == sections["Quick Notes"]["id"]
    newest = (await _ok(client, called, "list-onenote-pages", {"top": 1}))["value"][0]
    assert newest["id"] == quick_note["id"]

    assert (await _ok(client, called, "delete-onenote-page", {"onenotePageId": note["id"]}))["ok"] is True
    gone = await _fail(client, "get-onenote-page-content", {"onenotePageId": note["id"]})
    assert "20102" in gone

    assert "links" not in mine  # default_select keeps lists small; links come on request
    linked = (await _ok(client, called, "list-onenote-notebooks", {"select": "id,links"}))["value"]
    url = next(n["links"]["oneNoteWebUrl"]["href"] for n in linked if n["id"] == mine["id"])
    found = await _ok(client, called, "get-onenote-notebook-from-web-url", {"body": {"webUrl": url}})
    assert found["id"] == mine["id"] and found["name"] == "Adele's Notebook"

    assert called == {s.name for s in TOOLS if "personal" in s.presets}


async def test_site_notebooks_end_to_end(client: Any) -> None:
    called: set[str] = set()
    site = {"siteId": SITE_ID}
    notebooks = (await _ok(client, called, "list-sharepoint-site-onenote-notebooks", site))["value"]
    assert [n["displayName"] for n in notebooks] == ["Marketing Team Notebook"]
    book = {**site, "notebookId": notebooks[0]["id"]}
    sections = _by_name((await _ok(client, called, "list-sharepoint-site-onenote-notebook-sections", book))["value"])
    assert set(sections) == {"General", "Meeting Notes"}
    groups = (await _ok(client, called, "list-sharepoint-site-onenote-notebook-section-groups", book))["value"]
    assert [g["displayName"] for g in groups] == ["Campaigns"]
    campaigns = {**site, "sectionGroupId": groups[0]["id"]}
    inner = _by_name(
        (await _ok(client, called, "list-sharepoint-site-onenote-section-group-sections", campaigns))["value"]
    )
    assert set(inner) == {"Spring Launch", "Holiday 2026"}
    nested = (await _ok(client, called, "list-sharepoint-site-onenote-section-group-section-groups", campaigns))[
        "value"
    ]
    assert [g["displayName"] for g in nested] == ["Archive"]

    general = {**site, "onenoteSectionId": sections["General"]["id"]}
    pages = _by_name(
        (await _ok(client, called, "list-sharepoint-site-onenote-section-pages", general))["value"], key="title"
    )
    guide = {**site, "onenotePageId": pages["Brand guidelines"]["id"]}
    html = (await _ok(client, called, "get-sharepoint-site-onenote-page-content", {**guide, "includeIDs": True}))[
        "content"
    ]
    assert "Segoe UI" in html
    first_item = html.split('<li id="', 1)[1].split('"', 1)[0]

    await _ok(
        client,
        called,
        "update-sharepoint-site-onenote-page-content",
        {
            **guide,
            "body": [
                {"target": "title", "action": "replace", "content": "Brand guide 2027"},
                {"target": "rules", "action": "append", "content": "<li>Logo clear space: 1x</li>"},
                {"target": first_item, "action": "replace", "content": "<li>Headers use Contoso blue</li>"},
                {"target": "body", "action": "prepend", "content": "Owner: Adele"},
            ],
        },
    )
    html = (await _ok(client, called, "get-sharepoint-site-onenote-page-content", guide))["content"]
    assert "<title>Brand guide 2027</title>" in html
    assert html.index("Owner: Adele") < html.index("Headers use Contoso blue") < html.index("Logo clear space")
    assert "Contoso blue (#0078D4)" not in html
    renamed = (await _ok(client, called, "list-sharepoint-site-onenote-section-pages", general))["value"]
    assert renamed[0]["title"] == "Brand guide 2027"  # just changed, so listed first

    notebook = await _ok(
        client, called, "create-sharepoint-site-onenote-notebook", {**site, "body": {"displayName": "Events"}}
    )
    assert notebook["isShared"] is True
    section = await _ok(
        client,
        called,
        "create-sharepoint-site-onenote-section",
        {**site, "notebookId": notebook["id"], "body": {"displayName": "Trade shows"}},
    )
    grouped = await _ok(
        client,
        called,
        "create-sharepoint-site-onenote-section-group-section",
        {**campaigns, "body": {"displayName": "Summer Sale"}},
    )
    assert grouped["parentSectionGroup"]["id"] == groups[0]["id"]
    page = await _ok(
        client,
        called,
        "create-sharepoint-site-onenote-section-page",
        {**site, "onenoteSectionId": section["id"], "body": {"title": "CES 2027", "content": "Booth 12"}},
    )
    assert page["title"] == "CES 2027"
    await _ok(client, called, "delete-sharepoint-site-onenote-page", {**site, "onenotePageId": page["id"]})
    assert "20102" in await _fail(
        client, "get-sharepoint-site-onenote-page-content", {**site, "onenotePageId": page["id"]}
    )
    assert called == {s.name for s in TOOLS if "work" in s.presets}


async def test_errors_name_the_problem(client: Any) -> None:
    assert "itemNotFound" in await _fail(client, "list-sharepoint-site-onenote-notebooks", {"siteId": "nope"})
    assert "20117" in await _fail(client, "create-onenote-notebook", {"body": {"displayName": "work notes"}})
    assert "body.displayName" in await _fail(client, "create-onenote-notebook", {"body": {"displayName": "a:b"}})
    assert "body.title" in await _fail(client, "create-onenote-page", {"body": {}})
    assert "20102" in await _fail(client, "get-onenote-page-content", {"onenotePageId": "1-missing"})
    assert "20102" in await _fail(
        client, "get-onenote-notebook-from-web-url", {"body": {"webUrl": "https://contoso.example/none"}}
    )
    pages = (await client.call_tool("list-onenote-pages", {"top": 1})).structured_content["value"]
    missing_target = await _fail(
        client,
        "update-sharepoint-site-onenote-page-content",
        {"siteId": SITE_ID, "onenotePageId": pages[0]["id"], "body": [{"target": "#x", "action": "delete"}]},
    )
    assert "20102" in missing_target  # a personal page is not in the site's notebooks
    site_pages = (
        await client.call_tool(
            "list-sharepoint-site-onenote-section-pages",
            {"siteId": SITE_ID, "onenoteSectionId": await _site_section(client)},
        )
    ).structured_content["value"]
    target = {"siteId": SITE_ID, "onenotePageId": site_pages[0]["id"]}
    text = await _fail(
        client,
        "update-sharepoint-site-onenote-page-content",
        {
            **target,
            "body": [{"target": "title", "action": "replace", "content": "X"}, {"target": "#nope", "action": "delete"}],
        },
    )
    assert "20128" in text
    html = (await client.call_tool("get-sharepoint-site-onenote-page-content", target)).structured_content["content"]
    assert "<title>X</title>" not in html  # all changes or none
    bad_type = await client.call_tool("update-sharepoint-site-onenote-page-content", {**target, "body": "x"})
    assert bad_type.is_error and "body" in bad_type.content[0].text


async def _site_section(client: Any) -> str:
    books = (await client.call_tool("list-sharepoint-site-onenote-notebooks", {"siteId": SITE_ID})).structured_content
    sections = await client.call_tool(
        "list-sharepoint-site-onenote-notebook-sections", {"siteId": SITE_ID, "notebookId": books["value"][0]["id"]}
    )
    return str(_by_name(sections.structured_content["value"])["Meeting Notes"]["id"])


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--org-mode", "--preset", "onenote"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {spec.name for spec in TOOLS} <= names
        result = await client.call_tool("list-sharepoint-site-onenote-notebooks", {"siteId": SITE_ID})
        assert result.is_error is False and result.structured_content["value"][0]["displayName"]


async def test_lists_filter_sort_and_expand(client: Any) -> None:
    found = await client.call_tool(
        "list-onenote-pages", {"filter": "title eq 'Packing list'", "expand": "parentNotebook"}
    )
    (page,) = found.structured_content["value"]
    assert page["parentSection"]["displayName"] == "Lisbon Offsite"
    assert page["parentNotebook"]["displayName"] == "Adele's Notebook"
    ordered = await client.call_tool("list-onenote-pages", {"orderby": "title", "top": 3, "select": "title"})
    assert [p["title"] for p in ordered.structured_content["value"]] == [
        "Alex - 1:1 notes",
        "Call back Megan",
        "Groceries",
    ]
    tree = await client.call_tool("list-onenote-notebooks", {"expand": "sectionGroups($expand=sections)"})
    work = _by_name(tree.structured_content["value"])["Work Notes"]
    assert [s["displayName"] for s in work["sectionGroups"][0]["sections"]] == ["Contoso Mobile"]
    bad = await client.call_tool("list-onenote-pages", {"filter": "title eq"})
    assert bad.is_error and "BadRequest" in bad.content[0].text


async def test_page_edits_insert_and_delete_by_position(client: Any) -> None:
    section = {"siteId": SITE_ID, "onenoteSectionId": await _site_section(client)}
    page = (await client.call_tool("list-sharepoint-site-onenote-section-pages", section)).structured_content["value"][
        0
    ]
    target = {"siteId": SITE_ID, "onenotePageId": page["id"]}
    changes = [
        {"target": "next-steps", "action": "insert", "position": "before", "content": "<p>Before</p>"},
        {"target": "next-steps", "action": "insert", "content": "<p>After</p>"},
        {"target": "body", "action": "append", "position": "before", "content": "<p>Top</p>"},
        {"target": "next-steps", "action": "delete"},
    ]
    result = await client.call_tool("update-sharepoint-site-onenote-page-content", {**target, "body": changes})
    assert result.is_error is False and result.structured_content["status"] == 204
    html = (await client.call_tool("get-sharepoint-site-onenote-page-content", target)).structured_content["content"]
    assert "creative brief" not in html
    assert html.index("Top") < html.index("Kickoff") < html.index("Before") < html.index("After")
