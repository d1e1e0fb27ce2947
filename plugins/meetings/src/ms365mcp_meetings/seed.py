"""The sandbox's meetings data: Adele's Teams meetings with their artifacts, one ad hoc call and a webinar.

Everything is built from fixed dates and a seeded random generator, so every tenant starts with the
same ids and the same transcripts; tests and demos can rely on them.
"""

from __future__ import annotations

import base64
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser

#: The sandbox organisation's tenant id, as Graph writes it in identities and join links.
TENANT_ID = "3c9f5e1a-7b42-4d8e-a1f0-5c2b7e9d4a60"
#: The first seeded meeting: its id holds "/", "+" or "=" so percent-encoding is exercised end to end.
LAUNCH_SUBJECT = "Contoso Drone Launch Sync"
#: A few bytes standing in for an MP4 recording (an ``ftyp`` box and a ``free`` box).
RECORDING_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free"
WEBINAR_TITLE = "Contoso Drone Launch: Live Product Tour"


def stamp(moment: datetime) -> str:
    """Graph's UTC timestamp form."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def zoned(moment: datetime) -> dict[str, str]:
    """A dateTimeTimeZone in UTC, as virtual events write start and end."""
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def user_identity(user: SandboxUser | None, display: str = "") -> dict[str, Any]:
    """An identitySet for a tenant user, or for a guest outside the tenant."""
    if user is None:
        return {"application": None, "device": None, "user": {"id": None, "displayName": display, "tenantId": None}}
    return {
        "application": None,
        "device": None,
        "user": {"id": user.id, "displayName": user.displayName, "tenantId": TENANT_ID},
    }


@attrs.define
class MeetingBook:
    """One organizer's online meetings and everything recorded about them."""

    owner: SandboxUser
    rng: random.Random
    meetings: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    transcripts: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    """Meeting id (or ad hoc call id) -> transcripts."""
    vtt: dict[str, str] = attrs.field(factory=dict)
    """Transcript id -> WebVTT text."""
    recordings: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    reports: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    records: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    """Attendance report id -> attendance records."""
    adhoc_calls: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    def guid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.randbytes(16), version=4))

    def token(self, size: int = 12) -> str:
        return base64.b32encode(self.rng.randbytes(size)).decode().rstrip("=").lower()

    def new_meeting_id(self, thread: str) -> str:
        """Graph's meeting ids are base64 of ``1*<organizer>*0**<thread id>``; odd lengths keep the padding."""
        raw = f"1*{self.owner.id}*0**{thread}"
        if len(raw) % 3 == 0:
            raw += "_"
        return base64.b64encode(raw.encode()).decode()

    def artifact_id(self) -> str:
        """Transcript and recording ids: base64 of an opaque key, as Graph hands them out."""
        return base64.b64encode(f"1*{self.guid()}*{self.token(6)}".encode()).decode().rstrip("=")

    def add_meeting(self, fields: dict[str, Any], tenant: SandboxTenant, now: datetime) -> dict[str, Any]:
        """A meeting organised by the book's owner; ``fields`` were checked by the caller."""
        thread = f"19:meeting_{self.token(18)}@thread.v2"
        meeting_id = self.new_meeting_id(thread)
        start = fields.get("startDateTime") or stamp(now)
        end = fields.get("endDateTime") or stamp(parse_utc(start) + timedelta(hours=1))
        join_id = "".join(str(self.rng.randint(0, 9)) for _ in range(12))
        context = f"%7b%22Tid%22%3a%22{TENANT_ID}%22%2c%22Oid%22%3a%22{self.owner.id}%22%7d"
        meeting: dict[str, Any] = {
            "id": meeting_id,
            "creationDateTime": stamp(now),
            "startDateTime": start,
            "endDateTime": end,
            "subject": fields.get("subject"),
            "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/"
            + thread.replace(":", "%3a").replace("@", "%40")
            + f"/0?context={context}",
            "joinMeetingIdSettings": {
                "joinMeetingId": join_id,
                "passcode": self.token(4)[:6],
                "isPasscodeRequired": True,
            },
            "videoTeleconferenceId": None,
            "externalId": None,
            "isEntryExitAnnounced": True,
            "allowedPresenters": "everyone",
            "allowMeetingChat": "enabled",
            "allowTeamworkReactions": True,
            "allowAttendeeToEnableCamera": True,
            "allowAttendeeToEnableMic": True,
            "recordAutomatically": False,
            "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
            "chatInfo": {"threadId": thread, "messageId": "0", "replyChainMessageId": None},
            "participants": {
                "organizer": {
                    "upn": self.owner.userPrincipalName,
                    "role": "presenter",
                    "identity": user_identity(self.owner),
                },
                "attendees": [],
            },
        }
        meeting.update({k: v for k, v in fields.items() if k not in ("startDateTime", "endDateTime", "participants")})
        if "participants" in fields:
            meeting["participants"]["attendees"] = attendees(fields["participants"], tenant)
        self.meetings[meeting_id] = meeting
        return meeting

    def add_transcript(
        self, key: str, meeting_id: str | None, call_id: str, start: datetime, end: datetime, vtt: str
    ) -> dict[str, Any]:
        transcript = {
            "id": self.artifact_id(),
            "meetingId": meeting_id,
            "callId": call_id,
            "contentCorrelationId": self.guid(),
            "createdDateTime": stamp(end + timedelta(minutes=1)),
            "endDateTime": stamp(end),
            "meetingOrganizer": user_identity(self.owner),
        }
        self.transcripts.setdefault(key, []).append(transcript)
        self.vtt[transcript["id"]] = vtt
        return transcript

    def add_report(self, meeting_id: str, start: datetime, people: list[tuple[Any, str, int]]) -> dict[str, Any]:
        """One run of a meeting: ``people`` are (user or guest address, role, minutes attended)."""
        records = []
        for who, role, minutes in people:
            joined = start + timedelta(minutes=self.rng.randint(0, 3))
            if isinstance(who, SandboxUser):
                identity = {"id": who.id, "displayName": who.displayName, "tenantId": TENANT_ID}
                email = who.mail
            else:
                identity = {"id": "", "displayName": who.split("@")[0].replace(".", " ").title(), "tenantId": None}
                email = who
            records.append(
                {
                    "id": identity["id"] or self.guid(),
                    "emailAddress": email,
                    "totalAttendanceInSeconds": minutes * 60,
                    "role": role,
                    "identity": identity,
                    "attendanceIntervals": [
                        {
                            "joinDateTime": stamp(joined),
                            "leaveDateTime": stamp(joined + timedelta(minutes=minutes)),
                            "durationInSeconds": minutes * 60,
                        }
                    ],
                }
            )
        longest = max(minutes for _, _, minutes in people)
        report = {
            "id": self.guid(),
            "totalParticipantCount": len(people),
            "meetingStartDateTime": stamp(start),
            "meetingEndDateTime": stamp(start + timedelta(minutes=longest + 3)),
            "externalEventInformation": [],
        }
        self.reports.setdefault(meeting_id, []).append(report)
        self.records[report["id"]] = records
        return report


def parse_utc(text: str) -> datetime:
    """A Graph timestamp (any ISO 8601 form) as an aware UTC datetime; raises ValueError."""
    value = text.strip()
    if "." in value:  # Graph writes seven fractional digits; Python reads at most six
        head, _, tail = value.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        value = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def attendees(participants: dict[str, Any], tenant: SandboxTenant) -> list[dict[str, Any]]:
    """Graph fills in the identity of attendees it knows from their UPN."""
    out = []
    for entry in participants.get("attendees") or []:
        upn = entry.get("upn")
        user = tenant.find_user(upn) if upn else None
        identity = entry.get("identity") or user_identity(user, upn or "")
        out.append({"upn": upn, "role": entry.get("role", "attendee"), "identity": identity})
    return out


def _vtt(lines: list[tuple[str, str]], start_second: int = 0) -> str:
    """WebVTT cues with ``<v Speaker>`` voice tags, about six seconds apart."""
    cues = ["WEBVTT", ""]
    second = start_second
    for speaker, text in lines:
        length = 2 + len(text) // 18
        begin, end = second, second + length

        def clock(s: int) -> str:
            return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}.000"

        cues += [f"{clock(begin)} --> {clock(end)}", f"<v {speaker}>{text}</v>", ""]
        second = end + 1
    return "\n".join(cues)


LAUNCH_TALK = [
    ("Adele Vance", "Thanks for joining. Let's walk through the launch timeline for the X1 drone."),
    ("Alex Wilber", "The landing page copy is final; legal signed off on Friday."),
    ("Megan Bowen", "Paid social starts the Monday before launch, budget is locked at forty thousand."),
    ("Adele Vance", "Good. Fabrikam wants a preview unit for their review by the twentieth."),
    ("Lidia Holloway", "We can publish our review the same morning the embargo lifts."),
    ("Megan Bowen", "Then I'll move the press release to nine a.m. Pacific."),
    ("Adele Vance", "Action items: Alex ships the preview unit, Megan updates the press plan. Thanks all."),
]
STANDUP_TALKS = [
    [
        ("Adele Vance", "Quick round. Alex, anything blocking?"),
        ("Alex Wilber", "Waiting on product photos from the studio, expected Wednesday."),
        ("Megan Bowen", "Newsletter went out, open rate thirty-four percent."),
    ],
    [
        ("Adele Vance", "Morning. Photos arrived?"),
        ("Alex Wilber", "Yes, they're in the Marketing site under Launch Assets."),
        ("Megan Bowen", "I need two more testimonials for the brochure."),
        ("Adele Vance", "I'll ask Fabrikam and Litware today."),
    ],
]
ADHOC_TALK = [
    ("Adele Vance", "Hey Diego, thanks for picking up. About the new product designer role."),
    ("Diego Siciliani", "Sure. We have three candidates for the final round."),
    ("Adele Vance", "Can we do the interviews the first week of December?"),
    ("Diego Siciliani", "Yes, I'll send the invitations this afternoon."),
]


def seed_books(tenant: SandboxTenant) -> dict[str, MeetingBook]:
    """A book per user; Adele's holds four meetings, their artifacts and one ad hoc call."""
    books = {u.id: new_book(u) for u in tenant.users}
    me = tenant.me
    book = books[me.id]
    alex, megan, diego = (_user(tenant, n) for n in ("alex", "megan", "diego"))
    guest = "lidia.holloway@fabrikam.example"
    created = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)

    def meeting(subject: str, start: datetime, minutes: int, people: list[str]) -> dict[str, Any]:
        return book.add_meeting(
            {
                "subject": subject,
                "startDateTime": stamp(start),
                "endDateTime": stamp(start + timedelta(minutes=minutes)),
                "participants": {"attendees": [{"upn": p, "role": "attendee"} for p in people]},
            },
            tenant,
            created,
        )

    launch_start = datetime(2026, 11, 9, 16, 0, tzinfo=UTC)
    launch = meeting(LAUNCH_SUBJECT, launch_start, 45, [alex.mail, megan.mail, guest])
    launch["recordAutomatically"] = True
    call_id = book.guid()
    end = launch_start + timedelta(minutes=41)
    book.add_transcript(launch["id"], launch["id"], call_id, launch_start, end, _vtt(LAUNCH_TALK))
    book.recordings[launch["id"]] = [
        {
            "id": book.artifact_id(),
            "meetingId": launch["id"],
            "callId": call_id,
            "contentCorrelationId": book.transcripts[launch["id"]][0]["contentCorrelationId"],
            "createdDateTime": stamp(end + timedelta(minutes=2)),
            "endDateTime": stamp(end),
            "meetingOrganizer": user_identity(me),
        }
    ]
    book.add_report(
        launch["id"],
        launch_start,
        [(me, "Organizer", 44), (alex, "Attendee", 41), (megan, "Attendee", 43), (guest, "External", 25)],
    )

    standup = meeting(
        "Weekly Marketing Stand-up", datetime(2026, 11, 10, 8, 30, tzinfo=UTC), 15, [alex.mail, megan.mail]
    )
    for week, talk in enumerate(STANDUP_TALKS):
        start = datetime(2026, 11, 10 + 7 * week, 8, 30, tzinfo=UTC)
        book.add_transcript(standup["id"], standup["id"], book.guid(), start, start + timedelta(minutes=12), _vtt(talk))
        people = [(me, "Organizer", 14), (alex, "Attendee", 13 - week), (megan, "Presenter", 12)]
        book.add_report(standup["id"], start, people)

    meeting("Product Designer interview loop", datetime(2026, 12, 1, 17, 0, tzinfo=UTC), 60, [diego.mail])
    meeting("Q1 budget review", datetime(2026, 12, 8, 18, 0, tzinfo=UTC), 30, [megan.mail])

    adhoc_start = datetime(2026, 11, 12, 14, 5, tzinfo=UTC)
    adhoc_id = book.guid()
    adhoc_end = adhoc_start + timedelta(minutes=9)
    book.adhoc_calls[adhoc_id] = {"id": adhoc_id, "startDateTime": stamp(adhoc_start), "endDateTime": stamp(adhoc_end)}
    book.add_transcript(adhoc_id, None, adhoc_id, adhoc_start, adhoc_end, _vtt(ADHOC_TALK))
    return books


def _user(tenant: SandboxTenant, name: str) -> SandboxUser:
    """A default sandbox user by mail nickname; other users in the tenant leave the seed unchanged."""
    found = tenant.find_user(f"{name}@contoso.sandbox")
    return found if found is not None else tenant.me


def new_book(user: SandboxUser) -> MeetingBook:
    return MeetingBook(owner=user, rng=random.Random(f"ms365mcp-meetings:{user.id}"))


def seed_webinars(tenant: SandboxTenant) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """One published webinar by Adele with a main session and a Q&A session."""
    rng = random.Random("ms365mcp-meetings:webinars")

    def event_id() -> str:
        return f"{uuid.UUID(bytes=rng.randbytes(16), version=4)}@{TENANT_ID}"

    me = tenant.me
    megan = _user(tenant, "megan")
    start = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    webinar_id = event_id()
    webinar = {
        "id": webinar_id,
        "displayName": WEBINAR_TITLE,
        "description": {
            "contentType": "text",
            "content": "See the X1 drone fly, learn what's new and ask the product team anything.",
        },
        "startDateTime": zoned(start),
        "endDateTime": zoned(start + timedelta(minutes=90)),
        "status": "published",
        "audience": "everyone",
        "createdBy": {"user": {"id": me.id, "displayName": me.displayName, "tenantId": TENANT_ID}},
        "coOrganizers": [{"id": megan.id, "tenantId": TENANT_ID}],
        "settings": {"isAttendeeEmailNotificationEnabled": True},
    }
    sessions = []
    for subject, offset, minutes in (("Live product tour", 0, 60), ("Ask the product team", 60, 30)):
        begin = start + timedelta(minutes=offset)
        thread = f"19:meeting_{base64.b32encode(rng.randbytes(15)).decode().lower()}@thread.v2"
        sessions.append(
            {
                "id": event_id(),
                "subject": subject,
                "startDateTime": zoned(begin),
                "endDateTime": zoned(begin + timedelta(minutes=minutes)),
                "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/"
                + thread.replace(":", "%3a").replace("@", "%40")
                + "/0",
                "allowAttendeeToEnableCamera": False,
                "allowAttendeeToEnableMic": False,
                "allowMeetingChat": "enabled",
                "allowTeamworkReactions": True,
                "recordAutomatically": True,
            }
        )
    return {webinar_id: webinar}, {webinar_id: sessions}
