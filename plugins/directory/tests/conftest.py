"""Fixtures for the directory plugin's tests: a plugin manager with only this plugin, and an MCP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import ms365mcp_directory.plugin
import pytest
from mcp import Client

from ms365mcp.plugins import make_plugin_manager
from ms365mcp.runtime import Runtime, build_runtime
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import Settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def directory_pm() -> Any:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(ms365mcp_directory.plugin, name="directory")
    return pm


@pytest.fixture
async def runtime(directory_pm: Any, tmp_path: Any) -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), directory_pm)
    yield rt
    await rt.aclose()


@pytest.fixture(params=["auto", "legacy"])
async def client(request: Any, runtime: Runtime) -> AsyncIterator[Any]:
    async with Client(build_server(runtime), mode=request.param) as c:
        yield c
