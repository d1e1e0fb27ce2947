"""The mail tool catalogue: parity with the endpoint table, presets, schemas, budget and input normalisers."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pluggy
import pytest

from ms365mcp.catalog.registry import collect
from ms365mcp.catalog.schema import input_schema, tool_definition
from ms365mcp.catalog.spec import ToolSpec
from ms365mcp.errors import ToolInputError

TABLE = Path(__file__).with_name("mail-endpoints.tsv")
PLACEHOLDERS = {
    "message-id": "messageId",
    "mailFolder-id": "mailFolderId",
    "user-id": "userId",
    "messageRule-id": "messageRuleId",
    "attachment-id": "attachmentId",
    "inferenceClassificationOverride-id": "overrideId",
    "TimeZoneStandard": "timeZoneStandard",
}


# Paths written as Graph's reference page writes them rather than as the endpoint table does:
# outlookuser-supportedtimezones.md qualifies the enum literal with its type.
DEVIATIONS = {
    "list-supported-time-zones": (
        "/me/outlook/supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'{timeZoneStandard}')"
    ),
}


def _rows() -> list[dict[str, str]]:
    with TABLE.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _camel(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: "{" + PLACEHOLDERS[m.group(1)] + "}", path)


@pytest.fixture
def tools(pm: pluggy.PluginManager) -> dict[str, ToolSpec]:
    return collect(pm).tools


def test_every_table_row_has_a_matching_tool(tools: dict[str, ToolSpec]) -> None:
    rows = _rows()
    assert {r["tool"] for r in rows} == set(tools)
    for row in rows:
        spec = tools[row["tool"]]
        assert spec.method == row["method"], spec.name
        assert spec.path == DEVIATIONS.get(spec.name, _camel(row["path"])), spec.name
        assert spec.api_version == row["api"], spec.name
        assert spec.scopes == tuple((s,) for s in row["scopes_personal"].split()), spec.name
        assert spec.org_scopes == tuple((s,) for s in row["scopes_org"].split()), spec.name
        expected_presets = set(row["presets"].split(","))
        assert spec.presets == expected_presets, spec.name
        assert spec.org_only == (expected_presets == {"work"}), spec.name
        assert spec.plugin == "mail"
        if "readOnly" in row["notes"]:
            assert spec.is_read_only
        if "accept=text/plain" in row["notes"]:
            assert spec.accept == "text/plain"


def test_descriptions_are_short_and_schemas_valid(tools: dict[str, ToolSpec]) -> None:
    for spec in tools.values():
        assert 0 < len(spec.description.split()) <= 12, spec.name
        schema = input_schema(spec)
        jsonschema.Draft202012Validator.check_schema(schema)
        body = schema["properties"].get("body")
        if body is not None:
            assert body.get("additionalProperties") is not False, spec.name


def test_message_lists_project_by_default_and_gets_do_not(tools: dict[str, ToolSpec]) -> None:
    assert tools["list-mail-messages"].default_select[:2] == ("id", "subject")
    assert "search" in tools["list-mail-folder-messages"].query
    assert "search" not in tools["list-mail-folders"].query
    assert tools["get-mail-message"].query == {"select", "expand"}
    assert not tools["get-mail-message"].is_list
    assert tools["list-mail-folder-messages-delta"].is_list


def test_presets_are_registered(pm: pluggy.PluginManager) -> None:
    presets = collect(pm).presets
    assert set(presets) == {"mail"}  # the composite presets are the core's; tools say they belong to them
    assert not presets["mail"].requires_org_mode
    tags = set().union(*(t.presets for t in collect(pm).tools.values()))
    assert {"mail", "outlook", "personal", "work"} <= tags


def test_token_budget(tools: dict[str, ToolSpec]) -> None:
    quicktok = pytest.importorskip("quicktok")
    encoding = quicktok.get_encoding("o200k_base")

    def cost(spec: ToolSpec) -> int:
        return len(encoding.encode(json.dumps(tool_definition(spec), separators=(",", ":"))))

    costs = {name: cost(spec) for name, spec in tools.items()}
    assert sum(costs.values()) / len(costs) <= 150
    assert sum(c for n, c in costs.items() if "mail" in tools[n].presets) < 8000


# --- prepare --------------------------------------------------------------------------------------------


def _prepared(spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    assert spec.prepare is not None
    spec.prepare(args)
    return args


def test_send_mail_accepts_friendly_shapes(tools: dict[str, ToolSpec]) -> None:
    args = _prepared(
        tools["send-mail"],
        {
            "body": {
                "subject": "Hi",
                "body": "Plain words",
                "toRecipients": "alex@contoso.sandbox, Megan <megan@contoso.sandbox>",
                "ccRecipients": [{"address": "diego@contoso.sandbox"}],
                "saveToSentItems": False,
            }
        },
    )
    body = args["body"]
    assert body["saveToSentItems"] is False
    message = body["message"]
    assert message["body"] == {"contentType": "Text", "content": "Plain words"}
    assert message["toRecipients"] == [
        {"emailAddress": {"address": "alex@contoso.sandbox"}},
        {"emailAddress": {"address": "megan@contoso.sandbox", "name": "Megan"}},
    ]
    assert message["ccRecipients"] == [{"emailAddress": {"address": "diego@contoso.sandbox"}}]


def test_send_mail_keeps_graph_shapes(tools: dict[str, ToolSpec]) -> None:
    graph_shape = {
        "message": {
            "subject": "x",
            "body": {"contentType": "HTML", "content": "<b>x</b>"},
            "toRecipients": [{"emailAddress": {"address": "a@contoso.sandbox", "name": "A"}}],
        },
        "saveToSentItems": True,
    }
    args = _prepared(tools["send-mail"], {"body": json.loads(json.dumps(graph_shape))})
    assert args["body"] == graph_shape


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "no one"}, "body.message.toRecipients"),
        ({"toRecipients": ["not-an-address"]}, "body.message.toRecipients[0]"),
        ({"toRecipients": [42]}, "body.message.toRecipients[0]"),
        (
            {"toRecipients": ["a@b.example"], "body": {"contentType": "rtf", "content": "x"}},
            "body.message.body.contentType",
        ),
    ],
)
def test_send_mail_rejects_bad_input_naming_the_field(
    tools: dict[str, ToolSpec], body: dict[str, Any], field: str
) -> None:
    with pytest.raises(ToolInputError) as caught:
        _prepared(tools["send-mail"], {"body": body})
    assert caught.value.field == field


def test_forward_needs_a_recipient_and_update_accepts_flag_status(tools: dict[str, ToolSpec]) -> None:
    with pytest.raises(ToolInputError) as caught:
        _prepared(tools["forward-mail-message"], {"messageId": "x", "body": {"comment": "fyi"}})
    assert caught.value.field == "body.toRecipients"
    args = _prepared(
        tools["update-mail-message"], {"messageId": "x", "body": {"flag": "flagged", "categories": "Finance, Travel"}}
    )
    assert args["body"] == {"flag": {"flagStatus": "flagged"}, "categories": ["Finance", "Travel"]}


def test_attachment_defaults_to_a_file_attachment(tools: dict[str, ToolSpec]) -> None:
    args = _prepared(
        tools["add-mail-attachment"], {"messageId": "x", "body": {"name": "a.txt", "contentBytes": "YQ=="}}
    )
    assert args["body"]["@odata.type"] == "#microsoft.graph.fileAttachment"
    session = _prepared(
        tools["create-mail-attachment-upload-session"], {"messageId": "x", "body": {"name": "big.bin", "size": 10}}
    )
    assert session["body"] == {"AttachmentItem": {"name": "big.bin", "size": 10, "attachmentType": "file"}}


@pytest.mark.parametrize("tool", ["list-mail-messages", "list-mail-folder-messages", "list-shared-mailbox-messages"])
def test_message_search_is_quoted_and_refused_with_filter(tools: dict[str, ToolSpec], tool: str) -> None:
    assert _prepared(tools[tool], {"search": "budget review"})["search"] == '"budget review"'
    assert _prepared(tools[tool], {"search": '"already quoted"'})["search"] == '"already quoted"'
    assert _prepared(tools[tool], {"search": 'subject:"Q3"'})["search"] == '"subject:\\"Q3\\""'
    with pytest.raises(ToolInputError) as caught:
        _prepared(tools[tool], {"search": "budget", "filter": "isRead eq false"})
    assert caught.value.field == "search"
    assert "can't be combined with filter on messages" in str(caught.value)
    assert _prepared(tools[tool], {"filter": "isRead eq false"}) == {"filter": "isRead eq false"}


def test_time_zone_standard_is_validated(tools: dict[str, ToolSpec]) -> None:
    spec = tools["list-supported-time-zones"]
    assert spec.literal_params == {"timeZoneStandard"}
    assert _prepared(spec, {"timeZoneStandard": "iana"}) == {"timeZoneStandard": "Iana"}
    with pytest.raises(ToolInputError):
        _prepared(spec, {"timeZoneStandard": "Olson"})


def test_time_zone_standard_goes_out_as_a_typed_enum_literal(tools: dict[str, ToolSpec]) -> None:
    from ms365mcp.graph.request import render_path

    spec = tools["list-supported-time-zones"]
    path = render_path(spec, _prepared(spec, {"timeZoneStandard": "iana"}))
    assert path == "/me/outlook/supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')"


def test_mail_tips_and_override_normalisation(tools: dict[str, ToolSpec]) -> None:
    tips = _prepared(tools["get-mail-tips"], {"body": {"emailAddresses": "megan@contoso.sandbox"}})
    assert tips["body"] == {
        "EmailAddresses": ["megan@contoso.sandbox"],
        "MailTipsOptions": "automaticReplies, mailboxFullStatus",
    }
    with pytest.raises(ToolInputError):
        _prepared(tools["get-mail-tips"], {"body": {}})
    override = _prepared(
        tools["create-focused-inbox-override"],
        {"body": {"classifyAs": "Focused", "senderEmailAddress": "Ann <ann@fabrikam.example>"}},
    )
    assert override["body"] == {
        "classifyAs": "focused",
        "senderEmailAddress": {"address": "ann@fabrikam.example", "name": "Ann"},
    }


@pytest.mark.parametrize(
    ("args", "field"),
    [({"filter": "isRead eq false"}, "filter"), ({"orderby": "receivedDateTime asc"}, "orderby")],
)
def test_delta_refuses_options_graph_does_not_support(args: dict[str, Any], field: str) -> None:
    from ms365mcp_mail.tools import TOOLS

    spec = next(t for t in TOOLS if t.name == "list-mail-folder-messages-delta")
    assert spec.prepare is not None and "orderby" in spec.query and "search" not in spec.query
    spec.prepare(
        {"mailFolderId": "inbox", "filter": "receivedDateTime ge 2026-01-01", "orderby": "receivedDateTime desc"}
    )
    with pytest.raises(ToolInputError) as info:
        spec.prepare({"mailFolderId": "inbox", **args})
    assert info.value.field == field
