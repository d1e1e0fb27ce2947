"""The account commands of the CLI, offline."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ms365mcp.auth import commands
from ms365mcp.auth.local import LocalAuth
from ms365mcp.cli import main
from ms365mcp.sandbox.tenant import SandboxTenant, SandboxTransport
from ms365mcp.settings import Settings
from tests.auth.conftest import ADELE, ALEX, sign_in


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MS365_MCP_USE_KEYTAR", "false")
    monkeypatch.chdir(tmp_path)
    for name in ("MS365_MCP_CLIENT_ID", "MS365_MCP_OAUTH_TOKEN", "MS365_MCP_EXPECTED_USERNAME"):
        monkeypatch.delenv(name, raising=False)


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


def test_dotenv_in_the_working_directory_is_read(capsys: Any, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MS365_MCP_CLIENT_ID=from-dotenv\nMS365_MCP_ORG_MODE=true\n")
    assert main(["--list-accounts"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"accounts": []}
    assert "MS365_MCP_ORG_MODE" in err  # ignored, with a warning
