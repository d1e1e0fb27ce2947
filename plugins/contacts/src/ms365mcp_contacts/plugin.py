"""Hook implementations of the contacts plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_contacts import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every Outlook contacts tool."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``contacts`` preset and the composite presets contacts tools belong to."""
    register(Preset("contacts", "Outlook contacts and contact folders."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox address books and serve the Graph contacts routes."""
    sandbox.setup(tenant)
