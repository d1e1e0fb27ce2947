"""Progress for long work (uploads, fetchAllPages): reported to the client when it asked for it.

The MCP server sets the reporter for each tools/call; code deeper down calls :func:`report` and needs to
know nothing about MCP. Without a reporter (the ``call`` command, or a client that sent no progress
token) reporting does nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable

Reporter = Callable[[float, float | None, str | None], Awaitable[None]]

CURRENT_REPORTER: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("ms365mcp_progress", default=None)


async def report(progress: float, total: float | None = None, message: str | None = None) -> None:
    """Tell the client how far a long call has come; never fails the call."""
    reporter = CURRENT_REPORTER.get()
    if reporter is None:
        return
    try:
        await reporter(progress, total, message)
    except Exception:  # a client that went away must not break the work itself
        return
