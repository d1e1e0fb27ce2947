"""The Entra ID side of the facade: endpoints, token requests, and Entra errors as OAuth errors."""

from __future__ import annotations

import logging
from typing import Any

import attrs
import httpx

from ms365mcp.settings import CLOUDS, Settings, SettingsError

log = logging.getLogger("ms365mcp.auth.facade")

OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Entra errors that mean "this grant (code, refresh token, assertion) is no good": the client restarts sign-in.
_GRANT_ERRORS = {"invalid_grant", "interaction_required", "consent_required", "login_required", "expired_token"}


@attrs.frozen
class EntraConfig:
    """Where Entra lives for this server and how the server identifies itself to it."""

    authority: str
    """``https://login.microsoftonline.com/<tenant>`` (or the sandbox emulator's equivalent)."""
    client_id: str
    client_secret: str | None = attrs.field(default=None, repr=False)
    graph_resource: str = CLOUDS["global"]["graph"]
    issuer_base: str = CLOUDS["global"]["authority"]
    v1_issuers: bool = True

    @property
    def authorize_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.authority}/discovery/v2.0/keys"

    @property
    def api_scope(self) -> str:
        """The delegated scope clients request for this server's own API under --obo."""
        return f"api://{self.client_id}/access_as_user"

    def issuers(self, tenant_id: str) -> set[str]:
        found = {f"{self.issuer_base}/{tenant_id}/v2.0"}
        if self.v1_issuers:
            found.add(f"https://sts.windows.net/{tenant_id}/")
        return found

    @classmethod
    def from_settings(cls, settings: Settings) -> EntraConfig:
        if not settings.client_id:
            raise SettingsError(
                "HTTP mode signs users in through your Entra app registration: set MS365_MCP_CLIENT_ID "
                "(and MS365_MCP_CLIENT_SECRET for a confidential app), or use --trust-proxy-auth"
            )
        authority = CLOUDS[settings.cloud]["authority"]
        return cls(
            authority=f"{authority}/{settings.tenant_id}",
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            graph_resource=CLOUDS[settings.cloud]["graph"],
            issuer_base=authority,
            v1_issuers=settings.cloud == "global",
        )


class UpstreamError(Exception):
    """Entra refused or could not be reached; already mapped to an OAuth error for our client."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _short_description(text: object) -> str:
    """Entra's first line (the AADSTS code and sentence), without trace and correlation ids."""
    first = str(text or "").replace("\r", "\n").split("\n", 1)[0]
    first = first.split(" Trace ID:", 1)[0].strip()
    return first[:300] or "The identity provider refused the request."


def map_entra_error(status: int, body: Any) -> UpstreamError:
    """Entra's answer as the OAuth error our client can act on (never a 500)."""
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    description = _short_description(body.get("error_description") if isinstance(body, dict) else "")
    if error in _GRANT_ERRORS:
        return UpstreamError(400, "invalid_grant", description)
    if error == "invalid_scope":
        return UpstreamError(400, "invalid_scope", description)
    if error in ("invalid_client", "unauthorized_client"):
        log.error("Entra rejected this server's app credentials (%s); check the app registration", error)
        return UpstreamError(
            503, "temporarily_unavailable", "The identity provider rejected this server's app registration."
        )
    if status >= 500 or not error:
        return UpstreamError(503, "temporarily_unavailable", "The identity provider is unavailable; try again.")
    return UpstreamError(400, "invalid_grant", description)


class EntraClient:
    """Token-endpoint calls to Entra over one shared async client."""

    def __init__(self, config: EntraConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http

    async def token(self, form: dict[str, str], *, with_secret: bool = True) -> dict[str, Any]:
        data = {"client_id": self.config.client_id, **form}
        if with_secret and self.config.client_secret:
            data["client_secret"] = self.config.client_secret
        try:
            response = await self.http.post(self.config.token_url, data=data, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            log.warning("Entra token endpoint unreachable (%s)", type(exc).__name__)
            raise UpstreamError(503, "temporarily_unavailable", "The identity provider is unreachable.") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict) or "access_token" not in body:
            raise map_entra_error(response.status_code, body)
        return body
