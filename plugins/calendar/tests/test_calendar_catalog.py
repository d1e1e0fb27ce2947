"""Every calendar row of the endpoint table has a matching ToolSpec, and the schemas stay compact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ms365mcp_calendar.tools import TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.catalog.schema import input_schema, tool_definition
from ms365mcp.testing import assert_spec_matches_row, read_endpoint_rows

#: The calendar rows of the shared endpoint table (reference/graph-endpoints.tsv), kept next to the tests.
TSV = Path(__file__).with_name("calendar-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)


def test_every_calendar_row_has_a_spec() -> None:
    assert len(ROWS) == 39
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row)
    if "readOnly" in row["notes"]:
        assert spec.is_read_only
    if "supportsTimezone" in row["notes"]:
        assert "timezone" in spec.params


def test_view_tools_require_a_window_sent_as_query_params() -> None:
    for name in (
        "get-calendar-view",
        "get-specific-calendar-view",
        "get-shared-calendar-view",
        "list-calendar-view-delta",
        "list-calendar-event-instances",
    ):
        schema = input_schema(SPECS[name])
        assert {"startDateTime", "endDateTime"} <= set(schema["required"]), name
        assert "in" not in schema["properties"]["startDateTime"]  # routing hint, not schema


def test_descriptions_are_short_and_schemas_closed() -> None:
    for spec in TOOLS:
        assert len(spec.description) <= 100, spec.name
        definition = tool_definition(spec)
        assert definition["inputSchema"]["additionalProperties"] is False


def test_plugin_registers_its_tools_and_presets(calendar_pm: Any) -> None:
    catalog = collect(calendar_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert {"calendar", "outlook", "personal", "work", "all"} <= set(catalog.presets)
    assert catalog.presets["work"].requires_org_mode
    assert catalog.presets["all"].includes_all
    assert catalog.tools["get-calendar-view"].plugin == "calendar"


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/calendar.md", root / "plugins/calendar/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            line = lines[f"`{spec.name}`"]
            for group in spec.permissions(org_mode=True):
                assert " + ".join(group) in line, (doc.name, spec.name)
