"""/mcp authentication: 401 shapes, pass-through, unauthenticated discovery, and --obo (JWT + On-Behalf-Of)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata

from ms365mcp.audit import AuditLog
from ms365mcp.sandbox.entra import SANDBOX_CLIENT_ID, EntraEmulator

from .conftest import REDIRECT, Browser, MemStorage, free_port, hypercorn_server, sandbox_runtime

pytestmark = pytest.mark.anyio

LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
CALL = {
    "jsonrpc": "2.0",
    "id": 2,
    "method": "tools/call",
    "params": {"name": "list-mail-messages", "arguments": {"top": 1}},
}
ACCEPT = {"Accept": "application/json"}
API = f"api://{SANDBOX_CLIENT_ID}"


def unsigned_jwt(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


async def test_missing_or_malformed_bearer_gets_401_with_resource_metadata(tmp_path: Any) -> None:
    from .conftest import sandbox_http

    async with sandbox_http(tmp_path) as (base, _app, _rt), httpx.AsyncClient() as h:
        for headers in (
            {},
            {"Authorization": "Basic abc"},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer a b"},
        ):
            r = await h.post(f"{base}/mcp", json=LIST, headers={**ACCEPT, **headers})
            assert r.status_code == 401
            assert r.headers["www-authenticate"] == (
                f'Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp"'
            )
            assert r.json()["error"] == "invalid_token"
        expired = unsigned_jwt({"exp": int(time.time()) - 10, "tid": "t"})
        r = await h.post(f"{base}/mcp", json=LIST, headers={**ACCEPT, "Authorization": f"Bearer {expired}"})
        assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
        assert "expired" in r.json()["error_description"]


async def test_passthrough_audits_the_user_as_unverified(tmp_path: Any) -> None:
    from .conftest import sandbox_http

    events: list[dict[str, Any]] = []
    async with sandbox_http(tmp_path) as (base, _app, runtime), httpx.AsyncClient() as h:
        runtime.audit = AuditLog([events.append])
        token = runtime.sandbox.issue_token()
        r = await h.post(f"{base}/mcp", json=CALL, headers={**ACCEPT, "Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["result"]["isError"] is False
    assert [e["user_principal_name"] for e in events] == ["unverified"]


async def test_unauthenticated_discovery_allows_only_discovery_methods(tmp_path: Any) -> None:
    from .conftest import sandbox_http

    async with sandbox_http(tmp_path, allow_unauthenticated_discovery=True) as (base, _a, _r), httpx.AsyncClient() as h:
        r = await h.post(f"{base}/mcp", json=LIST, headers=ACCEPT)
        assert r.status_code == 200 and len(r.json()["result"]["tools"]) > 10
        r = await h.post(f"{base}/mcp", json=CALL, headers=ACCEPT)
        assert r.status_code == 401
        r = await h.post(f"{base}/mcp", json=[LIST, CALL], headers=ACCEPT)
        assert r.status_code == 401
        r = await h.post(f"{base}/mcp", content=b"{not json", headers={**ACCEPT, "content-type": "application/json"})
        assert r.status_code == 401


# -- --obo ---------------------------------------------------------------------------------------------
class OboServer:
    def __init__(self, tmp_path: Any, clock: Any = time.time) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.runtime = sandbox_runtime(tmp_path, obo=True)
        tenant = self.runtime.sandbox
        tenant.entra = EntraEmulator(tenant, base_url=f"{self.base}/_sandbox/login", clock=clock)
        self.emulator = tenant.entra
        from ms365mcp.server.http import build_app

        self.app = build_app(self.runtime, login_base=self.base)
        self.events: list[dict[str, Any]] = []
        self.runtime.audit = AuditLog([self.events.append])

    def api_token(self, upn: str = "megan@contoso.sandbox") -> str:
        user = self.runtime.sandbox.find_user(upn)
        return self.emulator.issue_tokens(user, SANDBOX_CLIENT_ID, (f"{API}/access_as_user",))["access_token"]

    def signed(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "aud": API,
            "iss": self.emulator.issuer,
            "tid": self.emulator.tenant_id,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "oid": self.runtime.sandbox.me.id,
            "preferred_username": "adele@contoso.sandbox",
            "scp": "access_as_user",
        }
        claims.update(overrides)
        return self.emulator._sign({k: v for k, v in claims.items() if v is not None})


async def call(h: httpx.AsyncClient, base: str, token: str, body: dict[str, Any] = CALL) -> httpx.Response:
    return await h.post(f"{base}/mcp", json=body, headers={**ACCEPT, "Authorization": f"Bearer {token}"})


async def test_obo_sdk_client_flow_with_verified_audit_user(tmp_path: Any) -> None:
    server = OboServer(tmp_path)
    async with hypercorn_server(server.app, server.port):
        storage, browser = MemStorage(), Browser(user="adele@contoso.sandbox")
        auth = OAuthClientProvider(
            f"{server.base}/mcp",
            OAuthClientMetadata(client_name="obo", redirect_uris=[REDIRECT]),
            storage,
            redirect_handler=browser.redirect_handler,
            callback_handler=browser.callback_handler,
        )
        async with (
            httpx2.AsyncClient(auth=auth) as http,
            Client(streamable_http_client(f"{server.base}/mcp", http_client=http)) as client,
        ):
            first = await client.call_tool("list-mail-messages", {"top": 1})
            second = await client.call_tool("list-mail-messages", {"top": 1})
            assert first.is_error is False and second.is_error is False
        # The client holds a token for our API, not for Graph; Graph saw the exchanged token.
        assert jwt.decode(storage.tokens.access_token, options={"verify_signature": False})["aud"] == API
        assert server.app.obo is not None and server.app.obo.exchanges == 1  # cached by token hash
    assert [e["user_principal_name"] for e in server.events] == ["adele@contoso.sandbox"] * 2
    await server.runtime.aclose()


async def test_obo_refuses_bad_jwts_with_401(tmp_path: Any) -> None:
    server = OboServer(tmp_path)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with hypercorn_server(server.app, server.port), httpx.AsyncClient() as h:
        graph_token = server.emulator.issue_tokens(server.runtime.sandbox.me, SANDBOX_CLIENT_ID, ("Mail.Read",))
        cases = {
            "expired": server.signed(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
            "audience": graph_token["access_token"],
            "audience-other-app": server.signed(aud="api://someone-else"),
            "issuer": server.signed(iss="https://login.microsoftonline.com/evil/v2.0"),
            "tenant": server.signed(
                tid="00000000-0000-0000-0000-000000000bad",
                iss=f"{server.emulator.base_url}/00000000-0000-0000-0000-000000000bad/v2.0",
            ),
            "unknown key": jwt.encode(
                {"aud": API, "exp": int(time.time()) + 600}, other_key, algorithm="RS256", headers={"kid": "nope"}
            ),
            "not a jwt": "opaque-token",
            "alg none": jwt.encode({"aud": API, "exp": int(time.time()) + 600}, None, algorithm="none"),
        }
        for name, token in cases.items():
            r = await call(h, server.base, token)
            assert r.status_code == 401, name
            assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"'), name
            assert "resource_metadata=" in r.headers["www-authenticate"]
        assert "expired" in (await call(h, server.base, cases["expired"])).json()["error_description"]
        assert "audience" in (await call(h, server.base, cases["audience"])).json()["error_description"]
        assert server.app.obo.exchanges == 0
        ok = await call(h, server.base, server.api_token())
        assert ok.status_code == 200 and ok.json()["result"]["isError"] is False
    await server.runtime.aclose()


async def test_a_refused_obo_exchange_is_401_not_500(tmp_path: Any) -> None:
    server = OboServer(tmp_path)
    async with hypercorn_server(server.app, server.port), httpx.AsyncClient() as h:
        # A valid JWT for our API whose user Entra no longer knows: the exchange is refused.
        ghost = server.signed(oid="00000000-dead-beef-0000-000000000000", preferred_username="ghost@contoso.sandbox")
        r = await call(h, server.base, ghost)
        assert r.status_code == 401
        assert "On-Behalf-Of" in r.json()["error_description"]
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
    await server.runtime.aclose()


async def test_trust_proxy_auth_uses_the_servers_own_identity(tmp_path: Any) -> None:
    from .conftest import sandbox_http

    async with sandbox_http(tmp_path, trust_proxy_auth=True) as (base, app, _rt), httpx.AsyncClient() as h:
        assert app.mode == "trust-proxy"
        r = await h.post(f"{base}/mcp", json=CALL, headers=ACCEPT)
        assert r.status_code == 200 and r.json()["result"]["isError"] is False
