"""The SDK's own OAuth client against ``--sandbox --http``: discovery, DCR, authorize, token, tools, refresh."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata

from ms365mcp.server.http import build_app

from .conftest import (
    REDIRECT,
    STATE_KEY,
    Browser,
    MemStorage,
    free_port,
    hypercorn_server,
    sandbox_http,
    sandbox_runtime,
)

pytestmark = pytest.mark.anyio


def provider(resource: str, storage: MemStorage, browser: Browser) -> OAuthClientProvider:
    return OAuthClientProvider(
        resource,
        OAuthClientMetadata(client_name="pytest", redirect_uris=[REDIRECT]),
        storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_sdk_oauth_client_signs_in_and_calls_a_mail_tool(tmp_path: Any, mode: str) -> None:
    async with sandbox_http(tmp_path) as (base, _app, runtime):
        storage, browser = MemStorage(), Browser()
        auth = provider(f"{base}/mcp", storage, browser)
        async with (
            httpx2.AsyncClient(auth=auth) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http), mode=mode) as client,
        ):
            tools = await client.list_tools()
            names = {t.name for t in tools.tools}
            assert "list-mail-messages" in names
            result = await client.call_tool("list-mail-messages", {"top": 2})
            assert result.is_error is False
            assert len(result.structured_content["value"]) == 2
        # The whole flow went through our facade and the emulator, with a sealed client id.
        assert storage.info is not None and storage.info.client_id.startswith("mcp-")
        assert browser.hops[:2] == ["/authorize", "/_sandbox/login/organizations/oauth2/v2.0/authorize"]
        assert "/callback" in browser.hops
        assert storage.tokens is not None and storage.tokens.refresh_token
        # The refresh token we hand out is sealed, never Entra's own.
        assert not storage.tokens.refresh_token.startswith("sbx-rt.")
        assert runtime.sandbox.entra.grants.count("authorization_code") == 1


async def test_refresh_token_grant_returns_new_tokens(tmp_path: Any) -> None:
    async with sandbox_http(tmp_path) as (base, _app, _runtime):
        storage, browser = MemStorage(), Browser()
        async with (
            httpx2.AsyncClient(auth=provider(f"{base}/mcp", storage, browser)) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            await client.list_tools()
        assert storage.info is not None and storage.tokens is not None
        first = storage.tokens
        async with httpx.AsyncClient() as h:
            r = await h.post(
                f"{base}/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": first.refresh_token,
                    "client_id": storage.info.client_id,
                },
            )
            assert r.status_code == 200, r.text
            fresh = r.json()
            assert fresh["access_token"] != first.access_token
            assert fresh["refresh_token"] != first.refresh_token
            assert r.headers["cache-control"] == "no-store"
            # The new access token works on /mcp.
            listed = await h.post(
                f"{base}/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {"name": "list-mail-messages", "arguments": {"top": 1}},
                },
                headers={"Authorization": f"Bearer {fresh['access_token']}", "Accept": "application/json"},
            )
            assert listed.status_code == 200
            assert listed.json()["result"]["isError"] is False
            # Another client cannot redeem it, and a raw upstream refresh token is refused.
            stolen = await h.post(
                f"{base}/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": fresh["refresh_token"],
                    "client_id": storage.info.client_id + "x",
                },
            )
            assert stolen.status_code == 401 and stolen.json()["error"] == "invalid_client"
            raw = await h.post(
                f"{base}/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": "sbx-rt.raw",
                    "client_id": storage.info.client_id,
                },
            )
            assert raw.status_code == 400 and raw.json()["error"] == "invalid_grant"


async def test_sdk_client_refreshes_an_expired_access_token(tmp_path: Any) -> None:
    async with sandbox_http(tmp_path) as (base, _app, runtime):
        storage, browser = MemStorage(), Browser()
        auth = provider(f"{base}/mcp", storage, browser)
        async with (
            httpx2.AsyncClient(auth=auth) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            await client.list_tools()
            before = runtime.sandbox.entra.grants.count("refresh_token")
            auth.context.token_expiry_time = 1.0  # the client believes its token expired: it must refresh
            result = await client.call_tool("list-mail-messages", {"top": 1})
            assert result.is_error is False
            assert runtime.sandbox.entra.grants.count("refresh_token") == before + 1


def _swap_origin(url: str, origin: str) -> str:
    parts, target = urlsplit(url), urlsplit(origin)
    return urlunsplit((parts.scheme, target.netloc, parts.path, parts.query, ""))


async def _two_replicas(tmp_path: Any, key_a: str, key_b: str) -> tuple[bool, Browser, str]:
    """Replica A serves /authorize; replica B serves discovery, /register, /callback, /token and /mcp."""
    # Two processes in all but the OS: each has its own runtime, settings (MS365_MCP_STATE_KEY) and app;
    # only the key string is shared. Entra is B's sandbox emulator, which both send the browser to.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    runtime_a = sandbox_runtime(tmp_path / "a", state_key=key_a)
    runtime_b = sandbox_runtime(tmp_path / "b", state_key=key_b)
    port_a, port_b = free_port(), free_port()
    a_base, b_base = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    app_b = build_app(runtime_b, login_base=b_base)
    runtime_a.sandbox.entra = runtime_b.sandbox.entra  # one identity provider, as in production
    app_a = build_app(runtime_a, login_base=b_base)
    assert app_a.sealer is not app_b.sealer and not app_a.key_generated and not app_b.key_generated

    def balance(url: str) -> str:
        path = urlsplit(url).path
        if path == "/authorize":
            return _swap_origin(url, a_base)
        if path == "/callback":
            return _swap_origin(url, b_base)
        return url

    storage, browser = MemStorage(), Browser(route=balance)
    ok = True
    try:
        async with (
            hypercorn_server(app_a, port_a),
            hypercorn_server(app_b, port_b),
            httpx2.AsyncClient(auth=provider(f"{b_base}/mcp", storage, browser)) as http,
            Client(streamable_http_client(f"{b_base}/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("list-mail-messages", {"top": 1})
            assert result.is_error is False
    except Exception as exc:  # the SDK may wrap the browser's failure in an exception group
        ok = False
        message = repr(exc) + "".join(repr(e) for e in getattr(exc, "exceptions", ()))
    else:
        message = ""
    finally:
        await runtime_a.aclose()
        await runtime_b.aclose()
    return ok, browser, message


async def test_flow_spans_two_replicas_sharing_the_state_key(tmp_path: Any) -> None:
    ok, browser, message = await _two_replicas(tmp_path, STATE_KEY, STATE_KEY)
    assert ok, message
    assert "/authorize" in browser.hops and "/callback" in browser.hops


async def test_replicas_with_different_keys_refuse_each_others_state(tmp_path: Any) -> None:
    other = "b3RoZXJrZXlvdGhlcmtleW90aGVya2V5b3RoZXJrZXk"
    ok, _browser, message = await _two_replicas(tmp_path, STATE_KEY, other)
    assert not ok
    # Replica A's /authorize used a client id sealed by B: A cannot open it and says so without redirecting.
    assert "invalid_client" in message or "forged state" in message


async def test_each_request_acts_as_its_own_bearer(tmp_path: Any) -> None:
    async with sandbox_http(tmp_path) as (base, _app, runtime):
        entra = runtime.sandbox.entra
        tokens = {
            upn: entra.issue_tokens(runtime.sandbox.find_user(upn), "c", ("Mail.Read",))["access_token"]
            for upn in ("adele@contoso.sandbox", "alex@contoso.sandbox")
        }
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "list-mail-messages", "arguments": {"top": 3}},
        }
        counts = {}
        async with httpx.AsyncClient() as h:
            for upn, token in tokens.items():
                r = await h.post(
                    f"{base}/mcp", json=body, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
                )
                counts[upn] = len(r.json()["result"]["structuredContent"]["value"])
        assert counts["adele@contoso.sandbox"] == 3
        assert counts["alex@contoso.sandbox"] == 0  # Alex's mailbox is empty: the call used his token, not Adele's
