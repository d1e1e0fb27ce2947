"""Every directory row of the endpoint table has a matching ToolSpec; friendly inputs are normalised or refused."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ms365mcp_directory import tools
from ms365mcp_directory.tools import DIRECTORY_OBJECTS, TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.errors import ToolInputError
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, read_endpoint_rows

TSV = Path(__file__).with_name("directory-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)


def test_every_directory_row_has_a_spec() -> None:
    assert len(ROWS) == 36
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row)
    notes = row["notes"].split(",")
    assert spec.read_only is (True if "readOnly" in notes else None)
    if "contentType=image/jpeg" in notes:
        assert spec.content_type == "image/jpeg"


def test_open_tools_have_no_preset_and_no_permission() -> None:
    open_tools = [s for s in TOOLS if s.name == "graph-batch" or "subscription" in s.name]
    assert len(open_tools) == 7
    assert all(not s.presets and not s.scopes and not s.org_scopes and not s.org_only for s in open_tools)


def test_plugin_registers_tools_and_the_users_preset(directory_pm: Any) -> None:
    catalog = collect(directory_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "directory" for name in SPECS)
    assert catalog.presets["users"].requires_org_mode is True
    users = {n for n, t in catalog.tools.items() if "users" in t.presets}
    assert {"list-users", "get-my-manager", "get-current-user", "list-relevant-people"} <= users


def test_token_budget_per_tool() -> None:
    assert_token_budget(TOOLS, per_tool=150, most=200)


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


def test_member_id_becomes_an_odata_reference() -> None:
    body = _prepare("add-group-member", {"groupId": "g", "body": {"id": "u-1"}})["body"]
    assert body == {"@odata.id": DIRECTORY_OBJECTS + "u-1"}
    given = _prepare("add-group-owner", {"groupId": "g", "body": {"@odata.id": DIRECTORY_OBJECTS + "u-2"}})["body"]
    assert given == {"@odata.id": DIRECTORY_OBJECTS + "u-2"}


def test_new_group_gets_graph_defaults() -> None:
    body = _prepare(
        "create-group",
        {"body": {"displayName": "Launch Crew 2026", "kind": "microsoft365", "members": "u1, u2", "owners": ["u1"]}},
    )["body"]
    assert body["groupTypes"] == ["Unified"] and body["mailEnabled"] is True and body["securityEnabled"] is False
    assert body["mailNickname"] == "LaunchCrew2026"
    assert body["members@odata.bind"] == [DIRECTORY_OBJECTS + "u1", DIRECTORY_OBJECTS + "u2"]
    assert "members" not in body and "kind" not in body
    security = _prepare("create-group", {"body": {"displayName": "Auditors", "kind": "security"}})["body"]
    assert security["groupTypes"] == [] and security["mailEnabled"] is False and security["securityEnabled"] is True


def test_thread_reply_text_becomes_a_post() -> None:
    body = _prepare("reply-to-group-thread", {"groupId": "g", "conversationThreadId": "t", "body": {"content": "Hi"}})
    assert body["body"] == {"post": {"body": {"contentType": "text", "content": "Hi"}}}


def test_photo_base64_becomes_bytes() -> None:
    args = _prepare("upload-my-profile-photo", {"body": base64.b64encode(JPEG).decode()})
    assert args["body"] == JPEG
    data_url = _prepare(
        "upload-my-profile-photo", {"body": "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()}
    )
    assert data_url["body"] == JPEG


def test_search_string_becomes_a_request_list() -> None:
    body = _prepare(
        "search-query", {"body": {"queryString": "launch", "entityTypes": "message, chatMessage", "size": 5}}
    )
    assert body["body"] == {
        "requests": [{"entityTypes": ["message", "chatMessage"], "query": {"queryString": "launch"}, "size": 5}]
    }


@pytest.mark.parametrize("kinds", ["message, event", "driveItem, person", "event, listItem", "bookmark, site"])
def test_search_refuses_combinations_graph_cannot_interleave(kinds: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare("search-query", {"body": {"queryString": "launch", "entityTypes": kinds}})
    assert info.value.field == "body.entityTypes"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("ana", '"displayName:ana" OR "mail:ana"'),
        ('"ana"', '"displayName:ana" OR "mail:ana"'),
        ("displayName:ana b", '"displayName:ana b"'),
        ('"displayName:ana" OR "mail:ana"', '"displayName:ana" OR "mail:ana"'),
    ],
)
def test_directory_search_is_quoted_as_property_value(given: str, sent: str) -> None:
    for name in ("list-users", "list-groups", "list-group-members", "list-my-memberships"):
        assert _prepare(name, {"search": given})["search"] == sent


def test_subscription_is_normalised() -> None:
    args = {
        "body": {
            "resource": "/me/messages",
            "changeType": ["created", "updated"],
            "notificationUrl": "https://hooks.example/x",
            "expirationDateTime": "2030-01-01T00:00:00",
        }
    }
    tools.prepare_subscription(args, now=lambda: datetime(2029, 12, 31, tzinfo=UTC))
    assert args["body"]["changeType"] == "created,updated"
    assert args["body"]["resource"] == "me/messages"
    assert args["body"]["expirationDateTime"] == "2030-01-01T00:00:00Z"


def test_subscription_expiry_must_be_in_the_future_of_the_injected_clock() -> None:
    args = {"body": {"expirationDateTime": "2030-01-01T00:00:00Z"}}
    with pytest.raises(ToolInputError) as info:
        tools.prepare_subscription(args, new=False, now=lambda: datetime(2030, 1, 2, tzinfo=UTC))
    assert info.value.field == "body.expirationDateTime"


_SUB = {"resource": "me/events", "changeType": "updated", "expirationDateTime": "2999-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("add-group-member", {"groupId": "g", "body": {}}, "body.id"),
        ("add-group-member", {"groupId": "g", "body": {"id": "ana@contoso.example"}}, "body.id"),
        ("add-group-member", {"groupId": "g", "body": {"id": "../users/x"}}, "body.id"),
        ("add-group-owner", {"groupId": "g", "body": {"@odata.id": "https://evil.example/x"}}, "body.@odata.id"),
        ("create-group", {"body": {"description": "no name"}}, "body.displayName"),
        ("create-group", {"body": {"displayName": "X", "mailNickname": "has space"}}, "body.mailNickname"),
        ("create-group", {"body": {"displayName": "X", "members": ["ok", ""]}}, "body.members[1]"),
        ("create-group", {"body": {"displayName": "X", "kind": "distribution"}}, "body.kind"),
        ("update-group", {"groupId": "g", "body": {}}, "body"),
        ("update-group", {"groupId": "g", "body": {"members": ["u"]}}, "body.members"),
        ("reply-to-group-thread", {"groupId": "g", "conversationThreadId": "t", "body": {}}, "body.content"),
        ("upload-my-profile-photo", {"body": "not base64!"}, "body"),
        ("upload-my-profile-photo", {"body": base64.b64encode(b"\x89PNG\r\n").decode()}, "body"),
        ("search-query", {"body": {"queryString": "x", "entityTypes": ["mail"]}}, "body.entityTypes[0]"),
        ("search-query", {"body": {"entityTypes": ["message"]}}, "body.queryString"),
        (
            "search-query",
            {"body": {"requests": [{"entityTypes": ["site"], "query": {}}]}},
            "body.requests[0].query.queryString",
        ),
        ("copilot-retrieve", {"body": {"queryString": "x", "dataSource": "web"}}, "body.dataSource"),
        ("copilot-retrieve", {"body": {"queryString": "x" * 1501, "dataSource": "sharePoint"}}, "body.queryString"),
        (
            "copilot-retrieve",
            {"body": {"queryString": "x", "dataSource": "sharePoint", "maximumNumberOfResults": 30}},
            "body.maximumNumberOfResults",
        ),
        (
            "create-subscription",
            {"body": {**_SUB, "notificationUrl": "http://hooks.example/x"}},
            "body.notificationUrl",
        ),
        (
            "create-subscription",
            {"body": {**_SUB, "notificationUrl": "https://h.example", "expirationDateTime": "2001-01-01T00:00:00Z"}},
            "body.expirationDateTime",
        ),
        (
            "create-subscription",
            {"body": {**_SUB, "notificationUrl": "https://h.example", "expirationDateTime": "soon"}},
            "body.expirationDateTime",
        ),
        (
            "create-subscription",
            {"body": {**_SUB, "notificationUrl": "https://h.example", "changeType": "moved"}},
            "body.changeType",
        ),
        ("create-subscription", {"body": {"changeType": "updated"}}, "body.notificationUrl"),
        ("update-subscription", {"subscriptionId": "s", "body": {}}, "body"),
        (
            "update-subscription",
            {"subscriptionId": "s", "body": {"lifecycleNotificationUrl": "ftp://x"}},
            "body.lifecycleNotificationUrl",
        ),
        (
            "get-group-calendar-view",
            {"groupId": "g", "startDateTime": "2026-05-02", "endDateTime": "2026-05-01"},
            "endDateTime",
        ),
        (
            "get-group-calendar-view",
            {"groupId": "g", "startDateTime": "monday", "endDateTime": "2026-05-01"},
            "startDateTime",
        ),
        ("list-group-events", {"groupId": "g", "timezone": 'UTC"\r\nX: y'}, "timezone"),
    ],
)
def test_bad_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare(name, args)
    assert info.value.field == field


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/directory.md", root / "plugins/directory/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            row = lines[f"`{spec.name}`"]
            for group in spec.scopes + spec.org_scopes:
                assert all(scope in row for scope in group), (doc.name, spec.name)
