"""Fixtures for the calendar plugin's tests: a plugin manager with only this plugin, and an MCP client."""

from __future__ import annotations

from typing import Any

import ms365mcp_calendar.plugin
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
def calendar_pm() -> Any:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(ms365mcp_calendar.plugin, name="calendar")
    return pm


@pytest.fixture
async def runtime(calendar_pm: Any, tmp_path: Any) -> Any:
    rt = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), calendar_pm)
    yield rt
    await rt.aclose()


@pytest.fixture
async def client(runtime: Any) -> Any:
    async with Client(build_server(runtime)) as c:
        yield c
