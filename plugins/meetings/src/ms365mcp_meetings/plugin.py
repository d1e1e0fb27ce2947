"""Hook implementations of the meetings plugin; the tools and the sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_meetings import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every online meeting, transcript, recording, attendance and webinar tool."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``meetings`` preset; the tools are also tagged ``teams`` and ``work`` (registered elsewhere)."""
    register(
        Preset(
            "meetings",
            "Teams online meetings, transcripts, recordings, attendance and webinars.",
            requires_org_mode=True,
        )
    )


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox meetings and serve their Graph routes."""
    sandbox.setup(tenant)
