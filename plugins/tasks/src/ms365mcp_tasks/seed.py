"""Seed data for the sandbox: To Do lists for every user and one Planner plan for the marketing team.

Ids come from a seeded random generator so every tenant starts the same; due dates are offsets from
today so the data always looks current (some overdue, some upcoming).
"""

from __future__ import annotations

import base64
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser

if TYPE_CHECKING:
    from ms365mcp_tasks.sandbox import Planner

#: Seeded ids that need percent-encoding ("/", "+", "="), to test encoding end to end.
ENCODED_LIST_ID = "AAMkADtodo/Launch+Prep=="
ENCODED_TASK_ID = "AAMkADtask/Venue+Shortlist="
PLAN_ID = "xqQg5FS2LkCp935s-FIFm2QAFkHM"
GROUP_ID = "0b7c2b1e-5a5d-4d2f-9a51-mark00000001"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


# --- To Do ----------------------------------------------------------------------------------------------


@attrs.define
class TodoStore:
    """One user's To Do lists; ``tasks`` maps a list id to that list's tasks by id."""

    rng: random.Random
    lists: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    tasks: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)

    def new_id(self) -> str:
        return "AAMkADtodo" + base64.b64encode(self.rng.randbytes(24)).decode()

    def add_list(self, name: str, wellknown: str = "none", list_id: str | None = None) -> dict[str, Any]:
        item = {
            "@odata.etag": f'W/"{base64.b64encode(self.rng.randbytes(12)).decode()}"',
            "id": list_id or self.new_id(),
            "displayName": name,
            "isOwner": True,
            "isShared": False,
            "wellknownListName": wellknown,
        }
        self.lists[item["id"]] = item
        self.tasks[item["id"]] = {}
        return item

    def add_task(self, list_id: str, fields: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
        now = _now()
        task: dict[str, Any] = {
            "@odata.etag": "",
            "id": task_id or self.new_id(),
            "title": "",
            "importance": "normal",
            "status": "notStarted",
            "isReminderOn": False,
            "hasAttachments": False,
            "categories": [],
            "body": {"content": "", "contentType": "text"},
            "createdDateTime": now,
            "lastModifiedDateTime": now,
            "bodyLastModifiedDateTime": now,
            "completedDateTime": None,
            "dueDateTime": None,
            "reminderDateTime": None,
            "linkedResources": [],
        }
        self.apply(task, fields)
        self.tasks[list_id][task["id"]] = task
        return task

    def apply(self, task: dict[str, Any], fields: dict[str, Any]) -> None:
        """Apply a create/PATCH body; completing a task stamps completedDateTime as To Do does."""
        links = fields.get("linkedResources") or []
        task.update({k: v for k, v in fields.items() if k != "linkedResources"})
        for link in links:
            task["linkedResources"].append({"id": self.new_id(), **link})
        if fields.get("status") == "completed" and not fields.get("completedDateTime"):
            task["completedDateTime"] = {
                "dateTime": datetime.now(UTC).strftime("%Y-%m-%dT00:00:00.0000000"),
                "timeZone": "UTC",
            }
        elif "status" in fields and fields["status"] != "completed":
            task["completedDateTime"] = None
        task["lastModifiedDateTime"] = _now()
        task["@odata.etag"] = f'W/"{base64.b64encode(self.rng.randbytes(12)).decode()}"'


def new_todo_store(user_id: str) -> TodoStore:
    store = TodoStore(rng=random.Random(f"ms365mcp-todo:{user_id}"))
    store.add_list("Tasks", "defaultList")
    store.add_list("Flagged email", "flaggedEmails")
    return store


def _due(offset: int) -> dict[str, str]:
    return {"dateTime": _day(offset) + "T00:00:00.0000000", "timeZone": "UTC"}


def _link(url: str, name: str, app: str = "Microsoft Edge") -> dict[str, Any]:
    return {"webUrl": url, "displayName": name, "applicationName": app, "externalId": None}


# list name, [(title, importance, status, due offset or None, body, categories, links)]
TODO_SEED: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...] = (
    (
        "Tasks",
        (
            (
                "Submit expense report for Q3 travel",
                "high",
                "notStarted",
                -2,
                "Receipts are in the Travel folder.",
                ["Finance"],
                (),
            ),
            ("Book dentist appointment", "normal", "notStarted", 5, "", [], ()),
            (
                "Review Alex's campaign brief",
                "high",
                "inProgress",
                1,
                "Focus on the budget section.",
                ["Marketing"],
                (),
            ),
            ("Renew parking permit", "low", "completed", -10, "", [], ()),
            ("Prepare 1:1 notes for Megan", "normal", "notStarted", 3, "Career goals, Q4 priorities.", [], ()),
            ("Read 'Designing Data-Intensive Applications' ch. 5", "low", "notStarted", None, "", ["Learning"], ()),
        ),
    ),
    (
        "Launch prep",
        (
            (
                "Shortlist launch venues",
                "high",
                "inProgress",
                4,
                "Need capacity for 150, near public transport.",
                ["Launch"],
                (
                    _link("https://contoso.sandbox/venues/harbour-hall", "Harbour Hall"),
                    _link("https://contoso.sandbox/venues/the-foundry", "The Foundry"),
                ),
            ),
            ("Draft press release", "high", "notStarted", 7, "Coordinate quotes with Diego.", ["Launch"], ()),
            (
                "Order branded merchandise",
                "normal",
                "waitingOnOthers",
                12,
                "Waiting for the supplier's quote.",
                ["Launch", "Purchasing"],
                (_link("https://northwind.example/quotes/8841", "Northwind quote #8841"),),
            ),
            ("Confirm catering headcount", "normal", "deferred", 14, "", ["Launch"], ()),
            ("Book photographer", "normal", "completed", -3, "Booked Lena for the full day.", ["Launch"], ()),
        ),
    ),
    (
        "Groceries",
        (
            ("Oat milk", "normal", "notStarted", None, "", [], ()),
            ("Coffee beans", "high", "notStarted", None, "Fourth Coffee house blend", [], ()),
            ("Basil", "low", "completed", None, "", [], ()),
            ("Sourdough bread", "normal", "notStarted", None, "", [], ()),
        ),
    ),
)


def seed_todo(tenant: SandboxTenant) -> dict[str, TodoStore]:
    """A store per user; the signed-in user's has a work list, a launch list and a grocery list."""
    stores = {u.id: new_todo_store(u.id) for u in tenant.users}
    store = stores[tenant.me.id]
    default_id = next(iter(store.lists))
    for name, tasks in TODO_SEED:
        list_id = (
            default_id
            if name == "Tasks"
            else store.add_list(name, list_id=ENCODED_LIST_ID if name == "Launch prep" else None)["id"]
        )
        for title, importance, status, due, text, categories, links in tasks:
            fields: dict[str, Any] = {
                "title": title,
                "importance": importance,
                "status": status,
                "categories": list(categories),
                "body": {"content": text, "contentType": "text"},
                "linkedResources": [dict(link) for link in links],
            }
            if due is not None:
                fields["dueDateTime"] = _due(due)
            if status == "notStarted" and due is not None and 0 < due <= 3:
                fields.update(isReminderOn=True, reminderDateTime=_due(due - 1))
            task_id = ENCODED_TASK_ID if title == "Shortlist launch venues" else None
            store.add_task(list_id, fields, task_id)
    return stores


# --- Planner ------------------------------------------------------------------------------------------


def _planner_id(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(21)).decode().rstrip("=")


_RNG = "ms365mcp-planner"


def new_bucket(planner: Planner, plan_id: str, name: str, order_hint: str | None = None) -> dict[str, Any]:
    rng = random.Random(f"{_RNG}:bucket:{len(planner.buckets)}:{name}")
    bucket = {
        "id": _planner_id(rng),
        "name": name,
        "planId": plan_id,
        "orderHint": order_hint or f"8585{len(planner.buckets):04d} !",
    }
    planner.stamp_etag(bucket)
    planner.buckets[bucket["id"]] = bucket
    return bucket


def new_planner_task(
    planner: Planner, plan_id: str, bucket_id: str | None, title: str, creator_id: str
) -> dict[str, Any]:
    rng = random.Random(f"{_RNG}:task:{len(planner.tasks)}:{title}")
    now = _now()
    task: dict[str, Any] = {
        "id": _planner_id(rng),
        "planId": plan_id,
        "bucketId": bucket_id,
        "title": title.strip(),
        "orderHint": f"8585{len(planner.tasks):04d}P!",
        "assigneePriority": "",
        "percentComplete": 0,
        "priority": 5,
        "startDateTime": None,
        "createdDateTime": now,
        "dueDateTime": None,
        "hasDescription": False,
        "previewType": "automatic",
        "completedDateTime": None,
        "completedBy": None,
        "referenceCount": 0,
        "checklistItemCount": 0,
        "activeChecklistItemCount": 0,
        "conversationThreadId": None,
        "appliedCategories": {},
        "createdBy": {"user": {"id": creator_id}},
        "assignments": {},
    }
    planner.stamp_etag(task)
    planner.tasks[task["id"]] = task
    details = {"id": task["id"], "description": "", "previewType": "automatic", "references": {}, "checklist": {}}
    planner.stamp_etag(details)
    planner.details[task["id"]] = details
    return task


def refresh_counts(task: dict[str, Any], details: dict[str, Any]) -> None:
    """The summary fields Planner keeps on a task from its details."""
    checklist = details["checklist"].values()
    task["hasDescription"] = bool(details["description"])
    task["checklistItemCount"] = len(checklist)
    task["activeChecklistItemCount"] = sum(1 for item in checklist if not item.get("isChecked"))
    task["referenceCount"] = len(details["references"])


def new_message(planner: Planner, task_id: str, author: SandboxUser, content: str) -> dict[str, Any]:
    messages = planner.messages.setdefault(task_id, {})
    rng = random.Random(f"{_RNG}:message:{task_id}:{len(messages)}:{content}")
    message = {
        "id": str(uuid.UUID(bytes=rng.randbytes(16), version=4)),
        "content": content,
        "messageType": "plainText",
        "parentEntityId": task_id,
        "createdDateTime": _now(),
        "createdBy": {"user": {"id": author.id, "displayName": author.displayName}},
        "mentions": [],
        "reactions": [],
    }
    messages[message["id"]] = message
    return message


# title, bucket, assignee indexes into tenant.users, due offset, percent, priority, description, checklist
PLANNER_SEED: tuple[tuple[Any, ...], ...] = (
    (
        "Define launch goals and KPIs",
        "Planning",
        (0, 2),
        -6,
        100,
        3,
        "Agree the three KPIs we report on after launch.",
        (("Draft KPIs", True), ("Review with Megan", True)),
    ),
    (
        "Finalise launch budget",
        "Planning",
        (2,),
        -1,
        50,
        1,
        "Budget owner: Megan. Needs sign-off from finance.",
        (("Collect vendor quotes", True), ("Update forecast sheet", False), ("Finance sign-off", False)),
    ),
    (
        "Social media teaser campaign",
        "Campaign",
        (1,),
        6,
        0,
        5,
        "Three teaser posts a week for the two weeks before launch.",
        (("Write copy", False), ("Design visuals", False), ("Schedule posts", False)),
    ),
    (
        "Customer webinar",
        "Campaign",
        (0, 1),
        13,
        0,
        3,
        "45-minute walkthrough for existing customers.",
        (("Pick date", False), ("Invite list", False)),
    ),
    ("Press kit", "Campaign", (3,), 9, 0, 5, "Logos, screenshots, founder quotes and fact sheet.", ()),
    (
        "Launch event logistics",
        "Launch day",
        (0,),
        20,
        0,
        1,
        "Venue, catering, AV and badges.",
        (("Venue contract", False), ("Catering order", False), ("AV check", False), ("Badges", False)),
    ),
    ("Post-launch survey", "Launch day", (2, 3), 27, 0, 9, "", ()),
)
BUCKETS = ("Planning", "Campaign", "Launch day")


def seed_planner(tenant: SandboxTenant, planner: Planner) -> None:
    """One group plan with three buckets and seven tasks spread over the team."""
    me = tenant.me
    plan = {
        "id": PLAN_ID,
        "title": "Contoso Spring Launch",
        "owner": GROUP_ID,
        "createdDateTime": _now(),
        "createdBy": {"user": {"id": me.id, "displayName": me.displayName}},
        "container": {
            "containerId": GROUP_ID,
            "type": "group",
            "url": f"https://graph.microsoft.com/v1.0/groups/{GROUP_ID}",
        },
    }
    planner.stamp_etag(plan)
    planner.plans[PLAN_ID] = plan
    bucket_ids = {name: new_bucket(planner, PLAN_ID, name)["id"] for name in BUCKETS}
    users = tenant.users
    for title, bucket, people, due, percent, priority, description, checklist in PLANNER_SEED:
        task = new_planner_task(planner, PLAN_ID, bucket_ids[bucket], title, me.id)
        task.update(
            percentComplete=percent,
            priority=priority,
            dueDateTime=_day(due) + "T17:00:00Z",
            completedDateTime=_now() if percent == 100 else None,
            completedBy={"user": {"id": me.id}} if percent == 100 else None,
        )
        for index in people:
            user = users[index % len(users)]
            task["assignments"][user.id] = {
                "@odata.type": "#microsoft.graph.plannerAssignment",
                "assignedDateTime": _now(),
                "orderHint": " !",
                "assignedBy": {"user": {"id": me.id}},
            }
        details = planner.details[task["id"]]
        details["description"] = description
        rng = random.Random(f"{_RNG}:checklist:{title}")
        for item_title, checked in checklist:
            details["checklist"][str(uuid.UUID(bytes=rng.randbytes(16), version=4))] = {
                "@odata.type": "#microsoft.graph.plannerChecklistItem",
                "title": item_title,
                "isChecked": checked,
                "orderHint": " !",
                "lastModifiedDateTime": _now(),
                "lastModifiedBy": {"user": {"id": me.id}},
            }
        refresh_counts(task, details)
    budget = next(t for t in planner.tasks.values() if t["title"] == "Finalise launch budget")
    new_message(planner, budget["id"], users[2 % len(users)], "Finance wants the forecast by Friday.")
    new_message(planner, budget["id"], me, "On it, I'll share the sheet tomorrow.")
