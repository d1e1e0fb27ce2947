"""HTTP hardening as plain ASGI middleware: client address, rate limits, body limit, headers, JSON errors.

- The client address for rate limiting is the TCP peer unless MS365_MCP_TRUST_PROXY_HOPS says how
  many proxies in front append to X-Forwarded-For; then it is read that many entries from the
  right, so whatever a client writes into the header itself never picks its bucket.
- Every error this layer produces is JSON, never an HTML page or a stack trace.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import time
from collections.abc import Iterable

import attrs
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OAUTH_PATHS = ("/authorize", "/token", "/register", "/callback")
NO_STORE_PATHS = (*OAUTH_PATHS, "/mcp", "/.well-known/")

SECURITY_HEADERS = [
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"x-permitted-cross-domain-policies", b"none"),
]


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name]
    return ",".join(values) if values else None


def _valid_ip(text: str) -> str | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(scope: Scope, trust_proxy_hops: int) -> str:
    """Who sent this request, for rate limiting: never a value the client chose for itself."""
    peer = scope.get("client")
    peer_ip = str(peer[0]) if peer else "unknown"
    if trust_proxy_hops <= 0:
        return peer_ip
    forwarded = [p.strip() for p in (_header(scope, b"x-forwarded-for") or "").split(",") if p.strip()]
    if not forwarded:
        return peer_ip
    # Each trusted proxy appended the address it saw; the first of ours sits hops-1 places from the right.
    index = max(0, len(forwarded) - trust_proxy_hops)
    return _valid_ip(forwarded[index]) or peer_ip


def rate_bucket(address: str) -> str:
    """The rate-limit key for an address: IPv6 by /64 (one subscriber's usual allocation), IPv4 as is.

    Counting every IPv6 address on its own would hand each client 2**64 buckets to rotate through.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


async def send_json(send: Send, status: int, body: object, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": payload})


@attrs.frozen
class RateRule:
    name: str
    paths: tuple[str, ...]
    limit: RateLimitItem


def default_rules() -> list[RateRule]:
    return [
        RateRule("oauth", OAUTH_PATHS, parse("30/minute")),
        RateRule("mcp", ("/mcp",), parse("120/minute")),
    ]


class RateLimitMiddleware:
    """Per-client moving-window limits (in memory, per replica) with a JSON 429 and Retry-After."""

    def __init__(self, app: ASGIApp, *, rules: list[RateRule], trust_proxy_hops: int = 0) -> None:
        self.app = app
        self.rules = rules
        self.hops = trust_proxy_hops
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _rule(self, path: str) -> RateRule | None:
        for rule in self.rules:
            if path in rule.paths:
                return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._rule(scope.get("path", "")) if scope["type"] == "http" else None
        if rule is None or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        who = rate_bucket(client_address(scope, self.hops))
        if not await self.limiter.hit(rule.limit, rule.name, who):
            stats = await self.limiter.get_window_stats(rule.limit, rule.name, who)
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            await send_json(
                send,
                429,
                {"error": "rate_limited", "error_description": f"Too many requests; retry in {retry} s."},
                [(b"retry-after", str(retry).encode())],
            )
            return
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with a JSON 413, whether or not Content-Length is honest."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        await send_json(
            send,
            413,
            {
                "jsonrpc": "2.0",
                "id": None,
                "error": {"code": -32600, "message": f"Request body larger than {self.max_bytes} bytes."},
            },
        )


class SecurityHeadersMiddleware:
    """Adds security headers everywhere, and no-store on OAuth, metadata and MCP responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        no_store = any(path == p or (p.endswith("/") and path.startswith(p)) for p in NO_STORE_PATHS)

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"server",)]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if no_store and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)


class JsonErrorsMiddleware:
    """Last line: an unexpected exception becomes a JSON 500 without details (they go to the log)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logging.getLogger("ms365mcp.http").exception("unhandled error serving %s", scope.get("path"))
            if not started:
                await send_json(send, 500, {"error": "server_error", "error_description": "Internal error."})
