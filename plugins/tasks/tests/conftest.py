"""Fixtures for the tasks plugin's tests: a plugin manager with only this plugin, and an MCP client."""

from __future__ import annotations

from typing import Any

import ms365mcp_tasks.plugin
import pytest
from mcp import Client

from ms365mcp.plugins import make_plugin_manager
from ms365mcp.runtime import build_runtime
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import Settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def tasks_pm() -> Any:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(ms365mcp_tasks.plugin, name="tasks")
    return pm


@pytest.fixture(params=["auto", "legacy"])
async def client(request: Any, tasks_pm: Any, tmp_path: Any) -> Any:
    runtime = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), tasks_pm)
    async with Client(build_server(runtime), mode=request.param) as c:
        yield c
    await runtime.aclose()
