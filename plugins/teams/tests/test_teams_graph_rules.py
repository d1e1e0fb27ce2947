"""Limits Graph documents for Teams lists and presence, kept both by the tools and by the sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ms365mcp_teams.tools import TOOLS

from ms365mcp.errors import ToolInputError
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, build_tenant

SPECS = {spec.name: spec for spec in TOOLS}
APP_ID = "22553876-f5ab-4529-bffb-cfe50aa89f87"


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


def test_message_lists_send_only_the_options_graph_supports() -> None:
    """chat-list-messages, channel-list-messages and chatmessage-list-replies take no $select."""
    for name in ("list-chat-messages", "list-channel-messages", "list-channel-message-replies"):
        assert SPECS[name].default_select == (), name
        assert "select" not in SPECS[name].query, name
    assert SPECS["list-chat-members"].query == frozenset()  # chat-list-members: no OData options


def test_chat_message_filter_follows_the_orderby_property() -> None:
    args = _prepare("list-chat-messages", {"chatId": "c", "filter": "lastModifiedDateTime gt 2026-01-01T00:00:00Z"})
    assert args["orderby"] == "lastModifiedDateTime desc"
    kept = _prepare(
        "list-chat-messages",
        {"chatId": "c", "orderby": "createdDateTime DESC", "filter": "createdDateTime lt 2026-01-01T00:00:00Z"},
    )
    assert kept["orderby"] == "createdDateTime desc"
    both = "lastModifiedDateTime gt 2026-01-01T00:00:00Z and lastModifiedDateTime lt 2026-02-01T00:00:00Z"
    assert _prepare("list-chat-messages", {"chatId": "c", "filter": both})["orderby"] == "lastModifiedDateTime desc"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"top": 51}, "top"),
        ({"orderby": "createdDateTime asc"}, "orderby"),
        ({"orderby": "subject desc"}, "orderby"),
        ({"filter": "createdDateTime gt 2026-01-01T00:00:00Z"}, "filter"),
        ({"filter": "from/user/id eq 'x'"}, "filter"),
        ({"orderby": "createdDateTime desc", "filter": "lastModifiedDateTime gt 2026-01-01T00:00:00Z"}, "filter"),
    ],
)
def test_chat_message_queries_graph_refuses_are_refused(args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        _prepare("list-chat-messages", {"chatId": "c", **args})
    assert caught.value.field == field


def test_channel_message_pages_hold_at_most_50() -> None:
    assert _prepare("list-channel-messages", {"top": 50})["top"] == 50
    for name in ("list-channel-messages", "list-channel-message-replies"):
        with pytest.raises(ToolInputError):
            _prepare(name, {"top": 51})


@pytest.mark.parametrize(("given", "sent"), [(5, "PT5M"), (240, "PT240M"), ("PT4H", "PT4H"), ("PT1H30M", "PT1H30M")])
def test_session_presence_lasts_5_minutes_to_4_hours(given: Any, sent: str) -> None:
    body = {"sessionId": APP_ID, "availability": "Busy", "expirationDuration": given}
    assert _prepare("set-my-presence", {"body": body})["body"]["expirationDuration"] == sent


@pytest.mark.parametrize("given", [4, 241, 600, "PT5H", "P1D", "PT4M", "an hour"])
def test_session_presence_outside_the_window_is_refused(given: Any) -> None:
    body = {"sessionId": APP_ID, "availability": "Available", "expirationDuration": given}
    with pytest.raises(ToolInputError) as caught:
        _prepare("set-my-presence", {"body": body})
    assert caught.value.field == "body.expirationDuration"


def test_preferred_presence_may_last_longer_than_a_session() -> None:
    body = {"availability": "DoNotDisturb", "expirationDuration": "PT8H"}  # the setUserPreferredPresence example
    assert _prepare("set-my-user-preferred-presence", {"body": body})["body"]["activity"] == "DoNotDisturb"
    with pytest.raises(ToolInputError):
        _prepare("set-my-user-preferred-presence", {"body": {"availability": "Away", "expirationDuration": 2}})


@pytest.mark.anyio
async def test_the_sandbox_refuses_what_graph_refuses(pm: Any) -> None:
    tenant = build_tenant(pm)
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, headers=headers) as http:
        chat = (await http.get("/v1.0/me/chats")).json()["value"][0]["id"]
        messages = f"/v1.0/chats/{chat}/messages"
        assert (await http.get(messages, params={"$top": "50"})).status_code == 200
        assert (await http.get(messages, params={"$top": "51"})).status_code == 400
        assert (await http.get(messages, params={"$select": "id"})).status_code == 400
        assert (await http.get(messages, params={"$orderby": "createdDateTime asc"})).status_code == 400
        ignored = await http.get(messages, params={"$filter": "createdDateTime lt 2000-01-01T00:00:00Z"})
        assert ignored.status_code == 200 and ignored.json()["value"]  # not ordered by createdDateTime: ignored
        applied = await http.get(
            messages, params={"$orderby": "createdDateTime desc", "$filter": "createdDateTime lt 2000-01-01T00:00:00Z"}
        )
        assert applied.json()["value"] == []
        session = {"sessionId": APP_ID, "availability": "Available", "activity": "Available"}
        too_long = await http.post("/v1.0/me/presence/setPresence", json={**session, "expirationDuration": "PT5H"})
        assert too_long.status_code == 400
        ok = await http.post("/v1.0/me/presence/setPresence", json={**session, "expirationDuration": "PT4H"})
        assert ok.status_code == 200
        preferred = {"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "PT8H"}
        assert (await http.post("/v1.0/me/presence/setUserPreferredPresence", json=preferred)).status_code == 200
