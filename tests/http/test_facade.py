"""OAuth facade rules: redirect URIs, PKCE on both legs, sealed state and codes, client ids, Entra errors."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from ms365mcp.auth.facade.sealing import Sealer
from ms365mcp.runtime import build_runtime
from ms365mcp.server.http import build_app
from ms365mcp.settings import Settings, SettingsError

from .conftest import STATE_KEY, sandbox_runtime

pytestmark = pytest.mark.anyio

BASE = "http://testserver"
CB = "http://127.0.0.1:9/cb"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(40)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, follow_redirects=False)


@pytest.fixture
async def sandbox(tmp_path: Any) -> Any:
    runtime = sandbox_runtime(tmp_path)
    app = build_app(runtime, login_base=BASE)
    async with client_for(app) as http:
        yield http, app, runtime
    await runtime.aclose()


async def register(http: httpx.AsyncClient, uris: list[str] | None = None, **extra: Any) -> httpx.Response:
    return await http.post("/register", json={"redirect_uris": uris or [CB], "client_name": "t", **extra})


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def sign_in(http: httpx.AsyncClient, client_id: str, challenge: str, state: str = "client-state") -> str:
    """/authorize -> emulator (consent as Adele) -> /callback; returns the URL we redirect the client to."""
    r = await http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CB,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert r.status_code == 302, r.text
    upstream = r.headers["location"] + "&sandbox_user=adele%40contoso.sandbox"
    r = await http.get(upstream.replace(BASE, ""))
    assert r.status_code == 302, r.text
    callback = r.headers["location"]
    assert callback.startswith(f"{BASE}/callback?")
    r = await http.get(callback.replace(BASE, ""))
    assert r.status_code == 302, r.text
    return r.headers["location"]


# -- redirect URIs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "http://evil.example.com/cb",
        "https://app.example.com/cb#frag",
        "https://user:pw@app.example.com/cb",
        "not a url",
        "",
    ],
)
async def test_register_refuses_unsafe_redirect_uris(sandbox: Any, uri: str) -> None:
    http, _, _ = sandbox
    r = await register(http, [uri])
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize(
    "uri", ["http://localhost:5/cb", "http://127.0.0.1/cb", "http://[::1]:8/cb", "https://a.example/cb"]
)
async def test_register_accepts_https_and_loopback_http(sandbox: Any, uri: str) -> None:
    http, _, _ = sandbox
    r = await register(http, [uri])
    assert r.status_code == 201
    body = r.json()
    assert body["client_id"].startswith("mcp-") and body["redirect_uris"] == [uri]
    assert body["token_endpoint_auth_method"] == "none" and "client_secret" not in body
    assert r.headers["cache-control"] == "no-store"


async def test_allowlist_requires_an_exact_match_at_register_and_authorize(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, allowed_redirect_uris=("https://app.example.com/cb",))
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        assert (await register(http, ["https://app.example.com/cb/"])).status_code == 400
        assert (await register(http, ["http://localhost:5/cb"])).status_code == 400
        ok = await register(http, ["https://app.example.com/cb"])
        assert ok.status_code == 201
        _, challenge = pkce()
        r = await http.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": runtime.settings.client_id or "5a1e2f3c-c11e-4a8e-9d1c-000000000001",
                "redirect_uri": "https://other.example.com/cb",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert r.status_code == 400 and "location" not in r.headers
        assert "ALLOWED_REDIRECT_URIS" in r.json()["error_description"]
    await runtime.aclose()


async def test_authorize_never_redirects_to_an_unregistered_uri(sandbox: Any) -> None:
    http, _, _ = sandbox
    client_id = (await register(http, [CB])).json()["client_id"]
    _, challenge = pkce()
    r = await http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "http://127.0.0.1:9/other",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "s",
        },
    )
    assert r.status_code == 400 and "location" not in r.headers
    assert r.json() == {
        "error": "invalid_request",
        "error_description": "redirect_uri was not registered for this client",
    }


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({}, "PKCE is required"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "PKCE is required"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "code_challenge must be"),
    ],
)
async def test_authorize_requires_pkce_s256(sandbox: Any, params: dict[str, str], description: str) -> None:
    http, _, _ = sandbox
    client_id = (await register(http)).json()["client_id"]
    r = await http.get(
        "/authorize",
        params={"response_type": "code", "client_id": client_id, "redirect_uri": CB, "state": "st", **params},
    )
    assert r.status_code == 302
    back = query(r.headers["location"])
    assert r.headers["location"].startswith(CB)
    assert back["error"] == "invalid_request" and description in back["error_description"] and back["state"] == "st"


async def test_forged_client_id_is_refused_without_redirect(sandbox: Any) -> None:
    http, _, _ = sandbox
    real = (await register(http)).json()["client_id"]
    forged = [real[:-3] + ("AAA" if real[-3:] != "AAA" else "BBB"), "mcp-client-1700000000000", "mcp-" + "A" * 80]
    other_key = "mcp-" + Sealer.from_setting(STATE_KEY)[0].seal("client", {"r": [CB], "m": "none"})
    _, challenge = pkce()
    for client_id in [*forged, other_key]:
        r = await http.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CB,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_client", client_id
        t = await http.post("/token", data={"grant_type": "authorization_code", "client_id": client_id, "code": "x"})
        assert t.status_code == 401 and t.json()["error"] == "invalid_client"


async def test_authorize_sends_our_own_pkce_and_tool_scopes_upstream(sandbox: Any) -> None:
    http, _, _ = sandbox
    client_id = (await register(http)).json()["client_id"]
    _, challenge = pkce()
    r = await http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CB,
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "Sites.FullControl.All",
            "login_hint": "adele@contoso.sandbox",
        },
    )
    assert r.status_code == 302
    up = query(r.headers["location"])
    assert r.headers["location"].startswith(f"{BASE}/_sandbox/login/organizations/oauth2/v2.0/authorize?")
    assert up["code_challenge"] != challenge and up["code_challenge_method"] == "S256"
    assert up["redirect_uri"] == f"{BASE}/callback"
    assert up["client_id"] != client_id
    scopes = up["scope"].split()
    assert {"offline_access", "User.Read", "Mail.ReadWrite"} <= set(scopes)
    assert "Sites.FullControl.All" not in scopes  # the client's own scope never widens what we ask Entra for
    assert up["login_hint"] == "adele@contoso.sandbox"
    assert CB not in up["state"] and up["state"] != "s"  # the sealed state reveals nothing


# -- the code leg: PKCE, redirect URI, replay ---------------------------------------------------------
async def test_token_checks_the_clients_pkce_verifier_and_redirect_uri(sandbox: Any) -> None:
    http, _, _ = sandbox
    client_id = (await register(http)).json()["client_id"]
    verifier, challenge = pkce()
    back = query(await sign_in(http, client_id, challenge))
    assert back["state"] == "client-state"
    form = {"grant_type": "authorization_code", "client_id": client_id, "code": back["code"], "redirect_uri": CB}
    missing = await http.post("/token", data=form)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    assert "code_verifier" in missing.json()["error_description"]
    wrong = await http.post("/token", data={**form, "code_verifier": pkce()[0]})
    assert wrong.status_code == 400 and "does not match" in wrong.json()["error_description"]
    bad_uri = await http.post(
        "/token", data={**form, "code_verifier": verifier, "redirect_uri": "http://127.0.0.1:9/x"}
    )
    assert bad_uri.status_code == 400 and "redirect_uri" in bad_uri.json()["error_description"]
    good = await http.post("/token", data={**form, "code_verifier": verifier})
    assert good.status_code == 200, good.text
    assert good.json()["token_type"] == "Bearer" and good.json()["access_token"].count(".") == 2
    assert good.headers["cache-control"] == "no-store"
    replay = await http.post("/token", data={**form, "code_verifier": verifier})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_code_issued_to_one_client_cannot_be_redeemed_by_another(sandbox: Any) -> None:
    http, _, _ = sandbox
    first = (await register(http)).json()["client_id"]
    second = (await register(http)).json()["client_id"]
    verifier, challenge = pkce()
    back = query(await sign_in(http, first, challenge))
    r = await http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "client_id": second,
            "code": back["code"],
            "redirect_uri": CB,
            "code_verifier": verifier,
        },
    )
    assert r.status_code == 400 and "another client" in r.json()["error_description"]


async def test_forged_tampered_and_replayed_state_at_callback(sandbox: Any) -> None:
    http, _, _ = sandbox
    client_id = (await register(http)).json()["client_id"]
    verifier, challenge = pkce()
    r = await http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CB,
            "state": "cs",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    state = query(r.headers["location"])["state"]
    for bad in ["forged", state[:-2] + ("AA" if state[-2:] != "AA" else "BB"), ""]:
        page = await http.get("/callback", params={"code": "x", "state": bad})
        assert page.status_code == 400 and "location" not in page.headers
        assert "invalid_request" in page.text and "forged" in page.text
    # A replayed state (same Entra code twice) yields a second code that Entra refuses: codes stay single-use.
    upstream = await http.get((r.headers["location"] + "&sandbox_user=adele%40contoso.sandbox").replace(BASE, ""))
    callback = upstream.headers["location"].replace(BASE, "")
    codes = [query((await http.get(callback)).headers["location"])["code"] for _ in range(2)]
    form = {"grant_type": "authorization_code", "client_id": client_id, "redirect_uri": CB, "code_verifier": verifier}
    assert (await http.post("/token", data={**form, "code": codes[0]})).status_code == 200
    second = await http.post("/token", data={**form, "code": codes[1]})
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


async def test_expired_state_and_code_are_refused(tmp_path: Any) -> None:
    now = [1_000_000.0]
    sealer = Sealer.from_setting(STATE_KEY, clock=lambda: now[0])[0]
    runtime = sandbox_runtime(tmp_path)
    async with client_for(build_app(runtime, login_base=BASE, sealer=sealer)) as http:
        client_id = (await register(http)).json()["client_id"]
        verifier, challenge = pkce()
        r = await http.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CB,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        state = query(r.headers["location"])["state"]
        now[0] += 601
        page = await http.get("/callback", params={"code": "x", "state": state})
        assert page.status_code == 400 and "expired" in page.text
        back = query(await sign_in(http, client_id, challenge))
        now[0] += 301
        late = await http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "code": back["code"],
                "redirect_uri": CB,
                "code_verifier": verifier,
            },
        )
        assert late.status_code == 400 and late.json() == {
            "error": "invalid_grant",
            "error_description": "The authorization code is expired.",
        }
    await runtime.aclose()


async def test_entra_denial_goes_back_to_the_client_with_its_state(sandbox: Any) -> None:
    http, _, _ = sandbox
    client_id = (await register(http)).json()["client_id"]
    _, challenge = pkce()
    r = await http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CB,
            "state": "mine",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    state = query(r.headers["location"])["state"]
    back = await http.get("/callback", params={"state": state, "error": "access_denied", "error_description": "no"})
    assert back.status_code == 302
    assert query(back.headers["location"]) == {"error": "access_denied", "error_description": "no", "state": "mine"}


async def test_confidential_clients_get_a_verifiable_secret(sandbox: Any) -> None:
    http, _, _ = sandbox
    reg = (await register(http, token_endpoint_auth_method="client_secret_post")).json()
    assert reg["client_secret"] and reg["client_secret_expires_at"] == 0
    base = {"grant_type": "refresh_token", "client_id": reg["client_id"], "refresh_token": "x"}
    assert (await http.post("/token", data=base)).status_code == 401
    assert (await http.post("/token", data={**base, "client_secret": "nope"})).status_code == 401
    ok = await http.post("/token", data={**base, "client_secret": reg["client_secret"]})
    assert ok.status_code == 400 and ok.json()["error"] == "invalid_grant"  # authenticated; the token is junk
    basic = base64.b64encode(f"{reg['client_id']}:{reg['client_secret']}".encode()).decode()
    r = await http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.json()["error"] == "invalid_grant"


async def test_token_endpoint_input_errors_are_oauth_json(sandbox: Any) -> None:
    http, _, _ = sandbox
    client_id = (await register(http)).json()["client_id"]
    r = await http.post("/token", data={"client_id": client_id})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = await http.post("/token", data={"client_id": client_id, "grant_type": "password"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = await http.post("/token", content=b"[1,2", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = await http.get("/token")
    assert r.status_code == 405 and r.headers["content-type"] == "application/json"


async def test_dynamic_registration_can_be_disabled(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, dynamic_registration=False)
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        r = await register(http)
        assert r.status_code == 404
        meta = (await http.get("/.well-known/oauth-authorization-server")).json()
        assert "registration_endpoint" not in meta
    await runtime.aclose()
    assert Settings.from_env({"MS365_MCP_DISABLE_DCR": "true"}).dynamic_registration is False


# -- metadata and public URL -----------------------------------------------------------------------------
async def test_metadata_without_public_url_uses_the_request_origin(sandbox: Any) -> None:
    http, _, _ = sandbox
    meta = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert meta["issuer"] == BASE and meta["authorization_endpoint"] == f"{BASE}/authorize"
    assert meta["token_endpoint"] == f"{BASE}/token" and meta["registration_endpoint"] == f"{BASE}/register"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        prm = (await http.get(path)).json()
        assert prm["resource"] == f"{BASE}/mcp" and prm["authorization_servers"] == [BASE]
        assert "Mail.ReadWrite" in prm["scopes_supported"]


async def test_public_url_pins_only_browser_facing_fields(tmp_path: Any) -> None:
    runtime = sandbox_runtime(tmp_path, public_url="https://mcp.example.com")
    async with client_for(build_app(runtime, login_base=BASE)) as http:
        meta = (await http.get("/.well-known/oauth-authorization-server")).json()
        prm = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
        assert meta["issuer"] == "https://mcp.example.com"
        assert meta["authorization_endpoint"] == "https://mcp.example.com/authorize"
        assert prm["authorization_servers"] == ["https://mcp.example.com"]
        assert meta["token_endpoint"] == f"{BASE}/token"
        assert meta["registration_endpoint"] == f"{BASE}/register"
        assert prm["resource"] == f"{BASE}/mcp"
        client_id = (await register(http)).json()["client_id"]
        r = await http.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CB,
                "code_challenge": pkce()[1],
                "code_challenge_method": "S256",
            },
        )
        assert query(r.headers["location"])["redirect_uri"] == "https://mcp.example.com/callback"
    await runtime.aclose()


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://mcp.example.com", False),
        ("ftp://mcp.example.com", False),
        ("https://mcp.example.com/?x=1", False),
        ("http://localhost:3000/", True),
        ("https://mcp.example.com/", True),
    ],
)
def test_public_url_validation(url: str, ok: bool) -> None:
    if ok:
        assert Settings.from_env({"MS365_MCP_PUBLIC_URL": url}).public_url == url.rstrip("/")
    else:
        with pytest.raises(SettingsError):
            Settings.from_env({}, public_url=url)


# -- Entra errors, against an exact mock of Entra's token endpoint ---------------------------------------
TOKEN_URL = "https://login.microsoftonline.com/contoso-tid/oauth2/v2.0/token"


@pytest.fixture
async def real_entra(tmp_path: Any, notes_pm: Any) -> Any:
    settings = Settings(
        log_dir=tmp_path,
        audit_log=False,
        rate_limit_disabled=True,
        client_id="app-123",
        client_secret="s3cret",
        tenant_id="contoso-tid",
    )
    runtime = build_runtime(settings, notes_pm)
    router = respx.MockRouter(assert_all_called=False)
    app = build_app(runtime, entra_transport=httpx.MockTransport(router.async_handler))
    async with client_for(app) as http:
        yield http, app, router
    await runtime.aclose()


def sealed_code(app: Any, client_id: str, verifier: str) -> str:
    from ms365mcp.auth.facade.sealing import digest, s256

    return app.sealer.seal(
        "code",
        {
            "c": digest(client_id),
            "ru": CB,
            "cc": s256(verifier),
            "sv": "server-verifier",
            "cb": f"{BASE}/callback",
            "ec": "entra-code",
        },
        ttl=300,
    )


async def test_code_redemption_request_shape_and_entra_error_mapping(real_entra: Any) -> None:
    http, app, router = real_entra
    client_id = (await register(http)).json()["client_id"]
    verifier = pkce()[0]
    form = {"grant_type": "authorization_code", "client_id": client_id, "redirect_uri": CB, "code_verifier": verifier}
    route = router.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            400,
            json={
                "error": "invalid_grant",
                "error_codes": [70008],
                "error_description": (
                    "AADSTS70008: The provided authorization code has expired. Trace ID: abc\r\nCorrelation ID: d"
                ),
            },
        )
    )
    r = await http.post("/token", data={**form, "code": sealed_code(app, client_id, verifier)})
    assert r.status_code == 400
    assert r.json() == {
        "error": "invalid_grant",
        "error_description": "AADSTS70008: The provided authorization code has expired.",
    }
    sent = parse_qs(route.calls.last.request.content.decode())
    assert {k: v[0] for k, v in sent.items() if k != "scope"} == {
        "client_id": "app-123",
        "client_secret": "s3cret",
        "grant_type": "authorization_code",
        "code": "entra-code",
        "redirect_uri": f"{BASE}/callback",
        "code_verifier": "server-verifier",
    }
    assert {"offline_access", "Notes.ReadWrite"} <= set(sent["scope"][0].split())

    cases = [
        (
            httpx.Response(401, json={"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"}),
            503,
            "temporarily_unavailable",
        ),
        (httpx.Response(500, text="<html>oops</html>"), 503, "temporarily_unavailable"),
        (
            httpx.Response(400, json={"error": "interaction_required", "error_description": "AADSTS50076: MFA"}),
            400,
            "invalid_grant",
        ),
        (
            httpx.Response(400, json={"error": "invalid_scope", "error_description": "AADSTS70011: scope"}),
            400,
            "invalid_scope",
        ),
        (httpx.ConnectError("down"), 503, "temporarily_unavailable"),
    ]
    for answer, status, error in cases:
        route.mock(side_effect=answer) if isinstance(answer, Exception) else route.mock(return_value=answer)
        r = await http.post("/token", data={**form, "code": sealed_code(app, client_id, verifier)})
        assert (r.status_code, r.json()["error"]) == (status, error)
        assert "Traceback" not in r.text and "s3cret" not in r.text

    route.mock(
        return_value=httpx.Response(
            200,
            json={"access_token": "graph-at", "refresh_token": "entra-rt", "expires_in": 3599, "scope": "Notes.Read"},
        )
    )
    ok = await http.post("/token", data={**form, "code": sealed_code(app, client_id, verifier)})
    assert ok.status_code == 200
    tokens = ok.json()
    assert tokens["access_token"] == "graph-at" and tokens["expires_in"] == 3599
    assert "entra-rt" not in tokens["refresh_token"]
    assert app.sealer.open("refresh", tokens["refresh_token"])["rt"] == "entra-rt"


async def test_http_mode_without_an_app_registration_is_a_clear_error(tmp_path: Any, notes_pm: Any) -> None:
    runtime = build_runtime(Settings(log_dir=tmp_path, audit_log=False), notes_pm)
    with pytest.raises(SettingsError, match="MS365_MCP_CLIENT_ID"):
        build_app(runtime)
    proxied = build_runtime(Settings(log_dir=tmp_path, audit_log=False, trust_proxy_auth=True), notes_pm)
    assert build_app(proxied).facade is None
    obo = build_runtime(Settings(log_dir=tmp_path, audit_log=False, obo=True, client_id="a"), notes_pm)
    with pytest.raises(SettingsError, match="MS365_MCP_CLIENT_SECRET"):
        build_app(obo)
    for r in (runtime, proxied, obo):
        await r.aclose()
