"""Exact request shapes that are easy to get wrong, against a mocked Graph (respx)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pluggy
import pytest
import respx

from ms365mcp.executor import execute
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio
GRAPH = "https://graph.microsoft.com/v1.0"


async def _run(pm: pluggy.PluginManager, tmp_path: Path, name: str, args: dict[str, Any]) -> Any:
    runtime = build_runtime(Settings(oauth_token="header.payload.sig", org_mode=True, log_dir=tmp_path), pm)
    try:
        return await execute(runtime, name, args)
    finally:
        await runtime.aclose()


@respx.mock
async def test_membership_ids_are_one_encoded_segment(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    route = respx.delete(url__startswith=GRAPH + "/teams/").mock(return_value=httpx.Response(204))
    outcome = await _run(pm, tmp_path, "remove-team-member", {"teamId": "t-1", "conversationMemberId": "MCMj/a+b=="})
    assert outcome.is_error is False
    assert route.calls.last.request.url.raw_path == b"/v1.0/teams/t-1/members/MCMj%2Fa%2Bb%3D%3D"


@respx.mock
async def test_chat_ids_and_message_bodies(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    route = respx.post(url__startswith=GRAPH + "/chats/").mock(return_value=httpx.Response(201, json={"id": "1"}))
    outcome = await _run(
        pm, tmp_path, "send-chat-message", {"chatId": "19:ab_cd@unq.gbl.spaces", "body": "<p>Hello</p>"}
    )
    assert outcome.is_error is False
    sent = route.calls.last.request
    assert sent.url.raw_path.decode().startswith("/v1.0/chats/19")
    assert sent.url.path == "/v1.0/chats/19:ab_cd@unq.gbl.spaces/messages"
    assert json.loads(sent.content) == {"body": {"contentType": "html", "content": "<p>Hello</p>"}}


@respx.mock
async def test_pin_sends_a_message_bind(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    route = respx.post(url__startswith=GRAPH + "/chats/").mock(return_value=httpx.Response(201, json={"id": "9"}))
    outcome = await _run(pm, tmp_path, "pin-chat-message", {"chatId": "19:g@thread.v2", "body": {"messageId": "17"}})
    assert outcome.is_error is False
    body = json.loads(route.calls.last.request.content)
    assert body == {"message@odata.bind": f"{GRAPH}/chats/19:g@thread.v2/messages/17"}


@respx.mock
async def test_presence_actions_post_json_and_read_only_lookup(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    status = respx.post(GRAPH + "/me/presence/setStatusMessage").mock(return_value=httpx.Response(200))
    outcome = await _run(
        pm, tmp_path, "set-my-status-message", {"body": {"statusMessage": "Travelling", "expiry": "2030-05-01T08:00"}}
    )
    assert outcome.is_error is False
    request = status.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "statusMessage": {
            "message": {"content": "Travelling", "contentType": "text"},
            "expiryDateTime": {"dateTime": "2030-05-01T08:00", "timeZone": "UTC"},
        }
    }
    cleared = respx.post(GRAPH + "/me/presence/clearUserPreferredPresence").mock(return_value=httpx.Response(200))
    assert (await _run(pm, tmp_path, "clear-my-user-preferred-presence", {})).is_error is False
    assert cleared.calls.last.request.content in (b"", b"{}")


@respx.mock
async def test_chat_messages_list_keeps_graph_paging_options(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    route = respx.get(url__startswith=GRAPH + "/chats/").mock(return_value=httpx.Response(200, json={"value": []}))
    args = {"chatId": "c", "top": 20, "orderby": "createdDateTime desc"}
    outcome = await _run(pm, tmp_path, "list-chat-messages", args)
    assert outcome.is_error is False
    params = route.calls.last.request.url.params
    assert params["$top"] == "20" and params["$orderby"] == "createdDateTime desc"
