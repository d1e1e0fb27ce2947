"""The sandbox's Microsoft To Do and Planner: seeded lists, a team plan and the routes the tools call.

To Do is per user (the signed-in user's lists are full, others start with the default list);
Planner is tenant-wide, like a group's plan. Planner enforces ``If-Match`` on PATCH and DELETE the way
Graph does (412 without it or with a stale etag), and answers PATCH with 204 unless
``Prefer: return=representation`` asks for the item.
"""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant
from ms365mcp_tasks import seed

TODO_KEY = "tasks.todo"
PLANNER_KEY = "tasks.planner"
TODO_NOT_FOUND = "The requested item was not found."
PLANNER_NOT_FOUND = "The requested item is not found."

LIST_FIELDS = frozenset({"displayName"})
TASK_FIELDS = frozenset(
    {
        "title",
        "body",
        "status",
        "importance",
        "dueDateTime",
        "reminderDateTime",
        "startDateTime",
        "completedDateTime",
        "isReminderOn",
        "categories",
        "recurrence",
        "linkedResources",
    }
)
TODO_STATUS = frozenset({"notStarted", "inProgress", "completed", "waitingOnOthers", "deferred"})
LINK_FIELDS = frozenset({"webUrl", "applicationName", "displayName", "externalId"})
PLANNER_TASK_FIELDS = frozenset(
    {
        "planId",
        "bucketId",
        "title",
        "orderHint",
        "assigneePriority",
        "assignments",
        "percentComplete",
        "priority",
        "startDateTime",
        "dueDateTime",
        "appliedCategories",
        "conversationThreadId",
        "details",
    }
)
DETAILS_FIELDS = frozenset({"description", "checklist", "references", "previewType"})
BUCKET_FIELDS = frozenset({"name", "planId", "orderHint"})


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Planner:
    """Plans, buckets, tasks, details and chat messages, with a version counter behind every etag."""

    def __init__(self) -> None:
        self.plans: dict[str, dict[str, Any]] = {}
        self.buckets: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.details: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._versions = itertools.count(1)

    def stamp_etag(self, item: dict[str, Any]) -> None:
        """Give the item a fresh etag, the way Planner changes it on every write."""
        version = base64.b64encode(f"1-Planner-{next(self._versions):06d}".encode()).decode()
        item["@odata.etag"] = f'W/"{version}"'

    def find(self, kind: str, item_id: str) -> dict[str, Any]:
        found = getattr(self, kind).get(item_id)
        if found is None:
            raise GraphError(404, "NotFound", PLANNER_NOT_FOUND)
        return found


# --- To Do routes ---------------------------------------------------------------------------------------


def _todo(request: SandboxRequest) -> seed.TodoStore:
    stores: dict[str, seed.TodoStore] = request.tenant.store[TODO_KEY]
    if request.user.id not in stores:
        stores[request.user.id] = seed.new_todo_store(request.user.id)
    return stores[request.user.id]


def _todo_list(request: SandboxRequest) -> dict[str, Any]:
    found = _todo(request).lists.get(request.params["todoTaskListId"])
    if found is None:
        raise GraphError(404, "ErrorItemNotFound", TODO_NOT_FOUND)
    return found


def _todo_task(request: SandboxRequest) -> dict[str, Any]:
    tasks = _todo(request).tasks[_todo_list(request)["id"]]
    found = tasks.get(request.params["todoTaskId"])
    if found is None:
        raise GraphError(404, "ErrorItemNotFound", TODO_NOT_FOUND)
    return found


def _created(request: SandboxRequest, item: dict[str, Any]) -> JSONResponse:
    return JSONResponse(select_item(request, item), status_code=201)


def _list_name(body: dict[str, Any]) -> str:
    refuse_unknown(body, LIST_FIELDS, "todoTaskList")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "invalidRequest", "The displayName of a task list can't be empty.")
    return name.strip()


async def list_lists(request: SandboxRequest) -> Any:
    return list_page(request, list(_todo(request).lists.values()), search_fields=("displayName",), max_top=100)


async def create_list(request: SandboxRequest) -> Any:
    store = _todo(request)
    return _created(request, store.add_list(_list_name(json_object(request))))


async def update_list(request: SandboxRequest) -> Any:
    found = _todo_list(request)
    found["displayName"] = _list_name(json_object(request))
    return select_item(request, found)


async def delete_list(request: SandboxRequest) -> Any:
    found = _todo_list(request)
    if found.get("wellknownListName") == "defaultList":
        raise GraphError(400, "invalidRequest", "The default task list can't be deleted.")
    store = _todo(request)
    store.lists.pop(found["id"])
    store.tasks.pop(found["id"], None)


def _check_task(body: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown(body, TASK_FIELDS, "todoTask")
    if "status" in body and body["status"] not in TODO_STATUS:
        raise GraphError(
            400, "invalidRequest", f"Requested value '{body['status']}' was not found in enum 'taskStatus'."
        )
    if "importance" in body and body["importance"] not in ("low", "normal", "high"):
        raise GraphError(
            400, "invalidRequest", f"Requested value '{body['importance']}' was not found in enum 'importance'."
        )
    for key in ("dueDateTime", "reminderDateTime", "startDateTime", "completedDateTime"):
        value = body.get(key)
        if value is not None and not (isinstance(value, dict) and isinstance(value.get("dateTime"), str)):
            raise GraphError(
                400, "RequestBodyRead", f"Cannot convert the value of '{key}' to 'microsoft.graph.dateTimeTimeZone'."
            )
    if "body" in body and not isinstance(body["body"], dict):
        raise GraphError(400, "RequestBodyRead", "Cannot convert the value of 'body' to 'microsoft.graph.itemBody'.")
    if "categories" in body and not isinstance(body["categories"], list):
        raise GraphError(400, "RequestBodyRead", "Cannot convert 'categories' to 'Collection(Edm.String)'.")
    return {k: v for k, v in body.items() if k != "@odata.type"}


async def list_tasks(request: SandboxRequest) -> Any:
    tasks = list(_todo(request).tasks[_todo_list(request)["id"]].values())
    return list_page(request, tasks, search_fields=("title", "body/content"))


async def get_task(request: SandboxRequest) -> Any:
    return select_item(request, _todo_task(request))


async def create_task(request: SandboxRequest) -> Any:
    found = _todo_list(request)
    fields = _check_task(json_object(request))
    if not str(fields.get("title") or "").strip():
        raise GraphError(400, "invalidRequest", "A task needs a title.")
    return _created(request, _todo(request).add_task(found["id"], fields))


async def update_task(request: SandboxRequest) -> Any:
    task = _todo_task(request)
    _todo(request).apply(task, _check_task(json_object(request)))
    return select_item(request, task)


async def delete_task(request: SandboxRequest) -> Any:
    task = _todo_task(request)
    _todo(request).tasks[_todo_list(request)["id"]].pop(task["id"])


async def list_links(request: SandboxRequest) -> Any:
    return list_page(request, list(_todo_task(request)["linkedResources"]), search_fields=("displayName", "webUrl"))


async def create_link(request: SandboxRequest) -> Any:
    task = _todo_task(request)
    body = json_object(request)
    refuse_unknown(body, LINK_FIELDS, "linkedResource")
    if not body.get("webUrl") and not body.get("externalId"):
        raise GraphError(400, "invalidRequest", "A linked resource needs a webUrl or an externalId.")
    link = {"id": _todo(request).new_id(), **{k: body.get(k) for k in sorted(LINK_FIELDS)}}
    task["linkedResources"].append(link)
    return _created(request, link)


async def delete_link(request: SandboxRequest) -> Any:
    task = _todo_task(request)
    link_id = request.params["linkedResourceId"]
    kept = [link for link in task["linkedResources"] if link["id"] != link_id]
    if len(kept) == len(task["linkedResources"]):
        raise GraphError(404, "ErrorItemNotFound", TODO_NOT_FOUND)
    task["linkedResources"] = kept


# --- Planner routes ---------------------------------------------------------------------------------------


def _planner(request: SandboxRequest) -> Planner:
    planner: Planner = request.tenant.store[PLANNER_KEY]
    return planner


def _require_if_match(request: SandboxRequest, item: dict[str, Any]) -> None:
    sent = request.headers.get("if-match")
    if not sent:
        raise GraphError(412, "PreconditionFailed", "The request is missing the If-Match header with the item's etag.")
    if sent.strip() != item["@odata.etag"]:
        raise GraphError(412, "PreconditionFailed", "The If-Match header does not match the item's current etag.")


def _patched(request: SandboxRequest, item: dict[str, Any]) -> Any:
    """Planner answers a PATCH with 204 unless the caller prefers the changed item."""
    if (request.prefer("return") or "").lower() == "representation":
        return select_item(request, item)
    return Response(status_code=204)


def _merge_map(current: dict[str, Any], changes: Any, field: str, entity: str) -> None:
    """Open-type maps (assignments, checklist, references) merge key by key; null removes a key."""
    if not isinstance(changes, dict):
        raise GraphError(400, "RequestBodyRead", f"Cannot convert '{field}' to 'microsoft.graph.{entity}'.")
    for key, value in changes.items():
        if value is None:
            current.pop(key, None)
        elif isinstance(value, dict):
            current[key] = {**current.get(key, {}), **value}
        else:
            raise GraphError(400, "RequestBodyRead", f"Cannot convert the value of '{field}/{key}'.")


def _check_planner_task(request: SandboxRequest, planner: Planner, body: dict[str, Any], plan_id: str) -> None:
    refuse_unknown(body, PLANNER_TASK_FIELDS, "plannerTask")
    bucket_id = body.get("bucketId")
    if bucket_id is not None and planner.buckets.get(bucket_id, {}).get("planId") != plan_id:
        raise GraphError(400, "BadRequest", "The bucket doesn't exist or belongs to another plan.")
    for user_id, value in (body.get("assignments") or {}).items():
        if value is not None and request.tenant.find_user(user_id) is None:
            raise GraphError(400, "BadRequest", f"The user '{user_id}' can't be assigned: not a member of the plan.")
    for key in ("percentComplete", "priority"):
        value = body.get(key)
        limit = 100 if key == "percentComplete" else 10
        if value is not None and (not isinstance(value, int) or not 0 <= value <= limit):
            raise GraphError(400, "BadRequest", f"The value of '{key}' must be between 0 and {limit}.")


def _apply_planner_task(request: SandboxRequest, task: dict[str, Any], body: dict[str, Any]) -> None:
    if "assignments" in body:
        _merge_map(task["assignments"], body["assignments"], "assignments", "plannerAssignments")
        for value in task["assignments"].values():
            value.setdefault("assignedBy", {"user": {"id": request.user.id}})
            value.setdefault("assignedDateTime", _stamp())
    task.update({k: v for k, v in body.items() if k not in ("assignments", "details", "planId", "@odata.type")})
    if "percentComplete" in body:
        done = body["percentComplete"] == 100
        task["completedDateTime"] = _stamp() if done else None
        task["completedBy"] = {"user": {"id": request.user.id}} if done else None


async def list_my_tasks(request: SandboxRequest) -> Any:
    mine = [t for t in _planner(request).tasks.values() if request.user.id in t["assignments"]]
    return list_page(request, mine, search_fields=("title",), default_top=100)


async def get_plan(request: SandboxRequest) -> Any:
    return select_item(request, _planner(request).find("plans", request.params["plannerPlanId"]))


async def list_plan_tasks(request: SandboxRequest) -> Any:
    planner = _planner(request)
    plan = planner.find("plans", request.params["plannerPlanId"])
    tasks = [t for t in planner.tasks.values() if t["planId"] == plan["id"]]
    return list_page(request, tasks, search_fields=("title",), default_top=100)


async def get_planner_task(request: SandboxRequest) -> Any:
    return select_item(request, _planner(request).find("tasks", request.params["plannerTaskId"]))


async def create_planner_task(request: SandboxRequest) -> Any:
    planner = _planner(request)
    body = json_object(request)
    plan_id = body.get("planId")
    if not isinstance(plan_id, str) or plan_id not in planner.plans:
        raise GraphError(400, "BadRequest", "The planId is missing or names a plan that doesn't exist.")
    if not str(body.get("title") or "").strip():
        raise GraphError(400, "BadRequest", "The title of a task can't be empty.")
    _check_planner_task(request, planner, body, plan_id)
    task = seed.new_planner_task(planner, plan_id, body.get("bucketId"), body["title"], request.user.id)
    _apply_planner_task(request, task, body)
    return _created(request, task)


async def update_planner_task(request: SandboxRequest) -> Any:
    planner = _planner(request)
    task = planner.find("tasks", request.params["plannerTaskId"])
    _require_if_match(request, task)
    body = json_object(request)
    _check_planner_task(request, planner, body, task["planId"])
    _apply_planner_task(request, task, body)
    planner.stamp_etag(task)
    return _patched(request, task)


async def get_details(request: SandboxRequest) -> Any:
    planner = _planner(request)
    task = planner.find("tasks", request.params["plannerTaskId"])
    return select_item(request, planner.details[task["id"]])


async def update_details(request: SandboxRequest) -> Any:
    planner = _planner(request)
    task = planner.find("tasks", request.params["plannerTaskId"])
    details = planner.details[task["id"]]
    _require_if_match(request, details)
    body = json_object(request)
    refuse_unknown(body, DETAILS_FIELDS, "plannerTaskDetails")
    if "checklist" in body:
        _merge_map(details["checklist"], body["checklist"], "checklist", "plannerChecklistItems")
        for item in details["checklist"].values():
            if not str(item.get("title") or "").strip():
                raise GraphError(400, "BadRequest", "A checklist item needs a title.")
            item.setdefault("isChecked", False)
            item["lastModifiedDateTime"] = _stamp()
            item["lastModifiedBy"] = {"user": {"id": request.user.id}}
    if "references" in body:
        _merge_map(details["references"], body["references"], "references", "plannerExternalReferences")
    if "description" in body:
        details["description"] = body["description"]
    if "previewType" in body:
        details["previewType"] = body["previewType"]
    seed.refresh_counts(task, details)
    planner.stamp_etag(details)
    planner.stamp_etag(task)
    return _patched(request, details)


async def list_buckets(request: SandboxRequest) -> Any:
    planner = _planner(request)
    plan = planner.find("plans", request.params["plannerPlanId"])
    buckets = [b for b in planner.buckets.values() if b["planId"] == plan["id"]]
    return list_page(request, buckets, search_fields=("name",), default_top=100)


async def get_bucket(request: SandboxRequest) -> Any:
    return select_item(request, _planner(request).find("buckets", request.params["plannerBucketId"]))


async def create_bucket(request: SandboxRequest) -> Any:
    planner = _planner(request)
    body = json_object(request)
    refuse_unknown(body, BUCKET_FIELDS, "plannerBucket")
    if body.get("planId") not in planner.plans:
        raise GraphError(400, "BadRequest", "The planId is missing or names a plan that doesn't exist.")
    if not str(body.get("name") or "").strip():
        raise GraphError(400, "BadRequest", "The name of a bucket can't be empty.")
    return _created(request, seed.new_bucket(planner, body["planId"], body["name"], body.get("orderHint")))


async def update_bucket(request: SandboxRequest) -> Any:
    planner = _planner(request)
    bucket = planner.find("buckets", request.params["plannerBucketId"])
    _require_if_match(request, bucket)
    body = json_object(request)
    refuse_unknown(body, BUCKET_FIELDS, "plannerBucket")
    if body.get("planId", bucket["planId"]) != bucket["planId"]:
        raise GraphError(400, "BadRequest", "A bucket can't move to another plan.")
    bucket.update({k: v for k, v in body.items() if k in ("name", "orderHint")})
    planner.stamp_etag(bucket)
    return _patched(request, bucket)


async def delete_bucket(request: SandboxRequest) -> Any:
    planner = _planner(request)
    bucket = planner.find("buckets", request.params["plannerBucketId"])
    _require_if_match(request, bucket)
    planner.buckets.pop(bucket["id"])
    for task_id in [t["id"] for t in planner.tasks.values() if t.get("bucketId") == bucket["id"]]:
        planner.tasks.pop(task_id)
        planner.details.pop(task_id, None)
        planner.messages.pop(task_id, None)


async def list_messages(request: SandboxRequest) -> Any:
    planner = _planner(request)
    task = planner.find("tasks", request.params["plannerTaskId"])
    return list_page(request, list(planner.messages.get(task["id"], {}).values()), search_fields=("content",))


async def create_message(request: SandboxRequest) -> Any:
    planner = _planner(request)
    task = planner.find("tasks", request.params["plannerTaskId"])
    body = json_object(request)
    refuse_unknown(body, {"content", "mentions", "messageType"}, "plannerTaskChatMessage")
    if not str(body.get("content") or "").strip():
        raise GraphError(400, "BadRequest", "The content of a message can't be empty.")
    message = seed.new_message(planner, task["id"], request.user, body["content"])
    return _created(request, message)


async def delete_message(request: SandboxRequest) -> Any:
    planner = _planner(request)
    task = planner.find("tasks", request.params["plannerTaskId"])
    messages = planner.messages.get(task["id"], {})
    message = messages.get(request.params["plannerTaskChatMessageId"])
    if message is None:
        raise GraphError(404, "NotFound", PLANNER_NOT_FOUND)
    if message["createdBy"]["user"]["id"] != request.user.id:
        raise GraphError(403, "Forbidden", "Only the author can delete a chat message.")
    messages.pop(message["id"])


def setup(tenant: SandboxTenant) -> None:
    """Seed To Do and Planner and serve their routes."""
    tenant.store[TODO_KEY] = seed.seed_todo(tenant)
    planner = Planner()
    seed.seed_planner(tenant, planner)
    tenant.store[PLANNER_KEY] = planner
    route = tenant.route
    lists, one_list = "/me/todo/lists", "/me/todo/lists/{todoTaskListId}"
    task = one_list + "/tasks/{todoTaskId}"
    route("GET", lists)(list_lists)
    route("POST", lists)(create_list)
    route("PATCH", one_list)(update_list)
    route("DELETE", one_list)(delete_list)
    route("GET", one_list + "/tasks")(list_tasks)
    route("POST", one_list + "/tasks")(create_task)
    route("GET", task)(get_task)
    route("PATCH", task)(update_task)
    route("DELETE", task)(delete_task)
    route("GET", task + "/linkedResources")(list_links)
    route("POST", task + "/linkedResources")(create_link)
    route("DELETE", task + "/linkedResources/{linkedResourceId}")(delete_link)
    ptask, bucket = "/planner/tasks/{plannerTaskId}", "/planner/buckets/{plannerBucketId}"
    route("GET", "/me/planner/tasks")(list_my_tasks)
    route("GET", "/planner/plans/{plannerPlanId}")(get_plan)
    route("GET", "/planner/plans/{plannerPlanId}/tasks")(list_plan_tasks)
    route("GET", "/planner/plans/{plannerPlanId}/buckets")(list_buckets)
    route("POST", "/planner/tasks")(create_planner_task)
    route("GET", ptask)(get_planner_task)
    route("PATCH", ptask)(update_planner_task)
    route("GET", ptask + "/details")(get_details)
    route("PATCH", ptask + "/details")(update_details)
    route("POST", "/planner/buckets")(create_bucket)
    route("GET", bucket)(get_bucket)
    route("PATCH", bucket)(update_bucket)
    route("DELETE", bucket)(delete_bucket)
    route("GET", ptask + "/messages")(list_messages)
    route("POST", ptask + "/messages")(create_message)
    route("DELETE", ptask + "/messages/{plannerTaskChatMessageId}")(delete_message)
