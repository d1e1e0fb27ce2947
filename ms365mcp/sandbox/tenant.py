"""The sandbox tenant: users, data, Graph-shaped routes and fault injection."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import attrs
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from ms365mcp.sandbox.entra import EntraEmulator

Handler = Callable[["SandboxRequest"], Awaitable[Any]]

#: Where the sandbox answers, as if it were Graph.
SANDBOX_GRAPH_URL = "http://sandbox.localhost"


@attrs.define
class SandboxUser:
    id: str
    userPrincipalName: str
    displayName: str
    mail: str
    jobTitle: str = ""
    department: str = ""

    def as_graph(self) -> dict[str, Any]:
        return attrs.asdict(self)


DEFAULT_USERS = (
    SandboxUser(
        "5a1e2f3c-0001-4a8e-9d1c-adele00000001",
        "adele@contoso.sandbox",
        "Adele Vance",
        "adele@contoso.sandbox",
        "Product Manager",
        "Marketing",
    ),
    SandboxUser(
        "5a1e2f3c-0002-4a8e-9d1c-alex000000002",
        "alex@contoso.sandbox",
        "Alex Wilber",
        "alex@contoso.sandbox",
        "Marketing Assistant",
        "Marketing",
    ),
    SandboxUser(
        "5a1e2f3c-0003-4a8e-9d1c-megan00000003",
        "megan@contoso.sandbox",
        "Megan Bowen",
        "megan@contoso.sandbox",
        "Marketing Manager",
        "Marketing",
    ),
    SandboxUser(
        "5a1e2f3c-0004-4a8e-9d1c-diego00000004",
        "diego@contoso.sandbox",
        "Diego Siciliani",
        "diego@contoso.sandbox",
        "HR Manager",
        "HR",
    ),
    SandboxUser(
        "5a1e2f3c-0005-4a8e-9d1c-support000005",
        "support@contoso.sandbox",
        "Contoso Support",
        "support@contoso.sandbox",
        "Shared mailbox",
        "Operations",
    ),
)


class GraphError(Exception):
    """Raised by sandbox handlers to answer with Graph's error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def graph_error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": secrets.token_hex(8)}}}
    return JSONResponse(body, status_code=status, headers=headers)


@attrs.define
class SandboxRequest:
    """What a sandbox route handler sees."""

    tenant: SandboxTenant
    user: SandboxUser
    """The signed-in user (``/me``)."""
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    """Query options with the ``$`` kept (``$top``, ``$filter``)."""
    headers: dict[str, str]
    body: bytes
    base_url: str
    raw_path: str = ""
    """The path as sent, still percent-encoded (for building ``@odata.nextLink`` and upload URLs)."""

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None

    def target_user(self) -> SandboxUser:
        """The mailbox owner: ``{userId}`` when the route has it, else the signed-in user."""
        user_id = self.params.get("userId")
        if user_id is None:
            return self.user
        found = self.tenant.find_user(user_id)
        if found is None:
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{user_id}' is invalid.")
        return found

    def prefer(self, name: str) -> str | None:
        """A value from the Prefer header, such as ``outlook.body-content-type``."""
        for part in self.headers.get("prefer", "").split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == name.lower():
                return value.strip().strip('"')
        return None


@attrs.define
class Fault:
    """One injected failure, consumed ``times`` times by matching requests."""

    path: str = ".*"
    method: str | None = None
    status: int | None = None
    retry_after: str | None = None
    delay_ms: int = 0
    drop: bool = False
    times: int = 1
    body: dict[str, Any] | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and re.search(self.path, path) is not None


class SandboxTenant:
    """In-memory tenant state plus the routes plugins add to it."""

    def __init__(self, users: tuple[SandboxUser, ...] = DEFAULT_USERS) -> None:
        self.users: list[SandboxUser] = list(users)
        self.store: dict[str, Any] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        """Every (method, path) served, for tests that count calls."""
        self._routes: list[tuple[str, str, Handler]] = []
        self._anonymous: set[Handler] = set()
        """Handlers served without a bearer token (pre-authenticated upload and download URLs)."""
        self._tokens: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._entra: EntraEmulator | None = None

    # -- users and tokens --------------------------------------------------------------
    @property
    def me(self) -> SandboxUser:
        return self.users[0]

    def find_user(self, key: str) -> SandboxUser | None:
        key_l = key.lower()
        for user in self.users:
            if key_l in (user.id.lower(), user.userPrincipalName.lower(), user.mail.lower()):
                return user
        return None

    def issue_token(self, upn: str | None = None) -> str:
        """An opaque access token for a sandbox user (the default user when none is given)."""
        user = self.find_user(upn) if upn else self.me
        if user is None:
            raise KeyError(upn)
        token = "sbx." + secrets.token_urlsafe(24)
        self._tokens[token] = user.id
        return token

    def user_for_token(self, token: str) -> SandboxUser | None:
        """The user behind an opaque sandbox token, or behind a JWT the sign-in emulator signed."""
        user_id = self._tokens.get(token)
        if user_id:
            return self.find_user(user_id)
        if self._entra is not None and token.count(".") == 2:
            return self._entra.user_for_access_token(token)
        return None

    @property
    def entra(self) -> EntraEmulator:
        """The tenant's sign-in emulator (created on first use; see ms365mcp.sandbox.entra)."""
        if self._entra is None:
            from ms365mcp.sandbox.entra import EntraEmulator

            self._entra = EntraEmulator(self)
        return self._entra

    @entra.setter
    def entra(self, emulator: EntraEmulator) -> None:
        self._entra = emulator

    # -- data helpers --------------------------------------------------------------------
    def new_id(self, prefix: str = "id") -> str:
        """A fresh Graph-looking id (base64url-ish, sometimes with characters that need encoding)."""
        return f"{prefix}-{next(self._ids):06d}-{secrets.token_urlsafe(6)}"

    def collection(self, name: str) -> dict[str, dict[str, Any]]:
        """A named collection of entities keyed by id, created on first use."""
        return self.store.setdefault(name, {})

    # -- routes --------------------------------------------------------------------------
    def route(self, method: str, path: str, *, anonymous: bool = False) -> Callable[[Handler], Handler]:
        """Decorator: serve ``method path`` (Graph path with ``{name}`` placeholders) under every API version.

        ``anonymous`` routes skip the token check, like Graph's pre-authenticated upload and download
        URLs; their handlers see the default user and may refuse a request that carries a token.
        """

        def decorate(handler: Handler) -> Handler:
            self._routes.append((method.upper(), path, handler))
            if anonymous:
                self._anonymous.add(handler)
            return handler

        return decorate

    def app(self) -> Callable[..., Awaitable[None]]:
        """The ASGI app that answers like Graph at ``/v1.0`` and ``/beta``.

        Routing runs on the raw (still percent-encoded) path, so an id holding ``/`` or ``?``
        stays one segment, exactly as Graph treats it; handlers get decoded values.
        """
        inner = self._starlette()

        async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope.get("raw_path"):
                scope = dict(scope, path=scope["raw_path"].decode("latin-1").split("?", 1)[0])
            await inner(scope, receive, send)

        return asgi

    def _starlette(self) -> Starlette:
        routes = [Route("/_sandbox/faults", self._faults_endpoint, methods=["POST", "DELETE", "GET"])]
        for method, path, handler in self._routes:
            starlette_path = re.sub(r"\{([A-Za-z0-9_]+)\}", r"{\1}", path)
            for version in ("v1.0", "beta"):
                endpoint = self._endpoint(handler, anonymous=handler in self._anonymous)
                routes.append(Route(f"/{version}{starlette_path}", endpoint, methods=[method]))
        return Starlette(routes=routes, exception_handlers={404: self._not_found, 405: self._not_allowed})

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return graph_error_response(400, "BadRequest", f"Resource not found for the segment '{request.url.path}'.")

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return graph_error_response(405, "Request_BadRequest", "The HTTP method is not allowed for this resource.")

    async def _faults_endpoint(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            self.faults.append(Fault(**(await request.json())))
        return JSONResponse({"faults": [attrs.asdict(f) for f in self.faults]})

    async def _apply_fault(self, method: str, path: str) -> Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.matches(method, path):
                fault.times -= 1
                if fault.delay_ms:
                    await asyncio.sleep(fault.delay_ms / 1000)
                if fault.drop:
                    raise ConnectionResetError("sandbox dropped the connection")
                if fault.status:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                    if fault.body is not None:
                        return JSONResponse(fault.body, status_code=fault.status, headers=headers)
                    return graph_error_response(
                        fault.status,
                        _FAULT_CODES.get(fault.status, "generalException"),
                        "Injected by the sandbox.",
                        headers,
                    )
                return None
        return None

    def _endpoint(self, handler: Handler, anonymous: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            path = unquote(request.url.path)
            self.requests.append((request.method, path))
            fault = await self._apply_fault(request.method, path)
            if fault is not None:
                return fault
            auth = request.headers.get("authorization", "")
            token = auth[7:] if auth.lower().startswith("bearer ") else ""
            user = self.user_for_token(token) if token else None
            if user is None and anonymous:
                user = self.me
            if user is None:
                return graph_error_response(
                    401,
                    "InvalidAuthenticationToken",
                    "Access token is empty." if not token else "Access token validation failure.",
                )
            sreq = SandboxRequest(
                tenant=self,
                user=user,
                method=request.method,
                path=path,
                params={k: unquote(v) for k, v in request.path_params.items()},
                query=dict(request.query_params),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=await request.body(),
                base_url=str(request.base_url).rstrip("/"),
                raw_path=request.url.path,
            )
            try:
                result = await handler(sreq)
            except GraphError as exc:
                return graph_error_response(exc.status, exc.code, exc.message)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status_code=204)
            return JSONResponse(result)

        return endpoint


_FAULT_CODES = {429: "TooManyRequests", 503: "serviceNotAvailable", 504: "gatewayTimeout", 500: "generalException"}


def build_tenant(pm: Any) -> SandboxTenant:
    """A tenant seeded by every plugin's ``sandbox_setup`` hook."""
    tenant = SandboxTenant()
    pm.hook.sandbox_setup(tenant=tenant)
    return tenant


class SandboxTransport(httpx.AsyncBaseTransport):
    """Serves the sandbox in-process; a dropped connection surfaces as httpx's network error."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionResetError as exc:
            raise httpx.ReadError("connection dropped", request=request) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()
