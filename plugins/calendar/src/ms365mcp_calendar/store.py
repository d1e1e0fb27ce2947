"""The sandbox's calendar data: each user's calendars, events, shares, plus the tenant's rooms.

Events are kept in Graph's JSON shape with start and end in UTC; answers convert them into the
zone of ``Prefer: outlook.timezone``. Recurring series are stored once, as the series master, and
their occurrences are computed for the window a calendar view asks about.
"""

from __future__ import annotations

import base64
import copy
import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import attrs

from ms365mcp.sandbox.tenant import GraphError, SandboxUser
from ms365mcp.sandbox.text import body_text, html_to_text
from ms365mcp_calendar.timezones import zone_info

NOT_FOUND = "The specified object was not found in the store."
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GRAPH_TIME = "%Y-%m-%dT%H:%M:%S.0000000"
_OCCURRENCE = re.compile(r"^(?P<master>.+)\.(?P<day>\d{8})$")


def graph_time(moment: datetime) -> str:
    """Graph's ``dateTime`` text (seven fractional digits, no offset)."""
    return moment.strftime(_GRAPH_TIME)


def stamp(moment: datetime | None = None) -> str:
    """A UTC timestamp such as ``createdDateTime``."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def zone_or_400(name: Any) -> tzinfo:
    """A zone from a request, or Graph's 400 for a zone it does not know."""
    try:
        return zone_info(str(name))
    except KeyError:
        raise GraphError(
            400,
            "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'.",
        ) from None


def parse_dtz(value: Any, field: str) -> datetime:
    """A Graph dateTimeTimeZone object as an aware UTC datetime, or Graph's 400."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise GraphError(
            400,
            "RequestBodyRead",
            f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.dateTimeTimeZone' ({field}).",
        )
    zone = zone_or_400(value.get("timeZone", "UTC"))
    try:
        moment = datetime.fromisoformat(value["dateTime"][:19])
    except ValueError:
        raise GraphError(400, "RequestBodyRead", f"The value '{value['dateTime']}' is not a valid DateTime.") from None
    return moment.replace(tzinfo=zone).astimezone(UTC)


def to_utc_dtz(moment: datetime) -> dict[str, str]:
    return {"dateTime": graph_time(moment.astimezone(UTC)), "timeZone": "UTC"}


def from_dtz(value: dict[str, str]) -> datetime:
    """Stored (UTC) dateTimeTimeZone back to an aware datetime."""
    return datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=UTC)


def ensure_online(event: dict[str, Any]) -> None:
    """An online meeting gets a Teams join link, as Exchange adds one when the flag is set."""
    if event.get("isOnlineMeeting") and not event.get("onlineMeeting"):
        event["onlineMeetingProvider"] = "teamsForBusiness"
        event["onlineMeeting"] = {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/sandbox/{event['id'][-12:]}"}


def email(address: str, name: str | None = None) -> dict[str, str]:
    return {"name": name or address, "address": address}


@attrs.define
class CalendarBook:
    """One user's calendars, events and calendar shares."""

    owner: SandboxUser
    rng: random.Random
    calendars: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    default_calendar_id: str = ""
    events: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    """Single events and series masters by id; ``_calendarId`` says where each lives."""
    permissions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    revision: int = 0
    changed: dict[str, int] = attrs.field(factory=dict)
    removed: list[tuple[int, str]] = attrs.field(factory=list)

    # -- ids ----------------------------------------------------------------------------------
    def new_id(self) -> str:
        """An opaque Exchange-looking id."""
        return "AAMkAGI2" + base64.urlsafe_b64encode(self.rng.randbytes(30)).decode()

    def touch(self, event_id: str) -> None:
        """Record a change for delta queries."""
        self.revision += 1
        self.changed[event_id] = self.revision

    # -- calendars --------------------------------------------------------------------------------
    def add_calendar(
        self,
        name: str,
        color: str = "auto",
        *,
        default: bool = False,
        can_edit: bool = True,
        calendar_id: str | None = None,
    ) -> dict[str, Any]:
        cal_id = calendar_id or self.new_id()
        calendar = {
            "id": cal_id,
            "name": name,
            "color": color,
            "hexColor": "",
            "isDefaultCalendar": default,
            "changeKey": base64.b64encode(self.rng.randbytes(12)).decode(),
            "canShare": can_edit,
            "canViewPrivateItems": True,
            "canEdit": can_edit,
            "isRemovable": not default,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": True,
            "owner": email(self.owner.mail, self.owner.displayName),
        }
        self.calendars[cal_id] = calendar
        if default:
            self.default_calendar_id = cal_id
        return calendar

    def calendar(self, calendar_id: str) -> dict[str, Any]:
        """Raises GraphError 404 when the calendar does not exist."""
        found = self.calendars.get(calendar_id)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
        return found

    # -- events -----------------------------------------------------------------------------------
    def events_in(self, calendar_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if e["_calendarId"] == calendar_id]

    def find(self, event_id: str, calendar_id: str | None = None) -> dict[str, Any]:
        """An event by id: a stored one, or an occurrence of a stored series (``<master>.<yyyymmdd>``).

        Raises:
            GraphError: 404 ErrorItemNotFound.
        """
        event = self.events.get(event_id)
        if event is None:
            match = _OCCURRENCE.match(event_id)
            master = self.events.get(match.group("master")) if match else None
            if master is not None and master.get("recurrence"):
                day = datetime.strptime(match.group("day"), "%Y%m%d").date()  # type: ignore[union-attr]
                event = next((o for o in occurrences_on(master, day)), None)
        if event is None or (calendar_id is not None and event["_calendarId"] != calendar_id):
            raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
        return event

    def add_event(
        self,
        calendar_id: str,
        fields: dict[str, Any],
        *,
        organizer: dict[str, str],
        is_organizer: bool,
        response: str = "notResponded",
        event_id: str | None = None,
        ical_uid: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Store a new event from Graph-shaped fields (start/end in any zone); returns the stored event.

        Raises:
            GraphError: 400 for a missing or malformed start/end, or end before start.
        """
        start, end = parse_dtz(fields.get("start"), "start"), parse_dtz(fields.get("end"), "end")
        if end < start:
            raise GraphError(400, "ErrorInvalidRequest", "The end of the event must not be before its start.")
        event_id = event_id or self.new_id()
        when = stamp(now)
        online = bool(fields.get("isOnlineMeeting"))
        event: dict[str, Any] = {
            "id": event_id,
            "createdDateTime": when,
            "lastModifiedDateTime": when,
            "changeKey": base64.b64encode(self.rng.randbytes(12)).decode(),
            "categories": [],
            "transactionId": None,
            "originalStartTimeZone": fields["start"].get("timeZone", "UTC"),
            "originalEndTimeZone": fields["end"].get("timeZone", "UTC"),
            "iCalUId": ical_uid or "040000008200E00074C5B7101A82E008" + self.rng.randbytes(16).hex().upper(),
            "reminderMinutesBeforeStart": 15,
            "isReminderOn": True,
            "hasAttachments": False,
            "subject": "",
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": False,
            "isCancelled": False,
            "isOrganizer": is_organizer,
            "responseRequested": True,
            "seriesMasterId": None,
            "showAs": "busy",
            "type": "seriesMaster" if fields.get("recurrence") else "singleInstance",
            "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}&exvsurl=1&path=/calendar/item",
            "onlineMeetingUrl": None,
            "isOnlineMeeting": online,
            "onlineMeetingProvider": fields.get("onlineMeetingProvider", "teamsForBusiness") if online else "unknown",
            "allowNewTimeProposals": True,
            "recurrence": None,
            "responseStatus": {
                "response": "organizer" if is_organizer else response,
                "time": "0001-01-01T00:00:00Z" if response in ("none", "notResponded") else when,
            },
            "body": {"contentType": "html", "content": ""},
            "location": {"displayName": "", "locationType": "default", "uniqueIdType": "unknown"},
            "locations": [],
            "attendees": [],
            "organizer": {"emailAddress": organizer},
            "onlineMeeting": None,
            "_calendarId": calendar_id,
        }
        event.update({k: copy.deepcopy(v) for k, v in fields.items() if k not in ("start", "end")})
        event["start"], event["end"] = to_utc_dtz(start), to_utc_dtz(end)
        ensure_online(event)
        if event["location"].get("displayName") and not event["locations"]:
            event["locations"] = [event["location"]]
        self.events[event_id] = event
        self.touch(event_id)
        return event

    def update_occurrence(self, occurrence: dict[str, Any], changes: dict[str, Any]) -> None:
        """Store changes to one occurrence on its master (Graph calls the result an exception)."""
        master = self.events[occurrence["seriesMasterId"]]
        key = occurrence["id"].rsplit(".", 1)[1]
        master.setdefault("_exceptions", {}).setdefault(key, {}).update(changes)
        self.touch(master["id"])

    def view(self, calendar_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Single events and occurrences of ``calendar_id`` overlapping [start, end), by start time."""
        items: list[dict[str, Any]] = []
        for event in self.events_in(calendar_id):
            if event.get("recurrence"):
                items.extend(expand(event, start, end))
            elif from_dtz(event["start"]) < end and from_dtz(event["end"]) > start:
                items.append(event)
        return sorted(items, key=lambda e: e["start"]["dateTime"])


# --- recurrence ------------------------------------------------------------------------------------


def _pattern_matches(pattern: dict[str, Any], first: date, day: date) -> bool:
    kind = pattern.get("type", "daily")
    interval = max(1, int(pattern.get("interval", 1)))
    if kind == "daily":
        return (day - first).days % interval == 0
    if kind == "weekly":
        days = [d.lower() for d in pattern.get("daysOfWeek") or [WEEKDAYS[first.weekday()]]]
        weeks = ((day - timedelta(days=day.weekday())) - (first - timedelta(days=first.weekday()))).days // 7
        return WEEKDAYS[day.weekday()] in days and weeks % interval == 0
    months = (day.year - first.year) * 12 + day.month - first.month
    if kind == "absoluteMonthly":
        return day.day == int(pattern.get("dayOfMonth", first.day)) and months % interval == 0
    if kind == "absoluteYearly":
        return (
            day.month == int(pattern.get("month", first.month))
            and day.day == int(pattern.get("dayOfMonth", first.day))
            and (day.year - first.year) % interval == 0
        )
    if kind == "relativeMonthly":
        days = [d.lower() for d in pattern.get("daysOfWeek") or []]
        if WEEKDAYS[day.weekday()] not in days or months % interval:
            return False
        index = pattern.get("index", "first")
        nth = (day.day - 1) // 7
        last = (day + timedelta(days=7)).month != day.month
        return (index == "last" and last) or ["first", "second", "third", "fourth"].index(index) == nth
    return False


def _series_days(master: dict[str, Any], until: date) -> Iterator[date]:
    """The local dates of a series' occurrences, in order, up to ``until``."""
    recurrence = master["recurrence"]
    pattern, rng = recurrence.get("pattern", {}), recurrence.get("range", {})
    first = date.fromisoformat(rng.get("startDate"))
    end_date = date.fromisoformat(rng["endDate"]) if rng.get("type") == "endDate" and rng.get("endDate") else None
    remaining = int(rng["numberOfOccurrences"]) if rng.get("type") == "numbered" else None
    day = first
    for _ in range(20000):  # about 55 years: a bound, so a bad pattern can't spin forever
        if day > until or (end_date and day > end_date) or remaining == 0:
            return
        if _pattern_matches(pattern, first, day):
            if remaining is not None:
                remaining -= 1
            yield day
        day += timedelta(days=1)


def _occurrence(master: dict[str, Any], day: date) -> dict[str, Any] | None:
    zone = zone_info(master.get("originalStartTimeZone") or "UTC")
    local_start = from_dtz(master["start"]).astimezone(zone)
    duration = from_dtz(master["end"]) - from_dtz(master["start"])
    start = datetime.combine(day, local_start.time(), tzinfo=zone).astimezone(UTC)
    key = day.strftime("%Y%m%d")
    changes = master.get("_exceptions", {}).get(key, {})
    if changes.get("_deleted"):
        return None
    occurrence = {k: copy.deepcopy(v) for k, v in master.items() if k not in ("recurrence", "_exceptions")}
    occurrence.update(
        id=f"{master['id']}.{key}",
        type="exception" if changes else "occurrence",
        seriesMasterId=master["id"],
        recurrence=None,
        start=to_utc_dtz(start),
        end=to_utc_dtz(start + duration),
        originalStart=stamp(start),
    )
    occurrence.update(copy.deepcopy(changes))
    return occurrence


def occurrences_on(master: dict[str, Any], day: date) -> Iterator[dict[str, Any]]:
    for candidate in _series_days(master, day):
        if candidate == day:
            found = _occurrence(master, day)
            if found is not None:
                yield found


def expand(master: dict[str, Any], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Occurrences of a series overlapping [start, end)."""
    result = []
    for day in _series_days(master, (end + timedelta(days=1)).date()):
        if day < (start - timedelta(days=2)).date():
            continue
        occurrence = _occurrence(master, day)
        if occurrence and from_dtz(occurrence["start"]) < end and from_dtz(occurrence["end"]) > start:
            result.append(occurrence)
    return result


# --- answers ---------------------------------------------------------------------------------------


def in_zone(value: dict[str, str], zone_name: str | None) -> dict[str, str]:
    """A stored UTC dateTimeTimeZone shown in ``zone_name`` (as ``Prefer: outlook.timezone`` asks)."""
    if not zone_name:
        return dict(value)
    try:
        zone = zone_info(zone_name)
    except KeyError:
        return dict(value)
    return {"dateTime": graph_time(from_dtz(value).astimezone(zone)), "timeZone": zone_name}


def render(event: dict[str, Any], *, zone_name: str | None, text_body: bool) -> dict[str, Any]:
    """An event as Graph answers it: internal keys gone, times in the preferred zone, body as asked."""
    out = {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}
    out["@odata.etag"] = f'W/"{event.get("changeKey", "")}"'
    for key in ("start", "end"):
        out[key] = in_zone(event[key], zone_name)
    body = event.get("body") or {"contentType": "text", "content": ""}
    out["bodyPreview"] = re.sub(r"\s+", " ", body_text(body)).strip()[:255]
    if text_body and str(body.get("contentType", "")).lower() == "html":
        out["body"] = {"contentType": "text", "content": html_to_text(body["content"])}
    return out
