"""Serve MCP over stdio: stdout carries only JSON-RPC; logs and audit go to stderr."""

from __future__ import annotations

from mcp.server.stdio import stdio_server

from ms365mcp.runtime import Runtime
from ms365mcp.server.mcp import build_server


async def serve_stdio(runtime: Runtime) -> None:
    server = build_server(runtime)
    try:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await runtime.aclose()
