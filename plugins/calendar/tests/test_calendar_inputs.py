"""Friendly inputs become Graph's shapes; bad input is refused naming the field; exact request shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from ms365mcp_calendar import tools
from ms365mcp_calendar.timezones import canonical_zone, check_zone, zone_info
from ms365mcp_calendar.tools import TOOLS

from ms365mcp.errors import ToolInputError
from ms365mcp.executor import execute
from ms365mcp.graph.request import build_request
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

SPECS = {spec.name: spec for spec in TOOLS}


def _prepared(name: str, args: dict[str, Any]) -> dict[str, Any]:
    spec = SPECS[name]
    assert spec.prepare is not None
    spec.prepare(args)
    return args


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("W. Europe Standard Time", "W. Europe Standard Time"),
        ("pacific standard time", "Pacific Standard Time"),
        ("UTC", "UTC"),
    ],
)
def test_zones_accept_iana_and_windows_names(given: str, canonical: str) -> None:
    assert canonical_zone(given) == canonical
    assert zone_info(given) is not None


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", "../etc/passwd", "Pacific Standard"])
def test_unknown_zone_is_an_input_error(bad: str) -> None:
    with pytest.raises(ToolInputError) as info:
        check_zone(bad, "timezone")
    assert info.value.field == "timezone"
    assert "unknown time zone" in str(info.value)


def test_windows_names_map_to_the_same_rules_as_iana() -> None:
    from datetime import datetime

    winter = datetime(2026, 1, 15, 12)
    assert zone_info("W. Europe Standard Time").utcoffset(winter) == zone_info("Europe/Berlin").utcoffset(winter)
    assert zone_info("Pacific Standard Time").utcoffset(winter).total_seconds() == -8 * 3600


def test_view_window_is_read_in_the_given_zone() -> None:
    args = _prepared(
        "get-calendar-view",
        {"startDateTime": "2026-11-26", "endDateTime": "2026-11-27T09:30", "timezone": "w. europe standard time"},
    )
    assert args["startDateTime"] == "2026-11-26T00:00:00+01:00"
    assert args["endDateTime"] == "2026-11-27T09:30:00+01:00"
    assert args["timezone"] == "W. Europe Standard Time"


def test_view_window_without_zone_keeps_utc_semantics() -> None:
    args = _prepared("get-calendar-view", {"startDateTime": "2026-11-26T08:00:00Z", "endDateTime": "2026-11-26T18:00"})
    assert args["startDateTime"] == "2026-11-26T08:00:00+00:00"
    assert args["endDateTime"] == "2026-11-26T18:00:00"


@pytest.mark.parametrize(
    "name",
    [
        "get-calendar-view",
        "get-specific-calendar-view",
        "list-calendar-view-delta",
        "get-shared-calendar-view",
        "list-calendar-event-instances",
    ],
)
def test_end_before_start_names_end_date_time(name: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepared(name, {"startDateTime": "2026-11-27", "endDateTime": "2026-11-26"})
    assert info.value.field == "endDateTime"
    assert "after startDateTime" in str(info.value)


def test_unparsable_date_names_the_field() -> None:
    with pytest.raises(ToolInputError) as info:
        _prepared("get-calendar-view", {"startDateTime": "next tuesday", "endDateTime": "2026-11-26"})
    assert info.value.field == "startDateTime"


def test_unknown_view_zone_names_timezone() -> None:
    with pytest.raises(ToolInputError) as info:
        _prepared(
            "get-calendar-view",
            {"startDateTime": "2026-11-26", "endDateTime": "2026-11-27", "timezone": "Atlantis/Central"},
        )
    assert info.value.field == "timezone"


def test_event_fields_become_graph_shapes() -> None:
    args = _prepared(
        "create-calendar-event",
        {
            "body": {
                "subject": "Plan",
                "start": "2026-11-26T10:00",
                "end": "2026-11-26T11:00",
                "timeZone": "Europe/Berlin",
                "attendees": "alex@contoso.sandbox, Lidia <lidia@fabrikam.example>",
                "location": "Room 1",
                "body": "Agenda",
                "recurrence": "weekly",
            }
        },
    )
    body = args["body"]
    assert body["start"] == {"dateTime": "2026-11-26T10:00:00", "timeZone": "Europe/Berlin"}
    assert body["end"] == {"dateTime": "2026-11-26T11:00:00", "timeZone": "Europe/Berlin"}
    assert "timeZone" not in body
    assert body["attendees"] == [
        {"type": "required", "emailAddress": {"address": "alex@contoso.sandbox"}},
        {"type": "required", "emailAddress": {"address": "lidia@fabrikam.example", "name": "Lidia"}},
    ]
    assert body["location"] == {"displayName": "Room 1"}
    assert body["body"] == {"contentType": "Text", "content": "Agenda"}
    assert body["recurrence"]["pattern"] == {"type": "weekly", "interval": 1, "daysOfWeek": ["thursday"]}
    assert body["recurrence"]["range"] == {"type": "noEnd", "startDate": "2026-11-26"}


def test_offsets_are_converted_into_the_named_zone() -> None:
    body = _prepared(
        "update-calendar-event",
        {
            "eventId": "e",
            "body": {
                "start": "2026-11-26T09:00:00Z",
                "end": {"dateTime": "2026-11-26T11:00", "timeZone": "Europe/London"},
            },
        },
    )["body"]
    assert body["start"] == {"dateTime": "2026-11-26T09:00:00", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2026-11-26T11:00:00", "timeZone": "Europe/London"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "x", "start": "2026-11-26T10:00", "end": "2026-11-26T09:00"}, "body.end"),
        ({"subject": "x", "start": "2026-11-26T10:00"}, "body.end"),
        (
            {"subject": "x", "start": "2026-11-26T10:00", "end": "2026-11-26T11:00", "timeZone": "Nowhere"},
            "body.timeZone",
        ),
        (
            {
                "subject": "x",
                "start": {"dateTime": "2026-11-26T10:00", "timeZone": "Bad/Zone"},
                "end": "2026-11-26T11:00",
            },
            "body.start.timeZone",
        ),
        (
            {"subject": "x", "start": "2026-11-26T10:00", "end": "2026-11-26T11:00", "attendees": ["nobody"]},
            "body.attendees[0]",
        ),
        (
            {"subject": "x", "start": "2026-11-26T10:00", "end": "2026-11-26T11:00", "recurrence": "hourly"},
            "body.recurrence",
        ),
    ],
)
def test_bad_event_input_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepared("create-calendar-event", {"body": body})
    assert info.value.field == field


def test_schedule_and_meeting_time_helpers() -> None:
    schedule = _prepared(
        "get-schedule",
        {
            "body": {
                "schedules": "alex@contoso.sandbox; megan@contoso.sandbox",
                "startTime": "2026-11-26T08:00",
                "endTime": "2026-11-26T18:00",
                "timeZone": "Pacific Standard Time",
            }
        },
    )["body"]
    assert schedule["schedules"] == ["alex@contoso.sandbox", "megan@contoso.sandbox"]
    assert schedule["startTime"] == {"dateTime": "2026-11-26T08:00:00", "timeZone": "Pacific Standard Time"}
    with pytest.raises(ToolInputError) as info:
        _prepared(
            "get-schedule",
            {"body": {"schedules": ["a@b.c"], "startTime": "2026-11-26T18:00", "endTime": "2026-11-26T08:00"}},
        )
    assert info.value.field == "body.endTime"
    meeting = _prepared(
        "find-meeting-times",
        {
            "body": {
                "attendees": ["alex@contoso.sandbox"],
                "start": "2026-11-26",
                "end": "2026-11-27",
                "meetingDuration": 90,
            }
        },
    )["body"]
    assert meeting["meetingDuration"] == "PT1H30M"
    assert meeting["timeConstraint"]["timeSlots"][0]["end"] == {"dateTime": "2026-11-27T00:00:00", "timeZone": "UTC"}
    with pytest.raises(ToolInputError) as info:
        _prepared("find-meeting-times", {"body": {"meetingDuration": "an hour"}})
    assert info.value.field == "body.meetingDuration"


def test_permission_place_forward_snooze_helpers() -> None:
    perm = _prepared(
        "create-my-calendar-permission", {"body": {"emailAddress": "alex@contoso.sandbox", "role": "READ"}}
    )["body"]
    assert perm == {"emailAddress": {"address": "alex@contoso.sandbox"}, "role": "read"}
    with pytest.raises(ToolInputError) as info:
        _prepared("create-my-calendar-permission", {"body": {"emailAddress": "alex@contoso.sandbox", "role": "owner"}})
    assert info.value.field == "body.role"
    place = _prepared("update-place", {"placeId": "p", "body": {"capacity": 9, "placeType": "roomList"}})["body"]
    assert place == {"capacity": 9, "@odata.type": "#microsoft.graph.roomList"}
    with pytest.raises(ToolInputError) as info:
        _prepared("forward-calendar-event", {"eventId": "e", "body": {"toRecipients": []}})
    assert info.value.field == "body.toRecipients"
    snooze = _prepared(
        "snooze-calendar-event-reminder",
        {"eventId": "e", "body": {"newReminderTime": "2026-11-26T09:45", "timeZone": "Asia/Tokyo"}},
    )["body"]
    assert snooze == {"newReminderTime": {"dateTime": "2026-11-26T09:45:00", "timeZone": "Asia/Tokyo"}}


# --- exact request shapes ---------------------------------------------------------------------------


def test_view_request_carries_window_and_time_zone() -> None:
    args = _prepared(
        "get-calendar-view",
        {"startDateTime": "2026-11-26", "endDateTime": "2026-11-27", "timezone": "Europe/Berlin", "top": 5},
    )
    request = build_request(SPECS["get-calendar-view"], args, Settings())
    assert ("startDateTime", "2026-11-26T00:00:00+01:00") in request.params
    assert ("endDateTime", "2026-11-27T00:00:00+01:00") in request.params
    assert dict(request.headers)["Prefer"] == 'outlook.body-content-type="text", outlook.timezone="Europe/Berlin"'
    assert "startDateTime=2026-11-26T00:00:00%2B01:00" in request.target
    assert "timezone" not in request.target


def test_following_a_delta_link_sends_only_the_link_query() -> None:
    spec = SPECS["list-calendar-view-delta"]
    link = "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=abc"
    request = build_request(
        spec, {"startDateTime": "2026-11-26", "endDateTime": "2026-11-27", "nextLink": link}, Settings()
    )
    assert request.params == (("$deltatoken", "abc"),)


@pytest.mark.anyio
@respx.mock
async def test_graph_receives_the_view_query_and_prefer_header(tmp_path: Any, calendar_pm: Any) -> None:
    route = respx.get(url__regex=r"https://graph\.microsoft\.com/v1\.0/me/calendars/.*/calendarView.*").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    runtime = build_runtime(Settings(oauth_token="header.payload.sig", log_dir=tmp_path), calendar_pm)
    try:
        outcome = await execute(
            runtime,
            "get-specific-calendar-view",
            {
                "calendarId": "AAMk/cal+1=",
                "startDateTime": "2026-11-26T08:00",
                "endDateTime": "2026-11-26T18:00",
                "timezone": "Pacific Standard Time",
            },
        )
    finally:
        await runtime.aclose()
    assert outcome.is_error is False
    sent = route.calls.last.request
    assert sent.url.raw_path.startswith(b"/v1.0/me/calendars/AAMk%2Fcal%2B1%3D/calendarView?")
    assert sent.url.params["startDateTime"] == "2026-11-26T08:00:00-08:00"
    assert sent.url.params["endDateTime"] == "2026-11-26T18:00:00-08:00"
    assert 'outlook.timezone="Pacific Standard Time"' in sent.headers["prefer"]


@pytest.mark.anyio
@respx.mock
async def test_bad_input_never_reaches_graph(tmp_path: Any, calendar_pm: Any) -> None:
    route = respx.route().mock(return_value=httpx.Response(200, json={}))
    runtime = build_runtime(Settings(oauth_token="header.payload.sig", log_dir=tmp_path), calendar_pm)
    try:
        backwards = await execute(
            runtime, "get-calendar-view", {"startDateTime": "2026-11-27", "endDateTime": "2026-11-26"}
        )
        no_zone = await execute(runtime, "list-calendar-events", {"timezone": "Moon/Base"})
    finally:
        await runtime.aclose()
    assert backwards.is_error and backwards.data["error"]["field"] == "endDateTime"
    assert no_zone.is_error and no_zone.data["error"]["field"] == "timezone"
    assert "IANA" in no_zone.data["error"]["message"]
    assert route.call_count == 0


def test_tools_module_exposes_every_spec() -> None:
    assert len(tools.TOOLS) == len(SPECS) == 39


def test_proposed_new_time_becomes_a_time_slot() -> None:
    body = {"proposedNewTime": {"start": "2026-11-27T10:00", "end": "2026-11-27T11:00"}, "timeZone": "Europe/Berlin"}
    args = _prepared("decline-calendar-event", {"eventId": "e1", "body": body})
    assert args["body"] == {
        "proposedNewTime": {
            "start": {"dateTime": "2026-11-27T10:00:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-11-27T11:00:00", "timeZone": "Europe/Berlin"},
        }
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"proposedNewTime": {"start": "2026-11-27T10:00"}}, "body.proposedNewTime"),
        (
            {"proposedNewTime": {"start": "2026-11-27T10:00", "end": "2026-11-27T11:00"}, "sendResponse": False},
            "body.sendResponse",
        ),
        (
            {"proposedNewTime": {"start": "2026-11-27T10:00", "end": "2026-11-27T11:00"}, "timeZone": "Mars/Base"},
            "body.timeZone",
        ),
    ],
)
def test_bad_proposals_are_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepared("tentatively-accept-calendar-event", {"eventId": "e1", "body": body})
    assert info.value.field == field


def test_accept_takes_no_proposal() -> None:
    """Graph's accept action has comment and sendResponse only."""
    assert set(SPECS["accept-calendar-event"].body["properties"]) == {"comment", "sendResponse"}
