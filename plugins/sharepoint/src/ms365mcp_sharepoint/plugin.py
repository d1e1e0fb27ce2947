"""Hook implementations of the sharepoint plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_sharepoint import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every SharePoint site, list and column tool."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``sharepoint`` preset; SharePoint has no personal-account side, so it needs org mode."""
    register(Preset("sharepoint", "SharePoint sites, document libraries, lists and columns.", requires_org_mode=True))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox sites and serve the Graph SharePoint routes."""
    sandbox.setup(tenant)
