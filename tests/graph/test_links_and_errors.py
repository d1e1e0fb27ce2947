"""Links Graph hands back (behind a proxy, in Graph's key syntax) and error answers turned into hints."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from ms365mcp import ToolSpec
from ms365mcp.errors import ToolInputError
from ms365mcp.graph.errors import MAX_MESSAGE_CHARS, graph_error, retry_after_seconds
from ms365mcp.graph.request import build_request, link_location
from ms365mcp.graph.shaping import shape_response
from ms365mcp.settings import Settings

LIST_MSG = ToolSpec(
    "list-mail-messages",
    "GET",
    "/me/messages",
    "List messages.",
    scopes="Mail.Read",
    query={"top", "skip", "filter", "search", "orderby", "select", "count"},
    default_select=("id", "subject"),
)
FOLDER_DELTA = ToolSpec(
    "list-mail-folder-messages-delta",
    "GET",
    "/me/mailFolders/{mailFolderId}/messages/delta()",
    "Delta.",
    query={"top", "select"},
)
GET_MSG = ToolSpec("get-mail-message", "GET", "/me/messages/{messageId}", "Get.", scopes="Mail.Read | Mail.Read.Shared")
PROXY = Settings(graph_url="https://proxy.example/graph")


def test_next_link_behind_a_proxy_with_a_path_prefix() -> None:
    for link in (
        "https://proxy.example/graph/v1.0/me/messages?$skip=10",
        "https://graph.microsoft.com/v1.0/me/messages?$skip=10",  # Graph writes its own host behind a proxy
        "https://PROXY.example:443/graph/v1.0/me/messages?$skip=10",
    ):
        request = build_request(LIST_MSG, {"nextLink": link}, PROXY)
        assert request.path == "/me/messages" and dict(request.params) == {"$skip": "10"}
    for bad in (
        "https://proxy.example/v1.0/me/messages?$skip=10",  # outside the prefix
        "https://proxy.example/graphx/v1.0/me/messages?$skip=10",
        "https://user@proxy.example/graph/v1.0/me/messages?$skip=10",
        "https://evil.example/graph/v1.0/me/messages?$skip=10",
        "https://graph.microsoft.us/v1.0/me/messages?$skip=10",  # another cloud
    ):
        with pytest.raises(ToolInputError):
            build_request(LIST_MSG, {"nextLink": bad}, PROXY)


def test_next_link_path_tricks_are_refused() -> None:
    settings = Settings()
    for bad in (
        "https://graph.microsoft.com/v1.0/me/messages/extra?$skip=1",
        "https://graph.microsoft.com/v1.0/me/messages%2F..%2Fusers?$skip=1",
        "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages?$skip=1",
        "https://graph.microsoft.com/beta/me/messages?$skip=1",
        "me/messages?$skip=1",
    ):
        with pytest.raises(ToolInputError) as info:
            build_request(LIST_MSG, {"nextLink": bad}, settings)
        assert info.value.field == "nextLink"


def test_delta_links_in_graphs_key_syntax_are_accepted_and_sent_to_our_own_path() -> None:
    """Graph writes mailfolders('AQMk..')/messages/delta in links for a call made as mailFolders/inbox/..."""
    link = "https://graph.microsoft.com/v1.0/me/mailfolders('AQMkADAw')/messages/delta?$skiptoken=ab%2Bc%3D"
    request = build_request(FOLDER_DELTA, {"mailFolderId": "inbox", "nextLink": link}, Settings())
    assert request.path == "/me/mailFolders/inbox/messages/delta()"
    assert dict(request.params) == {"$skiptoken": "ab+c="}
    assert request.target.endswith("?$skiptoken=ab%2Bc%3D")


def test_link_location_never_leaves_the_configured_endpoint() -> None:
    assert link_location("https://graph.microsoft.com/v1.0/me?$x=1", PROXY) == ("/v1.0/me", "$x=1")
    assert link_location("https://proxy.example/graph/v1.0/me", PROXY) == ("/v1.0/me", "")
    assert link_location("/teams('t')/channels('c')/messages/delta?$skiptoken=x", PROXY) == (
        "/teams('t')/channels('c')/messages/delta",
        "$skiptoken=x",
    )
    assert link_location("https://proxy.example/graph/v1.0/../../admin", PROXY) is None
    assert link_location("https://proxy.example/graph/v1.0/%2e%2e/admin", PROXY) is None
    assert link_location("https://evil.example/v1.0/me", PROXY) is None


@pytest.mark.parametrize(
    ("args", "params"),
    [
        ({"select": "id, subject ,from"}, {"$select": "id,subject,from"}),
        ({"select": " , "}, {"$select": "id,subject"}),  # an empty select falls back to the default projection
        ({"filter": "", "orderby": " ", "top": 5.0}, {"$top": "5", "$select": "id,subject"}),
        ({"count": False, "skip": 0}, {"$skip": "0", "$select": "id,subject"}),
    ],
)
def test_odata_options_are_normalised(args: dict[str, object], params: dict[str, str]) -> None:
    assert dict(build_request(LIST_MSG, args, Settings()).params) == params


@pytest.mark.parametrize("search", ["", "  ", '""', '" "'])
def test_an_empty_search_is_refused(search: str) -> None:
    with pytest.raises(ToolInputError) as info:
        build_request(LIST_MSG, {"search": search}, Settings())
    assert info.value.field == "search"


def _response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "https://graph.microsoft.com/v1.0/me"), **kwargs)


def test_a_proxys_html_error_page_is_not_echoed() -> None:
    page = "<html><body>upstream 10.0.0.5 failed for bob@corp.example</body></html>"
    error = graph_error(_response(502, text=page, headers={"content-type": "text/html"}), GET_MSG, org_mode=False)
    assert error.payload["error"]["code"] == "http_502"
    assert "bob@" not in str(error.payload) and "10.0.0.5" not in str(error.payload)
    assert str(error) == "502 http_502"


def test_a_very_long_graph_message_is_cut_and_odd_bodies_do_not_crash() -> None:
    long = graph_error(
        _response(400, json={"error": {"code": "BadRequest", "message": "x" * 50_000}}), GET_MSG, org_mode=False
    )
    assert len(long.message) < MAX_MESSAGE_CHARS + 20 and long.message.endswith("(cut)")
    for body in ({"error": "a string"}, [1, 2], {"error": {"code": 5, "message": None}}, None):
        error = graph_error(_response(400, json=body), GET_MSG, org_mode=False)
        assert error.status == 400 and error.code in ("http_400", "5")


def test_pii_in_a_graph_message_stays_out_of_the_exception_text() -> None:
    body = {"error": {"code": "ErrorAccessDenied", "message": "Access is denied for carol@contoso.example"}}
    error = graph_error(_response(403, json=body), GET_MSG, org_mode=False)
    assert "carol@" in error.payload["error"]["message"]  # the model needs it
    assert "carol@" not in str(error) and "carol@" not in repr(error.args)


def test_hints_for_401_403_404_and_429() -> None:
    hint = lambda status, **kw: graph_error(_response(status, **kw), GET_MSG, org_mode=False).hint  # noqa: E731
    assert "MS365_MCP_OAUTH_TOKEN" in hint(401)
    assert "Mail.Read or Mail.Read.Shared" in hint(403)
    assert "messageId" in hint(404) and "mailbox" not in hint(404)
    assert "wait 7 seconds" in hint(429, headers={"Retry-After": "7"})
    assert "wait a little" in hint(429)
    assert "wait a little" in hint(429, headers={"Retry-After": "soon"})
    no_ids = graph_error(_response(404), LIST_MSG, org_mode=False).hint
    assert no_ids and "Not found" in no_ids


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC).timestamp()
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: now) == 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:00:00 GMT", now=lambda: now) == 0
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("-1") is None and retry_after_seconds(None) is None


def test_accepted_keeps_the_location_to_watch() -> None:
    shaped = shape_response(_response(202, headers={"Location": "https://graph.microsoft.com/v1.0/monitor/1"}))
    assert shaped == {"ok": True, "status": 202, "location": "https://graph.microsoft.com/v1.0/monitor/1"}
    assert shape_response(_response(204)) == {"ok": True, "status": 204}
    not_json = shape_response(_response(200, text="oops", headers={"content-type": "application/json"}))
    assert not_json == {"contentType": "application/json", "content": "oops"}


@pytest.mark.anyio
async def test_client_resolves_graph_links_onto_the_configured_url() -> None:
    from ms365mcp.graph.client import GraphClient
    from ms365mcp.plugins import make_plugin_manager

    client = GraphClient(PROXY, make_plugin_manager(load_entrypoints=False))
    try:
        assert client.resolve_link("https://graph.microsoft.com/v1.0/me/messages?$skip=2") == (
            "https://proxy.example/graph/v1.0/me/messages?$skip=2"
        )
        assert client.resolve_link("/teams('t')/channels('c')/messages/delta?$skiptoken=x", "beta") == (
            "https://proxy.example/graph/beta/teams('t')/channels('c')/messages/delta?$skiptoken=x"
        )
        assert client.owns("https://proxy.example/graph/v1.0/me") and not client.owns("https://proxy.example/me")
        with pytest.raises(ValueError):
            client.resolve_link("https://attacker.example/v1.0/me/messages")
    finally:
        await client.aclose()
