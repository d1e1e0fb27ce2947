"""Local sign-in end to end: the real msal library against the sandbox sign-in emulator."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ms365mcp.auth.local import LocalAuth, LocalAuthError, Pins, PinViolation, request_scopes
from ms365mcp.identity import NotSignedIn
from ms365mcp.sandbox.tenant import SandboxTenant
from tests.auth.conftest import ADELE, ALEX, file_store, sign_in


def test_device_code_login_end_to_end(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    lines: list[str] = []
    local = make_local()
    tenant.entra.auto_approve_user = ADELE
    account = local.login_device_code(lines.append)
    assert account.username == ADELE and account.selected
    assert any("enter the code" in line for line in lines)
    token = local.token()
    assert tenant.user_for_token(token).userPrincipalName == ADELE  # the sandbox Graph accepts it
    # another process with the same cache sees the account and needs no new sign-in
    tenant.entra.grants.clear()
    again = make_local()
    assert [a.username for a in again.accounts()] == [ADELE]
    assert again.token() and tenant.entra.grants == []


def test_refresh_after_expiry(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    tenant.entra.access_token_lifetime = 60  # inside MSAL's five-minute margin: stale at once
    local = make_local()
    sign_in(local, tenant, ADELE)
    tenant.entra.grants.clear()
    fresh = local.token()
    assert tenant.entra.grants == ["refresh_token"]
    assert tenant.user_for_token(fresh).userPrincipalName == ADELE
    tenant.entra.access_token_lifetime = 3600
    local.token()  # refreshes once more, and this time keeps a long-lived token
    tenant.entra.grants.clear()
    local.token()
    assert tenant.entra.grants == []


def test_revoked_refresh_token_asks_to_sign_in_again(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    tenant.entra.access_token_lifetime = 60
    local = make_local()
    sign_in(local, tenant, ADELE)
    tenant.entra.revoke_refresh_tokens()
    with pytest.raises(NotSignedIn, match="Sign in again"):
        local.token()


def test_two_accounts_select_and_remove(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    sign_in(local, tenant, ALEX)
    accounts = {a.username: a for a in local.accounts()}
    assert set(accounts) == {ADELE, ALEX}
    assert accounts[ADELE].selected and not accounts[ALEX].selected  # the first sign-in stays selected
    assert tenant.user_for_token(local.token()).userPrincipalName == ADELE
    assert tenant.user_for_token(local.token(ALEX.upper())).userPrincipalName == ALEX  # case-insensitive
    assert tenant.user_for_token(local.token(accounts[ALEX].id)).userPrincipalName == ALEX  # home account id
    local.select(ALEX)
    assert tenant.user_for_token(local.token()).userPrincipalName == ALEX
    with pytest.raises(NotSignedIn, match="No signed-in account matches"):
        local.token("nobody@contoso.sandbox")
    removed = local.remove(ALEX)
    assert removed.username == ALEX and [a.username for a in local.accounts()] == [ADELE]
    with pytest.raises(LocalAuthError, match=ADELE):
        local.select("ghost")


def test_several_accounts_and_none_selected_lists_them(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    sign_in(local, tenant, ALEX)
    local._save_selected(None)
    with pytest.raises(NotSignedIn) as info:
        local.token()
    assert ADELE in str(info.value) and ALEX in str(info.value) and "select-account" in str(info.value)


def test_sign_in_as_someone_else_than_the_pin_is_refused_and_not_kept(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    local = make_local(pins=Pins(username=ALEX.upper()))
    with pytest.raises(PinViolation, match="not saved"):
        sign_in(local, tenant, ADELE)
    assert not (tmp_path / "cache" / "token-cache.json").exists()
    assert make_local().accounts() == []
    assert sign_in(local, tenant, ALEX).username == ALEX  # the pinned account itself is fine


def test_home_account_id_pin(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    local = make_local()
    adele = sign_in(local, tenant, ADELE)
    sign_in(local, tenant, ALEX)
    pinned = make_local(pins=Pins(home_account_id=adele.id))
    assert [a.username for a in pinned.accounts()] == [ADELE]  # the others are invisible
    pinned.check_pins()
    with pytest.raises(NotSignedIn):
        pinned.token(ALEX)


def test_start_up_fails_when_the_pinned_account_is_not_cached(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    from ms365mcp.auth.local import AuthConfigError

    sign_in(make_local(), tenant, ADELE)
    with pytest.raises(AuthConfigError, match="not in the token cache"):
        make_local(pins=Pins(username=ALEX)).check_pins()
    make_local(pins=Pins(username=ADELE)).check_pins()  # cached: fine


def test_corrupted_cache_is_left_untouched_and_asks_to_sign_in(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    cache = tmp_path / "cache" / "token-cache.json"
    cache.write_bytes(b'{"_cacheEnvelope": true, "v": 2, "alg": "A256GCM", "iv": "AAAA", "tag": "AAAA", "data": "x"}')
    before = cache.read_bytes()
    fresh = make_local()
    assert fresh.accounts() == []
    with pytest.raises(NotSignedIn, match=r"cannot be decrypted.*Sign in again"):
        fresh.token()
    assert cache.read_bytes() == before  # never overwritten by routine use
    sign_in(fresh, tenant, ALEX)  # an explicit sign-in replaces it
    assert [a.username for a in make_local().accounts()] == [ALEX]


def test_a_lost_key_counts_as_unreadable(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    sign_in(make_local(), tenant, ADELE)
    (tmp_path / "cache" / ".cache-key").unlink()
    cache = (tmp_path / "cache" / "token-cache.json").read_bytes()
    with pytest.raises(NotSignedIn, match="cannot be decrypted"):
        make_local().token()
    assert (tmp_path / "cache" / "token-cache.json").read_bytes() == cache


def test_files_are_private(make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    sign_in(make_local(), tenant, ADELE)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = {p.name for p in folder.iterdir()}
    assert {"token-cache.json", "selected-account.json", ".cache-key"} <= names
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    stored = (folder / "token-cache.json").read_text()
    assert json.loads(stored)["alg"] == "A256GCM" and ADELE not in stored  # encrypted at rest


def test_two_processes_keep_each_others_sign_ins(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    first, second = make_local(), make_local()
    first.accounts(), second.accounts()
    sign_in(first, tenant, ADELE)
    sign_in(second, tenant, ALEX)
    assert {a.username for a in make_local().accounts()} == {ADELE, ALEX}


def test_keyring_holds_the_key_when_it_works(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    class FakeKeyring:
        priority = 5

        def __init__(self) -> None:
            self.values: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, user: str) -> str | None:
            return self.values.get((service, user))

        def set_password(self, service: str, user: str, value: str) -> None:
            self.values[(service, user)] = value

    ring = FakeKeyring()
    store = file_store(tmp_path / "cache", use_keyring=True, keyring_backend=ring)
    sign_in(make_local(store=store), tenant, ADELE)
    assert ("ms365mcp", "cache-key") in ring.values
    assert not (tmp_path / "cache" / ".cache-key").exists()
    again = file_store(tmp_path / "cache", use_keyring=True, keyring_backend=ring)
    assert [a.username for a in make_local(store=again).accounts()] == [ADELE]


def test_logout_forgets_everything(make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    local.logout()
    assert local.accounts() == [] and not (tmp_path / "cache" / "token-cache.json").exists()
    assert not (tmp_path / "cache" / "selected-account.json").exists()


def test_browser_sign_in_with_loopback_redirect(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    def browser(url: str) -> None:
        # the person picks Alex on the emulator's consent page; the browser follows the redirect to loopback
        from bs4 import BeautifulSoup

        consent = tenant.entra.handle("GET", url, params={"sandbox_user": ALEX})
        form = BeautifulSoup(consent.text, "html.parser").form
        assert consent.status_code == 200 and form["action"].startswith("http://localhost:")
        fields = {i["name"]: i["value"] for i in form.find_all("input")}
        page = httpx.post(form["action"].replace("localhost", "127.0.0.1"), data=fields)
        assert "Signed in" in page.text

    local = make_local(open_browser=browser, browser_timeout=30)
    account = local.login_browser()
    assert account.username == ALEX
    assert "authorization_code" in tenant.entra.grants
    assert tenant.user_for_token(local.token()).userPrincipalName == ALEX


def test_background_login_reports_through_pending(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    import threading

    release = threading.Event()
    local = make_local()
    local.sleep = lambda _s: release.wait(5)
    tenant.entra.auto_approve_after = None
    pending = local.begin_login()
    assert pending.state == "pending" and pending.user_code in tenant.entra.pending()
    tenant.entra.approve(pending.user_code, ALEX)
    release.set()
    for _ in range(500):
        if pending.state != "pending":
            break
        threading.Event().wait(0.01)
    assert pending.state == "done" and pending.account and pending.account.username == ALEX


def test_scopes_requested() -> None:
    assert request_scopes(["Mail.Read", "offline_access", "Mail.Read"]) == ["Mail.Read", "User.Read"]
    china = request_scopes(["Mail.Read"], "china")
    assert china == [
        "https://microsoftgraph.chinacloudapi.cn/Mail.Read",
        "https://microsoftgraph.chinacloudapi.cn/User.Read",
    ]


def test_missing_client_id_says_what_to_set(tmp_path: Path) -> None:
    local = LocalAuth(
        client_id=None,
        authority="https://login.microsoftonline.com/common",
        scopes=["User.Read"],
        store=file_store(tmp_path),
    )
    with pytest.raises(LocalAuthError, match="MS365_MCP_CLIENT_ID"):
        local.start_device_flow()
    with pytest.raises(NotSignedIn, match="--login"):
        local.token()  # nothing cached: no network needed to say so


def test_no_token_code_or_secret_reaches_the_logs(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, caplog: Any, capfd: Any
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    tenant.entra.access_token_lifetime = 60
    local = make_local()
    flow_codes: list[str] = []
    original = local.start_device_flow

    def spy() -> dict[str, Any]:
        flow = original()
        flow_codes.extend([flow["device_code"], flow["user_code"]])
        return flow

    local.start_device_flow = spy  # type: ignore[method-assign]
    tenant.entra.auto_approve_user = ADELE
    local.login_device_code(lambda _line: None)
    tokens = [local.token(), local.token()]
    refresh = list(tenant.entra._refresh)
    out, err = capfd.readouterr()
    text = caplog.text + out + err
    secrets = [*tokens, *refresh, *flow_codes]
    assert secrets and all(s not in text for s in secrets)
    assert all(t.split(".")[2] not in text for t in tokens)  # not even a token's signature


def test_the_device_code_request_carries_tool_permissions_extra_scopes_and_offline_access() -> None:
    from ms365mcp import ToolSpec, hookimpl
    from ms365mcp.catalog.registry import collect
    from ms365mcp.catalog.selection import effective_permissions, select
    from ms365mcp.plugins import make_plugin_manager
    from ms365mcp.settings import Settings

    class Plugin:
        @hookimpl
        def register_tools(self, register: Any) -> None:
            register(ToolSpec("list-notes", "GET", "/me/onenote/notebooks", "Notebooks.", scopes="Notes.Read"))

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Plugin(), name="notes")
    settings = Settings(sandbox=True, extra_scopes=("Sites.Read.All", "offline_access"))
    tenant = SandboxTenant()
    local = LocalAuth.for_sandbox(settings, tenant, effective_permissions(select(collect(pm), settings), settings))
    local.start_device_flow()
    (entry,) = tenant.entra._device.values()
    assert sorted(entry.scopes) == ["Notes.Read", "Sites.Read.All", "User.Read", "offline_access", "openid", "profile"]
