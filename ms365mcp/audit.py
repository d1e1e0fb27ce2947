"""The audit log: one narrow JSON line per tool call, fanned out to pluggable sinks.

The record answers "who called which tool, how, when, and did it work" and nothing more:
arguments, request and response bodies, URLs and tokens never enter an :class:`AuditEvent`,
so no sink can leak them. Sinks come from the ``register_audit_sinks`` hook; this module is
itself a built-in plugin that registers a console sink and a private file sink.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ms365mcp import hookimpl

if TYPE_CHECKING:
    import pluggy

    from ms365mcp.settings import Settings

__all__ = [
    "AUDIT_FIELDS",
    "AuditEvent",
    "AuditLog",
    "AuditSink",
    "CallRecord",
    "FileSink",
    "StreamSink",
    "register_audit_sinks",
]

logger = logging.getLogger(__name__)

#: A sink receives one event as a plain dict (a fresh copy per sink) and must not raise.
AuditSink = Callable[[dict[str, Any]], None]

#: Every line carries exactly these keys, in this order; error fields are null on success.
AUDIT_FIELDS = (
    "ts",
    "event",
    "request_id",
    "user_principal_name",
    "tool",
    "http_method",
    "status",
    "duration_ms",
    "error_type",
    "error_code",
)

# Error classifiers must stay classifiers: an identifier-like word or a short number. Anything
# else (a message, a URL, a token fragment) is replaced, so a careless caller cannot leak through them.
_SAFE_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:\-]{0,79}|\d{1,6}")
_UNSAFE_PLACEHOLDER = "unclassified"
_MAX_TEXT = 256


def _safe_code(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if _SAFE_CODE.fullmatch(text) and not text.startswith("eyJ") else _UNSAFE_PLACEHOLDER


def _short(value: object) -> str | None:
    """Bound free-ish identity text so one odd value cannot bloat every line."""
    if value is None:
        return None
    text = str(value)
    return text[:_MAX_TEXT]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@attrs.frozen
class AuditEvent:
    """One audited tool call; the only shape sinks ever see."""

    request_id: str
    """Correlates the line with the MCP request (uuid4 unless the caller had one)."""
    user_principal_name: str | None
    """Who the call acted for, or None when no identity was resolved."""
    tool: str
    """The MCP tool name."""
    http_method: str | None
    """The Graph method the tool uses (GET, POST, ...), or None for tools without one."""
    status: Literal["success", "error"]
    duration_ms: float
    """Wall time of the call, measured with a monotonic clock."""
    ts: str
    """ISO-8601 UTC time at which the call finished, e.g. ``2026-01-02T03:04:05.678Z``."""
    error_type: str | None = None
    """A classifier such as an exception class name; None on success."""
    error_code: str | None = None
    """The Graph error code (``ErrorItemNotFound``) or HTTP status; None on success."""
    event: str = "tool.call"

    def __attrs_post_init__(self) -> None:
        if self.status not in ("success", "error"):
            raise ValueError(f"audit status must be 'success' or 'error', not {self.status!r}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of one audit line, always with every key of :data:`AUDIT_FIELDS`."""
        return {name: getattr(self, name) for name in AUDIT_FIELDS}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def _line(event: dict[str, Any]) -> bytes:
    return (json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()


# --- built-in sinks ----------------------------------------------------------------------------


class StreamSink:
    """Writes JSON lines to ``sys.stderr`` or ``sys.stdout``, looked up at each write.

    Looking the stream up late keeps the sink correct when the process swaps its streams
    (test capture, daemonising); stdio mode must use stderr, since stdout carries JSON-RPC.
    """

    def __init__(self, stream: Literal["stderr", "stdout"]) -> None:
        if stream not in ("stderr", "stdout"):
            raise ValueError(f"stream must be 'stderr' or 'stdout', not {stream!r}")
        self.name = f"audit-{stream}"
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        text = _line(event).decode()
        with self._lock:
            stream = getattr(sys, self._stream)
            if stream is None:  # pythonw and some daemons run without std streams
                return
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):  # closed or broken pipe: the tool call must still succeed
                pass


class FileSink:
    """Appends JSON lines to a file only the current user can read.

    The folder is created 0700 and the file 0600 (an existing file with looser bits is
    tightened). Each line is one ``os.write`` on an ``O_APPEND`` descriptor under a lock, so
    threads never interleave and the line is in the kernel when the call returns. When the
    file cannot be opened or written, one warning goes to the ordinary log and the sink
    keeps trying on later events, so it recovers once the folder is fixed.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = "audit-file"
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._warned = False

    def __call__(self, event: dict[str, Any]) -> None:
        data = _line(event)
        with self._lock:
            try:
                if self._fd is None:
                    self._fd = self._open()
                view = memoryview(data)
                while view:
                    written = os.write(self._fd, view)
                    view = view[written:]
            except OSError as exc:
                self._close_locked()
                if not self._warned:
                    self._warned = True
                    logger.warning(
                        "audit log file %s is not writable (%s); audit events still go to the other sinks",
                        self.path,
                        exc.strerror or type(exc).__name__,
                    )
                return
            self._warned = False

    def _open(self) -> int:
        _make_private_dir(self.path.parent)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.path, flags, 0o600)
        try:
            mode = os.fstat(fd).st_mode & 0o777
            if mode & 0o077:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, 0o600)
                else:  # pragma: no cover - Windows before 3.13
                    os.chmod(self.path, 0o600)
        except OSError:
            os.close(fd)
            raise
        return fd

    def _close_locked(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        with self._lock:
            self._close_locked()


def _make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents as 0700; existing folders are left as they are.

    ``Path.mkdir(parents=True)`` would give the parents the default mode, so e.g. the state
    folder ``~/.ms365mcp`` would end up world-readable.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another thread or process won the race
            folder.mkdir(mode=0o700)


@hookimpl
def register_audit_sinks(register: Callable[[AuditSink], None], settings: Settings) -> None:
    """Built-in sinks: the console (stderr in stdio mode, stdout over HTTP) and ``<log_dir>/audit.log``."""
    if not settings.audit_log:
        return
    if settings.audit_console:
        register(StreamSink("stderr" if settings.transport == "stdio" else "stdout"))
    register(FileSink(Path(settings.log_dir) / "audit.log"))


# --- the audit log -----------------------------------------------------------------------------


@attrs.define
class CallRecord:
    """The mutable state of one call while it runs; :meth:`AuditLog.tool_call` turns it into an event."""

    tool: str
    http_method: str | None
    user_principal_name: str | None
    request_id: str
    error_type: str | None = None
    error_code: str | None = None
    failed: bool = False

    def fail(self, error_type: str, error_code: str | int | None = None) -> None:
        """Mark the call as failed with classifiers only (never a message: messages can carry tokens or PII)."""
        self.failed = True
        self.error_type = _safe_code(error_type)
        self.error_code = _safe_code(error_code)


def _code_of(exc: BaseException) -> object:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str | int) and not isinstance(code, bool) else None


class AuditLog:
    """Fans each event out to the registered sinks; a failing sink never reaches the caller."""

    def __init__(
        self,
        sinks: list[AuditSink] | tuple[AuditSink, ...] = (),
        *,
        clock: Callable[[], float] = time.perf_counter,
        now: Callable[[], datetime] = _utc_now,
        new_request_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        for sink in sinks:
            if not callable(sink):
                raise TypeError(f"audit sink {sink!r} is not callable")
        self.sinks: tuple[AuditSink, ...] = tuple(sinks)
        self._clock = clock
        self._now = now
        self._new_request_id = new_request_id
        self._failing: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_plugin_manager(cls, pm: pluggy.PluginManager, settings: Settings, **kwargs: Any) -> AuditLog:
        """Collect sinks from every plugin; with ``settings.audit_log`` off there are none at all."""
        sinks: list[AuditSink] = []
        if settings.audit_log:

            def register(sink: AuditSink) -> None:
                if not callable(sink):
                    raise TypeError(f"register_audit_sinks: {sink!r} is not callable; register a function of one dict")
                sinks.append(sink)

            pm.hook.register_audit_sinks(register=register, settings=settings)
        return cls(sinks, **kwargs)

    @property
    def enabled(self) -> bool:
        return bool(self.sinks)

    def emit(self, event: AuditEvent) -> None:
        """Send ``event`` to every sink; errors are logged by sink name and type, never with the event."""
        if not self.sinks:
            return
        payload = event.to_dict()
        for sink in self.sinks:
            try:
                sink(dict(payload))
            except Exception as exc:
                self._report(sink, exc)
            else:
                if self._failing:
                    with self._lock:
                        self._failing.discard(id(sink))

    def _report(self, sink: AuditSink, exc: Exception) -> None:
        # One warning per failure streak: a dead SIEM endpoint must not flood the log.
        with self._lock:
            if id(sink) in self._failing:
                return
            self._failing.add(id(sink))
        label = getattr(sink, "name", None) or getattr(sink, "__qualname__", None) or type(sink).__qualname__
        logger.warning("audit sink %s failed with %s; the tool call went on", label, type(exc).__name__)

    @contextlib.contextmanager
    def tool_call(
        self,
        tool: str,
        http_method: str | None,
        user: str | None = None,
        *,
        request_id: str | None = None,
    ) -> Iterator[CallRecord]:
        """Time one tool call and emit its event on exit.

        ``user`` is the user principal name (settable later as ``rec.user_principal_name``).
        Call ``rec.fail(error_type, error_code)`` for a call that returns an error result. An
        exception escaping the block is recorded with its class name (and its ``code``
        attribute, when it is a short identifier) and then re-raised.
        """
        rec = CallRecord(
            tool=tool,
            http_method=http_method.upper() if http_method else None,
            user_principal_name=user,
            request_id=request_id or self._new_request_id(),
        )
        start = self._clock()
        try:
            yield rec
        except BaseException as exc:
            if not rec.failed:
                rec.fail(type(exc).__name__, _code_of(exc))
            raise
        finally:
            duration_ms = max(0.0, (self._clock() - start) * 1000.0)
            try:
                event = AuditEvent(
                    request_id=_short(rec.request_id) or "",
                    user_principal_name=_short(rec.user_principal_name),
                    tool=_short(rec.tool) or "",
                    http_method=_short(rec.http_method),
                    status="error" if rec.failed else "success",
                    duration_ms=round(duration_ms, 3),
                    ts=_iso(self._now()),
                    error_type=rec.error_type if rec.failed else None,
                    error_code=rec.error_code if rec.failed else None,
                )
            except Exception as exc:  # an injected clock misbehaving must not break the tool call
                logger.warning("could not build the audit event for a call (%s)", type(exc).__name__)
            else:
                self.emit(event)

    def close(self) -> None:
        """Release sinks that hold resources (the file sink's descriptor)."""
        for sink in self.sinks:
            closer = getattr(sink, "close", None)
            if callable(closer):
                with contextlib.suppress(Exception):
                    closer()
