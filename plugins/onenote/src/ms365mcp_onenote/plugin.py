"""Hook implementations of the onenote plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_onenote import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every OneNote tool, personal and SharePoint site notebooks."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``onenote`` preset (site notebooks in it need --org-mode; personal ones don't)."""
    register(Preset("onenote", "OneNote notebooks, sections and pages (yours, and SharePoint sites' in org mode)."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox notebooks and serve the Graph OneNote routes."""
    sandbox.setup(tenant)
