"""The docs list every tool of every installed plugin with its permission, and name every hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from ms365mcp.catalog.registry import collect
from ms365mcp.plugins import make_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
CATALOG = collect(make_plugin_manager())


@pytest.mark.parametrize("plugin", sorted({t.plugin for t in CATALOG.tools.values()}))
def test_every_tool_is_documented_with_its_permission(plugin: str) -> None:
    page = ROOT / "docs" / "plugins" / f"{plugin.removeprefix('ms365mcp.auth.')}.md"
    if plugin.startswith("ms365mcp."):
        page = ROOT / "docs" / "sign-in.md"
    text = page.read_text()
    for spec in CATALOG.tools.values():
        if spec.plugin != plugin:
            continue
        assert f"`{spec.name}`" in text, f"{spec.name} missing from {page.name}"
        row = next((line for line in text.splitlines() if f"`{spec.name}`" in line and "|" in line), "")
        for group in spec.permissions(org_mode=True):
            for scope in group:
                assert scope in row, f"{spec.name}: {scope} not in {page.name}"
