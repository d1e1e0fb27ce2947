"""The one shared httpx client that talks to Graph, wrapped in the registered middleware."""

from __future__ import annotations

from typing import Any

import httpx
import pluggy

from ms365mcp import __version__
from ms365mcp.graph.request import GraphRequest, link_location
from ms365mcp.identity import Identity
from ms365mcp.settings import Settings


class GraphClient:
    """Sends GraphRequests with the caller's token; resilience lives in the transport chain."""

    def __init__(
        self, settings: Settings, pm: pluggy.PluginManager, *, base_transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        from ms365mcp.graph.resilience import build_transport

        self.settings = settings
        self.graph_url = settings.graph_url.rstrip("/")
        transport = build_transport(pm, settings, base_transport or httpx.AsyncHTTPTransport())
        # The per-attempt timeout is middleware; this is only a backstop for a stuck connection.
        backstop = settings.graph_timeout_ms / 1000 * (settings.graph_max_retries + 2)
        self.http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(backstop),
            follow_redirects=False,
            headers={"User-Agent": f"ms365mcp/{__version__}"},
        )

    def owns(self, url: str) -> bool:
        """True when a Graph link (a nextLink) resolves to our Graph endpoint."""
        return link_location(url, self.settings) is not None

    async def send(self, request: GraphRequest, identity: Identity) -> httpx.Response:
        return await self._send(
            request.method,
            self.graph_url + request.target,
            identity,
            headers=request.headers,
            json=request.json,
            content=request.content,
        )

    def resolve_link(self, url: str, api_version: str = "v1.0") -> str:
        """The URL to GET for a link Graph returned, always on the configured Graph URL.

        Graph writes links on its own host even behind a proxy, and some relative and without
        the version; anything pointing elsewhere is refused so the token never leaves.
        """
        location = link_location(url, self.settings)
        if location is None:
            raise ValueError("refusing to follow a link away from the Graph endpoint")
        path, query = location
        if path.split("/")[1:2] not in (["v1.0"], ["beta"]):
            path = f"/{api_version}{path}"
        return self.graph_url + path + (f"?{query}" if query else "")

    async def get_url(
        self,
        url: str,
        identity: Identity,
        headers: tuple[tuple[str, str], ...] = (),
        api_version: str = "v1.0",
    ) -> httpx.Response:
        """GET a Graph link (a nextLink); raises ValueError for a link to any other host."""
        return await self._send("GET", self.resolve_link(url, api_version), identity, headers=headers)

    async def _send(
        self,
        method: str,
        url: str,
        identity: Identity,
        *,
        headers: tuple[tuple[str, str], ...] = (),
        json: Any = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        token = await identity.get_token()
        all_headers = [("Authorization", f"Bearer {token}"), *headers]
        request = self.http.build_request(
            method,
            url,
            headers=all_headers,
            json=json,
            content=content,
            extensions={"ms365mcp.tenant": identity.tenant},
        )
        return await self.http.send(request)

    async def aclose(self) -> None:
        await self.http.aclose()
