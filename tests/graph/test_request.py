"""Exact Graph request shapes: path encoding, OData options, headers, nextLink checks."""

from __future__ import annotations

import httpx
import pytest
import respx

from ms365mcp import ToolSpec
from ms365mcp.errors import ToolInputError
from ms365mcp.graph.request import build_request, encode_segment
from ms365mcp.settings import Settings

GET_MSG = ToolSpec("get-mail-message", "GET", "/me/messages/{messageId}", "Get a message.", query={"select", "expand"})
LIST_MSG = ToolSpec(
    "list-mail-messages",
    "GET",
    "/me/messages",
    "List messages.",
    query={"top", "skip", "filter", "search", "orderby", "select", "count"},
    default_select=("id", "subject"),
)
USERS = ToolSpec("list-users", "GET", "/users", "List users.", query={"top", "search", "count", "filter"})
RANGE = ToolSpec(
    "get-range",
    "GET",
    "/drives/{driveId}/items/{itemId}/workbook/worksheets/{sheet}/range(address='{address}')",
    "Get a range.",
    literal_params={"address"},
)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("../../users/x", "..%2F..%2Fusers%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("AAMk+x=", "AAMk%2Bx%3D"),
        ("a b%", "a%20b%25"),
    ],
)
def test_ids_become_exactly_one_segment(value: str, encoded: str) -> None:
    assert encode_segment(value) == encoded
    request = build_request(GET_MSG, {"messageId": value}, Settings())
    assert request.path == f"/me/messages/{encoded}"
    assert "?" not in request.target and "#" not in request.target


@pytest.mark.anyio
@respx.mock
async def test_injection_shaped_id_reaches_graph_as_one_segment() -> None:
    route = respx.get(url__regex=r"https://graph\.microsoft\.com/v1\.0/me/messages/.*").mock(
        return_value=httpx.Response(200, json={"id": "x"})
    )
    request = build_request(GET_MSG, {"messageId": "../../users/x?$top=1#frag"}, Settings())
    async with httpx.AsyncClient() as client:
        await client.get("https://graph.microsoft.com" + request.target)
    sent = route.calls.last.request
    assert sent.url.raw_path == b"/v1.0/me/messages/..%2F..%2Fusers%2Fx%3F%24top%3D1%23frag"
    assert sent.url.query == b""


def test_empty_id_names_the_field() -> None:
    with pytest.raises(ToolInputError) as info:
        build_request(GET_MSG, {"messageId": "  "}, Settings())
    assert info.value.field == "messageId"


def test_odata_options_get_dollar_names_and_default_projection() -> None:
    request = build_request(
        LIST_MSG, {"top": 5, "orderby": "receivedDateTime desc", "filter": "isRead eq false"}, Settings()
    )
    assert dict(request.params) == {
        "$top": "5",
        "$orderby": "receivedDateTime desc",
        "$filter": "isRead eq false",
        "$select": "id,subject",
    }
    explicit = build_request(LIST_MSG, {"select": "id,body"}, Settings())
    assert dict(explicit.params) == {"$select": "id,body"}


def test_max_top_clamps() -> None:
    request = build_request(LIST_MSG, {"top": 500}, Settings(max_top=25))
    assert ("$top", "25") in request.params


def test_search_with_filter_on_mail_is_refused() -> None:
    with pytest.raises(ToolInputError) as info:
        build_request(LIST_MSG, {"search": "budget", "filter": "isRead eq false"}, Settings())
    assert info.value.field == "search"


def test_consistency_level_for_count_and_directory_search() -> None:
    assert ("ConsistencyLevel", "eventual") in build_request(USERS, {"search": '"displayName:ann"'}, Settings()).headers
    assert ("ConsistencyLevel", "eventual") in build_request(LIST_MSG, {"count": True}, Settings()).headers
    assert ("ConsistencyLevel", "eventual") not in build_request(LIST_MSG, {"search": "x"}, Settings()).headers
    assert ("ConsistencyLevel", "eventual") not in build_request(USERS, {"top": 3}, Settings()).headers


def test_body_format_prefer_header() -> None:
    text = build_request(LIST_MSG, {}, Settings())
    assert ("Prefer", 'outlook.body-content-type="text"') in text.headers
    html = build_request(LIST_MSG, {}, Settings(body_format="html"))
    assert not [h for h in html.headers if h[0] == "Prefer"]
    assert not [h for h in build_request(USERS, {}, Settings()).headers if h[0] == "Prefer"]


def test_literal_params_stay_inside_the_function_call() -> None:
    request = build_request(
        RANGE, {"driveId": "d", "itemId": "i/x", "sheet": "Sheet 1", "address": "A1:B2'"}, Settings()
    )
    assert request.path == "/drives/d/items/i%2Fx/workbook/worksheets/Sheet%201/range(address='A1:B2%27%27')"


def test_next_link_must_match_host_and_resource() -> None:
    settings = Settings()
    ok = build_request(
        LIST_MSG, {"nextLink": "https://graph.microsoft.com/v1.0/me/messages?$skip=10&$top=10"}, settings
    )
    assert dict(ok.params) == {"$skip": "10", "$top": "10"}
    for bad in (
        "https://evil.example/v1.0/me/messages?$skip=10",
        "https://graph.microsoft.com/v1.0/users?$skip=1",
        "http://graph.microsoft.com/v1.0/me/messages?$skip=1",
    ):
        with pytest.raises(ToolInputError) as info:
            build_request(LIST_MSG, {"nextLink": bad}, settings)
        assert info.value.field == "nextLink"
