"""Friendly inputs become Graph's shapes; bad ones are refused naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ms365mcp_teams.tools import TOOLS

from ms365mcp.errors import ToolInputError

SPECS = {spec.name: spec for spec in TOOLS}
USER_ID = "5a1e2f3c-0002-4a8e-9d1c-alex000000002"
APP_ID = "22553876-f5ab-4529-bffb-cfe50aa89f87"


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("See you at 10", {"contentType": "text", "content": "See you at 10"}),
        ("<p>Hi <b>all</b></p>", {"contentType": "html", "content": "<p>Hi <b>all</b></p>"}),
        ("3 < 4 and 5 > 2", {"contentType": "text", "content": "3 < 4 and 5 > 2"}),
        ({"contentType": "HTML", "content": "<i>x</i>"}, {"contentType": "html", "content": "<i>x</i>"}),
    ],
)
def test_message_bodies_accept_text_or_html(given: Any, expected: dict[str, str]) -> None:
    assert _prepare("send-chat-message", {"chatId": "c", "body": copy.deepcopy(given)})["body"] == {"body": expected}
    nested = _prepare("send-channel-message", {"teamId": "t", "channelId": "c", "body": {"body": given}})
    assert nested["body"]["body"] == expected


def test_flat_content_and_extra_fields_are_kept() -> None:
    body = _prepare(
        "reply-to-chat-message",
        {"body": {"content": "<p>ok</p>", "contentType": "html", "importance": "high"}},
    )["body"]
    assert body == {"body": {"contentType": "html", "content": "<p>ok</p>"}, "importance": "high"}


def test_reactions_pins_and_members_get_graph_shapes() -> None:
    assert _prepare("set-chat-message-reaction", {"body": "Like"})["body"] == {"reactionType": "👍"}
    assert _prepare("unset-channel-message-reaction", {"body": {"reactionType": "🎉"}})["body"] == {
        "reactionType": "🎉"
    }
    pin = _prepare("pin-chat-message", {"chatId": "19:abc@thread.v2", "body": {"messageId": "1700"}})["body"]
    assert pin == {"message@odata.bind": "https://graph.microsoft.com/v1.0/chats/19:abc@thread.v2/messages/1700"}
    member = _prepare("add-team-member", {"teamId": "t", "body": {"user": "Megan <megan@contoso.com>", "owner": True}})
    assert member["body"] == {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"],
        "user@odata.bind": "https://graph.microsoft.com/v1.0/users('megan@contoso.com')",
    }


def test_chat_type_follows_the_members() -> None:
    one = _prepare("create-chat", {"body": {"members": f"adele@contoso.com, {USER_ID}"}})["body"]
    assert one["chatType"] == "oneOnOne"
    assert [m["user@odata.bind"] for m in one["members"]] == [
        "https://graph.microsoft.com/v1.0/users('adele@contoso.com')",
        f"https://graph.microsoft.com/v1.0/users('{USER_ID}')",
    ]
    assert all(m["roles"] == ["owner"] for m in one["members"])
    group = _prepare("create-chat", {"body": {"members": ["a@x.com", "b@x.com"], "topic": "Plan"}})["body"]
    assert group["chatType"] == "group"


def test_presence_inputs_fill_in_what_graph_needs() -> None:
    session = _prepare(
        "set-my-presence", {"body": {"sessionId": APP_ID, "availability": "Busy", "expirationDuration": 90}}
    )["body"]
    assert session == {
        "sessionId": APP_ID,
        "availability": "Busy",
        "activity": "InACall",
        "expirationDuration": "PT90M",
    }
    preferred = _prepare("set-my-user-preferred-presence", {"body": {"availability": "Offline"}})["body"]
    assert preferred["activity"] == "OffWork"
    status = _prepare("set-my-status-message", {"body": "Back at 3"})["body"]
    assert status == {"statusMessage": {"message": {"content": "Back at 3", "contentType": "text"}}}
    ids = _prepare("get-presences-by-user-id", {"body": {"ids": f"{USER_ID},{APP_ID}"}})["body"]
    assert ids == {"ids": [USER_ID, APP_ID]}


def test_activity_notification_shapes() -> None:
    body = _prepare(
        "send-my-activity-notification",
        {"body": {"topic": "https://graph.microsoft.com/v1.0/teams/t", "activityType": "x", "previewText": "Hi"}},
    )["body"]
    assert body["topic"] == {"source": "entityUrl", "value": "https://graph.microsoft.com/v1.0/teams/t"}
    assert body["previewText"] == {"content": "Hi"}


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("send-chat-message", {"body": {}}, "body.body"),
        ("send-chat-message", {"body": {"body": {"contentType": "markdown", "content": "x"}}}, "body.body.contentType"),
        ("send-channel-message", {"body": {"body": 42}}, "body.body"),
        ("update-chat-message", {"body": {"body": "x", "importance": "low"}}, "body.importance"),
        ("set-chat-message-reaction", {"body": {"reactionType": ""}}, "body.reactionType"),
        ("pin-chat-message", {"chatId": "c", "body": {}}, "body.messageId"),
        ("create-chat", {"body": {"members": ["a@x.com"]}}, "body.members"),
        ("create-chat", {"body": {}}, "body.members"),
        (
            "create-chat",
            {"body": {"members": ["a@x.com", "b@x.com", "c@x.com"], "chatType": "oneOnOne"}},
            "body.members",
        ),
        ("create-chat", {"body": {"members": ["a@x.com", "b@x.com"], "chatType": "meeting"}}, "body.chatType"),
        (
            "create-chat",
            {"body": {"members": ["a@x.com", "b@x.com"], "chatType": "oneOnOne", "topic": "x"}},
            "body.topic",
        ),
        ("add-team-member", {"body": {}}, "body.user"),
        ("add-team-member", {"body": {"user": "nobody"}}, "body.user"),
        ("add-team-member", {"body": {"user": "a@x.com", "roles": ["admin"]}}, "body.roles"),
        ("create-team-channel", {"body": {"displayName": "a/b"}}, "body.displayName"),
        ("create-team-channel", {"body": {"displayName": "x", "membershipType": "secret"}}, "body.membershipType"),
        ("set-my-presence", {"body": {"sessionId": "my-app", "availability": "Busy"}}, "body.sessionId"),
        (
            "set-my-presence",
            {"body": {"sessionId": APP_ID, "availability": "Busy", "activity": "Away"}},
            "body.activity",
        ),
        (
            "set-my-user-preferred-presence",
            {"body": {"availability": "Busy", "expirationDuration": 1}},
            "body.expirationDuration",
        ),
        (
            "set-my-user-preferred-presence",
            {"body": {"availability": "Busy", "expirationDuration": "1h"}},
            "body.expirationDuration",
        ),
        ("clear-my-presence", {"body": {}}, "body.sessionId"),
        ("set-my-status-message", {"body": {"statusMessage": 5}}, "body.statusMessage"),
        ("set-my-status-message", {"body": {"statusMessage": "x", "expiry": "tomorrow"}}, "body.expiry"),
        ("get-presences-by-user-id", {"body": {"ids": []}}, "body.ids"),
        ("send-my-activity-notification", {"body": {"topic": 1, "activityType": "x"}}, "body.topic"),
        ("send-my-activity-notification", {"body": {"topic": "u"}}, "body.activityType"),
        ("create-custom-emoji", {"body": {"displayName": "Party!", "contentBytes": "AA=="}}, "body.displayName"),
        ("create-custom-emoji", {"body": {"displayName": "party"}}, "body.contentBytes"),
    ],
)
def test_bad_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare(name, args)
    assert info.value.field == field
