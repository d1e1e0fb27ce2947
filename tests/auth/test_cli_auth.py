"""The account commands of the CLI, offline."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ms365mcp.auth import commands
from ms365mcp.auth.local import LocalAuth
from ms365mcp.cli import main
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant, SandboxTransport
from ms365mcp.settings import Settings
from tests.auth.conftest import ADELE, ALEX, sign_in


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: Any) -> Iterator[None]:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MS365_MCP_USE_KEYTAR", "false")
    monkeypatch.chdir(tmp_path)
    for name in ("MS365_MCP_CLIENT_ID", "MS365_MCP_OAUTH_TOKEN", "MS365_MCP_EXPECTED_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    # main() configures logging for the process; put it back so later tests' log captures still work
    names = ("", "ms365mcp", "mcp", "httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access", "msal")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_sandbox_login_shows_the_whole_device_code_experience(capsys: Any) -> None:
    code = main(["--sandbox", "--login"])
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert code == 0 and result["success"] and result["userData"]["userPrincipalName"] == ADELE
    assert "enter the code" in err and "sandbox" in err and "approves the code" in err
    assert f"Signed in as {ADELE}" in err


@pytest.mark.parametrize(
    ("argv", "env"),
    [(["--expected-username", "", "--list-accounts"], {}), (["--list-accounts"], {"MS365_MCP_EXPECTED_USERNAME": ""})],
)
def test_an_empty_pin_is_a_start_up_error(capsys: Any, monkeypatch: Any, argv: list[str], env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(argv) == 2
    assert "is empty" in capsys.readouterr().err


def test_account_commands_print_json(capsys: Any, make_local: Callable[..., LocalAuth], tenant: SandboxTenant) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    sign_in(local, tenant, ALEX)
    parser = argparse.ArgumentParser()
    commands.add_arguments(parser)
    settings = Settings()

    def run(*argv: str) -> tuple[int, Any]:
        code = commands.run(
            parser.parse_args(list(argv)), settings, local=local, transport=SandboxTransport(tenant.app())
        )
        return code, json.loads(capsys.readouterr().out)

    code, listed = run("--list-accounts")
    assert code == 0 and {a["username"] for a in listed["accounts"]} == {ADELE, ALEX}
    code, chosen = run("--select-account", ALEX)
    assert code == 0 and chosen["account"]["selected"] and chosen["account"]["username"] == ALEX
    code, missing = run("--select-account", "nobody")
    assert code == 1 and ADELE in missing["error"]
    code, removed = run("--remove-account", ALEX)
    assert code == 0 and removed["account"]["username"] == ALEX
    code, bye = run("--logout")
    assert code == 0 and bye == {"message": "Logged out successfully"}
    code, nothing = run("--list-accounts")
    assert nothing == {"accounts": []}


def test_account_command_without_a_client_id_explains(capsys: Any) -> None:
    assert main(["--select-account", "someone@example.com"]) == 1
    assert "MS365_MCP_CLIENT_ID" in json.loads(capsys.readouterr().out)["error"]


def test_dotenv_in_the_working_directory_is_read(capsys: Any, caplog: Any, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MS365_MCP_CLIENT_ID=from-dotenv\nMS365_MCP_ORG_MODE=true\n")
    with caplog.at_level(logging.WARNING, logger="ms365mcp"):
        assert main(["--list-accounts"]) == 0
    assert json.loads(capsys.readouterr().out) == {"accounts": []}
    warnings = [r.getMessage() for r in caplog.records if r.name == "ms365mcp.auth.secrets"]
    assert warnings and "MS365_MCP_ORG_MODE" in warnings[0]  # ignored, with a warning
    assert "true" not in warnings[0]  # the key is named, its value is not


def test_sandbox_account_commands_explain_that_nothing_is_kept(capsys: Any, tmp_path: Path) -> None:
    assert main(["--sandbox", "--login"]) == 0
    login = json.loads(capsys.readouterr().out)
    assert "in memory" in login["note"] and "nothing is written to disk" in login["note"]
    assert not (tmp_path / ".ms365mcp" / "token-cache.json").exists()
    assert main(["--sandbox", "--list-accounts"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["accounts"] == [] and "in memory" in listed["note"]
    # --verify-login answers what the sandbox server's tools would do: act as the demo user
    assert main(["--sandbox", "--verify-login"]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified["success"] and verified["userData"]["userPrincipalName"] == ADELE
    assert "none is needed" in verified["message"] and "note" in verified


def test_login_names_personal_accounts_and_shows_the_new_account(
    capsys: Any, make_local: Callable[..., LocalAuth], tenant: SandboxTenant
) -> None:
    local = make_local()
    sign_in(local, tenant, ADELE)
    tenant.entra.auto_approve_user = ALEX
    make_plugin_manager(load_entrypoints=False).hook.sandbox_setup(tenant=tenant)  # serves /me
    parser = argparse.ArgumentParser()
    commands.add_arguments(parser)
    settings = Settings(graph_url=SANDBOX_GRAPH_URL)
    code = commands.run(parser.parse_args(["--login"]), settings, local=local, transport=SandboxTransport(tenant.app()))
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert code == 0 and "MS365_MCP_TENANT_ID=consumers" in err
    assert result["userData"]["userPrincipalName"] == ALEX  # /me as the account that just signed in
    assert result["account"]["username"] == ALEX and result["account"]["name"] == tenant.find_user(ALEX).displayName
    assert "note" not in result


def test_list_accounts_warns_about_an_unreadable_cache(
    capsys: Any, make_local: Callable[..., LocalAuth], tenant: SandboxTenant, tmp_path: Path
) -> None:
    sign_in(make_local(), tenant, ADELE)
    (tmp_path / "cache" / ".cache-key").unlink()
    parser = argparse.ArgumentParser()
    commands.add_arguments(parser)
    assert commands.run(parser.parse_args(["--list-accounts"]), Settings(), local=make_local()) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["accounts"] == [] and "cannot be decrypted" in listed["warning"]
    assert "Sign in again" in listed["warning"]
