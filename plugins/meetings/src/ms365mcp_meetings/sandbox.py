"""The sandbox's Teams meetings routes: online meetings, transcripts (WebVTT), recordings (video bytes),
attendance, ad hoc call transcripts and virtual event webinars, answered the way Graph answers them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, odata_context, option, select_fields, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant
from ms365mcp_meetings.seed import (
    RECORDING_BYTES,
    MeetingBook,
    attendees,
    new_book,
    parse_utc,
    seed_books,
    seed_webinars,
    stamp,
)

STORE_KEY = "meetings"
WEBINARS_KEY = "meetings.webinars"
SESSIONS_KEY = "meetings.webinarSessions"
MEETING_FIELDS = frozenset(
    {
        "subject",
        "startDateTime",
        "endDateTime",
        "participants",
        "allowedPresenters",
        "lobbyBypassSettings",
        "recordAutomatically",
        "isEntryExitAnnounced",
        "allowMeetingChat",
        "allowTeamworkReactions",
        "allowAttendeeToEnableCamera",
        "allowAttendeeToEnableMic",
        "externalId",
        "chatInfo",
        "joinMeetingIdSettings",
    }
)
PRESENTERS = frozenset({"everyone", "organization", "roleIsPresenter", "organizer"})
# ``/me/onlineMeetings`` finds meetings by join link or meeting ID only; videoTeleconferenceId is an
# app-only filter on ``/communications/onlineMeetings``.
_FILTER = re.compile(
    r"^\s*(JoinWebUrl|joinMeetingIdSettings/joinMeetingId)\s+eq\s+'((?:[^']|'')*)'\s*$",
    re.IGNORECASE,
)
_FILTER_FIELDS = {
    "joinweburl": ("joinWebUrl",),
    "joinmeetingidsettings/joinmeetingid": ("joinMeetingIdSettings", "joinMeetingId"),
}


# --- helpers --------------------------------------------------------------------------------------


def _book(request: SandboxRequest) -> MeetingBook:
    books: dict[str, MeetingBook] = request.tenant.store[STORE_KEY]
    if request.user.id not in books:
        books[request.user.id] = new_book(request.user)
    return books[request.user.id]


def _meeting(request: SandboxRequest) -> dict[str, Any]:
    found = _book(request).meetings.get(request.params["onlineMeetingId"])
    if found is None:
        raise GraphError(404, "NotFound", "The online meeting was not found or you are not its organizer.")
    return found


def _child(items: list[dict[str, Any]], item_id: str, kind: str) -> dict[str, Any]:
    for item in items:
        if item["id"] == item_id:
            return item
    raise GraphError(404, "NotFound", f"The {kind} was not found.")


def _with_link(request: SandboxRequest, item: dict[str, Any], field: str) -> dict[str, Any]:
    """An artifact points at its content, below the request's own path."""
    return {**item, field: f"{request.base_url}{request.raw_path}/content"}


def _no_query_options(request: SandboxRequest) -> None:
    """Graph documents no OData options for this request; refuse any rather than pretend to apply them."""
    used = sorted(name for name in request.query if name.lstrip("$") in _ODATA_OPTIONS)
    if used:
        raise GraphError(400, "BadRequest", f"Query option '{used[0]}' is not supported for this request.")


_ODATA_OPTIONS = frozenset({"select", "top", "skip", "filter", "orderby", "expand", "count", "search"})


def _under(request: SandboxRequest, item: dict[str, Any], field: str) -> dict[str, Any]:
    """An artifact listed by the request's collection, linked to its own content."""
    return {**item, field: f"{request.base_url}{request.raw_path}/{quote(item['id'], safe='')}/content"}


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise GraphError(400, "BadRequest", f"The value of '{name}' is not a valid DateTimeOffset.")
    try:
        return parse_utc(value)
    except ValueError:
        raise GraphError(400, "BadRequest", f"The value '{value}' of '{name}' is not a valid DateTimeOffset.") from None


def _check_meeting(request: SandboxRequest, current: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json_object(request)
    refuse_unknown(body, MEETING_FIELDS, "onlineMeeting")
    fields = {k: v for k, v in body.items() if k != "@odata.type"}
    times = {n: _parse_time(fields[n], n) for n in ("startDateTime", "endDateTime") if n in fields}
    for name, moment in times.items():
        fields[name] = stamp(moment)
    start = times.get("startDateTime") or (parse_utc(current["startDateTime"]) if current else None)
    end = times.get("endDateTime") or (parse_utc(current["endDateTime"]) if current else None)
    if current is not None and len(times) == 1:
        raise GraphError(400, "BadRequest", "Changing a meeting's time needs both startDateTime and endDateTime.")
    if start and end and end <= start:
        raise GraphError(400, "BadRequest", "The meeting's endDateTime must be later than its startDateTime.")
    if "allowedPresenters" in fields and fields["allowedPresenters"] not in PRESENTERS:
        raise GraphError(
            400,
            "BadRequest",
            f"Requested value '{fields['allowedPresenters']}' was not found for 'onlineMeetingPresenters'.",
        )
    participants = fields.get("participants")
    if current is not None and isinstance(participants, dict) and "organizer" in participants:
        raise GraphError(400, "BadRequest", "The organizer of an online meeting can't be changed.")
    if participants is not None:
        people = participants.get("attendees") if isinstance(participants, dict) else None
        if not isinstance(people, list) or not all(
            isinstance(p, dict) and (isinstance(p.get("upn"), str) or isinstance(p.get("identity"), dict))
            for p in people
        ):
            raise GraphError(
                400,
                "BadRequest",
                "participants must be a meetingParticipants object whose attendees each have a upn or an identity.",
            )
    return fields


# --- online meetings ------------------------------------------------------------------------------


async def find_meetings(request: SandboxRequest) -> Any:
    text = option(request, "filter")
    match = _FILTER.match(text or "")
    if match is None:
        raise GraphError(
            400,
            "BadRequest",
            "Listing online meetings needs $filter on JoinWebUrl or joinMeetingIdSettings/joinMeetingId with 'eq'.",
        )
    keys = _FILTER_FIELDS[match.group(1).lower()]
    wanted = match.group(2).replace("''", "'")

    def value(meeting: dict[str, Any]) -> Any:
        current: Any = meeting
        for key in keys:
            current = current.get(key) if isinstance(current, dict) else None
        return current

    found = [m for m in _book(request).meetings.values() if value(m) == wanted]
    select = option(request, "select")
    return {
        "@odata.context": odata_context(request),
        "value": [select_fields(m, select) for m in found],
    }


async def get_meeting(request: SandboxRequest) -> Any:
    return select_item(request, _meeting(request))


async def create_meeting(request: SandboxRequest) -> Any:
    fields = _check_meeting(request)
    meeting = _book(request).add_meeting(fields, request.tenant, datetime.now(UTC))
    return JSONResponse(select_item(request, meeting), status_code=201)


async def update_meeting(request: SandboxRequest) -> Any:
    meeting = _meeting(request)
    fields = _check_meeting(request, meeting)
    if "participants" in fields:
        meeting["participants"]["attendees"] = attendees(fields.pop("participants"), request.tenant)
    meeting.update(fields)
    return select_item(request, meeting)


async def delete_meeting(request: SandboxRequest) -> None:
    book = _book(request)
    meeting_id = _meeting(request)["id"]
    del book.meetings[meeting_id]
    for report in book.reports.pop(meeting_id, []):
        book.records.pop(report["id"], None)
    for transcript in book.transcripts.pop(meeting_id, []):
        book.vtt.pop(transcript["id"], None)
    book.recordings.pop(meeting_id, None)


# --- transcripts and recordings -------------------------------------------------------------------


def _transcripts(request: SandboxRequest) -> list[dict[str, Any]]:
    return _book(request).transcripts.get(_meeting(request)["id"], [])


async def list_transcripts(request: SandboxRequest) -> Any:
    _no_query_options(request)
    items = [_under(request, t, "transcriptContentUrl") for t in _transcripts(request)]
    return list_page(request, items, search_fields=())


async def get_transcript(request: SandboxRequest) -> Any:
    transcript = _child(_transcripts(request), request.params["callTranscriptId"], "transcript")
    return select_item(request, _with_link(request, transcript, "transcriptContentUrl"))


def _vtt_response(request: SandboxRequest, transcript_id: str) -> Response:
    accept = request.headers.get("accept", "")
    if "wordprocessingml" in accept:
        raise GraphError(400, "BadRequest", "Transcripts are no longer offered as .docx; ask for text/vtt.")
    return Response(_book(request).vtt[transcript_id], media_type="text/vtt")


async def transcript_content(request: SandboxRequest) -> Response:
    transcript = _child(_transcripts(request), request.params["callTranscriptId"], "transcript")
    return _vtt_response(request, transcript["id"])


def _recordings(request: SandboxRequest) -> list[dict[str, Any]]:
    return _book(request).recordings.get(_meeting(request)["id"], [])


async def list_recordings(request: SandboxRequest) -> Any:
    _no_query_options(request)
    items = [_under(request, r, "recordingContentUrl") for r in _recordings(request)]
    return list_page(request, items, search_fields=())


async def get_recording(request: SandboxRequest) -> Any:
    _no_query_options(request)
    recording = _child(_recordings(request), request.params["callRecordingId"], "recording")
    return select_item(request, _with_link(request, recording, "recordingContentUrl"))


async def recording_content(request: SandboxRequest) -> Response:
    _child(_recordings(request), request.params["callRecordingId"], "recording")
    return Response(RECORDING_BYTES, media_type="video/mp4")


# --- attendance -----------------------------------------------------------------------------------


def _report(request: SandboxRequest) -> dict[str, Any]:
    reports = _book(request).reports.get(_meeting(request)["id"], [])
    return _child(reports, request.params["meetingAttendanceReportId"], "attendance report")


async def list_reports(request: SandboxRequest) -> Any:
    reports = _book(request).reports.get(_meeting(request)["id"], [])
    return list_page(request, reports, search_fields=())


async def get_report(request: SandboxRequest) -> Any:
    report = _report(request)
    expand = (option(request, "expand") or "").replace(" ", "")
    if expand and expand.split("(")[0] != "attendanceRecords":
        raise GraphError(400, "BadRequest", f"Could not find a property named '{expand}' on 'meetingAttendanceReport'.")
    if expand:
        report = {**report, "attendanceRecords": _book(request).records[report["id"]]}
    return select_item(request, report)


async def list_records(request: SandboxRequest) -> Any:
    report = _report(request)
    return list_page(request, _book(request).records[report["id"]], search_fields=("emailAddress",))


# --- ad hoc calls ---------------------------------------------------------------------------------


async def adhoc_transcripts(request: SandboxRequest) -> Any:
    """Graph offers getAllTranscripts for ad hoc calls to applications only; every sandbox caller is a user."""
    for name in ("startDateTime", "endDateTime"):
        _parse_time(request.params[name], name)
    raise GraphError(
        403,
        "Forbidden",
        "adhocCalls/getAllTranscripts supports application permissions (CallTranscripts.Read.All) only; "
        "delegated (signed-in user) tokens are not supported.",
    )


async def adhoc_transcript_content(request: SandboxRequest) -> Response:
    book = _book(request)
    call = book.adhoc_calls.get(request.params["adhocCallId"])
    if call is None:
        raise GraphError(404, "NotFound", "The ad hoc call was not found.")
    transcript = _child(book.transcripts.get(call["id"], []), request.params["callTranscriptId"], "transcript")
    return _vtt_response(request, transcript["id"])


# --- virtual events -------------------------------------------------------------------------------


def _webinar(request: SandboxRequest) -> dict[str, Any]:
    found = request.tenant.store[WEBINARS_KEY].get(request.params["virtualEventWebinarId"])
    if found is None:
        raise GraphError(404, "NotFound", "The virtual event webinar was not found.")
    return found


async def get_webinar(request: SandboxRequest) -> Any:
    _no_query_options(request)
    return select_item(request, _webinar(request))


async def list_sessions(request: SandboxRequest) -> Any:
    sessions = request.tenant.store[SESSIONS_KEY].get(_webinar(request)["id"], [])
    return list_page(request, sessions, search_fields=("subject",))


def setup(tenant: SandboxTenant) -> None:
    """Seed the meetings and webinars and serve their routes."""
    tenant.store[STORE_KEY] = seed_books(tenant)
    tenant.store[WEBINARS_KEY], tenant.store[SESSIONS_KEY] = seed_webinars(tenant)
    route = tenant.route
    meeting = "/me/onlineMeetings/{onlineMeetingId}"
    route("GET", "/me/onlineMeetings")(find_meetings)
    route("POST", "/me/onlineMeetings")(create_meeting)
    route("GET", meeting)(get_meeting)
    route("PATCH", meeting)(update_meeting)
    route("DELETE", meeting)(delete_meeting)
    route("GET", meeting + "/transcripts")(list_transcripts)
    route("GET", meeting + "/transcripts/{callTranscriptId}")(get_transcript)
    route("GET", meeting + "/transcripts/{callTranscriptId}/content")(transcript_content)
    route("GET", meeting + "/recordings")(list_recordings)
    route("GET", meeting + "/recordings/{callRecordingId}")(get_recording)
    route("GET", meeting + "/recordings/{callRecordingId}/content")(recording_content)
    route("GET", meeting + "/attendanceReports")(list_reports)
    route("GET", meeting + "/attendanceReports/{meetingAttendanceReportId}")(get_report)
    route("GET", meeting + "/attendanceReports/{meetingAttendanceReportId}/attendanceRecords")(list_records)
    route(
        "GET",
        "/me/adhocCalls/getAllTranscripts(userId='{userId}',startDateTime={startDateTime},endDateTime={endDateTime})",
    )(adhoc_transcripts)
    route("GET", "/me/adhocCalls/{adhocCallId}/transcripts/{callTranscriptId}/content")(adhoc_transcript_content)
    route("GET", "/solutions/virtualEvents/webinars/{virtualEventWebinarId}")(get_webinar)
    route("GET", "/solutions/virtualEvents/webinars/{virtualEventWebinarId}/sessions")(list_sessions)
