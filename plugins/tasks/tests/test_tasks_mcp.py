"""Every To Do and Planner tool through the MCP SDK's own client against the sandbox tenant."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from ms365mcp_tasks.seed import ENCODED_LIST_ID, ENCODED_TASK_ID, PLAN_ID
from ms365mcp_tasks.tools import TOOLS

pytestmark = pytest.mark.anyio

ADELE = "5a1e2f3c-0001-4a8e-9d1c-adele00000001"
ALEX = "5a1e2f3c-0002-4a8e-9d1c-alex000000002"


async def _ok(client: Any, called: set[str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    called.add(name)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def _todo_round_trip(client: Any, called: set[str]) -> None:
    lists = {x["displayName"]: x for x in (await _ok(client, called, "list-todo-task-lists"))["value"]}
    assert {"Tasks", "Launch prep", "Groceries"} <= set(lists)
    assert lists["Tasks"]["wellknownListName"] == "defaultList"
    assert lists["Launch prep"]["id"] == ENCODED_LIST_ID
    open_tasks = await _ok(
        client,
        called,
        "list-todo-tasks",
        {"todoTaskListId": ENCODED_LIST_ID, "filter": "status ne 'completed'", "orderby": "dueDateTime/dateTime"},
    )
    titles = [t["title"] for t in open_tasks["value"]]
    assert "Book photographer" not in titles and titles[0] == "Shortlist launch venues"
    venues = await _ok(
        client, called, "get-todo-task", {"todoTaskListId": ENCODED_LIST_ID, "todoTaskId": ENCODED_TASK_ID}
    )
    assert venues["importance"] == "high" and venues["body"]["content"].startswith("Need capacity")
    ids = {"todoTaskListId": ENCODED_LIST_ID, "todoTaskId": ENCODED_TASK_ID}
    links = (await _ok(client, called, "list-todo-linked-resources", ids))["value"]
    assert {link["displayName"] for link in links} == {"Harbour Hall", "The Foundry"}
    link = await _ok(
        client, called, "create-todo-linked-resource", {**ids, "body": {"webUrl": "https://contoso.sandbox/v/pier-7"}}
    )
    assert link["applicationName"] == "ms365mcp"
    await _ok(client, called, "delete-todo-linked-resource", {**ids, "linkedResourceId": link["id"]})
    assert len((await _ok(client, called, "list-todo-linked-resources", ids))["value"]) == 2

    new_list = await _ok(client, called, "create-todo-task-list", {"body": {"displayName": "Q4 offsite"}})
    renamed = await _ok(
        client, called, "update-todo-task-list", {"todoTaskListId": new_list["id"], "body": {"displayName": "Offsite"}}
    )
    assert renamed["displayName"] == "Offsite"
    task = await _ok(
        client,
        called,
        "create-todo-task",
        {
            "todoTaskListId": new_list["id"],
            "body": {"title": "Pick a date", "dueDateTime": "2026-12-01", "importance": "high", "body": "Ask the team"},
        },
    )
    assert task["dueDateTime"] == {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"}
    assert task["body"] == {"content": "Ask the team", "contentType": "text"}
    done = await _ok(
        client,
        called,
        "update-todo-task",
        {"todoTaskListId": new_list["id"], "todoTaskId": task["id"], "body": {"status": "done"}},
    )
    assert done["status"] == "completed" and done["completedDateTime"]
    await _ok(client, called, "delete-todo-task", {"todoTaskListId": new_list["id"], "todoTaskId": task["id"]})
    empty = await _ok(client, called, "list-todo-tasks", {"todoTaskListId": new_list["id"]})
    assert empty["value"] == []
    await _ok(client, called, "delete-todo-task-list", {"todoTaskListId": new_list["id"]})
    gone = await client.call_tool("list-todo-tasks", {"todoTaskListId": new_list["id"]})
    assert gone.is_error and "ErrorItemNotFound" in gone.content[0].text


async def _planner_round_trip(client: Any, called: set[str]) -> None:
    mine = (await _ok(client, called, "list-planner-tasks"))["value"]
    assert mine and all(ADELE in t["assignments"] for t in mine)
    plan = await _ok(client, called, "get-planner-plan", {"plannerPlanId": PLAN_ID})
    assert plan["title"] == "Contoso Spring Launch" and plan["container"]["type"] == "group"
    buckets = {
        b["name"]: b for b in (await _ok(client, called, "list-plan-buckets", {"plannerPlanId": PLAN_ID}))["value"]
    }
    assert set(buckets) == {"Planning", "Campaign", "Launch day"}
    assert (await _ok(client, called, "get-planner-bucket", {"plannerBucketId": buckets["Campaign"]["id"]}))[
        "name"
    ] == "Campaign"
    tasks = (await _ok(client, called, "list-plan-tasks", {"plannerPlanId": PLAN_ID}))["value"]
    budget = next(t for t in tasks if t["title"] == "Finalise launch budget")
    assert (await _ok(client, called, "get-planner-task", {"plannerTaskId": budget["id"]}))["percentComplete"] == 50
    details = await _ok(client, called, "get-planner-task-details", {"plannerTaskId": budget["id"]})
    assert "finance" in details["description"] and len(details["checklist"]) == 3
    assert "@odata.etag" not in details  # stripped by the server: the handler fetches it itself

    bucket = await _ok(client, called, "create-planner-bucket", {"body": {"name": "Follow-up", "planId": PLAN_ID}})
    bucket = await _ok(
        client, called, "update-planner-bucket", {"plannerBucketId": bucket["id"], "body": {"name": "After launch"}}
    )
    assert bucket["name"] == "After launch"
    task = await _ok(
        client,
        called,
        "create-planner-task",
        {
            "body": {
                "planId": PLAN_ID,
                "bucketId": bucket["id"],
                "title": "Thank-you notes",
                "assignments": [ALEX],
                "dueDateTime": "2026-12-01",
                "priority": "important",
            }
        },
    )
    assert list(task["assignments"]) == [ALEX] and task["priority"] == 3
    task = await _ok(
        client,
        called,
        "update-planner-task",
        {"plannerTaskId": task["id"], "body": {"percentComplete": 100, "assignments": {ALEX: None, ADELE: True}}},
    )
    assert task["completedDateTime"] and list(task["assignments"]) == [ADELE]
    details = await _ok(
        client,
        called,
        "update-planner-task-details",
        {
            "plannerTaskId": task["id"],
            "body": {"description": "Cards for venue staff", "checklist": ["Buy cards", "Write"]},
        },
    )
    assert details["description"] == "Cards for venue staff"
    item_id = next(k for k, v in details["checklist"].items() if v["title"] == "Buy cards")
    details = await _ok(
        client,
        called,
        "update-planner-task-details",
        {"plannerTaskId": task["id"], "body": {"checklist": {item_id: {"isChecked": True}}}},
    )
    assert details["checklist"][item_id]["isChecked"] is True and len(details["checklist"]) == 2
    summary = await _ok(client, called, "get-planner-task", {"plannerTaskId": task["id"]})
    assert (summary["checklistItemCount"], summary["activeChecklistItemCount"], summary["hasDescription"]) == (
        2,
        1,
        True,
    )

    messages = (await _ok(client, called, "list-planner-task-messages", {"plannerTaskId": budget["id"]}))["value"]
    assert messages[0]["content"] == "Finance wants the forecast by Friday."
    posted = await _ok(
        client,
        called,
        "create-planner-task-message",
        {"plannerTaskId": budget["id"], "body": {"content": "Sheet shared."}},
    )
    assert posted["createdBy"]["user"]["id"] == ADELE
    await _ok(
        client,
        called,
        "delete-planner-task-message",
        {"plannerTaskId": budget["id"], "plannerTaskChatMessageId": posted["id"]},
    )
    await _ok(client, called, "delete-planner-bucket", {"plannerBucketId": bucket["id"]})
    gone = await client.call_tool("get-planner-task", {"plannerTaskId": task["id"]})
    assert gone.is_error and "NotFound" in gone.content[0].text


async def test_every_tasks_tool_end_to_end(client: Any) -> None:
    called: set[str] = set()
    await _todo_round_trip(client, called)
    await _planner_round_trip(client, called)
    assert called == {spec.name for spec in TOOLS}


async def test_a_stale_etag_is_refused_with_a_hint(client: Any) -> None:
    buckets = (await client.call_tool("list-plan-buckets", {"plannerPlanId": PLAN_ID})).structured_content["value"]
    stale = await client.call_tool(
        "update-planner-bucket",
        {"plannerBucketId": buckets[0]["id"], "etag": 'W/"not-current"', "body": {"name": "Renamed"}},
    )
    assert stale.is_error
    error = stale.structured_content["error"]
    assert error["status"] == 412 and "leave etag out" in error["hint"]
    still = await client.call_tool("get-planner-bucket", {"plannerBucketId": buckets[0]["id"]})
    assert still.structured_content["name"] == buckets[0]["name"]


async def test_errors_name_the_problem(client: Any) -> None:
    missing = await client.call_tool("get-todo-task", {"todoTaskListId": ENCODED_LIST_ID, "todoTaskId": "nope"})
    assert missing.is_error and "ErrorItemNotFound" in missing.content[0].text
    lists = (await client.call_tool("list-todo-task-lists", {})).structured_content["value"]
    default = next(x for x in lists if x["wellknownListName"] == "defaultList")
    refused = await client.call_tool("delete-todo-task-list", {"todoTaskListId": default["id"]})
    assert refused.is_error and "default task list" in refused.content[0].text
    bad = await client.call_tool(
        "create-todo-task", {"todoTaskListId": default["id"], "body": {"title": "x", "importance": "asap"}}
    )
    assert bad.is_error and "body.importance" in bad.content[0].text
    stranger = await client.call_tool(
        "create-planner-task", {"body": {"planId": PLAN_ID, "title": "x", "assignments": ["0000000000000000-nobody"]}}
    )
    assert stranger.is_error and "can't be assigned" in stranger.content[0].text
    no_plan = await client.call_tool("update-planner-task", {"plannerTaskId": "missing", "body": {"title": "x"}})
    assert no_plan.is_error and no_plan.structured_content["error"]["status"] == 404


async def test_stdio_smoke(tmp_path: Any) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--org-mode", "--preset", "tasks"], env=env
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {spec.name for spec in TOOLS if "tasks" in spec.presets} <= names
        assert "list-planner-task-messages" not in names  # untagged beta rows are outside the preset
        result = await client.call_tool("list-todo-task-lists", {})
        assert result.is_error is False and result.structured_content["value"]
