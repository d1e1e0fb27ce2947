"""HTTP mode: one Starlette app on Hypercorn, Streamable HTTP at /mcp plus the OAuth facade.

Built once per process: the MCP ``Server`` (tool list and schemas), the session manager
(stateless, JSON responses, both protocol generations), the facade and its key, the Entra
HTTP client. Nothing per user is kept between requests, so any replica serves any request.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import httpx
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ms365mcp.auth.bearer import BearerAuth, JwtVerifier, OboExchanger
from ms365mcp.auth.facade.routes import OAuthFacade
from ms365mcp.auth.facade.sealing import Sealer
from ms365mcp.auth.facade.upstream import EntraClient, EntraConfig
from ms365mcp.catalog.selection import effective_permissions
from ms365mcp.runtime import Runtime
from ms365mcp.server.hardening import (
    BodyLimitMiddleware,
    JsonErrorsMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    default_rules,
    send_json,
)
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import SettingsError, is_loopback_host

log = logging.getLogger("ms365mcp.http")

#: Where the sandbox's sign-in emulator is mounted in ``--sandbox --http`` mode.
SANDBOX_LOGIN_PREFIX = "/_sandbox/login"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "Mcp-Protocol-Version",
    "Mcp-Method",
    "Mcp-Name",
    "Mcp-Session-Id",
    "Last-Event-ID",
]


def parse_http_address(value: str, flag: str = "--http") -> tuple[str, int]:
    """``3000``, ``:3000``, ``host:3000`` or ``[::1]:3000`` -> (host, port).

    A bare port binds every interface, as the deployment spec's container examples expect; give
    ``127.0.0.1:PORT`` to stay local. Start-up logs the bound address either way.
    """
    text = value.strip()
    host = "0.0.0.0"
    port_text = text
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or text[end + 1 : end + 2] != ":":
            raise SettingsError(f"{flag} {value!r}: write an IPv6 address as [::1]:3000")
        host, port_text = text[1:end], text[end + 2 :]
    elif ":" in text:
        head, _, port_text = text.rpartition(":")
        if ":" in head:
            raise SettingsError(f"{flag} {value!r}: write an IPv6 address in brackets, e.g. [::1]:3000")
        host = head or host
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise SettingsError(f"{flag} {value!r}: expected [host:]port with a port from 1 to 65535, e.g. 3000")
    if not host or not re.match(r"^[A-Za-z0-9.\-:%]+$", host):
        raise SettingsError(f"{flag} {value!r}: {host!r} is not a host name or IP address")
    return host, int(port_text)


def browser_base(host: str, port: int) -> str:
    """The URL a browser on this machine uses to reach a listener (wildcard binds become loopback)."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _PrefixedApp:
    """Serve ``inner`` under ``prefix`` with the prefix stripped (the emulator routes on the bare path)."""

    def __init__(self, inner: ASGIApp, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        scope = dict(scope, path=path, raw_path=path.encode(), root_path="")
        await self.inner(scope, receive, send)


class _SandboxLoginDispatch:
    """In --sandbox --http mode, the sign-in emulator answers under SANDBOX_LOGIN_PREFIX."""

    def __init__(self, app: ASGIApp, login: ASGIApp) -> None:
        self.app = app
        self.login = login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(SANDBOX_LOGIN_PREFIX + "/"):
            await self.login(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _rpc_error(message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}


class _McpTransportGuard:
    """Edges of the SDK transport that would otherwise leave the JSON-RPC world.

    - GET would open a server-to-client event stream; stateless JSON mode never sends on one,
      so it would hang open forever (a cheap way to pin connections): answer 405 at once, which
      the spec allows and clients expect.
    - The SDK refuses a wrong Content-Type, Host or Origin with a bare text body; clients get
      the same status with a JSON-RPC error instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET":
            message = "Method Not Allowed: this stateless server has no event stream; POST JSON-RPC requests"
            await send_json(send, 405, _rpc_error(message), [(b"allow", b"POST")])
            return
        held: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                ctype = dict(message.get("headers", [])).get(b"content-type", b"")
                if message["status"] >= 400 and not ctype.startswith(b"application/json"):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    text = b"".join(chunks).decode("utf-8", "replace").strip()[:300] or "Request refused."
                    await send_json(send, held["status"], _rpc_error(text))
                return
            await send(message)

        await self.app(scope, receive, guarded_send)


@attrs.define
class HttpApp:
    """The ASGI app plus the parts tests and the CLI reach into."""

    app: ASGIApp
    facade: OAuthFacade | None
    sealer: Sealer
    key_generated: bool
    mode: str
    obo: OboExchanger | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _sandbox_entra(runtime: Runtime, login_base: str | None) -> tuple[EntraConfig, httpx.AsyncBaseTransport]:
    from ms365mcp.sandbox.entra import GRAPH_AUDIENCE, SANDBOX_AUTHORITY_URL, SANDBOX_CLIENT_ID, EntraEmulator

    tenant = runtime.sandbox
    if login_base and tenant.entra.base_url == SANDBOX_AUTHORITY_URL:
        tenant.entra = EntraEmulator(tenant, base_url=login_base.rstrip("/") + SANDBOX_LOGIN_PREFIX)
    emulator = tenant.entra
    prefix = httpx.URL(emulator.base_url).path.rstrip("/")
    transport = httpx.ASGITransport(app=_PrefixedApp(emulator.app(), prefix))
    settings = runtime.settings
    config = EntraConfig(
        authority=emulator.authority("organizations"),
        client_id=settings.client_id or SANDBOX_CLIENT_ID,
        client_secret=settings.client_secret or SANDBOX_CLIENT_SECRET,
        graph_resource=GRAPH_AUDIENCE,
        issuer_base=emulator.base_url,
        v1_issuers=False,
    )
    return config, transport


def build_app(
    runtime: Runtime,
    *,
    login_base: str | None = None,
    entra_transport: httpx.AsyncBaseTransport | None = None,
    sealer: Sealer | None = None,
) -> HttpApp:
    """The whole HTTP surface. ``login_base`` is the browser-facing base in --sandbox mode."""
    settings = runtime.settings
    mode = "trust-proxy" if settings.trust_proxy_auth else "obo" if settings.obo else "passthrough"
    if settings.obo and settings.trust_proxy_auth:
        raise SettingsError("--obo and --trust-proxy-auth exclude each other: choose one way to authenticate callers")
    key_generated = False
    if sealer is None:
        sealer, key_generated = Sealer.from_setting(settings.state_key)
    if key_generated and runtime.sandbox is None:
        log.warning(
            "MS365_MCP_STATE_KEY is not set: sign-in state is sealed with a key generated for this process. "
            "Several replicas (or a restart mid sign-in) need one shared key: set MS365_MCP_STATE_KEY."
        )

    config: EntraConfig | None
    login_app: ASGIApp | None = None
    if runtime.sandbox is not None:
        config, sandbox_transport = _sandbox_entra(runtime, login_base)
        entra_transport = entra_transport or sandbox_transport
        if login_base:
            emulator = runtime.sandbox.entra
            login_app = _PrefixedApp(emulator.app(), httpx.URL(emulator.base_url).path.rstrip("/"))
    elif settings.client_id or not settings.trust_proxy_auth:
        config = EntraConfig.from_settings(settings)
    else:
        config = None
    if settings.obo and config is not None and not config.client_secret:
        raise SettingsError("--obo exchanges tokens as a confidential app: set MS365_MCP_CLIENT_SECRET")

    entra_http = httpx.AsyncClient(transport=entra_transport, timeout=httpx.Timeout(15.0))
    facade: OAuthFacade | None = None
    if config is not None:
        facade = OAuthFacade(
            settings, sealer, EntraClient(config, entra_http), effective_permissions(runtime.selection, settings)
        )

    def metadata_url(scope: Scope) -> str:
        if facade is None:
            return ""
        return facade.resource_metadata_url(Request(scope))

    verifier = obo = None
    if mode == "obo":
        assert config is not None
        tenants = settings.allowed_tenants
        if tenants is None and runtime.sandbox is not None:
            tenants = (runtime.sandbox.entra.tenant_id,)
        elif tenants is None and _GUID.match(settings.tenant_id):
            tenants = (settings.tenant_id,)
        verifier = JwtVerifier(
            entra_http,
            config.jwks_url,
            (config.client_id, f"api://{config.client_id}"),
            config.issuers,
            tenants,
        )
        obo = OboExchanger(EntraClient(config, entra_http), f"{config.graph_resource}/.default")
    if mode != "trust-proxy":
        # A caller without a verified token must never fall back to the process's own identity.
        runtime.default_identity = None

    server = build_server(runtime)
    manager = StreamableHTTPSessionManager(
        app=server,
        stateless=True,
        json_response=True,
        max_request_body_size=settings.max_body_bytes,
        security_settings=_transport_security(settings, login_base),
    )
    mcp_app = BearerAuth(
        _McpTransportGuard(StreamableHTTPASGIApp(manager)),
        mode=mode,
        resource_metadata_url=metadata_url,
        allow_unauthenticated_discovery=settings.allow_unauthenticated_discovery,
        verifier=verifier,
        obo=obo,
    )
    ready = {"value": False}

    async def index(request: Request) -> Response:
        return PlainTextResponse("ms365mcp is running")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if ready["value"]:
            return JSONResponse({"status": "ready", "tools": len(runtime.tool_definitions)})
        return JSONResponse({"status": "starting"}, status_code=503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            ready["value"] = True
            try:
                yield
            finally:
                ready["value"] = False
                await entra_http.aclose()

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/mcp", mcp_app, methods=["GET", "POST", "DELETE"]),
    ]
    if facade is not None:
        routes += facade.routes()

    origins = list(settings.cors_origins)
    middleware = [
        Middleware(JsonErrorsMiddleware),
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=_CORS_HEADERS,
            expose_headers=["WWW-Authenticate", "Mcp-Session-Id", "Retry-After"],
            allow_credentials="*" not in origins,
            max_age=600,
        ),
    ]
    if not settings.rate_limit_disabled:
        middleware.append(
            Middleware(RateLimitMiddleware, rules=default_rules(), trust_proxy_hops=settings.trust_proxy_hops)
        )
    middleware.append(Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes))
    app: ASGIApp = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _not_allowed, 500: _server_error},
    )
    if login_app is not None:
        app = _SandboxLoginDispatch(app, login_app)
    return HttpApp(app=app, facade=facade, sealer=sealer, key_generated=key_generated, mode=mode, obo=obo)


def _transport_security(settings: Any, login_base: str | None) -> TransportSecuritySettings | None:
    """DNS-rebinding protection when listening on loopback only (a browser page cannot reach us by a foreign name)."""
    if not settings.http:
        return None
    try:
        host, _ = parse_http_address(settings.http)
    except SettingsError:
        return None
    if not is_loopback_host(host) or settings.public_url:
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=[*settings.cors_origins, "http://127.0.0.1:*", "http://localhost:*"],
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "not_found", "error_description": "No such endpoint."}, status_code=404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "method_not_allowed", "error_description": "Method not allowed."}, status_code=405)


async def _server_error(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "server_error", "error_description": "Internal error."}, status_code=500)


def hypercorn_config(host: str, port: int) -> Any:
    """Hypercorn settings for HTTP mode (shared with the tests so they run what production runs)."""
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None  # query strings carry authorization codes: never log them
    config.loglevel = "WARNING"
    config.h11_max_incomplete_size = 64 * 1024  # large Entra bearer tokens
    config.include_server_header = False
    return config


async def serve_http(
    runtime: Runtime,
    address: str | None = None,
    *,
    shutdown_trigger: Callable[[], Awaitable[Any]] | None = None,
) -> None:
    """Serve until interrupted (or until ``shutdown_trigger`` returns)."""
    from hypercorn.asyncio import serve

    settings = runtime.settings
    host, port = parse_http_address(address or settings.http or "3000")
    base = settings.public_url or browser_base(host, port)
    http_app = build_app(runtime, login_base=base if runtime.sandbox is not None else None)
    config = hypercorn_config(host, port)
    log.warning(
        "ms365mcp serving %d tools on %s/mcp (listening on %s, auth: %s)%s",
        len(runtime.tool_definitions),
        browser_base(host, port),
        config.bind[0],
        http_app.mode,
        f"; sandbox sign-in at {base}{SANDBOX_LOGIN_PREFIX}" if runtime.sandbox is not None else "",
    )
    try:
        if shutdown_trigger is None:
            await serve(http_app, config)  # type: ignore[arg-type]
        else:
            await serve(http_app, config, shutdown_trigger=shutdown_trigger)  # type: ignore[arg-type]
    finally:
        await runtime.aclose()
