"""Who a tool call acts for: the per-request identity, carried in a contextvar.

Nothing global holds a user's token. stdio sets one identity for the process; HTTP mode
sets one per request (its bearer, or an On-Behalf-Of exchange of it).
"""

from __future__ import annotations

import base64
import contextvars
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs


class NotSignedIn(Exception):
    """No identity is available; the message says how to sign in."""


NOT_SIGNED_IN_MESSAGE = (
    "Not signed in to Microsoft 365. Set MS365_MCP_OAUTH_TOKEN to a Graph access token, "
    "run `ms365mcp --login` to sign in, or start with --sandbox to try the offline demo tenant."
)


@attrs.frozen
class Identity:
    """The caller of one tool call."""

    get_token: Callable[[], Awaitable[str]] = attrs.field(repr=False)
    """Returns a Graph access token (refreshing it if the source can)."""
    user: str = "unverified"
    """User principal name for the audit log, or ``unverified`` when nothing proved it."""
    tenant: str = "unknown"
    """Tenant id, which keys the circuit breaker together with the Graph host."""
    for_account: Callable[[str | None], Identity] | None = attrs.field(default=None, repr=False, eq=False)
    """Local sign-in only: the identity for a tool call's ``account`` argument (None = the default)."""


CURRENT_IDENTITY: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("ms365mcp_identity", default=None)


def jwt_claims_unverified(token: str) -> dict[str, Any]:
    """Claims of a JWT without checking its signature: only for keying, never for trust."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def static_token_identity(token: str, *, user: str = "unverified") -> Identity:
    """A bring-your-own token (MS365_MCP_OAUTH_TOKEN): used as given, never refreshed."""

    async def get_token() -> str:
        return token

    tenant = str(jwt_claims_unverified(token).get("tid") or "unknown")
    return Identity(get_token=get_token, user=user, tenant=tenant)


def current_identity() -> Identity:
    """The identity of the running tool call, or NotSignedIn."""
    identity = CURRENT_IDENTITY.get()
    if identity is None:
        raise NotSignedIn(NOT_SIGNED_IN_MESSAGE)
    return identity
