"""The sandbox's calendar routes: every Graph call the calendar tools make, answered like Graph.

A user reads their own calendars under ``/me``; ``/users/{userId}`` works when that user shared
their calendar with the caller, and gets Graph's 403 otherwise. Meeting actions (accept,
decline, cancel, forward) reach the other participants' copies, as Exchange does.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, option, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant, SandboxUser
from ms365mcp_calendar.seed import USER_ZONE, new_book, places, seed, share
from ms365mcp_calendar.store import (
    NOT_FOUND,
    CalendarBook,
    email,
    ensure_online,
    expand,
    from_dtz,
    graph_time,
    in_zone,
    parse_dtz,
    render,
    stamp,
    to_utc_dtz,
)
from ms365mcp_calendar.timezones import zone_info
from ms365mcp_calendar.tools import PERMISSION_ROLES

#: Where the calendar books (by user id) and the rooms live in ``tenant.store``.
STORE_KEY = "calendar"
PLACES_KEY = "places"
EVENT_SEARCH_FIELDS = ("subject", "bodyPreview", "location/displayName", "organizer/emailAddress/name")
EVENT_FIELDS = frozenset(
    {
        "subject",
        "body",
        "start",
        "end",
        "location",
        "locations",
        "attendees",
        "isAllDay",
        "isOnlineMeeting",
        "onlineMeetingProvider",
        "recurrence",
        "showAs",
        "importance",
        "sensitivity",
        "categories",
        "isReminderOn",
        "reminderMinutesBeforeStart",
        "responseRequested",
        "allowNewTimeProposals",
        "hideAttendees",
        "transactionId",
        "originalStartTimeZone",
        "originalEndTimeZone",
        "singleValueExtendedProperties",
        "multiValueExtendedProperties",
    }
)
READ_ROLES = frozenset(
    {"limitedRead", "read", "write", "delegateWithoutPrivateEventAccess", "delegateWithPrivateEventAccess"}
)
ALL_ROLES = PERMISSION_ROLES
BUSY = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}

Handler = Callable[[SandboxRequest], Awaitable[Any]]


# --- helpers --------------------------------------------------------------------------------------


def books(tenant: SandboxTenant) -> dict[str, CalendarBook]:
    """Every user's calendar book, by user id."""
    return tenant.store[STORE_KEY]


def book_of(tenant: SandboxTenant, user: SandboxUser) -> CalendarBook:
    """A user's book, created empty for users added after seeding."""
    store = books(tenant)
    if user.id not in store:
        store[user.id] = new_book(user)
    return store[user.id]


def _book(request: SandboxRequest) -> CalendarBook:
    """The calendar book a request addresses; another user's needs a share with the caller.

    Raises:
        GraphError: 403 ErrorAccessDenied when the owner has not shared their calendar.
    """
    owner = request.target_user()
    book = book_of(request.tenant, owner)
    if owner.id != request.user.id:
        caller = request.user.mail.lower()
        roles = {
            p["role"] for p in book.permissions.values() if str(p["emailAddress"].get("address", "")).lower() == caller
        }
        if not roles & READ_ROLES:
            raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    return book


def _zone_name(request: SandboxRequest) -> str | None:
    name = request.prefer("outlook.timezone")
    if not name:
        return None
    try:
        zone_info(name)
    except KeyError:
        return None
    return name


def _wants_text(request: SandboxRequest) -> bool:
    return (request.prefer("outlook.body-content-type") or "").lower() == "text"


def respond(request: SandboxRequest, payload: Any, status: int = 200) -> Response:
    """JSON with Graph's ``Preference-Applied`` header for the preferences that were honoured."""
    applied = []
    if _wants_text(request):
        applied.append('outlook.body-content-type="text"')
    zone = _zone_name(request)
    if zone:
        applied.append(f'outlook.timezone="{zone}"')
    headers = {"Preference-Applied": ", ".join(applied)} if applied else None
    return JSONResponse(payload, status_code=status, headers=headers)


def accepted() -> Response:
    """Graph's 202 with an empty body (meeting actions)."""
    return Response(status_code=202)


def _shown(request: SandboxRequest, book: CalendarBook, event: dict[str, Any]) -> dict[str, Any]:
    view = render(event, zone_name=_zone_name(request), text_body=_wants_text(request))
    if book.owner.id != request.user.id and event.get("sensitivity") == "private":
        # Private items of a shared calendar show only their time.
        view.update(
            subject="Private appointment",
            body={"contentType": "text", "content": ""},
            bodyPreview="",
            location={"displayName": ""},
            attendees=[],
        )
    return view


def _entity(request: SandboxRequest, book: CalendarBook, event: dict[str, Any], status: int = 200) -> Response:
    return respond(request, select_item(request, _shown(request, book, event)), status)


def _when(request: SandboxRequest, name: str) -> datetime:
    raw = request.query.get(name)
    if not raw:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and "
            "EndDateTime.",
        )
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(400, "ErrorInvalidParameter", f"The value '{raw}' of parameter '{name}' is invalid.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(request: SandboxRequest) -> tuple[datetime, datetime]:
    start, end = _when(request, "startDateTime"), _when(request, "endDateTime")
    if end < start:
        raise GraphError(400, "ErrorInvalidParameter", "The parameter 'EndDateTime' must be after 'StartDateTime'.")
    return start, end


def _user_by_address(tenant: SandboxTenant, address: str) -> SandboxUser | None:
    return tenant.find_user(address) if address else None


def _bad_literal(value: Any, type_name: str) -> GraphError:
    message = f"Cannot convert the literal '{value}' to the expected type '{type_name}'."
    return GraphError(400, "RequestBodyRead", message)


def _check_attendees(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _bad_literal(value, "Collection(microsoft.graph.attendee)")
    cleaned = []
    for entry in value:
        address = entry.get("emailAddress", {}).get("address") if isinstance(entry, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise _bad_literal(entry, "microsoft.graph.attendee")
        cleaned.append(
            {
                "type": entry.get("type", "required"),
                "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                "emailAddress": email(address, entry["emailAddress"].get("name")),
            }
        )
    return cleaned


def _clean_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Graph-shaped event fields from a request body, checked the way Graph checks them."""
    refuse_unknown(body, EVENT_FIELDS, "event")
    fields = dict(body)
    if "attendees" in fields:
        fields["attendees"] = _check_attendees(fields["attendees"])
    if "location" in fields:
        location = fields["location"]
        if not isinstance(location, dict):
            raise _bad_literal(location, "microsoft.graph.location")
        fields["location"] = {"locationType": "default", "uniqueIdType": "private", **location}
        fields["locations"] = [fields["location"]]
    if "body" in fields:
        body_value = fields["body"]
        if not isinstance(body_value, dict):
            raise _bad_literal(body_value, "microsoft.graph.itemBody")
        fields["body"] = {
            "contentType": str(body_value.get("contentType", "text")).lower(),
            "content": str(body_value.get("content", "")),
        }
    recurrence = fields.get("recurrence")
    if recurrence is not None and not (isinstance(recurrence, dict) and recurrence.get("range", {}).get("startDate")):
        raise GraphError(400, "ErrorInvalidRequest", "The recurrence range must have a startDate.")
    return fields


def _copies(tenant: SandboxTenant, event: dict[str, Any]) -> list[tuple[CalendarBook, dict[str, Any]]]:
    """The same meeting in other participants' calendars (matched by iCalUId)."""
    found = []
    for book in books(tenant).values():
        for other in book.events.values():
            if other["iCalUId"] == event["iCalUId"] and other is not event:
                found.append((book, other))
    return found


def _invite(tenant: SandboxTenant, event: dict[str, Any], addresses: list[str]) -> None:
    """Put a copy of a meeting into the default calendar of tenant users who don't have one yet."""
    have = {b.owner.id for b, _ in _copies(tenant, event)}
    for address in addresses:
        user = _user_by_address(tenant, address)
        if user is None or user.id in have:
            continue
        book = book_of(tenant, user)
        if event["_calendarId"] in book.calendars or any(e is event for e in book.events.values()):
            continue
        fields = {k: v for k, v in event.items() if k in EVENT_FIELDS and k not in ("start", "end")}
        fields.update(start=dict(event["start"]), end=dict(event["end"]))
        book.add_event(
            book.default_calendar_id,
            fields,
            organizer=event["organizer"]["emailAddress"],
            is_organizer=False,
            response="notResponded",
            ical_uid=event["iCalUId"],
        )
        have.add(user.id)


# --- events ---------------------------------------------------------------------------------------


def _event_list(request: SandboxRequest, book: CalendarBook, calendar_id: str) -> Response:
    items = sorted(book.events_in(calendar_id), key=lambda e: e["start"]["dateTime"])
    shown = [_shown(request, book, e) for e in items]
    return respond(request, list_page(request, shown, search_fields=EVENT_SEARCH_FIELDS))


async def list_events(request: SandboxRequest) -> Any:
    book = _book(request)
    return _event_list(request, book, book.default_calendar_id)


async def list_calendar_events(request: SandboxRequest) -> Any:
    book = _book(request)
    return _event_list(request, book, book.calendar(request.params["calendarId"])["id"])


def _calendar_scope(request: SandboxRequest, book: CalendarBook) -> str | None:
    calendar_id = request.params.get("calendarId")
    return book.calendar(calendar_id)["id"] if calendar_id else None


async def get_event(request: SandboxRequest) -> Any:
    book = _book(request)
    return _entity(request, book, book.find(request.params["eventId"], _calendar_scope(request, book)))


def _create(request: SandboxRequest, calendar_id: str) -> Response:
    book = _book(request)
    calendar = book.calendar(calendar_id)
    if not calendar["canEdit"]:
        raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    fields = _clean_fields(json_object(request))
    for key in ("start", "end"):
        if key not in fields:
            raise GraphError(400, "ErrorPropertyValidationFailure", f"The property '{key}' is required.")
    owner = book.owner
    event = book.add_event(calendar_id, fields, organizer=email(owner.mail, owner.displayName), is_organizer=True)
    _invite(request.tenant, event, [a["emailAddress"]["address"] for a in event["attendees"]])
    return _entity(request, book, event, 201)


async def create_event(request: SandboxRequest) -> Any:
    return _create(request, _book(request).default_calendar_id)


async def create_calendar_event(request: SandboxRequest) -> Any:
    return _create(request, request.params["calendarId"])


_PROPAGATED = ("subject", "start", "end", "location", "locations", "body", "isOnlineMeeting", "recurrence")


async def update_event(request: SandboxRequest) -> Any:
    book = _book(request)
    event = book.find(request.params["eventId"], _calendar_scope(request, book))
    fields = _clean_fields(json_object(request))
    for key in ("start", "end"):
        if key in fields:
            fields[key] = to_utc_dtz(parse_dtz(fields[key], key))
            fields[f"original{key.title()}TimeZone"] = json_object(request)[key].get("timeZone", "UTC")
    start = from_dtz(fields.get("start", event["start"]))
    if from_dtz(fields.get("end", event["end"])) < start:
        raise GraphError(400, "ErrorInvalidRequest", "The end of the event must not be before its start.")
    if "attendees" in fields:
        known = {a["emailAddress"]["address"].lower(): a for a in event["attendees"]}
        fields["attendees"] = [known.get(a["emailAddress"]["address"].lower(), a) for a in fields["attendees"]]
    fields["lastModifiedDateTime"] = stamp()
    if event.get("seriesMasterId") and event["id"] not in book.events:
        book.update_occurrence(event, fields)
        return _entity(request, book, book.find(event["id"]))
    event.update(fields)
    ensure_online(event)
    if fields.get("recurrence"):
        event["type"] = "seriesMaster"
    book.touch(event["id"])
    if event["isOrganizer"]:
        for other_book, copy_ in _copies(request.tenant, event):
            copy_.update({k: v for k, v in fields.items() if k in _PROPAGATED})
            other_book.touch(copy_["id"])
        _invite(request.tenant, event, [a["emailAddress"]["address"] for a in event["attendees"]])
    return _entity(request, book, event)


def _remove(book: CalendarBook, event: dict[str, Any]) -> None:
    if event.get("seriesMasterId") and event["id"] not in book.events:
        book.update_occurrence(event, {"_deleted": True})
        return
    book.events.pop(event["id"], None)
    book.revision += 1
    book.removed.append((book.revision, event["id"]))
    book.changed.pop(event["id"], None)


def _cancel_copies(tenant: SandboxTenant, event: dict[str, Any]) -> None:
    for other_book, copy_ in _copies(tenant, event):
        if event.get("seriesMasterId") and copy_.get("recurrence"):
            continue  # one cancelled occurrence leaves the attendees' series alone in the sandbox
        copy_.update(isCancelled=True, subject="Canceled: " + copy_["subject"].removeprefix("Canceled: "))
        other_book.touch(copy_["id"])


async def delete_event(request: SandboxRequest) -> Any:
    book = _book(request)
    event = book.find(request.params["eventId"], _calendar_scope(request, book))
    if event["isOrganizer"] and event["attendees"]:
        _cancel_copies(request.tenant, event)
    _remove(book, event)
    return None


def _respond_to(kind: str) -> Handler:
    async def handler(request: SandboxRequest) -> Any:
        book = _book(request)
        event = book.find(request.params["eventId"])
        if event["isOrganizer"]:
            raise GraphError(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. You can't respond to a meeting you organized.",
            )
        body = json_object(request)
        allowed = {"comment", "sendResponse"} | ({"proposedNewTime"} if kind != "accepted" else set())
        refuse_unknown(body, allowed, kind)
        if body.get("proposedNewTime") is not None:
            # Graph answers 400 when a proposal can't reach the organizer or the organizer forbids proposals.
            if body.get("sendResponse", True) is False:
                raise GraphError(400, "ErrorInvalidRequest", "proposedNewTime requires sendResponse to be true.")
            if not event.get("allowNewTimeProposals", True):
                raise GraphError(400, "ErrorInvalidRequest", "The organizer doesn't allow new time proposals.")
            slot = body["proposedNewTime"]
            if not isinstance(slot, dict) or not all(isinstance(slot.get(k), dict) for k in ("start", "end")):
                raise GraphError(400, "ErrorInvalidRequest", "proposedNewTime needs start and end dateTimeTimeZone.")
        status = {"response": kind, "time": stamp()}
        if event.get("seriesMasterId") and event["id"] not in book.events:
            book.update_occurrence(event, {"responseStatus": status})
        else:
            event["responseStatus"] = status
            book.touch(event["id"])
        if body.get("sendResponse", True):
            me = book.owner.mail.lower()
            for other_book, copy_ in _copies(request.tenant, event):
                if not copy_["isOrganizer"]:
                    continue
                for attendee in copy_["attendees"]:
                    if attendee["emailAddress"]["address"].lower() == me:
                        attendee["status"] = dict(status)
                other_book.touch(copy_["id"])
        if kind == "declined":
            _remove(book, event)  # Outlook takes a declined meeting off the calendar
        return accepted()

    return handler


async def cancel_event(request: SandboxRequest) -> Any:
    book = _book(request)
    event = book.find(request.params["eventId"])
    refuse_unknown(json_object(request), {"comment"}, "cancel")
    if not event["isOrganizer"]:
        raise GraphError(
            400,
            "ErrorAccessDenied",
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        )
    _cancel_copies(request.tenant, event)
    _remove(book, event)
    return accepted()


async def forward_event(request: SandboxRequest) -> Any:
    book = _book(request)
    event = book.find(request.params["eventId"])
    body = json_object(request)
    refuse_unknown(body, {"comment", "toRecipients"}, "forward")
    recipients = body.get("toRecipients")
    if not isinstance(recipients, list) or not recipients:
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")
    addresses = []
    for entry in recipients:
        address = entry.get("emailAddress", {}).get("address") if isinstance(entry, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")
        addresses.append(address)
    master = book.events.get(event.get("seriesMasterId") or event["id"], event)
    _invite(request.tenant, master, addresses)
    return accepted()


async def snooze_reminder(request: SandboxRequest) -> Any:
    book = _book(request)
    event = book.find(request.params["eventId"])
    body = json_object(request)
    refuse_unknown(body, {"newReminderTime"}, "snoozeReminder")
    until = parse_dtz(body.get("newReminderTime"), "newReminderTime")
    event["_snoozedUntil"] = graph_time(until)
    return None


async def dismiss_reminder(request: SandboxRequest) -> Any:
    book = _book(request)
    event = book.find(request.params["eventId"])
    event["isReminderOn"] = False
    book.touch(event.get("seriesMasterId") or event["id"])
    return None


# --- views, instances, delta ---------------------------------------------------------------------


def _view_list(request: SandboxRequest, book: CalendarBook, calendar_id: str) -> Response:
    start, end = _window(request)
    shown = [_shown(request, book, e) for e in book.view(calendar_id, start, end)]
    return respond(request, list_page(request, shown, search_fields=EVENT_SEARCH_FIELDS))


async def calendar_view(request: SandboxRequest) -> Any:
    book = _book(request)
    return _view_list(request, book, book.default_calendar_id)


async def specific_calendar_view(request: SandboxRequest) -> Any:
    book = _book(request)
    return _view_list(request, book, book.calendar(request.params["calendarId"])["id"])


async def instances(request: SandboxRequest) -> Any:
    book = _book(request)
    master = book.find(request.params["eventId"], _calendar_scope(request, book))
    if not master.get("recurrence") or master["id"] not in book.events:
        raise GraphError(400, "ErrorInvalidRequest", "The event is not the master of a recurring series.")
    start, end = _window(request)
    shown = [_shown(request, book, e) for e in expand(master, start, end)]
    return respond(request, list_page(request, shown, search_fields=EVENT_SEARCH_FIELDS))


def _token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _untoken(text: str) -> dict[str, Any]:
    try:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        raise GraphError(400, "SyncStateNotFound", "The sync state is invalid or expired.") from None


def _delta(request: SandboxRequest, *, windowed: bool) -> Response:
    book = _book(request)
    token = option(request, "deltatoken") or option(request, "skiptoken")
    if token:
        state = _untoken(token)
        if option(request, "deltatoken"):
            # A new round: report what changed since the last one, up to now.
            state = {**state, "upto": book.revision, "skip": 0}
    else:
        state = {"since": 0, "upto": book.revision, "skip": 0}
        if windowed:
            start, end = _window(request)
            state.update(start=start.isoformat(), end=end.isoformat())
    if windowed:
        window = (datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"]))
        items = book.view(book.default_calendar_id, *window)
    else:
        items = sorted(book.events_in(book.default_calendar_id), key=lambda e: e["start"]["dateTime"])
    since = state["since"]
    changed = [
        _shown(request, book, e) for e in items if book.changed.get(e.get("seriesMasterId") or e["id"], 0) > since
    ]
    removed = [{"id": event_id, "@removed": {"reason": "deleted"}} for rev, event_id in book.removed if rev > since]
    everything = changed + removed
    size = request.prefer("odata.maxpagesize")
    size = int(size) if size and size.isdigit() else 10
    skip = state["skip"]
    page = everything[skip : skip + size]
    link_base = f"{request.base_url}{request.raw_path}"
    result: dict[str, Any] = {"@odata.context": f"{request.base_url}/v1.0/$metadata#Collection(event)", "value": page}
    if skip + size < len(everything):
        result["@odata.nextLink"] = f"{link_base}?$skiptoken={_token({**state, 'skip': skip + size})}"
    else:
        result["@odata.deltaLink"] = f"{link_base}?$deltatoken={_token({**state, 'since': state['upto'], 'skip': 0})}"
    return respond(request, result)


async def events_delta(request: SandboxRequest) -> Any:
    return _delta(request, windowed=False)


async def view_delta(request: SandboxRequest) -> Any:
    return _delta(request, windowed=True)


# --- calendars ------------------------------------------------------------------------------------

CALENDAR_FIELDS = frozenset({"name", "color", "hexColor", "isDefaultCalendar"})


async def list_calendars(request: SandboxRequest) -> Any:
    book = _book(request)
    return respond(request, list_page(request, list(book.calendars.values()), search_fields=("name",)))


async def get_calendar(request: SandboxRequest) -> Any:
    return respond(request, select_item(request, _book(request).calendar(request.params["calendarId"])))


def _check_calendar(book: CalendarBook, body: dict[str, Any], current: str | None = None) -> None:
    refuse_unknown(body, CALENDAR_FIELDS, "calendar")
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidRequest", "The calendar name can't be empty.")
        if any(c["name"].lower() == name.strip().lower() and c["id"] != current for c in book.calendars.values()):
            raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")


async def create_calendar(request: SandboxRequest) -> Any:
    book = _book(request)
    body = json_object(request)
    _check_calendar(book, body)
    if "name" not in body:
        raise GraphError(400, "ErrorInvalidRequest", "The calendar name can't be empty.")
    calendar = book.add_calendar(body["name"].strip(), str(body.get("color", "auto")))
    return respond(request, select_item(request, calendar), 201)


async def update_calendar(request: SandboxRequest) -> Any:
    book = _book(request)
    calendar = book.calendar(request.params["calendarId"])
    body = json_object(request)
    _check_calendar(book, body, calendar["id"])
    if not calendar["canEdit"]:
        raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    calendar.update({k: (v.strip() if k == "name" else v) for k, v in body.items() if k != "isDefaultCalendar"})
    return respond(request, select_item(request, calendar))


async def delete_calendar(request: SandboxRequest) -> Any:
    book = _book(request)
    calendar = book.calendar(request.params["calendarId"])
    if calendar["isDefaultCalendar"]:
        raise GraphError(400, "ErrorCannotDeleteObject", "The default calendar can't be deleted.")
    for event in book.events_in(calendar["id"]):
        _remove(book, event)
    del book.calendars[calendar["id"]]
    return None


# --- calendar permissions -------------------------------------------------------------------------


async def list_permissions(request: SandboxRequest) -> Any:
    book = _book(request)
    return respond(
        request,
        {
            "@odata.context": f"{request.base_url}/v1.0/$metadata#calendarPermissions",
            "value": list(book.permissions.values()),
        },
    )


def _role(value: Any) -> str:
    if value not in ALL_ROLES:
        raise GraphError(400, "ErrorInvalidRequest", f"The role '{value}' is not valid for this calendar.")
    return str(value)


async def create_permission(request: SandboxRequest) -> Any:
    book = _book(request)
    body = json_object(request)
    refuse_unknown(body, {"emailAddress", "role", "isInsideOrganization", "isRemovable"}, "calendarPermission")
    address = (body.get("emailAddress") or {}).get("address") if isinstance(body.get("emailAddress"), dict) else None
    if not isinstance(address, str) or "@" not in address:
        raise GraphError(400, "ErrorInvalidRequest", "The emailAddress of the sharee is required.")
    role = _role(body.get("role"))
    if any(str(p["emailAddress"].get("address", "")).lower() == address.lower() for p in book.permissions.values()):
        raise GraphError(409, "ErrorItemAlreadyExists", "The calendar is already shared with this recipient.")
    user = _user_by_address(request.tenant, address)
    sharee = user or SandboxUser(
        id="", userPrincipalName=address, displayName=body["emailAddress"].get("name") or address, mail=address
    )
    permission = share(book, sharee, role)
    permission["isInsideOrganization"] = user is not None
    return respond(request, permission, 201)


def _permission(request: SandboxRequest) -> tuple[CalendarBook, dict[str, Any]]:
    book = _book(request)
    found = book.permissions.get(request.params["calendarPermissionId"])
    if found is None:
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return book, found


async def update_permission(request: SandboxRequest) -> Any:
    _, permission = _permission(request)
    body = json_object(request)
    refuse_unknown(body, {"role"}, "calendarPermission")
    if "role" in body:
        role = _role(body["role"])
        if role not in permission["allowedRoles"]:
            raise GraphError(400, "ErrorInvalidRequest", f"The role '{role}' is not allowed for this sharee.")
        permission["role"] = role
    return respond(request, permission)


async def delete_permission(request: SandboxRequest) -> Any:
    book, permission = _permission(request)
    if not permission["isRemovable"]:
        raise GraphError(400, "ErrorCannotDeleteObject", "This permission can't be removed.")
    del book.permissions[permission["id"]]
    return None


# --- free/busy ------------------------------------------------------------------------------------


def _busy(tenant: SandboxTenant, address: str, start: datetime, end: datetime) -> list[dict[str, Any]] | None:
    """Busy items of a person or room between start and end; None when the address is unknown."""
    user = _user_by_address(tenant, address)
    if user is not None:
        book = book_of(tenant, user)
        items = [
            e for cal in book.calendars.values() if cal["isDefaultCalendar"] for e in book.view(cal["id"], start, end)
        ]
        return [e for e in items if not e["isCancelled"] and e["responseStatus"]["response"] != "declined"]
    rooms = [p for p in tenant.store[PLACES_KEY].values() if p["emailAddress"].lower() == address.lower()]
    if not rooms or rooms[0]["@odata.type"] != "#microsoft.graph.room":
        return None
    seen: dict[str, dict[str, Any]] = {}
    for book in books(tenant).values():
        for event in book.view(book.default_calendar_id, start, end):
            if str(event["location"].get("locationEmailAddress", "")).lower() == address.lower():
                seen.setdefault(event["iCalUId"] + event["start"]["dateTime"], event)
    return list(seen.values())


def _working_hours() -> dict[str, Any]:
    return {
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "startTime": "08:00:00.0000000",
        "endTime": "17:00:00.0000000",
        "timeZone": {"name": USER_ZONE},
    }


async def get_schedule(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"schedules", "startTime", "endTime", "availabilityViewInterval"}, "getSchedule")
    schedules = body.get("schedules")
    if not isinstance(schedules, list) or not schedules or not all(isinstance(s, str) for s in schedules):
        raise GraphError(400, "ErrorInvalidParameter", "The schedules parameter must list e-mail addresses.")
    start, end = parse_dtz(body.get("startTime"), "startTime"), parse_dtz(body.get("endTime"), "endTime")
    if end <= start:
        raise GraphError(400, "ErrorInvalidParameter", "The endTime must be after the startTime.")
    zone_name = body["startTime"].get("timeZone", "UTC")
    interval = body.get("availabilityViewInterval", 30)
    if not isinstance(interval, int) or not 5 <= interval <= 1440:
        raise GraphError(400, "ErrorInvalidParameter", "availabilityViewInterval must be between 5 and 1440.")
    answers = []
    for address in schedules:
        items = _busy(request.tenant, address, start, end)
        if items is None:
            answers.append(
                {
                    "scheduleId": address,
                    "availabilityView": "",
                    "error": {
                        "message": f"The recipient {address} is not resolved.",
                        "responseCode": "ErrorMailRecipientNotFound",
                    },
                }
            )
            continue
        view = []
        slot = start
        while slot < end:
            slot_end = slot + timedelta(minutes=interval)
            codes = [
                BUSY.get(e["showAs"], "2")
                for e in items
                if from_dtz(e["start"]) < slot_end and from_dtz(e["end"]) > slot
            ]
            view.append(max(codes, default="0"))
            slot = slot_end
        answers.append(
            {
                "scheduleId": address,
                "availabilityView": "".join(view),
                "scheduleItems": [
                    {
                        "isPrivate": e.get("sensitivity") == "private",
                        "status": e["showAs"],
                        **(
                            {}
                            if e.get("sensitivity") == "private"
                            else {"subject": e["subject"], "location": e["location"].get("displayName", "")}
                        ),
                        "start": in_zone(e["start"], zone_name),
                        "end": in_zone(e["end"], zone_name),
                    }
                    for e in items
                    if e["showAs"] != "free"
                ],
                "workingHours": _working_hours(),
            }
        )
    return respond(
        request,
        {"@odata.context": f"{request.base_url}/v1.0/$metadata#Collection(scheduleInformation)", "value": answers},
    )


def _duration(text: Any) -> timedelta:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", str(text or "PT30M").upper())
    if not match or not any(match.groups()):
        raise GraphError(400, "ErrorInvalidParameter", f"The meetingDuration '{text}' is not a valid duration.")
    return timedelta(hours=int(match.group(1) or 0), minutes=int(match.group(2) or 0))


async def find_meeting_times(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(
        body,
        {
            "attendees",
            "timeConstraint",
            "meetingDuration",
            "maxCandidates",
            "isOrganizerOptional",
            "returnSuggestionReasons",
            "minimumAttendeePercentage",
            "locationConstraint",
        },
        "findMeetingTimes",
    )
    attendees = _check_attendees(body.get("attendees", []))
    for given, cleaned in zip(body.get("attendees", []), attendees, strict=True):
        cleaned["type"] = given.get("type", "required")
    duration = _duration(body.get("meetingDuration"))
    zone = zone_info(USER_ZONE)
    slots = (body.get("timeConstraint") or {}).get("timeSlots") or []
    if slots:
        windows = [(parse_dtz(s.get("start"), "start"), parse_dtz(s.get("end"), "end")) for s in slots]
    else:
        today = datetime.now(UTC).astimezone(zone).date()
        windows = [
            (
                datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(UTC),
                datetime.combine(today + timedelta(days=3), datetime.min.time(), tzinfo=zone).astimezone(UTC),
            )
        ]
    max_candidates = int(body.get("maxCandidates") or 5)
    people = [a for a in attendees if a["type"] != "resource"]
    if not body.get("isOrganizerOptional"):
        organizer = request.user
        people = [{"type": "required", "emailAddress": email(organizer.mail, organizer.displayName)}, *people]
    suggestions = []
    step = timedelta(minutes=30)
    for window_start, window_end in windows:
        busy = {
            p["emailAddress"]["address"]: _busy(request.tenant, p["emailAddress"]["address"], window_start, window_end)
            for p in people
        }
        slot = window_start + (-(window_start - datetime(2000, 1, 1, tzinfo=UTC)) % step)
        while slot + duration <= window_end and len(suggestions) < max_candidates:
            local = slot.astimezone(zone)
            local_end = (slot + duration).astimezone(zone)
            in_hours = (
                local.weekday() < 5
                and local.hour >= 8
                and (local_end.hour, local_end.minute) <= (17, 0)
                and local_end.date() == local.date()
            )
            if in_hours:
                availability = []
                for person in people:
                    items = busy[person["emailAddress"]["address"]]
                    if items is None:
                        state = "unknown"
                    elif any(
                        e["showAs"] != "free" and from_dtz(e["start"]) < slot + duration and from_dtz(e["end"]) > slot
                        for e in items
                    ):
                        state = "busy"
                    else:
                        state = "free"
                    availability.append((person, state))
                if all(state != "busy" for _, state in availability):
                    zone_name = _zone_name(request) or "UTC"
                    suggestions.append(
                        {
                            "confidence": 100.0 if all(s == "free" for _, s in availability) else 50.0,
                            "organizerAvailability": "free",
                            "suggestionReason": "Suggested because it is one of the nearest times when all attendees "
                            "are available.",
                            "meetingTimeSlot": {
                                "start": in_zone(to_utc_dtz(slot), zone_name),
                                "end": in_zone(to_utc_dtz(slot + duration), zone_name),
                            },
                            "attendeeAvailability": [
                                {
                                    "attendee": {
                                        "type": p["type"],
                                        "emailAddress": {"address": p["emailAddress"]["address"]},
                                    },
                                    "availability": s,
                                }
                                for p, s in availability
                                if p is not people[0] or body.get("isOrganizerOptional")
                            ],
                            "locations": [],
                        }
                    )
            slot += step
    reason = "" if suggestions else "AttendeesUnavailable"
    context = f"{request.base_url}/v1.0/$metadata#microsoft.graph.meetingTimeSuggestionsResult"
    return respond(
        request, {"@odata.context": context, "emptySuggestionsReason": reason, "meetingTimeSuggestions": suggestions}
    )


# --- places ----------------------------------------------------------------------------------------

ROOM_FIELDS = frozenset(
    {
        "displayName",
        "nickname",
        "building",
        "floorNumber",
        "floorLabel",
        "label",
        "capacity",
        "bookingType",
        "audioDeviceName",
        "videoDeviceName",
        "displayDeviceName",
        "isWheelChairAccessible",
        "tags",
        "phone",
        "address",
        "geoCoordinates",
    }
)
ROOM_LIST_FIELDS = frozenset({"displayName", "phone", "address", "geoCoordinates", "tags"})


def _place(request: SandboxRequest, kind: str | None = None, key: str | None = None) -> dict[str, Any]:
    wanted = (key or request.params["placeId"]).lower()
    for place in request.tenant.store[PLACES_KEY].values():
        if wanted in (place["id"].lower(), place["emailAddress"].lower()):
            if kind is None or place["@odata.type"] == f"#microsoft.graph.{kind}":
                return place
            break
    raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)


def _public(place: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in place.items() if not k.startswith("_")}


async def get_room(request: SandboxRequest) -> Any:
    return respond(request, select_item(request, _public(_place(request, "room"))))


async def get_room_list(request: SandboxRequest) -> Any:
    return respond(request, select_item(request, _public(_place(request, "roomList"))))


def _rooms_of(request: SandboxRequest) -> list[dict[str, Any]]:
    room_list = _place(request, "roomList")
    return [p for p in request.tenant.store[PLACES_KEY].values() if p.get("_roomList") == room_list["emailAddress"]]


async def list_room_list_rooms(request: SandboxRequest) -> Any:
    rooms = [_public(r) for r in _rooms_of(request)]
    return respond(request, list_page(request, rooms, search_fields=("displayName", "nickname", "emailAddress")))


async def get_room_list_room(request: SandboxRequest) -> Any:
    wanted = request.params["roomId"].lower()
    for room in _rooms_of(request):
        if wanted in (room["id"].lower(), room["emailAddress"].lower()):
            return respond(request, select_item(request, _public(room)))
    raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)


async def update_place(request: SandboxRequest) -> Any:
    place = _place(request)
    body = json_object(request)
    declared = body.get("@odata.type")
    if declared != place["@odata.type"]:
        raise GraphError(
            400,
            "ErrorInvalidRequest",
            f"The @odata.type '{declared}' does not match the place ({place['@odata.type']}).",
        )
    allowed = ROOM_FIELDS if place["@odata.type"].endswith(".room") else ROOM_LIST_FIELDS
    refuse_unknown(body, allowed, place["@odata.type"].rsplit(".", 1)[1])
    if "capacity" in body and (not isinstance(body["capacity"], int) or body["capacity"] < 0):
        raise GraphError(400, "ErrorInvalidRequest", "capacity must be a non-negative integer.")
    place.update({k: v for k, v in body.items() if k != "@odata.type"})
    return respond(request, select_item(request, _public(place)))


# --- wiring ---------------------------------------------------------------------------------------


def setup(tenant: SandboxTenant, now: datetime | None = None) -> None:
    """Seed every user's calendars and the rooms, and serve the calendar routes."""
    tenant.store[STORE_KEY] = seed(tenant, now)
    tenant.store[PLACES_KEY] = places()
    route = tenant.route
    # Function segments (delta()) first, so they are not taken for event ids.
    route("GET", "/me/events/delta()")(events_delta)
    route("GET", "/me/calendarView/delta()")(view_delta)
    for base in ("/me", "/users/{userId}"):
        route("GET", base + "/events")(list_events)
        route("GET", base + "/calendar/events")(list_events)
        route("POST", base + "/events")(create_event)
        route("GET", base + "/calendarView")(calendar_view)
        route("GET", base + "/calendars")(list_calendars)
        route("POST", base + "/calendars")(create_calendar)
        route("GET", base + "/calendar/calendarPermissions")(list_permissions)
        route("POST", base + "/calendar/calendarPermissions")(create_permission)
        route("PATCH", base + "/calendar/calendarPermissions/{calendarPermissionId}")(update_permission)
        route("DELETE", base + "/calendar/calendarPermissions/{calendarPermissionId}")(delete_permission)
        route("POST", base + "/calendar/getSchedule")(get_schedule)
        route("POST", base + "/findMeetingTimes")(find_meeting_times)
        for events in (base + "/events/{eventId}", base + "/calendars/{calendarId}/events/{eventId}"):
            route("GET", events)(get_event)
            route("PATCH", events)(update_event)
            route("DELETE", events)(delete_event)
            route("GET", events + "/instances")(instances)
        event = base + "/events/{eventId}"
        route("POST", event + "/accept")(_respond_to("accepted"))
        route("POST", event + "/decline")(_respond_to("declined"))
        route("POST", event + "/tentativelyAccept")(_respond_to("tentativelyAccepted"))
        route("POST", event + "/cancel")(cancel_event)
        route("POST", event + "/forward")(forward_event)
        route("POST", event + "/snoozeReminder")(snooze_reminder)
        route("POST", event + "/dismissReminder")(dismiss_reminder)
        calendar = base + "/calendars/{calendarId}"
        route("GET", calendar)(get_calendar)
        route("PATCH", calendar)(update_calendar)
        route("DELETE", calendar)(delete_calendar)
        route("GET", calendar + "/events")(list_calendar_events)
        route("POST", calendar + "/events")(create_calendar_event)
        route("GET", calendar + "/calendarView")(specific_calendar_view)
    for prefix in ("graph", "microsoft.graph"):
        route("GET", "/places/{placeId}/" + prefix + ".room")(get_room)
        route("GET", "/places/{placeId}/" + prefix + ".roomList")(get_room_list)
        route("GET", "/places/{placeId}/" + prefix + ".roomList/rooms")(list_room_list_rooms)
        route("GET", "/places/{placeId}/" + prefix + ".roomList/rooms/{roomId}")(get_room_list_room)
    route("PATCH", "/places/{placeId}")(update_place)
