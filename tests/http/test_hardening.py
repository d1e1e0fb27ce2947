"""Hardening: rate limits that X-Forwarded-For cannot dodge, body limits, JSON errors, CORS, headers, health."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from ms365mcp.cli import main as cli_main
from ms365mcp.server.hardening import client_address
from ms365mcp.server.http import build_app, parse_http_address
from ms365mcp.settings import Settings, SettingsError

from .conftest import sandbox_http, sandbox_runtime

pytestmark = pytest.mark.anyio

BASE = "http://testserver"
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def asgi_client(app: Any, peer: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE, follow_redirects=False)


# -- client address -----------------------------------------------------------------------------------
def _scope(peer: str, xff: str | None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", xff.encode())] if xff is not None else []
    return {"type": "http", "client": (peer, 1), "headers": headers}


@pytest.mark.parametrize(
    ("hops", "xff", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),  # no trusted proxy: the header is ignored entirely
        (1, None, "10.0.0.1"),
        (1, "6.6.6.6, 198.51.100.4", "198.51.100.4"),  # the client's own entry is left of what our proxy appended
        (2, "6.6.6.6, 198.51.100.4, 10.1.1.1", "198.51.100.4"),
        (2, "198.51.100.4", "198.51.100.4"),
        (1, "not-an-ip", "10.0.0.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_client_address_reads_forwarded_for_from_the_right(hops: int, xff: str | None, expected: str) -> None:
    assert client_address(_scope("10.0.0.1", xff), hops) == expected


# -- rate limits ----------------------------------------------------------------------------------------
async def test_oauth_rate_limit_cannot_be_dodged_with_forwarded_for(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, rate_limit_disabled=False)
    async with asgi_client(build_app(runtime, login_base=BASE)) as http:
        statuses = []
        for i in range(31):
            r = await http.get("/authorize", params={"client_id": "x"}, headers={"X-Forwarded-For": f"192.0.2.{i}"})
            statuses.append(r.status_code)
        assert statuses[:30] == [400] * 30 and statuses[30] == 429
        assert r.json()["error"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        # /token and /register share the bucket; a different peer has its own.
        assert (await http.post("/token", data={})).status_code == 429
    async with asgi_client(build_app(runtime, login_base=BASE), peer="203.0.113.8") as other:
        assert (await other.get("/authorize")).status_code == 400
    await runtime.aclose()


async def test_behind_one_trusted_proxy_each_client_has_its_own_bucket(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, rate_limit_disabled=False, trust_proxy_hops=1)
    async with asgi_client(build_app(runtime, login_base=BASE), peer="10.0.0.2") as http:
        for i in range(30):  # the client varies its own XFF entry; the proxy appends the real address
            r = await http.get("/authorize", headers={"X-Forwarded-For": f"192.0.2.{i}, 198.51.100.9"})
            assert r.status_code == 400
        r = await http.get("/authorize", headers={"X-Forwarded-For": "7.7.7.7, 198.51.100.9"})
        assert r.status_code == 429
        r = await http.get("/authorize", headers={"X-Forwarded-For": "198.51.100.10"})
        assert r.status_code == 400
    await runtime.aclose()


async def test_mcp_rate_limit_is_120_per_minute(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, rate_limit_disabled=False)
    async with asgi_client(build_app(runtime, login_base=BASE)) as http:
        codes = [(await http.post("/mcp", json=LIST)).status_code for _ in range(121)]
    assert codes[:120] == [401] * 120 and codes[120] == 429
    await runtime.aclose()
    assert Settings.from_env({"MS365_MCP_RATE_LIMIT_DISABLED": "true"}).rate_limit_disabled is True
    assert Settings.from_env({"MS365_MCP_TRUST_PROXY_HOPS": "2"}).trust_proxy_hops == 2


# -- bodies and JSON errors -----------------------------------------------------------------------------
async def test_oversized_bodies_get_a_json_413(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, max_body_bytes=2048)
    async with asgi_client(build_app(runtime, login_base=BASE)) as http:
        big = b'{"x":"' + b"a" * 4096 + b'"}'
        for path in ("/mcp", "/register", "/token"):
            r = await http.post(path, content=big, headers={"content-type": "application/json"})
            assert r.status_code == 413 and r.headers["content-type"] == "application/json", path
            assert r.json()["error"]["code"] == -32600

        async def chunks() -> Any:  # no Content-Length: counted as it streams
            for _ in range(4):
                yield b"a" * 1024

        r = await http.post("/register", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
    await runtime.aclose()


async def test_malformed_json_gets_a_json_rpc_parse_error(tmp_path: Any) -> None:
    async with sandbox_http(tmp_path) as (base, _app, runtime), httpx.AsyncClient() as http:
        token = runtime.sandbox.issue_token()
        r = await http.post(
            f"{base}/mcp",
            content=b'{"jsonrpc": "2.0", "id": 1, "method": ',
            headers={
                "Authorization": f"Bearer {token}",
                "content-type": "application/json",
                "Accept": "application/json",
            },
        )
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
        assert r.json()["error"]["code"] == -32700
        missing = await http.get(f"{base}/nope")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"


# -- CORS and headers -------------------------------------------------------------------------------------
async def test_cors_allows_only_configured_origins_and_exposes_www_authenticate(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, cors_origins=("https://chat.example.com", "http://localhost:3000"))
    async with asgi_client(build_app(runtime, login_base=BASE)) as http:
        pre = await http.options(
            "/mcp",
            headers={
                "Origin": "https://chat.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, mcp-protocol-version",
            },
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://chat.example.com"
        evil = await http.options(
            "/mcp", headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}
        )
        assert evil.headers.get("access-control-allow-origin") is None
        r = await http.post("/mcp", json=LIST, headers={"Origin": "https://chat.example.com"})
        assert r.status_code == 401
        assert "www-authenticate" in r.headers["access-control-expose-headers"].lower()
        assert r.headers["access-control-allow-origin"] == "https://chat.example.com"
        assert "origin" in r.headers["vary"].lower()
    await runtime.aclose()
    wildcard = sandbox_runtime(tmp_path, cors_origins=("*",))
    async with asgi_client(build_app(wildcard, login_base=BASE)) as http:
        r = await http.get("/healthz", headers={"Origin": "https://any.example.com"})
        assert r.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in r.headers
    await wildcard.aclose()
    assert Settings.from_env({}).cors_origins == ("http://localhost:3000",)


async def test_security_headers_and_no_store(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path)
    async with asgi_client(build_app(runtime, login_base=BASE)) as http:
        root = await http.get("/")
        assert root.status_code == 200 and "running" in root.text
        assert root.headers["x-content-type-options"] == "nosniff"
        assert root.headers["x-frame-options"] == "DENY"
        assert root.headers["strict-transport-security"].startswith("max-age=")
        assert "cache-control" not in root.headers
        for path in ("/.well-known/oauth-authorization-server", "/authorize"):
            assert (await http.get(path)).headers["cache-control"] == "no-store"
        assert (await http.post("/mcp", json=LIST)).headers["cache-control"] == "no-store"
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/readyz")).status_code == 503  # no lifespan yet: not ready
    await runtime.aclose()
    async with sandbox_http(tmp_path) as (base, _app, _rt), httpx.AsyncClient() as h:
        ready = await h.get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json()["tools"] > 10
        assert "server" not in ready.headers


# -- the --http flag ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3000", ("0.0.0.0", 3000)),
        (":3000", ("0.0.0.0", 3000)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:8080", ("::1", 8080)),
        ("mcp.internal:443", ("mcp.internal", 443)),
    ],
)
def test_parse_http_address(value: str, expected: tuple[str, int]) -> None:
    assert parse_http_address(value) == expected


@pytest.mark.parametrize("value", ["", "abc", "3000x", "0", "70000", "::1:80", "[::1]80", "host:", "a b:1"])
def test_bad_http_values_are_errors_naming_the_flag(value: str, capsys: Any) -> None:
    with pytest.raises(SettingsError, match="--http"):
        parse_http_address(value)
    assert cli_main(["--http", value]) == 2
    assert "--http" in capsys.readouterr().err


# -- a short, bounded load run: zero errors (timings belong to bench/http_load.py) ----------------------------
def _load_module() -> Any:
    path = Path(__file__).resolve().parents[2] / "bench" / "http_load.py"
    spec = importlib.util.spec_from_file_location("bench_http_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http_load"] = module
    spec.loader.exec_module(module)
    return module


async def test_concurrent_clients_make_tool_calls_without_errors(tmp_path: Any) -> None:
    load = _load_module()
    async with sandbox_http(tmp_path) as (base, _app, runtime):
        stats = await load.drive(
            base, runtime.sandbox.issue_token(), clients=16, per_client=6, tool=("list-mail-folders", {})
        )
    assert stats.requests == 96
    assert stats.errors == 0, stats.error_samples
