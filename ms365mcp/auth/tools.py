"""The six auth tools (login, verify-login, logout, list-accounts, select-account, remove-account).

They are ordinary ToolSpecs with handlers, registered by this built-in plugin. The runtime
always offers them in stdio, and in HTTP mode only with ``--enable-auth-tools``
(:func:`apply_auth_tool_policy`); filters such as ``--preset`` never hide them, because
without them nobody could sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from ms365mcp import ToolSpec, hookimpl
from ms365mcp.errors import ToolError

if TYPE_CHECKING:
    from ms365mcp.auth.local import LocalAuth
    from ms365mcp.catalog.registry import Catalog
    from ms365mcp.catalog.selection import Selection
    from ms365mcp.executor import ToolCall
    from ms365mcp.settings import Settings

PLUGIN_NAME = "ms365mcp.auth.tools"
AUTH_TOOLS = ("login", "verify-login", "logout", "list-accounts", "select-account", "remove-account")
_ACCOUNT_ID = {"accountId": {"type": "string", "required": True}}


def _local(call: ToolCall) -> LocalAuth:
    local = getattr(call.runtime, "local_auth", None)
    if local is None:
        raise ToolError(
            "Local sign-in is not used by this server: it takes its token from MS365_MCP_OAUTH_TOKEN or from "
            "each HTTP request.",
            code="local_auth_unavailable",
        )
    return local


async def _in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """MSAL and the cache providers block; keep them off the event loop, and turn failures into ToolErrors."""
    from ms365mcp.auth.local import LocalAuthError

    try:
        return await anyio.to_thread.run_sync(func, *args)
    except LocalAuthError as exc:
        raise ToolError(str(exc), code=type(exc).__name__) from None


async def login(call: ToolCall) -> dict[str, Any]:
    local = _local(call)
    if not call.args.get("force"):
        accounts = await _in_thread(local.accounts)
        if accounts:
            chosen = next((a for a in accounts if a.selected), accounts[0])
            return {
                "status": "already_signed_in",
                "account": chosen.as_dict(),
                "message": "Already signed in; pass force=true to sign in with another account.",
            }
    pending = await _in_thread(local.begin_login)
    message = (
        f"Open {pending.verification_uri} and enter the code {pending.user_code}, then call verify-login. "
        + local.login_hint
    ).strip()
    return {
        "status": "device_code_required",
        "verificationUri": pending.verification_uri,
        "userCode": pending.user_code,
        "message": message,
    }


async def verify_login(call: ToolCall) -> dict[str, Any]:
    local = getattr(call.runtime, "local_auth", None)
    pending = local.pending if local is not None else None
    if pending is not None and pending.state == "pending":
        return {
            "success": False,
            "status": "pending",
            "message": f"Waiting for sign-in: open {pending.verification_uri} and enter the code {pending.user_code}.",
        }
    if pending is not None and pending.state == "failed":
        local.pending = None  # type: ignore[union-attr]
        raise ToolError(pending.error or "The sign-in failed.", code="login_failed")
    from ms365mcp.graph.request import GraphRequest

    just_signed_in = pending.account if pending is not None and pending.state == "done" else None
    if just_signed_in is not None and local is not None:  # check the account that just signed in, not the default
        call = attrs.evolve(call, identity=local.identity(just_signed_in.id, user=just_signed_in.username))
    data = await call.send(GraphRequest("GET", "/me", params=(("$select", "displayName,userPrincipalName"),)))
    if data.status_code >= 400:
        raise ToolError(
            f"Signed in, but Graph refused /me (HTTP {data.status_code}); sign in again.", code="verify_failed"
        )
    me = data.json()
    result: dict[str, Any] = {
        "success": True,
        "message": "Signed in.",
        "userData": {"displayName": me.get("displayName"), "userPrincipalName": me.get("userPrincipalName")},
    }
    if just_signed_in is not None:
        result["account"] = just_signed_in.as_dict()
    return result


async def logout(call: ToolCall) -> dict[str, Any]:
    await _in_thread(_local(call).logout)
    return {"message": "Logged out successfully"}


async def list_accounts(call: ToolCall) -> dict[str, Any]:
    local = _local(call)
    accounts = await _in_thread(local.accounts)
    listing: dict[str, Any] = {"accounts": [a.as_dict() for a in accounts]}
    if local.store.unreadable:
        listing["warning"] = local.unreadable_message()
    return listing


async def select_account(call: ToolCall) -> dict[str, Any]:
    account = await _in_thread(_local(call).select, call.args["accountId"])
    return {"message": f"Selected {account.username}.", "account": account.as_dict()}


async def remove_account(call: ToolCall) -> dict[str, Any]:
    account = await _in_thread(_local(call).remove, call.args["accountId"])
    return {"message": f"Removed {account.username}.", "account": account.as_dict()}


SPECS = (
    ToolSpec(
        "login",
        "POST",
        "/auth/login",
        "Start signing in to Microsoft 365: returns a URL and a code for the person; then call verify-login.",
        params={"force": {"type": "boolean"}},
        handler=login,
    ),
    ToolSpec(
        "verify-login", "GET", "/auth/verify", "Check the sign-in and show who is signed in.", handler=verify_login
    ),
    ToolSpec("logout", "POST", "/auth/logout", "Sign out every account and delete the token cache.", handler=logout),
    ToolSpec("list-accounts", "GET", "/auth/accounts", "List the signed-in accounts.", handler=list_accounts),
    ToolSpec(
        "select-account",
        "POST",
        "/auth/select",
        "Make an account (username or id from list-accounts) the default.",
        params=_ACCOUNT_ID,
        handler=select_account,
    ),
    ToolSpec(
        "remove-account",
        "POST",
        "/auth/remove",
        "Sign out one account (username or id from list-accounts).",
        params=_ACCOUNT_ID,
        handler=remove_account,
    ),
)


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    for spec in SPECS:
        register(spec)


@hookimpl(trylast=True)
def sandbox_setup(tenant: Any) -> None:
    """verify-login and --login read ``/me``; serve it unless a workload plugin already does."""
    if any(method == "GET" and path == "/me" for method, path, _ in getattr(tenant, "_routes", ())):
        return

    @tenant.route("GET", "/me")
    async def me(req: Any) -> dict[str, Any]:
        user = req.user.as_graph()
        fields = [f.strip() for f in req.query.get("$select", "").split(",") if f.strip()]
        return {k: v for k, v in user.items() if not fields or k in fields or k == "id"}


def auth_tools_enabled(settings: Settings) -> bool:
    """stdio always; HTTP only when ``--enable-auth-tools`` asks for them."""
    return settings.transport == "stdio" or settings.enable_auth_tools


def apply_auth_tool_policy(catalog: Catalog, selection: Selection, settings: Settings) -> Selection:
    """Add the auth tools when they are wanted, remove them when not.

    Presets, read-only, org mode and the scope allow-list never hide them (nobody could sign in
    otherwise); an explicit ``--enabled-tools`` regex does, since it names exactly what to offer.
    """
    from ms365mcp.catalog.selection import compile_tool_filter

    tools = {n: t for n, t in selection.tools.items() if t.plugin != PLUGIN_NAME}
    if auth_tools_enabled(settings):
        regex = compile_tool_filter(settings.enabled_tools)
        tools.update(
            {n: t for n, t in catalog.tools.items() if t.plugin == PLUGIN_NAME and (regex is None or regex.search(n))}
        )
    return attrs.evolve(selection, tools=tools)
