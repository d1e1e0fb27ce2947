"""Every meetings row of the endpoint table has a matching ToolSpec; friendly inputs are normalised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ms365mcp_meetings.tools import TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.catalog.schema import input_schema
from ms365mcp.errors import ToolInputError
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, read_endpoint_rows

#: The meetings rows of the shared endpoint table (reference/graph-endpoints.tsv), kept next to the tests.
TSV = Path(__file__).with_name("meetings-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)


def test_every_meetings_row_has_a_spec() -> None:
    assert len(ROWS) == 18
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    # The table's presets, plus this plugin's own ``meetings`` preset.
    assert_spec_matches_row(spec, row, extra_presets={"meetings"})
    assert spec.scopes == ()
    assert spec.org_only is True  # Graph offers none of these to personal accounts
    if "accept=" in row["notes"]:
        assert spec.accept == row["notes"].split("accept=")[1].split()[0]


def test_plugin_registers_tools_and_its_preset(meetings_pm: Any) -> None:
    catalog = collect(meetings_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "meetings" for name in SPECS)
    assert catalog.presets["meetings"].requires_org_mode is True
    assert {"meetings", "work", "all"} <= set(catalog.presets)


def test_function_parameters_are_literals() -> None:
    spec = SPECS["list-adhoc-call-transcripts"]
    assert spec.literal_params == frozenset({"userId", "startDateTime", "endDateTime"})
    assert set(input_schema(spec)["required"]) == {"userId", "startDateTime", "endDateTime"}


def test_token_budget_per_tool(meetings_pm: Any) -> None:
    tools = [t for t in collect(meetings_pm).tools.values() if t.plugin == "meetings"]
    assert len(tools) == 18
    assert_token_budget(tools, per_tool=150)


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
            "JoinWebUrl eq 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0'",
        ),
        ("2584 9317 6402", "joinMeetingIdSettings/joinMeetingId eq '258493176402'"),
        ("videoTeleconferenceId eq '123'", "videoTeleconferenceId eq '123'"),
    ],
)
def test_a_link_or_meeting_id_becomes_the_filter(given: str, expected: str) -> None:
    assert _prepare("list-online-meetings", {"filter": given})["filter"] == expected


def test_meeting_times_and_participants_become_graph_shapes() -> None:
    body = _prepare(
        "create-online-meeting",
        {
            "body": {
                "subject": "Sync",
                "startDateTime": "2026-12-01T09:00:00+01:00",
                "endDateTime": "2026-12-01T09:30",
                "participants": "alex@contoso.example; Megan <megan@contoso.example>",
            }
        },
    )["body"]
    assert (body["startDateTime"], body["endDateTime"]) == ("2026-12-01T08:00:00Z", "2026-12-01T09:30:00Z")
    assert body["participants"] == {
        "attendees": [
            {"upn": "alex@contoso.example", "role": "attendee"},
            {"upn": "megan@contoso.example", "role": "attendee"},
        ]
    }
    kept = _prepare(
        "update-online-meeting",
        {"onlineMeetingId": "m", "body": {"participants": {"attendees": ["a@b.example", {"upn": "c@d.example"}]}}},
    )["body"]
    assert kept["participants"]["attendees"] == [{"upn": "a@b.example", "role": "attendee"}, {"upn": "c@d.example"}]
    assert _prepare("create-online-meeting", {})["body"] == {}


def test_adhoc_window_is_written_as_utc_literals() -> None:
    args = _prepare(
        "list-adhoc-call-transcripts",
        {"userId": " u-1 ", "startDateTime": "2026-11-01", "endDateTime": "2026-11-30T18:00:00-08:00"},
    )
    assert args == {"userId": "u-1", "startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2026-12-01T02:00:00Z"}


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("list-online-meetings", {}, "filter"),
        ("list-online-meetings", {"filter": "  "}, "filter"),
        ("create-online-meeting", {"body": {"startDateTime": "next tuesday"}}, "body.startDateTime"),
        (
            "create-online-meeting",
            {"body": {"startDateTime": "2026-12-01T10:00Z", "endDateTime": "2026-12-01T09:00Z"}},
            "body.endDateTime",
        ),
        ("create-online-meeting", {"body": {"participants": ["alex@x.example", "bob"]}}, "body.participants[1]"),
        (
            "update-online-meeting",
            {"onlineMeetingId": "m", "body": {"participants": {"attendees": ["nobody"]}}},
            "body.participants.attendees[0]",
        ),
        ("create-online-meeting", {"body": {"subject": 42}}, "body.subject"),
        ("update-online-meeting", {"onlineMeetingId": "m", "body": {}}, "body"),
        (
            "update-online-meeting",
            {"onlineMeetingId": "m", "body": {"endDateTime": "2026-12-01T10:00Z"}},
            "body.startDateTime",
        ),
        (
            "update-online-meeting",
            {"onlineMeetingId": "m", "body": {"startDateTime": "2026-12-01T10:00Z"}},
            "body.endDateTime",
        ),
        (
            "update-online-meeting",
            {"onlineMeetingId": "m", "body": {"participants": {"organizer": {"upn": "a@b.example"}}}},
            "body.participants.organizer",
        ),
        (
            "list-adhoc-call-transcripts",
            {"userId": "u", "startDateTime": "yesterday", "endDateTime": "2026-11-30"},
            "startDateTime",
        ),
        (
            "list-adhoc-call-transcripts",
            {"userId": "u", "startDateTime": "2026-11-30", "endDateTime": "2026-11-01"},
            "endDateTime",
        ),
        ("list-adhoc-call-transcripts", {"userId": "u", "startDateTime": "2026-11-30"}, "endDateTime"),
        ("list-adhoc-call-transcripts", {"userId": "", "startDateTime": "a", "endDateTime": "b"}, "userId"),
    ],
)
def test_bad_meetings_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare(name, args)
    assert info.value.field == field


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/meetings.md", root / "plugins/meetings/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            row = lines[f"`{spec.name}`"]
            assert " + ".join(spec.org_scopes[0]) in row and spec.path in row, (doc.name, spec.name)


def test_query_options_follow_the_graph_docs() -> None:
    """Options Graph documents as unsupported are neither offered nor sent by default."""
    for name in (
        "list-meeting-transcripts",
        "list-meeting-recordings",
        "get-meeting-recording",
        "get-virtual-event-webinar",
    ):
        assert SPECS[name].query == frozenset() and not SPECS[name].default_select, name
        assert not {"top", "select"} & set(input_schema(SPECS[name])["properties"]), name
    assert SPECS["get-meeting-transcript"].query == frozenset({"select"})
    assert SPECS["get-meeting-attendance-report"].query == frozenset({"select", "expand"})
    assert "application permissions" in SPECS["list-adhoc-call-transcripts"].description
