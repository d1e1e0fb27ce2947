"""Believable, deterministic calendars for the sandbox tenant.

Meetings are written once, with their organizer and attendees, and a copy lands in the calendar
of every tenant user taking part (as Exchange does), so free/busy, getSchedule, findMeetingTimes
and shared calendars all agree. Times are wall-clock times in the users' zone, placed in the
week that contains "now", so "this week" stays this week whenever the sandbox starts.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs

from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser
from ms365mcp_calendar.store import CalendarBook, email
from ms365mcp_calendar.timezones import zone_info
from ms365mcp_calendar.tools import PERMISSION_ROLES

#: The zone the sandbox users work in (the mail plugin's mailbox settings use the same).
USER_ZONE = "Pacific Standard Time"
#: A seeded event whose id needs percent-encoding ("/", "+", "="), to test encoding end to end.
ENCODED_EVENT_ID = "AAMkAGI2cal/Q4+launch=plan/AAA="

EXTERNAL = {
    "lidia": ("Lidia Holloway", "lidia.holloway@fabrikam.example"),
    "pradeep": ("Pradeep Gupta", "pradeep@litware.example"),
    "isaiah": ("Isaiah Langer", "isaiah@proseware.example"),
}

ROOM_LISTS = (
    ("bldg1@contoso.sandbox", "Building 1", "Redmond"),
    ("bldg2@contoso.sandbox", "Building 2", "Seattle"),
)
ROOMS = (
    # email, name, room list, floor, capacity, devices, wheelchair, tags
    ("adams@contoso.sandbox", "Conf Room Adams", "bldg1@contoso.sandbox", 1, 8, True, True, ["Whiteboard"]),
    ("baker@contoso.sandbox", "Conf Room Baker", "bldg1@contoso.sandbox", 2, 12, True, True, ["Video", "Whiteboard"]),
    ("crystal@contoso.sandbox", "Conf Room Crystal", "bldg1@contoso.sandbox", 2, 4, False, False, []),
    ("rainier@contoso.sandbox", "Conf Room Rainier", "bldg2@contoso.sandbox", 3, 20, True, True, ["Video"]),
    ("stevens@contoso.sandbox", "Conf Room Stevens", "bldg2@contoso.sandbox", 3, 6, False, True, ["Quiet"]),
)


@attrs.frozen
class Meeting:
    """One seeded meeting: the day is counted from Monday of the current week."""

    subject: str
    day: int
    start: str
    minutes: int
    organizer: str
    attendees: tuple[str, ...] = ()
    location: str = ""
    online: bool = False
    body: str = ""
    responses: dict[str, str] = attrs.field(factory=dict)
    """Attendee key -> response; others have accepted."""
    show_as: str = "busy"
    recurrence: dict[str, Any] | None = None
    all_day: bool = False
    sensitivity: str = "normal"
    categories: tuple[str, ...] = ()
    calendar: str = "Calendar"
    event_id: str | None = None


def _p(*paragraphs: str) -> str:
    return "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"


MEETINGS = (
    Meeting(
        "Marketing stand-up",
        -21,
        "09:00",
        15,
        "megan",
        ("adele", "alex"),
        online=True,
        body=_p("Daily check-in: yesterday, today, blockers."),
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday", "friday"]},
            "range": {"type": "noEnd"},
        },
    ),
    Meeting(
        "1:1 Adele / Megan",
        -13,
        "14:00",
        30,
        "megan",
        ("adele",),
        location="Conf Room Crystal",
        body=_p("Weekly one-on-one."),
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
            "range": {"type": "numbered", "numberOfOccurrences": 12},
        },
    ),
    Meeting(
        "Weekly wrap-up",
        -3,
        "16:00",
        30,
        "adele",
        ("alex", "megan"),
        online=True,
        body=_p("What shipped, what slipped."),
    ),
    Meeting(
        "Q4 launch planning",
        0,
        "10:00",
        60,
        "adele",
        ("alex", "megan", "diego", "lidia"),
        location="Conf Room Adams",
        online=True,
        event_id=ENCODED_EVENT_ID,
        categories=("Launch",),
        body=_p("Agenda:", "1. Launch timeline<br>2. Press kit status<br>3. Budget check"),
        responses={"diego": "tentativelyAccepted", "lidia": "none"},
    ),
    Meeting(
        "Lunch with Lidia (Fabrikam)",
        0,
        "12:30",
        60,
        "adele",
        ("lidia",),
        location="Café Nero, Pike St",
        body=_p("Catch up on the co-marketing deal."),
    ),
    Meeting(
        "Press kit review",
        1,
        "11:00",
        60,
        "lidia",
        ("adele", "alex"),
        online=True,
        body=_p("Fabrikam would like to walk through the press kit draft."),
        responses={"adele": "notResponded", "alex": "notResponded"},
    ),
    Meeting(
        "Budget review",
        1,
        "15:00",
        60,
        "diego",
        ("adele", "megan"),
        location="Conf Room Baker",
        body=_p("Review Q4 spend against plan. Please bring the campaign numbers."),
        responses={"adele": "tentativelyAccepted"},
        categories=("Finance",),
    ),
    Meeting(
        "Customer call: Litware",
        2,
        "10:30",
        45,
        "adele",
        ("pradeep",),
        online=True,
        body=_p("Renewal discussion with Pradeep."),
    ),
    Meeting("Focus time", 2, "13:00", 120, "adele", show_as="busy", sensitivity="private"),
    Meeting(
        "Venue walkthrough",
        3,
        "09:30",
        60,
        "megan",
        ("adele", "alex"),
        location="Contoso HQ lobby",
        body=_p("Meet at the front desk."),
        responses={"adele": "notResponded"},
    ),
    Meeting(
        "Quarterly business review",
        3,
        "14:00",
        90,
        "adele",
        ("megan", "diego", "isaiah"),
        location="Conf Room Rainier",
        online=True,
        body=_p("QBR deck is in the Marketing site."),
        responses={"isaiah": "declined"},
    ),
    Meeting(
        "Team lunch",
        4,
        "12:00",
        60,
        "alex",
        ("adele", "megan", "diego"),
        location="Cafeteria, Building 2",
        show_as="free",
    ),
    Meeting("Sprint demo day", 4, "00:00", 24 * 60, "megan", ("adele", "alex"), all_day=True, show_as="free"),
    Meeting(
        "Launch retrospective",
        7,
        "10:00",
        60,
        "adele",
        ("alex", "megan"),
        location="Conf Room Adams",
        body=_p("What went well, what to change."),
    ),
    Meeting(
        "Campaign asset review",
        8,
        "11:00",
        60,
        "adele",
        ("alex",),
        calendar="Marketing launches",
        body=_p("Final check of the banner set."),
    ),
    Meeting("Social calendar go-live", 9, "09:00", 30, "adele", calendar="Marketing launches"),
    # Busy time of other people, so free/busy has something to say about them.
    Meeting("Dentist", 2, "08:00", 90, "alex", sensitivity="private", show_as="oof"),
    Meeting("Interviews", 1, "09:00", 180, "diego", location="Conf Room Stevens"),
    Meeting("Agency sync", 3, "15:30", 60, "megan", ("lidia",), online=True),
)


def _monday(now: datetime) -> date:
    local = now.astimezone(zone_info(USER_ZONE)).date()
    return local - timedelta(days=local.weekday())


def _party(key: str, users: dict[str, SandboxUser]) -> dict[str, str]:
    if key in users:
        return email(users[key].mail, users[key].displayName)
    name, address = EXTERNAL[key]
    return email(address, name)


def _room(location: str) -> dict[str, Any]:
    for address, name, *_ in ROOMS:
        if name == location:
            return {
                "displayName": name,
                "locationType": "conferenceRoom",
                "locationEmailAddress": address,
                "uniqueId": address,
                "uniqueIdType": "directory",
            }
    return {"displayName": location, "locationType": "default", "uniqueIdType": "private"} if location else {}


def _fields(meeting: Meeting, monday: date, users: dict[str, SandboxUser]) -> dict[str, Any]:
    day = monday + timedelta(days=meeting.day)
    start = datetime.combine(day, time.fromisoformat(meeting.start))
    end = start + timedelta(minutes=meeting.minutes)
    zone = "UTC" if meeting.all_day else USER_ZONE
    attendees = [
        {
            "type": "required",
            "status": {"response": meeting.responses.get(key, "accepted"), "time": "0001-01-01T00:00:00Z"},
            "emailAddress": _party(key, users),
        }
        for key in meeting.attendees
        if key in users or key in EXTERNAL
    ]
    room = _room(meeting.location)
    if room.get("locationType") == "conferenceRoom":
        attendees.append(
            {
                "type": "resource",
                "status": {"response": "accepted", "time": "0001-01-01T00:00:00Z"},
                "emailAddress": email(room["locationEmailAddress"], room["displayName"]),
            }
        )
    fields: dict[str, Any] = {
        "subject": meeting.subject,
        "start": {"dateTime": start.isoformat(), "timeZone": zone},
        "end": {"dateTime": end.isoformat(), "timeZone": zone},
        "body": {"contentType": "html", "content": meeting.body or _p("")},
        "attendees": attendees,
        "isAllDay": meeting.all_day,
        "isOnlineMeeting": meeting.online,
        "showAs": meeting.show_as,
        "sensitivity": meeting.sensitivity,
        "categories": list(meeting.categories),
    }
    if room:
        fields["location"] = room
    if meeting.recurrence:
        recurrence = {"pattern": dict(meeting.recurrence["pattern"]), "range": dict(meeting.recurrence["range"])}
        recurrence["range"].update(startDate=day.isoformat(), recurrenceTimeZone=USER_ZONE)
        fields["recurrence"] = recurrence
    return fields


def new_book(user: SandboxUser) -> CalendarBook:
    """An empty calendar book with the default calendar and the usual organisation-wide share."""
    book = CalendarBook(owner=user, rng=random.Random(f"ms365mcp-calendar:{user.id}"))
    book.add_calendar("Calendar", "auto", default=True)
    share_id = "RGVmYXVsdA=="
    book.permissions[share_id] = {
        "id": share_id,
        "isRemovable": False,
        "isInsideOrganization": True,
        "role": "freeBusyRead",
        "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read"],
        "emailAddress": {"name": "My Organization"},
    }
    return book


def share(book: CalendarBook, user: SandboxUser, role: str) -> dict[str, Any]:
    """Give ``user`` a role on the book's default calendar."""
    perm_id = "RXh0ZXJuYWw" + book.new_id()[8:24]
    permission = {
        "id": perm_id,
        "isRemovable": True,
        "isInsideOrganization": True,
        "role": role,
        "allowedRoles": list(PERMISSION_ROLES),
        "emailAddress": email(user.mail, user.displayName),
    }
    book.permissions[perm_id] = permission
    return permission


def _holidays(book: CalendarBook, year: int) -> None:
    calendar = book.add_calendar("United States holidays", "lightTeal", can_edit=False)
    november = date(year, 11, 1)
    thanksgiving = november + timedelta(days=(3 - november.weekday()) % 7 + 21)
    organizer = email("calendar@holidays.example", "United States holidays")
    for day, name in (
        (thanksgiving, "Thanksgiving Day"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year + 1, 1, 1), "New Year's Day"),
    ):
        fields = {
            "subject": name,
            "start": {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": "UTC"},
            "end": {"dateTime": f"{(day + timedelta(days=1)).isoformat()}T00:00:00", "timeZone": "UTC"},
            "isAllDay": True,
            "showAs": "free",
            "isReminderOn": False,
            "responseRequested": False,
        }
        book.add_event(calendar["id"], fields, organizer=organizer, is_organizer=False, response="none")


def places() -> dict[str, dict[str, Any]]:
    """Room lists (buildings) and rooms, by id."""
    result: dict[str, dict[str, Any]] = {}
    rng = random.Random("ms365mcp-calendar:places")
    for address, name, city in ROOM_LISTS:
        place_id = "5e6a4c1f-" + rng.randbytes(4).hex() + "-4000-8000-" + rng.randbytes(6).hex()
        result[place_id] = {
            "@odata.type": "#microsoft.graph.roomList",
            "id": place_id,
            "displayName": name,
            "emailAddress": address,
            "phone": "+1 425 555 0100",
            "address": {
                "street": "1 Microsoft Way",
                "city": city,
                "state": "WA",
                "countryOrRegion": "US",
                "postalCode": "98052",
            },
        }
    for address, name, room_list, floor, capacity, av, wheelchair, tags in ROOMS:
        place_id = "7b3d9a2e-" + rng.randbytes(4).hex() + "-4000-8000-" + rng.randbytes(6).hex()
        building = next(n for a, n, _ in ROOM_LISTS if a == room_list)
        result[place_id] = {
            "@odata.type": "#microsoft.graph.room",
            "id": place_id,
            "displayName": name,
            "emailAddress": address,
            "nickname": name.removeprefix("Conf Room "),
            "building": building,
            "floorNumber": floor,
            "floorLabel": str(floor),
            "label": f"{building} / {floor}",
            "capacity": capacity,
            "bookingType": "standard",
            "audioDeviceName": "Teams Room audio" if av else None,
            "videoDeviceName": "Teams Room camera" if av else None,
            "displayDeviceName": "75-inch display" if av else None,
            "isWheelChairAccessible": wheelchair,
            "tags": list(tags),
            "phone": None,
            "_roomList": room_list,
        }
    return result


def seed(tenant: SandboxTenant, now: datetime | None = None) -> dict[str, CalendarBook]:
    """A calendar book for every tenant user, with this week's meetings in each participant's calendar."""
    now = now or datetime.now(UTC)
    users = {u.mail.split("@")[0]: u for u in tenant.users}
    books = {u.id: new_book(u) for u in tenant.users}
    me = tenant.me
    books[me.id].add_calendar("Marketing launches", "lightGreen")
    _holidays(books[me.id], _monday(now).year)
    monday = _monday(now)
    rng = random.Random("ms365mcp-calendar:meetings")
    for meeting in MEETINGS:
        if meeting.organizer not in users and meeting.organizer not in EXTERNAL:
            continue
        fields = _fields(meeting, monday, users)
        organizer = _party(meeting.organizer, users)
        ical = "040000008200E00074C5B7101A82E008" + rng.randbytes(16).hex().upper()
        for key in (meeting.organizer, *meeting.attendees):
            user = users.get(key)
            if user is None:
                continue
            book = books[user.id]
            calendar_id = book.default_calendar_id
            if meeting.calendar != "Calendar" and user.id == me.id:
                calendar_id = next(c["id"] for c in book.calendars.values() if c["name"] == meeting.calendar)
            is_organizer = key == meeting.organizer
            event_id = meeting.event_id if (meeting.event_id and user.id == me.id) else None
            book.add_event(
                calendar_id,
                fields,
                organizer=organizer,
                is_organizer=is_organizer,
                response=meeting.responses.get(key, "accepted"),
                event_id=event_id,
                ical_uid=ical,
                now=now - timedelta(days=20),
            )
    # Colleagues share their calendars with the signed-in user; the user shares with two of them.
    for key, role in (("megan", "write"), ("alex", "read")):
        if key in users and users[key].id != me.id:
            share(books[me.id], users[key], role)
    for user in tenant.users:
        if user.id != me.id and not user.mail.startswith("support@"):
            share(books[user.id], me, "read")
    return books
