"""The file cache's guarantees (privacy, atomicity, locking, keys) and the device-code endings."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ms365mcp.auth.cache import (
    TOKEN_CACHE,
    CacheStore,
    DamagedKey,
    FileCacheProvider,
    file_provider,
    keyring_usable,
)
from ms365mcp.auth.local import PERSONAL_ACCOUNTS_HINT, LocalAuth, LocalAuthError
from ms365mcp.sandbox.tenant import SandboxTenant
from ms365mcp.settings import Settings
from tests.auth.conftest import ADELE, ALEX, file_store, sign_in


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- device code endings ---------------------------------------------------------------------------


def test_a_declined_device_code_says_so_and_saves_nothing(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    tenant.entra.auto_approve_after = None
    local = make_local()
    flow = local.start_device_flow()
    tenant.entra.deny(flow["user_code"])
    with pytest.raises(LocalAuthError, match=r"declined at the verification page.*start again") as caught:
        local.finish_device_flow(flow)
    assert flow["device_code"] not in str(caught.value)
    assert local.accounts() == [] and not (tmp_path / "cache" / "token-cache.json").exists()


def test_an_expired_device_code_says_so(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    now = [1_000_000.0]
    tenant.entra.clock = lambda: now[0]
    local = make_local()
    flow = local.start_device_flow()
    now[0] += 901  # Entra answers expired_token
    with pytest.raises(LocalAuthError, match=r"expired before anyone signed in.*\(expired_token\)"):
        local.finish_device_flow(flow)

    # the local deadline also ends the wait while Entra still says "pending"
    tenant.entra.auto_approve_after = None
    late = make_local(clock=lambda: 4_000_000_000.0)
    with pytest.raises(LocalAuthError, match="expired before anyone signed in"):
        late.finish_device_flow(late.start_device_flow())


def test_the_login_hint_names_consumers_unless_it_is_already_used(tmp_path: Path) -> None:
    def local(authority: str) -> LocalAuth:
        return LocalAuth(client_id="x", authority=authority, scopes=["User.Read"], store=file_store(tmp_path))

    assert "MS365_MCP_TENANT_ID=consumers" in PERSONAL_ACCOUNTS_HINT
    assert local("https://login.microsoftonline.com/common").login_hint == PERSONAL_ACCOUNTS_HINT
    assert local("https://login.microsoftonline.com/consumers").login_hint == ""


def test_list_accounts_shows_display_names(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    local = make_local()
    signed_in = sign_in(local, tenant, ALEX)
    assert signed_in.name == tenant.find_user(ALEX).displayName
    assert [(a.username, a.name) for a in make_local().accounts()] == [(ALEX, tenant.find_user(ALEX).displayName)]


# --- folders and files -------------------------------------------------------------------------------


def test_lock_and_key_files_are_private_too(make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    old = os.umask(0)  # a careless umask must not widen anything
    try:
        local = make_local()
        sign_in(local, tenant, ADELE)
    finally:
        os.umask(old)
    folder = Path(local.store.location).parent
    assert _mode(folder) == 0o700
    for name in (".cache-key", ".token-cache.lock", "token-cache.json", "selected-account.json"):
        assert _mode(folder / name) == 0o600, name
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # no temporary file left behind


def test_missing_parent_folders_are_created_private(tmp_path: Path) -> None:
    provider = FileCacheProvider(tmp_path / "a" / "b" / "token-cache.json", tmp_path / "a" / "b" / "selected.json")
    provider.save(TOKEN_CACHE, "value")
    assert _mode(tmp_path / "a") == 0o700 and _mode(tmp_path / "a" / "b") == 0o700


def test_a_shared_folder_keeps_its_mode(tmp_path: Path, caplog: Any) -> None:
    """MS365_MCP_TOKEN_CACHE_PATH=~/tokens.json must not chmod the home folder; the files are 0600."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    (home / "notes.txt").write_text("mine")
    provider = FileCacheProvider(home / "tokens.json", home / "selected.json", use_keyring=False)
    with caplog.at_level(logging.WARNING):
        provider.save(TOKEN_CACHE, "value")
    assert _mode(home) == 0o755 and "holds other files" in caplog.text
    assert _mode(home / "tokens.json") == 0o600 and _mode(home / ".cache-key") == 0o600
    assert provider.load(TOKEN_CACHE) == "value"


def test_the_cache_folder_is_tightened_when_it_is_ours(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o755)
    FileCacheProvider(folder / "token-cache.json", folder / "selected.json", use_keyring=False).save(TOKEN_CACHE, "v")
    assert _mode(folder) == 0o700
    state = tmp_path / "state"  # the default state folder is ours even with logs in it
    (state / "logs").mkdir(parents=True)
    state.chmod(0o755)
    settings = Settings(state_dir=state, log_dir=state / "logs", use_keyring=False)
    file_provider(settings).save(TOKEN_CACHE, "v")
    assert _mode(state) == 0o700


def test_atomic_replace_keeps_the_old_file_when_writing_fails(tmp_path: Path, monkeypatch: Any) -> None:
    provider = FileCacheProvider(tmp_path / "token-cache.json", tmp_path / "selected.json", use_keyring=False)
    provider.save(TOKEN_CACHE, "first")
    before = (tmp_path / "token-cache.json").read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        provider.save(TOKEN_CACHE, "second")
    monkeypatch.undo()
    assert (tmp_path / "token-cache.json").read_bytes() == before and provider.load(TOKEN_CACHE) == "first"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- two processes ----------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from ms365mcp.auth.cache import CacheStore, FileCacheProvider
    folder, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    provider = FileCacheProvider(folder / "token-cache.json", folder / "selected.json", use_keyring=False)
    store = CacheStore(provider, "file")
    for i in range(rounds):
        with store.locked():  # the same load-change-save unit LocalAuth uses
            items = json.loads(store.load("token-cache") or "[]")
            items.append(f"{name}-{i}")
            store.save("token-cache", json.dumps(items))
    """
)


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    rounds = 40
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    folder = tmp_path / "cache"
    writers = [
        subprocess.Popen([sys.executable, str(script), str(folder), name, str(rounds)], stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    store = CacheStore(FileCacheProvider(folder / "token-cache.json", folder / "selected.json", use_keyring=False), "f")
    items = json.loads(store.load(TOKEN_CACHE) or "[]")
    assert sorted(items) == sorted(f"{n}-{i}" for n in ("a", "b") for i in range(rounds))


# --- keys ----------------------------------------------------------------------------------------------


def test_a_damaged_key_file_blocks_use_until_logout_then_starts_afresh(
    make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    key_file = tmp_path / "cache" / ".cache-key"
    key_file.write_text("not a key\n")
    fresh = make_local()
    with pytest.raises(LocalAuthError, match="damaged; run `ms365mcp --logout`"):
        fresh.accounts()
    cache = (tmp_path / "cache" / "token-cache.json").read_bytes()
    with pytest.raises(DamagedKey):  # never replaced while data encrypted with it exists
        fresh.store.provider.key(create=True)
    assert (tmp_path / "cache" / "token-cache.json").read_bytes() == cache
    fresh.logout()
    sign_in(make_local(), tenant, ALEX)  # what the error message promised
    assert [a.username for a in make_local().accounts()] == [ALEX]
    assert len(base64.b64decode(key_file.read_text())) == 32


def test_the_fail_keyring_falls_back_to_a_key_file(tmp_path: Path) -> None:
    from keyring.backends import fail

    assert keyring_usable(fail.Keyring()) is None
    provider = FileCacheProvider(
        tmp_path / "token-cache.json", tmp_path / "selected.json", use_keyring=True, keyring_backend=fail.Keyring()
    )
    provider.save(TOKEN_CACHE, "value")
    assert _mode(tmp_path / ".cache-key") == 0o600 and provider.load(TOKEN_CACHE) == "value"


def test_a_keyring_that_breaks_at_use_falls_back_to_a_key_file(tmp_path: Path, caplog: Any) -> None:
    class LockedKeyring:
        priority = 5

        def get_password(self, service: str, user: str) -> str | None:
            raise RuntimeError("secret service is locked")

        def set_password(self, service: str, user: str, value: str) -> None:
            raise RuntimeError("secret service is locked")

    provider = FileCacheProvider(
        tmp_path / "token-cache.json", tmp_path / "selected.json", use_keyring=True, keyring_backend=LockedKeyring()
    )
    with caplog.at_level(logging.WARNING):
        provider.save(TOKEN_CACHE, "value")
    assert (tmp_path / ".cache-key").exists() and provider.load(TOKEN_CACHE) == "value"
    assert "keyring failed (RuntimeError)" in caplog.text


@pytest.mark.parametrize(
    ("raw", "wanted"), [("false", False), ("0", False), ("off", False), ("true", True), ("", True)]
)
def test_use_keytar_switch(raw: str, wanted: bool) -> None:
    assert Settings.from_env({"MS365_MCP_USE_KEYTAR": raw}).use_keyring is wanted


def test_use_keytar_false_never_asks_the_keyring(tmp_path: Path) -> None:
    class Tripwire:
        priority = 5

        def get_password(self, service: str, user: str) -> str | None:
            raise AssertionError("the keyring was asked")

        set_password = get_password  # type: ignore[assignment]

    settings = Settings.from_env({"MS365_MCP_USE_KEYTAR": "false", "HOME": str(tmp_path)})
    provider = FileCacheProvider(
        tmp_path / "c" / "token-cache.json",
        tmp_path / "c" / "selected.json",
        use_keyring=settings.use_keyring,
        keyring_backend=Tripwire(),
    )
    provider.save(TOKEN_CACHE, "value")
    assert provider.load(TOKEN_CACHE) == "value" and (tmp_path / "c" / ".cache-key").exists()


def test_the_loser_of_a_key_creation_race_adopts_the_winners_key(tmp_path: Path) -> None:
    winner = FileCacheProvider(tmp_path / "token-cache.json", tmp_path / "selected.json", use_keyring=False)
    loser = FileCacheProvider(tmp_path / "token-cache.json", tmp_path / "selected.json", use_keyring=False)
    assert loser.key(create=False) is None  # both saw no key...
    mine = winner.key(create=True)  # ...the winner linked its key file into place first
    assert loser._new_key() == mine
    assert [p.name for p in tmp_path.iterdir()] == [".cache-key"]  # no temporary key file left
