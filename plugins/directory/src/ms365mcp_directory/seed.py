"""The sandbox directory's seeded data: user details, the org chart, groups, people, insights, search hits.

Everything is derived from the tenant's own users (Adele is ``tenant.me``) so mail, calendar and the
directory agree on who exists. Times are relative to the day the tenant is built, so a calendar window
around "now" always finds the group's events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser

#: Extra profile fields by the local part of the user's UPN.
USER_DETAILS: dict[str, dict[str, Any]] = {
    "adele": {
        "givenName": "Adele",
        "surname": "Vance",
        "officeLocation": "18/2111",
        "businessPhones": ["+1 425 555 0109"],
        "mobilePhone": "+1 425 555 0199",
        "city": "Bellevue",
        "country": "United States",
        "preferredLanguage": "en-US",
        "employeeId": "10001",
    },
    "alex": {
        "givenName": "Alex",
        "surname": "Wilber",
        "officeLocation": "131/1104",
        "businessPhones": ["+1 858 555 0110"],
        "city": "San Diego",
        "country": "United States",
        "preferredLanguage": "en-US",
        "employeeId": "10002",
    },
    "megan": {
        "givenName": "Megan",
        "surname": "Bowen",
        "officeLocation": "12/1110",
        "businessPhones": ["+1 412 555 0109"],
        "city": "Pittsburgh",
        "country": "United States",
        "preferredLanguage": "en-US",
        "employeeId": "10003",
    },
    "diego": {
        "givenName": "Diego",
        "surname": "Siciliani",
        "officeLocation": "14/1108",
        "businessPhones": ["+1 205 555 0108"],
        "city": "Birmingham",
        "country": "United States",
        "preferredLanguage": "es-ES",
        "employeeId": "10004",
    },
    "support": {"givenName": None, "surname": None, "accountEnabled": False},
}

#: Who reports to whom, by UPN local part (Diego heads the chain; the shared mailbox has no manager).
MANAGERS = {"alex": "adele", "adele": "megan", "megan": "diego"}

#: A fixed stamp for directory objects created "long ago".
CREATED = "2024-03-04T09:15:00Z"

GROUPS: tuple[dict[str, Any], ...] = (
    {
        "id": "0b7c3f52-1a0e-4c55-9f4e-mark8project01",
        "displayName": "Mark 8 Project Team",
        "description": "Everything about the Mark 8 launch.",
        "mailNickname": "Mark8ProjectTeam",
        "groupTypes": ["Unified"],
        "visibility": "Public",
        "_members": ["adele", "alex", "megan"],
        "_owners": ["megan"],
    },
    {
        "id": "2d1e8a90-5b3c-4e7f-8a21-salesmarket2",
        "displayName": "Sales and Marketing",
        "description": "Campaigns, pipeline and events.",
        "mailNickname": "SalesAndMarketing",
        "groupTypes": ["Unified"],
        "visibility": "Private",
        "_members": ["adele", "alex", "megan", "group:Mark8ProjectTeam"],
        "_owners": ["megan", "adele"],
    },
    {
        "id": "7f3a9c41-2e6b-4d08-b1c5-hrtaskforce3",
        "displayName": "HR Taskforce",
        "description": "People and policy working group.",
        "mailNickname": "HRTaskforce",
        "groupTypes": [],
        "visibility": None,
        "_members": ["diego", "adele"],
        "_owners": ["diego"],
    },
    {
        "id": "9e4b2d17-7c8a-4f3e-a6d2-contosoadmin",
        "displayName": "Contoso Admins",
        "description": "Tenant administrators.",
        "mailNickname": "ContosoAdmins",
        "groupTypes": [],
        "visibility": None,
        "_members": ["diego"],
        "_owners": ["diego"],
    },
    {
        "id": "c5a8e6f3-3d2b-4a9c-8e71-allcompany05",
        "displayName": "All Company",
        "description": "Company-wide announcements.",
        "mailNickname": "AllCompany",
        "groupTypes": ["Unified"],
        "visibility": "Public",
        "_members": ["adele", "alex", "megan", "diego"],
        "_owners": ["diego"],
    },
)

#: A directory role Adele holds, so memberOf answers with more than groups, as Graph does.
ROLE = {
    "@odata.type": "#microsoft.graph.directoryRole",
    "id": "e3b1c4d2-88a0-4f6e-9b7d-reportsreader",
    "displayName": "Reports Reader",
    "description": "Can read sign-in and audit reports.",
    "roleTemplateId": "4a5d8f65-41da-4de4-8968-e035b65339cf",
}

#: A thread id with '/', '+' and '=' in it: it must travel percent-encoded as one path segment.
ENCODED_THREAD_ID = "AAQkADU3ZGQ0/Mark8+launch=="

#: Conversations of the Microsoft 365 groups: (group nickname, topic, [(thread id or None, [(sender, text)])]).
CONVERSATIONS: tuple[tuple[str, str, list[tuple[str | None, list[tuple[str, str]]]]], ...] = (
    (
        "Mark8ProjectTeam",
        "Launch checklist",
        [
            (
                ENCODED_THREAD_ID,
                [("megan", "Draft checklist is in the team files."), ("alex", "Added the retail items.")],
            )
        ],
    ),
    (
        "Mark8ProjectTeam",
        "Press kit photos",
        [(None, [("adele", "Photographer booked for Thursday.")])],
    ),
    (
        "SalesAndMarketing",
        "Q3 campaign ideas",
        [(None, [("alex", "What about a student discount?"), ("megan", "Let's test it in two regions.")])],
    ),
    (
        "AllCompany",
        "Office move",
        [(None, [("diego", "Floor 18 moves on the 14th; pack by the 12th.")])],
    ),
)

#: Group events by nickname: (subject, start offset in days from today 00:00 UTC, start hour, hours).
GROUP_EVENTS: dict[str, tuple[tuple[str, int, int, int], ...]] = {
    "Mark8ProjectTeam": (
        ("Mark 8 stand-up", 1, 9, 1),
        ("Launch rehearsal", 3, 14, 2),
        ("Retrospective", 10, 15, 1),
        ("Kick-off (done)", -7, 10, 1),
    ),
    "SalesAndMarketing": (("Campaign review", 2, 16, 1),),
    "AllCompany": (("All hands", 5, 17, 1),),
}

#: External people in Adele's working circle, after her colleagues.
EXTERNAL_PEOPLE: tuple[dict[str, Any], ...] = (
    {
        "id": "b2c4d6e8-0000-4000-8000-external0001",
        "displayName": "Lidia Holloway",
        "givenName": "Lidia",
        "surname": "Holloway",
        "jobTitle": "Buyer",
        "companyName": "Fabrikam",
        "scoredEmailAddresses": [{"address": "lidia.holloway@fabrikam.example", "relevanceScore": 6.5}],
        "personType": {"class": "Person", "subclass": "PersonalContact"},
    },
    {
        "id": "b2c4d6e8-0000-4000-8000-external0002",
        "displayName": "Raul Razo",
        "givenName": "Raul",
        "surname": "Razo",
        "jobTitle": "Account Manager",
        "companyName": "Tailspin Toys",
        "scoredEmailAddresses": [{"address": "raul@tailspin.example", "relevanceScore": 3.0}],
        "personType": {"class": "Person", "subclass": "PersonalContact"},
    },
)

TRENDING: tuple[tuple[str, str, str, float], ...] = (
    ("Mark 8 launch plan.docx", "Word", "Mark 8 Project Team", 3.9),
    ("Q3 campaign budget.xlsx", "Excel", "Sales and Marketing", 2.7),
    ("Brand guidelines 2026.pptx", "PowerPoint", "Marketing", 1.4),
)

#: Documents behind search and Copilot retrieval when no files workload seeds a drive.
DOCUMENTS: tuple[dict[str, str], ...] = (
    {
        "id": "01SBXDOC0001",
        "name": "Mark 8 launch plan.docx",
        "site": "https://contoso.sandbox/sites/Mark8ProjectTeam",
        "author": "Megan Bowen",
        "text": "The Mark 8 launch is planned for September. Retail partners receive demo units two weeks "
        "before launch. The press kit includes product photos and a fact sheet.",
    },
    {
        "id": "01SBXDOC0002",
        "name": "Q3 campaign budget.xlsx",
        "site": "https://contoso.sandbox/sites/SalesAndMarketing",
        "author": "Alex Wilber",
        "text": "The Q3 campaign budget is 120,000 USD: 60 percent digital, 25 percent events, 15 percent print.",
    },
    {
        "id": "01SBXDOC0003",
        "name": "Travel policy.pdf",
        "site": "https://contoso.sandbox/sites/HR",
        "author": "Diego Siciliani",
        "text": "Book travel through the portal. Economy class for flights under six hours. Expense reports "
        "are due within 30 days of the trip.",
    },
)

#: Mail and event hits when no mail or calendar workload seeds a mailbox.
SEEDED_MESSAGES: tuple[dict[str, Any], ...] = (
    {
        "id": "AAMkADsbxsearchmsg01",
        "subject": "Mark 8 launch timeline",
        "bodyPreview": "Here is the updated launch timeline for Mark 8.",
        "from": {"emailAddress": {"name": "Megan Bowen", "address": "megan@contoso.sandbox"}},
        "receivedDateTime": "2026-05-04T08:30:00Z",
    },
    {
        "id": "AAMkADsbxsearchmsg02",
        "subject": "Budget approval for Q3 campaign",
        "bodyPreview": "The Q3 campaign budget is approved.",
        "from": {"emailAddress": {"name": "Diego Siciliani", "address": "diego@contoso.sandbox"}},
        "receivedDateTime": "2026-05-06T13:10:00Z",
    },
)
SEEDED_EVENTS: tuple[dict[str, Any], ...] = (
    {
        "id": "AAMkADsbxsearchevt01",
        "subject": "Mark 8 launch review",
        "start": {"dateTime": "2026-06-02T15:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-06-02T16:00:00.0000000", "timeZone": "UTC"},
    },
)


def local_part(user: SandboxUser) -> str:
    return user.userPrincipalName.split("@")[0].lower()


def directory_user(user: SandboxUser) -> dict[str, Any]:
    """A user as the directory answers for it: the tenant's fields plus the profile details."""
    details = USER_DETAILS.get(local_part(user), {})
    record: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.user",
        "id": user.id,
        "displayName": user.displayName,
        "givenName": details.get("givenName", user.displayName.split(" ")[0]),
        "surname": details.get("surname", user.displayName.split(" ")[-1]),
        "userPrincipalName": user.userPrincipalName,
        "mail": user.mail,
        "jobTitle": user.jobTitle or None,
        "department": user.department or None,
        "officeLocation": details.get("officeLocation"),
        "businessPhones": details.get("businessPhones", []),
        "mobilePhone": details.get("mobilePhone"),
        "preferredLanguage": details.get("preferredLanguage"),
        "city": details.get("city"),
        "country": details.get("country"),
        "employeeId": details.get("employeeId"),
        "accountEnabled": details.get("accountEnabled", True),
        "createdDateTime": CREATED,
    }
    return record


def group_record(tenant: SandboxTenant, seed: dict[str, Any]) -> dict[str, Any]:
    unified = "Unified" in seed["groupTypes"]
    domain = tenant.me.mail.split("@")[1]
    return {
        "@odata.type": "#microsoft.graph.group",
        "id": seed["id"],
        "displayName": seed["displayName"],
        "description": seed["description"],
        "mail": f"{seed['mailNickname']}@{domain}" if unified else None,
        "mailNickname": seed["mailNickname"],
        "mailEnabled": unified,
        "securityEnabled": not unified,
        "groupTypes": list(seed["groupTypes"]),
        "visibility": seed["visibility"],
        "createdDateTime": CREATED,
    }


def today(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def event_record(group: dict[str, Any], subject: str, start: datetime, hours: int, n: int) -> dict[str, Any]:
    end = start + timedelta(hours=hours)
    fmt = "%Y-%m-%dT%H:%M:%S.0000000"
    return {
        "id": f"AAMkADgrpevt{group['mailNickname']}{n:02d}=",
        "subject": subject,
        "start": {"dateTime": start.strftime(fmt), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime(fmt), "timeZone": "UTC"},
        "location": {"displayName": "Teams meeting"},
        "organizer": {"emailAddress": {"name": group["displayName"], "address": group["mail"]}},
        "isOnlineMeeting": True,
        "bodyPreview": f"{subject} for {group['displayName']}.",
    }
