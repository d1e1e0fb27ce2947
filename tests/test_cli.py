"""The command line: selection flags, JSON listings, one-off calls and clear start-up errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ms365mcp.cli import main


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: Any, tmp_path: Any) -> None:
    for name in (
        "ENABLED_TOOLS",
        "READ_ONLY",
        "MS365_MCP_ORG_MODE",
        "MS365_MCP_ALLOWED_SCOPES",
        "MS365_MCP_OAUTH_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MS365_MCP_LOG_DIR", str(tmp_path / "logs"))


def test_list_presets_is_json(capsys: Any) -> None:
    code, out, _ = run(capsys, "--list-presets")
    presets = {p["name"]: p for p in json.loads(out)["presets"]}
    assert code == 0 and {"mail", "outlook", "work", "all"} <= set(presets)
    assert presets["work"]["requiresOrgMode"] is True


def test_unknown_preset_lists_the_valid_ones(capsys: Any) -> None:
    code, _, err = run(capsys, "--preset", "mial", "tools")
    assert code == 2 and "unknown preset mial" in err and "mail" in err


def test_invalid_regex_stops_start_up(capsys: Any) -> None:
    code, _, err = run(capsys, "--enabled-tools", "list-(mail", "tools")
    assert code == 2 and "not a valid regex" in err


def test_empty_allowed_scopes_is_an_error(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("MS365_MCP_ALLOWED_SCOPES", "  ")
    code, _, err = run(capsys, "--list-permissions")
    assert code == 2 and "MS365_MCP_ALLOWED_SCOPES is empty" in err


def test_list_permissions_with_an_allow_list(capsys: Any) -> None:
    code, out, _ = run(
        capsys, "--preset", "mail", "--allowed-scopes", "Mail.Read User.Read Calendars.Read", "--list-permissions"
    )
    report = json.loads(out)
    assert code == 0
    assert set(report) >= {
        "toolPermissions",
        "effectivePermissions",
        "permissions",
        "allowedScopes",
        "disabledTools",
        "missingAllowedScopesForTools",
        "extraAllowedScopesNotUsedByTools",
    }
    assert report["effectivePermissions"] == ["Mail.Read", "User.Read"]
    disabled = {d["toolName"]: d for d in report["disabledTools"]}
    assert disabled["send-mail"]["missingScopes"] == ["Mail.Send"]
    assert "Calendars.Read" in report["extraAllowedScopesNotUsedByTools"]
    assert "Mail.Send" in report["missingAllowedScopesForTools"]


def test_read_only_keeps_only_tools_that_change_nothing(capsys: Any) -> None:
    code, out, _ = run(capsys, "--preset", "mail", "--read-only", "tools")
    names = [line.split()[0] for line in out.splitlines()[:-1]]
    assert code == 0 and "list-mail-messages" in names and "get-mail-tips" in names
    assert "send-mail" not in names and "delete-mail-message" not in names


def test_env_twins_are_honoured(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("ENABLED_TOOLS", "^list-mail-(messages|folders)$")
    code, out, _ = run(capsys, "tools")
    assert code == 0 and [line.split()[0] for line in out.splitlines()[:-1]] == [
        "list-mail-folders",
        "list-mail-messages",
    ]


def test_org_mode_adds_shared_mailbox_tools(capsys: Any) -> None:
    _, personal, _ = run(capsys, "--preset", "work", "tools")
    _, org, _ = run(capsys, "--preset", "work", "--org-mode", "tools")
    assert "list-shared-mailbox-messages" not in personal and "list-shared-mailbox-messages" in org


def test_call_prints_the_result_and_exit_code(capsys: Any) -> None:
    code, out, _ = run(capsys, "--sandbox", "call", "list-mail-messages", '{"top": 2}')
    assert code == 0 and len(json.loads(out)["value"]) == 2
    code, out, _ = run(capsys, "--sandbox", "call", "get-mail-message", '{"messageId": "nope"}')
    assert code == 1 and json.loads(out)["error"]["status"] == 404
    code, _, err = run(capsys, "--sandbox", "call", "list-mail-messages", "{top: 2}")
    assert code == 2 and "not valid JSON" in err
    code, _, err = run(capsys, "--sandbox", "call", "no-such-tool")
    assert code == 2 and "unknown tool" in err


def test_call_without_identity_says_how_to_sign_in(capsys: Any) -> None:
    code, out, _ = run(capsys, "call", "list-mail-messages")
    assert code == 1 and "--sandbox" in json.loads(out)["error"]["message"]


def test_compatibility_flags_are_accepted() -> None:
    from ms365mcp.cli import build_parser

    ns = build_parser().parse_args(["--base-url", "https://mcp.example.com", "--enable-dynamic-registration"])
    assert ns.public_url == "https://mcp.example.com"
