"""Redirect-URI rules and request-origin rules shared by /register, /authorize and /token."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request

from ms365mcp.settings import is_loopback_host

#: Python's urlsplit silently drops tabs and newlines and keeps a backslash as data; browsers read it as ``/``.
#: A redirect URI with any of these means something else to the browser than to us, so it is refused.
_AMBIGUOUS = re.compile(r"[\x00-\x20\x7f\\]")
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


def redirect_uri_problem(uri: object, allowed: tuple[str, ...] | None) -> str | None:
    """Why ``uri`` may not receive authorization codes, or None when it may.

    Checked before anything leaves the server: only http(s); http only for loopback hosts;
    no fragment or user info; and, when MS365_MCP_ALLOWED_REDIRECT_URIS is set, an exact match.
    """
    if not isinstance(uri, str) or not uri or len(uri) > 2000:
        return "redirect_uri must be a non-empty URL of at most 2000 characters"
    if _AMBIGUOUS.search(uri):
        return "redirect_uri must not contain spaces, control characters or backslashes"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "redirect_uri is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "redirect_uri must use https (or http on a loopback host)"
    if not parts.hostname:
        return "redirect_uri must name a host"
    if parts.fragment or "#" in uri:
        return "redirect_uri must not contain a fragment"
    if parts.username is not None or parts.password is not None:
        return "redirect_uri must not contain user information"
    if allowed is not None:
        return None if uri in allowed else "redirect_uri is not in MS365_MCP_ALLOWED_REDIRECT_URIS"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "http redirect_uri is accepted only for loopback hosts (localhost, 127.0.0.1, ::1)"
    return None


def _rightmost(value: str | None) -> str | None:
    if not value:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items[-1] if items else None


def request_origin(request: Request, trust_proxy_hops: int) -> str:
    """``scheme://host[:port]`` as this request reached us (forwarded headers only behind trusted proxies)."""
    scheme = request.url.scheme
    host = request.headers.get("host", "")
    if trust_proxy_hops > 0:
        proto = _rightmost(request.headers.get("x-forwarded-proto"))
        if proto in ("http", "https"):
            scheme = proto
        fwd_host = _rightmost(request.headers.get("x-forwarded-host"))
        if fwd_host:
            host = fwd_host
    if not _HOST_RE.match(host):
        server = request.scope.get("server") or ("127.0.0.1", 80)
        address = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        host = f"{address}:{server[1]}"
    return f"{scheme}://{host}"
