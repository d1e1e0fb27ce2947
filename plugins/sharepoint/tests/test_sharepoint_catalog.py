"""Every /sites row of the endpoint table (onenote aside) has a matching ToolSpec, within the token budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ms365mcp_sharepoint.tools import TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.catalog.schema import input_schema
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, camel_path, read_endpoint_rows

#: The sharepoint rows of the shared endpoint table (reference/graph-endpoints.tsv), kept next to the tests.
TSV = Path(__file__).with_name("sharepoint-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)

#: The site-by-path row names its placeholders {site-id} and {path}; Graph's own syntax is host and
#: server-relative path, and the tool's arguments say so.
RENAMED = {"/sites/{siteId}:/{path}": "/sites/{hostname}:/{sitePath}"}


def _camel(path: str) -> str:
    camel = camel_path(path)
    return RENAMED.get(camel, camel)


def test_every_sharepoint_row_has_a_spec() -> None:
    assert len(ROWS) == 21
    assert not any("/onenote" in r["path"] for r in ROWS)
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row, path=_camel(row["path"]), extra_presets={"sharepoint"})
    assert row["scopes_personal"] == "" and spec.scopes == ()
    assert spec.org_only is True


def test_plugin_registers_tools_and_an_org_only_preset(sharepoint_pm: Any) -> None:
    catalog = collect(sharepoint_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "sharepoint" for name in SPECS)
    assert catalog.presets["sharepoint"].requires_org_mode is True
    assert {"work", "search", "all"} <= set(catalog.presets)


def test_site_search_sends_plain_search_not_odata() -> None:
    schema = input_schema(SPECS["search-sharepoint-sites"])
    assert schema["required"] == ["search"]
    assert SPECS["search-sharepoint-sites"].params["search"]["in"] == "query"
    assert "search" not in SPECS["search-sharepoint-sites"].query


def test_site_by_path_asks_for_host_and_path() -> None:
    schema = input_schema(SPECS["get-sharepoint-site-by-path"])
    assert schema["required"] == ["hostname", "sitePath"]


def test_token_budget_per_tool() -> None:
    assert_token_budget(TOOLS, per_tool=150)


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/sharepoint.md", root / "plugins/sharepoint/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            row = lines[f"`{spec.name}`"]
            for group in spec.org_scopes:
                assert " ".join(group) in row, (doc.name, spec.name)
