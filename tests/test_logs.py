"""Ordinary logs: redaction of every secret kind, optional e-mail redaction, stderr only."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ms365mcp.logs import REDACTED, configure_logging, redact
from ms365mcp.settings import Settings

JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1cG4iOiJhbGljZUBjb250b3NvLmNvbSJ9.Zm9vYmFyLWJhei1xdXV4"
OPAQUE = "0.AXoAqZ-7secretVALUE_x~y.z"

SECRET_SAMPLES = [
    pytest.param(f"token is {JWT} ok", JWT, id="jwt"),
    pytest.param(f"Authorization: Bearer {OPAQUE}", OPAQUE, id="bearer-header"),
    pytest.param("Authorization: Bearer abc=def==", "abc=def", id="bearer-odd-padding"),
    pytest.param(f'{{"Authorization": "bearer {OPAQUE}"}}', OPAQUE, id="bearer-json-lowercase"),
    pytest.param(f"grant_type=refresh_token&refresh_token={OPAQUE}&scope=Mail.Read", OPAQUE, id="refresh-form"),
    pytest.param(f'{{"access_token": "{OPAQUE}", "token_type": "Bearer"}}', OPAQUE, id="access-json"),
    pytest.param(f"{{'id_token': '{OPAQUE}'}}", OPAQUE, id="id-token-repr"),
    pytest.param(f"client_secret={OPAQUE}", OPAQUE, id="client-secret"),
    pytest.param(f"client_secret: {OPAQUE}", OPAQUE, id="client-secret-colon"),
    pytest.param(f"assertion={OPAQUE}&requested_token_use=on_behalf_of", OPAQUE, id="assertion"),
    pytest.param(f'{{"client_assertion":"{OPAQUE}"}}', OPAQUE, id="client-assertion"),
    pytest.param(f"GET /callback?code={OPAQUE}&state=xyz", OPAQUE, id="code-query"),
    pytest.param(f'{{"code": "{OPAQUE}"}}', OPAQUE, id="code-json"),
    pytest.param(f"MS365_MCP_OAUTH_TOKEN={OPAQUE}", OPAQUE, id="env-token"),
]


@pytest.mark.parametrize(("text", "secret"), SECRET_SAMPLES)
def test_tokens_are_always_redacted(text: str, secret: str) -> None:
    for pii in (True, False):
        out = redact(text, pii=pii)
        assert secret not in out
        assert REDACTED in out
        assert redact(out, pii=pii) == out  # idempotent


def test_redaction_keeps_the_surrounding_text() -> None:
    out = redact(f"POST /token grant_type=authorization_code&code={OPAQUE}&state=s1 failed")
    assert out == "POST /token grant_type=authorization_code&code=[REDACTED]&state=s1 failed"
    assert redact('{"access_token": "abc", "expires_in": 3599}') == '{"access_token": "[REDACTED]", "expires_in": 3599}'


def test_diagnostic_values_survive() -> None:
    graph_error = '{"error": {"code": "ErrorItemNotFound", "message": "The item was not found."}}'
    assert redact(graph_error) == graph_error
    assert redact("error_code=InvalidAuthenticationToken status: 401") == (
        "error_code=InvalidAuthenticationToken status: 401"
    )
    token_answer = '{"token_type": "Bearer", "expires_in": 3599}'
    assert redact(token_answer) == token_answer


def test_emails_are_redacted_only_with_pii() -> None:
    text = f"sent to alice.smith+q@contoso.co.uk by Bob@Fabrikam.com with Bearer {OPAQUE}"
    with_pii = redact(text, pii=True)
    assert "contoso" not in with_pii and "Fabrikam" not in with_pii
    assert OPAQUE not in with_pii
    assert redact(with_pii) == with_pii

    without = redact(text, pii=False)
    assert "alice.smith+q@contoso.co.uk" in without and "Bob@Fabrikam.com" in without
    assert OPAQUE not in without


def test_empty_and_plain_text_pass_through() -> None:
    assert redact("") == ""
    assert redact("listed 25 messages in 120 ms") == "listed 25 messages in 120 ms"


# --- configure_logging -----------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    names = ("ms365mcp", "mcp", "httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access", "msal")
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names})
    yield
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            root.removeHandler(handler)
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def settings(tmp_path: Path, redact_pii: bool = True) -> Settings:
    return Settings(log_dir=tmp_path / "logs", redact_pii=redact_pii)


@pytest.mark.usefixtures("restore_logging")
def test_logs_go_to_stderr_never_stdout_and_are_redacted(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings(tmp_path))
    log = logging.getLogger("ms365mcp.graph.client")
    log.info("calling Graph for %s with %s", "alice@contoso.com", {"refresh_token": OPAQUE})

    out, err = capfd.readouterr()
    assert out == ""
    assert "calling Graph for [REDACTED_EMAIL]" in err
    assert OPAQUE not in err and "alice@contoso.com" not in err


@pytest.mark.usefixtures("restore_logging")
def test_traceback_with_a_bearer_is_redacted(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings(tmp_path))
    try:
        raise RuntimeError(f"upstream rejected headers {{'Authorization': 'Bearer {OPAQUE}'}} id_token={JWT}")
    except RuntimeError:
        logging.getLogger("ms365mcp.server").exception("tool call crashed")

    out, err = capfd.readouterr()
    assert out == ""
    assert "Traceback" in err and "RuntimeError" in err
    assert OPAQUE not in err and JWT not in err
    assert "Bearer [REDACTED]" in err


@pytest.mark.usefixtures("restore_logging")
def test_pii_opt_out_keeps_emails_but_not_tokens(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings(tmp_path, redact_pii=False))
    logging.getLogger("ms365mcp").warning("user %s token %s", "alice@contoso.com", JWT)
    err = capfd.readouterr().err
    assert "alice@contoso.com" in err
    assert JWT not in err


@pytest.mark.usefixtures("restore_logging")
def test_levels_quiet_third_parties_and_verbose_opens_them(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings(tmp_path), level="info")
    logging.getLogger("ms365mcp.x").debug("hidden debug")
    logging.getLogger("mcp.server.lowlevel").info("hidden sdk info")
    logging.getLogger("mcp.server.lowlevel").warning("sdk warning shown")
    logging.getLogger("httpx").info("HTTP Request: GET https://graph.microsoft.com/v1.0/me")
    err = capfd.readouterr().err
    assert "hidden" not in err and "graph.microsoft.com" not in err
    assert "sdk warning shown" in err

    configure_logging(settings(tmp_path), verbose=True, level="WARNING")
    logging.getLogger("ms365mcp.x").debug("debug now shown")
    logging.getLogger("mcp.server.lowlevel").info("sdk info now shown")
    logging.getLogger("httpx").info("HTTP Request: GET https://graph.microsoft.com/v1.0/me/messages?$search=salary")
    err = capfd.readouterr().err
    assert err.count("debug now shown") == 1  # reconfiguring replaced the handler instead of adding one
    assert "sdk info now shown" in err
    assert "salary" not in err  # the HTTP client's URL lines stay quiet even with -v


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_replaces_its_handler(tmp_path: Path) -> None:
    first = configure_logging(settings(tmp_path))
    second = configure_logging(settings(tmp_path))
    handlers = logging.getLogger().handlers
    assert second in handlers and first not in handlers


@pytest.mark.usefixtures("restore_logging")
def test_handler_cannot_be_pointed_at_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import sys

    handler = configure_logging(settings(tmp_path))
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(sys.stdout)
    logging.getLogger("ms365mcp").warning("still on stderr")
    out, err = capfd.readouterr()
    assert out == "" and "still on stderr" in err


def test_unknown_level_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="log level 'LOUD'"):
        configure_logging(settings(tmp_path), level="LOUD")
