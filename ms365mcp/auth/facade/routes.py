"""The OAuth 2.1 authorization-server facade in front of Entra ID, with no state in process memory.

Flow: the MCP client registers (``/register`` returns a sealed client id), sends the browser to
``/authorize`` (PKCE S256 required), and we send it on to Entra with our own PKCE pair, our own
``/callback`` redirect and a sealed ``state`` carrying everything we must remember. ``/callback``
opens that state and hands the client a sealed authorization code, which ``/token`` opens, checks
(client, redirect URI, the client's PKCE verifier) and redeems at Entra with our verifier and
secret. Refresh tokens are sealed too, bound to the client id, so a raw Entra refresh token
cannot be redeemed through this server. Any replica holding the same key serves any step.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import attrs
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ms365mcp.auth.facade.policy import redirect_uri_problem, request_origin
from ms365mcp.auth.facade.sealing import Sealer, SealError, digest, s256
from ms365mcp.auth.facade.upstream import EntraClient, UpstreamError
from ms365mcp.settings import Settings, is_loopback_host

log = logging.getLogger("ms365mcp.auth.facade")

STATE_TTL = 600
CONSENT_TTL = 600
#: Binds a consent click to the browser that saw the consent page (HttpOnly, random, nothing else in it).
BROWSER_COOKIE = "ms365mcp_browser"
_BROWSER_RE = re.compile(r"^[A-Za-z0-9_\-]{32,64}$")
MAX_CLIENT_ID = 4000
CODE_TTL = 300
REFRESH_TTL = 90 * 24 * 3600
CLIENT_PREFIX = "mcp-"
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
_AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
_FORWARDED_PROMPTS = {"login", "select_account", "consent", "none"}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@attrs.frozen
class ClientRecord:
    """A client the facade recognises; ``redirect_uris`` is None for the pre-registered Entra app id."""

    client_id: str
    redirect_uris: tuple[str, ...] | None
    auth_method: str = "none"
    name: str = ""


def oauth_error(error: str, description: str, status: int = 400, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers={**NO_STORE, **(headers or {})}
    )


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def parse_json(raw: bytes) -> Any:
    """json.loads, with absurd nesting reported as ValueError like any other bad JSON (not RecursionError)."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


async def read_params(request: Request) -> dict[str, str]:
    """Form or JSON body as flat strings (without python-multipart; bodies are small)."""
    raw = await request.body()
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/json":
        data = parse_json(raw or b"{}")
        if not isinstance(data, dict):
            raise ValueError("body must be a JSON object")
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str | int | float)}
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


class OAuthFacade:
    """Route handlers for metadata, /register, /authorize, /callback and /token."""

    def __init__(
        self,
        settings: Settings,
        sealer: Sealer,
        entra: EntraClient,
        graph_scopes: list[str],
    ) -> None:
        self.settings = settings
        self.sealer = sealer
        self.entra = entra
        if settings.obo:
            self.upstream_scopes = ["openid", "profile", "offline_access", entra.config.api_scope]
            self.advertised_scopes = [entra.config.api_scope]
        else:
            resource = entra.config.graph_resource
            graph = sorted({"User.Read", *graph_scopes})
            prefixed = graph if resource == "https://graph.microsoft.com" else [f"{resource}/{s}" for s in graph]
            self.upstream_scopes = ["openid", "profile", "offline_access", *prefixed]
            self.advertised_scopes = graph

    # -- URLs ---------------------------------------------------------------------------------
    def origin(self, request: Request) -> str:
        return request_origin(request, self.settings.trust_proxy_hops)

    def public_base(self, request: Request) -> str:
        """Browser-facing base: --public-url when set, else where the request arrived."""
        return self.settings.public_url or self.origin(request)

    def resource_metadata_url(self, request: Request) -> str:
        return f"{self.origin(request)}/.well-known/oauth-protected-resource/mcp"

    # -- metadata ---------------------------------------------------------------------------------
    async def authorization_server_metadata(self, request: Request) -> Response:
        base, origin = self.public_base(request), self.origin(request)
        body: dict[str, Any] = {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{origin}/token",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": list(_AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": self.advertised_scopes,
        }
        if self.settings.dynamic_registration:
            body["registration_endpoint"] = f"{origin}/register"
        return JSONResponse(body, headers=NO_STORE)

    async def protected_resource_metadata(self, request: Request) -> Response:
        origin = self.origin(request)
        return JSONResponse(
            {
                "resource": f"{origin}/mcp",
                "authorization_servers": [self.public_base(request)],
                "scopes_supported": self.advertised_scopes,
                "bearer_methods_supported": ["header"],
                "resource_name": "ms365mcp",
            },
            headers=NO_STORE,
        )

    # -- clients ----------------------------------------------------------------------------------
    def resolve_client(self, client_id: str | None) -> ClientRecord | None:
        if not client_id or len(client_id) > MAX_CLIENT_ID:
            return None
        if client_id == self.entra.config.client_id:
            return ClientRecord(client_id, None, name="this server's own app registration")
        if not client_id.startswith(CLIENT_PREFIX) or not self.settings.dynamic_registration:
            return None
        try:
            body = self.sealer.open("client", client_id[len(CLIENT_PREFIX) :])
        except SealError:
            return None
        return ClientRecord(client_id, tuple(body.get("r", ())), str(body.get("m", "none")), str(body.get("n") or ""))

    def client_secret_for(self, client_id: str) -> str:
        return self.sealer.mac("client-secret", client_id)

    def authenticate_client(self, request: Request, params: dict[str, str]) -> ClientRecord | None:
        """The client of a /token request, with its secret checked when it registered one."""
        client_id, secret = params.get("client_id"), params.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:  # bad base64 (binascii.Error), non-ASCII input, or non-UTF-8 credentials
                return None
            client_id, secret = unquote(user), unquote(password)
        client = self.resolve_client(client_id)
        if client is None:
            return None
        if client.auth_method != "none" and (
            not secret or not self.sealer.verify_mac("client-secret", client.client_id, secret)
        ):
            return None
        return client

    async def register(self, request: Request) -> Response:
        if not self.settings.dynamic_registration:
            return oauth_error("not_found", "Dynamic client registration is disabled on this server.", 404)
        try:
            meta = parse_json(await request.body() or b"null")
        except ValueError:
            return oauth_error("invalid_client_metadata", "The body must be a JSON object.")
        if not isinstance(meta, dict):
            return oauth_error("invalid_client_metadata", "The body must be a JSON object.")
        uris = meta.get("redirect_uris")
        if not isinstance(uris, list) or not 1 <= len(uris) <= 10:
            return oauth_error("invalid_redirect_uri", "redirect_uris must list between 1 and 10 URIs.")
        for uri in uris:
            problem = redirect_uri_problem(uri, self.settings.allowed_redirect_uris)
            if problem:
                return oauth_error("invalid_redirect_uri", problem)
        grants = meta.get("grant_types") or ["authorization_code", "refresh_token"]
        if not isinstance(grants, list) or not all(g in ("authorization_code", "refresh_token") for g in grants):
            return oauth_error("invalid_client_metadata", "grant_types may hold authorization_code and refresh_token.")
        responses = meta.get("response_types") or ["code"]
        if responses != ["code"]:
            return oauth_error("invalid_client_metadata", 'response_types must be ["code"].')
        method = meta.get("token_endpoint_auth_method") or "none"
        if method not in _AUTH_METHODS:
            return oauth_error("invalid_client_metadata", f"token_endpoint_auth_method must be one of {_AUTH_METHODS}.")
        name = meta.get("client_name")
        name = name[:200] if isinstance(name, str) and name else "MCP client"
        issued = int(self.sealer.clock())
        client_id = CLIENT_PREFIX + self.sealer.seal("client", {"r": uris, "m": method, "t": issued, "n": name})
        if len(client_id) > MAX_CLIENT_ID:
            return oauth_error("invalid_redirect_uri", "redirect_uris are too long altogether; register fewer.")
        body: dict[str, Any] = {
            "client_id": client_id,
            "client_id_issued_at": issued,
            "client_name": name,
            "redirect_uris": uris,
            "grant_types": grants,
            "response_types": ["code"],
            "token_endpoint_auth_method": method,
        }
        if isinstance(meta.get("scope"), str):
            body["scope"] = meta["scope"]
        if method != "none":
            body["client_secret"] = self.client_secret_for(client_id)
            body["client_secret_expires_at"] = 0
        return JSONResponse(body, status_code=201, headers=NO_STORE)

    # -- /authorize -----------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        client = self.resolve_client(q.get("client_id"))
        if client is None:
            return oauth_error("invalid_client", "Unknown client_id: register the client again.", 400)
        redirect_uri = q.get("redirect_uri")
        explicit = redirect_uri is not None
        if redirect_uri is None and client.redirect_uris and len(client.redirect_uris) == 1:
            redirect_uri = client.redirect_uris[0]
        problem = redirect_uri_problem(redirect_uri, self.settings.allowed_redirect_uris)
        if problem is None and client.redirect_uris is not None and redirect_uri not in client.redirect_uris:
            problem = "redirect_uri was not registered for this client"
        if problem or redirect_uri is None:
            # Never redirect to an unverified URI (open redirect): answer here instead.
            return oauth_error("invalid_request", problem or "redirect_uri is required")
        client_state = q.get("state")

        def back(error: str, description: str) -> Response:
            params = {"error": error, "error_description": description}
            if client_state is not None:
                params["state"] = client_state
            return RedirectResponse(_with_query(redirect_uri, params), 302, headers=NO_STORE)

        if q.get("response_type") != "code":
            return back("unsupported_response_type", "Only response_type=code is supported.")
        challenge = q.get("code_challenge")
        if q.get("code_challenge_method") != "S256" or not challenge:
            return back("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.")
        if not _CHALLENGE_RE.match(challenge):
            return back("invalid_request", "code_challenge must be a base64url SHA-256 digest (43 characters).")
        if client_state is not None and len(client_state) > 1000:
            return back("invalid_request", "state is too long.")
        if self.needs_consent(redirect_uri) and not self._consented(request, client, redirect_uri, challenge):
            return self._consent_page(request, client, redirect_uri, challenge, back)

        verifier = secrets.token_urlsafe(48)
        callback = f"{self.public_base(request)}/callback"
        sealed_state = self.sealer.seal(
            "state",
            {
                "c": digest(client.client_id),
                "ru": redirect_uri,
                "cs": client_state,
                "cc": challenge,
                "sv": verifier,
                "cb": callback,
                "rx": explicit,
            },
            ttl=STATE_TTL,
        )
        upstream = {
            "client_id": self.entra.config.client_id,
            "response_type": "code",
            "response_mode": "query",
            "redirect_uri": callback,
            "scope": " ".join(self.upstream_scopes),
            "state": sealed_state,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
        if q.get("prompt") in _FORWARDED_PROMPTS:
            upstream["prompt"] = q["prompt"]
        for hint in ("login_hint", "domain_hint"):
            if q.get(hint):
                upstream[hint] = q[hint][:256]
        return RedirectResponse(f"{self.entra.config.authorize_url}?{urlencode(upstream)}", 302, headers=NO_STORE)

    # -- consent (confused deputy) ----------------------------------------------------------------
    def needs_consent(self, redirect_uri: str) -> bool:
        """True when codes would leave this machine for a host no administrator vetted.

        Anyone may register a client with any https redirect URI, and Entra answers at once for a
        user who is signed in and has consented to *this server's* app, so a link to /authorize
        could hand that user's access to a stranger. Such redirects first get our own consent page
        naming where the access will go. Loopback redirects (the code stays on the user's machine)
        and URIs listed in MS365_MCP_ALLOWED_REDIRECT_URIS skip it.
        """
        if self.settings.allowed_redirect_uris is not None:
            return False
        return not is_loopback_host(urlsplit(redirect_uri).hostname)

    def _consented(self, request: Request, client: ClientRecord, redirect_uri: str, challenge: str) -> bool:
        browser = request.cookies.get(BROWSER_COOKIE, "")
        ticket = request.query_params.get("consent")
        if not ticket or not _BROWSER_RE.match(browser):
            return False
        try:
            body = self.sealer.open("consent", ticket)
        except SealError:
            return False
        expected = {"c": digest(client.client_id), "ru": redirect_uri, "cc": challenge, "b": digest(browser)}
        return all(secrets.compare_digest(str(body.get(k, "")), v) for k, v in expected.items())

    def _consent_page(
        self,
        request: Request,
        client: ClientRecord,
        redirect_uri: str,
        challenge: str,
        back: Callable[[str, str], Response],
    ) -> Response:
        browser = request.cookies.get(BROWSER_COOKIE, "")
        if not _BROWSER_RE.match(browser):
            browser = secrets.token_urlsafe(32)
        ticket = self.sealer.seal(
            "consent",
            {"c": digest(client.client_id), "ru": redirect_uri, "cc": challenge, "b": digest(browser)},
            ttl=CONSENT_TTL,
        )
        base = self.public_base(request)
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "consent"] + [("consent", ticket)]
        allow = f"{base}/authorize?{urlencode(query)}"
        deny = back("access_denied", "The user declined to connect this client.").headers["location"]
        host = urlsplit(redirect_uri).hostname or redirect_uri
        name = client.name or "An MCP client"
        page = (
            "<!doctype html><meta charset=utf-8><title>Connect an MCP client?</title>"
            "<h1>Connect an MCP client to your Microsoft 365?</h1>"
            f"<p><strong>{html.escape(name)}</strong> asks to act on your mail, calendar and files through "
            "this server. After you sign in, that access is handed to:</p>"
            f"<p><strong>{html.escape(host)}</strong><br><code>{html.escape(redirect_uri)}</code></p>"
            "<p>Continue only if you started this connection yourself and trust that site.</p>"
            f'<p><a id="allow" href="{html.escape(allow)}">Continue to sign-in</a> &middot; '
            f'<a id="deny" href="{html.escape(deny)}">Cancel</a></p>'
        )
        response = HTMLResponse(page, headers=NO_STORE)
        response.set_cookie(
            BROWSER_COOKIE,
            browser,
            max_age=3600,
            path=(urlsplit(base).path.rstrip("/") or "") + "/authorize",
            secure=base.startswith("https://"),
            httponly=True,
            samesite="lax",
        )
        return response

    # -- /callback (Entra redirects the browser here) -------------------------------------------
    async def callback(self, request: Request) -> Response:
        q = request.query_params
        try:
            state = self.sealer.open("state", q.get("state") or "")
        except SealError as exc:
            message = (
                "This sign-in link has expired; start the sign-in again from your MCP client."
                if exc.reason == "expired"
                else "This sign-in response is not one this server started (invalid or forged state)."
            )
            return _error_page(message)
        redirect_uri = state["ru"]
        params: dict[str, str] = {}
        if q.get("error"):
            params["error"] = q["error"] if q["error"] in ("access_denied", "consent_required") else "access_denied"
            params["error_description"] = (q.get("error_description") or "Sign-in was not completed.")[:300]
        elif not q.get("code"):
            params = {"error": "server_error", "error_description": "The identity provider returned no code."}
        else:
            code = self.sealer.seal(
                "code",
                {k: state[k] for k in ("c", "ru", "cc", "sv", "cb")} | {"ec": q["code"], "rx": state.get("rx", True)},
                ttl=CODE_TTL,
            )
            params["code"] = code
        if state.get("cs") is not None:
            params["state"] = state["cs"]
        return RedirectResponse(_with_query(redirect_uri, params), 302, headers=NO_STORE)

    # -- /token ---------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        try:
            params = await read_params(request)
        except (ValueError, UnicodeDecodeError):
            return oauth_error("invalid_request", "The body must be form-encoded (or a JSON object).")
        client = self.authenticate_client(request, params)
        if client is None:
            return oauth_error("invalid_client", "Client authentication failed: register the client again.", 401)
        grant = params.get("grant_type")
        try:
            if grant == "authorization_code":
                return await self._code_grant(client, params)
            if grant == "refresh_token":
                return await self._refresh_grant(client, params)
        except UpstreamError as exc:
            return JSONResponse(exc.body(), status_code=exc.status, headers=NO_STORE)
        if not grant:
            return oauth_error("invalid_request", "grant_type is required.")
        return oauth_error("unsupported_grant_type", "Use authorization_code or refresh_token.")

    async def _code_grant(self, client: ClientRecord, params: dict[str, str]) -> Response:
        try:
            sealed = self.sealer.open("code", params.get("code") or "")
        except SealError as exc:
            return oauth_error("invalid_grant", f"The authorization code is {exc.reason}.")
        if sealed["c"] != digest(client.client_id):
            return oauth_error("invalid_grant", "The authorization code was issued to another client.")
        # RFC 6749 4.1.3: redirect_uri must be repeated (and match) when /authorize was given one.
        given = params.get("redirect_uri")
        if (given is not None or sealed.get("rx", True)) and given != sealed["ru"]:
            return oauth_error("invalid_grant", "redirect_uri does not match the authorization request.")
        verifier = params.get("code_verifier") or ""
        if not _VERIFIER_RE.match(verifier):
            return oauth_error("invalid_grant", "code_verifier is missing or malformed (PKCE).")
        if not secrets.compare_digest(s256(verifier), sealed["cc"]):
            return oauth_error("invalid_grant", "code_verifier does not match the code_challenge (PKCE).")
        tokens = await self.entra.token(
            {
                "grant_type": "authorization_code",
                "code": sealed["ec"],
                "redirect_uri": sealed["cb"],
                "code_verifier": sealed["sv"],
                "scope": " ".join(self.upstream_scopes),
            }
        )
        return self._token_response(client, tokens)

    async def _refresh_grant(self, client: ClientRecord, params: dict[str, str]) -> Response:
        try:
            sealed = self.sealer.open("refresh", params.get("refresh_token") or "")
        except SealError as exc:
            return oauth_error("invalid_grant", f"The refresh token is {exc.reason}.")
        if sealed["c"] != digest(client.client_id):
            return oauth_error("invalid_grant", "The refresh token was issued to another client.")
        tokens = await self.entra.token(
            {"grant_type": "refresh_token", "refresh_token": sealed["rt"], "scope": " ".join(self.upstream_scopes)}
        )
        return self._token_response(client, tokens, previous_refresh=sealed["rt"])

    def _token_response(
        self, client: ClientRecord, tokens: dict[str, Any], previous_refresh: str | None = None
    ) -> Response:
        body: dict[str, Any] = {
            "access_token": tokens["access_token"],
            "token_type": "Bearer",
            "expires_in": int(tokens.get("expires_in") or 3600),
        }
        if tokens.get("scope"):
            body["scope"] = tokens["scope"]
        upstream_refresh = tokens.get("refresh_token") or previous_refresh
        if upstream_refresh:
            body["refresh_token"] = self.sealer.seal(
                "refresh", {"c": digest(client.client_id), "rt": upstream_refresh}, ttl=REFRESH_TTL
            )
        return JSONResponse(body, headers=NO_STORE)

    # -- routing --------------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        return [
            Route("/.well-known/oauth-authorization-server", self.authorization_server_metadata, methods=["GET"]),
            Route(
                "/.well-known/oauth-authorization-server/{rest:path}",
                self.authorization_server_metadata,
                methods=["GET"],
            ),
            Route("/.well-known/oauth-protected-resource", self.protected_resource_metadata, methods=["GET"]),
            Route(
                "/.well-known/oauth-protected-resource/{rest:path}", self.protected_resource_metadata, methods=["GET"]
            ),
            Route("/register", self.register, methods=["POST"]),
            Route("/authorize", self.authorize, methods=["GET"]),
            Route("/callback", self.callback, methods=["GET"]),
            Route("/token", self.token, methods=["POST"]),
        ]


def _error_page(message: str) -> Response:
    """The browser lands here when we cannot trust any redirect target: a plain page, no redirect."""
    body = (
        "<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1>"
        f"<p><code>invalid_request</code>: {html.escape(message)}</p>"
    )
    return HTMLResponse(body, status_code=400, headers=NO_STORE)
