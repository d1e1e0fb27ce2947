"""Every OneNote row of the endpoint table has a matching ToolSpec; friendly inputs are normalised or refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ms365mcp_onenote.tools import TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.errors import ToolInputError
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, read_endpoint_rows

#: The OneNote rows of the shared endpoint table (reference/graph-endpoints.tsv), kept next to the tests.
TSV = Path(__file__).with_name("onenote-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)


def test_every_onenote_row_has_a_spec() -> None:
    assert len(ROWS) == 26
    assert {r["tool"] for r in ROWS} == set(SPECS)
    assert len(TOOLS) == len(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row)
    notes = row["notes"]
    assert spec.read_only is (True if "readOnly" in notes else None)
    if "contentType=" in notes:
        assert spec.content_type == notes.split("contentType=")[1].split(",")[0]
    else:
        assert spec.content_type is None


def test_lists_page_and_project_by_default() -> None:
    lists = [s for s in TOOLS if s.method == "GET" and not s.path.endswith("/content")]
    assert len(lists) == 12
    assert all(s.is_list and s.default_select and "id" in s.default_select for s in lists)
    assert all(not s.is_list for s in TOOLS if s.path.endswith("/content"))


def test_plugin_registers_tools_and_presets(onenote_pm: Any) -> None:
    catalog = collect(onenote_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "onenote" for name in SPECS)
    assert {"onenote", "personal", "work", "all"} <= set(catalog.presets)
    assert catalog.presets["onenote"].requires_org_mode is False


def test_token_budget_per_tool(onenote_pm: Any) -> None:
    tools = [t for t in collect(onenote_pm).tools.values() if t.plugin == "onenote"]
    assert len(tools) == 26
    assert_token_budget(tools, per_tool=150)


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


def test_title_and_text_become_a_page_document() -> None:
    body = _prepare(
        "create-onenote-section-page",
        {"onenoteSectionId": "s", "body": {"title": "Trip <plan>", "content": "Day one\nmuseum\n\n- a & b\n- c"}},
    )["body"]
    assert body.startswith("<!DOCTYPE html><html><head>")
    assert "<title>Trip &lt;plan&gt;</title>" in body
    assert "<p>Day one<br/>museum</p><ul><li>a &amp; b</li><li>c</li></ul>" in body


def test_numbered_lines_and_html_content_are_kept_as_lists_and_markup() -> None:
    numbered = _prepare("create-onenote-page", {"body": {"title": "T", "content": "1. first\n2) second"}})["body"]
    assert "<ol><li>first</li><li>second</li></ol>" in numbered
    markup = _prepare("create-onenote-page", {"body": {"content": "<h1>Hi</h1>"}})["body"]
    assert "<body><h1>Hi</h1></body>" in markup and "<title></title>" in markup


def test_html_strings_pass_through_and_fragments_are_wrapped() -> None:
    document = "<html><head><title>x</title></head><body><p>y</p></body></html>"
    assert _prepare("create-onenote-page", {"body": document})["body"] == document
    fragment = _prepare("create-onenote-page", {"body": "<p>only a paragraph</p>"})["body"]
    assert fragment.endswith("<body><p>only a paragraph</p></body></html>")
    text = _prepare("create-onenote-page", {"body": "just words"})["body"]
    assert "<body><p>just words</p></body>" in text


def test_page_changes_are_normalised() -> None:
    body = _prepare(
        "update-sharepoint-site-onenote-page-content",
        {
            "siteId": "s",
            "onenotePageId": "p",
            "body": {"target": "action-items", "action": "append", "content": "Call Alex"},
        },
    )["body"]
    assert body == [{"target": "#action-items", "action": "append", "content": "<p>Call Alex</p>"}]
    kept = _prepare(
        "update-sharepoint-site-onenote-page-content",
        {
            "body": [
                {"target": "Title", "action": "replace", "content": "New"},
                {"target": "p:{abc}{3}", "action": "delete", "content": "ignored"},
                {"target": "body", "action": "prepend", "content": "<p>x</p>"},
            ]
        },
    )["body"]
    assert kept == [
        {"target": "title", "action": "replace", "content": "New"},
        {"target": "p:{abc}{3}", "action": "delete"},
        {"target": "body", "action": "prepend", "content": "<p>x</p>"},
    ]


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("create-onenote-page", {"body": "   "}, "body"),
        ("create-onenote-page", {"body": {"title": " ", "content": ""}}, "body.title"),
        ("create-onenote-page", {"body": {"title": 5}}, "body.title"),
        ("create-onenote-page", {"body": {"title": "a", "html": "<p/>"}}, "body.html"),
        ("create-onenote-page", {"body": ["x"]}, "body"),
        ("create-onenote-notebook", {"body": {"displayName": ""}}, "body.displayName"),
        ("create-onenote-notebook", {"body": {"displayName": "a/b"}}, "body.displayName"),
        ("create-onenote-section", {"notebookId": "n", "body": {"displayName": "x" * 51}}, "body.displayName"),
        ("get-onenote-notebook-from-web-url", {"body": {"webUrl": "notebook"}}, "body.webUrl"),
        ("update-sharepoint-site-onenote-page-content", {"body": []}, "body"),
        ("update-sharepoint-site-onenote-page-content", {"body": ["x"]}, "body[0]"),
        ("update-sharepoint-site-onenote-page-content", {"body": [{"action": "append"}]}, "body[0].target"),
        (
            "update-sharepoint-site-onenote-page-content",
            {"body": [{"target": "#a", "action": "move", "content": "x"}]},
            "body[0].action",
        ),
        (
            "update-sharepoint-site-onenote-page-content",
            {"body": [{"target": "#a", "action": "append", "content": "x"}, {"target": "title", "action": "append"}]},
            "body[1].action",
        ),
        (
            "update-sharepoint-site-onenote-page-content",
            {"body": [{"target": "body", "action": "replace", "content": "x"}]},
            "body[0].action",
        ),
        (
            "update-sharepoint-site-onenote-page-content",
            {"body": [{"target": "#a", "action": "replace", "content": "x", "position": "before"}]},
            "body[0].position",
        ),
        (
            "update-sharepoint-site-onenote-page-content",
            {"body": [{"target": "#a", "action": "insert"}]},
            "body[0].content",
        ),
    ],
)
def test_bad_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare(name, args)
    assert info.value.field == field


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/onenote.md", root / "plugins/onenote/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            row = lines[f"`{spec.name}`"]
            for group in (*spec.scopes, *spec.org_scopes):
                assert " + ".join(group) in row, (doc.name, spec.name)
