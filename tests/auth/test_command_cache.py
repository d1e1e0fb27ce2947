"""The ``command`` cache provider (protocol v1): a small Python program as the store."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ms365mcp.auth.cache import CacheStore
from ms365mcp.auth.command_cache import CacheCommandError, CommandCacheProvider, command_provider
from ms365mcp.auth.local import LocalAuth, LocalAuthError
from ms365mcp.identity import NotSignedIn
from ms365mcp.sandbox.tenant import SandboxTenant
from ms365mcp.settings import Settings, SettingsError
from tests.auth.conftest import ADELE, sign_in

STORE_SCRIPT = """
import json, os, sys
op, key = sys.argv[1], sys.argv[2]
folder = os.environ["CACHE_DIR"]
path = os.path.join(folder, key)
with open(os.path.join(folder, "calls.log"), "a") as log:
    log.write(f"{op} {key}\\n")
if op == "load":
    if os.path.exists(path):
        print(json.dumps({"found": True, "value": open(path).read()}))
    else:
        print(json.dumps({"found": False}))
elif op == "save":
    value = json.load(sys.stdin)["value"]
    open(path, "w").write(value)
elif op == "delete":
    if os.path.exists(path):
        os.remove(path)
"""


def program(tmp_path: Path, body: str, name: str = "store-command") -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o700)
    return str(path)


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: Any) -> Path:
    folder = tmp_path / "store"
    folder.mkdir()
    monkeypatch.setenv("CACHE_DIR", str(folder))
    return folder


def test_round_trip_with_the_exact_wire_format(tmp_path: Path, store_dir: Path) -> None:
    provider = CommandCacheProvider(program(tmp_path, STORE_SCRIPT))
    assert provider.load("token-cache") is None
    provider.save("token-cache", "opaque value")
    assert (store_dir / "token-cache").read_text() == "opaque value"
    assert provider.load("token-cache") == "opaque value"
    provider.delete("token-cache")
    provider.delete("token-cache")  # deleting a missing key is fine
    assert provider.load("token-cache") is None
    assert (store_dir / "calls.log").read_text().split("\n")[:3] == [
        "load token-cache",
        "save token-cache",
        "load token-cache",
    ]


def test_sign_in_through_the_command_store(
    tmp_path: Path,
    store_dir: Path,
    make_local: Callable[..., LocalAuth],
    tenant: SandboxTenant,
    caplog: Any,
    capfd: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = CacheStore(CommandCacheProvider(program(tmp_path, STORE_SCRIPT)), "command")
    local = make_local(store=store)
    sign_in(local, tenant, ADELE)
    envelope = json.loads((store_dir / "token-cache").read_text())
    assert envelope["_cacheEnvelope"] is True and "savedAt" in envelope  # the plain layer-1 envelope
    assert json.loads((store_dir / "selected-account").read_text())["_cacheEnvelope"] is True
    token = make_local(store=store).token()
    assert tenant.user_for_token(token).userPrincipalName == ADELE
    out, err = capfd.readouterr()
    assert token not in caplog.text + out + err
    assert envelope["data"] not in caplog.text + out + err  # payloads are never logged


def test_failing_command_fails_closed(tmp_path: Path, make_local: Callable[..., LocalAuth]) -> None:
    script = program(tmp_path, "import sys\nsys.stderr.write('vault says no')\nsys.exit(3)\n")
    provider = CommandCacheProvider(script)
    with pytest.raises(CacheCommandError, match=r"exited 3 on load token-cache: vault says no"):
        provider.load("token-cache")
    local = make_local(store=CacheStore(provider, "command"))
    with pytest.raises(LocalAuthError, match="exited 3"):
        local.accounts()
    with pytest.raises(LocalAuthError, match="exited 3"):
        local.token()
    assert not (tmp_path / "cache").exists()  # no fallback to the file store


def test_hanging_command_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = program(
        tmp_path, f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    provider = CommandCacheProvider(script, timeout_ms=300)
    with pytest.raises(CacheCommandError, match="timed out"):
        provider.load("token-cache")
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # terminated and reaped


def test_hanging_command_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = program(
        tmp_path,
        "import os, signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n",
    )
    provider = CommandCacheProvider(script, timeout_ms=300)
    with pytest.raises(CacheCommandError, match="timed out"):
        provider.save("token-cache", "x")
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("not json", "other than JSON"),
        ('{"found": true}', "unexpected shape"),
        ('{"found": true, "value": 5}', "unexpected shape"),
        ("[1, 2]", "unexpected shape"),
    ],
)
def test_invalid_answers_are_errors(tmp_path: Path, output: str, message: str) -> None:
    provider = CommandCacheProvider(program(tmp_path, f"print({output!r})\n"))
    with pytest.raises(CacheCommandError, match=message):
        provider.load("selected-account")


def test_the_command_must_be_an_absolute_executable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="absolute path"):
        CommandCacheProvider("store.py")
    with pytest.raises(SettingsError, match="not an existing file"):
        CommandCacheProvider(str(tmp_path / "missing"))
    plain = tmp_path / "plain"
    plain.write_text("print()")
    plain.chmod(0o600)
    with pytest.raises(SettingsError, match="not executable"):
        CommandCacheProvider(str(plain))
    with pytest.raises(SettingsError, match="without a shell"):
        CommandCacheProvider(f"{program(tmp_path, 'pass')} --flag")


def test_settings_choose_the_command_provider(tmp_path: Path) -> None:
    script = program(tmp_path, STORE_SCRIPT)
    settings = Settings.from_env(
        {"MS365_MCP_AUTH_CACHE_COMMAND": script, "MS365_MCP_AUTH_CACHE_COMMAND_TIMEOUT_MS": "2500"}
    )
    assert settings.auth_cache == "command"
    provider = command_provider(settings)
    assert provider.command == script and provider.timeout == 2.5
    with pytest.raises(SettingsError):
        Settings.from_env({"MS365_MCP_AUTH_CACHE_COMMAND_TIMEOUT_MS": "soon"})


def test_not_signed_in_through_a_failing_store_is_still_an_error(
    tmp_path: Path, make_local: Callable[..., LocalAuth]
) -> None:
    provider = CommandCacheProvider(program(tmp_path, "import sys\nsys.exit(1)\n"))
    local = make_local(store=CacheStore(provider, "command"))
    with pytest.raises((LocalAuthError, NotSignedIn)):
        local.token()


RECORDER = """
import json, os, sys
with open(os.path.join(os.environ["CACHE_DIR"], "wire.jsonl"), "a") as log:
    log.write(json.dumps({"argv": sys.argv[1:], "stdin": sys.stdin.read()}) + "\\n")
if sys.argv[1] == "load":
    print(os.environ.get("LOAD_ANSWER", ""))
"""


def test_the_wire_is_exactly_protocol_v1(tmp_path: Path, store_dir: Path, monkeypatch: Any) -> None:
    provider = CommandCacheProvider(program(tmp_path, RECORDER))
    assert provider.load("token-cache") is None  # empty output is a miss
    monkeypatch.setenv("LOAD_ANSWER", '  {"found": false}  ')
    assert provider.load("selected-account") is None
    provider.save("selected-account", 'va"lue')
    provider.delete("token-cache")
    calls = [json.loads(line) for line in (store_dir / "wire.jsonl").read_text().splitlines()]
    assert [c["argv"] for c in calls] == [
        ["load", "token-cache"],
        ["load", "selected-account"],
        ["save", "selected-account"],
        ["delete", "token-cache"],
    ]
    assert [c["stdin"] for c in calls] == ["", "", '{"value": "va\\"lue"}', ""]
    assert json.loads(calls[2]["stdin"]) == {"value": 'va"lue'}
    with pytest.raises(ValueError):
        provider.load("other-key")  # only the two keys of the protocol


def test_errors_keep_stderr_short_and_name_signals(tmp_path: Path) -> None:
    noisy = program(tmp_path, "import sys\nsys.stderr.write('x' * 5000)\nsys.exit(2)\n", name="noisy")
    with pytest.raises(CacheCommandError) as caught:
        CommandCacheProvider(noisy).delete("token-cache")
    assert "exited 2" in str(caught.value) and str(caught.value).count("x") <= 2048 + 5
    killed = program(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", name="killed")
    with pytest.raises(CacheCommandError, match="killed by signal 9"):
        CommandCacheProvider(killed).load("token-cache")


def test_a_strange_answer_never_repeats_the_payload(tmp_path: Path) -> None:
    answer = json.dumps({"found": "yes", "value": "refresh-token-secret"})
    provider = CommandCacheProvider(program(tmp_path, f"print({answer!r})\n"))
    with pytest.raises(CacheCommandError) as caught:
        provider.load("token-cache")
    assert "refresh-token-secret" not in str(caught.value)


async def _list_accounts(runtime: Any) -> Any:
    from ms365mcp.executor import execute
    from ms365mcp.identity import CURRENT_IDENTITY, static_token_identity

    CURRENT_IDENTITY.set(static_token_identity("bearer-of-this-request"))  # as the HTTP layer does per request
    try:
        return await execute(runtime, "list-accounts", {})
    finally:
        await runtime.aclose()


def test_http_mode_runs_the_command_only_when_asked(tmp_path: Path, store_dir: Path) -> None:
    import anyio

    from ms365mcp.runtime import build_runtime

    script = program(tmp_path, STORE_SCRIPT)
    calls = store_dir / "calls.log"
    base = dict(
        log_dir=tmp_path,
        state_dir=tmp_path,
        http="127.0.0.1:3999",
        auth_cache="command",
        auth_cache_command=script,
        client_id="11111111-2222-3333-4444-555555555555",
    )
    plain = build_runtime(Settings(**base))
    assert plain.local_auth is None and "list-accounts" not in plain.tools
    anyio.run(plain.aclose)
    assert not calls.exists()  # plain HTTP requests never touch the command
    enabled = build_runtime(Settings(**base, enable_auth_tools=True))
    assert not calls.exists()  # not even at start-up
    assert anyio.run(_list_accounts, enabled).data == {"accounts": []}
    assert calls.read_text().splitlines() == ["load token-cache", "load selected-account"]
