"""What the sandbox's Teams tenant holds at start: teams, channels, threads, chats, apps, emojis, presence.

Kept as plain tuples so the story is easy to read and change; ``sandbox.seed`` turns it into entities.
People are named by the local part of their sandbox address (``adele``, ``alex``, ``megan``, ``diego``).
"""

from __future__ import annotations

# team: (name, description, visibility, owners, members, channels)
# channel: (name, description, posts); post: (author, html-or-text, minutes ago, replies, reactions)
# reply: (author, text, minutes ago, reactions); reactions: ((user, emoji), ...)
TEAMS = (
    (
        "Mark 8 Project Team",
        "Everything about the Mark 8 launch: design, suppliers and the go-to-market plan.",
        "private",
        ("adele",),
        ("alex", "megan"),
        (
            (
                "General",
                "Announcements for the whole Mark 8 team.",
                (
                    (
                        "adele",
                        "<p>Welcome to the <b>Mark 8</b> team! Pinned the launch timeline in the Files tab.</p>",
                        4320,
                        (
                            ("alex", "Thanks Adele, looks great.", 4300, (("adele", "👍"),)),
                            ("megan", "Can we add the retail milestones too?", 4200, ()),
                        ),
                        (("alex", "👍"), ("megan", "❤️")),
                    ),
                    ("megan", "Reminder: design review moves to Thursday 10:00.", 1500, (), (("adele", "👍"),)),
                ),
            ),
            (
                "Go-to-market",
                "Pricing, channels and the launch event.",
                (
                    (
                        "alex",
                        "Draft pricing sheet is ready for feedback. Three tiers, see the attached deck.",
                        2880,
                        (
                            ("adele", "Tier two feels low against the competition.", 2800, ()),
                            ("alex", "Fair point, I'll model a higher price.", 2700, (("adele", "😆"),)),
                            ("megan", "Retail partners want the numbers by Friday.", 2600, ()),
                        ),
                        (("megan", "👍"),),
                    ),
                    (
                        "adele",
                        '<p>Launch event venue shortlist:</p><img src="hosted" alt="venue map">',
                        600,
                        (),
                        (),
                    ),
                ),
            ),
            (
                "Research and Development",
                "Prototype builds and test results.",
                (("megan", "Battery test passed 14 hours of continuous use.", 240, (), (("alex", "😮"),)),),
            ),
        ),
    ),
    (
        "Retail Marketing",
        "Campaigns and events for retail partners.",
        "public",
        ("megan",),
        ("adele", "diego"),
        (
            (
                "General",
                "Retail marketing news.",
                (("megan", "Q3 campaign budget is approved.", 7200, (("diego", "Great news!", 7100, ()),), ()),),
            ),
            (
                "Campaigns",
                "Creative briefs and schedules.",
                (
                    (
                        "diego",
                        "Who owns the back-to-school email? I need the draft for legal review.",
                        900,
                        (("adele", "That's me, sending it this afternoon.", 880, (("diego", "👍"),)),),
                        (),
                    ),
                ),
            ),
        ),
    ),
)

# chat: (topic or "", chat type, members, messages); message: (author, text, minutes ago)
CHATS = (
    (
        "",
        "oneOnOne",
        ("adele", "alex"),
        (
            ("alex", "Morning! Do you have a minute for the pricing model?", 180),
            ("adele", "Sure, call me after standup.", 175),
            ("alex", "Great, I'll ping you.", 170),
            ("adele", "<p>Here is the sheet I mentioned: <i>pricing-v3.xlsx</i></p>", 60),
        ),
    ),
    (
        "",
        "oneOnOne",
        ("adele", "megan"),
        (
            ("megan", "Can you review the retail deck before Friday?", 1440),
            ("adele", "Yes, blocking time tomorrow morning.", 1430),
            ("megan", '<p>Updated cover slide:</p><img src="hosted" alt="cover">', 300),
        ),
    ),
    (
        "Launch checklist",
        "group",
        ("adele", "alex", "megan", "diego"),
        (
            ("adele", "Let's track the remaining launch tasks here.", 2000),
            ("diego", "HR side: launch-day staffing is confirmed.", 1900),
            ("megan", "Retail displays ship on the 14th.", 1200),
            ("alex", "Press release is with legal.", 800),
            ("adele", "Thanks all. Go/no-go call on Monday 9:00.", 120),
        ),
    ),
    (
        "",
        "oneOnOne",
        ("alex", "megan"),
        (("alex", "Lunch today?", 90), ("megan", "Sounds good, 12:30.", 85)),
    ),
)
#: (chat index, message index) pairs pinned at start.
PINNED = ((2, 0), (2, 4))

# user: (availability, activity, status message or "")
PRESENCE = {
    "adele": ("Available", "Available", ""),
    "alex": ("Busy", "InAMeeting", ""),
    "megan": ("Away", "Away", "Visiting retail partners until Thursday"),
    "diego": ("DoNotDisturb", "Presenting", ""),
    "support": ("Offline", "OffWork", ""),
}

# tab: (name, app id, app name, url)
TABS = (
    ("Wiki", "com.microsoft.teamspace.tab.wiki", "Wiki", ""),
    ("Launch plan", "com.microsoft.teamspace.tab.web", "Website", "https://contoso.sandbox/mark8/plan"),
)

# installed app: (app id, external id, name)
APPS = (
    ("0d820ecd-def2-4297-adad-78056cde7c78", "com.microsoft.teamspace.tab.planner", "Tasks by Planner and To Do"),
    ("26bc2873-6023-480c-a11b-76b66605ce8c", "com.microsoft.teams.approvals", "Approvals"),
    ("14d6962d-6eeb-4f48-8890-de55454bb136", "com.contoso.standup", "Daily Standup Bot"),
)

# custom emoji: (name, creator)
EMOJIS = (("contoso-rocket", "adele"), ("shipit", "alex"))

#: A one-pixel transparent PNG, the sandbox's stand-in for every image.
PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
