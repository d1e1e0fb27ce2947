"""Findings of an adversarial review of HTTP mode, each pinned by a test that failed before its fix."""

from __future__ import annotations

import base64
import json
import logging
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata

from ms365mcp.auth.facade.policy import redirect_uri_problem
from ms365mcp.sandbox.entra import SANDBOX_CLIENT_ID
from ms365mcp.server.hardening import rate_bucket
from ms365mcp.server.http import build_app

from .conftest import REDIRECT, Browser, MemStorage, hypercorn_server, sandbox_http, sandbox_runtime
from .test_bearer import CALL, OboServer, call
from .test_facade import BASE, CB, client_for, pkce, query, register, sign_in

pytestmark = pytest.mark.anyio

EVIL = "https://evil.example/cb"
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def authorize_params(client_id: str, challenge: str, redirect_uri: str = EVIL, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": "st",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def allow_link(page: str) -> str:
    link = re.search(r'<a id="allow" href="([^"]+)"', page)
    assert link, page
    return unescape(link.group(1))


# -- confused deputy: a registered https redirect must not receive codes without the user's say-so -----------
async def test_a_non_loopback_redirect_needs_the_users_consent_first(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path)
    app = build_app(runtime, login_base=BASE)
    async with client_for(app) as http, client_for(app) as other_browser:
        client_id = (await register(http, [EVIL], client_name="Totally <b>Legit</b>")).json()["client_id"]
        _, challenge = pkce()
        r = await http.get("/authorize", params=authorize_params(client_id, challenge))
        # No silent hop to Entra (where an existing session would answer at once): our own consent page.
        assert r.status_code == 200 and "location" not in r.headers
        assert "evil.example" in r.text and "Totally &lt;b&gt;Legit" in r.text and "<b>" not in r.text
        assert r.headers["cache-control"] == "no-store"
        assert "httponly" in r.headers["set-cookie"].lower() and "samesite=lax" in r.headers["set-cookie"].lower()
        link = allow_link(r.text)
        # The allow link is bound to this browser: sent from anywhere else it only shows the page again.
        replay = await other_browser.get(link.replace(BASE, ""))
        assert replay.status_code == 200 and "location" not in replay.headers
        # Clicked in the same browser, it goes on to Entra.
        go = await http.get(link.replace(BASE, ""))
        assert go.status_code == 302 and "/oauth2/v2.0/authorize" in go.headers["location"]
        # A consent ticket covers exactly one request: another challenge needs another consent.
        _, other_challenge = pkce()
        ticket = parse_qs(urlsplit(link).query)["consent"][0]
        r = await http.get("/authorize", params=authorize_params(client_id, other_challenge, consent=ticket))
        assert r.status_code == 200 and "location" not in r.headers
    await runtime.aclose()


async def test_loopback_and_allowlisted_redirects_skip_the_consent_page(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, allowed_redirect_uris=(EVIL.replace("evil", "app"), CB))
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        _, challenge = pkce()
        for uri in (CB, EVIL.replace("evil", "app")):
            client_id = (await register(http, [uri])).json()["client_id"]
            r = await http.get("/authorize", params=authorize_params(client_id, challenge, uri))
            assert r.status_code == 302 and "/oauth2/v2.0/authorize" in r.headers["location"], uri
    await runtime.aclose()


# -- inputs that used to escape as a 500 ----------------------------------------------------------------
async def test_hostile_oauth_inputs_get_oauth_errors_not_500(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path)
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        deep = "[" * 50_000
        r = await http.post("/token", content=deep, headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_request"
        r = await http.post("/register", content=deep, headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata"
        r = await register(http, grant_types=[{}])
        assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata"
        r = await http.post(
            "/token", data={"grant_type": "refresh_token"}, headers={"authorization": b"Basic \xe9\xe9"}
        )
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        r = await register(http, [f"https://app.example/{'a' * 1900}"] * 10)
        assert r.status_code == 400 and r.json()["error"] == "invalid_redirect_uri"
    await runtime.aclose()


async def test_hostile_bearers_get_401_not_500(tmp_path: Any) -> None:
    payload = base64.urlsafe_b64encode(b"[" * 5000).decode().rstrip("=")
    async with (
        sandbox_http(tmp_path, allow_unauthenticated_discovery=True) as (base, _app, _rt),
        httpx.AsyncClient(base_url=base) as h,
    ):
        r = await h.post("/mcp", json=LIST, headers={**ACCEPT, "Authorization": f"Bearer x.{payload}.y"})
        assert r.status_code == 200 and "tools" in r.json()["result"]  # opaque to us; Graph would judge it
        r = await h.post("/mcp", content="[" * 50_000, headers={**ACCEPT, "content-type": "application/json"})
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"


# -- redirect URIs a browser reads differently from Python ----------------------------------------------
@pytest.mark.parametrize(
    "uri",
    [
        "http://local\thost/cb",
        "https://app.example/cb\r\nSet-Cookie: x=1",
        "https://evil.example\\.app.example/cb",
        " https://app.example/cb",
        "https://app .example/cb",
    ],
)
def test_redirect_uris_with_whitespace_controls_or_backslashes_are_refused(uri: str) -> None:
    assert redirect_uri_problem(uri, None) is not None


async def test_token_redirect_uri_rule_follows_the_authorize_request(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path)
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        client_id = (await register(http, [CB])).json()["client_id"]
        verifier, challenge = pkce()
        # Without redirect_uri at /authorize (one registered URI is used), /token need not repeat it ...
        params = authorize_params(client_id, challenge, CB)
        del params["redirect_uri"]
        r = await http.get("/authorize", params=params)
        upstream = r.headers["location"] + "&sandbox_user=adele%40contoso.sandbox"
        r = await http.get(upstream.replace(BASE, ""))
        r = await http.get(r.headers["location"].replace(BASE, ""))
        code = query(r.headers["location"])["code"]
        t = await http.post(
            "/token",
            data={"grant_type": "authorization_code", "client_id": client_id, "code": code, "code_verifier": verifier},
        )
        assert t.status_code == 200, t.text
        # ... but when it was sent there, it must match here.
        verifier, challenge = pkce()
        code = query(await sign_in(http, client_id, challenge))["code"]
        t = await http.post(
            "/token",
            data={"grant_type": "authorization_code", "client_id": client_id, "code": code, "code_verifier": verifier},
        )
        assert t.status_code == 400 and "redirect_uri" in t.json()["error_description"]
    await runtime.aclose()


# -- /mcp transport edges --------------------------------------------------------------------------------
async def test_get_on_mcp_is_405_in_stateless_mode_instead_of_an_endless_stream(tmp_path: Any) -> None:
    async with sandbox_http(tmp_path) as (base, _app, _rt), httpx.AsyncClient(base_url=base, timeout=5) as h:
        r = await h.get("/mcp", headers={**ACCEPT, "Authorization": "Bearer abc"})
        assert r.status_code == 405 and r.headers["content-type"] == "application/json"
        assert r.json()["error"]["code"] == -32600 and "POST" in r.headers["allow"]


async def test_transport_errors_from_the_sdk_are_json_rpc(tmp_path: Any) -> None:
    async with sandbox_http(tmp_path) as (base, _app, _rt), httpx.AsyncClient(base_url=base) as h:
        r = await h.post(
            "/mcp",
            content=json.dumps(LIST),
            headers={**ACCEPT, "Authorization": "Bearer abc", "content-type": "text/plain"},
        )
        assert r.status_code in (400, 415) and r.headers["content-type"] == "application/json"
        assert r.json()["jsonrpc"] == "2.0" and r.json()["error"]["code"] == -32600


# -- OBO: only delegated access tokens are exchanged -------------------------------------------------------
async def test_obo_refuses_an_id_token_before_any_exchange(tmp_path: Any) -> None:
    server = OboServer(tmp_path)
    async with hypercorn_server(server.app, server.port), httpx.AsyncClient() as h:
        user = server.runtime.sandbox.find_user("adele@contoso.sandbox")
        id_token = server.emulator.issue_tokens(user, SANDBOX_CLIENT_ID, ("openid",))["id_token"]
        r = await call(h, server.base, id_token)
        assert r.status_code == 401 and "delegated" in r.json()["error_description"]
        assert server.app.obo is not None and server.app.obo.exchanges == 0
        app_only = server.signed(roles=["Mail.Read"], scp=None)
        assert (await call(h, server.base, app_only)).status_code == 401
        assert (await call(h, server.base, server.api_token(), CALL)).status_code == 200
    await server.runtime.aclose()


# -- nothing secret in the logs ---------------------------------------------------------------------------
async def test_no_token_code_or_secret_reaches_the_logs_at_debug(tmp_path: Any, caplog: Any) -> None:
    for name in (None, "ms365mcp", "mcp"):  # other tests may have raised these loggers' levels
        caplog.set_level(logging.DEBUG, logger=name)
    async with sandbox_http(tmp_path) as (base, _app, _runtime):
        storage, browser = MemStorage(), Browser()
        auth = OAuthClientProvider(
            f"{base}/mcp",
            OAuthClientMetadata(client_name="logs", redirect_uris=[REDIRECT]),
            storage,
            redirect_handler=browser.redirect_handler,
            callback_handler=browser.callback_handler,
        )
        async with (
            httpx2.AsyncClient(auth=auth) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            assert (await client.call_tool("list-mail-messages", {"top": 1})).is_error is False
            async with httpx.AsyncClient(base_url=base) as h:  # a failing bearer is not logged either
                await h.post("/mcp", json=CALL, headers={**ACCEPT, "Authorization": "Bearer leaked.secret.value"})
    assert storage.tokens is not None and browser.captured.get("code")
    # httpx/httpcore records come from this test's own clients (the browser follows ?code= URLs); the
    # server's own outgoing calls carry secrets only in POST bodies, which those loggers never print.
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    assert "ms365mcp" in text  # the capture saw our loggers at all
    secrets = {
        "code": str(browser.captured["code"]),
        "access": storage.tokens.access_token,
        "refresh": str(storage.tokens.refresh_token),
        "bearer": "leaked.secret.value",
    }
    for name, value in secrets.items():
        assert value not in text, name


# -- rate limits: an IPv6 client owns a whole /64 -----------------------------------------------------------
def test_ipv6_clients_share_a_bucket_per_64() -> None:
    assert rate_bucket("2001:db8:1:2::1") == rate_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert rate_bucket("2001:db8:1:3::1") != rate_bucket("2001:db8:1:2::1")
    assert rate_bucket("::ffff:198.51.100.7") == "198.51.100.7" == rate_bucket("198.51.100.7")
    assert rate_bucket("unknown") == "unknown"


async def test_rotating_ipv6_addresses_cannot_dodge_the_oauth_limit(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, rate_limit_disabled=False, trust_proxy_hops=1)
    app = build_app(runtime, login_base=BASE)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.2", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        codes = [
            (await http.get("/authorize", headers={"X-Forwarded-For": f"2001:db8:7:7::{i:x}"})).status_code
            for i in range(31)
        ]
    assert codes[:30] == [400] * 30 and codes[30] == 429
    await runtime.aclose()


# -- sealed blobs: bound to their kind and their client ------------------------------------------------------
async def test_sealed_blobs_cannot_be_swapped_between_kinds_or_clients(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path)
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        first = (await register(http)).json()["client_id"]
        second = (await register(http)).json()["client_id"]
        verifier, challenge = pkce()
        code = query(await sign_in(http, first, challenge))["code"]
        form = {"grant_type": "authorization_code", "client_id": first, "redirect_uri": CB, "code_verifier": verifier}
        tokens = (await http.post("/token", data={**form, "code": code})).json()
        refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        stolen = await http.post("/token", data={**refresh, "client_id": second})
        assert stolen.status_code == 400 and "another client" in stolen.json()["error_description"]
        # A refresh token offered as a code, a code as a refresh token, a client id as either: none opens.
        as_code = await http.post("/token", data={**form, "code": tokens["refresh_token"]})
        assert (
            as_code.status_code == 400 and as_code.json()["error_description"] == "The authorization code is invalid."
        )
        as_refresh = await http.post("/token", data={**refresh, "client_id": first, "refresh_token": code})
        assert as_refresh.json()["error_description"] == "The refresh token is invalid."
        client_blob = second.removeprefix("mcp-")
        assert (await http.post("/token", data={**form, "code": client_blob})).json()["error"] == "invalid_grant"
        # The rightful client still refreshes.
        ok = await http.post("/token", data={**refresh, "client_id": first})
        assert ok.status_code == 200 and ok.json()["access_token"]
    await runtime.aclose()
