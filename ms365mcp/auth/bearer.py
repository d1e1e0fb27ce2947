"""Who is calling ``/mcp``: bearer checks, JWT validation against Entra's keys, On-Behalf-Of.

Modes (one per server):

- default: the bearer is the caller's Graph token. It is used for that request only, carried
  in :data:`ms365mcp.identity.CURRENT_IDENTITY`; Graph is what validates it, so the audit user is
  ``unverified``. A JWT whose ``exp`` has passed is refused here already.
- ``--obo``: the bearer must be a JWT for this server's app (signature against Entra's JWKS,
  audience, issuer, expiry, allowed tenants); it is exchanged On-Behalf-Of for a Graph token,
  cached in memory until shortly before expiry under a hash of the incoming token. The audit
  user comes from the verified claims. A refused exchange is a 401 the client can act on.
- ``--trust-proxy-auth``: a fronting proxy authenticated the caller; the server's own identity is used.
- ``--allow-unauthenticated-discovery``: without a bearer, only discovery methods pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import anyio
import attrs
import httpx
import jwt
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ms365mcp.auth.facade.upstream import OBO_GRANT, EntraClient, UpstreamError
from ms365mcp.identity import CURRENT_IDENTITY, Identity, jwt_claims_unverified

log = logging.getLogger("ms365mcp.auth.bearer")

DISCOVERY_METHODS = frozenset(
    {
        "initialize",
        "notifications/initialized",
        "server/discover",
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
        "ping",
    }
)


class AuthFailure(Exception):
    """The bearer was refused: a 401 (or 503 when Entra is unreachable) with an RFC 6750 error."""

    def __init__(self, description: str, error: str = "invalid_token", status: int = 401) -> None:
        super().__init__(description)
        self.description = description
        self.error = error
        self.status = status


class JwtVerifier:
    """Validates Entra-issued JWTs for this app; keys come from the JWKS URL and are cached."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        jwks_url: str,
        audiences: tuple[str, ...],
        issuers_for: Callable[[str], set[str]],
        allowed_tenants: tuple[str, ...] | None,
        *,
        leeway: int = 60,
        clock: Callable[[], float] = time.monotonic,
        keys_ttl: float = 3600,
        refetch_after: float = 60,
    ) -> None:
        self.http = http
        self.jwks_url = jwks_url
        self.audiences = audiences
        self.issuers_for = issuers_for
        self.allowed_tenants = {t.lower() for t in allowed_tenants} if allowed_tenants else None
        self.leeway = leeway
        self.clock = clock
        self.keys_ttl = keys_ttl
        self.refetch_after = refetch_after
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = anyio.Lock()

    async def _fetch(self) -> None:
        try:
            response = await self.http.get(self.jwks_url)
            response.raise_for_status()
            keyset = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            log.warning("could not load Entra signing keys (%s)", type(exc).__name__)
            raise AuthFailure(
                "The identity provider's signing keys are unavailable.", "temporarily_unavailable", 503
            ) from None
        self._keys = {k.key_id: k for k in keyset.keys if k.key_id}
        self._fetched_at = self.clock()

    async def _key(self, kid: str) -> Any:
        async with self._lock:
            now = self.clock()
            stale = self._fetched_at is None or now - self._fetched_at > self.keys_ttl
            unknown = kid not in self._keys and (
                self._fetched_at is None or now - self._fetched_at > self.refetch_after
            )
            if stale or unknown:
                await self._fetch()
        key = self._keys.get(kid)
        if key is None:
            raise AuthFailure("The token is signed with an unknown key.")
        return key

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthFailure("The access token is not a valid JWT.") from None
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise AuthFailure("The access token must be an RS256 JWT with a key id.")
        key = await self._key(str(header["kid"]))
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=list(self.audiences),
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthFailure("The access token has expired.") from None
        except jwt.InvalidAudienceError:
            raise AuthFailure("The access token was not issued for this server (audience).") from None
        except jwt.PyJWTError:
            raise AuthFailure("The access token signature or claims are invalid.") from None
        tenant = str(claims.get("tid") or "")
        if not tenant or claims.get("iss") not in self.issuers_for(tenant):
            raise AuthFailure("The access token was issued by an unexpected issuer.")
        if self.allowed_tenants is not None and tenant.lower() not in self.allowed_tenants:
            raise AuthFailure("The access token belongs to a tenant this server does not serve.")
        # ID tokens share the audience, issuer and keys of our access tokens, and app-only tokens
        # name no user: only a delegated access token (with scopes) may be exchanged On-Behalf-Of.
        if not isinstance(claims.get("scp"), str) or not claims["scp"].strip():
            raise AuthFailure("The token is not a delegated access token for this server (no scp claim).")
        return claims


@attrs.define
class _Cached:
    token: str
    expires_at: float


class OboExchanger:
    """On-Behalf-Of: the caller's token for this app -> a Graph token, cached by token hash."""

    def __init__(
        self,
        entra: EntraClient,
        graph_scope: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
        margin: float = 120,
    ) -> None:
        self.entra = entra
        self.graph_scope = graph_scope
        self.clock = clock
        self.max_entries = max_entries
        self.margin = margin
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self.exchanges = 0

    async def graph_token(self, assertion: str) -> str:
        key = hashlib.sha256(assertion.encode()).hexdigest()
        now = self.clock()
        hit = self._cache.get(key)
        if hit is not None and hit.expires_at > now:
            self._cache.move_to_end(key)
            return hit.token
        self.exchanges += 1
        try:
            body = await self.entra.token(
                {
                    "grant_type": OBO_GRANT,
                    "assertion": assertion,
                    "scope": self.graph_scope,
                    "requested_token_use": "on_behalf_of",
                }
            )
        except UpstreamError as exc:
            if exc.status >= 500:
                raise AuthFailure(exc.description, "temporarily_unavailable", 503) from None
            raise AuthFailure(f"On-Behalf-Of exchange refused: {exc.description}") from None
        lifetime = float(body.get("expires_in") or 3600)
        self._cache[key] = _Cached(str(body["access_token"]), now + max(0.0, lifetime - self.margin))
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        return str(body["access_token"])


def _user_of(claims: dict[str, Any]) -> str:
    for name in ("preferred_username", "upn", "email", "unique_name", "oid"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value[:256]
    return "unverified"


def _is_discovery(body: bytes) -> bool:
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return False
    items = message if isinstance(message, list) else [message]
    return bool(items) and all(isinstance(m, dict) and m.get("method") in DISCOVERY_METHODS for m in items)


class BearerAuth:
    """ASGI middleware around the MCP endpoint: authenticate, then set the caller's Identity."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        mode: str,
        resource_metadata_url: Callable[[Scope], str],
        allow_unauthenticated_discovery: bool = False,
        verifier: JwtVerifier | None = None,
        obo: OboExchanger | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if mode not in ("passthrough", "obo", "trust-proxy"):
            raise ValueError(mode)
        if mode == "obo" and (verifier is None or obo is None):
            raise ValueError("obo mode needs a verifier and an exchanger")
        self.app = app
        self.mode = mode
        self.resource_metadata_url = resource_metadata_url
        self.allow_discovery = allow_unauthenticated_discovery
        self.verifier = verifier
        self.obo = obo
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.mode == "trust-proxy" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if token is None:
            if self.allow_discovery and scope["method"] == "POST":
                body, receive = await _buffer(receive)
                if _is_discovery(body):
                    await self.app(scope, receive, send)
                    return
            await self._refuse(scope, send, None)
            return
        try:
            identity = await self._identity(token)
        except AuthFailure as failure:
            await self._refuse(scope, send, failure)
            return
        reset = CURRENT_IDENTITY.set(identity)
        try:
            await self.app(scope, receive, send)
        finally:
            CURRENT_IDENTITY.reset(reset)

    async def _identity(self, token: str) -> Identity:
        if self.mode == "obo":
            assert self.verifier is not None and self.obo is not None
            claims = await self.verifier.verify(token)
            graph = await self.obo.graph_token(token)

            async def get_obo_token() -> str:
                return graph

            return Identity(get_token=get_obo_token, user=_user_of(claims), tenant=str(claims.get("tid")))
        try:
            claims = jwt_claims_unverified(token)
        except RecursionError:  # a deeply nested payload: not a JWT we can read, so an opaque token
            claims = {}
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp < self.clock():
            raise AuthFailure("The access token has expired.")

        async def get_token() -> str:
            return token

        return Identity(get_token=get_token, user="unverified", tenant=str(claims.get("tid") or "unknown"))

    async def _refuse(self, scope: Scope, send: Send, failure: AuthFailure | None) -> None:
        metadata = self.resource_metadata_url(scope)
        if failure is None:
            challenge = f'Bearer resource_metadata="{metadata}"'
            body = {"error": "invalid_token", "error_description": "Missing or malformed Authorization header."}
            status = 401
        else:
            desc = failure.description.replace('"', "'")
            challenge = f'Bearer error="{failure.error}", error_description="{desc}", resource_metadata="{metadata}"'
            body = {"error": failure.error, "error_description": failure.description}
            status = failure.status
        payload = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"cache-control", b"no-store"),
        ]
        if status == 401:
            headers.append((b"www-authenticate", challenge.encode("latin-1", "replace")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            if text[:7].lower() == "bearer " and text[7:].strip() and " " not in text[7:].strip():
                return text[7:].strip()
            return None
    return None


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body, and give back a receive() that replays it."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
