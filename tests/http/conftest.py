"""HTTP-mode test support: Hypercorn in the test process on free loopback ports, a scripted browser."""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import AsyncIterator, Callable
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
from hypercorn.asyncio import serve
from mcp.client.auth import TokenStorage
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthToken

from ms365mcp.runtime import Runtime, build_runtime
from ms365mcp.server.http import HttpApp, build_app, hypercorn_config
from ms365mcp.settings import Settings

STATE_KEY = "aG5lZnNpZGZoc2RpdWZoc2RpdWZoc2RpdWZoZHNpdWY"  # 32 bytes, base64url
REDIRECT = "http://127.0.0.1:1/oauth/callback"  # never served: the scripted browser stops here


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def hypercorn_server(app: Any, port: int) -> AsyncIterator[str]:
    cfg = hypercorn_config("127.0.0.1", port)
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: serve(app, cfg, shutdown_trigger=stop.wait))
        for _ in range(200):
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
                await stream.aclose()
                break
            except OSError:
                await anyio.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop.set()


def sandbox_runtime(tmp_path: Any, **settings: Any) -> Runtime:
    settings.setdefault("rate_limit_disabled", True)
    return build_runtime(Settings(sandbox=True, log_dir=tmp_path, audit_log=False, **settings))


@contextlib.asynccontextmanager
async def sandbox_http(
    tmp_path: Any, *, runtime: Runtime | None = None, **settings: Any
) -> AsyncIterator[tuple[str, HttpApp, Runtime]]:
    """A ``--sandbox --http`` server on a free loopback port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    own = runtime is None
    runtime = runtime or sandbox_runtime(tmp_path, **settings)
    app = build_app(runtime, login_base=base)
    try:
        async with hypercorn_server(app, port):
            yield base, app, runtime
    finally:
        if own:
            await runtime.aclose()


class MemStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.info = client_info


class Browser:
    """Plays the user's browser: follows redirects, picks a user on the sandbox consent page.

    ``route`` may rewrite each URL before it is fetched (a load balancer choosing a replica).
    """

    def __init__(self, user: str = "adele@contoso.sandbox", route: Callable[[str], str] | None = None) -> None:
        self.user = user
        self.route = route or (lambda url: url)
        self.captured: dict[str, str | None] = {}
        self.hops: list[str] = []

    async def visit(self, url: str) -> str:
        """Follow the chain until it leaves for REDIRECT; return that final URL."""
        async with httpx.AsyncClient(follow_redirects=False) as http:
            for _ in range(10):
                if url.startswith(REDIRECT):
                    return url
                url = self.route(url)
                self.hops.append(urlsplit(url).path)
                response = await http.get(url)
                if response.status_code == 200 and "Sandbox sign-in" in response.text:
                    links = re.findall(r'href="([^"]+)"', response.text)
                    url = unescape(next(link for link in links if self.user.split("@")[0] in link))
                    continue
                if response.status_code != 302:
                    raise AssertionError(f"{url} answered {response.status_code}: {response.text[:300]}")
                url = response.headers["location"]
        raise AssertionError("too many redirects")

    async def redirect_handler(self, authorization_url: str) -> None:
        final = await self.visit(authorization_url)
        query = parse_qs(urlsplit(final).query)
        self.captured = {k: v[0] for k, v in query.items()}

    async def callback_handler(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(code=self.captured.get("code"), state=self.captured.get("state"))
