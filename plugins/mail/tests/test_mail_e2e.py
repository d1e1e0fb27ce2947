"""Every mail tool end to end: the real server over stdio, in sandbox and org mode, with the SDK's client.

One server process serves the whole walk. Steps run in order because later ones use ids that
earlier ones discovered (a folder created, a draft written, a message found by search).
"""

from __future__ import annotations

import base64
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ms365mcp_mail.seed import SHARED_MAILBOX
from ms365mcp_mail.tools import TOOLS

Context = dict[str, Any]
ArgsFor = Callable[[Context], dict[str, Any]]
Capture = Callable[[Context, dict[str, Any]], None]

SERVER_READY = importlib.util.find_spec("ms365mcp.server") is not None


def _first(key: str) -> Capture:
    def capture(ctx: Context, data: dict[str, Any]) -> None:
        ctx[key] = data["value"][0]["id"]

    return capture


def _id(key: str) -> Capture:
    def capture(ctx: Context, data: dict[str, Any]) -> None:
        ctx[key] = data["id"]

    return capture


def _folder(name: str, key: str) -> Capture:
    def capture(ctx: Context, data: dict[str, Any]) -> None:
        ctx[key] = next(f["id"] for f in data["value"] if f["displayName"] == name)

    return capture


def _ids(key: str) -> Capture:
    def capture(ctx: Context, data: dict[str, Any]) -> None:
        ctx[key] = [m["id"] for m in data["value"]]

    return capture


S = SHARED_MAILBOX
TXT = base64.b64encode(b"end to end").decode()

#: (tool, arguments from what earlier steps found, what to remember from the answer)
STEPS: list[tuple[str, ArgsFor, Capture | None]] = [
    ("list-mail-folders", lambda c: {}, _folder("Projects", "projects")),
    ("list-mail-child-folders", lambda c: {"mailFolderId": c["projects"]}, None),
    ("create-mail-folder", lambda c: {"body": {"displayName": "E2E Folder"}}, _id("folder")),
    ("create-mail-child-folder", lambda c: {"mailFolderId": c["folder"], "body": {"displayName": "E2E Child"}}, None),
    ("update-mail-folder", lambda c: {"mailFolderId": c["folder"], "body": {"displayName": "E2E Renamed"}}, None),
    ("list-mail-messages", lambda c: {"top": 5, "orderby": "receivedDateTime desc"}, _ids("messages")),
    ("list-mail-folder-messages", lambda c: {"mailFolderId": "inbox", "search": "Q3 budget review"}, _first("budget")),
    ("get-mail-message", lambda c: {"messageId": c["budget"], "select": "subject,body"}, None),
    ("get-mail-message-mime", lambda c: {"messageId": c["budget"]}, None),
    ("list-mail-folder-messages-delta", lambda c: {"mailFolderId": "inbox", "select": "subject"}, None),
    ("list-mail-attachments", lambda c: {"messageId": c["budget"]}, None),
    (
        "create-draft-email",
        lambda c: {
            "body": {
                "subject": "E2E draft",
                "body": "Hello from the e2e test",
                "toRecipients": ["alex@contoso.sandbox"],
            }
        },
        _id("draft"),
    ),
    (
        "update-mail-message",
        lambda c: {"messageId": c["draft"], "body": {"importance": "high", "categories": ["Finance"]}},
        None,
    ),
    (
        "add-mail-attachment",
        lambda c: {"messageId": c["draft"], "body": {"name": "e2e.txt", "contentBytes": TXT}},
        _id("attachment"),
    ),
    (
        "create-mail-attachment-upload-session",
        lambda c: {"messageId": c["draft"], "body": {"name": "big.bin", "size": 5_000_000}},
        None,
    ),
    ("delete-mail-attachment", lambda c: {"messageId": c["draft"], "attachmentId": c["attachment"]}, None),
    ("send-draft-message", lambda c: {"messageId": c["draft"]}, None),
    (
        "send-mail",
        lambda c: {
            "body": {
                "subject": "E2E hello",
                "body": "Hi Megan",
                "toRecipients": ["Megan Bowen <megan@contoso.sandbox>"],
            }
        },
        None,
    ),
    ("reply-mail-message", lambda c: {"messageId": c["budget"], "body": {"comment": "Thanks, looks good."}}, None),
    ("reply-all-mail-message", lambda c: {"messageId": c["budget"], "body": {"comment": "Thanks all."}}, None),
    (
        "forward-mail-message",
        lambda c: {"messageId": c["budget"], "body": {"comment": "FYI", "toRecipients": ["alex@contoso.sandbox"]}},
        None,
    ),
    ("create-reply-draft", lambda c: {"messageId": c["budget"], "body": {"comment": "Draft reply"}}, None),
    ("create-reply-all-draft", lambda c: {"messageId": c["budget"]}, None),
    ("create-forward-draft", lambda c: {"messageId": c["budget"]}, None),
    ("copy-mail-message", lambda c: {"messageId": c["messages"][1], "body": {"destinationId": "archive"}}, _id("copy")),
    ("move-mail-message", lambda c: {"messageId": c["copy"], "body": {"destinationId": c["folder"]}}, _id("moved")),
    ("delete-mail-message", lambda c: {"messageId": c["moved"]}, None),
    ("delete-mail-folder", lambda c: {"mailFolderId": c["folder"]}, None),
    ("list-mail-rules", lambda c: {"mailFolderId": "inbox"}, None),
    (
        "create-mail-rule",
        lambda c: {
            "mailFolderId": "inbox",
            "body": {
                "displayName": "E2E rule",
                "conditions": {"subjectContains": ["e2e"]},
                "actions": {"markAsRead": True},
            },
        },
        _id("rule"),
    ),
    (
        "update-mail-rule",
        lambda c: {"mailFolderId": "inbox", "messageRuleId": c["rule"], "body": {"isEnabled": False}},
        None,
    ),
    ("delete-mail-rule", lambda c: {"mailFolderId": "inbox", "messageRuleId": c["rule"]}, None),
    ("list-focused-inbox-overrides", lambda c: {}, None),
    (
        "create-focused-inbox-override",
        lambda c: {"body": {"classifyAs": "other", "senderEmailAddress": "promo@e2e.example"}},
        _id("override"),
    ),
    ("update-focused-inbox-override", lambda c: {"overrideId": c["override"], "body": {"classifyAs": "focused"}}, None),
    ("delete-focused-inbox-override", lambda c: {"overrideId": c["override"]}, None),
    ("list-outlook-categories", lambda c: {}, None),
    ("create-outlook-category", lambda c: {"body": {"displayName": "E2E", "color": "preset2"}}, None),
    ("get-mailbox-settings", lambda c: {}, None),
    ("update-mailbox-settings", lambda c: {"body": {"automaticRepliesSetting": {"status": "disabled"}}}, None),
    ("get-mail-tips", lambda c: {"body": {"EmailAddresses": ["megan@contoso.sandbox"]}}, None),
    ("list-supported-time-zones", lambda c: {"timeZoneStandard": "Iana"}, None),
    ("list-supported-languages", lambda c: {}, None),
    ("list-shared-mailbox-messages", lambda c: {"userId": S, "top": 5}, _ids("shared")),
    ("list-shared-mailbox-folder-messages", lambda c: {"userId": S, "mailFolderId": "inbox", "top": 3}, None),
    ("get-shared-mailbox-message", lambda c: {"userId": S, "messageId": c["shared"][0]}, None),
    (
        "update-shared-mailbox-message",
        lambda c: {"userId": S, "messageId": c["shared"][0], "body": {"isRead": True}},
        None,
    ),
    (
        "create-shared-mailbox-draft",
        lambda c: {
            "userId": S,
            "body": {"subject": "E2E shared draft", "body": "From support", "toRecipients": ["adele@contoso.sandbox"]},
        },
        _id("shared_draft"),
    ),
    ("send-shared-mailbox-draft", lambda c: {"userId": S, "messageId": c["shared_draft"]}, None),
    (
        "send-shared-mailbox-mail",
        lambda c: {"userId": S, "body": {"subject": "E2E from support", "toRecipients": ["diego@contoso.sandbox"]}},
        None,
    ),
    (
        "reply-shared-mailbox-mail",
        lambda c: {"userId": S, "messageId": c["shared"][0], "body": {"comment": "We're on it."}},
        None,
    ),
    (
        "reply-all-shared-mailbox-mail",
        lambda c: {"userId": S, "messageId": c["shared"][0], "body": {"comment": "Update for all."}},
        None,
    ),
    (
        "forward-shared-mailbox-mail",
        lambda c: {"userId": S, "messageId": c["shared"][0], "body": {"toRecipients": ["diego@contoso.sandbox"]}},
        None,
    ),
    ("create-shared-mailbox-reply-draft", lambda c: {"userId": S, "messageId": c["shared"][0]}, None),
    ("create-shared-mailbox-reply-all-draft", lambda c: {"userId": S, "messageId": c["shared"][0]}, None),
    ("create-shared-mailbox-forward-draft", lambda c: {"userId": S, "messageId": c["shared"][0]}, None),
    (
        "move-shared-mailbox-message",
        lambda c: {"userId": S, "messageId": c["shared"][1], "body": {"destinationId": "archive"}},
        None,
    ),
]


#: Answers without an id, and the key that shows they carry what was asked for.
EXPECTED_KEY = {
    "get-mailbox-settings": "timeZone",
    "update-mailbox-settings": "automaticRepliesSetting",
    "get-mail-tips": "value",
    "create-mail-attachment-upload-session": "uploadUrl",
}


def _meaningful(name: str, data: Any) -> str | None:
    """Why a successful answer is still wrong, or None when it carries what the tool promises."""
    if not isinstance(data, dict) or not data:
        return "empty structured content"
    spec = next(t for t in TOOLS if t.name == name)
    if spec.method == "GET" and ("value" in data or spec.is_list or name.startswith("list-")):
        if not isinstance(data.get("value"), list) or (not data["value"] and "delta" not in name):
            return f"expected a non-empty value list, got {sorted(data)}"
    elif name == "get-mail-message-mime":
        if "Subject:" not in str(data.get("content", "")):
            return "no MIME headers"
    elif spec.method in ("DELETE",) or name.startswith(("send-", "reply-", "forward-")):
        if data.get("ok") is not True:
            return f"expected an empty success, got {data}"
    else:
        key = EXPECTED_KEY.get(name, "id")
        if key not in data:
            return f"expected {key!r} in the answer, got {sorted(data)}"
    return None


def test_steps_cover_every_mail_tool_once() -> None:
    names = [name for name, _, _ in STEPS]
    assert len(names) == len(set(names))
    assert set(names) == {t.name for t in TOOLS}


@pytest.mark.anyio
@pytest.mark.skipif(not SERVER_READY, reason="the MCP server (ms365mcp.server) is not available yet")
async def test_every_mail_tool_over_stdio(tmp_path: Path) -> None:
    from mcp import Client, StdioServerParameters

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path / "logs")}
    server = StdioServerParameters(command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--org-mode"], env=env)
    failures: list[str] = []
    ctx: Context = {}
    async with Client(server) as client:
        offered = {t.name for t in (await client.list_tools()).tools}
        missing = {t.name for t in TOOLS} - offered
        assert not missing, f"server does not offer {sorted(missing)}"
        for name, args_for, capture in STEPS:
            try:
                args = args_for(ctx)
            except (KeyError, IndexError) as exc:
                failures.append(f"{name}: an earlier step did not provide {exc}")
                continue
            result = await client.call_tool(name, args)
            if result.is_error:
                failures.append(f"{name}: {result.content[0].text if result.content else 'error'}")
                continue
            problem = _meaningful(name, result.structured_content)
            if problem:
                failures.append(f"{name}: {problem}")
                continue
            if capture is not None:
                capture(ctx, result.structured_content)
    assert not failures, "\n".join(failures)
    assert "/" in ctx["budget"] and "=" in ctx["budget"]  # the id that needs percent-encoding went all the way
