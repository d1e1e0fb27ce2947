"""Everything built once at start-up and shared by every call: catalogue, validators, Graph client, audit."""

from __future__ import annotations

import logging
from typing import Any

import attrs
import httpx
import pluggy

from ms365mcp.catalog.registry import Catalog, collect
from ms365mcp.catalog.schema import tool_definition
from ms365mcp.catalog.selection import Selection, select
from ms365mcp.catalog.spec import ToolSpec
from ms365mcp.graph.client import GraphClient
from ms365mcp.identity import Identity, static_token_identity
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.settings import Settings
from ms365mcp.validation import ArgumentValidator

log = logging.getLogger("ms365mcp")


@attrs.define
class Runtime:
    """The server's shared state; it holds no user's token except the process's own identity in stdio."""

    settings: Settings
    pm: pluggy.PluginManager
    catalog: Catalog
    selection: Selection
    graph: GraphClient
    audit: Any
    tool_definitions: list[dict[str, Any]]
    validators: dict[str, ArgumentValidator]
    default_identity: Identity | None = None
    sandbox: Any = None
    local_auth: Any = None
    """ms365mcp.auth.local.LocalAuth when this process uses the local token cache."""
    account_names: tuple[str, ...] = ()
    """Usernames of the cached accounts when several are signed in (they get an ``account`` argument)."""

    @property
    def tools(self) -> dict[str, ToolSpec]:
        return self.selection.tools

    async def aclose(self) -> None:
        await self.graph.aclose()
        self.audit.close()


def build_runtime(
    settings: Settings,
    pm: pluggy.PluginManager | None = None,
    *,
    base_transport: httpx.AsyncBaseTransport | None = None,
) -> Runtime:
    """Collect plugins, choose tools, build schemas and validators once, and wire the Graph client."""
    from ms365mcp.audit import AuditLog

    pm = pm or make_plugin_manager()
    catalog = collect(pm)
    selection = select(catalog, settings)
    for warning in selection.warnings:
        log.warning(warning)
    from ms365mcp.auth.tools import PLUGIN_NAME as AUTH_TOOLS_PLUGIN
    from ms365mcp.auth.tools import apply_auth_tool_policy

    selection = apply_auth_tool_policy(catalog, selection, settings)

    sandbox = None
    identity: Identity | None = None
    if settings.sandbox:
        from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTransport, build_tenant

        sandbox = build_tenant(pm)
        base_transport = base_transport or SandboxTransport(sandbox.app())
        settings = attrs.evolve(settings, graph_url=SANDBOX_GRAPH_URL)
        token = sandbox.issue_token()
        identity = static_token_identity(token, user=sandbox.me.userPrincipalName)
        identity = attrs.evolve(identity, tenant="sandbox")
    elif settings.oauth_token:
        identity = static_token_identity(settings.oauth_token)

    from ms365mcp.auth import setup_local_auth

    local = setup_local_auth(settings, pm, selection, sandbox=sandbox, identity=identity)
    identity = local.identity
    names = local.account_names  # several cached accounts: every tool but the auth tools takes `account`
    definitions = [
        tool_definition(spec, account_param=bool(names) and spec.plugin != AUTH_TOOLS_PLUGIN)
        for spec in selection.tools.values()
    ]
    validators = {d["name"]: ArgumentValidator(d["inputSchema"]) for d in definitions}

    graph = GraphClient(settings, pm, base_transport=base_transport)
    return Runtime(
        settings=settings,
        pm=pm,
        catalog=catalog,
        selection=selection,
        graph=graph,
        audit=AuditLog.from_plugin_manager(pm, settings),
        tool_definitions=definitions,
        validators=validators,
        default_identity=identity,
        sandbox=sandbox,
        local_auth=local.local_auth,
        account_names=names,
    )
