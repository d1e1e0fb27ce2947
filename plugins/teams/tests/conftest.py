"""Fixtures for the teams plugin's tests: only this plugin is loaded, and each client gets a fresh tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pluggy
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
def pm() -> pluggy.PluginManager:
    return make_plugin_manager(only="teams")


@pytest.fixture
async def runtime(pm: pluggy.PluginManager, tmp_path: Path) -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path / "logs"), pm)
    yield rt
    await rt.aclose()


@pytest.fixture(params=["auto", "legacy"])
async def client(request: Any, runtime: Runtime) -> AsyncIterator[Any]:
    async with Client(build_server(runtime), mode=request.param) as c:
        yield c
