"""Every Teams row of the endpoint table is a ToolSpec with the same shape; presets and token budget hold."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest
from ms365mcp_teams.tools import TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, camel_path, read_endpoint_rows

#: The Teams, chat and presence rows of the shared endpoint table, kept next to the tests.
TSV = Path(__file__).with_name("teams-endpoints.tsv")
ROWS = read_endpoint_rows(TSV)
SPECS = {spec.name: spec for spec in TOOLS}
RENAMES = {"{chatMessage-id1}": "{replyId}"}


def test_every_teams_row_has_a_spec() -> None:
    assert len(ROWS) == 51
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row, path=camel_path(row["path"], RENAMES))
    assert spec.scopes == ()
    assert spec.org_only is True
    notes = row["notes"].split(",") if row["notes"] else []
    assert spec.is_read_only == (row["method"] == "GET" or "readOnly" in notes)
    assert spec.content_type == ("application/json" if "contentType=application/json" in notes else None)


def test_plugin_registers_tools_and_presets(pm: pluggy.PluginManager) -> None:
    catalog = collect(pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "teams" for name in SPECS)
    assert catalog.presets["teams-write"].requires_org_mode is True
    assert catalog.presets["teams"].requires_org_mode is True
    assert {"work", "all"} <= set(catalog.presets)


def test_token_budget_per_tool(pm: pluggy.PluginManager) -> None:
    tools = [t for t in collect(pm).tools.values() if t.plugin == "teams"]
    assert len(tools) == 51
    assert_token_budget(tools, per_tool=150, most=200)


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/teams.md", root / "plugins/teams/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            row = lines[f"`{spec.name}`"]
            assert all(scope in row for scope in spec.org_scopes[0]), (doc.name, spec.name)
            assert spec.path.replace("|", "") in row, (doc.name, spec.name)
