"""The Teams meetings tools as data: online meetings, their transcripts, recordings and attendance,
ad hoc call transcripts and virtual event webinars.

All of them need a work or school account (Graph offers none of these to personal accounts), so
each is ``org_only``. The ``prepare`` steps accept what people naturally give: a join link or a
meeting ID instead of an OData filter, plain attendee addresses, and dates without a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, body_of, email_address

#: Presets from the endpoint table, plus this plugin's own ``meetings`` preset.
PRESETS = frozenset({"teams", "work", "meetings"})
LIST_QUERY = frozenset({"top", "select"})
GET_QUERY = frozenset({"select"})
# Graph documents no OData options for listing transcripts or recordings, for getting a recording or for
# getting a webinar, so those tools offer none and send no default $select.

REPORT_SELECT = ("id", "totalParticipantCount", "meetingStartDateTime", "meetingEndDateTime")
RECORD_SELECT = ("id", "emailAddress", "identity", "role", "totalAttendanceInSeconds")
SESSION_SELECT = ("id", "subject", "startDateTime", "endDateTime", "joinWebUrl")

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MEETING_NUMBER = re.compile(r"^[\d ]{6,}$")


def parse_moment(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time (or a bare date, read as midnight) in UTC; no offset means UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(field, "expected an ISO 8601 date-time such as 2026-03-01T09:00:00Z")
    text = value.strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ToolInputError(field, f"{text!r} is not an ISO 8601 date-time; use e.g. 2026-03-01T09:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _window(values: dict[str, Any], prefix: str = "") -> None:
    """Normalise ``startDateTime``/``endDateTime`` in place to UTC and check their order."""
    moments: dict[str, datetime] = {}
    for name in ("startDateTime", "endDateTime"):
        if values.get(name) is not None:
            moments[name] = parse_moment(values[name], prefix + name)
            values[name] = _utc_text(moments[name])
    if len(moments) == 2 and moments["endDateTime"] <= moments["startDateTime"]:
        raise ToolInputError(prefix + "endDateTime", f"must be after startDateTime ({values['startDateTime']})")


def prepare_find_meeting(args: dict[str, Any]) -> None:
    """Graph only finds meetings by filter; a bare join link or meeting ID becomes that filter."""
    text = args.get("filter")
    if not isinstance(text, str) or not text.strip():
        raise ToolInputError("filter", "required: a Teams join link, a meeting ID, or JoinWebUrl eq '<link>'")
    text = text.strip()
    if text.lower().startswith(("https://", "http://")):
        args["filter"] = "JoinWebUrl eq '{}'".format(text.replace("'", "''"))
    elif _MEETING_NUMBER.match(text):
        args["filter"] = "joinMeetingIdSettings/joinMeetingId eq '{}'".format(text.replace(" ", ""))


def _participant(value: Any, field: str) -> dict[str, Any]:
    if isinstance(value, dict) and ("upn" in value or "identity" in value):
        return value
    return {"upn": email_address(value, field)["address"], "role": "attendee"}


def _participants(body: dict[str, Any]) -> None:
    """``participants`` may be addresses; Graph wants ``{"attendees": [{"upn": ...}]}``."""
    value = body.get("participants")
    if value is None:
        return
    if isinstance(value, dict):
        attendees = value.get("attendees")
        if attendees is not None:
            field = "body.participants.attendees"
            value["attendees"] = [
                _participant(a, f"{field}[{i}]") for i, a in enumerate(address_list(attendees, field))
            ]
        return
    field = "body.participants"
    body["participants"] = {
        "attendees": [_participant(a, f"{field}[{i}]") for i, a in enumerate(address_list(value, field))]
    }


def prepare_meeting(args: dict[str, Any]) -> None:
    """Times in UTC and in order; attendees from plain addresses."""
    body = body_of(args)
    subject = body.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise ToolInputError("body.subject", "expected text")
    _window(body, "body.")
    _participants(body)


def prepare_update_meeting(args: dict[str, Any]) -> None:
    """An update must change something; Graph moves a meeting only when given both times, and never its organizer."""
    body = body_of(args, required=True)
    if not body:
        raise ToolInputError("body", "give at least one field to change, e.g. subject or endDateTime")
    times = [name for name in ("startDateTime", "endDateTime") if body.get(name) is not None]
    if len(times) == 1:
        other = "endDateTime" if times == ["startDateTime"] else "startDateTime"
        raise ToolInputError("body." + other, "Graph needs both startDateTime and endDateTime to move a meeting")
    participants = body.get("participants")
    if isinstance(participants, dict) and "organizer" in participants:
        raise ToolInputError("body.participants.organizer", "the organizer can't be changed; only attendees can")
    prepare_meeting(args)


def prepare_adhoc_window(args: dict[str, Any]) -> None:
    """The function takes DateTimeOffset literals: check both and write them as UTC ``...Z``."""
    for name in ("startDateTime", "endDateTime"):
        if name not in args:
            raise ToolInputError(name, "required; an ISO 8601 date-time such as 2026-03-01T00:00:00Z")
    user_id = args.get("userId")
    if not isinstance(user_id, str) or not user_id.strip():
        raise ToolInputError("userId", "required: the organizer's user id (a GUID)")
    args["userId"] = user_id.strip()
    _window(args)


_STR: dict[str, Any] = {"type": "string"}
MEETING_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "subject": _STR,
        "startDateTime": _STR,
        "endDateTime": _STR,
        "participants": {"type": ["array", "string", "object"]},
        "allowedPresenters": _STR,
        "lobbyBypassSettings": {"type": "object"},
        "recordAutomatically": {"type": "boolean"},
    },
}

_MEETING = "/me/onlineMeetings/{onlineMeetingId}"
_TRANSCRIPT = _MEETING + "/transcripts/{callTranscriptId}"
_RECORDING = _MEETING + "/recordings/{callRecordingId}"
_REPORT = _MEETING + "/attendanceReports/{meetingAttendanceReportId}"
_WEBINAR = "/solutions/virtualEvents/webinars/{virtualEventWebinarId}"
_ADHOC_ALL = (
    "/me/adhocCalls/getAllTranscripts(userId='{userId}',startDateTime={startDateTime},endDateTime={endDateTime})"
)


_tool = tool_maker(presets=PRESETS, org_only=True)


_READ = "OnlineMeetings.Read"
_WRITE = "OnlineMeetings.ReadWrite"
_TRANSCRIPTS = "OnlineMeetingTranscript.Read.All"
_RECORDINGS = "OnlineMeetingRecording.Read.All"
_ARTIFACTS = "OnlineMeetingArtifact.Read.All"
_CALLS = "CallTranscripts.Read.All"
_EVENTS = "VirtualEvent.Read"
_VTT = "text/vtt"

TOOLS: tuple[ToolSpec, ...] = (
    _tool(
        "list-online-meetings",
        "GET",
        "/me/onlineMeetings",
        "Find your Teams meetings by filter: a join link, a meeting ID, or JoinWebUrl eq '...'.",
        _READ,
        query={"filter"},
        prepare=prepare_find_meeting,
    ),
    _tool(
        "get-online-meeting", "GET", _MEETING, "Get an online meeting with its join details.", _READ, query=GET_QUERY
    ),
    _tool(
        "create-online-meeting",
        "POST",
        "/me/onlineMeetings",
        "Create a Teams meeting link (not a calendar event); participants may be e-mail addresses.",
        _WRITE,
        body=MEETING_BODY,
        body_required=False,
        prepare=prepare_meeting,
    ),
    _tool(
        "update-online-meeting",
        "PATCH",
        _MEETING,
        "Change an online meeting; send only what changes, both times to move it, all attendees to change them.",
        _WRITE,
        body=MEETING_BODY,
        prepare=prepare_update_meeting,
    ),
    _tool("delete-online-meeting", "DELETE", _MEETING, "Delete an online meeting.", _WRITE),
    _tool(
        "list-meeting-transcripts",
        "GET",
        _MEETING + "/transcripts",
        "List the transcripts of an online meeting.",
        _TRANSCRIPTS,
    ),
    _tool("get-meeting-transcript", "GET", _TRANSCRIPT, "Get a transcript's details.", _TRANSCRIPTS, query=GET_QUERY),
    _tool(
        "get-meeting-transcript-content",
        "GET",
        _TRANSCRIPT + "/content",
        "Get a transcript's text as WebVTT with speaker names.",
        _TRANSCRIPTS,
        accept=_VTT,
    ),
    _tool(
        "list-adhoc-call-transcripts",
        "GET",
        _ADHOC_ALL,
        "List ad hoc call transcripts a user started in a UTC window. Graph allows this only with application"
        " permissions, so a signed-in user is refused.",
        _CALLS,
        query={"top"},
        literal_params={"userId", "startDateTime", "endDateTime"},
        prepare=prepare_adhoc_window,
    ),
    _tool(
        "get-adhoc-call-transcript-content",
        "GET",
        "/me/adhocCalls/{adhocCallId}/transcripts/{callTranscriptId}/content",
        "Get an ad hoc call transcript's text as WebVTT; adhocCallId is the transcript's callId.",
        _CALLS,
        accept=_VTT,
    ),
    _tool(
        "list-meeting-recordings",
        "GET",
        _MEETING + "/recordings",
        "List the recordings of an online meeting.",
        _RECORDINGS,
    ),
    _tool("get-meeting-recording", "GET", _RECORDING, "Get a recording's details.", _RECORDINGS),
    _tool(
        "get-meeting-recording-content",
        "GET",
        _RECORDING + "/content",
        "Download a recording's video (base64, small files only).",
        _RECORDINGS,
    ),
    _tool(
        "list-meeting-attendance-reports",
        "GET",
        _MEETING + "/attendanceReports",
        "List attendance reports, one per time the meeting ran.",
        _ARTIFACTS,
        query=LIST_QUERY,
        default_select=REPORT_SELECT,
    ),
    _tool(
        "get-meeting-attendance-report",
        "GET",
        _REPORT,
        "Get an attendance report; expand=attendanceRecords adds who attended.",
        _ARTIFACTS,
        query={"select", "expand"},
    ),
    _tool(
        "list-meeting-attendance-records",
        "GET",
        _REPORT + "/attendanceRecords",
        "List who attended, with join and leave times.",
        _ARTIFACTS,
        query=LIST_QUERY,
        default_select=RECORD_SELECT,
    ),
    _tool("get-virtual-event-webinar", "GET", _WEBINAR, "Get a Teams webinar.", _EVENTS),
    _tool(
        "list-webinar-sessions",
        "GET",
        _WEBINAR + "/sessions",
        "List the sessions of a webinar with their join links.",
        _EVENTS,
        query=LIST_QUERY,
        default_select=SESSION_SELECT,
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every meetings tool to the core."""
    for spec in TOOLS:
        register(spec)
