"""``ms365mcp sandbox --port N``: the sandbox tenant on a loopback port, for other programs."""

from __future__ import annotations

import sys

import anyio

from ms365mcp.plugins import make_plugin_manager
from ms365mcp.sandbox.tenant import build_tenant


async def serve_sandbox(port: int, host: str = "127.0.0.1") -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    tenant = build_tenant(make_plugin_manager())
    token = tenant.issue_token()
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.loglevel = "WARNING"
    sys.stderr.write(
        f"Sandbox tenant for {tenant.me.userPrincipalName} on http://{host}:{port}\n"
        f"  MS365_MCP_GRAPH_URL=http://{host}:{port} MS365_MCP_OAUTH_TOKEN={token} ms365mcp ...\n"
    )
    stop = anyio.Event()
    await serve(tenant.app(), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
