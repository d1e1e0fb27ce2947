"""The one shared httpx client that talks to Graph, wrapped in the registered middleware."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pluggy

from ms365mcp import __version__
from ms365mcp.graph.request import GraphRequest
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
        """True when an absolute URL points at our Graph endpoint (for nextLinks)."""
        ours, theirs = urlsplit(self.graph_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    async def send(self, request: GraphRequest, identity: Identity) -> httpx.Response:
        return await self._send(
            request.method,
            self.graph_url + request.target,
            identity,
            headers=request.headers,
            json=request.json,
            content=request.content,
        )

    async def get_url(self, url: str, identity: Identity, headers: tuple[tuple[str, str], ...] = ()) -> httpx.Response:
        """GET an absolute Graph URL (a nextLink); refuses any other host."""
        if not self.owns(url):
            raise ValueError("refusing to follow a link away from the Graph endpoint")
        return await self._send("GET", url, identity, headers=headers)

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
