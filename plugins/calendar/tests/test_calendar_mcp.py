"""Every calendar tool through the MCP SDK's own client against the sandbox tenant (org mode)."""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_calendar.seed import ENCODED_EVENT_ID
from ms365mcp_calendar.tools import TOOLS

from ms365mcp.runtime import build_runtime
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio


class Caller:
    """Calls tools, remembers which ones ran, and fails loudly on an error result."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.called: set[str] = set()

    async def ok(self, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        result = await self.client.call_tool(name, args or {})
        self.called.add(name)
        assert result.is_error is False, (name, result.content[0].text)
        return result.structured_content

    async def error(self, name: str, args: dict[str, Any]) -> str:
        result = await self.client.call_tool(name, args)
        assert result.is_error is True, name
        return result.content[0].text


def _week(start: str) -> tuple[str, str]:
    monday = date.fromisoformat(start[:10])
    return monday.isoformat(), (monday + timedelta(days=7)).isoformat()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_smoke_in_both_protocol_generations(calendar_pm: Any, tmp_path: Any, mode: str) -> None:
    runtime = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), calendar_pm)
    try:
        async with Client(build_server(runtime), mode=mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {spec.name for spec in TOOLS} <= names
            result = await client.call_tool("get-calendar-event", {"eventId": ENCODED_EVENT_ID})
            assert result.is_error is False
            assert result.structured_content["subject"] == "Q4 launch planning"
    finally:
        await runtime.aclose()


async def test_every_calendar_tool_end_to_end(client: Any) -> None:
    c = Caller(client)
    calendars = (await c.ok("list-calendars"))["value"]
    by_name = {cal["name"]: cal["id"] for cal in calendars}
    assert {"Calendar", "Marketing launches", "United States holidays"} <= set(by_name)
    default_id = by_name["Calendar"]

    # events: read
    events = (await c.ok("list-calendar-events", {"top": 50, "timezone": "Europe/Berlin"}))["value"]
    subjects = {e["subject"]: e for e in events}
    assert subjects["Q4 launch planning"]["start"]["timeZone"] == "Europe/Berlin"
    standup = subjects["Marketing stand-up"]
    assert standup["type"] == "seriesMaster"
    planning = await c.ok("get-calendar-event", {"eventId": ENCODED_EVENT_ID, "timezone": "Pacific Standard Time"})
    assert planning["start"]["dateTime"].endswith("T10:00:00.0000000")
    assert planning["body"]["contentType"] == "text" and "<p>" not in planning["body"]["content"]
    assert "Launch timeline" in planning["body"]["content"]
    launches = (await c.ok("list-specific-calendar-events", {"calendarId": by_name["Marketing launches"]}))["value"]
    assert {e["subject"] for e in launches} == {"Campaign asset review", "Social calendar go-live"}
    one = await c.ok(
        "get-specific-calendar-event", {"calendarId": by_name["Marketing launches"], "eventId": launches[0]["id"]}
    )
    assert one["id"] == launches[0]["id"]

    # views
    start, end = _week(planning["start"]["dateTime"])
    window = {"startDateTime": start, "endDateTime": end, "timezone": "Pacific Standard Time"}
    view = (await c.ok("get-calendar-view", {**window, "top": 100}))["value"]
    standups = [e for e in view if e["subject"] == "Marketing stand-up"]
    assert len(standups) == 3 and all(e["type"] == "occurrence" for e in standups)
    assert all(start <= e["start"]["dateTime"][:10] < end for e in view)
    holidays = (
        await c.ok(
            "get-specific-calendar-view",
            {
                "calendarId": by_name["United States holidays"],
                "startDateTime": f"{start[:4]}-11-01",
                "endDateTime": f"{start[:4]}-12-01",
            },
        )
    )["value"]
    assert [e["subject"] for e in holidays] == ["Thanksgiving Day"]
    instances = (
        await c.ok("list-calendar-event-instances", {"calendarId": default_id, "eventId": standup["id"], **window})
    )["value"]
    assert [e["id"] for e in instances] == [e["id"] for e in standups]

    # delta: a first round, then only what changed
    first = await c.ok("list-calendar-events-delta")
    while "nextLink" in first:
        first = await c.ok("list-calendar-events-delta", {"nextLink": first["nextLink"]})
    view_delta = await c.ok("list-calendar-view-delta", window)
    assert view_delta.get("nextLink") or view_delta.get("deltaLink")

    # create, update, cancel a meeting with a colleague; the colleague's copy follows
    created = await c.ok(
        "create-calendar-event",
        {
            "body": {
                "subject": "Pricing workshop",
                "start": f"{start}T13:00",
                "end": f"{start}T14:00",
                "timeZone": "Pacific Standard Time",
                "attendees": ["alex@contoso.sandbox"],
                "location": "Conf Room Baker",
                "body": "Bring the price list.",
            }
        },
    )
    assert created["organizer"]["emailAddress"]["address"] == "adele@contoso.sandbox"
    assert created["attendees"][0]["emailAddress"]["address"] == "alex@contoso.sandbox"
    updated = await c.ok(
        "update-calendar-event", {"eventId": created["id"], "body": {"subject": "Pricing workshop v2"}}
    )
    assert updated["subject"] == "Pricing workshop v2"
    changes = await c.ok("list-calendar-events-delta", {"nextLink": first["deltaLink"]})
    assert [e["subject"] for e in changes["value"]] == ["Pricing workshop v2"]
    alex = (
        await c.ok(
            "list-shared-calendar-events",
            {"userId": "alex@contoso.sandbox", "top": 50, "filter": "startswith(subject,'Pricing')"},
        )
    )["value"]
    assert [e["subject"] for e in alex] == ["Pricing workshop v2"]
    await c.ok("cancel-calendar-event", {"eventId": created["id"], "body": {"comment": "Moved to next month"}})
    alex = (
        await c.ok(
            "get-shared-calendar-view",
            {"userId": "alex@contoso.sandbox", **window, "top": 100, "select": "subject,isCancelled"},
        )
    )["value"]
    cancelled = [e for e in alex if "Pricing" in e["subject"]]
    assert cancelled and cancelled[0]["isCancelled"] is True and cancelled[0]["subject"].startswith("Canceled:")

    # responses to invitations
    invites = {e["subject"]: e for e in view}
    await c.ok("accept-calendar-event", {"eventId": invites["Press kit review"]["id"], "body": {"comment": "See you"}})
    await c.ok("tentatively-accept-calendar-event", {"eventId": invites["Venue walkthrough"]["id"]})
    megan = (
        await c.ok(
            "get-shared-calendar-view",
            {"userId": "megan@contoso.sandbox", **window, "top": 100, "select": "subject,attendees"},
        )
    )["value"]
    walkthrough = next(e for e in megan if e["subject"] == "Venue walkthrough")
    mine = next(a for a in walkthrough["attendees"] if a["emailAddress"]["address"] == "adele@contoso.sandbox")
    assert mine["status"]["response"] == "tentativelyAccepted"
    one_on_one = next(e for e in view if e["subject"] == "1:1 Adele / Megan")
    await c.ok("decline-calendar-event", {"eventId": one_on_one["id"], "body": {"sendResponse": False}})
    after = (await c.ok("get-calendar-view", {**window, "top": 100}))["value"]
    assert one_on_one["id"] not in {e["id"] for e in after}
    await c.ok(
        "forward-calendar-event",
        {"eventId": invites["Budget review"]["id"], "body": {"toRecipients": "alex@contoso.sandbox", "comment": "FYI"}},
    )
    await c.ok(
        "snooze-calendar-event-reminder",
        {
            "eventId": ENCODED_EVENT_ID,
            "body": {"newReminderTime": f"{start}T09:55", "timeZone": "Pacific Standard Time"},
        },
    )
    await c.ok("dismiss-calendar-event-reminder", {"eventId": ENCODED_EVENT_ID})
    assert (await c.ok("get-calendar-event", {"eventId": ENCODED_EVENT_ID}))["isReminderOn"] is False
    scratch = await c.ok(
        "create-calendar-event", {"body": {"subject": "Scratch", "start": f"{start}T07:00", "end": f"{start}T07:30"}}
    )
    assert (await c.ok("delete-calendar-event", {"eventId": scratch["id"]}))["ok"] is True

    # a calendar of its own, with an event in it
    cal = await c.ok("create-calendar", {"body": {"name": "Side project", "color": "lightBlue"}})
    assert (await c.ok("update-calendar", {"calendarId": cal["id"], "body": {"name": "Side quest"}}))["name"] == (
        "Side quest"
    )
    ev = await c.ok(
        "create-specific-calendar-event",
        {"calendarId": cal["id"], "body": {"subject": "Kick-off", "start": f"{start}T15:00", "end": f"{start}T15:30"}},
    )
    ev = await c.ok(
        "update-specific-calendar-event",
        {"calendarId": cal["id"], "eventId": ev["id"], "body": {"isOnlineMeeting": True}},
    )
    assert ev["isOnlineMeeting"] is True and ev["onlineMeeting"]["joinUrl"].startswith("https://")
    await c.ok("delete-specific-calendar-event", {"calendarId": cal["id"], "eventId": ev["id"]})
    await c.ok("delete-calendar", {"calendarId": cal["id"]})

    # sharing
    shares = (await c.ok("list-my-calendar-permissions"))["value"]
    assert {p["role"] for p in shares} >= {"freeBusyRead", "write", "read"}
    share = await c.ok(
        "create-my-calendar-permission", {"body": {"emailAddress": "diego@contoso.sandbox", "role": "limitedRead"}}
    )
    share = await c.ok("update-my-calendar-permission", {"calendarPermissionId": share["id"], "body": {"role": "read"}})
    assert share["role"] == "read"
    await c.ok("delete-my-calendar-permission", {"calendarPermissionId": share["id"]})

    # free/busy and suggestions agree with the seeded meetings
    wednesday = (date.fromisoformat(start) + timedelta(days=2)).isoformat()
    schedule = (
        await c.ok(
            "get-schedule",
            {
                "body": {
                    "schedules": ["alex@contoso.sandbox", "adams@contoso.sandbox", "nobody@contoso.sandbox"],
                    "startTime": f"{wednesday}T08:00",
                    "endTime": f"{wednesday}T10:00",
                    "timeZone": "Pacific Standard Time",
                    "availabilityViewInterval": 30,
                }
            },
        )
    )["value"]
    assert schedule[0]["availabilityView"] == "3330"  # Alex: dentist (out of office) 08:00-09:30
    assert schedule[1]["scheduleId"] == "adams@contoso.sandbox" and "availabilityView" in schedule[1]
    assert schedule[2]["error"]["responseCode"] == "ErrorMailRecipientNotFound"
    found = await c.ok(
        "find-meeting-times",
        {
            "timezone": "Pacific Standard Time",
            "body": {
                "attendees": ["alex@contoso.sandbox", "megan@contoso.sandbox"],
                "start": f"{wednesday}T08:00",
                "end": f"{wednesday}T12:00",
                "timeZone": "Pacific Standard Time",
                "meetingDuration": 60,
                "maxCandidates": 3,
            },
        },
    )
    # Alex is out until 09:30 and Adele has a customer call 10:30-11:15: one hour fits only at 09:30.
    slots = [s["meetingTimeSlot"]["start"]["dateTime"] for s in found["meetingTimeSuggestions"]]
    assert slots == [f"{wednesday}T09:30:00.0000000"]
    availability = found["meetingTimeSuggestions"][0]["attendeeAvailability"]
    assert {a["attendee"]["emailAddress"]["address"]: a["availability"] for a in availability} == {
        "alex@contoso.sandbox": "free",
        "megan@contoso.sandbox": "free",
    }

    # rooms
    building = await c.ok("get-room-list", {"placeId": "bldg1@contoso.sandbox"})
    rooms = (await c.ok("list-room-list-rooms", {"placeId": building["id"]}))["value"]
    assert {r["displayName"] for r in rooms} == {"Conf Room Adams", "Conf Room Baker", "Conf Room Crystal"}
    room = await c.ok("get-room-list-room", {"placeId": building["id"], "roomId": "baker@contoso.sandbox"})
    assert room["capacity"] == 12
    assert (await c.ok("get-room", {"placeId": room["id"]}))["emailAddress"] == "baker@contoso.sandbox"
    patched = await c.ok("update-place", {"placeId": room["id"], "body": {"capacity": 14, "tags": ["Video"]}})
    assert patched["capacity"] == 14 and patched["tags"] == ["Video"]

    assert c.called == {spec.name for spec in TOOLS}


async def test_graph_errors_come_back_as_tool_errors(client: Any) -> None:
    c = Caller(client)
    denied = await c.error("list-shared-calendar-events", {"userId": "support@contoso.sandbox"})
    assert "ErrorAccessDenied" in denied
    missing = await c.error("get-calendar-event", {"eventId": "no-such-event"})
    assert "ErrorItemNotFound" in missing
    own = await c.error("accept-calendar-event", {"eventId": ENCODED_EVENT_ID})
    assert "organized" in own
    wrong_kind = await c.error("get-room", {"placeId": "bldg1@contoso.sandbox"})
    assert "ErrorItemNotFound" in wrong_kind
    backwards = await c.error("get-calendar-view", {"startDateTime": "2026-11-27", "endDateTime": "2026-11-26"})
    assert "endDateTime" in backwards
    zone = await c.error("get-calendar-event", {"eventId": ENCODED_EVENT_ID, "timezone": "Middle/Earth"})
    assert "timezone" in zone and "unknown time zone" in zone


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {**os.environ, "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--preset", "calendar"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "get-calendar-view" in names and "get-schedule" not in names  # org-only without --org-mode
        result = await client.call_tool("list-calendars", {})
        assert result.is_error is False
        assert any(c["name"] == "Calendar" for c in result.structured_content["value"])


async def test_decline_or_tentative_may_propose_a_new_time(client: Any) -> None:
    """Graph takes proposedNewTime on decline/tentativelyAccept only, and only with sendResponse true."""
    c = Caller(client)
    planning = await c.ok("get-calendar-event", {"eventId": ENCODED_EVENT_ID})
    start, end = _week(planning["start"]["dateTime"])
    view = (await c.ok("get-calendar-view", {"startDateTime": start, "endDateTime": end, "top": 100}))["value"]
    walkthrough = next(e for e in view if e["subject"] == "Venue walkthrough")
    proposal = {"start": f"{end}T10:00", "end": f"{end}T11:00", "timeZone": "Europe/Berlin"}
    ok = await c.ok(
        "tentatively-accept-calendar-event",
        {"eventId": walkthrough["id"], "body": {"comment": "Later?", "proposedNewTime": proposal}},
    )
    assert ok == {"ok": True, "status": 202}
    silent = await c.error(
        "decline-calendar-event",
        {"eventId": walkthrough["id"], "body": {"sendResponse": False, "proposedNewTime": proposal}},
    )
    assert "body.sendResponse" in silent
    backwards = await c.error(
        "decline-calendar-event",
        {"eventId": walkthrough["id"], "body": {"proposedNewTime": {"start": f"{end}T11:00", "end": f"{end}T10:00"}}},
    )
    assert "body.proposedNewTime.end" in backwards
    # accept has no proposedNewTime in Graph; the sandbox refuses it the way Graph refuses unknown properties
    refused = await c.error(
        "accept-calendar-event",
        {"eventId": walkthrough["id"], "body": {"proposedNewTime": {"start": {}, "end": {}}}},
    )
    assert "proposedNewTime" in refused
