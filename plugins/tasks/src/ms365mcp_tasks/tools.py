"""Microsoft To Do and Planner tools as data, plus the normalisers for the way people write tasks.

A model writes ``"dueDateTime": "2026-12-01"``, ``"body": "call Ana"``, ``"assignments": ["<user id>"]``
and ``"checklist": ["Book room", "Send invite"]``; Graph wants dateTimeTimeZone objects, itemBody,
keyed assignment maps and GUID-keyed checklist maps. ``prepare`` bridges the two so schemas stay tiny.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ms365mcp import PROJECT_NAME, ToolSpec, tool_maker
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import body_of
from ms365mcp_tasks.etag import ETAG_PARAM, with_if_match

TODO = frozenset({"personal", "tasks"})
PLANNER = frozenset({"tasks", "work"})

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
#: Directory object ids are GUIDs; the check only refuses names and e-mail addresses.
_USER_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{15,}$")

TODO_STATUS = {
    "notstarted": "notStarted",
    "open": "notStarted",
    "todo": "notStarted",
    "inprogress": "inProgress",
    "started": "inProgress",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "waitingonothers": "waitingOnOthers",
    "waiting": "waitingOnOthers",
    "deferred": "deferred",
}
IMPORTANCE = ("low", "normal", "high")
#: Planner shows four priorities; Graph stores 0-10 (1 urgent, 3 important, 5 medium, 9 low).
PLANNER_PRIORITY = {"urgent": 1, "important": 3, "high": 3, "medium": 5, "normal": 5, "low": 9}
PREVIEW_TYPES = ("automatic", "noPreview", "checklist", "description", "reference")


# --- shared helpers ----------------------------------------------------------------------------------


def _text_list(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ToolInputError(field, "expected a list of strings or a comma-separated string")


def _require_text(body: dict[str, Any], key: str, what: str) -> None:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(f"body.{key}", f"give {what}")
    body[key] = value.strip()


# --- To Do ---------------------------------------------------------------------------------------------


def _todo_when(value: Any, field: str) -> dict[str, Any]:
    """``"2026-12-01"`` or ``"2026-12-01T09:00"`` becomes Graph's dateTimeTimeZone (UTC unless given)."""
    if isinstance(value, dict):
        if not isinstance(value.get("dateTime"), str):
            raise ToolInputError(field, 'expected {"dateTime": "2026-12-01T09:00:00", "timeZone": "UTC"}')
        return {"dateTime": value["dateTime"], "timeZone": value.get("timeZone") or "UTC"}
    if isinstance(value, str):
        text = value.strip()
        if _DATE_ONLY.match(text):
            return {"dateTime": text + "T00:00:00", "timeZone": "UTC"}
        if _DATE_TIME.match(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:  # an offset is folded into UTC, which To Do stores as given
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return {"dateTime": moment.isoformat(timespec="seconds"), "timeZone": "UTC"}
    raise ToolInputError(field, "expected a date such as 2026-12-01 or 2026-12-01T09:00:00")


def prepare_todo_task(args: dict[str, Any]) -> None:
    """Plain strings for body, dates, status, importance and categories become Graph's shapes."""
    body = body_of(args, required=True)
    if isinstance(body.get("body"), str):
        body["body"] = {"content": body["body"], "contentType": "text"}
    for key in ("dueDateTime", "reminderDateTime", "startDateTime", "completedDateTime"):
        if body.get(key) is not None:
            body[key] = _todo_when(body[key], f"body.{key}")
    if body.get("reminderDateTime") is not None:
        body.setdefault("isReminderOn", True)
    status = body.get("status")
    if status is not None:
        key = str(status).replace(" ", "").replace("_", "").lower()
        if key not in TODO_STATUS:
            raise ToolInputError(
                "body.status", "expected notStarted, inProgress, completed, waitingOnOthers or deferred"
            )
        body["status"] = TODO_STATUS[key]
    importance = body.get("importance")
    if importance is not None:
        if str(importance).lower() not in IMPORTANCE:
            raise ToolInputError("body.importance", "expected low, normal or high")
        body["importance"] = str(importance).lower()
    if body.get("categories") is not None:
        body["categories"] = _text_list(body["categories"], "body.categories")
    if "title" in body:
        _require_text(body, "title", "a task title")


def prepare_new_todo_task(args: dict[str, Any]) -> None:
    """A new task needs a title."""
    body = body_of(args, required=True)
    _require_text(body, "title", "a task title")
    prepare_todo_task(args)


def prepare_todo_list(args: dict[str, Any]) -> None:
    _require_text(body_of(args, required=True), "displayName", "a list name")


def prepare_linked_resource(args: dict[str, Any]) -> None:
    """A link needs a web address or an external id; the source app defaults to this server."""
    body = body_of(args, required=True)
    url = body.get("webUrl")
    if url is not None and (not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip())):
        raise ToolInputError("body.webUrl", "expected an http(s) address")
    if not url and not body.get("externalId"):
        raise ToolInputError("body.webUrl", "give a webUrl (or the externalId of the linked item)")
    if url:
        body["webUrl"] = url.strip()
    body.setdefault("applicationName", PROJECT_NAME)
    body.setdefault("displayName", body.get("webUrl") or body["externalId"])


# --- Planner -------------------------------------------------------------------------------------------


def _planner_when(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if _DATE_ONLY.match(text):
            return text + "T00:00:00Z"
        if _DATE_TIME.match(text):
            return text if re.search(r"(Z|[+-]\d{2}:\d{2})$", text) else text + "Z"
    raise ToolInputError(field, "expected a date such as 2026-12-01 or a UTC time such as 2026-12-01T17:00:00Z")


def _assignment() -> dict[str, str]:
    return {"@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"}


def _assignments(value: Any) -> dict[str, Any]:
    """User ids (a list or comma string) or Graph's map; ``{"<id>": null}`` removes an assignee."""
    if isinstance(value, dict):
        shaped: dict[str, Any] = {}
        for user_id, item in value.items():
            if not _USER_ID.match(str(user_id)):
                raise ToolInputError(f"body.assignments.{user_id}", "keys must be user ids")
            shaped[user_id] = None if item is None else (item if isinstance(item, dict) else _assignment())
        return shaped
    ids = _text_list(value, "body.assignments")
    for i, user_id in enumerate(ids):
        if not _USER_ID.match(user_id):
            raise ToolInputError(
                f"body.assignments[{i}]", "expected a user id, not a name or e-mail address; look the user up first"
            )
    return {user_id: _assignment() for user_id in ids}


def prepare_planner_task(args: dict[str, Any]) -> None:
    """Dates, assignees and a named priority become Planner's shapes."""
    body = body_of(args, required=True)
    for key in ("dueDateTime", "startDateTime"):
        if key in body:
            body[key] = _planner_when(body[key], f"body.{key}")
    if body.get("assignments") is not None:
        body["assignments"] = _assignments(body["assignments"])
    priority = body.get("priority")
    if isinstance(priority, str):
        if priority.lower() not in PLANNER_PRIORITY:
            raise ToolInputError("body.priority", "expected urgent, important, medium, low or a number 0-10")
        body["priority"] = PLANNER_PRIORITY[priority.lower()]
    elif priority is not None and (
        not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 10
    ):
        raise ToolInputError("body.priority", "expected urgent, important, medium, low or a number 0-10")
    percent = body.get("percentComplete")
    if percent is not None and (not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100):
        raise ToolInputError("body.percentComplete", "expected a whole number from 0 to 100 (100 = done)")
    if "title" in body:
        _require_text(body, "title", "a task title")


def prepare_new_planner_task(args: dict[str, Any]) -> None:
    body = body_of(args, required=True)
    _require_text(body, "planId", "the id of the plan the task goes into")
    _require_text(body, "title", "a task title")
    prepare_planner_task(args)


def _checklist(value: Any) -> dict[str, Any]:
    """Titles (or ``{"title", "isChecked"}`` objects) become new GUID-keyed items; a map passes
    through, so ``{"<itemId>": {"isChecked": true}}`` ticks an item and ``{"<itemId>": null}`` removes it."""
    item_type = "microsoft.graph.plannerChecklistItem"
    if isinstance(value, dict):
        return {
            key: None if item is None else {"@odata.type": item_type, **item} if isinstance(item, dict) else item
            for key, item in value.items()
        }
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list):
        raise ToolInputError("body.checklist", "expected a list of item titles")
    shaped: dict[str, Any] = {}
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"title": entry}
        if not isinstance(entry, dict) or not str(entry.get("title") or "").strip():
            raise ToolInputError(f"body.checklist[{i}]", 'expected a title or {"title": ..., "isChecked": false}')
        shaped[str(uuid.uuid4())] = {
            "@odata.type": item_type,
            "title": str(entry["title"]).strip(),
            "isChecked": bool(entry.get("isChecked", False)),
        }
    return shaped


def reference_key(url: str) -> str:
    """Planner keys references by URL with ``% . : @ #`` percent-encoded."""
    for char, code in (("%", "%25"), (".", "%2E"), (":", "%3A"), ("@", "%40"), ("#", "%23")):
        url = url.replace(char, code)
    return url


def _references(value: Any) -> dict[str, Any]:
    ref_type = "microsoft.graph.plannerExternalReference"
    if isinstance(value, dict):
        return {
            key if "%" in key else reference_key(key): None
            if item is None
            else {"@odata.type": ref_type, **item}
            if isinstance(item, dict)
            else item
            for key, item in value.items()
        }
    urls = _text_list(value, "body.references")
    for i, url in enumerate(urls):
        if not re.match(r"^https?://\S+$", url):
            raise ToolInputError(f"body.references[{i}]", "expected an http(s) address")
    return {reference_key(url): {"@odata.type": ref_type, "alias": url, "type": "Other"} for url in urls}


def prepare_task_details(args: dict[str, Any]) -> None:
    body = body_of(args, required=True)
    if body.get("checklist") is not None:
        body["checklist"] = _checklist(body["checklist"])
    if body.get("references") is not None:
        body["references"] = _references(body["references"])
    preview = body.get("previewType")
    if preview is not None and preview not in PREVIEW_TYPES:
        raise ToolInputError("body.previewType", "expected " + ", ".join(PREVIEW_TYPES))


def prepare_new_bucket(args: dict[str, Any]) -> None:
    body = body_of(args, required=True)
    _require_text(body, "name", "a bucket name")
    _require_text(body, "planId", "the id of the plan the bucket goes into")


def prepare_bucket(args: dict[str, Any]) -> None:
    _require_text(body_of(args, required=True), "name", "a bucket name")


def prepare_message(args: dict[str, Any]) -> None:
    _require_text(body_of(args, required=True), "content", "the message text")


# --- schemas -------------------------------------------------------------------------------------------

_STR: dict[str, Any] = {"type": "string"}
_WHEN: dict[str, Any] = {"type": ["string", "object"]}
_LIST: dict[str, Any] = {"type": ["array", "string"]}
TODO_TASK_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": _STR,
        "body": {"type": ["string", "object"]},
        "status": _STR,
        "importance": {"enum": list(IMPORTANCE)},
        "dueDateTime": _WHEN,
        "reminderDateTime": _WHEN,
        "categories": _LIST,
    },
}
NAME_BODY: dict[str, Any] = {"type": "object", "properties": {"displayName": _STR}, "required": ["displayName"]}
LINK_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"webUrl": _STR, "displayName": _STR, "applicationName": _STR, "externalId": _STR},
}
PLANNER_TASK_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "planId": _STR,
        "bucketId": _STR,
        "title": _STR,
        "assignments": {"type": ["array", "string", "object"]},
        "dueDateTime": _STR,
        "startDateTime": _STR,
        "percentComplete": {"type": "integer"},
        "priority": {"type": ["integer", "string"]},
    },
}
DETAILS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "description": _STR,
        "checklist": {"type": ["array", "object"]},
        "references": {"type": ["array", "object"]},
        "previewType": _STR,
    },
}
BUCKET_BODY: dict[str, Any] = {"type": "object", "properties": {"name": _STR, "planId": _STR, "orderHint": _STR}}
MESSAGE_BODY: dict[str, Any] = {"type": "object", "properties": {"content": _STR}, "required": ["content"]}

TODO_TASK_SELECT = ("id", "title", "status", "importance", "dueDateTime", "completedDateTime", "categories")
_LISTS = "/me/todo/lists"
_LIST_ID = _LISTS + "/{todoTaskListId}"
_TASK = _LIST_ID + "/tasks/{todoTaskId}"
_PTASK = "/planner/tasks/{plannerTaskId}"
_BUCKET = "/planner/buckets/{plannerBucketId}"
_GET = frozenset({"select", "expand"})


_todo = tool_maker(presets=TODO)
_planner_tool = tool_maker(presets=PLANNER)
_beta = tool_maker(api_version="beta")


def _planner(name: str, method: str, path: str, description: str, scope: str, **extra: Any) -> ToolSpec:
    """Planner changes need the item's etag; PATCH and DELETE go through the handler that supplies it."""
    if method in ("PATCH", "DELETE"):
        extra.update(handler=with_if_match, params=ETAG_PARAM)
    return _planner_tool(name, method, path, description, scope, **extra)


_ETAG_NOTE = " Etag optional: the current one is used."

TOOLS: tuple[ToolSpec, ...] = (
    # Microsoft To Do
    _todo(
        "list-todo-task-lists",
        "GET",
        _LISTS,
        "List the user's To Do lists.",
        "Tasks.Read",
        query=frozenset({"top", "filter", "select"}),
        default_select=("id", "displayName", "wellknownListName", "isShared"),
    ),
    _todo(
        "create-todo-task-list",
        "POST",
        _LISTS,
        "Create a To Do list.",
        "Tasks.ReadWrite",
        body=NAME_BODY,
        prepare=prepare_todo_list,
    ),
    _todo(
        "update-todo-task-list",
        "PATCH",
        _LIST_ID,
        "Rename a To Do list.",
        "Tasks.ReadWrite",
        body=NAME_BODY,
        prepare=prepare_todo_list,
    ),
    _todo("delete-todo-task-list", "DELETE", _LIST_ID, "Delete a To Do list and its tasks.", "Tasks.ReadWrite"),
    _todo(
        "list-todo-tasks",
        "GET",
        _LIST_ID + "/tasks",
        "List tasks in a To Do list; filter e.g. status ne 'completed'.",
        "Tasks.Read",
        query=frozenset({"top", "skip", "filter", "orderby", "select", "count", "expand"}),
        default_select=TODO_TASK_SELECT,
    ),
    _todo("get-todo-task", "GET", _TASK, "Get a To Do task with its body and dates.", "Tasks.Read", query=_GET),
    _todo(
        "create-todo-task",
        "POST",
        _LIST_ID + "/tasks",
        "Add a task to a To Do list; dates may be 2026-12-01, body plain text.",
        "Tasks.ReadWrite",
        body=TODO_TASK_BODY,
        prepare=prepare_new_todo_task,
    ),
    _todo(
        "update-todo-task",
        "PATCH",
        _TASK,
        "Change a To Do task (status completed marks it done); send only changed fields.",
        "Tasks.ReadWrite",
        body=TODO_TASK_BODY,
        prepare=prepare_todo_task,
    ),
    _todo("delete-todo-task", "DELETE", _TASK, "Delete a To Do task.", "Tasks.ReadWrite"),
    _todo(
        "list-todo-linked-resources",
        "GET",
        _TASK + "/linkedResources",
        "List links attached to a To Do task.",
        "Tasks.Read",
        query=frozenset({"top", "skip", "select"}),
    ),
    _todo(
        "create-todo-linked-resource",
        "POST",
        _TASK + "/linkedResources",
        "Attach a link (webUrl) to a To Do task.",
        "Tasks.ReadWrite",
        body=LINK_BODY,
        prepare=prepare_linked_resource,
    ),
    _todo(
        "delete-todo-linked-resource",
        "DELETE",
        _TASK + "/linkedResources/{linkedResourceId}",
        "Remove a link from a To Do task.",
        "Tasks.ReadWrite",
    ),
    # Planner
    _planner("list-planner-tasks", "GET", "/me/planner/tasks", "List Planner tasks assigned to me.", "Tasks.Read"),
    _planner("get-planner-plan", "GET", "/planner/plans/{plannerPlanId}", "Get a Planner plan.", "Tasks.Read"),
    _planner("list-plan-tasks", "GET", "/planner/plans/{plannerPlanId}/tasks", "List a plan's tasks.", "Tasks.Read"),
    _planner("get-planner-task", "GET", _PTASK, "Get a Planner task.", "Tasks.Read"),
    _planner(
        "create-planner-task",
        "POST",
        "/planner/tasks",
        "Create a Planner task; assignments = user ids, priority urgent/important/medium/low.",
        "Tasks.ReadWrite",
        body=PLANNER_TASK_BODY,
        prepare=prepare_new_planner_task,
    ),
    _planner(
        "update-planner-task",
        "PATCH",
        _PTASK,
        "Change a Planner task (percentComplete 100 = done)." + _ETAG_NOTE,
        "Tasks.ReadWrite",
        body=PLANNER_TASK_BODY,
        prepare=prepare_planner_task,
    ),
    _planner(
        "get-planner-task-details", "GET", _PTASK + "/details", "Get a task's description and checklist.", "Tasks.Read"
    ),
    _planner(
        "update-planner-task-details",
        "PATCH",
        _PTASK + "/details",
        "Set a task's description; checklist titles are added, {itemId: null} removes." + _ETAG_NOTE,
        "Tasks.ReadWrite",
        body=DETAILS_BODY,
        prepare=prepare_task_details,
    ),
    _planner(
        "list-plan-buckets", "GET", "/planner/plans/{plannerPlanId}/buckets", "List a plan's buckets.", "Tasks.Read"
    ),
    _planner("get-planner-bucket", "GET", _BUCKET, "Get a Planner bucket.", "Tasks.Read"),
    _planner(
        "create-planner-bucket",
        "POST",
        "/planner/buckets",
        "Create a bucket in a plan.",
        "Tasks.ReadWrite",
        body=BUCKET_BODY,
        prepare=prepare_new_bucket,
    ),
    _planner(
        "update-planner-bucket",
        "PATCH",
        _BUCKET,
        "Rename a bucket." + _ETAG_NOTE,
        "Tasks.ReadWrite",
        body=BUCKET_BODY,
        prepare=prepare_bucket,
    ),
    _planner(
        "delete-planner-bucket", "DELETE", _BUCKET, "Delete a bucket and its tasks." + _ETAG_NOTE, "Tasks.ReadWrite"
    ),
    # Planner task chat (beta)
    _beta(
        "list-planner-task-messages",
        "GET",
        _PTASK + "/messages",
        "List chat messages on a Planner task (beta).",
        "Tasks.Read",
    ),
    _beta(
        "create-planner-task-message",
        "POST",
        _PTASK + "/messages",
        "Post a chat message on a Planner task (beta).",
        "Tasks.ReadWrite",
        body=MESSAGE_BODY,
        prepare=prepare_message,
    ),
    _beta(
        "delete-planner-task-message",
        "DELETE",
        _PTASK + "/messages/{plannerTaskChatMessageId}",
        "Delete a chat message from a Planner task (beta).",
        "Tasks.ReadWrite",
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every To Do and Planner tool to the core."""
    for spec in TOOLS:
        register(spec)
