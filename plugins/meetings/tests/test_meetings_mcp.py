"""Every meetings tool through the MCP SDK's own client against the sandbox tenant."""

from __future__ import annotations

import base64
import os
import sys
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_meetings.seed import LAUNCH_SUBJECT, RECORDING_BYTES, WEBINAR_TITLE
from ms365mcp_meetings.tools import TOOLS

from ms365mcp.runtime import build_runtime
from ms365mcp.sandbox.tenant import DEFAULT_USERS, SANDBOX_GRAPH_URL, build_tenant
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio
ADELE, DIEGO = DEFAULT_USERS[0], DEFAULT_USERS[3]


def _seeded(pm: Any) -> dict[str, Any]:
    """The data every sandbox tenant starts with (seeding is deterministic)."""
    tenant = build_tenant(pm)
    book = tenant.store["meetings"][tenant.me.id]
    launch = next(m for m in book.meetings.values() if m["subject"] == LAUNCH_SUBJECT)
    call_id = next(iter(book.adhoc_calls))
    adhoc = {"adhocCallId": call_id, "callTranscriptId": book.transcripts[call_id][0]["id"]}
    return {"launch": launch, "webinar": next(iter(tenant.store["meetings.webinars"])), "adhoc": adhoc}


async def _ok(client: Any, called: set[str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    called.add(name)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def test_every_meetings_tool_end_to_end(client: Any, meetings_pm: Any) -> None:
    called: set[str] = set()
    seeded = _seeded(meetings_pm)
    launch_id = seeded["launch"]["id"]
    assert set(launch_id) & set("/+=")  # the id must survive percent-encoding

    found = await _ok(client, called, "list-online-meetings", {"filter": seeded["launch"]["joinWebUrl"]})
    assert [m["id"] for m in found["value"]] == [launch_id]
    join_id = seeded["launch"]["joinMeetingIdSettings"]["joinMeetingId"]
    spaced = " ".join(join_id[i : i + 4] for i in range(0, 12, 4))
    by_number = await _ok(client, called, "list-online-meetings", {"filter": spaced})
    assert [m["subject"] for m in by_number["value"]] == [LAUNCH_SUBJECT]
    meeting = await _ok(client, called, "get-online-meeting", {"onlineMeetingId": launch_id})
    assert meeting["participants"]["organizer"]["upn"] == ADELE.userPrincipalName
    assert {a["upn"] for a in meeting["participants"]["attendees"]} >= {"alex@contoso.sandbox"}

    transcripts = await _ok(client, called, "list-meeting-transcripts", {"onlineMeetingId": launch_id})
    (transcript,) = transcripts["value"]
    assert transcript["meetingId"] == launch_id and transcript["transcriptContentUrl"].endswith("/content")
    detail = await _ok(
        client, called, "get-meeting-transcript", {"onlineMeetingId": launch_id, "callTranscriptId": transcript["id"]}
    )
    assert detail["meetingId"] == launch_id and detail["transcriptContentUrl"].endswith("/content")
    vtt = await _ok(
        client,
        called,
        "get-meeting-transcript-content",
        {"onlineMeetingId": launch_id, "callTranscriptId": transcript["id"]},
    )
    assert vtt["contentType"] == "text/vtt"
    assert vtt["content"].startswith("WEBVTT") and "<v Megan Bowen>" in vtt["content"]

    recordings = await _ok(client, called, "list-meeting-recordings", {"onlineMeetingId": launch_id})
    (recording,) = recordings["value"]
    ids = {"onlineMeetingId": launch_id, "callRecordingId": recording["id"]}
    detail = await _ok(client, called, "get-meeting-recording", ids)
    assert detail["contentCorrelationId"] == recording["contentCorrelationId"]
    video = await _ok(client, called, "get-meeting-recording-content", ids)
    assert video["contentType"] == "video/mp4" and base64.b64decode(video["contentBytes"]) == RECORDING_BYTES

    reports = await _ok(client, called, "list-meeting-attendance-reports", {"onlineMeetingId": launch_id})
    (report,) = reports["value"]
    assert report["totalParticipantCount"] == 4
    ids = {"onlineMeetingId": launch_id, "meetingAttendanceReportId": report["id"]}
    expanded = await _ok(client, called, "get-meeting-attendance-report", {**ids, "expand": "attendanceRecords"})
    assert len(expanded["attendanceRecords"]) == 4
    first = await _ok(client, called, "list-meeting-attendance-records", {**ids, "top": 3})
    assert len(first["value"]) == 3 and first["nextLink"]
    rest = await _ok(client, called, "list-meeting-attendance-records", {**ids, "nextLink": first["nextLink"]})
    everyone = {r["emailAddress"] for r in first["value"] + rest["value"]}
    assert "lidia.holloway@fabrikam.example" in everyone and ADELE.mail in everyone

    # Graph offers getAllTranscripts for ad hoc calls to applications only, so a signed-in user is refused.
    app_only = await client.call_tool(
        "list-adhoc-call-transcripts",
        {"userId": ADELE.id, "startDateTime": "2026-11-01", "endDateTime": "2026-11-30T23:59:59+01:00"},
    )
    assert app_only.is_error and "application permissions" in app_only.content[0].text
    called.add("list-adhoc-call-transcripts")
    spoken = await _ok(client, called, "get-adhoc-call-transcript-content", seeded["adhoc"])
    assert f"<v {DIEGO.displayName}>" in spoken["content"]

    webinar = await _ok(client, called, "get-virtual-event-webinar", {"virtualEventWebinarId": seeded["webinar"]})
    assert webinar["displayName"] == WEBINAR_TITLE and webinar["status"] == "published"
    sessions = await _ok(client, called, "list-webinar-sessions", {"virtualEventWebinarId": seeded["webinar"]})
    assert [s["subject"] for s in sessions["value"]] == ["Live product tour", "Ask the product team"]
    assert all(s["joinWebUrl"].startswith("https://teams.microsoft.com/") for s in sessions["value"])

    created = await _ok(
        client,
        called,
        "create-online-meeting",
        {
            "body": {
                "subject": "Vendor check-in",
                "startDateTime": "2026-12-02T10:00:00+01:00",
                "endDateTime": "2026-12-02T10:30:00+01:00",
                "participants": "megan@contoso.sandbox, partner@fabrikam.example",
            }
        },
    )
    assert created["startDateTime"].startswith("2026-12-02T09:00:00")
    people = {a["upn"]: a["identity"]["user"] for a in created["participants"]["attendees"]}
    assert people["megan@contoso.sandbox"]["displayName"] == "Megan Bowen"
    again = await _ok(client, called, "list-online-meetings", {"filter": created["joinWebUrl"]})
    assert [m["id"] for m in again["value"]] == [created["id"]]
    updated = await _ok(
        client,
        called,
        "update-online-meeting",
        {
            "onlineMeetingId": created["id"],
            "body": {"subject": "Vendor check-in (moved)", "allowedPresenters": "organizer"},
        },
    )
    assert updated["subject"] == "Vendor check-in (moved)" and updated["allowedPresenters"] == "organizer"
    assert (await _ok(client, called, "delete-online-meeting", {"onlineMeetingId": created["id"]}))["ok"] is True
    gone = await client.call_tool("get-online-meeting", {"onlineMeetingId": created["id"]})
    assert gone.is_error and "NotFound" in gone.content[0].text
    assert called == {spec.name for spec in TOOLS}


async def test_errors_name_the_problem(client: Any, meetings_pm: Any) -> None:
    launch_id = _seeded(meetings_pm)["launch"]["id"]
    unfiltered = await client.call_tool("list-online-meetings", {})
    assert unfiltered.is_error and "filter" in unfiltered.content[0].text
    odd = await client.call_tool("list-online-meetings", {"filter": "subject eq 'x'"})
    assert odd.is_error and "JoinWebUrl" in odd.content[0].text
    missing = await client.call_tool("list-meeting-transcripts", {"onlineMeetingId": "not-a-meeting"})
    assert missing.is_error and "NotFound" in missing.content[0].text
    no_report = await client.call_tool(
        "list-meeting-attendance-records", {"onlineMeetingId": launch_id, "meetingAttendanceReportId": "nope"}
    )
    assert no_report.is_error and "attendance report" in no_report.content[0].text
    bad_time = await client.call_tool(
        "list-adhoc-call-transcripts", {"userId": ADELE.id, "startDateTime": "soon", "endDateTime": "2026-12-01"}
    )
    assert bad_time.is_error and "startDateTime" in bad_time.content[0].text
    one_time = await client.call_tool(
        "update-online-meeting", {"onlineMeetingId": launch_id, "body": {"endDateTime": "2026-11-09T17:00:00Z"}}
    )
    assert one_time.is_error and "body.startDateTime" in one_time.content[0].text
    backwards = await client.call_tool(
        "create-online-meeting",
        {"body": {"startDateTime": "2026-12-02T10:00:00Z", "endDateTime": "2026-12-02T09:00:00Z"}},
    )
    assert backwards.is_error and "body.endDateTime" in backwards.content[0].text
    unknown_field = await client.call_tool("create-online-meeting", {"body": {"subject": "x", "location": "Room 1"}})
    assert unknown_field.is_error and "location" in unknown_field.content[0].text
    presenters = await client.call_tool(
        "update-online-meeting", {"onlineMeetingId": launch_id, "body": {"allowedPresenters": "nobody"}}
    )
    assert presenters.is_error and "nobody" in presenters.content[0].text
    webinar = await client.call_tool("get-virtual-event-webinar", {"virtualEventWebinarId": "nope@x"})
    assert webinar.is_error and "NotFound" in webinar.content[0].text


async def test_tools_are_hidden_without_org_mode(meetings_pm: Any, tmp_path: Any) -> None:
    runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path), meetings_pm)
    try:
        async with Client(build_server(runtime)) as c:
            names = {t.name for t in (await c.list_tools()).tools}
    finally:
        await runtime.aclose()
    assert names and not names & {spec.name for spec in TOOLS}


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--org-mode", "--preset", "meetings"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {spec.name for spec in TOOLS} <= names
        result = await client.call_tool("list-online-meetings", {"filter": "2584 9317 6402"})
        assert result.is_error is False and result.structured_content["value"] == []


@pytest.fixture
async def graph(meetings_pm: Any) -> Any:
    """Raw HTTP against the sandbox, for what the tools' own checks would stop before Graph sees it."""
    tenant = build_tenant(meetings_pm)
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, headers=headers) as http:
        yield http


async def test_sandbox_refuses_what_graph_refuses(graph: Any, meetings_pm: Any) -> None:
    seeded = _seeded(meetings_pm)
    meeting = "/v1.0/me/onlineMeetings/" + quote(seeded["launch"]["id"], safe="")
    # videoTeleconferenceId is an app-only filter on /communications/onlineMeetings, not on /me.
    vtc = await graph.get("/v1.0/me/onlineMeetings", params={"$filter": "videoTeleconferenceId eq '123'"})
    assert vtc.status_code == 400 and "JoinWebUrl" in vtc.json()["error"]["message"]
    # Listing transcripts or recordings, getting a recording or a webinar: no OData options documented.
    for path, option in (
        (meeting + "/transcripts", "$top"),
        (meeting + "/recordings", "$select"),
        ("/v1.0/solutions/virtualEvents/webinars/" + quote(seeded["webinar"], safe=""), "$select"),
    ):
        refused = await graph.get(path, params={option: "1"})
        assert refused.status_code == 400 and option in refused.json()["error"]["message"], path
    assert (await graph.get(meeting + "/transcripts")).status_code == 200
    # Moving a meeting needs both times; the organizer is fixed.
    moved = await graph.patch(meeting, json={"startDateTime": "2026-11-09T16:30:00Z"})
    assert moved.status_code == 400 and "both startDateTime and endDateTime" in moved.json()["error"]["message"]
    organizer = await graph.patch(meeting, json={"participants": {"organizer": {"upn": "alex@contoso.sandbox"}}})
    assert organizer.status_code == 400 and "organizer" in organizer.json()["error"]["message"]
    both = await graph.patch(
        meeting, json={"startDateTime": "2026-11-09T16:30:00Z", "endDateTime": "2026-11-09T17:00Z"}
    )
    assert both.status_code == 200 and both.json()["startDateTime"].startswith("2026-11-09T16:30:00")
    adhoc = (
        "/v1.0/me/adhocCalls/getAllTranscripts(userId='x',"
        "startDateTime=2026-11-01T00:00:00Z,endDateTime=2026-12-01T00:00:00Z)"
    )
    refused = await graph.get(adhoc)
    assert refused.status_code == 403 and "application permissions" in refused.json()["error"]["message"]
