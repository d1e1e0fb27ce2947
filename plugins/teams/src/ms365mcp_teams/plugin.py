"""Hook implementations of the teams plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_teams import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every Teams, chat and presence tool."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """``teams`` (everything) and ``teams-write`` (the everyday read-and-post subset); both need a work account."""
    register(
        Preset("teams", "Teams, channels, chats, messages and presence.", requires_org_mode=True),
    )
    register(
        Preset(
            "teams-write",
            "Find teams, channels and chats and post messages and replies.",
            requires_org_mode=True,
        )
    )


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed teams, chats and presence and serve the Graph routes the tools call."""
    sandbox.setup(tenant)
