"""HTTP mode under load: N concurrent clients making tool calls against ``--sandbox --http`` on loopback.

The server runs in a child process (as in production: its own interpreter and event loop), serving
the sandbox tenant; the clients here POST stateless JSON-RPC ``tools/call`` requests with a bearer the
sandbox Graph accepts, alternating the two protocol generations. Bounded: loopback only, a fixed
duration, rate limits off in the child. Reports throughput and p50/p90/p99 latency, and writes them
to bench/results/http_load.json (and .md).

    uv run python bench/http_load.py                    # 32 clients, 30 s
    uv run python bench/http_load.py --clients 8 --duration 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx

TOOLS: dict[str, dict[str, Any]] = {
    "list-mail-messages": {"top": 5},  # a realistic read (the sandbox renders every message body per call)
    "list-mail-folders": {},  # a cheap read: mostly the cost of the HTTP and MCP layers
}
TOOL = ("list-mail-messages", TOOLS["list-mail-messages"])
RESULTS = Path(__file__).with_name("results")


@attrs.define
class LoadStats:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = attrs.field(factory=list)
    error_samples: list[str] = attrs.field(factory=list)
    elapsed: float = 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            if not ordered:
                return 0.0
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

        return {
            "requests": self.requests,
            "errors": self.errors,
            "elapsed_s": round(self.elapsed, 2),
            "throughput_rps": round(self.requests / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p90_ms": pct(0.90),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else 0.0,
        }


def _bodies(request_id: int, tool: tuple[str, dict[str, Any]] = TOOL) -> tuple[dict[str, Any], dict[str, str]]:
    """Alternate 2026-07-28 (single exchange, routing headers) and 2025-11-25 stateless."""
    name, arguments = tool
    if request_id % 2:
        meta = {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        }
        body = {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"_meta": meta, "name": name, "arguments": arguments},
        }
        headers = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": name}
    else:
        body = {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments},
        }
        headers = {"MCP-Protocol-Version": "2025-11-25"}
    return body, headers


async def drive(
    base: str,
    token: str,
    *,
    clients: int,
    duration: float | None = None,
    per_client: int | None = None,
    tool: tuple[str, dict[str, Any]] = TOOL,
) -> LoadStats:
    """Run ``clients`` concurrent loops until ``duration`` seconds pass or each made ``per_client`` calls."""
    if duration is None and per_client is None:
        raise ValueError("give duration or per_client")
    stats = LoadStats()
    started = time.perf_counter()
    deadline = started + duration if duration is not None else None
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": "application/json"}

    async def one_client(index: int, http: httpx.AsyncClient) -> None:
        made = 0
        while True:
            if per_client is not None and made >= per_client:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            request_id = index * 1_000_000 + made
            body, extra = _bodies(request_id, tool)
            t0 = time.perf_counter()
            try:
                response = await http.post(f"{base}/mcp", content=json.dumps(body), headers={**headers, **extra})
                ok = response.status_code == 200 and response.json().get("result", {}).get("isError") is False
                problem = "" if ok else f"HTTP {response.status_code}: {response.text[:200]}"
            except (httpx.HTTPError, ValueError) as exc:
                ok, problem = False, f"{type(exc).__name__}: {exc}"
            stats.latencies.append(time.perf_counter() - t0)
            stats.requests += 1
            made += 1
            if not ok:
                stats.errors += 1
                if len(stats.error_samples) < 5:
                    stats.error_samples.append(problem)

    async with httpx.AsyncClient(limits=limits, timeout=60) as http, anyio.create_task_group() as tg:
        for i in range(clients):
            tg.start_soon(one_client, i, http)
    stats.elapsed = time.perf_counter() - started
    return stats


# -- the server child ----------------------------------------------------------------------------------
def serve_child(port: int) -> None:
    """Build the sandbox runtime, print a bearer the sandbox Graph accepts, then serve until killed."""
    from ms365mcp.runtime import build_runtime
    from ms365mcp.server.http import serve_http
    from ms365mcp.settings import Settings

    settings = Settings.from_env(
        os.environ, sandbox=True, http=f"127.0.0.1:{port}", rate_limit_disabled=True, audit_log=False
    )
    runtime = build_runtime(settings)
    token = runtime.sandbox.issue_token()
    sys.stdout.write(json.dumps({"token": token}) + "\n")
    sys.stdout.flush()
    anyio.run(serve_http, runtime)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_ready(base: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await anyio.sleep(0.05)
    raise RuntimeError("server did not become ready")


async def main_async(clients: int, duration: float, tools: list[str]) -> list[dict[str, Any]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        token = json.loads(child.stdout.readline())["token"]
        await _wait_ready(base)
        results = []
        for name in tools:
            tool = (name, TOOLS[name])
            await drive(base, token, clients=clients, per_client=3, tool=tool)  # warm-up
            stats = await drive(base, token, clients=clients, duration=duration, tool=tool)
            results.append(
                {
                    "benchmark": "http_load",
                    "tool": name,
                    "clients": clients,
                    "duration_s": duration,
                    **stats.summary(),
                    "error_samples": stats.error_samples,
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "date": time.strftime("%Y-%m-%d"),
                }
            )
    finally:
        child.terminate()
        child.wait(timeout=10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--tool", action="append", choices=sorted(TOOLS), help="tool(s) to call (default: both)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_child(args.serve)
        return
    if not 1 <= args.clients <= 256 or not 0 < args.duration <= 120:
        parser.error("keep it bounded: 1-256 clients, at most 120 s")
    results = anyio.run(main_async, args.clients, args.duration, args.tool or list(TOOLS))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http_load.json").write_text(json.dumps(results, indent=2) + "\n")
    table = (
        "| tool | clients | duration | requests | errors | throughput | p50 | p90 | p99 |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    for r in results:
        table += (
            f"| {r['tool']} | {r['clients']} | {r['elapsed_s']} s | {r['requests']} | {r['errors']} | "
            f"{r['throughput_rps']} req/s | {r['p50_ms']} ms | {r['p90_ms']} ms | {r['p99_ms']} ms |\n"
        )
    first = results[0]
    (RESULTS / "http_load.md").write_text(
        f"# HTTP load ({first['date']}, Python {first['python']}, {first['cpus']} CPUs)\n\n"
        "Stateless Streamable HTTP (alternating 2026-07-28 and 2025-11-25 requests), one server process,\n"
        "sandbox Graph in process, loopback; `uv run python bench/http_load.py`.\n\n" + table
    )
    sys.stdout.write(table)
    if any(r["errors"] for r in results):
        sys.stdout.write(f"errors: {[r['error_samples'] for r in results]}\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
