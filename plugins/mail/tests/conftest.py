"""Fixtures for the mail plugin's tests: only this plugin is loaded, and each test gets a fresh tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pluggy
import pytest

from ms365mcp.plugins import make_plugin_manager
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant

#: A fixed clock for the seed, so dates in assertions don't depend on when the tests run.
SEED_NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pm() -> pluggy.PluginManager:
    return make_plugin_manager(only="mail", builtins=False)


@pytest.fixture
def tenant() -> SandboxTenant:
    from ms365mcp_mail import sandbox

    tenant = SandboxTenant()
    sandbox.setup(tenant, now=SEED_NOW)
    return tenant


@pytest.fixture
async def graph(tenant: SandboxTenant) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the sandbox in-process, signed in as the default user (Adele)."""
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL + "/v1.0", headers=headers) as c:
        yield c
