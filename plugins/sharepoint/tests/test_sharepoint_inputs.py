"""Friendly inputs become Graph's shapes; bad input is refused naming the field; exact request shapes via respx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from ms365mcp_sharepoint.tools import NON_INDEXED, TOOLS

from ms365mcp.errors import ToolInputError
from ms365mcp.executor import execute
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

SPECS = {spec.name: spec for spec in TOOLS}
SITE = "contoso.sharepoint.com,2C712604-1370-44E7-A1F5-426573FDA80A,2D2244C3-251A-49EA-93A8-39E1C3A060FE"


def _prepared(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


def test_flat_item_body_is_wrapped_in_fields() -> None:
    args = _prepared("create-sharepoint-list-item", {"body": {"Title": "Budget", "Status": "Done"}})
    assert args["body"] == {"fields": {"Title": "Budget", "Status": "Done"}}
    kept = _prepared("create-sharepoint-list-item", {"body": {"fields": {"Status": "Done"}}})
    assert kept["body"] == {"fields": {"Status": "Done"}}


def test_item_update_sends_a_flat_field_value_set_to_fields() -> None:
    """Graph updates column values with PATCH .../items/{id}/fields and a flat body (listitem-update)."""
    assert SPECS["update-sharepoint-list-item"].path.endswith("/items/{listItemId}/fields")
    unwrapped = _prepared("update-sharepoint-list-item", {"body": {"fields": {"Status": "Done"}}})
    assert unwrapped["body"] == {"Status": "Done"}
    flat = _prepared("update-sharepoint-list-item", {"body": {"Status": "Done", "PercentComplete": 1}})
    assert flat["body"] == {"Status": "Done", "PercentComplete": 1}


def test_column_type_shorthand_becomes_a_facet() -> None:
    body = _prepared(
        "create-sharepoint-list-column", {"body": {"name": "Stage", "type": "choice", "choices": ["A", "B"]}}
    )["body"]
    assert body == {"name": "Stage", "choice": {"choices": ["A", "B"]}}
    update = _prepared("update-sharepoint-list-column", {"body": {"choices": ["A", "B", "C"]}})["body"]
    assert update == {"choice": {"choices": ["A", "B", "C"]}}
    native = _prepared("create-sharepoint-list-column", {"body": {"name": "Due", "dateTime": {"format": "dateOnly"}}})
    assert native["body"] == {"name": "Due", "dateTime": {"format": "dateOnly"}}


def test_new_list_gets_a_template_and_typed_columns() -> None:
    body = _prepared(
        "create-sharepoint-list",
        {
            "body": {
                "displayName": "Assets",
                "template": "documentLibrary",
                "columns": [{"name": "Year", "type": "number"}],
            }
        },
    )["body"]
    assert body == {
        "displayName": "Assets",
        "list": {"template": "documentLibrary"},
        "columns": [{"name": "Year", "number": {}}],
    }
    plain = _prepared("create-sharepoint-list", {"body": {"displayName": "Risks"}})["body"]
    assert plain["list"] == {"template": "genericList"}


def test_site_path_accepts_urls_and_trims_slashes() -> None:
    args = _prepared(
        "get-sharepoint-site-by-path",
        {"hostname": "https://Contoso.sharepoint.com/", "sitePath": "https://contoso.sharepoint.com/sites/Team Site/"},
    )
    assert (args["hostname"], args["sitePath"]) == ("Contoso.sharepoint.com", "sites/Team Site")


def test_list_items_expand_fields_unless_told_otherwise() -> None:
    assert _prepared("list-sharepoint-site-list-items", {})["expand"] == "fields"
    assert _prepared("get-sharepoint-site-list-item", {"expand": ""})["expand"] == "fields"
    narrow = _prepared("list-sharepoint-site-list-items", {"expand": "fields(select=Title)"})
    assert narrow["expand"] == "fields(select=Title)"


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("get-sharepoint-site-by-path", {"hostname": "contoso.sharepoint.com", "sitePath": "/sites/../x"}, "sitePath"),
        ("get-sharepoint-site-by-path", {"hostname": "contoso.sharepoint.com", "sitePath": "/"}, "sitePath"),
        ("get-sharepoint-site-by-path", {"hostname": "contoso.sharepoint.com", "sitePath": "/a%2F..%2Fb"}, "sitePath"),
        ("get-sharepoint-site-by-path", {"hostname": "contoso.sharepoint.com", "sitePath": "/sites/a?x=1"}, "sitePath"),
        (
            "get-sharepoint-site-by-path",
            {"hostname": "evil.example", "sitePath": "https://other.example/x"},
            "sitePath",
        ),
        ("get-sharepoint-site-by-path", {"hostname": "localhost", "sitePath": "/sites/a"}, "hostname"),
        ("get-sharepoint-site-by-path", {"hostname": "a.com/b", "sitePath": "/sites/a"}, "hostname"),
        ("search-sharepoint-sites", {"search": " "}, "search"),
        ("create-sharepoint-list-item", {"body": {}}, "body.fields"),
        ("create-sharepoint-list-item", {"body": {"fields": "Title=x"}}, "body.fields"),
        ("update-sharepoint-list-item", {"body": {"fields": {"id": "4"}}}, "body.fields.id"),
        ("create-sharepoint-list-column", {"body": {"type": "text"}}, "body.name"),
        ("create-sharepoint-list-column", {"body": {"name": "Due date", "type": "dateTime"}}, "body.name"),
        ("create-sharepoint-list-column", {"body": {"name": "Due"}}, "body.type"),
        ("create-sharepoint-list-column", {"body": {"name": "S", "type": "choice", "choices": "a,b"}}, "body.choices"),
        ("update-sharepoint-list-column", {"body": {}}, "body"),
        ("create-sharepoint-list", {"body": {"displayName": " "}}, "body.displayName"),
        ("create-sharepoint-list", {"body": {"displayName": "L", "columns": {"name": "x"}}}, "body.columns"),
        ("create-sharepoint-list", {"body": {"displayName": "L", "columns": [{"name": "x"}]}}, "body.columns[0].type"),
    ],
)
def test_bad_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepared(name, args)
    assert info.value.field == field


async def _run(tmp_path: Any, pm: Any, name: str, args: dict[str, Any]) -> Any:
    runtime = build_runtime(Settings(oauth_token="header.payload.sig", org_mode=True, log_dir=tmp_path), pm)
    try:
        return await execute(runtime, name, args)
    finally:
        await runtime.aclose()


@pytest.mark.anyio
@respx.mock
async def test_site_path_keeps_its_slashes_and_encodes_each_segment(tmp_path: Any, sharepoint_pm: Any) -> None:
    route = respx.get(url__startswith="https://graph.microsoft.com/v1.0/sites/").mock(
        return_value=httpx.Response(200, json={"id": SITE})
    )
    outcome = await _run(
        tmp_path,
        sharepoint_pm,
        "get-sharepoint-site-by-path",
        {"hostname": "contoso.sharepoint.com", "sitePath": "/sites/Team Site#1/Sub", "select": "id"},
    )
    assert outcome.is_error is True and outcome.data["error"]["field"] == "sitePath"
    outcome = await _run(
        tmp_path,
        sharepoint_pm,
        "get-sharepoint-site-by-path",
        {"hostname": "contoso.sharepoint.com", "sitePath": "/sites/Team Site+1/Sub", "select": "id"},
    )
    assert outcome.is_error is False and outcome.data["id"] == SITE
    sent = route.calls.last.request
    assert sent.url.raw_path == b"/v1.0/sites/contoso.sharepoint.com:/sites/Team%20Site%2B1/Sub?$select=id"


@pytest.mark.anyio
@respx.mock
async def test_site_search_uses_plain_search_parameter(tmp_path: Any, sharepoint_pm: Any) -> None:
    route = respx.get(url__startswith="https://graph.microsoft.com/v1.0/sites").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    outcome = await _run(tmp_path, sharepoint_pm, "search-sharepoint-sites", {"search": "sales & marketing", "top": 5})
    assert outcome.is_error is False
    sent = route.calls.last.request
    assert sent.url.path == "/v1.0/sites"
    assert sent.url.params["search"] == "sales & marketing"
    assert "$search" not in sent.url.params and sent.url.params["$top"] == "5"
    assert b"search=sales%20%26%20marketing" in sent.url.raw_path


@pytest.mark.anyio
@respx.mock
async def test_list_items_expand_fields_and_send_prefer_only_when_filtering(tmp_path: Any, sharepoint_pm: Any) -> None:
    route = respx.get(url__startswith="https://graph.microsoft.com/v1.0/sites/").mock(
        return_value=httpx.Response(200, json={"value": [{"id": "1", "fields": {"Title": "A"}}]})
    )
    args = {"siteId": SITE, "listId": "Tasks"}
    outcome = await _run(tmp_path, sharepoint_pm, "list-sharepoint-site-list-items", dict(args))
    assert outcome.is_error is False and outcome.data["value"][0]["fields"]["Title"] == "A"
    plain = route.calls.last.request
    assert plain.url.raw_path.startswith(b"/v1.0/sites/contoso.sharepoint.com%2C2C712604-")
    assert plain.url.params["$expand"] == "fields"
    assert plain.url.params["$select"] == "id,webUrl,lastModifiedDateTime"
    assert NON_INDEXED[1] not in plain.headers.get("prefer", "")
    await _run(
        tmp_path, sharepoint_pm, "list-sharepoint-site-list-items", {**args, "filter": "fields/Status eq 'Done'"}
    )
    filtered = route.calls.last.request
    assert filtered.url.params["$filter"] == "fields/Status eq 'Done'"
    assert filtered.headers["prefer"] == NON_INDEXED[1]


@pytest.mark.anyio
@respx.mock
async def test_graph_error_on_a_handler_tool_comes_back_as_graph_error(tmp_path: Any, sharepoint_pm: Any) -> None:
    respx.get(url__startswith="https://graph.microsoft.com/v1.0/sites/").mock(
        return_value=httpx.Response(403, json={"error": {"code": "accessDenied", "message": "Access denied"}})
    )
    outcome = await _run(
        tmp_path, sharepoint_pm, "list-sharepoint-site-list-items", {"siteId": SITE, "listId": "Tasks"}
    )
    assert outcome.is_error is True and outcome.data["error"]["type"] == "graph_error"
    assert outcome.data["error"]["code"] == "accessDenied"
