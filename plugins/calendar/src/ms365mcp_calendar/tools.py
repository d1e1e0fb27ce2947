"""The calendar tools as data: one ToolSpec per Graph endpoint, plus the input normalisers they share.

Schemas stay small because every byte is paid on every turn. The model may write what people
say ("2026-11-26T10:00" plus a time zone, attendees as plain addresses, a location name) and
``prepare`` turns it into Graph's shapes, checking zones and that things end after they start.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from ms365mcp import ToolSpec, chain, tool_maker
from ms365mcp.catalog.spec import GET_OPTIONS
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, addresses, body_of, email_address, recipients
from ms365mcp_calendar.timezones import as_aware, check_zone, local_text, parse_local, zone_info

CALENDAR = frozenset({"calendar", "outlook", "personal"})
WORK = frozenset({"work"})
PLACES = frozenset({"calendar", "work"})

EVENT_LIST_QUERY = frozenset({"top", "skip", "filter", "orderby", "select", "count", "expand"})
VIEW_QUERY = frozenset({"top", "skip", "filter", "orderby", "select"})
LIST_QUERY = frozenset({"top", "skip", "filter", "orderby", "select"})
GET_QUERY = GET_OPTIONS

EVENT_SELECT = ("id", "subject", "start", "end", "location", "organizer", "isAllDay", "showAs", "type")
CALENDAR_SELECT = ("id", "name", "color", "isDefaultCalendar", "canEdit", "owner")

PERMISSION_ROLES = (
    "none",
    "freeBusyRead",
    "limitedRead",
    "read",
    "write",
    "delegateWithoutPrivateEventAccess",
    "delegateWithPrivateEventAccess",
)

# --- input normalisers ----------------------------------------------------------------------------


def prepare_zone(args: dict[str, Any]) -> None:
    """``timezone`` becomes ``Prefer: outlook.timezone``; a typo is caught here, not by Graph."""
    if args.get("timezone") is not None:
        args["timezone"] = check_zone(args["timezone"], "timezone")


def _zone(args: dict[str, Any]) -> tzinfo | None:
    return zone_info(args["timezone"]) if args.get("timezone") else None


def prepare_window(args: dict[str, Any]) -> None:
    """Check startDateTime < endDateTime; a time without offset is read in ``timezone`` (else UTC)."""
    prepare_zone(args)
    zone = _zone(args)
    moments = {}
    for field in ("startDateTime", "endDateTime"):
        if field not in args:
            continue
        moment = parse_local(args[field], field)
        if moment.tzinfo is None and zone is not None:
            moment = moment.replace(tzinfo=zone)
        args[field] = moment.isoformat(timespec="seconds")
        moments[field] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if len(moments) == 2 and moments["endDateTime"] <= moments["startDateTime"]:
        raise ToolInputError("endDateTime", f"must be after startDateTime ({args['startDateTime']})")


def date_time_zone(value: Any, zone_name: str | None, field: str) -> tuple[dict[str, str], datetime]:
    """A Graph dateTimeTimeZone from a string (plus zone) or an object; also the instant, for comparing."""
    where = field
    if isinstance(value, dict):
        zone_name = check_zone(value.get("timeZone", zone_name or "UTC"), f"{field}.timeZone")
        value, where = value.get("dateTime"), f"{field}.dateTime"
    moment = parse_local(value, where)
    if moment.tzinfo is not None:
        # An explicit offset wins: show it in the requested zone, or in UTC when none was given.
        zone_name = zone_name or "UTC"
        moment = moment.astimezone(zone_info(zone_name))
    zone_name = zone_name or "UTC"
    instant = as_aware(moment, zone_info(zone_name))
    return {"dateTime": local_text(moment), "timeZone": zone_name}, instant


def _pop_zone(container: dict[str, Any], field: str) -> str | None:
    value = container.pop("timeZone", None)
    return None if value is None else check_zone(value, field)


def _window(container: dict[str, Any], start: str, end: str, where: str, zone_name: str | None) -> None:
    instants: dict[str, datetime] = {}
    for key in (start, end):
        if container.get(key) is not None:
            container[key], instants[key] = date_time_zone(container[key], zone_name, f"{where}.{key}")
    if len(instants) == 2 and instants[end] <= instants[start]:
        raise ToolInputError(f"{where}.{end}", f"must be after {where}.{start}")


def attendees(value: Any, field: str) -> list[dict[str, Any]]:
    """Graph attendees; each may be a plain address (required) or an object with ``type``."""
    result = []
    for i, entry in enumerate(address_list(value, field)):
        kind = entry.get("type", "required") if isinstance(entry, dict) else "required"
        if kind not in ("required", "optional", "resource"):
            raise ToolInputError(f"{field}[{i}].type", "expected required, optional or resource")
        result.append({"type": kind, "emailAddress": email_address(entry, f"{field}[{i}]")})
    return result


_RECURRENCE_SHORTCUTS: dict[str, dict[str, Any]] = {
    "daily": {"type": "daily", "interval": 1},
    "weekdays": {
        "type": "weekly",
        "interval": 1,
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    },
    "weekly": {"type": "weekly", "interval": 1},
    "monthly": {"type": "absoluteMonthly", "interval": 1},
    "yearly": {"type": "absoluteYearly", "interval": 1},
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _recurrence(value: Any, start: dict[str, str] | None) -> dict[str, Any]:
    """A patternedRecurrence; a shortcut word ("weekly") is expanded from the start date."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key not in _RECURRENCE_SHORTCUTS:
            raise ToolInputError("body.recurrence", f"expected one of {', '.join(_RECURRENCE_SHORTCUTS)} or an object")
        value = {"pattern": dict(_RECURRENCE_SHORTCUTS[key])}
    if not isinstance(value, dict) or not isinstance(value.get("pattern"), dict):
        raise ToolInputError("body.recurrence", 'expected {"pattern": {...}, "range": {...}} or a word like weekly')
    pattern = value["pattern"]
    first = parse_local(start["dateTime"], "body.start") if start else None
    if first is not None:
        if pattern.get("type") == "weekly" and not pattern.get("daysOfWeek"):
            pattern["daysOfWeek"] = [_WEEKDAYS[first.weekday()]]
        if pattern.get("type") == "absoluteMonthly":
            pattern.setdefault("dayOfMonth", first.day)
        if pattern.get("type") == "absoluteYearly":
            pattern.setdefault("dayOfMonth", first.day)
            pattern.setdefault("month", first.month)
    rng = value.get("range")
    if rng is None:
        if first is None:
            raise ToolInputError("body.recurrence.range", "required when start is not given")
        value["range"] = {"type": "noEnd", "startDate": first.date().isoformat()}
    return value


def _event(body: dict[str, Any], *, create: bool) -> None:
    zone_name = _pop_zone(body, "body.timeZone")
    if create:
        for key in ("start", "end"):
            if body.get(key) is None:
                raise ToolInputError(f"body.{key}", 'required; e.g. "2026-11-26T10:00" with body.timeZone')
    _window(body, "start", "end", "body", zone_name)
    if "attendees" in body:
        body["attendees"] = attendees(body["attendees"], "body.attendees")
    location = body.get("location")
    if isinstance(location, str):
        body["location"] = {"displayName": location}
    text = body.get("body")
    if isinstance(text, str):
        body["body"] = {"contentType": "HTML" if text.lstrip().startswith("<") else "Text", "content": text}
    if isinstance(body.get("categories"), str):
        body["categories"] = [c.strip() for c in body["categories"].split(",") if c.strip()]
    if body.get("recurrence") is not None:
        body["recurrence"] = _recurrence(body["recurrence"], body.get("start"))
    if body.get("isOnlineMeeting"):
        body.setdefault("onlineMeetingProvider", "teamsForBusiness")


def prepare_create_event(args: dict[str, Any]) -> None:
    """A new event needs start and end; friendly fields become Graph's shapes."""
    _event(body_of(args), create=True)


def prepare_update_event(args: dict[str, Any]) -> None:
    """An update sends only what changes; the same friendly fields are accepted."""
    _event(body_of(args), create=False)


def prepare_response(args: dict[str, Any]) -> None:
    """decline / tentativelyAccept: ``proposedNewTime`` as {start, end} strings (+ ``timeZone``) becomes a timeSlot.

    Graph refuses a proposal that is not sent to the organizer, so that is caught here.
    """
    body = body_of(args)
    zone_name = _pop_zone(body, "body.timeZone")
    slot = body.get("proposedNewTime")
    if slot is None:
        return
    if not isinstance(slot, dict) or slot.get("start") is None or slot.get("end") is None:
        raise ToolInputError("body.proposedNewTime", 'expected {"start": "2026-11-26T10:00", "end": "..."}')
    if body.get("sendResponse") is False:
        raise ToolInputError("body.sendResponse", "must be true (or left out) when proposing a new time")
    _window(slot, "start", "end", "body.proposedNewTime", zone_name)
    body["proposedNewTime"] = {"start": slot["start"], "end": slot["end"]}


def prepare_forward(args: dict[str, Any]) -> None:
    """Forwarding needs somebody to forward to."""
    body = body_of(args)
    if not body.get("toRecipients"):
        raise ToolInputError("body.toRecipients", "give at least one e-mail address")
    body["toRecipients"] = recipients(body["toRecipients"], "body.toRecipients")


def prepare_snooze(args: dict[str, Any]) -> None:
    """``newReminderTime`` as "2026-11-26T09:45" plus an optional ``timeZone``."""
    body = body_of(args)
    zone_name = _pop_zone(body, "body.timeZone")
    if body.get("newReminderTime") is None:
        raise ToolInputError("body.newReminderTime", 'required; e.g. "2026-11-26T09:45"')
    body["newReminderTime"], _ = date_time_zone(body["newReminderTime"], zone_name, "body.newReminderTime")


def prepare_schedule(args: dict[str, Any]) -> None:
    """getSchedule: addresses as a list or comma string; times as strings plus ``timeZone``."""
    body = body_of(args)
    zone_name = _pop_zone(body, "body.timeZone")
    schedules = addresses(body.get("schedules", []), "body.schedules")
    if not schedules:
        raise ToolInputError("body.schedules", "give at least one e-mail address")
    body["schedules"] = schedules
    for key in ("startTime", "endTime"):
        if body.get(key) is None:
            raise ToolInputError(f"body.{key}", 'required; e.g. "2026-11-26T08:00"')
    _window(body, "startTime", "endTime", "body", zone_name)


def _duration(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        hours, minutes = divmod(value, 60)
        return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if isinstance(value, str) and value.upper().startswith("PT"):
        return value.upper()
    raise ToolInputError("body.meetingDuration", 'expected minutes (30) or an ISO duration ("PT1H")')


def prepare_find_meeting_times(args: dict[str, Any]) -> None:
    """Attendees as addresses; a window as ``start``/``end`` (+ ``timeZone``); duration in minutes."""
    body = body_of(args)
    zone_name = _pop_zone(body, "body.timeZone")
    if "attendees" in body:
        body["attendees"] = attendees(body["attendees"], "body.attendees")
    if "start" in body or "end" in body:
        for key in ("start", "end"):
            if body.get(key) is None:
                raise ToolInputError(f"body.{key}", "give both start and end of the search window")
        _window(body, "start", "end", "body", zone_name)
        slot = {"start": body.pop("start"), "end": body.pop("end")}
        body["timeConstraint"] = {"activityDomain": "work", "timeSlots": [slot]}
    if "meetingDuration" in body:
        body["meetingDuration"] = _duration(body["meetingDuration"])


def prepare_permission(args: dict[str, Any]) -> None:
    """A share: the person as a plain address and a role from Graph's list (any case)."""
    body = body_of(args)
    if "emailAddress" in body:
        body["emailAddress"] = email_address(body["emailAddress"], "body.emailAddress")
    if "role" in body:
        by_lower = {r.lower(): r for r in PERMISSION_ROLES}
        role = by_lower.get(str(body["role"]).lower())
        if role is None:
            raise ToolInputError("body.role", f"expected one of {', '.join(PERMISSION_ROLES)}")
        body["role"] = role


def prepare_create_permission(args: dict[str, Any]) -> None:
    """Sharing needs a person and a role."""
    prepare_permission(args)
    for key in ("emailAddress", "role"):
        if key not in args["body"]:
            raise ToolInputError(f"body.{key}", "required")


def prepare_place(args: dict[str, Any]) -> None:
    """Graph needs ``@odata.type`` on a place update; rooms are the usual target."""
    body = body_of(args)
    kind = body.pop("placeType", None) or "room"
    if kind not in ("room", "roomList"):
        raise ToolInputError("body.placeType", "expected room or roomList")
    body.setdefault("@odata.type", f"#microsoft.graph.{kind}")


# --- schemas ---------------------------------------------------------------------------------------

_STR: dict[str, Any] = {"type": "string"}
_WHEN: dict[str, Any] = {"type": ["string", "object"]}
_LIST: dict[str, Any] = {"type": ["array", "string"]}

TIMEZONE = {"timezone": _STR}
WINDOW: dict[str, dict[str, Any]] = {
    "startDateTime": {"type": "string", "required": True, "in": "query"},
    "endDateTime": {"type": "string", "required": True, "in": "query"},
    **TIMEZONE,
}
# Delta has no $top; the link it returns is followed through nextLink (also the deltaLink).
DELTA_LINK = {"nextLink": _STR}

_EVENT_PROPS: dict[str, Any] = {
    "subject": _STR,
    "start": _WHEN,
    "end": _WHEN,
    "timeZone": _STR,
    "body": _WHEN,
    "location": _WHEN,
    "attendees": _LIST,
    "isAllDay": {"type": "boolean"},
    "isOnlineMeeting": {"type": "boolean"},
    "recurrence": _WHEN,
}
CREATE_EVENT_BODY: dict[str, Any] = {"type": "object", "properties": _EVENT_PROPS, "required": ["subject"]}
UPDATE_EVENT_BODY: dict[str, Any] = {"type": "object", "properties": _EVENT_PROPS}
RESPONSE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"comment": _STR, "sendResponse": {"type": "boolean"}},
}
PROPOSE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {**RESPONSE_BODY["properties"], "proposedNewTime": {"type": "object"}, "timeZone": _STR},
}
COMMENT_BODY: dict[str, Any] = {"type": "object", "properties": {"comment": _STR}}
FORWARD_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"toRecipients": _LIST, "comment": _STR},
    "required": ["toRecipients"],
}
SNOOZE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"newReminderTime": _STR, "timeZone": _STR},
    "required": ["newReminderTime"],
}
SCHEDULE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "schedules": _LIST,
        "startTime": _WHEN,
        "endTime": _WHEN,
        "timeZone": _STR,
        "availabilityViewInterval": {"type": "integer"},
    },
    "required": ["schedules", "startTime", "endTime"],
}
MEETING_TIMES_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "attendees": _LIST,
        "start": _WHEN,
        "end": _WHEN,
        "timeZone": _STR,
        "meetingDuration": {"type": ["integer", "string"]},
        "maxCandidates": {"type": "integer"},
    },
}
CALENDAR_BODY: dict[str, Any] = {"type": "object", "properties": {"name": _STR, "color": _STR}}
CREATE_CALENDAR_BODY: dict[str, Any] = {**CALENDAR_BODY, "required": ["name"]}
PERMISSION_BODY: dict[str, Any] = {"type": "object", "properties": {"emailAddress": _WHEN, "role": _STR}}
PLACE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"placeType": {"enum": ["room", "roomList"]}, "capacity": {"type": "integer"}, "tags": _LIST},
}

# --- the tools --------------------------------------------------------------------------------------

_EVENT = "/me/events/{eventId}"
_CAL = "/me/calendars/{calendarId}"
_CAL_EVENT = _CAL + "/events/{eventId}"
_PERM = "/me/calendar/calendarPermissions"
_PLACE = "/places/{placeId}"


_cal = tool_maker(presets=CALENDAR)
#: A tool whose permission exists only for work or school accounts.
_org = tool_maker(presets=CALENDAR, org_only=True)


_LIST_EVENTS: dict[str, Any] = {
    "query": EVENT_LIST_QUERY,
    "default_select": EVENT_SELECT,
    "params": TIMEZONE,
    "prepare": prepare_zone,
}
_GET_EVENT: dict[str, Any] = {"query": GET_QUERY, "params": TIMEZONE, "prepare": prepare_zone}
_VIEW: dict[str, Any] = {
    "query": VIEW_QUERY,
    "default_select": EVENT_SELECT,
    "params": WINDOW,
    "prepare": prepare_window,
}
_RESPOND: dict[str, Any] = {"body": RESPONSE_BODY, "body_required": False}
_PROPOSE: dict[str, Any] = {"body": PROPOSE_BODY, "body_required": False, "prepare": prepare_response}

TOOLS: tuple[ToolSpec, ...] = (
    # events in the default calendar
    _cal(
        "list-calendar-events",
        "GET",
        "/me/events",
        "List events (series masters, not occurrences); use get-calendar-view for a date range.",
        "Calendars.Read",
        **_LIST_EVENTS,
    ),
    _cal("get-calendar-event", "GET", _EVENT, "Get one event with body and attendees.", "Calendars.Read", **_GET_EVENT),
    _cal(
        "create-calendar-event",
        "POST",
        "/me/events",
        "Create an event; start/end like 2026-11-26T10:00 with timeZone; attendees as addresses.",
        "Calendars.ReadWrite",
        body=CREATE_EVENT_BODY,
        prepare=prepare_create_event,
    ),
    _cal(
        "update-calendar-event",
        "PATCH",
        _EVENT,
        "Change an event; send only the fields that change.",
        "Calendars.ReadWrite",
        body=UPDATE_EVENT_BODY,
        prepare=prepare_update_event,
    ),
    _cal(
        "delete-calendar-event",
        "DELETE",
        _EVENT,
        "Delete an event (organizers: cancel-calendar-event notifies).",
        "Calendars.ReadWrite",
    ),
    _cal(
        "accept-calendar-event",
        "POST",
        _EVENT + "/accept",
        "Accept a meeting invitation.",
        "Calendars.ReadWrite",
        **_RESPOND,
    ),
    _cal(
        "decline-calendar-event",
        "POST",
        _EVENT + "/decline",
        "Decline a meeting invitation; may propose a new time (proposedNewTime {start, end}).",
        "Calendars.ReadWrite",
        **_PROPOSE,
    ),
    _cal(
        "tentatively-accept-calendar-event",
        "POST",
        _EVENT + "/tentativelyAccept",
        "Tentatively accept a meeting invitation; may propose a new time.",
        "Calendars.ReadWrite",
        **_PROPOSE,
    ),
    _cal(
        "cancel-calendar-event",
        "POST",
        _EVENT + "/cancel",
        "Cancel a meeting you organize and notify attendees.",
        "Calendars.ReadWrite",
        body=COMMENT_BODY,
        body_required=False,
    ),
    _cal(
        "forward-calendar-event",
        "POST",
        _EVENT + "/forward",
        "Forward a meeting invitation to others.",
        "Calendars.ReadWrite",
        body=FORWARD_BODY,
        prepare=prepare_forward,
    ),
    _cal(
        "snooze-calendar-event-reminder",
        "POST",
        _EVENT + "/snoozeReminder",
        "Snooze an event's reminder.",
        "Calendars.ReadWrite",
        body=SNOOZE_BODY,
        prepare=prepare_snooze,
    ),
    _cal(
        "dismiss-calendar-event-reminder",
        "POST",
        _EVENT + "/dismissReminder",
        "Dismiss an event's reminder.",
        "Calendars.ReadWrite",
    ),
    # events in a chosen calendar
    _cal(
        "list-specific-calendar-events",
        "GET",
        _CAL + "/events",
        "List events in one calendar.",
        "Calendars.Read",
        **_LIST_EVENTS,
    ),
    _cal(
        "get-specific-calendar-event",
        "GET",
        _CAL_EVENT,
        "Get one event from a calendar.",
        "Calendars.Read",
        **_GET_EVENT,
    ),
    _cal(
        "create-specific-calendar-event",
        "POST",
        _CAL + "/events",
        "Create an event in a calendar (same fields as create-calendar-event).",
        "Calendars.ReadWrite",
        body=CREATE_EVENT_BODY,
        prepare=prepare_create_event,
    ),
    _cal(
        "update-specific-calendar-event",
        "PATCH",
        _CAL_EVENT,
        "Change an event in a calendar.",
        "Calendars.ReadWrite",
        body=UPDATE_EVENT_BODY,
        prepare=prepare_update_event,
    ),
    _cal(
        "delete-specific-calendar-event",
        "DELETE",
        _CAL_EVENT,
        "Delete an event from a calendar.",
        "Calendars.ReadWrite",
    ),
    _cal(
        "list-calendar-event-instances",
        "GET",
        _CAL_EVENT + "/instances",
        "List occurrences of a recurring series between two date-times.",
        "Calendars.Read",
        **_VIEW,
    ),
    # calendar views and change tracking
    _cal(
        "get-calendar-view",
        "GET",
        "/me/calendarView",
        "Events and occurrences overlapping a date range (ISO date-times).",
        "Calendars.Read",
        **_VIEW,
    ),
    _cal(
        "get-specific-calendar-view",
        "GET",
        _CAL + "/calendarView",
        "Events and occurrences of one calendar in a date range.",
        "Calendars.Read",
        **_VIEW,
    ),
    _cal(
        "list-calendar-events-delta",
        "GET",
        "/me/events/delta()",
        "Track event changes; pass the returned nextLink or deltaLink back as nextLink.",
        "Calendars.Read",
        params={**DELTA_LINK, **TIMEZONE},
        prepare=prepare_zone,
    ),
    _cal(
        "list-calendar-view-delta",
        "GET",
        "/me/calendarView/delta()",
        "Track changes in a date range; pass the returned nextLink or deltaLink back as nextLink.",
        "Calendars.Read",
        params={**WINDOW, **DELTA_LINK},
        prepare=prepare_window,
    ),
    # calendars
    _cal(
        "list-calendars",
        "GET",
        "/me/calendars",
        "List the user's calendars.",
        "Calendars.Read",
        query=LIST_QUERY,
        default_select=CALENDAR_SELECT,
    ),
    _cal(
        "create-calendar",
        "POST",
        "/me/calendars",
        "Create a calendar.",
        "Calendars.ReadWrite",
        body=CREATE_CALENDAR_BODY,
    ),
    _cal("update-calendar", "PATCH", _CAL, "Rename or recolor a calendar.", "Calendars.ReadWrite", body=CALENDAR_BODY),
    _cal("delete-calendar", "DELETE", _CAL, "Delete a calendar and its events.", "Calendars.ReadWrite"),
    # sharing the default calendar
    _cal(
        "list-my-calendar-permissions", "GET", _PERM, "List who the default calendar is shared with.", "Calendars.Read"
    ),
    _cal(
        "create-my-calendar-permission",
        "POST",
        _PERM,
        "Share the default calendar; role: freeBusyRead, limitedRead, read, write or delegate...",
        "Calendars.ReadWrite",
        body=PERMISSION_BODY,
        prepare=prepare_create_permission,
    ),
    _cal(
        "update-my-calendar-permission",
        "PATCH",
        _PERM + "/{calendarPermissionId}",
        "Change the role of a calendar share.",
        "Calendars.ReadWrite",
        body=PERMISSION_BODY,
        prepare=prepare_permission,
    ),
    _cal(
        "delete-my-calendar-permission",
        "DELETE",
        _PERM + "/{calendarPermissionId}",
        "Stop sharing with someone.",
        "Calendars.ReadWrite",
    ),
    # scheduling (work and school accounts)
    _org(
        "get-schedule",
        "POST",
        "/me/calendar/getSchedule",
        "Free/busy of people or rooms between startTime and endTime.",
        "Calendars.Read",
        body=SCHEDULE_BODY,
        read_only=True,
        prepare=prepare_schedule,
    ),
    _org(
        "find-meeting-times",
        "POST",
        "/me/findMeetingTimes",
        "Suggest meeting times when attendees are free; meetingDuration in minutes.",
        "Calendars.Read.Shared",
        body=MEETING_TIMES_BODY,
        body_required=False,
        read_only=True,
        params=TIMEZONE,
        prepare=chain(prepare_zone, prepare_find_meeting_times),
    ),
    # other people's calendars (work and school accounts)
    _org(
        "list-shared-calendar-events",
        "GET",
        "/users/{userId}/calendar/events",
        "List events of a calendar shared with you (userId = address).",
        "Calendars.Read.Shared",
        presets=WORK,
        **_LIST_EVENTS,
    ),
    _org(
        "get-shared-calendar-view",
        "GET",
        "/users/{userId}/calendarView",
        "A shared calendar's events in a date range.",
        "Calendars.Read.Shared",
        presets=WORK,
        **_VIEW,
    ),
    # rooms (work and school accounts)
    _org(
        "get-room",
        "GET",
        _PLACE + "/graph.room",
        "Get a room (placeId = id or e-mail).",
        "Place.Read.All",
        presets=PLACES,
        query=GET_QUERY,
    ),
    _org(
        "get-room-list",
        "GET",
        _PLACE + "/graph.roomList",
        "Get a room list (building).",
        "Place.Read.All",
        presets=PLACES,
        query=GET_QUERY,
    ),
    _org(
        "list-room-list-rooms",
        "GET",
        _PLACE + "/graph.roomList/rooms",
        "List the rooms in a room list.",
        "Place.Read.All",
        presets=PLACES,
        query=LIST_QUERY,
    ),
    _org(
        "get-room-list-room",
        "GET",
        _PLACE + "/graph.roomList/rooms/{roomId}",
        "Get a room of a room list.",
        "Place.Read.All",
        presets=PLACES,
        query=GET_QUERY,
    ),
    _org(
        "update-place",
        "PATCH",
        _PLACE,
        "Update a room or room list (capacity, tags...).",
        "Place.ReadWrite.All",
        presets=PLACES,
        body=PLACE_BODY,
        prepare=prepare_place,
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every calendar tool to the core."""
    for spec in TOOLS:
        register(spec)
