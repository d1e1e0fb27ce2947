"""One Graph workbook session per file, shared by every Excel tool call on it.

Sessionless workbook writes are slow (Graph opens the file each time) and can conflict, so the
first call on a file creates a persistent session and later calls send its id in the
``workbook-session-id`` header. Sessions die after a few idle minutes; the cache forgets them a
little earlier, and a call that still hits a dead session recreates it once and retries.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import anyio
import attrs

from ms365mcp import ToolSpec
from ms365mcp.errors import ToolError
from ms365mcp.graph.errors import GraphCallError, graph_error
from ms365mcp.graph.request import build_request

#: Graph drops an idle persistent session after about five minutes; forget ours a bit before that.
SESSION_TTL_S = 240.0
SESSION_HEADER = "workbook-session-id"

CREATE_SESSION = ToolSpec(
    "create-workbook-session",
    "POST",
    "/drives/{driveId}/items/{driveItemId}/workbook/createSession",
    "Internal: open a workbook session.",
    scopes="Files.ReadWrite",
    body={"type": "object"},
)

Key = tuple[Hashable, ...]


@attrs.define
class _Entry:
    session_id: str
    expires: float


class SessionCache:
    """Live session ids by (user, tenant, drive, item); safe for concurrent calls on the same file."""

    def __init__(self, *, ttl: float = SESSION_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._entries: dict[Key, _Entry] = {}
        self._locks: dict[Key, anyio.Lock] = {}

    def peek(self, key: Key) -> str | None:
        """The cached id if it has not expired (without refreshing it)."""
        entry = self._entries.get(key)
        if entry is None or entry.expires <= self.clock():
            self._entries.pop(key, None)
            return None
        return entry.session_id

    def touch(self, key: Key, session_id: str) -> None:
        """A successful call keeps the session alive on Graph's side, so extend ours too."""
        self._entries[key] = _Entry(session_id, self.clock() + self.ttl)

    def forget(self, key: Key, session_id: str) -> None:
        entry = self._entries.get(key)
        if entry is not None and entry.session_id == session_id:
            del self._entries[key]

    async def get_or_create(self, key: Key, create: Callable[[], Awaitable[str]]) -> str:
        """The live session for ``key``; only one caller creates it when several arrive together."""
        found = self.peek(key)
        if found is not None:
            return found
        lock = self._locks.setdefault(key, anyio.Lock())
        async with lock:
            found = self.peek(key)
            if found is None:
                found = await create()
                self.touch(key, found)
            return found


_CACHES: weakref.WeakKeyDictionary[Any, SessionCache] = weakref.WeakKeyDictionary()


def cache_for(runtime: Any) -> SessionCache:
    """One cache per running server (keyed by its Graph client), so tests and tenants never share."""
    cache = _CACHES.get(runtime.graph)
    if cache is None:
        cache = _CACHES[runtime.graph] = SessionCache()
    return cache


def is_session_error(exc: GraphCallError) -> bool:
    """Graph's ways of saying the session id is unknown, expired or must be recreated."""
    text = f"{exc.code} {exc.message}".lower()
    return exc.status in (400, 404, 409, 410) and "session" in text


async def _create_session(call: Any) -> str:
    args = {
        "driveId": call.args["driveId"],
        "driveItemId": call.args["driveItemId"],
        # A read-only server never writes, and a non-persistent session is cheaper for Graph.
        "body": {"persistChanges": not call.runtime.settings.read_only},
    }
    response = await call.send(build_request(CREATE_SESSION, args, call.runtime.settings))
    if response.status_code >= 400:
        raise graph_error(response, call.spec, org_mode=call.runtime.settings.org_mode)
    session_id = response.json().get("id") if response.content else None
    if not isinstance(session_id, str) or not session_id:
        raise ToolError("Graph did not return a workbook session id; is the file an .xlsx workbook?")
    return session_id


async def run_in_session(call: Any) -> dict[str, Any]:
    """The shared handler of every Excel tool: the spec's own request, inside the file's session."""
    cache = cache_for(call.runtime)
    key: Key = (call.identity.user, call.identity.tenant, call.args["driveId"], call.args["driveItemId"])
    session_id = await cache.get_or_create(key, lambda: _create_session(call))
    try:
        result = await call.graph(headers=((SESSION_HEADER, session_id),))
    except GraphCallError as exc:
        if not is_session_error(exc):
            raise
        cache.forget(key, session_id)
        session_id = await cache.get_or_create(key, lambda: _create_session(call))
        result = await call.graph(headers=((SESSION_HEADER, session_id),))
    cache.touch(key, session_id)
    return result
