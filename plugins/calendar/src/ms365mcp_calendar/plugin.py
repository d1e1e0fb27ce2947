"""Hook implementations of the calendar plugin; the tools, presets and sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_calendar import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every Outlook calendar tool, plus shared calendars and rooms (offered with --org-mode)."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``calendar`` preset and the composite presets calendar tools belong to."""
    register(Preset("calendar", "Outlook calendar: events, calendar views, invitations, scheduling and rooms."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox calendars and rooms and serve the Graph calendar routes."""
    sandbox.setup(tenant)
