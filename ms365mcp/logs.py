"""Ordinary logging: stderr only, with secrets (and by default e-mail addresses) redacted.

stdout is reserved: in stdio mode it is the JSON-RPC channel, so a single log line there
breaks strict clients. Redaction runs on the fully formatted text, arguments and
tracebacks included, because secrets usually arrive inside exception messages and
``%s`` arguments rather than in the format string.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ms365mcp.settings import Settings

__all__ = ["REDACTED", "RedactingFormatter", "configure_logging", "redact"]

REDACTED = "[REDACTED]"
REDACTED_EMAIL = "[REDACTED_EMAIL]"

# Three base64url segments, the first being a JSON header ("{" encodes to "eyJ"). The
# signature may be empty for unsigned tokens.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

# "Bearer <token>" / "Basic <credentials>" as in Authorization headers: RFC 6750's token
# characters, with "=" allowed anywhere because some opaque tokens are not strict base64.
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/=]+", re.IGNORECASE)

# key=value, key: value, "key": "value" and 'key': 'value' for secret-bearing keys. Keys
# ending in token/secret/password/assertion cover access_token, refresh_token, id_token,
# client_secret, client_assertion, MS365_MCP_OAUTH_TOKEN=..., $skiptoken=... alike.
_SECRET_PAIR = re.compile(
    r"""
    (?P<prefix>
        (?<![\w-])
        (?P<kq>["']?)
        (?P<key>[\w-]*(?:token|secret|password|assertion)|code|device_code|code_verifier)
        (?P=kq)
        \s*(?P<sep>[:=])\s*
    )
    (?P<value>
        "(?:[^"\\]|\\.)*"
      | '(?:[^'\\]|\\.)*'
      | (?!\[REDACTED\])[^\s&"',;}]+
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

# A Graph error code ("ErrorItemNotFound") or an HTTP status after "code:" is diagnostic,
# not secret; OAuth authorisation codes are long and punctuated, and travel as code=.
_HARMLESS_CODE = re.compile(r"[A-Za-z0-9]{1,64}")

_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")


def _redact_pair(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    inner = value[1:-1] if quote else value
    if inner == REDACTED:
        return match[0]
    if match["key"].lower() == "code" and match["sep"] == ":" and _HARMLESS_CODE.fullmatch(inner):
        return match[0]
    return f"{match['prefix']}{quote}{REDACTED}{quote}"


def redact(text: str, pii: bool = True) -> str:
    """Remove tokens and secrets from ``text``; with ``pii`` also e-mail addresses.

    Idempotent (``redact(redact(t)) == redact(t)``) and safe on any string. Tokens are
    always removed; only e-mail redaction follows ``MS365_MCP_REDACT_PII``.
    """
    if not text:
        return text
    text = _JWT.sub(REDACTED, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    if "=" in text or ":" in text:
        text = _SECRET_PAIR.sub(_redact_pair, text)
    if pii and "@" in text:
        text = _EMAIL.sub(REDACTED_EMAIL, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts the whole result (message, arguments, traceback, stack)."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None, *, pii: bool = True) -> None:
        super().__init__(fmt, datefmt)
        self.pii = pii

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.pii)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler pinned to whatever ``sys.stderr`` is at the time of each record.

    Resolving late follows stream swaps (pytest capture, daemonising) and makes it
    impossible to point this handler at stdout by accident.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignored: this handler only ever writes to stderr."""


_HANDLER_NAME = "ms365mcp-stderr"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Third-party loggers kept quiet by default: the MCP SDK, the web server and the sign-in library.
_THIRD_PARTY = ("mcp", "uvicorn", "uvicorn.error", "uvicorn.access", "msal")
#: Always at WARNING, even with -v: the HTTP client logs whole URLs, and Graph URLs carry ids and
#: search terms (mail content, in effect).
_ALWAYS_QUIET = ("httpx", "httpcore")


def configure_logging(settings: Settings, verbose: bool = False, level: str = "INFO") -> logging.Handler:
    """Route all logging to one redacting stderr handler on the root logger.

    ``level`` sets the ``ms365mcp`` loggers (the CLI passes ``LOG_LEVEL``); ``verbose``
    lowers them to DEBUG and lets the third-party loggers speak at INFO, which otherwise
    stay at WARNING (the HTTP client always does: its lines carry whole Graph URLs).
    Safe to call again: the previous handler is replaced, not duplicated.
    Returns the handler so callers (and tests) can remove it.

    Raises:
        ValueError: ``level`` is not a logging level name.
    """
    numeric = logging.getLevelName(level.strip().upper())
    if not isinstance(numeric, int):
        raise ValueError(f"log level {level!r} is unknown: use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if verbose:
        numeric = min(numeric, logging.DEBUG)

    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(RedactingFormatter(_FORMAT, pii=settings.redact_pii))

    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    # The root stays at WARNING so libraries nobody configured cannot chatter (or leak URLs).
    root.setLevel(logging.WARNING)
    logging.getLogger("ms365mcp").setLevel(numeric)
    for name in _THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    for name in _ALWAYS_QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
