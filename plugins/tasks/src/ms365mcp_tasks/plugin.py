"""Hook implementations of the tasks plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_tasks import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every Microsoft To Do and Planner tool."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``tasks`` preset (the composite presets are the core's)."""
    register(Preset("tasks", "Microsoft To Do lists and tasks, and Planner plans, buckets and tasks."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed To Do lists and a Planner plan, and serve their Graph routes."""
    sandbox.setup(tenant)
