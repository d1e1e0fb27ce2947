"""The ``command`` cache provider: an external program stores the cache (protocol v1).

For headless machines whose tokens belong in a deployment-approved store (a cloud secret
manager, Redis, a database). The program is run as ``<absolute path> <op> <key>`` without a
shell; ``op`` is ``load``, ``save`` or ``delete`` and ``key`` is ``token-cache`` or
``selected-account``:

- ``load``: nothing on stdin; stdout (trimmed) is empty or ``{"found": false}`` for a miss,
  ``{"found": true, "value": "<string>"}`` for a hit; anything else is an error.
- ``save``: stdin is exactly ``{"value": "<string>"}``; exit 0 means it is durably stored.
  The value is the plain envelope: this provider adds no encryption of its own.
- ``delete``: nothing on stdin; exit 0 whether or not the key existed.

Any non-zero exit, signal, spawn failure, invalid JSON or timeout
(``MS365_MCP_AUTH_CACHE_COMMAND_TIMEOUT_MS``, default 10000; SIGTERM, then SIGKILL a second
later) is an error, and the provider fails closed: there is no fallback to another store.
Payloads never reach a log or an error message; stderr is kept (truncated to 2048
characters, redacted) because it is how the program explains itself.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ms365mcp import hookimpl
from ms365mcp.auth.cache import KEYS, CacheError

if TYPE_CHECKING:
    from ms365mcp.settings import Settings

STDERR_LIMIT = 2048
_GRACE_SECONDS = 1.0


class CacheCommandError(CacheError):
    """The cache command failed; the store fails closed."""


def validate_command(path: str) -> str:
    """The command must be an absolute path to an existing executable file (no shell string)."""
    from ms365mcp.settings import SettingsError

    candidate = Path(path)
    if not candidate.is_absolute():
        raise SettingsError(f"MS365_MCP_AUTH_CACHE_COMMAND={path!r} must be an absolute path to a program")
    if not candidate.is_file():
        raise SettingsError(
            f"MS365_MCP_AUTH_CACHE_COMMAND={path!r} is not an existing file "
            "(give the program's path: it runs without a shell and takes no arguments)"
        )
    if os.name == "posix" and not os.access(candidate, os.X_OK):
        raise SettingsError(f"MS365_MCP_AUTH_CACHE_COMMAND={path!r} is not executable (chmod +x it)")
    return str(candidate)


class CommandCacheProvider:
    """Runs the configured program once per operation."""

    def __init__(self, command: str, timeout_ms: int = 10_000) -> None:
        self.command = validate_command(command)
        self.timeout = timeout_ms / 1000

    def _run(self, op: str, key: str, stdin: bytes | None = None) -> str:
        if key not in KEYS:
            raise ValueError(f"unknown cache key {key!r}")
        try:
            proc = subprocess.Popen(
                [self.command, op, key],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                shell=False,
            )
        except OSError as exc:
            raise CacheCommandError(f"the cache command could not start for {op} {key}: {exc.strerror}") from None
        try:
            out, err = proc.communicate(stdin or b"", timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.communicate(timeout=_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
            raise CacheCommandError(
                f"the cache command timed out after {self.timeout * 1000:.0f} ms on {op} {key} "
                "(MS365_MCP_AUTH_CACHE_COMMAND_TIMEOUT_MS); it was stopped"
            ) from None
        if proc.returncode != 0:
            how = f"was killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exited {proc.returncode}"
            raise CacheCommandError(f"the cache command {how} on {op} {key}{_stderr_note(err)}")
        return out.decode("utf-8", errors="replace").strip()

    def load(self, key: str) -> str | None:
        out = self._run("load", key)
        if not out:
            return None
        try:
            answer = json.loads(out)
        except ValueError:
            raise CacheCommandError(f"the cache command printed something other than JSON on load {key}") from None
        if isinstance(answer, dict) and answer.get("found") is False:
            return None
        if isinstance(answer, dict) and answer.get("found") is True and isinstance(answer.get("value"), str):
            return answer["value"]
        raise CacheCommandError(
            f"the cache command answered load {key} with an unexpected shape; "
            'expected {"found": true, "value": "..."}'
        )

    def save(self, key: str, value: str) -> None:
        self._run("save", key, json.dumps({"value": value}).encode("utf-8"))

    def delete(self, key: str) -> None:
        self._run("delete", key)


def _stderr_note(err: bytes) -> str:
    from ms365mcp.logs import redact

    text = err.decode("utf-8", errors="replace").strip()[:STDERR_LIMIT]
    return f": {redact(text)}" if text else ""


def command_provider(settings: Settings) -> CommandCacheProvider:
    from ms365mcp.settings import SettingsError

    if not settings.auth_cache_command:
        raise SettingsError("the command cache provider needs MS365_MCP_AUTH_CACHE_COMMAND")
    return CommandCacheProvider(settings.auth_cache_command, settings.auth_cache_command_timeout_ms)


@hookimpl
def register_auth_cache_providers(register: Callable[..., None]) -> None:
    register("command", command_provider)
