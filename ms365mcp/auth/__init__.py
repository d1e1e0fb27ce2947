"""Identity sources of the server: local MSAL sign-in, its token cache providers, secrets.

:func:`setup_local_auth` is what the runtime calls: it decides whether this process uses the
local token cache at all (stdio, ``--trust-proxy-auth``, or HTTP with ``--enable-auth-tools``),
builds :class:`ms365mcp.auth.local.LocalAuth`, enforces the account pins at start-up and tells
whether tools need the ``account`` argument. Nothing here imports ``msal`` until a sign-in or a
token is actually needed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ms365mcp.auth.local import LocalAuth
    from ms365mcp.catalog.selection import Selection
    from ms365mcp.identity import Identity
    from ms365mcp.settings import Settings

log = logging.getLogger("ms365mcp.auth")

__all__ = ["LocalSetup", "sandbox_identity", "setup_local_auth"]


@attrs.frozen
class LocalSetup:
    """What local sign-in contributes to the runtime."""

    local_auth: LocalAuth | None = None
    identity: Identity | None = None
    account_names: tuple[str, ...] = ()
    """Usernames offered by the ``account`` argument; empty when it is off (one account, pinned, BYOT)."""


def _pinned(settings: Settings) -> bool:
    return bool(settings.expected_username or settings.expected_home_account_id)


def sandbox_identity(static: Identity, local: LocalAuth) -> Identity:
    """The sandbox's demo identity, until someone signs in through the emulator; then that account."""

    def for_account(account: str | None) -> Identity:
        if account is None and not (local.started and local.accounts()):
            return static
        return local.identity(account)

    return attrs.evolve(static, for_account=for_account)


def setup_local_auth(
    settings: Settings,
    pm: Any,
    selection: Selection,
    *,
    sandbox: Any = None,
    identity: Identity | None = None,
) -> LocalSetup:
    """Build local sign-in when this process uses it; ``identity`` is the one chosen so far."""
    from ms365mcp.auth.local import LocalAuth, LocalAuthError
    from ms365mcp.auth.tools import auth_tools_enabled
    from ms365mcp.catalog.selection import effective_permissions

    permissions = effective_permissions(selection, settings)
    if sandbox is not None:
        if not auth_tools_enabled(settings) or identity is None:
            return LocalSetup(None, identity)
        local = LocalAuth.for_sandbox(settings, sandbox, permissions)
        return LocalSetup(local, sandbox_identity(identity, local))
    uses_cache = settings.transport == "stdio" or settings.trust_proxy_auth
    if settings.oauth_token or not uses_cache:
        if _pinned(settings):
            log.warning(
                "account pins only apply to the local token cache (and the auth tools); requests in this mode "
                "use their own token, whoever it belongs to"
            )
        if settings.oauth_token or not settings.enable_auth_tools:
            return LocalSetup(None, identity)
        return LocalSetup(LocalAuth.from_settings(settings, pm, permissions), identity)
    local = LocalAuth.from_settings(settings, pm, permissions)
    local.check_pins()
    try:
        accounts = local.accounts()
    except LocalAuthError as exc:
        log.warning("%s", exc)
        accounts = []
    names = tuple(a.username for a in accounts) if len(accounts) > 1 and not _pinned(settings) else ()
    user = None
    user = accounts[0].username if len(accounts) == 1 else next((a.username for a in accounts if a.selected), None)
    return LocalSetup(local, local.identity(user=user), names)
