"""Every files/onedrive row of the reference catalogue is a tool with the same name, method, path and permissions."""

from __future__ import annotations

from pathlib import Path

import pluggy

from ms365mcp.catalog.registry import collect
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, read_endpoint_rows

ROWS = read_endpoint_rows(Path(__file__).parent / "files-endpoints.tsv")


def test_every_reference_row_is_a_tool_with_the_same_shape(pm: pluggy.PluginManager) -> None:
    tools = collect(pm).tools
    assert len(ROWS) == 22
    for row in ROWS:
        spec = tools[row["tool"]]
        assert spec.plugin == "files"
        assert_spec_matches_row(spec, row)
        assert spec.org_only == (not row["scopes_personal"]), row["tool"]


def test_or_groups_and_literal_params() -> None:
    from ms365mcp_files.tools import TOOLS

    by_name = {t.name: t for t in TOOLS}
    assert by_name["get-drive-item"].scopes == (("Files.Read",), ("Sites.Selected",))
    assert by_name["search-onedrive-files"].literal_params == frozenset({"q"})
    assert {"download-bytes", "upload-file", "get-download-url"} <= set(by_name)
    assert all(by_name[n].handler is not None for n in ("download-bytes", "upload-file", "get-download-url"))


def test_presets_are_registered(pm: pluggy.PluginManager) -> None:
    presets = collect(pm).presets
    assert {"files", "onedrive", "personal", "work", "all"} <= set(presets)
    assert presets["work"].requires_org_mode and presets["all"].includes_all


def test_token_budget_per_tool(pm: pluggy.PluginManager) -> None:
    tools = [t for t in collect(pm).tools.values() if t.plugin == "files"]
    assert len(tools) == 25
    assert_token_budget(tools, per_tool=150)


def test_docs_list_every_tool_with_its_permission() -> None:
    from ms365mcp_files.tools import TOOLS

    doc = (Path(__file__).parents[3] / "docs" / "plugins" / "files.md").read_text()
    lines = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")}
    for spec in TOOLS:
        groups = spec.scopes or spec.org_scopes
        assert spec.name in lines, spec.name
        assert all(scope in lines[spec.name] for group in groups for scope in group), spec.name
