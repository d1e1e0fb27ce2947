"""Fixtures for local sign-in: the sandbox tenant's sign-in emulator, file stores, MSAL clients on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ms365mcp import ToolSpec, hookimpl
from ms365mcp.auth.cache import CacheStore, FileCacheProvider
from ms365mcp.auth.local import LocalAuth, Pins
from ms365mcp.sandbox.entra import SANDBOX_CLIENT_ID
from ms365mcp.sandbox.tenant import SandboxTenant

ADELE = "adele@contoso.sandbox"
ALEX = "alex@contoso.sandbox"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def tenant() -> SandboxTenant:
    t = SandboxTenant()
    t.entra.auto_approve_after = 1  # the device code is approved on the second poll
    return t


def file_store(directory: Path, **kwargs: Any) -> CacheStore:
    kwargs.setdefault("use_keyring", False)
    provider = FileCacheProvider(directory / "token-cache.json", directory / "selected-account.json", **kwargs)
    return CacheStore(provider, "file", str(directory / "token-cache.json"))


@pytest.fixture
def make_local(tenant: SandboxTenant, tmp_path: Path) -> Callable[..., LocalAuth]:
    """A LocalAuth on the emulator; by default with an encrypted file cache under tmp_path/cache."""

    def make(store: CacheStore | None = None, pins: Pins | None = None, **kwargs: Any) -> LocalAuth:
        return LocalAuth(
            client_id=SANDBOX_CLIENT_ID,
            authority=tenant.entra.authority("organizations"),
            scopes=["Notes.Read", "User.Read"],
            store=store or file_store(tmp_path / "cache"),
            pins=pins,
            http_client=tenant.entra.http_client(),
            instance_discovery=False,
            sleep=lambda _seconds: None,
            **kwargs,
        )

    return make


def sign_in(local: LocalAuth, tenant: SandboxTenant, user: str) -> Any:
    """Device-code sign-in, approved by ``user`` at the (emulated) verification page."""
    tenant.entra.auto_approve_user = user
    return local.login_device_code(lambda _line: None)


class WhoAmIPlugin:
    """A tool that shows which user Graph saw, so tests can tell accounts apart."""

    @hookimpl
    def register_tools(self, register: Any) -> None:
        register(ToolSpec("whoami", "GET", "/me", "Who am I.", scopes="User.Read", query={"select"}))
