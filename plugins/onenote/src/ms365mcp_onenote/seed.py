"""What the sandbox's notebooks hold: Adele's two notebooks and the Marketing site's team notebook.

Kept apart from the routes so the data reads like a notebook outline. Every value is fixed, so
two tenants built from the same code hold the same notebooks, sections and pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

#: The Marketing SharePoint site (hostname, site collection id, web id), as Graph writes site ids.
SITE_ID = "contoso.sharepoint.com,1111aaaa-1111-4111-8111-111111111111,2222bbbb-2222-4222-8222-222222222222"
SITE_WEB_URL = "https://contoso.sharepoint.com/sites/Marketing"
#: A seeded page whose id needs percent-encoding ("/", "+", "="), to test encoding end to end.
ENCODED_PAGE_ID = "1-8f2c4a1e/QuickNotes+Groceries=!1-5a1e2f3c0001"
#: All seeded times count back from here, so the data never depends on the clock.
ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# A notebook outline: name -> (top-level sections, {section group: outline of the group}).
Outline = tuple[tuple[str, ...], dict[str, Any]]

MY_NOTEBOOKS: dict[str, Outline] = {
    "Adele's Notebook": (
        ("Quick Notes", "Product Ideas", "Meetings"),
        {"Travel": (("Lisbon Offsite",), {})},
    ),
    "Work Notes": (
        ("One-on-ones", "Roadmap 2027"),
        {"Projects": (("Contoso Mobile",), {"Archive": (("Mark8 Launch",), {})})},
    ),
}
SITE_NOTEBOOKS: dict[str, Outline] = {
    "Marketing Team Notebook": (
        ("General", "Meeting Notes"),
        {"Campaigns": (("Spring Launch", "Holiday 2026"), {"Archive": (("2025 Campaigns",), {})})},
    ),
}

# section, title, days before ANCHOR, body HTML (as a page is created; ids are added when seeded)
MY_PAGES: tuple[tuple[str, str, int, str], ...] = (
    (
        "Quick Notes",
        "Groceries",
        1,
        '<ul data-id="shopping"><li>Oat milk</li><li>Sourdough</li><li>Coffee beans (Fourth Coffee)</li>'
        "<li>Lemons</li></ul>",
    ),
    (
        "Quick Notes",
        "Call back Megan",
        3,
        "<p>Megan asked about the <b>Q1 event budget</b>. Call before Thursday.</p><p>Numbers are in Roadmap 2027.</p>",
    ),
    (
        "Quick Notes",
        "Team lunch ideas",
        9,
        "<ol><li>Tapas place on 5th</li><li>Ramen bar near the office</li><li>Picnic if the weather holds</li></ol>",
    ),
    (
        "Product Ideas",
        "Mark 9 feature brainstorm",
        5,
        '<h1>Mark 9 brainstorm</h1><p data-id="intro">Ideas from the customer council, not yet prioritised.</p>'
        '<ul data-id="ideas"><li>Longer battery life</li><li>Foldable propellers</li><li>Offline maps</li></ul>',
    ),
    (
        "Product Ideas",
        "Pricing experiment notes",
        12,
        '<p>Test ran for two weeks in three regions.</p><table border="1"><tr><td>Region</td><td>Price</td>'
        "<td>Conversion</td></tr><tr><td>West</td><td>$499</td><td>3.1%</td></tr><tr><td>East</td><td>$449</td>"
        "<td>3.8%</td></tr><tr><td>Central</td><td>$479</td><td>3.4%</td></tr></table>",
    ),
    (
        "Meetings",
        "Weekly marketing sync - Nov 16",
        4,
        "<p>Attendees: Adele, Alex, Megan, Diego</p><h2>Decisions</h2><p>Holiday campaign moves to December 1.</p>"
        '<h2>Action items</h2><ul data-id="action-items"><li>Alex: update the channel plan</li>'
        "<li>Megan: confirm the agency budget</li></ul>",
    ),
    (
        "Lisbon Offsite",
        "Offsite agenda",
        20,
        "<h1>Lisbon offsite</h1><p>Day 1: strategy review, dinner in Alfama.</p><p>Day 2: workshops, Belem tour.</p>",
    ),
    (
        "Lisbon Offsite",
        "Packing list",
        21,
        "<ul><li>Passport</li><li>Travel adapter</li><li>Laptop and charger</li><li>Walking shoes</li></ul>",
    ),
    (
        "One-on-ones",
        "Alex - 1:1 notes",
        2,
        "<p>Alex wants to own the spring launch social plan.</p><p>Follow up: training budget for the analytics "
        "course.</p>",
    ),
    (
        "One-on-ones",
        "Megan - 1:1 notes",
        7,
        "<p>Discussed the agency contract renewal and the hiring plan for Q1.</p>",
    ),
    (
        "Roadmap 2027",
        "Q1 priorities",
        6,
        '<ol data-id="priorities"><li>Mark 9 launch readiness</li><li>Partner programme refresh</li>'
        "<li>Website redesign</li></ol><p>Event budget: $120k, approval pending.</p>",
    ),
    (
        "Contoso Mobile",
        "Launch checklist",
        15,
        "<p><b>Before launch</b></p><ul><li>App store listing</li><li>Press kit</li><li>Support FAQ</li></ul>",
    ),
    (
        "Mark8 Launch",
        "Retrospective",
        150,
        "<p>What went well: retail partnerships, launch video.</p><p>What to improve: earlier beta, clearer "
        "pricing.</p>",
    ),
)
SITE_PAGES: tuple[tuple[str, str, int, str], ...] = (
    (
        "General",
        "Welcome to the Marketing notebook",
        60,
        "<p>This notebook is shared with everyone in Marketing. Add meeting notes under Meeting Notes and "
        "campaign work under Campaigns.</p>",
    ),
    (
        "General",
        "Brand guidelines",
        45,
        '<h1>Brand guidelines</h1><ul data-id="rules"><li>Use the Contoso blue (#0078D4) for headers</li>'
        "<li>Segoe UI for all body text</li></ul>",
    ),
    (
        "Meeting Notes",
        "Campaign kickoff - Oct 6",
        45,
        '<p>Kickoff for the holiday campaign with the agency.</p><p data-id="next-steps">Next steps: creative '
        "brief by October 20.</p>",
    ),
    (
        "Spring Launch",
        "Channel plan",
        10,
        '<table border="1"><tr><td>Channel</td><td>Owner</td></tr><tr><td>Social</td><td>Alex</td></tr>'
        "<tr><td>Email</td><td>Megan</td></tr><tr><td>Events</td><td>Adele</td></tr></table>",
    ),
    ("Spring Launch", "Budget", 8, "<p>Total: $250k. Media 60%, creative 25%, events 15%.</p>"),
    ("Holiday 2026", "Ideas", 30, "<ul><li>Gift guide</li><li>Early-bird bundle</li><li>Charity match</li></ul>"),
    ("2025 Campaigns", "Lessons learned", 300, "<p>Start creative two months earlier; test landing pages.</p>"),
)
