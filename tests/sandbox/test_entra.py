"""The sign-in emulator over HTTP (its ASGI app), as the HTTP mode and other programs use it."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from ms365mcp.sandbox.entra import GRAPH_AUDIENCE, SANDBOX_AUTHORITY_URL, EntraEmulator
from ms365mcp.sandbox.tenant import SandboxTenant

pytestmark = pytest.mark.anyio
CLIENT = "11111111-2222-3333-4444-555555555555"
TOKEN = "/organizations/oauth2/v2.0/token"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def now() -> list[float]:
    return [1_800_000_000.0]


@pytest.fixture
def tenant(now: list[float]) -> SandboxTenant:
    t = SandboxTenant()
    t.entra = EntraEmulator(t, clock=lambda: now[0])
    return t


@pytest.fixture
async def http(tenant: SandboxTenant) -> Any:
    transport = httpx.ASGITransport(app=tenant.entra.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_AUTHORITY_URL) as client:
        yield client


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def test_metadata_and_keys_verify_issued_tokens(http: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    config = (await http.get("/common/v2.0/.well-known/openid-configuration")).json()
    assert config["token_endpoint"] == f"{SANDBOX_AUTHORITY_URL}/common/oauth2/v2.0/token"
    assert config["issuer"] == tenant.entra.issuer
    keys = (await http.get(config["jwks_uri"].removeprefix(SANDBOX_AUTHORITY_URL))).json()
    issued = tenant.entra.issue_tokens(tenant.users[1], CLIENT, ("User.Read", "offline_access"))
    key = jwt.PyJWK(keys["keys"][0])
    claims = jwt.decode(
        issued["access_token"],
        key.key,
        algorithms=["RS256"],
        audience=GRAPH_AUDIENCE,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["preferred_username"] == "alex@contoso.sandbox" and claims["scp"] == "User.Read"
    assert tenant.user_for_token(issued["access_token"]).userPrincipalName == "alex@contoso.sandbox"


async def test_device_code_is_pending_until_approved(http: httpx.AsyncClient) -> None:
    start = await http.post("/organizations/oauth2/v2.0/devicecode", data={"client_id": CLIENT, "scope": "Mail.Read"})
    flow = start.json()
    assert flow["user_code"] in flow["message"] and flow["interval"] == 1
    poll = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": CLIENT,
        "device_code": flow["device_code"],
    }
    pending = await http.post(TOKEN, data=poll)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    approved = await http.post(
        "/_sandbox/entra/approve", json={"user_code": flow["user_code"], "user": "megan@contoso.sandbox"}
    )
    assert approved.json() == {"approved": True}
    done = (await http.post(TOKEN, data=poll)).json()
    assert (
        jwt.decode(done["id_token"], options={"verify_signature": False})["preferred_username"]
        == "megan@contoso.sandbox"
    )
    replay = await http.post(TOKEN, data=poll)
    assert replay.json()["error"] == "invalid_grant"  # a device code is good once


async def test_denied_and_expired_device_codes(
    http: httpx.AsyncClient, tenant: SandboxTenant, now: list[float]
) -> None:
    flows = [(await http.post("/common/oauth2/v2.0/devicecode", data={"client_id": CLIENT})).json() for _ in range(2)]
    tenant.entra.deny(flows[0]["user_code"])
    base = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": CLIENT}
    denied = await http.post(TOKEN, data={**base, "device_code": flows[0]["device_code"]})
    assert denied.json()["error"] == "authorization_declined"
    now[0] += 3600
    expired = await http.post(TOKEN, data={**base, "device_code": flows[1]["device_code"]})
    assert expired.json()["error"] == "expired_token"


async def test_authorization_code_with_pkce(http: httpx.AsyncClient) -> None:
    verifier = "v" * 50
    params = {
        "client_id": CLIENT,
        "redirect_uri": "http://127.0.0.1:5555/cb",
        "response_type": "code",
        "scope": "Mail.Read offline_access",
        "state": "st4te",
        "code_challenge": _s256(verifier),
        "code_challenge_method": "S256",
    }
    page = await http.get("/organizations/oauth2/v2.0/authorize", params=params)
    assert page.status_code == 200 and "Adele Vance" in page.text and "sandbox_user=" in page.text
    redirect = await http.get(
        "/organizations/oauth2/v2.0/authorize", params={**params, "sandbox_user": "diego@contoso.sandbox"}
    )
    assert redirect.status_code == 302
    answer = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert answer["state"] == ["st4te"]
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT,
        "code": answer["code"][0],
        "redirect_uri": params["redirect_uri"],
    }
    wrong = await http.post(TOKEN, data={**form, "code_verifier": "w" * 50})
    assert wrong.json()["error"] == "invalid_grant"
    # a failed redemption burns the code, as Entra does; get another
    redirect = await http.get(
        "/organizations/oauth2/v2.0/authorize", params={**params, "sandbox_user": "diego@contoso.sandbox"}
    )
    form["code"] = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    tokens = (await http.post(TOKEN, data={**form, "code_verifier": verifier})).json()
    assert "refresh_token" in tokens and "offline_access" in tokens["scope"]
    refreshed = (
        await http.post(
            TOKEN, data={"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": tokens["refresh_token"]}
        )
    ).json()
    assert refreshed["access_token"] != tokens["access_token"]


async def test_on_behalf_of(http: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    api_token = tenant.entra.issue_tokens(tenant.me, "some-client", (f"api://{CLIENT}/access_as_user",))["access_token"]
    assert jwt.decode(api_token, options={"verify_signature": False})["aud"] == f"api://{CLIENT}"
    assert tenant.user_for_token(api_token) is None  # not a Graph token: the sandbox Graph refuses it
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "client_id": CLIENT,
        "client_secret": "s",
        "assertion": api_token,
        "scope": "https://graph.microsoft.com/.default",
        "requested_token_use": "on_behalf_of",
    }
    graph = (await http.post(TOKEN, data=form)).json()
    assert tenant.user_for_token(graph["access_token"]).userPrincipalName == tenant.me.userPrincipalName
    no_secret = await http.post(TOKEN, data={k: v for k, v in form.items() if k != "client_secret"})
    assert no_secret.status_code == 401
    graph_as_assertion = await http.post(TOKEN, data={**form, "assertion": graph["access_token"]})
    assert graph_as_assertion.json()["error"] == "invalid_grant"
    other_app = await http.post(TOKEN, data={**form, "client_id": "someone-else"})
    assert other_app.json()["error"] == "invalid_grant"
    id_token = tenant.entra.issue_tokens(tenant.me, CLIENT, ("openid",), nonce="n").get("id_token")
    assert id_token  # audience is our client, but it carries no delegated scopes
    id_as_assertion = await http.post(TOKEN, data={**form, "assertion": id_token})
    assert id_as_assertion.json()["error"] == "invalid_grant"


async def test_expired_tokens_are_refused_by_the_sandbox_graph(tenant: SandboxTenant, now: list[float]) -> None:
    tenant.entra.access_token_lifetime = 600
    token = tenant.entra.issue_tokens(tenant.me, CLIENT, ("User.Read",))["access_token"]
    assert tenant.user_for_token(token) is not None
    now[0] += 601
    assert tenant.user_for_token(token) is None
    forged = jwt.encode({"oid": tenant.me.id, "aud": GRAPH_AUDIENCE, "exp": now[0] + 999}, "k" * 32, algorithm="HS256")
    assert tenant.user_for_token(forged) is None


async def test_unknown_things_are_oauth_errors(http: httpx.AsyncClient) -> None:
    bad_grant = await http.post(TOKEN, data={"grant_type": "password", "client_id": CLIENT})
    assert bad_grant.json()["error"] == "unsupported_grant_type"
    no_client = await http.post(TOKEN, data={"grant_type": "refresh_token"})
    assert no_client.status_code == 401
    nowhere = await http.get("/x")
    assert nowhere.status_code == 404
    assert json.loads((await http.post("/_sandbox/entra/approve", json={"user_code": "NOPE"})).text)["error"]
