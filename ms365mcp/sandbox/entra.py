"""An offline Microsoft Entra ID (sign-in) emulator for the sandbox tenant.

The real ``msal`` library, and the HTTP OAuth facade, talk to it exactly as they talk to
``login.microsoftonline.com``: OpenID metadata, JWKS, device code, authorize (a consent page),
token (device code, refresh token, authorization code with PKCE, On-Behalf-Of). Tokens are
RS256 JWTs signed by a key generated for each emulator, so nothing outlives the process and
the sandbox Graph can check them (:meth:`SandboxTenant.user_for_token`).

Public API (used by ``ms365mcp.auth`` and by the HTTP mode):

- ``EntraEmulator(tenant, *, base_url=SANDBOX_AUTHORITY_URL, access_token_lifetime=3600,
  device_code_interval=1, auto_approve_after=None, clock=time.time)``; a tenant owns one as
  ``tenant.entra`` (created on first use).
- ``authority(tenant_segment="organizations")`` -> the URL to hand msal as ``authority``
  (use ``instance_discovery=False``); ``issuer``, ``tenant_id``, ``jwks()``, ``openid_configuration()``.
- ``http_client()`` -> a requests-like object with ``get``/``post``/``close`` for msal's
  ``http_client=``; it serves the emulator in-process, so no socket is opened.
- ``app()`` -> the Starlette ASGI app (serve it on loopback, or mount it); ``handle(method, url,
  params=, data=)`` -> ``EmulatorResponse`` is the same logic without ASGI.
- Device code control: ``approve(user_code, user=None)``, ``deny(user_code)``, ``pending()``;
  ``auto_approve_after=N`` approves as ``auto_approve_user`` (default: the tenant's first user)
  after N pending polls, which is how ``ms365mcp --sandbox --login`` completes offline.
  Over HTTP: ``POST /_sandbox/entra/approve`` with ``{"user_code": ..., "user": ...}``.
- Authorize: ``GET /{tenant}/oauth2/v2.0/authorize`` shows a consent page listing the users;
  adding ``sandbox_user=<upn>`` consents at once and redirects with ``?code=&state=`` (or, with
  ``response_mode=form_post``, answers with an auto-submitting form that POSTs them).
  ``authorization_code(user, client_id=, redirect_uri=, scopes=, code_challenge=, nonce=)``
  mints a code directly.
- ``issue_tokens(user, client_id, scopes, nonce=None)`` -> a token response dict;
  ``verify_access_token(token, audience=None)`` -> claims or None; ``user_for_access_token(token)``;
  ``revoke_refresh_tokens(user=None)``; ``grants`` lists the grant types served, for tests.

Tokens for Graph scopes carry ``aud=https://graph.microsoft.com``; a scope such as
``api://<app>/access_as_user`` yields a token for that API, which the On-Behalf-Of grant
(``urn:ietf:params:oauth:grant-type:jwt-bearer``) exchanges for a Graph token.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs

if TYPE_CHECKING:
    from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser

#: Where the emulator answers, as if it were login.microsoftonline.com (msal insists on https).
SANDBOX_AUTHORITY_URL = "https://login.sandbox.localhost"
#: The sandbox tenant's directory id.
SANDBOX_TENANT_ID = "5a1e2f3c-7e57-4a8e-9d1c-5a9db0c7e2a1"
#: The client id the sandbox uses when none is configured.
SANDBOX_CLIENT_ID = "5a1e2f3c-c11e-4a8e-9d1c-000000000001"
GRAPH_AUDIENCE = "https://graph.microsoft.com"

_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@attrs.frozen
class EmulatorResponse:
    """One answer of the emulator, independent of any HTTP stack."""

    status_code: int
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"sign-in emulator answered HTTP {self.status_code}")


def _json(status: int, payload: Mapping[str, Any], headers: dict[str, str] | None = None) -> EmulatorResponse:
    head = {"content-type": "application/json", "cache-control": "no-store"}
    head.update(headers or {})
    return EmulatorResponse(status, json.dumps(payload).encode(), head)


def _oauth_error(error: str, description: str, status: int = 400) -> EmulatorResponse:
    return _json(status, {"error": error, "error_description": description})


@attrs.define
class _DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    polls: int = 0
    user_id: str | None = None
    denied: bool = False
    redeemed: bool = False


@attrs.define
class _AuthCode:
    user_id: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str
    nonce: str | None
    expires_at: float


@attrs.define
class _Refresh:
    user_id: str
    client_id: str
    scopes: tuple[str, ...]


class EmulatorHttpClient:
    """A requests-like client for msal's ``http_client=``, answering from the emulator in-process."""

    def __init__(self, emulator: EntraEmulator) -> None:
        self._emulator = emulator

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> EmulatorResponse:
        return self._emulator.handle("GET", url, params=params)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> EmulatorResponse:
        return self._emulator.handle("POST", url, params=params, data=data)

    def close(self) -> None:
        """Nothing to release: no socket is ever opened."""


class EntraEmulator:
    """The sign-in side of the sandbox tenant; see the module docstring for the API."""

    def __init__(
        self,
        tenant: SandboxTenant,
        *,
        base_url: str = SANDBOX_AUTHORITY_URL,
        tenant_id: str = SANDBOX_TENANT_ID,
        access_token_lifetime: int = 3600,
        device_code_interval: int = 1,
        auto_approve_after: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tenant = tenant
        self.base_url = base_url.rstrip("/")
        self.tenant_id = tenant_id
        self.access_token_lifetime = access_token_lifetime
        self.device_code_interval = device_code_interval
        self.auto_approve_after = auto_approve_after
        self.auto_approve_user: str | None = None
        self.clock = clock
        self.grants: list[str] = []
        self._key_pair: Any = None
        self.kid = secrets.token_hex(8)
        self._device: dict[str, _DeviceCode] = {}
        self._codes: dict[str, _AuthCode] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._lock = threading.RLock()

    @property
    def _key(self) -> Any:
        """The signing key, generated on first use (start-up stays fast when nobody signs in)."""
        if self._key_pair is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            with self._lock:
                if self._key_pair is None:
                    self._key_pair = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._key_pair

    # -- metadata ------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/v2.0"

    def authority(self, tenant_segment: str = "organizations") -> str:
        """The authority URL for msal (pair it with ``instance_discovery=False``)."""
        return f"{self.base_url}/{tenant_segment}"

    def openid_configuration(self, tenant_segment: str = "organizations") -> dict[str, Any]:
        base = f"{self.base_url}/{tenant_segment}"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "grant_types_supported": ["authorization_code", "refresh_token", _DEVICE_GRANT, _OBO_GRANT],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "sandbox.localhost",
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        key = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid}
        key.update(n=_b64url_uint(numbers.n), e=_b64url_uint(numbers.e))
        return {"keys": [key]}

    def http_client(self) -> EmulatorHttpClient:
        return EmulatorHttpClient(self)

    # -- users ---------------------------------------------------------------------------
    def _user(self, key: str | None) -> SandboxUser:
        user = self.tenant.find_user(key) if key else self.tenant.me
        if user is None:
            raise KeyError(f"no sandbox user {key!r}")
        return user

    # -- device code control ---------------------------------------------------------------
    def approve(self, user_code: str, user: str | None = None) -> None:
        """The person at the verification page signs in as ``user`` (default: the first user)."""
        with self._lock:
            entry = self._find_user_code(user_code)
            entry.user_id = self._user(user or self.auto_approve_user).id

    def deny(self, user_code: str) -> None:
        with self._lock:
            self._find_user_code(user_code).denied = True

    def pending(self) -> list[str]:
        """User codes waiting for approval."""
        with self._lock:
            return [d.user_code for d in self._device.values() if d.user_id is None and not d.denied]

    def _find_user_code(self, user_code: str) -> _DeviceCode:
        for entry in self._device.values():
            if entry.user_code == user_code.strip().upper():
                return entry
        raise KeyError("unknown user code")

    # -- tokens ----------------------------------------------------------------------------
    def _sign(self, claims: dict[str, Any]) -> str:
        import jwt

        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def _audience(self, scopes: tuple[str, ...]) -> tuple[str, list[str]]:
        resource_scopes = [s for s in scopes if s not in _OIDC_SCOPES]
        for scope in resource_scopes:
            if "/" in scope and not scope.startswith(GRAPH_AUDIENCE):
                resource, _, name = scope.rpartition("/")
                return resource, [name]
        names = [s.rpartition("/")[2] if s.startswith(GRAPH_AUDIENCE) else s for s in resource_scopes]
        return GRAPH_AUDIENCE, [n for n in names if n != ".default"] or ["User.Read"]

    def issue_tokens(
        self, user: SandboxUser, client_id: str, scopes: tuple[str, ...], nonce: str | None = None
    ) -> dict[str, Any]:
        """A complete token response (access, refresh and ID token) for ``user``."""
        now = int(self.clock())
        audience, granted = self._audience(scopes)
        access = self._sign(
            {
                "aud": audience,
                "iss": self.issuer,
                "iat": now,
                "nbf": now,
                "exp": now + self.access_token_lifetime,
                "appid": client_id,
                "azp": client_id,
                "oid": user.id,
                "sub": user.id,
                "tid": self.tenant_id,
                "upn": user.userPrincipalName,
                "preferred_username": user.userPrincipalName,
                "name": user.displayName,
                "scp": " ".join(granted),
                "ver": "2.0",
                "uti": secrets.token_urlsafe(8),
            }
        )
        id_claims: dict[str, Any] = {
            "aud": client_id,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": user.id,
            "sub": user.id,
            "tid": self.tenant_id,
            "preferred_username": user.userPrincipalName,
            "name": user.displayName,
            "ver": "2.0",
        }
        if nonce:
            id_claims["nonce"] = nonce
        refresh = "sbx-rt." + secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[refresh] = _Refresh(user.id, client_id, scopes)
        client_info = _b64url(json.dumps({"uid": user.id, "utid": self.tenant_id}).encode())
        scope_out = " ".join(
            [*(f"{audience}/{g}" if audience != GRAPH_AUDIENCE else g for g in granted), "openid", "profile"]
            + (["offline_access"] if "offline_access" in scopes else [])
        )
        return {
            "token_type": "Bearer",
            "scope": scope_out,
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": self._sign(id_claims),
            "client_info": client_info,
        }

    def verify_access_token(self, token: str, audience: str | None = GRAPH_AUDIENCE) -> dict[str, Any] | None:
        """Claims of a token this emulator signed and that has not expired, else None."""
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.kid:
                return None
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("exp", 0) <= self.clock():
            return None
        if audience is not None and claims.get("aud") != audience:
            return None
        return claims

    def user_for_access_token(self, token: str, audience: str | None = GRAPH_AUDIENCE) -> SandboxUser | None:
        claims = self.verify_access_token(token, audience)
        return self.tenant.find_user(claims["oid"]) if claims else None

    def revoke_refresh_tokens(self, user: str | None = None) -> int:
        """Forget refresh tokens (all, or one user's); returns how many went."""
        with self._lock:
            target = self._user(user).id if user else None
            doomed = [k for k, v in self._refresh.items() if target is None or v.user_id == target]
            for key in doomed:
                del self._refresh[key]
            return len(doomed)

    def authorization_code(
        self,
        user: str | None,
        *,
        client_id: str,
        redirect_uri: str,
        scopes: tuple[str, ...] = (),
        code_challenge: str | None = None,
        code_challenge_method: str = "S256",
        nonce: str | None = None,
    ) -> str:
        """Mint a one-time authorization code, as if ``user`` had consented."""
        code = "sbx-ac." + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _AuthCode(
                self._user(user).id,
                client_id,
                redirect_uri,
                scopes,
                code_challenge,
                code_challenge_method,
                nonce,
                self.clock() + 600,
            )
        return code

    # -- request handling --------------------------------------------------------------------
    def handle(self, method: str, url: str, *, params: Any = None, data: Any = None) -> EmulatorResponse:
        """Serve one request: the whole emulator, without any HTTP stack."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.update(dict(params or {}))
        form = dict(parse_qsl(data)) if isinstance(data, str | bytes) else dict(data or {})
        if isinstance(data, bytes):
            form = dict(parse_qsl(data.decode()))
        form = {k: v for k, v in form.items() if v is not None}
        segments = [s for s in parts.path.split("/") if s]
        if method == "POST" and segments == ["_sandbox", "entra", "approve"]:
            return self._control_approve(form)
        if len(segments) < 2:
            return _oauth_error("invalid_request", "Unknown sign-in endpoint.", 404)
        tenant_segment, rest = segments[0], "/".join(segments[1:])
        if method == "GET" and rest == "v2.0/.well-known/openid-configuration":
            return _json(200, self.openid_configuration(tenant_segment))
        if method == "GET" and rest == "discovery/v2.0/keys":
            return _json(200, self.jwks())
        if method == "GET" and rest == "discovery/instance":
            endpoint = f"{self.base_url}/{tenant_segment}/v2.0/.well-known/openid-configuration"
            return _json(200, {"tenant_discovery_endpoint": endpoint, "metadata": []})
        if method == "POST" and rest == "oauth2/v2.0/devicecode":
            return self._device_code(form)
        if method == "POST" and rest == "oauth2/v2.0/token":
            return self._token(form)
        if method == "GET" and rest == "oauth2/v2.0/authorize":
            return self._authorize(query, tenant_segment)
        return _oauth_error("invalid_request", "Unknown sign-in endpoint.", 404)

    def _control_approve(self, form: dict[str, Any]) -> EmulatorResponse:
        try:
            self.approve(str(form.get("user_code", "")), form.get("user"))
        except KeyError as exc:
            return _oauth_error("invalid_request", str(exc.args[0]), 404)
        return _json(200, {"approved": True})

    def _device_code(self, form: dict[str, Any]) -> EmulatorResponse:
        client_id = form.get("client_id")
        if not client_id:
            return _oauth_error("invalid_request", "AADSTS900144: The request body must contain client_id.")
        scopes = tuple(str(form.get("scope", "")).split())
        user_code = "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ23456789") for _ in range(9))
        entry = _DeviceCode(
            device_code="sbx-dc." + secrets.token_urlsafe(24),
            user_code=user_code,
            client_id=client_id,
            scopes=scopes,
            expires_at=self.clock() + 900,
        )
        with self._lock:
            self._device[entry.device_code] = entry
        uri = f"{self.base_url}/devicelogin"
        return _json(
            200,
            {
                "device_code": entry.device_code,
                "user_code": user_code,
                "verification_uri": uri,
                "expires_in": 900,
                "interval": self.device_code_interval,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code}.",
            },
        )

    def _token(self, form: dict[str, Any]) -> EmulatorResponse:
        grant = str(form.get("grant_type", ""))
        self.grants.append(grant)
        client_id = str(form.get("client_id", ""))
        if not client_id:
            return _oauth_error("invalid_client", "AADSTS900144: The request body must contain client_id.", 401)
        if grant == _DEVICE_GRANT:
            return self._redeem_device_code(form, client_id)
        if grant == "refresh_token":
            return self._redeem_refresh(form, client_id)
        if grant == "authorization_code":
            return self._redeem_code(form, client_id)
        if grant == _OBO_GRANT:
            return self._on_behalf_of(form, client_id)
        return _oauth_error("unsupported_grant_type", f"AADSTS70003: grant type {grant!r} is not supported.")

    def _redeem_device_code(self, form: dict[str, Any], client_id: str) -> EmulatorResponse:
        with self._lock:
            entry = self._device.get(str(form.get("device_code", "")))
            if entry is None or entry.redeemed or entry.client_id != client_id:
                return _oauth_error("invalid_grant", "AADSTS70000: The device code is not valid.")
            if entry.expires_at <= self.clock():
                return _oauth_error("expired_token", "AADSTS70019: The device code has expired.")
            if entry.denied:
                return _oauth_error("authorization_declined", "AADSTS70016: The user declined the sign-in.")
            if entry.user_id is None:
                entry.polls += 1
                if self.auto_approve_after is not None and entry.polls > self.auto_approve_after:
                    entry.user_id = self._user(self.auto_approve_user).id
                else:
                    return _oauth_error("authorization_pending", "AADSTS70016: Waiting for the user to sign in.")
            entry.redeemed = True
            user = self._user(entry.user_id)
            scopes = entry.scopes
        return _json(200, self.issue_tokens(user, client_id, scopes))

    def _redeem_refresh(self, form: dict[str, Any], client_id: str) -> EmulatorResponse:
        with self._lock:
            entry = self._refresh.get(str(form.get("refresh_token", "")))
        if entry is None or entry.client_id != client_id:
            return _oauth_error("invalid_grant", "AADSTS700082: The refresh token is not valid or has expired.")
        scopes = tuple(str(form.get("scope", "")).split()) or entry.scopes
        return _json(200, self.issue_tokens(self._user(entry.user_id), client_id, scopes))

    def _redeem_code(self, form: dict[str, Any], client_id: str) -> EmulatorResponse:
        with self._lock:
            entry = self._codes.pop(str(form.get("code", "")), None)
        if entry is None or entry.client_id != client_id or entry.expires_at <= self.clock():
            return _oauth_error("invalid_grant", "AADSTS70008: The authorization code is not valid or has expired.")
        if form.get("redirect_uri") and form.get("redirect_uri") != entry.redirect_uri:
            return _oauth_error("invalid_grant", "AADSTS50148: redirect_uri does not match the authorization request.")
        if entry.code_challenge is not None:
            verifier = str(form.get("code_verifier", ""))
            if entry.code_challenge_method.upper() == "S256":
                computed = _b64url(hashlib.sha256(verifier.encode()).digest())
            else:
                computed = verifier
            if not verifier or not secrets.compare_digest(computed, entry.code_challenge):
                return _oauth_error("invalid_grant", "AADSTS501481: The code_verifier does not match the challenge.")
        scopes = tuple(str(form.get("scope", "")).split()) or entry.scopes
        return _json(200, self.issue_tokens(self._user(entry.user_id), client_id, scopes, nonce=entry.nonce))

    def _on_behalf_of(self, form: dict[str, Any], client_id: str) -> EmulatorResponse:
        if not form.get("client_secret") and not form.get("client_assertion"):
            return _oauth_error("invalid_client", "AADSTS7000218: On-Behalf-Of needs a client credential.", 401)
        claims = self.verify_access_token(str(form.get("assertion", "")), audience=None)
        if claims is None or claims.get("aud") == GRAPH_AUDIENCE:
            return _oauth_error("invalid_grant", "AADSTS50013: The assertion is not valid for this application.")
        if client_id not in str(claims.get("aud", "")):
            return _oauth_error("invalid_grant", "AADSTS50013: The assertion audience is another application.")
        if not claims.get("scp"):  # an ID token (or an app-only token) is no delegated assertion
            return _oauth_error("invalid_grant", "AADSTS50013: The assertion is not a delegated access token.")
        user = self.tenant.find_user(str(claims.get("oid", "")))
        if user is None:
            return _oauth_error("invalid_grant", "AADSTS50034: The user does not exist.")
        scopes = tuple(str(form.get("scope", "")).split()) or (f"{GRAPH_AUDIENCE}/.default",)
        return _json(200, self.issue_tokens(user, client_id, scopes))

    def _authorize(self, query: dict[str, str], tenant_segment: str) -> EmulatorResponse:
        client_id = query.get("client_id")
        redirect_uri = query.get("redirect_uri")
        if not client_id or not redirect_uri:
            return _html(400, "<p>client_id and redirect_uri are required.</p>")
        if query.get("response_type", "code") != "code":
            return _html(400, "<p>Only response_type=code is supported.</p>")
        chosen = query.get("sandbox_user")
        if chosen:
            if self.tenant.find_user(chosen) is None:
                return _html(400, "<p>Unknown sandbox user.</p>")
            code = self.authorization_code(
                chosen,
                client_id=client_id,
                redirect_uri=redirect_uri,
                scopes=tuple(query.get("scope", "").split()),
                code_challenge=query.get("code_challenge"),
                code_challenge_method=query.get("code_challenge_method", "plain"),
                nonce=query.get("nonce"),
            )
            answer = {"code": code}
            if "state" in query:
                answer["state"] = query["state"]
            if query.get("response_mode") == "form_post":  # an auto-submitting form, as Entra sends
                inputs = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in answer.items()
                )
                return _html(
                    200,
                    f'<!doctype html><body onload="document.forms[0].submit()"><form method="post" '
                    f'action="{html.escape(redirect_uri)}">{inputs}<noscript><button>Continue</button></noscript>'
                    "</form></body>",
                )
            separator = "&" if "?" in redirect_uri else "?"
            return EmulatorResponse(302, b"", {"location": f"{redirect_uri}{separator}{urlencode(answer)}"})
        base = f"{self.base_url}/{tenant_segment}/oauth2/v2.0/authorize"
        rows = []
        for user in self.tenant.users:
            link = f"{base}?{urlencode({**query, 'sandbox_user': user.userPrincipalName})}"
            rows.append(
                f'<li><a href="{html.escape(link)}">{html.escape(user.displayName)}</a> '
                f"({html.escape(user.userPrincipalName)})</li>"
            )
        scopes = html.escape(query.get("scope", ""))
        body = (
            "<!doctype html><title>Sandbox sign-in</title><h1>Sandbox sign-in</h1>"
            f"<p>An app is asking for: <code>{scopes}</code></p>"
            "<p>Choose who signs in (this is the offline demo tenant; no password is needed):</p>"
            f"<ul>{''.join(rows)}</ul>"
        )
        return _html(200, body)

    # -- ASGI ----------------------------------------------------------------------------------
    def app(self) -> Any:
        """The emulator as a Starlette app (for loopback serving or mounting in the HTTP mode)."""
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        async def endpoint(request: Request) -> Response:
            data: Any = None
            if request.method == "POST":
                raw = await request.body()
                if request.headers.get("content-type", "").startswith("application/json"):
                    data = json.loads(raw or b"{}")
                else:
                    data = raw
            answer = self.handle(request.method, str(request.url), data=data)
            return Response(answer.body, status_code=answer.status_code, headers=answer.headers)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


def _html(status: int, body: str) -> EmulatorResponse:
    return EmulatorResponse(status, body.encode(), {"content-type": "text/html; charset=utf-8"})
