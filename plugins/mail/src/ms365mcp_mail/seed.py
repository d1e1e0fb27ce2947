"""Believable, deterministic demo mail for the sandbox tenant.

Every tenant gets the same mailboxes (seeded random per user); only the dates move with the
clock, so "last week" stays last week whenever the sandbox starts.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser
from ms365mcp_mail.mailbox import WELL_KNOWN, Mailbox, now_iso, recipient

#: A seeded inbox message whose id needs percent-encoding ("/", "+" and "="), to test encoding end to end.
ENCODED_MESSAGE_ID = "AAMkADsbx/Q3+budget=review/AAA="
#: The shared mailbox every signed-in sandbox user may open.
SHARED_MAILBOX = "support@contoso.sandbox"

TXT_NOTES = (
    "Launch sync - action items\n\n"
    "1. Adele: confirm the press kit with Fabrikam by Friday.\n"
    "2. Alex: finalise the social calendar.\n"
    "3. Megan: book the venue walkthrough.\n"
)
# A 1x1 transparent PNG: small enough to carry inline, real enough for image tooling.
PNG_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
CSV_FIGURES = "region,q2,q3\nNorth,410000,452000\nSouth,388000,371500\nWest,295000,344250\n"

EXTERNAL = {
    "lidia": ("Lidia Holloway", "lidia.holloway@fabrikam.example"),
    "billing": ("Fabrikam Billing", "billing@fabrikam.example"),
    "northwind": ("Northwind Traders", "orders@northwind.example"),
    "travel": ("Margie's Travel", "bookings@margiestravel.example"),
    "tailspin": ("Tailspin Weekly", "newsletter@tailspin.example"),
    "wwi": ("Wide World Importers", "sales@wideworldimporters.example"),
    "ci": ("Contoso Build", "builds@contoso.sandbox"),
    "it": ("Contoso IT Helpdesk", "it-helpdesk@contoso.sandbox"),
    "prize": ("Prize Center", "winner@prize-center.example"),
    "pharma": ("Best Deals Online", "deals@cheap-offers.example"),
    "customer1": ("Pradeep Gupta", "pradeep@litware.example"),
    "customer2": ("Isaiah Langer", "isaiah@proseware.example"),
    "customer3": ("Nestor Wilke", "nestor@relecloud.example"),
}

CATEGORIES = (
    ("Important", "preset0"),
    ("Follow up", "preset1"),
    ("Travel", "preset3"),
    ("Customer", "preset4"),
    ("Finance", "preset7"),
    ("Launch", "preset9"),
)


def _html(
    paragraphs: list[str],
    *,
    table: list[tuple[str, str]] | None = None,
    bullets: list[str] | None = None,
    link: tuple[str, str] | None = None,
) -> str:
    """An Outlook-like HTML body from plain paragraphs (escaped) plus optional list, table and link."""
    parts = [f"<p>{escape(p)}</p>" for p in paragraphs[:-1]]
    if bullets:
        parts.append("<ul>" + "".join(f"<li>{escape(b)}</li>" for b in bullets) + "</ul>")
    if table:
        rows = "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in table)
        parts.append(f'<table border="1" cellpadding="4" style="border-collapse:collapse">{rows}</table>')
    if link:
        parts.append(f'<p><a href="{escape(link[1])}">{escape(link[0])}</a></p>')
    closing = escape(paragraphs[-1]).replace("\n", "<br>")
    parts.append(f"<p>{closing}</p>")
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "<style>p{margin:0 0 8pt}</style></head>"
        '<body><div style="font-family:Aptos,Calibri,Arial,sans-serif;font-size:11pt">'
        + "".join(parts)
        + "</div></body></html>"
    )


# (sender key, subject, paragraphs, extras). Sender keys are tenant users (by mail prefix) or EXTERNAL keys.
INBOX: list[tuple[str, str, list[str], dict[str, Any]]] = [
    (
        "megan",
        "Q3 budget review",
        [
            "Hi Adele,",
            "Attached are the Q3 figures by region. West is well ahead of plan, South is slightly behind.",
            "Can you review before Thursday's leadership meeting and flag anything that needs a comment?",
            "Thanks,\nMegan",
        ],
        {
            "importance": "high",
            "categories": ["Finance"],
            "flag": "flagged",
            "attach": ["csv"],
            "id": ENCODED_MESSAGE_ID,
            "days": 0.2,
        },
    ),
    (
        "alex",
        "Launch sync notes",
        [
            "Hi team,",
            "Notes from today's launch sync are attached. Main decisions:",
            "Shout if I missed anything.",
            "Alex",
        ],
        {
            "bullets": [
                "Launch date stays on the 14th",
                "Press kit goes to Fabrikam on Friday",
                "Social posts start a week early",
            ],
            "attach": ["txt", "png"],
            "categories": ["Launch"],
            "days": 0.6,
        },
    ),
    (
        "lidia",
        "Press kit timeline",
        [
            "Hello Adele,",
            "Our PR team would like the final press kit by Friday noon so we can brief journalists.",
            "Could you confirm the spokesperson for the launch interviews?",
            "Best regards,\nLidia Holloway\nFabrikam",
        ],
        {"categories": ["Customer", "Launch"], "flag": "flagged", "days": 1.1},
    ),
    (
        "diego",
        "Updated travel policy",
        [
            "Hi all,",
            "The travel policy has been updated. The main changes:",
            "The full policy is on the HR site.",
            "Diego",
        ],
        {
            "bullets": [
                "Book flights at least 14 days ahead",
                "Economy for flights under 6 hours",
                "Receipts within 30 days",
            ],
            "link": ("Travel policy 2025", "https://contoso.sandbox/hr/travel-policy"),
            "categories": ["Travel"],
            "days": 2.3,
        },
    ),
    (
        "billing",
        "Invoice INV-2025-0412 from Fabrikam",
        [
            "Dear customer,",
            "Please find the invoice summary for your subscription below.",
            "Payment is due within 30 days.",
            "Fabrikam Billing",
        ],
        {
            "table": [("Invoice", "INV-2025-0412"), ("Amount", "$4,250.00"), ("Due", "in 30 days")],
            "categories": ["Finance"],
            "days": 3.0,
        },
    ),
    (
        "travel",
        "Your booking is confirmed: Seattle to London",
        [
            "Hello Adele Vance,",
            "Your trip is confirmed. Check-in opens 24 hours before departure.",
            "Have a great trip!",
            "Margie's Travel",
        ],
        {
            "table": [("Flight", "CT 1042"), ("From", "SEA 17:35"), ("To", "LHR 11:05 (+1)"), ("Seat", "14C")],
            "categories": ["Travel"],
            "days": 4.2,
        },
    ),
    (
        "it",
        "Scheduled maintenance this Saturday",
        [
            "Hello,",
            "Email and Teams may be briefly unavailable on Saturday between 06:00 and 08:00 UTC.",
            "No action is needed.",
            "Contoso IT Helpdesk",
        ],
        {"days": 5.5, "classification": "other"},
    ),
    (
        "megan",
        "RE: Venue options for the launch",
        [
            "Adele,",
            "I prefer the waterfront venue: better transport links and it fits 200 people.",
            "Let's decide by Wednesday.",
            "Megan",
        ],
        {"conversation": "venue", "days": 6.0},
    ),
    (
        "wwi",
        "Quote for 500 branded notebooks",
        [
            "Hi Adele,",
            "Thanks for your enquiry. Our quote for 500 branded A5 notebooks is $3.20 per unit.",
            "The offer is valid for 30 days.",
            "Kind regards,\nWide World Importers",
        ],
        {"days": 6.8},
    ),
    (
        "alex",
        "Social calendar draft",
        [
            "Hi Adele,",
            "Here's the first draft of the social calendar for launch month.",
            "Could you check the tone of the teaser posts?",
            "Thanks!\nAlex",
        ],
        {"attach": ["txt"], "days": 7.5},
    ),
    (
        "diego",
        "Performance review reminder",
        [
            "Hi Adele,",
            "A reminder that self-assessments are due by the end of next week.",
            "Let me know if you need more time.",
            "Diego",
        ],
        {"importance": "high", "flag": "flagged", "days": 8.1},
    ),
    (
        "lidia",
        "RE: Co-marketing webinar",
        [
            "Adele,",
            "We're happy to co-host the webinar. Tuesday or Thursday afternoon works for us.",
            "Talk soon,\nLidia",
        ],
        {"conversation": "webinar", "categories": ["Customer"], "days": 9.0},
    ),
    (
        "northwind",
        "Order NW-10293 has shipped",
        ["Hello,", "Good news: your order is on its way and should arrive in 3-5 business days.", "Northwind Traders"],
        {
            "table": [("Order", "NW-10293"), ("Items", "12"), ("Carrier", "Contoso Express")],
            "days": 10.4,
            "classification": "other",
        },
    ),
    (
        "megan",
        "Brand guidelines v3",
        ["Hi Adele,", "The new brand guidelines are live. Please use the updated logo from now on.", "Megan"],
        {"link": ("Brand portal", "https://contoso.sandbox/brand"), "days": 12.0},
    ),
    (
        "ci",
        "Build failed: marketing-site main #1841",
        ["The build of marketing-site on main failed at step 'lint'.", "Contoso Build"],
        {"days": 12.5, "classification": "other"},
    ),
    (
        "alex",
        "Lunch on Friday?",
        ["Hey,", "Want to try the new ramen place on Friday? A few of us are going at 12:30.", "Alex"],
        {"days": 13.2},
    ),
    (
        "billing",
        "Payment received - thank you",
        ["Dear customer,", "We received your payment for invoice INV-2025-0377. Thank you.", "Fabrikam Billing"],
        {"categories": ["Finance"], "days": 15.0, "classification": "other"},
    ),
    (
        "diego",
        "Team offsite agenda",
        ["Hi all,", "Agenda for the offsite is below. Please bring one idea for next quarter.", "Diego"],
        {"bullets": ["09:00 Welcome", "10:00 Strategy review", "13:00 Workshops", "16:00 Wrap-up"], "days": 16.5},
    ),
    (
        "wwi",
        "RE: Quote for 500 branded notebooks",
        [
            "Hi Adele,",
            "Following up on our quote: we can add embossing at no extra cost this month.",
            "Wide World Importers",
        ],
        {"days": 17.0},
    ),
    (
        "megan",
        "Campaign results: spring promo",
        ["Adele,", "Spring promo results are in: 18% above target on sign-ups, 6% below on conversions.", "Megan"],
        {
            "table": [("Sign-ups", "11,820"), ("Conversions", "1,204"), ("CTR", "3.1%")],
            "categories": ["Important"],
            "days": 19.0,
        },
    ),
    (
        "it",
        "Your password expires in 7 days",
        [
            "Hello Adele,",
            "Your password will expire in 7 days. Change it from the account portal.",
            "Contoso IT Helpdesk",
        ],
        {"days": 21.0, "classification": "other"},
    ),
    (
        "lidia",
        "Contract renewal",
        [
            "Hello Adele,",
            "Our agreement renews next month. Shall we schedule a call to review the terms?",
            "Best,\nLidia",
        ],
        {"categories": ["Customer"], "importance": "high", "flag": "complete", "days": 24.0},
    ),
    (
        "alex",
        "Photos from the trade show",
        ["Hi,", "Uploaded the photos from the trade show. The booth looked great!", "Alex"],
        {"attach": ["png"], "days": 27.0},
    ),
    (
        "travel",
        "Reminder: check in for your flight",
        ["Hello Adele,", "Online check-in for flight CT 1042 is now open.", "Margie's Travel"],
        {"categories": ["Travel"], "days": 30.0, "classification": "other"},
    ),
]

# Order and build notifications repeat with different numbers, as they do in real inboxes.
REPEATS: list[tuple[str, str, list[str], dict[str, Any]]] = (
    [
        (
            "northwind",
            f"Order NW-10{300 + n} confirmed",
            ["Hello,", f"Thanks for your order NW-10{300 + n}. We'll email you when it ships.", "Northwind Traders"],
            {"days": 2.0 + n * 3.1, "classification": "other"},
        )
        for n in range(5)
    ]
    + [
        (
            "ci",
            f"Build succeeded: marketing-site main #{1850 + n}",
            [f"Build #{1850 + n} of marketing-site on main succeeded in {3 + n} min.", "Contoso Build"],
            {"days": 1.5 + n * 2.7, "classification": "other"},
        )
        for n in range(5)
    ]
    + [
        (
            "billing",
            f"Usage report for week {n + 1}",
            ["Dear customer,", f"Your usage for week {n + 1} is attached as a summary below.", "Fabrikam Billing"],
            {
                "table": [("API calls", f"{120 + n * 17}k"), ("Storage", f"{40 + n} GB")],
                "days": 4.5 + n * 7,
                "classification": "other",
            },
        )
        for n in range(4)
    ]
)

NEWSLETTERS = [
    (
        "tailspin",
        f"Tailspin Weekly #{112 + n}: {topic}",
        ["This week in marketing:", f"Our top story: {topic}.", "Unsubscribe any time.\nTailspin Weekly"],
        {"days": 1.0 + n * 7, "classification": "other"},
    )
    for n, topic in enumerate(
        [
            "AI in email campaigns",
            "Event marketing on a budget",
            "Brand voice basics",
            "Measuring what matters",
            "Video first?",
        ]
    )
]

PROJECT_MAIL = {
    "Contoso Launch": [
        (
            "megan",
            "Launch plan v2",
            ["Adele,", "Launch plan v2 attached for the folder.", "Megan"],
            {"attach": ["txt"], "days": 11.0, "read": True},
        ),
        (
            "alex",
            "Influencer shortlist",
            ["Hi,", "Shortlist of ten influencers, ranked by reach.", "Alex"],
            {"days": 14.0, "read": True},
        ),
        (
            "lidia",
            "Fabrikam launch co-op funds",
            ["Adele,", "Co-op funds approved: $25,000.", "Lidia"],
            {"categories": ["Customer", "Finance"], "days": 18.0, "read": True},
        ),
    ],
    "Budget 2025": [
        (
            "megan",
            "Budget 2025 first draft",
            ["Adele,", "First draft of the 2025 budget.", "Megan"],
            {"attach": ["csv"], "categories": ["Finance"], "days": 20.0, "read": True},
        ),
        (
            "diego",
            "Headcount plan",
            ["Adele,", "Headcount plan for 2025 is approved: two new hires.", "Diego"],
            {"days": 22.0, "read": True},
        ),
    ],
    "Travel": [
        (
            "travel",
            "Receipt: hotel in London",
            ["Thank you for staying with us.", "Margie's Travel"],
            {"categories": ["Travel"], "days": 26.0, "read": True},
        ),
    ],
    "archive": [
        (
            "diego",
            "Welcome to Contoso!",
            ["Hi Adele,", "Welcome aboard! Your onboarding plan is below.", "Diego"],
            {"days": 40.0, "read": True},
        ),
        (
            "it",
            "Your new laptop is ready",
            ["Hello,", "Pick up your laptop at the IT desk.", "Contoso IT"],
            {"days": 39.0, "read": True},
        ),
        (
            "megan",
            "Last year's campaign recap",
            ["Adele,", "Recap of last year's campaigns.", "Megan"],
            {"days": 35.0, "read": True},
        ),
        (
            "alex",
            "Old logo files",
            ["Hi,", "Old logo files, for reference only.", "Alex"],
            {"days": 33.0, "read": True},
        ),
    ],
    "deleteditems": [
        ("pharma", "Limited offer just for you", ["Don't miss out!", "Best Deals"], {"days": 9.5}),
        ("wwi", "Webinar recording", ["Hi,", "Here's the recording link.", "WWI"], {"days": 25.0, "read": True}),
    ],
    "junkemail": [
        ("prize", "You have WON a prize!!!", ["Click now to claim your prize.", "Prize Center"], {"days": 3.3}),
        ("pharma", "80% off today only", ["Amazing deals inside.", "Best Deals Online"], {"days": 7.7}),
    ],
}

SENT = [
    (
        "megan",
        "Venue options for the launch",
        ["Hi Megan,", "Two venue options: waterfront or downtown. Thoughts?", "Adele"],
        {"conversation": "venue", "days": 6.5},
    ),
    (
        "lidia",
        "Co-marketing webinar",
        ["Hi Lidia,", "Would Fabrikam co-host a webinar for the launch?", "Adele"],
        {"conversation": "webinar", "days": 9.5},
    ),
    ("alex", "RE: Lunch on Friday?", ["Count me in!", "Adele"], {"days": 13.0}),
    ("diego", "Self-assessment submitted", ["Hi Diego,", "I've submitted my self-assessment.", "Adele"], {"days": 7.9}),
    (
        "wwi",
        "Quote request: branded notebooks",
        ["Hello,", "Could you quote 500 branded A5 notebooks?", "Adele"],
        {"days": 18.5},
    ),
    (
        "billing",
        "Question about invoice INV-2025-0377",
        ["Hello,", "Could you split the invoice by department?", "Adele"],
        {"days": 16.0},
    ),
]

DRAFTS = [
    (
        "megan",
        "Thoughts on Q3 budget",
        ["Hi Megan,", "Overall the numbers look good. Two questions:", "Adele"],
        {"bullets": ["Why is South behind?", "Can we move budget from print to video?"], "days": 0.1},
    ),
    ("lidia", "Spokesperson for launch interviews", ["Hi Lidia,", "Our spokesperson will be", "Adele"], {"days": 0.5}),
]

SUPPORT_INBOX = [
    (
        "customer1",
        "Cannot sign in to the portal",
        ["Hello,", "Since yesterday I get 'account locked' when signing in.", "Pradeep Gupta\nLitware"],
        {"importance": "high", "days": 0.3},
    ),
    (
        "customer2",
        "Invoice copy needed",
        ["Hi,", "Please send a copy of invoice INV-2025-0290.", "Isaiah Langer\nProseware"],
        {"days": 0.9},
    ),
    (
        "customer3",
        "Feature request: export to CSV",
        ["Hello support,", "Could reports be exported to CSV?", "Nestor Wilke\nRelecloud"],
        {"days": 1.8},
    ),
    (
        "customer1",
        "RE: Cannot sign in to the portal",
        ["It works again, thank you!", "Pradeep"],
        {"days": 0.1, "categories": ["Customer"]},
    ),
    (
        "customer2",
        "Shipping delay on order 7781",
        ["Hi,", "Order 7781 hasn't arrived yet. Any update?", "Isaiah Langer"],
        {"days": 2.5, "flag": "flagged"},
    ),
    (
        "customer3",
        "Thanks for the quick fix",
        ["Just wanted to say thanks for the quick fix yesterday.", "Nestor"],
        {"days": 3.2, "read": True},
    ),
    (
        "alex",
        "FYI: new FAQ article published",
        ["Hi support team,", "The FAQ on exports is live.", "Alex"],
        {"days": 4.0, "read": True},
    ),
    (
        "customer1",
        "Question about data retention",
        ["Hello,", "How long do you keep deleted projects?", "Pradeep Gupta"],
        {"days": 5.0},
    ),
    (
        "customer2",
        "Change billing contact",
        ["Hi,", "Please change our billing contact to finance@proseware.example.", "Isaiah"],
        {"days": 6.0, "read": True},
    ),
    (
        "customer3",
        "Outage this morning?",
        ["Hello,", "Was there an outage around 08:00 UTC?", "Nestor"],
        {"days": 8.0, "importance": "high"},
    ),
    (
        "diego",
        "Support rota next month",
        ["Hi all,", "The rota for next month is attached.", "Diego"],
        {"attach": ["txt"], "days": 9.0, "read": True},
    ),
    ("customer1", "Bulk user import", ["Hi,", "Can we import 300 users at once?", "Pradeep"], {"days": 11.0}),
]


def _party(key: str, users: dict[str, SandboxUser]) -> tuple[str, str]:
    if key in users:
        return users[key].displayName, users[key].mail
    return EXTERNAL.get(key, (key.title(), f"{key}@contoso.sandbox"))


def _attachment(kind: str) -> dict[str, Any]:
    import base64

    if kind == "txt":
        return {
            "name": "meeting-notes.txt",
            "contentType": "text/plain",
            "contentBytes": base64.b64encode(TXT_NOTES.encode()).decode(),
        }
    if kind == "csv":
        return {
            "name": "q3-figures.csv",
            "contentType": "text/csv",
            "contentBytes": base64.b64encode(CSV_FIGURES.encode()).decode(),
        }
    return {"name": "chart.png", "contentType": "image/png", "contentBytes": PNG_PIXEL}


def _add(
    mailbox: Mailbox,
    folder_id: str,
    entry: tuple[str, str, list[str], dict[str, Any]],
    *,
    users: dict[str, SandboxUser],
    now: datetime,
    outgoing: bool = False,
    draft: bool = False,
    conversations: dict[str, str],
) -> None:
    key, subject, paragraphs, extra = entry
    name, address = _party(key, users)
    me = recipient(mailbox.owner.mail, mailbox.owner.displayName)
    other = recipient(address, name)
    rng = mailbox.rng
    when = now - timedelta(days=extra.get("days", rng.uniform(0, 30)), minutes=rng.randint(0, 59))
    html = _html(paragraphs, table=extra.get("table"), bullets=extra.get("bullets"), link=extra.get("link"))
    conversation = extra.get("conversation")
    if conversation and conversation not in conversations:
        conversations[conversation] = "AAQkAD" + mailbox.new_id()[6:22]
    read = extra.get("read", outgoing or draft or extra.get("days", 0) > 5 or rng.random() < 0.35)
    message = {
        "@odata.etag": f'W/"CQAAABYAAAD{mailbox.new_id()[6:18]}"',
        "createdDateTime": now_iso(when),
        "lastModifiedDateTime": now_iso(when),
        "categories": list(extra.get("categories", [])),
        "receivedDateTime": now_iso(when),
        "sentDateTime": None if draft else now_iso(when - timedelta(seconds=rng.randint(2, 90))),
        "internetMessageId": f"<{mailbox.new_guid()}@{address.split('@')[1]}>",
        "subject": subject,
        "importance": extra.get("importance", "normal"),
        "conversationId": conversations.get(conversation or "", "AAQkAD" + mailbox.new_id()[6:22]),
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": bool(read),
        "isDraft": draft,
        "inferenceClassification": extra.get("classification", "focused"),
        "body": {"contentType": "html", "content": html},
        "sender": me if outgoing or draft else other,
        "from": me if outgoing or draft else other,
        "toRecipients": [other] if outgoing or draft else [me],
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": extra.get("flag", "notFlagged")},
    }
    stored = mailbox.put(message, folder_id, message_id=extra.get("id"))
    for kind in extra.get("attach", []):
        mailbox.add_attachment(stored["id"], _attachment(kind))
    # Seeded data keeps its historic timestamps (add_attachment and put stamp "now").
    stored["lastModifiedDateTime"] = now_iso(when)


def _base_folders(mailbox: Mailbox) -> None:
    root = mailbox.add_folder("Top of Information Store", "", folder_id=mailbox.new_id())
    mailbox.root_id = root["id"]
    for key, name in WELL_KNOWN.items():
        mailbox.add_folder(name, mailbox.root_id, well_known=key)


def _settings(mailbox: Mailbox, *, time_zone: str = "Pacific Standard Time") -> dict[str, Any]:
    return {
        "archiveFolder": mailbox.well_known["archive"],
        "timeZone": time_zone,
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
            "scheduledStartDateTime": {"dateTime": "2025-01-01T00:00:00.0000000", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2025-01-02T00:00:00.0000000", "timeZone": "UTC"},
        },
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "userPurpose": "user",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": time_zone},
        },
    }


def _add_category(mailbox: Mailbox, name: str, color: str) -> None:
    category_id = mailbox.new_guid()
    mailbox.categories[category_id] = {"id": category_id, "displayName": name, "color": color}


def empty_mailbox(user: SandboxUser) -> Mailbox:
    """A mailbox with only the well-known folders (for users the sandbox has no story for)."""
    mailbox = Mailbox(owner=user, rng=random.Random(f"ms365mcp-mail:{user.id}"))
    _base_folders(mailbox)
    mailbox.settings = _settings(mailbox)
    for name, color in CATEGORIES[:3]:
        _add_category(mailbox, name, color)
    return mailbox


def _signed_in_mailbox(user: SandboxUser, users: dict[str, SandboxUser], now: datetime) -> Mailbox:
    mailbox = empty_mailbox(user)
    mailbox.categories.clear()
    for name, color in CATEGORIES:
        _add_category(mailbox, name, color)
    wk = mailbox.well_known
    newsletters = mailbox.add_folder("Newsletters", wk["inbox"])
    projects = mailbox.add_folder("Projects")
    receipts = mailbox.add_folder("Receipts")
    targets = {
        "Contoso Launch": mailbox.add_folder("Contoso Launch", projects["id"])["id"],
        "Budget 2025": mailbox.add_folder("Budget 2025", projects["id"])["id"],
        "Travel": mailbox.add_folder("Travel", receipts["id"])["id"],
        "archive": wk["archive"],
        "deleteditems": wk["deleteditems"],
        "junkemail": wk["junkemail"],
    }
    conversations: dict[str, str] = {}
    common = {"users": users, "now": now, "conversations": conversations}
    for entry in SENT:
        _add(mailbox, wk["sentitems"], entry, outgoing=True, **common)
    for entry in INBOX + REPEATS:
        _add(mailbox, wk["inbox"], entry, **common)
    for entry in NEWSLETTERS:
        _add(mailbox, newsletters["id"], entry, **common)
    for folder, entries in PROJECT_MAIL.items():
        for entry in entries:
            _add(mailbox, targets[folder], entry, **common)
    for entry in DRAFTS:
        _add(mailbox, wk["drafts"], entry, draft=True, **common)

    for rule in (
        {
            "displayName": "Newsletters to folder",
            "sequence": 1,
            "isEnabled": True,
            "conditions": {"senderContains": ["newsletter"]},
            "actions": {"moveToFolder": newsletters["id"], "stopProcessingRules": True},
        },
        {
            "displayName": "Flag mail from Megan",
            "sequence": 2,
            "isEnabled": True,
            "conditions": {"fromAddresses": [recipient(_party("megan", users)[1], _party("megan", users)[0])]},
            "actions": {"markImportance": "high"},
        },
        {
            "displayName": "Invoices to Finance category",
            "sequence": 3,
            "isEnabled": False,
            "conditions": {"subjectContains": ["Invoice"]},
            "actions": {"assignCategories": ["Finance"]},
        },
    ):
        rule_id = mailbox.new_id()
        mailbox.rules[rule_id] = {"id": rule_id, **rule, "hasError": False, "isReadOnly": False}
    for classify, (name, address) in (
        ("focused", _party("megan", users)),
        ("other", EXTERNAL["tailspin"]),
        ("other", EXTERNAL["ci"]),
    ):
        override_id = mailbox.new_id()
        mailbox.overrides[override_id] = {
            "id": override_id,
            "classifyAs": classify,
            "senderEmailAddress": {"name": name, "address": address},
        }
    return mailbox


def _shared_mailbox(user: SandboxUser, users: dict[str, SandboxUser], now: datetime) -> Mailbox:
    mailbox = empty_mailbox(user)
    escalations = mailbox.add_folder("Escalations")
    conversations: dict[str, str] = {}
    common = {"users": users, "now": now, "conversations": conversations}
    for entry in SUPPORT_INBOX:
        _add(mailbox, mailbox.well_known["inbox"], entry, **common)
    _add(
        mailbox,
        escalations["id"],
        (
            "customer3",
            "Data export failing for large tenants",
            ["Escalated from ticket 4411.", "Support"],
            {"days": 2.0},
        ),
        **common,
    )
    for entry in (
        ("customer2", "RE: Invoice copy needed", ["Hi Isaiah,", "Copy attached.", "Contoso Support"], {"days": 0.8}),
        (
            "customer3",
            "RE: Outage this morning?",
            ["Hi Nestor,", "Yes, a 12-minute outage; resolved.", "Contoso Support"],
            {"days": 7.9},
        ),
    ):
        _add(mailbox, mailbox.well_known["sentitems"], entry, outgoing=True, **common)
    return mailbox


def seed(tenant: SandboxTenant, now: datetime | None = None) -> dict[str, Mailbox]:
    """Build every user's mailbox: a rich one for the signed-in user, a busy shared one, empty others."""
    anchor = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    users = {u.mail.split("@")[0]: u for u in tenant.users}
    mailboxes: dict[str, Mailbox] = {}
    for user in tenant.users:
        if user.id == tenant.me.id:
            mailboxes[user.id] = _signed_in_mailbox(user, users, anchor)
        elif user.mail.lower() == SHARED_MAILBOX:
            mailboxes[user.id] = _shared_mailbox(user, users, anchor)
        else:
            mailboxes[user.id] = empty_mailbox(user)
    megan = users.get("megan")
    if megan is not None:  # someone is on holiday, so mail tips have something to say
        replies = mailboxes[megan.id].settings["automaticRepliesSetting"]
        replies.update(
            status="alwaysEnabled",
            internalReplyMessage="I'm out of the office this week with limited access to email.",
            externalReplyMessage="I'm out of the office this week.",
        )
    return mailboxes
