"""Hook implementations of the mail plugin; the tools, presets and sandbox live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_mail import sandbox, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every Outlook mail tool, including the shared-mailbox ones (offered with --org-mode)."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``mail`` preset and the composite presets mail tools belong to."""
    register(Preset("mail", "Outlook mail: read, search, send, organise folders, rules and settings."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox mailboxes and serve the Graph mail routes."""
    sandbox.setup(tenant)
