"""Hook implementations of the directory plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_directory import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Users, the org chart, groups, search, subscriptions and graph-batch."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``users`` preset: the signed-in user, the directory and the org chart."""
    register(Preset("users", "Users, managers, direct reports, people and memberships.", requires_org_mode=True))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the directory (org chart, groups, people, subscriptions) and serve its Graph routes."""
    sandbox.setup(tenant)
