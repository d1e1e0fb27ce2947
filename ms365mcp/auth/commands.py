"""The account commands of the CLI: --login, --verify-login, --logout, --list-accounts,
--select-account ID, --remove-account ID.

Each prints one JSON document on stdout and exits (0 on success, 1 on failure); the sign-in
instructions go to stderr. Pins apply to everything but ``--logout``, and ``--login`` runs even
when the pinned account is not cached yet (that is how one fixes it).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ms365mcp.auth.local import LocalAuth
    from ms365mcp.identity import Identity
    from ms365mcp.settings import Settings

_COMMANDS = ("login", "verify_login", "logout", "list_accounts", "select_account", "remove_account")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sign-in (local accounts)")
    group.add_argument("--login", action="store_true", help="sign in (device code), print the account and exit")
    group.add_argument(
        "--auth-browser", action="store_true", default=None, help="with --login: use the browser instead of a code"
    )
    group.add_argument("--verify-login", action="store_true", help="check the sign-in against Graph and exit")
    group.add_argument("--logout", action="store_true", help="forget every account and delete the token cache")
    group.add_argument("--list-accounts", action="store_true", help="print the signed-in accounts as JSON")
    group.add_argument("--select-account", metavar="ID", help="make an account (username or id) the default")
    group.add_argument("--remove-account", metavar="ID", help="sign out one account (username or id)")
    group.add_argument(
        "--expected-username", metavar="USER", help="pin the server to this account (MS365_MCP_EXPECTED_USERNAME)"
    )
    group.add_argument(
        "--expected-home-account-id",
        metavar="ID",
        help="pin the server to this home account id (MS365_MCP_EXPECTED_HOME_ACCOUNT_ID)",
    )


def setting_overrides(ns: argparse.Namespace) -> dict[str, Any]:
    return {
        "auth_browser": getattr(ns, "auth_browser", None),
        "expected_username": getattr(ns, "expected_username", None),
        "expected_home_account_id": getattr(ns, "expected_home_account_id", None),
    }


def requested(ns: argparse.Namespace) -> bool:
    return any(getattr(ns, name, None) not in (None, False) for name in _COMMANDS)


def _print(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def build_local_auth(settings: Settings, pm: Any = None) -> tuple[LocalAuth, Any, Any]:
    """LocalAuth for a command (no start-up pin check), the Graph transport, and the sandbox tenant."""
    from ms365mcp.auth.local import LocalAuth
    from ms365mcp.catalog.registry import collect
    from ms365mcp.catalog.selection import effective_permissions, select
    from ms365mcp.plugins import make_plugin_manager

    pm = pm or make_plugin_manager()
    permissions = effective_permissions(select(collect(pm), settings), settings)
    if settings.sandbox:
        from ms365mcp.sandbox.tenant import SandboxTransport, build_tenant

        tenant = build_tenant(pm)
        return LocalAuth.for_sandbox(settings, tenant, permissions), SandboxTransport(tenant.app()), tenant
    return LocalAuth.from_settings(settings, pm, permissions), None, None


SANDBOX_NOTE = (
    "Sandbox: sign-ins live in memory and end with this command; nothing is written to disk, so each "
    "`ms365mcp --sandbox ...` command starts with no accounts (and tools act as the demo user until someone "
    "signs in). Try the account tools inside one server run (`ms365mcp --sandbox`), or drop --sandbox to sign in "
    "for real."
)


async def _me(settings: Settings, identity: Identity, transport: Any, pm: Any = None) -> dict[str, Any]:
    import attrs

    from ms365mcp.graph.client import GraphClient
    from ms365mcp.graph.request import GraphRequest
    from ms365mcp.plugins import make_plugin_manager

    if settings.sandbox:
        from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL

        settings = attrs.evolve(settings, graph_url=SANDBOX_GRAPH_URL)
    graph = GraphClient(settings, pm or make_plugin_manager(), base_transport=transport)
    try:
        request = GraphRequest("GET", "/me", params=(("$select", "displayName,userPrincipalName"),))
        response = await graph.send(request, identity)
    finally:
        await graph.aclose()
    if response.status_code >= 400:
        return {"success": False, "message": f"Graph refused /me (HTTP {response.status_code}); sign in again."}
    me = response.json()
    return {
        "success": True,
        "message": "Signed in.",
        "userData": {"displayName": me.get("displayName"), "userPrincipalName": me.get("userPrincipalName")},
    }


def _verify_identity(local: LocalAuth, tenant: Any) -> Identity:
    """Who --verify-login checks: the signed-in account, or in a sandbox nobody signed in to, its demo user."""
    if tenant is None or local.accounts():
        return local.identity()
    from ms365mcp.identity import static_token_identity

    return static_token_identity(tenant.issue_token(), user=tenant.me.userPrincipalName)


def run(
    ns: argparse.Namespace,
    settings: Settings,
    *,
    local: LocalAuth | None = None,
    transport: Any = None,
    tenant: Any = None,
) -> int:
    """Run the requested account command; ``local``, ``transport`` and ``tenant`` let tests inject them."""
    import anyio

    from ms365mcp.auth.local import LocalAuthError
    from ms365mcp.identity import NotSignedIn

    if local is None:
        local, transport, tenant = build_local_auth(settings)

    def emit(data: dict[str, Any]) -> None:
        if local.store.unreadable and data.get("error") != local.unreadable_message():
            data = {**data, "warning": local.unreadable_message()}
        if settings.sandbox:
            data = {**data, "note": SANDBOX_NOTE}
        _print(data)

    try:
        if ns.logout:
            local.logout()
            emit({"message": "Logged out successfully"})
            return 0
        if ns.list_accounts:
            emit({"accounts": [a.as_dict() for a in local.accounts()]})
            return 0
        if ns.select_account is not None:
            account = local.select(ns.select_account)
            emit({"message": f"Selected {account.username}.", "account": account.as_dict()})
            return 0
        if ns.remove_account is not None:
            account = local.remove(ns.remove_account)
            emit({"message": f"Removed {account.username}.", "account": account.as_dict()})
            return 0
        if ns.login:
            account = local.login_browser(_say) if settings.auth_browser else local.login_device_code(_say)
            _say(f"Signed in as {account.username}.")
            result = anyio.run(_me, settings, local.identity(account.id), transport)
            emit({**result, "account": account.as_dict()})
            return 0 if result["success"] else 1
        signed_in = bool(local.accounts()) if settings.sandbox else True
        result = anyio.run(_me, settings, _verify_identity(local, tenant), transport)  # --verify-login
        if result["success"] and not signed_in:
            result["message"] = "Nobody is signed in to the sandbox, and none is needed: tools act as its demo user."
        emit(result)
        return 0 if result["success"] else 1
    except (LocalAuthError, NotSignedIn) as exc:
        emit({"error": str(exc)})
        return 1
