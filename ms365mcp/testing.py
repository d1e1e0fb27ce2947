"""Test helpers for plugin authors: the checks every workload's catalogue tests repeat.

Import them from a plugin's tests (``from ms365mcp.testing import assert_spec_matches_row``), much as
tox offers its pytest helpers; the core never imports this module.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ms365mcp import tokens
from ms365mcp.catalog.schema import tool_definition
from ms365mcp.catalog.spec import ToolSpec, scopes

__all__ = ["assert_spec_matches_row", "assert_token_budget", "camel_path", "read_endpoint_rows"]

_HYPHEN_ID = re.compile(r"\{([a-zA-Z]+)-id\}")


def camel_path(path: str, renames: Mapping[str, str] | None = None) -> str:
    """The endpoint table writes ``{event-id}``; the catalogue writes ``{eventId}``.

    ``renames`` replaces substrings first, for placeholders a plugin names differently on purpose.
    """
    for old, new in (renames or {}).items():
        path = path.replace(old, new)
    return _HYPHEN_ID.sub(lambda m: "{" + m.group(1) + "Id}", path)


def read_endpoint_rows(path: Path | str) -> list[dict[str, str]]:
    """The rows of a tab-separated endpoint table (a plugin's slice of reference/graph-endpoints.tsv)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def assert_spec_matches_row(
    spec: ToolSpec,
    row: Mapping[str, str],
    *,
    path: str | None = None,
    method: str | None = None,
    extra_presets: Iterable[str] = (),
) -> None:
    """The spec has the row's method, path, API version, both permission sets, org-only flag and presets.

    A tool is org-only exactly when the row lists work-account permissions and no personal ones.
    ``path``/``method`` state a recorded deviation from the table; ``extra_presets`` are the
    plugin's own presets on top of the table's.
    """
    expected_path = camel_path(row["path"]) if path is None else path
    expected_method = row["method"] if method is None else method
    where = row["tool"]
    assert (spec.method, spec.path, spec.api_version) == (expected_method, expected_path, row["api"]), where
    assert spec.scopes == scopes(row["scopes_personal"]), where
    assert spec.org_scopes == scopes(row["scopes_org"]), where
    assert spec.org_only == (not row["scopes_personal"] and bool(row["scopes_org"])), where
    table = frozenset(p for p in row["presets"].split(",") if p)
    assert spec.presets == table | frozenset(extra_presets), where


def assert_token_budget(specs: Iterable[ToolSpec], *, per_tool: float = 150, most: int | None = None) -> list[int]:
    """The tools' compact definitions average at most ``per_tool`` tokens (none above ``most``); returns the costs."""
    costs = [tokens.count(tokens.compact(tool_definition(spec))) for spec in specs]
    assert costs, "no tools to measure"
    assert sum(costs) / len(costs) <= per_tool, costs
    if most is not None:
        assert max(costs) <= most, costs
    return costs
