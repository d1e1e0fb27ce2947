"""Every To Do and Planner row of the endpoint table has a matching ToolSpec; friendly inputs are normalised."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ms365mcp_tasks.etag import with_if_match
from ms365mcp_tasks.tools import TOOLS, reference_key

from ms365mcp.catalog.registry import collect
from ms365mcp.errors import ToolInputError
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, read_endpoint_rows

#: The /todo/ and /planner rows of the shared endpoint table (reference/graph-endpoints.tsv), kept next to the tests.
TSV = Path(__file__).with_name("tasks-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)
ADELE = "5a1e2f3c-0001-4a8e-9d1c-adele00000001"
GUID = "0f3e2a1b-1111-4c2d-8e9f-000000000abc"


def test_every_tasks_row_has_a_spec() -> None:
    assert len(ROWS) == 28
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row)
    assert spec.org_only is False


def test_planner_writes_go_through_the_etag_handler() -> None:
    guarded = {s.name for s in TOOLS if s.handler is with_if_match}
    assert guarded == {
        "update-planner-task",
        "update-planner-task-details",
        "update-planner-bucket",
        "delete-planner-bucket",
    }
    assert all("etag" in SPECS[name].params for name in guarded)


def test_plugin_registers_tools_and_the_tasks_preset(tasks_pm: Any) -> None:
    catalog = collect(tasks_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "tasks" for name in SPECS)
    assert catalog.presets["tasks"].requires_org_mode is False
    assert {"tasks", "personal", "work", "all"} <= set(catalog.presets)


def test_token_budget_per_tool(tasks_pm: Any) -> None:
    tools = [t for t in collect(tasks_pm).tools.values() if t.plugin == "tasks"]
    assert len(tools) == 28
    assert_token_budget(tools, per_tool=150)


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


def test_todo_task_fields_become_graph_shapes() -> None:
    body = _prepare(
        "create-todo-task",
        {
            "body": {
                "title": " Call Ana ",
                "body": "about the venue",
                "dueDateTime": "2026-12-01",
                "reminderDateTime": "2026-11-30T09:00:00Z",
                "status": "in progress",
                "importance": "HIGH",
                "categories": "Launch, Calls",
            }
        },
    )["body"]
    assert body == {
        "title": "Call Ana",
        "body": {"content": "about the venue", "contentType": "text"},
        "dueDateTime": {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"},
        "reminderDateTime": {"dateTime": "2026-11-30T09:00:00", "timeZone": "UTC"},
        "isReminderOn": True,
        "status": "inProgress",
        "importance": "high",
        "categories": ["Launch", "Calls"],
    }
    shifted = _prepare("update-todo-task", {"body": {"dueDateTime": "2026-12-01T09:30:00+02:00"}})["body"]
    assert shifted["dueDateTime"] == {"dateTime": "2026-12-01T07:30:00", "timeZone": "UTC"}
    done = _prepare("update-todo-task", {"body": {"status": "done"}})["body"]
    assert done == {"status": "completed"}


def test_linked_resource_defaults() -> None:
    body = _prepare("create-todo-linked-resource", {"body": {"webUrl": "https://contoso.example/a"}})["body"]
    assert body == {"webUrl": "https://contoso.example/a", "applicationName": "ms365mcp", "displayName": body["webUrl"]}


def test_planner_task_fields_become_graph_shapes() -> None:
    body = _prepare(
        "create-planner-task",
        {
            "body": {
                "planId": "p1",
                "title": "Ship",
                "assignments": [ADELE],
                "dueDateTime": "2026-12-01",
                "priority": "urgent",
            }
        },
    )["body"]
    assert body["assignments"] == {ADELE: {"@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"}}
    assert body["dueDateTime"] == "2026-12-01T00:00:00Z" and body["priority"] == 1
    removal = _prepare("update-planner-task", {"body": {"assignments": {ADELE: None}}})["body"]
    assert removal["assignments"] == {ADELE: None}


def test_checklist_and_references_become_keyed_maps() -> None:
    body = _prepare(
        "update-planner-task-details",
        {
            "body": {
                "checklist": ["Book room", {"title": "Send invite", "isChecked": True}],
                "references": ["https://contoso.example/spec.docx"],
            }
        },
    )["body"]
    items = list(body["checklist"].values())
    assert all(re.match(r"^[0-9a-f-]{36}$", key) for key in body["checklist"])
    assert [(i["title"], i["isChecked"]) for i in items] == [("Book room", False), ("Send invite", True)]
    assert items[0]["@odata.type"] == "microsoft.graph.plannerChecklistItem"
    key = reference_key("https://contoso.example/spec.docx")
    assert key == "https%3A//contoso%2Eexample/spec%2Edocx"
    assert body["references"][key]["alias"] == "https://contoso.example/spec.docx"
    tick = _prepare("update-planner-task-details", {"body": {"checklist": {GUID: {"isChecked": True}}}})["body"]
    assert tick["checklist"][GUID] == {"@odata.type": "microsoft.graph.plannerChecklistItem", "isChecked": True}


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("create-todo-task", {"body": {"importance": "high"}}, "body.title"),
        ("create-todo-task", {"body": {"title": "x", "status": "finished-ish"}}, "body.status"),
        ("create-todo-task", {"body": {"title": "x", "importance": "urgent"}}, "body.importance"),
        ("update-todo-task", {"body": {"dueDateTime": "next friday"}}, "body.dueDateTime"),
        ("create-todo-task-list", {"body": {"displayName": " "}}, "body.displayName"),
        ("create-todo-linked-resource", {"body": {"webUrl": "ftp://x"}}, "body.webUrl"),
        ("create-todo-linked-resource", {"body": {"displayName": "x"}}, "body.webUrl"),
        ("create-planner-task", {"body": {"title": "x"}}, "body.planId"),
        ("create-planner-task", {"body": {"planId": "p", "title": " "}}, "body.title"),
        (
            "create-planner-task",
            {"body": {"planId": "p", "title": "x", "assignments": ["ana@x.com"]}},
            "body.assignments[0]",
        ),
        ("update-planner-task", {"body": {"assignments": {"ana": True}}}, "body.assignments.ana"),
        ("update-planner-task", {"body": {"percentComplete": 150}}, "body.percentComplete"),
        ("update-planner-task", {"body": {"priority": "asap"}}, "body.priority"),
        ("update-planner-task", {"body": {"dueDateTime": "soon"}}, "body.dueDateTime"),
        ("update-planner-task-details", {"body": {"checklist": [""]}}, "body.checklist[0]"),
        ("update-planner-task-details", {"body": {"references": ["not a url"]}}, "body.references[0]"),
        ("update-planner-task-details", {"body": {"previewType": "big"}}, "body.previewType"),
        ("create-planner-bucket", {"body": {"name": "B"}}, "body.planId"),
        ("update-planner-bucket", {"body": {"name": ""}}, "body.name"),
        ("create-planner-task-message", {"body": {"content": "  "}}, "body.content"),
    ],
)
def test_bad_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare(name, args)
    assert info.value.field == field


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/tasks.md", root / "plugins/tasks/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            assert " + ".join(spec.scopes[0]) in lines[f"`{spec.name}`"], (doc.name, spec.name)
