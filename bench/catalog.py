"""Catalogue cost and speed, per preset: what every conversation pays for tools/list, and how fast we answer.

Measures, for each preset: tool count, compact tools/list bytes and o200k_base tokens (the JSON a client
receives), start-up time from spawning the stdio server to the first tools/list answer, and per-call latency
of a tool against the sandbox tenant served on a loopback port.

    uv run python bench/catalog.py              # all presets, prints a Markdown table
    uv run python bench/catalog.py --calls 50 --preset mail
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from ms365mcp import tokens
from ms365mcp.catalog.registry import collect
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.runtime import build_runtime
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import Settings

#: A cheap read per preset for the latency column.
PROBE_TOOLS = {
    "mail": ("list-mail-messages", {"top": 5}),
    "calendar": ("list-calendars", {}),
    "contacts": ("list-outlook-contacts", {"top": 5}),
    "files": ("list-drives", {}),
    "onedrive": ("list-drives", {}),
    "outlook": ("list-mail-folders", {}),
    "personal": ("list-mail-messages", {"top": 5}),
    "all": ("list-mail-messages", {"top": 5}),
    "excel": ("list-excel-worksheets", {"driveId": "b!adele-onedrive-0001", "driveItemId": "01ADELEBUDGET2025XLSX"}),
    "search": ("search-onedrive-files", {"driveId": "b!adele-onedrive-0001", "q": "budget"}),
    "work": ("list-shared-mailbox-messages", {"userId": "support@contoso.sandbox", "top": 5}),
    "tasks": ("list-todo-task-lists", {}),
    "onenote": ("list-onenote-notebooks", {}),
    "teams": ("list-joined-teams", {}),
    "teams-write": ("list-joined-teams", {}),
    "meetings": ("list-online-meetings", {"filter": "JoinWebUrl eq 'x'"}),
    "users": ("list-users", {"top": 5}),
    "sharepoint": ("search-sharepoint-sites", {"search": "marketing"}),
}


def wire_tools_list(preset: str) -> tuple[int, int, int]:
    """(tools, bytes, tokens) of the compact tools/list result for a preset, in org mode (every tool)."""
    runtime = build_runtime(Settings(presets=(preset,), org_mode=True, audit_log=False))
    server = build_server(runtime)

    async def listing() -> dict[str, Any]:
        async with Client(server) as client:
            result = await client.list_tools()
        await runtime.aclose()
        return result.model_dump(by_alias=True, exclude_none=True, mode="json")

    data = anyio.run(listing)
    text = tokens.compact({"tools": data["tools"]})
    return len(data["tools"]), len(text.encode()), tokens.count(text)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV", "SYSTEMROOT")}
    return {**keep, "MS365_MCP_AUDIT_LOG": "false", **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_loopback_sandbox() -> tuple[subprocess.Popen[str], str, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ms365mcp", "sandbox", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env=child_env({}),
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"MS365_MCP_OAUTH_TOKEN=(\S+)", line)
        if found:
            return proc, f"http://127.0.0.1:{port}", found.group(1)
    raise RuntimeError("the sandbox did not start")


async def startup_and_latency(preset: str, graph_url: str, token: str, calls: int) -> tuple[float, list[float]]:
    env = child_env({"MS365_MCP_GRAPH_URL": graph_url, "MS365_MCP_OAUTH_TOKEN": token})
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--preset", preset, "--org-mode"], env=env
    )
    started = time.perf_counter()
    async with Client(params) as client:
        await client.list_tools()
        startup = time.perf_counter() - started
        tool, args = PROBE_TOOLS.get(preset, ("list-mail-messages", {"top": 5}))
        latencies = []
        names = {t.name for t in (await client.list_tools()).tools}
        if tool in names:
            for _ in range(calls):
                t0 = time.perf_counter()
                result = await client.call_tool(tool, args)
                latencies.append((time.perf_counter() - t0) * 1000)
                if result.is_error:
                    raise RuntimeError(f"{tool} failed: {result.content[0].text}")
    return startup, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", action="append", help="preset(s) to measure (default: all registered)")
    parser.add_argument("--calls", type=int, default=30, help="tool calls per preset for the latency column")
    ns = parser.parse_args()
    presets = ns.preset or list(collect(make_plugin_manager()).presets)
    unit = "o200k_base" if tokens.exact() else "estimated (install ms365mcp[tokens])"
    proc, graph_url, token = start_loopback_sandbox()
    try:
        print(f"tokens: {unit}; latency: {ns.calls} calls of the probe tool over stdio against the loopback sandbox\n")
        print(
            "| preset | tools | tools/list bytes | tokens | tokens/tool | start-up to tools/list "
            "| call p50 | call p95 |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for preset in presets:
            count, size, toks = wire_tools_list(preset)
            startup, lat = anyio.run(startup_and_latency, preset, graph_url, token, ns.calls)
            p50 = f"{statistics.median(lat):.1f} ms" if lat else "-"
            p95 = f"{statistics.quantiles(lat, n=20)[18]:.1f} ms" if len(lat) >= 20 else "-"
            print(
                f"| {preset} | {count} | {size:,} | {toks:,} | {toks / max(count, 1):.0f} | {startup * 1000:.0f} ms "
                f"| {p50} | {p95} |",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
