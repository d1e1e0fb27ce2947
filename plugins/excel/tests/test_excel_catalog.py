"""Every excel row of the reference catalogue is a tool with the same name, method, path and permissions."""

from __future__ import annotations

from pathlib import Path

import pluggy
from ms365mcp_excel.session import run_in_session

from ms365mcp.catalog.registry import collect
from ms365mcp.catalog.schema import input_schema
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, camel_path, read_endpoint_rows

ROWS = read_endpoint_rows(Path(__file__).parent / "excel-endpoints.tsv")
#: The workbook placeholders are shorter than the table's; the rest are camel-cased as usual.
RENAMES = {"{workbookWorksheet-id}": "{worksheetId}", "{workbookTable-id}": "{tableId}"}


# Deliberate departures from the reference catalogue, each checked against Graph's own reference page.
# sort-excel-range: Graph sorts with POST .../range(address='...')/sort/apply (rangesort-apply.md);
# the catalogue's PATCH on range()/sort only updates the navigation property and sorts nothing.
DEVIATIONS = {
    "sort-excel-range": (
        "POST",
        "/drives/{driveId}/items/{driveItemId}/workbook/worksheets/{worksheetId}/range(address='{address}')/sort/apply",
    ),
}


def test_every_reference_row_is_a_tool_with_the_same_shape(pm: pluggy.PluginManager) -> None:
    tools = collect(pm).tools
    assert len(ROWS) == 23
    for row in ROWS:
        spec = tools[row["tool"]]
        assert spec.plugin == "excel"
        method, path = DEVIATIONS.get(row["tool"], (row["method"], camel_path(row["path"], RENAMES)))
        assert_spec_matches_row(spec, row, method=method, path=path)
        assert not spec.org_only, row["tool"]
        assert spec.handler is run_in_session


def test_literal_params_sit_inside_function_syntax(pm: pluggy.PluginManager) -> None:
    tools = collect(pm).tools
    assert tools["get-excel-range"].literal_params == frozenset({"address"})
    assert tools["update-excel-table-row"].literal_params == frozenset({"index"})
    assert tools["format-excel-range-border"].literal_params == frozenset({"address"})  # sideIndex is a segment
    schema = input_schema(tools["delete-excel-table-row"])
    assert schema["properties"]["index"] == {"type": ["integer", "string"]} and "index" in schema["required"]


def test_presets_are_registered(pm: pluggy.PluginManager) -> None:
    presets = collect(pm).presets
    assert {"excel", "personal", "work", "all"} <= set(presets)


def test_token_budget_per_tool(pm: pluggy.PluginManager) -> None:
    tools = [t for t in collect(pm).tools.values() if t.plugin == "excel"]
    assert len(tools) == 23
    assert_token_budget(tools, per_tool=150)


def test_docs_list_every_tool_with_its_permission() -> None:
    from ms365mcp_excel.tools import TOOLS

    doc = (Path(__file__).parents[3] / "docs" / "plugins" / "excel.md").read_text()
    lines = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")}
    for spec in TOOLS:
        assert spec.name in lines and spec.scopes[0][0] in lines[spec.name], spec.name
