"""Exact request shapes Graph expects for OneNote: HTML page bodies, JSON change lists, encoded ids."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from ms365mcp_onenote.seed import ENCODED_PAGE_ID, SITE_ID

from ms365mcp.executor import execute
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio
GRAPH = "https://graph.microsoft.com/v1.0"


async def _run(tmp_path: Any, pm: Any, name: str, args: dict[str, Any], *, org_mode: bool = True) -> Any:
    runtime = build_runtime(Settings(oauth_token="header.payload.sig", org_mode=org_mode, log_dir=tmp_path), pm)
    try:
        return await execute(runtime, name, args)
    finally:
        await runtime.aclose()


@respx.mock
async def test_new_page_is_sent_as_html_with_its_section_name(tmp_path: Any, onenote_pm: Any) -> None:
    route = respx.post(f"{GRAPH}/me/onenote/pages").mock(
        return_value=httpx.Response(201, json={"id": "1-p", "title": "Plan"})
    )
    outcome = await _run(
        tmp_path,
        onenote_pm,
        "create-onenote-page",
        {"sectionName": "Trips & plans", "body": {"title": "Plan", "content": "Fly out Monday"}},
        org_mode=False,
    )
    assert outcome.is_error is False and outcome.data["id"] == "1-p"
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "text/html"
    assert sent.url.params["sectionName"] == "Trips & plans"
    html = sent.content.decode()
    assert html.startswith("<!DOCTYPE html><html>") and "<title>Plan</title>" in html
    assert "<p>Fly out Monday</p>" in html


@respx.mock
async def test_page_changes_go_out_as_a_json_array_on_the_encoded_path(tmp_path: Any, onenote_pm: Any) -> None:
    route = respx.patch(url__regex=r".*/content$").mock(return_value=httpx.Response(204))
    outcome = await _run(
        tmp_path,
        onenote_pm,
        "update-sharepoint-site-onenote-page-content",
        {
            "siteId": SITE_ID,
            "onenotePageId": ENCODED_PAGE_ID,
            "body": [{"target": "#list", "action": "append", "content": "<li>x</li>", "position": "before"}],
        },
    )
    assert outcome.is_error is False and outcome.data == {"ok": True, "status": 204}
    sent = route.calls.last.request
    assert sent.url.raw_path == (
        b"/v1.0/sites/contoso.sharepoint.com%2C1111aaaa-1111-4111-8111-111111111111%2C"
        b"2222bbbb-2222-4222-8222-222222222222/onenote/pages/1-8f2c4a1e%2FQuickNotes%2BGroceries%3D%211-5a1e2f3c0001"
        b"/content"
    )
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == [
        {"target": "#list", "action": "append", "content": "<li>x</li>", "position": "before"}
    ]


@respx.mock
async def test_page_content_comes_back_as_html_text(tmp_path: Any, onenote_pm: Any) -> None:
    page = '<html><head><title>T</title></head><body><p id="p:{g}{1}">Hi</p></body></html>'
    route = respx.get(url__regex=r".*/me/onenote/pages/.*/content.*").mock(
        return_value=httpx.Response(200, text=page, headers={"content-type": "text/html; charset=utf-8"})
    )
    outcome = await _run(
        tmp_path, onenote_pm, "get-onenote-page-content", {"onenotePageId": "1-abc", "includeIDs": True}
    )
    assert outcome.is_error is False
    assert outcome.data == {"contentType": "text/html", "content": page}
    assert route.calls.last.request.url.params["includeIDs"] == "true"


@respx.mock
async def test_notebook_lookup_posts_the_web_url_as_json(tmp_path: Any, onenote_pm: Any) -> None:
    route = respx.post(f"{GRAPH}/me/onenote/notebooks/getNotebookFromWebUrl").mock(
        return_value=httpx.Response(200, json={"id": "1-n", "name": "Team"})
    )
    outcome = await _run(
        tmp_path,
        onenote_pm,
        "get-onenote-notebook-from-web-url",
        {"body": {"webUrl": " https://contoso.sharepoint.com/sites/x/SiteAssets/Team "}},
    )
    assert outcome.is_error is False and outcome.data["name"] == "Team"
    assert json.loads(route.calls.last.request.content) == {
        "webUrl": "https://contoso.sharepoint.com/sites/x/SiteAssets/Team"
    }


@respx.mock
async def test_bad_input_never_reaches_graph(tmp_path: Any, onenote_pm: Any) -> None:
    route = respx.route().mock(return_value=httpx.Response(200, json={}))
    outcome = await _run(
        tmp_path,
        onenote_pm,
        "update-sharepoint-site-onenote-page-content",
        {"siteId": SITE_ID, "onenotePageId": "p", "body": [{"target": "title", "action": "append", "content": "x"}]},
    )
    assert outcome.is_error and outcome.data["error"]["field"] == "body[0].action"
    empty_id = await _run(tmp_path, onenote_pm, "delete-onenote-page", {"onenotePageId": " "})
    assert empty_id.is_error and empty_id.data["error"]["field"] == "onenotePageId"
    assert route.call_count == 0


async def test_site_notebooks_need_org_mode(tmp_path: Any, onenote_pm: Any) -> None:
    personal = build_runtime(Settings(oauth_token="header.payload.sig", log_dir=tmp_path), onenote_pm)
    try:
        assert "list-onenote-notebooks" in personal.tools
        assert "list-sharepoint-site-onenote-notebooks" not in personal.tools
        assert "get-onenote-notebook-from-web-url" not in personal.tools
    finally:
        await personal.aclose()
