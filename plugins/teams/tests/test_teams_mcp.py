"""Every teams tool through the MCP SDK's own client against the sandbox tenant, in auto and legacy mode."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_teams.seed import PIXEL_PNG
from ms365mcp_teams.tools import TOOLS

from ms365mcp.runtime import Runtime
from ms365mcp.sandbox.tenant import DEFAULT_USERS

pytestmark = pytest.mark.anyio

ADELE, ALEX, MEGAN, DIEGO = DEFAULT_USERS[:4]
SESSION = "22553876-f5ab-4529-bffb-cfe50aa89f87"


class Calls:
    """Calls tools, remembers which ones ran, and fails with Graph's message when one errs."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.called: set[str] = set()

    async def ok(self, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        result = await self.client.call_tool(name, args or {})
        self.called.add(name)
        assert result.is_error is False, (name, result.content[0].text)
        return result.structured_content

    async def fails(self, name: str, args: dict[str, Any]) -> str:
        result = await self.client.call_tool(name, args)
        assert result.is_error is True, name
        return str(result.content[0].text)


def _by_name(items: list[dict[str, Any]], key: str = "displayName") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


async def _teams_and_channels(calls: Calls) -> None:
    joined = _by_name((await calls.ok("list-joined-teams"))["value"])
    assert set(joined) == {"Mark 8 Project Team", "Retail Marketing"}
    associated = _by_name((await calls.ok("list-my-associated-teams"))["value"])
    assert set(associated) == {*joined, "Contoso Leadership"}
    team_id = joined["Mark 8 Project Team"]["id"]
    team = await calls.ok("get-team", {"teamId": team_id, "select": "displayName,visibility"})
    assert team["displayName"] == "Mark 8 Project Team" and team["visibility"] == "private"

    members = (await calls.ok("list-team-members", {"teamId": team_id}))["value"]
    assert {m["email"] for m in members} == {ADELE.mail, ALEX.mail, MEGAN.mail}
    owners = await calls.ok("list-team-members", {"teamId": team_id, "filter": "roles/any(r:r eq 'owner')"})
    assert [m["displayName"] for m in owners["value"]] == ["Adele Vance"]
    added = await calls.ok("add-team-member", {"teamId": team_id, "body": {"user": DIEGO.mail, "owner": True}})
    assert added["roles"] == ["owner"] and added["userId"] == DIEGO.id
    assert any(c in added["id"] for c in "/+=")  # membership ids need percent-encoding
    assert (await calls.ok("remove-team-member", {"teamId": team_id, "conversationMemberId": added["id"]}))["ok"]
    after = (await calls.ok("list-team-members", {"teamId": team_id}))["value"]
    assert DIEGO.mail not in {m["email"] for m in after}

    channels = (await calls.ok("list-team-channels", {"teamId": team_id}))["value"]
    assert [c["displayName"] for c in channels] == ["General", "Go-to-market", "Research and Development"]
    general = await calls.ok("get-team-channel", {"teamId": team_id, "channelId": channels[0]["id"]})
    assert general["id"].startswith("19:") and general["membershipType"] == "standard"
    folder = await calls.ok("get-channel-files-folder", {"teamId": team_id, "channelId": general["id"]})
    assert folder["name"] == "General" and folder["parentReference"]["driveType"] == "documentLibrary"
    tabs = await calls.ok("list-channel-tabs", {"teamId": team_id, "channelId": general["id"], "expand": "teamsApp"})
    assert {t["teamsApp"]["displayName"] for t in tabs["value"]} == {"Wiki", "Website"}

    created = await calls.ok(
        "create-team-channel", {"teamId": team_id, "body": {"displayName": " Launch day ", "description": "Live ops"}}
    )
    assert created["displayName"] == "Launch day"
    ids = {"teamId": team_id, "channelId": created["id"]}
    assert (await calls.ok("update-team-channel", {**ids, "body": {"description": "War room"}}))["ok"]
    assert (await calls.ok("get-team-channel", ids))["description"] == "War room"
    assert (await calls.ok("delete-team-channel", ids))["ok"]
    assert "NotFound" in await calls.fails("get-team-channel", ids)


async def _channel_messages(calls: Calls) -> None:
    team_id = _by_name((await calls.ok("list-joined-teams"))["value"])["Mark 8 Project Team"]["id"]
    channels = _by_name((await calls.ok("list-team-channels", {"teamId": team_id}))["value"])
    ids = {"teamId": team_id, "channelId": channels["Go-to-market"]["id"]}
    posts = (await calls.ok("list-channel-messages", {**ids, "expand": "replies"}))["value"]
    assert len(posts) == 2 and posts[0]["createdDateTime"] > posts[1]["createdDateTime"]  # newest first
    pricing, venue = posts[1], posts[0]
    assert len(pricing["replies"]) == 3
    post = await calls.ok("get-channel-message", {**ids, "chatMessageId": pricing["id"]})
    assert post["from"]["user"]["displayName"] == "Alex Wilber"
    replies = (await calls.ok("list-channel-message-replies", {**ids, "chatMessageId": pricing["id"]}))["value"]
    assert {r["replyToId"] for r in replies} == {pricing["id"]}
    hosted = await calls.ok("list-channel-message-hosted-contents", {**ids, "chatMessageId": venue["id"]})
    assert len(hosted["value"]) == 1 and hosted["value"][0]["id"] in venue["body"]["content"]

    sent = await calls.ok("send-channel-message", {**ids, "body": "Agenda is <b>final</b>."})
    assert sent["body"] == {"contentType": "html", "content": "Agenda is <b>final</b>."}
    msg = {**ids, "chatMessageId": sent["id"]}
    reply = await calls.ok("reply-to-channel-message", {**msg, "body": {"body": "Thanks!"}})
    assert reply["replyToId"] == sent["id"] and reply["body"]["contentType"] == "text"
    assert (await calls.ok("update-channel-message", {**msg, "body": {"body": "Agenda is final (v2)."}}))["ok"]
    edited = await calls.ok("get-channel-message", msg)
    assert edited["body"]["content"] == "Agenda is final (v2)." and edited["lastEditedDateTime"]
    assert (
        await calls.ok(
            "update-channel-message-reply",
            {**msg, "replyId": reply["id"], "body": {"body": {"contentType": "HTML", "content": "<p>Thank you!</p>"}}},
        )
    )["ok"]
    thread = (await calls.ok("list-channel-message-replies", msg))["value"]
    assert thread[0]["body"] == {"contentType": "html", "content": "<p>Thank you!</p>"}

    assert (await calls.ok("set-channel-message-reaction", {**msg, "body": "heart"}))["ok"]
    reacted = await calls.ok("get-channel-message", msg)
    assert [(r["reactionType"], r["user"]["user"]["id"]) for r in reacted["reactions"]] == [("❤️", ADELE.id)]
    assert (await calls.ok("unset-channel-message-reaction", {**msg, "body": {"reactionType": "❤️"}}))["ok"]
    assert (await calls.ok("get-channel-message", msg))["reactions"] == []


async def _chats(calls: Calls) -> None:
    chats = (await calls.ok("list-chats", {"expand": "lastMessagePreview"}))["value"]
    assert len(chats) == 3  # the Alex–Megan chat is not Adele's
    assert all(c["lastMessagePreview"]["body"]["content"] for c in chats)
    group = next(c for c in chats if c["chatType"] == "group")
    chat = await calls.ok("get-chat", {"chatId": group["id"], "expand": "members"})
    assert chat["topic"] == "Launch checklist" and len(chat["members"]) == 4
    members = (await calls.ok("list-chat-members", {"chatId": group["id"]}))["value"]
    assert {m["email"] for m in members} == {ADELE.mail, ALEX.mail, MEGAN.mail, DIEGO.mail}
    messages = (await calls.ok("list-chat-messages", {"chatId": group["id"], "top": 2}))["value"]
    assert [m["body"]["content"] for m in messages] == [
        "Thanks all. Go/no-go call on Monday 9:00.",
        "Press release is with legal.",
    ]
    one = await calls.ok("get-chat-message", {"chatId": group["id"], "chatMessageId": messages[1]["id"]})
    assert one["chatId"] == group["id"]

    megan = next(c for c in chats if MEGAN.id in c["id"])
    cover = (await calls.ok("list-chat-messages", {"chatId": megan["id"]}))["value"][0]
    hosted = await calls.ok("list-chat-message-hosted-contents", {"chatId": megan["id"], "chatMessageId": cover["id"]})
    assert len(hosted["value"]) == 1

    sent = await calls.ok("send-chat-message", {"chatId": group["id"], "body": {"body": "Go for launch 🚀"}})
    msg = {"chatId": group["id"], "chatMessageId": sent["id"]}
    assert (await calls.ok("update-chat-message", {**msg, "body": {"content": "Go for launch!"}}))["ok"]
    assert (await calls.ok("get-chat-message", msg))["body"]["content"] == "Go for launch!"
    reply = await calls.ok("reply-to-chat-message", {**msg, "body": "Confirmed"})
    replies = (await calls.ok("list-chat-message-replies", msg))["value"]
    assert [r["id"] for r in replies] == [reply["id"]]
    assert (await calls.ok("set-chat-message-reaction", {**msg, "body": {"reactionType": "like"}}))["ok"]
    assert (await calls.ok("get-chat-message", msg))["reactions"][0]["reactionType"] == "👍"
    assert (await calls.ok("unset-chat-message-reaction", {**msg, "body": "like"}))["ok"]

    pinned = (await calls.ok("list-pinned-chat-messages", {"chatId": group["id"], "expand": "message"}))["value"]
    assert len(pinned) == 2 and all(p["message"]["body"]["content"] for p in pinned)
    pin = await calls.ok("pin-chat-message", {"chatId": group["id"], "body": {"messageId": sent["id"]}})
    assert "Conflict" in await calls.fails(
        "pin-chat-message", {"chatId": group["id"], "body": {"messageId": sent["id"]}}
    )
    assert (await calls.ok("unpin-chat-message", {"chatId": group["id"], "pinnedChatMessageInfoId": pin["id"]}))["ok"]
    assert len((await calls.ok("list-pinned-chat-messages", {"chatId": group["id"]}))["value"]) == 2

    direct = await calls.ok("create-chat", {"body": {"members": [ADELE.mail, DIEGO.id]}})
    assert direct["chatType"] == "oneOnOne" and direct["id"].endswith("@unq.gbl.spaces")
    again = await calls.ok("create-chat", {"body": {"members": f"{ADELE.mail}; {DIEGO.mail}"}})
    assert again["id"] == direct["id"]  # the existing 1:1 chat comes back
    planning = await calls.ok(
        "create-chat", {"body": {"members": [ADELE.mail, ALEX.mail, MEGAN.mail], "topic": "Offsite"}}
    )
    assert planning["chatType"] == "group" and planning["topic"] == "Offsite"
    assert len((await calls.ok("list-chats", {"top": 50}))["value"]) == 5


async def _presence(calls: Calls, runtime: Runtime) -> None:
    me = await calls.ok("get-my-presence")
    assert (me["availability"], me["activity"]) == ("Available", "Available")
    megan = await calls.ok("get-user-presence", {"userId": MEGAN.userPrincipalName})
    assert megan["availability"] == "Away" and "retail" in megan["statusMessage"]["message"]["content"]
    several = await calls.ok("get-presences-by-user-id", {"body": {"ids": f"{ALEX.id}, {DIEGO.id}"}})
    assert [(p["id"], p["availability"]) for p in several["value"]] == [(ALEX.id, "Busy"), (DIEGO.id, "DoNotDisturb")]

    assert (
        await calls.ok(
            "set-my-presence", {"body": {"sessionId": SESSION, "availability": "Busy", "expirationDuration": 60}}
        )
    )["ok"]
    me = await calls.ok("get-my-presence")
    assert (me["availability"], me["activity"]) == ("Busy", "InACall")
    assert (await calls.ok("set-my-user-preferred-presence", {"body": {"availability": "DoNotDisturb"}}))["ok"]
    assert (await calls.ok("get-my-presence"))["availability"] == "DoNotDisturb"
    assert (await calls.ok("clear-my-user-preferred-presence"))["ok"]
    assert (await calls.ok("get-my-presence"))["availability"] == "Busy"
    assert (await calls.ok("clear-my-presence", {"body": {"sessionId": SESSION}}))["ok"]
    assert (await calls.ok("get-my-presence"))["availability"] == "Available"
    assert (
        await calls.ok(
            "set-my-status-message", {"body": {"statusMessage": "At lunch", "expiry": "2030-01-01T13:00:00"}}
        )
    )["ok"]
    status = (await calls.ok("get-my-presence"))["statusMessage"]
    assert status["message"] == {"content": "At lunch", "contentType": "text"}
    assert status["expiryDateTime"] == {"dateTime": "2030-01-01T13:00:00", "timeZone": "UTC"}


async def _teamwork(calls: Calls, runtime: Runtime) -> None:
    apps = (await calls.ok("list-my-installed-teams-apps", {"expand": "teamsApp"}))["value"]
    assert "Approvals" in {a["teamsApp"]["displayName"] for a in apps}
    plain = (await calls.ok("list-my-installed-teams-apps", {"filter": "teamsApp/displayName eq 'Approvals'"}))["value"]
    assert len(plain) == 1 and "teamsApp" not in plain[0]
    sent = await calls.ok(
        "send-my-activity-notification",
        {
            "body": {
                "topic": "https://graph.microsoft.com/v1.0/me/chats",
                "activityType": "taskCreated",
                "previewText": "New task for you",
                "templateParameters": {"taskId": 12},
            }
        },
    )
    assert sent["ok"]
    feed = runtime.sandbox.store["teams"].feed
    assert feed[-1]["previewText"] == {"content": "New task for you"}
    assert feed[-1]["templateParameters"] == [{"name": "taskId", "value": "12"}]
    emojis = (await calls.ok("list-custom-emojis"))["value"]
    assert {e["displayName"] for e in emojis} == {"contoso-rocket", "shipit"}
    emoji = await calls.ok("create-custom-emoji", {"body": {"displayName": "party-parrot", "contentBytes": PIXEL_PNG}})
    assert emoji["displayName"] == "party-parrot" and emoji["createdBy"]["user"]["id"] == ADELE.id
    dup = {"body": {"displayName": "party-parrot", "contentBytes": PIXEL_PNG}}
    assert "Conflict" in await calls.fails("create-custom-emoji", dup)


async def test_every_teams_tool_end_to_end(client: Any, runtime: Runtime) -> None:
    calls = Calls(client)
    await _teams_and_channels(calls)
    await _channel_messages(calls)
    await _chats(calls)
    await _presence(calls, runtime)
    await _teamwork(calls, runtime)
    assert calls.called == {spec.name for spec in TOOLS}


async def test_graph_errors_reach_the_model(client: Any) -> None:
    calls = Calls(client)
    teams = _by_name((await calls.ok("list-my-associated-teams"))["value"])
    assert "Forbidden" in await calls.fails("get-team", {"teamId": teams["Contoso Leadership"]["id"]})
    assert "NotFound" in await calls.fails("get-chat", {"chatId": "19:nope@thread.v2"})
    team_id = teams["Mark 8 Project Team"]["id"]
    channels = (await calls.ok("list-team-channels", {"teamId": team_id}))["value"]
    general = {"teamId": team_id, "channelId": channels[0]["id"]}
    duplicate = await calls.fails("create-team-channel", {"teamId": team_id, "body": {"displayName": "general"}})
    assert "NameAlreadyExists" in duplicate
    assert "General channel" in await calls.fails("delete-team-channel", general)
    posts = (await calls.ok("list-channel-messages", general))["value"]
    megans = next(p for p in posts if p["from"]["user"]["id"] == MEGAN.id)
    edit = {**general, "chatMessageId": megans["id"], "body": "Hijacked"}
    assert "Forbidden" in await calls.fails("update-channel-message", edit)
    owner = next(
        m for m in (await calls.ok("list-team-members", {"teamId": team_id}))["value"] if "owner" in m["roles"]
    )
    last_owner = await calls.fails("remove-team-member", {"teamId": team_id, "conversationMemberId": owner["id"]})
    assert "last owner" in last_owner
    stranger = await calls.fails("create-chat", {"body": {"members": [ALEX.mail, MEGAN.mail]}})
    assert "Forbidden" in stranger


async def test_bad_input_names_the_field(client: Any) -> None:
    calls = Calls(client)
    empty = await calls.fails("send-chat-message", {"chatId": "19:x@thread.v2", "body": {"body": "   "}})
    assert "body.body.content" in empty
    presence = await calls.fails("set-my-presence", {"body": {"sessionId": SESSION, "availability": "Sleeping"}})
    assert "body.availability" in presence
    members = await calls.fails("create-chat", {"body": {"members": [ADELE.mail, "not an address"]}})
    assert "body.members[1]" in members
    ids = await calls.fails("get-presences-by-user-id", {"body": {"ids": ["megan@contoso.sandbox"]}})
    assert "body.ids[0]" in ids


async def test_stdio_smoke(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path / "logs")}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--org-mode", "--preset", "teams-write"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {s.name for s in TOOLS if "teams-write" in s.presets} <= names
        assert "delete-team-channel" not in names
        teams = await client.call_tool("list-joined-teams", {})
        assert teams.is_error is False and len(teams.structured_content["value"]) == 2
        team_id = teams.structured_content["value"][0]["id"]
        channels = await client.call_tool("list-team-channels", {"teamId": team_id})
        channel_id = channels.structured_content["value"][0]["id"]
        sent = await client.call_tool(
            "send-channel-message", {"teamId": team_id, "channelId": channel_id, "body": "Hi from stdio"}
        )
        assert sent.is_error is False and sent.structured_content["body"]["content"] == "Hi from stdio"
