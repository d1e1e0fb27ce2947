"""The auth tools and the `account` argument through the runtime and executor."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ms365mcp import hookimpl
from ms365mcp.auth.cache import MemoryCacheProvider, open_store
from ms365mcp.auth.local import AuthConfigError, LocalAuth, Pins
from ms365mcp.auth.tools import AUTH_TOOLS
from ms365mcp.executor import execute
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.runtime import build_runtime
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant, SandboxTransport
from ms365mcp.settings import Settings
from tests.auth.conftest import ADELE, ALEX, WhoAmIPlugin, sign_in

pytestmark = pytest.mark.anyio


def _pm() -> Any:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(WhoAmIPlugin(), name="whoami")
    return pm


def _wait(pending: Any) -> None:
    for _ in range(1000):
        if pending.state != "pending":
            return
        threading.Event().wait(0.01)


async def test_sandbox_login_tool_then_verify(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path), _pm())
    try:
        assert set(AUTH_TOOLS) <= set(runtime.tools)
        local = runtime.local_auth
        assert local is not None and not local.started  # MSAL stays unloaded until someone signs in
        local.sleep = lambda _s: None
        started = await execute(runtime, "login", {})
        assert started.data["status"] == "device_code_required"
        assert started.data["userCode"] and "sandbox" in started.data["message"]
        _wait(local.pending)
        verified = await execute(runtime, "verify-login", {})
        assert verified.data["success"] and verified.data["userData"]["userPrincipalName"] == ADELE
        listed = await execute(runtime, "list-accounts", {})
        assert [a["username"] for a in listed.data["accounts"]] == [ADELE]
        again = await execute(runtime, "login", {})
        assert again.data["status"] == "already_signed_in"
        me = await execute(runtime, "whoami", {})
        assert me.data["userPrincipalName"] == ADELE
        bye = await execute(runtime, "logout", {})
        assert bye.data["message"] == "Logged out successfully"
        assert (await execute(runtime, "list-accounts", {})).data["accounts"] == []
    finally:
        await runtime.aclose()


async def test_failed_background_login_is_reported_by_verify_login(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path, expected_username=ALEX), _pm())
    try:
        runtime.local_auth.sleep = lambda _s: None
        await execute(runtime, "login", {})
        _wait(runtime.local_auth.pending)
        outcome = await execute(runtime, "verify-login", {})
        assert outcome.is_error and "pinned" in outcome.data["error"]["message"]
    finally:
        await runtime.aclose()


async def test_auth_tools_only_over_http_when_enabled(tmp_path: Path) -> None:
    base = dict(log_dir=tmp_path, state_dir=tmp_path, http="127.0.0.1:3999", use_keyring=False)
    plain = build_runtime(Settings(**base), _pm())
    enabled = build_runtime(Settings(**base, enable_auth_tools=True), _pm())
    try:
        assert not set(AUTH_TOOLS) & set(plain.tools) and plain.local_auth is None
        assert set(AUTH_TOOLS) <= set(enabled.tools) and enabled.local_auth is not None
    finally:
        await plain.aclose()
        await enabled.aclose()


async def test_presets_do_not_hide_the_auth_tools_but_a_regex_does(tmp_path: Path) -> None:
    from ms365mcp.auth.tools import apply_auth_tool_policy
    from ms365mcp.catalog.registry import collect
    from ms365mcp.catalog.selection import select

    catalog = collect(_pm())
    for settings, expected in (
        (Settings(read_only=True, log_dir=tmp_path), set(AUTH_TOOLS)),
        (Settings(enabled_tools="^whoami$", log_dir=tmp_path), set()),
        (Settings(enabled_tools="login", log_dir=tmp_path), {"login", "verify-login"}),
    ):
        chosen = apply_auth_tool_policy(catalog, select(catalog, settings), settings)
        assert set(chosen.tools) & set(AUTH_TOOLS) == expected


@pytest.fixture
def local_runtime(
    tenant: SandboxTenant, tmp_path: Path, make_local: Callable[..., LocalAuth], monkeypatch: Any
) -> Callable[..., Any]:
    """A stdio runtime whose local sign-in talks to the emulator and keeps its file cache in tmp_path."""

    def from_settings(cls: Any, settings: Settings, pm: Any, permissions: list[str], **kw: Any) -> LocalAuth:
        pins = Pins(settings.expected_username, settings.expected_home_account_id)
        return make_local(store=open_store(settings, pm), pins=pins)

    monkeypatch.setattr(LocalAuth, "from_settings", classmethod(from_settings))
    pm = _pm()
    pm.hook.sandbox_setup(tenant=tenant)  # /me on the tenant the tokens are for

    def build(**overrides: Any) -> Any:
        settings = Settings(
            log_dir=tmp_path,
            state_dir=tmp_path,
            token_cache_path=tmp_path / "cache" / "token-cache.json",
            use_keyring=False,
            graph_url=SANDBOX_GRAPH_URL,
            **overrides,
        )
        return build_runtime(settings, pm, base_transport=SandboxTransport(tenant.app()))

    return build


async def test_several_accounts_add_the_account_argument(
    local_runtime: Callable[..., Any], make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    seed = make_local()
    sign_in(seed, tenant, ADELE)
    sign_in(seed, tenant, ALEX)
    runtime = local_runtime()
    try:
        schemas = {d["name"]: d["inputSchema"] for d in runtime.tool_definitions}
        assert schemas["whoami"]["properties"]["account"] == {"type": "string"}  # no address list in every schema
        assert runtime.account_names == (ADELE, ALEX) or set(runtime.account_names) == {ADELE, ALEX}
        assert all("account" not in schemas[name]["properties"] for name in AUTH_TOOLS)
        assert (await execute(runtime, "whoami", {"account": ALEX})).data["userPrincipalName"] == ALEX
        assert (await execute(runtime, "whoami", {})).data["userPrincipalName"] == ADELE  # the selected one
        seed._save_selected(None)
        unsure = await execute(runtime, "whoami", {})
        assert unsure.is_error and unsure.data["error"]["code"] == "not_signed_in"
        assert ADELE in unsure.data["error"]["message"] and ALEX in unsure.data["error"]["message"]
        await execute(runtime, "select-account", {"accountId": ALEX})
        assert (await execute(runtime, "whoami", {})).data["userPrincipalName"] == ALEX
        wrong = await execute(runtime, "whoami", {"account": "ghost@contoso.sandbox"})
        assert wrong.is_error and ADELE in wrong.data["error"]["message"]
    finally:
        await runtime.aclose()


async def test_one_account_or_a_pin_means_no_account_argument(
    local_runtime: Callable[..., Any], make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    seed = make_local()
    sign_in(seed, tenant, ADELE)
    single = local_runtime()
    sign_in(seed, tenant, ALEX)
    pinned = local_runtime(expected_username=ALEX)
    try:
        for runtime in (single, pinned):
            schema = next(d for d in runtime.tool_definitions if d["name"] == "whoami")["inputSchema"]
            assert "account" not in schema["properties"]
        assert (await execute(pinned, "whoami", {})).data["userPrincipalName"] == ALEX
        refused = await execute(pinned, "whoami", {"account": ADELE})
        assert refused.is_error and refused.data["error"]["code"] == "invalid_arguments"
    finally:
        await single.aclose()
        await pinned.aclose()


async def test_start_up_fails_when_the_pin_is_not_cached(local_runtime: Callable[..., Any]) -> None:
    with pytest.raises(AuthConfigError, match="not in the token cache"):
        local_runtime(expected_username=ALEX)


async def test_not_signed_in_tells_how(local_runtime: Callable[..., Any]) -> None:
    runtime = local_runtime()
    try:
        outcome = await execute(runtime, "whoami", {})
        assert outcome.is_error and "--login" in outcome.data["error"]["message"]
        assert "consumers" in outcome.data["error"]["message"]
    finally:
        await runtime.aclose()


class ThirdPartyCache:
    """A provider plugin as a third party would ship one (Redis, a database, ...)."""

    def __init__(self) -> None:
        self.provider = MemoryCacheProvider()
        self.built_with: list[Settings] = []

    @hookimpl
    def register_auth_cache_providers(self, register: Any) -> None:
        def factory(settings: Settings) -> MemoryCacheProvider:
            self.built_with.append(settings)
            return self.provider

        register("shelf", factory)


def test_hook_register_auth_cache_providers(
    tenant: SandboxTenant, make_local: Callable[..., LocalAuth], tmp_path: Path
) -> None:
    plugin = ThirdPartyCache()
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(plugin, name="shelf")
    settings = Settings.from_env({"MS365_MCP_AUTH_CACHE": "shelf", "HOME": str(tmp_path)})
    store = open_store(settings, pm)
    assert store.name == "shelf" and plugin.built_with == [settings]
    sign_in(make_local(store=store), tenant, ADELE)
    assert set(plugin.provider.values) == {"token-cache", "selected-account"}
    from ms365mcp.settings import SettingsError

    with pytest.raises(SettingsError, match="shelf"):
        open_store(Settings.from_env({"MS365_MCP_AUTH_CACHE": "nowhere"}), pm)


async def test_login_tool_names_personal_accounts_and_verify_checks_the_new_account(
    local_runtime: Callable[..., Any], make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    sign_in(make_local(), tenant, ADELE)
    runtime = local_runtime()
    try:
        tenant.entra.auto_approve_user = ALEX
        started = await execute(runtime, "login", {"force": True})
        assert started.data["userCode"] in started.data["message"]
        assert "MS365_MCP_TENANT_ID=consumers" in started.data["message"]
        _wait(runtime.local_auth.pending)
        verified = await execute(runtime, "verify-login", {})
        assert verified.data["userData"]["userPrincipalName"] == ALEX  # not the still-selected Adele
        assert verified.data["account"]["username"] == ALEX
        assert (await execute(runtime, "whoami", {})).data["userPrincipalName"] == ADELE  # selection unchanged
    finally:
        await runtime.aclose()


async def test_list_accounts_tool_warns_about_an_unreadable_cache(
    local_runtime: Callable[..., Any], make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    runtime = local_runtime()
    try:
        sign_in(make_local(), tenant, ADELE)
        (tmp_path / "cache" / ".cache-key").unlink()
        listed = await execute(runtime, "list-accounts", {})
        assert listed.data["accounts"] == [] and "cannot be decrypted" in listed.data["warning"]
    finally:
        await runtime.aclose()
