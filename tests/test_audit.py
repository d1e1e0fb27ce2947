"""The audit log: exact line shape, no secrets, private files, sink selection and the sink hook."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ms365mcp import audit as audit_module
from ms365mcp import hookimpl
from ms365mcp.audit import AUDIT_FIELDS, AuditEvent, AuditLog, FileSink, StreamSink
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.settings import Settings

SECRET = "eyJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJhbGljZSJ9.c2lnbmF0dXJl"
FIXED_NOW = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)


class FakeClock:
    """A perf_counter stand-in: each call moves time forward by ``step`` seconds."""

    def __init__(self, step: float = 0.25) -> None:
        self.value = 100.0
        self.step = step

    def __call__(self) -> float:
        self.value += self.step
        return self.value


def make_log(sinks: list[Any], **kwargs: Any) -> AuditLog:
    return AuditLog(sinks, clock=FakeClock(), now=lambda: FIXED_NOW, **kwargs)


def audit_pm() -> Any:
    """A plugin manager with only the audit built-in (other built-ins are not this module's concern)."""
    pm = make_plugin_manager(load_entrypoints=False, builtins=False)
    pm.register(audit_module, name="ms365mcp.audit")
    return pm


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(log_dir=tmp_path / "state" / "logs", **overrides)


# --- line shape ------------------------------------------------------------------------------


def test_success_line_has_exactly_the_audit_fields() -> None:
    seen: list[dict[str, Any]] = []
    log = make_log([seen.append])

    with log.tool_call("list-mail-messages", "get", "alice@contoso.com") as rec:
        assert rec.request_id

    assert len(seen) == 1
    line = seen[0]
    assert list(line) == list(AUDIT_FIELDS)
    assert set(line) == {
        "ts",
        "event",
        "request_id",
        "user_principal_name",
        "tool",
        "http_method",
        "status",
        "duration_ms",
        "error_type",
        "error_code",
    }
    assert line["event"] == "tool.call"
    assert line["status"] == "success"
    assert line["tool"] == "list-mail-messages"
    assert line["http_method"] == "GET"
    assert line["user_principal_name"] == "alice@contoso.com"
    assert line["error_type"] is None and line["error_code"] is None
    assert line["duration_ms"] == pytest.approx(250.0)
    assert line["ts"] == "2026-03-04T05:06:07.891Z"
    assert uuid.UUID(line["request_id"]).version == 4


def test_keyword_form_used_by_the_executor() -> None:
    seen: list[dict[str, Any]] = []
    with make_log([seen.append]).tool_call(tool="get-me", http_method="GET", user="unverified") as rec:
        rec.user_principal_name = "alice@contoso.com"  # resolved mid-call
    assert seen[0]["user_principal_name"] == "alice@contoso.com"
    assert seen[0]["tool"] == "get-me"


def test_caller_request_id_is_kept() -> None:
    seen: list[dict[str, Any]] = []
    with make_log([seen.append]).tool_call("get-me", "GET", request_id="req-42"):
        pass
    assert seen[0]["request_id"] == "req-42"


def test_explicit_failure_records_classifiers() -> None:
    seen: list[dict[str, Any]] = []
    with make_log([seen.append]).tool_call("send-mail", "POST", "bob@contoso.com") as rec:
        rec.fail("GraphError", "ErrorAccessDenied")
    assert seen[0]["status"] == "error"
    assert seen[0]["error_type"] == "GraphError"
    assert seen[0]["error_code"] == "ErrorAccessDenied"


def test_exception_is_recorded_and_reraised() -> None:
    class GraphError(Exception):
        code = "ErrorItemNotFound"

    seen: list[dict[str, Any]] = []
    with pytest.raises(GraphError), make_log([seen.append]).tool_call("get-mail-message", "GET"):
        raise GraphError(f"GET https://graph.microsoft.com/v1.0/me/messages/abc failed, token {SECRET}")

    (line,) = seen
    assert line["status"] == "error"
    assert line["error_type"] == "GraphError"
    assert line["error_code"] == "ErrorItemNotFound"
    assert "graph.microsoft.com" not in json.dumps(line)
    assert SECRET not in json.dumps(line)


def test_error_classifiers_that_look_like_messages_are_replaced() -> None:
    seen: list[dict[str, Any]] = []
    with make_log([seen.append]).tool_call("get-me", "GET") as rec:
        rec.fail("Bad thing: token=abc", SECRET)
    assert seen[0]["error_type"] == "unclassified"
    assert seen[0]["error_code"] == "unclassified"


def test_event_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match="status"):
        AuditEvent(
            request_id="r", user_principal_name=None, tool="t", http_method="GET", status="ok", duration_ms=1, ts="x"
        )  # type: ignore[arg-type]


def test_arguments_bodies_and_tokens_never_reach_any_sink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path)
    log = AuditLog.from_plugin_manager(audit_pm(), settings)
    arguments = {"to": "carol@fabrikam.com", "body": "quarterly numbers", "password": "hunter2", "token": SECRET}

    def fake_tool(args: dict[str, Any]) -> None:
        raise RuntimeError(f"Graph said no to {args} with Bearer {SECRET}")

    with pytest.raises(RuntimeError), log.tool_call("send-mail", "POST", "alice@contoso.com") as rec:
        rec.user_principal_name = "alice@contoso.com"
        fake_tool(arguments)
    log.close()

    outputs = [capsys.readouterr().err, (settings.log_dir / "audit.log").read_text()]
    for text in outputs:
        assert '"tool":"send-mail"' in text
        for leaked in (SECRET, "hunter2", "quarterly numbers", "carol@fabrikam.com", "Bearer", "Graph said no"):
            assert leaked not in text


# --- file sink -------------------------------------------------------------------------------


def test_file_sink_creates_private_folder_and_file(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    log = AuditLog.from_plugin_manager(audit_pm(), settings)
    for _ in range(2):
        with log.tool_call("get-me", "GET", "alice@contoso.com"):
            pass
    log.close()

    path = settings.log_dir / "audit.log"
    assert stat.S_IMODE(settings.log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700  # missing parents too
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert all(list(json.loads(line)) == list(AUDIT_FIELDS) for line in lines)


def test_file_sink_tightens_an_existing_loose_file_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    path.write_text('{"earlier":true}\n')
    os.chmod(path, 0o644)

    sink = FileSink(path)
    sink({"event": "tool.call"})
    sink.close()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().splitlines() == ['{"earlier":true}', '{"event":"tool.call"}']


def test_unwritable_log_dir_warns_once_and_keeps_serving(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    seen: list[dict[str, Any]] = []
    log = make_log([FileSink(blocker / "logs" / "audit.log"), seen.append])

    with caplog.at_level(logging.WARNING, logger="ms365mcp.audit"):
        for _ in range(3):
            with log.tool_call("get-me", "GET", "alice@contoso.com"):
                pass

    assert len(seen) == 3  # the other sink still got every event
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "not writable" in warnings[0].getMessage()
    assert "alice@contoso.com" not in caplog.text


def test_file_sink_recovers_when_the_folder_becomes_usable(tmp_path: Path) -> None:
    blocker = tmp_path / "logs"
    blocker.write_text("")
    sink = FileSink(blocker / "audit.log")
    sink({"n": 1})
    blocker.unlink()
    sink({"n": 2})
    sink.close()
    assert (blocker / "audit.log").read_text() == '{"n":2}\n'


def test_file_sink_is_safe_for_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    sink = FileSink(path)
    log = make_log([sink])

    def worker(n: int) -> None:
        for i in range(50):
            with log.tool_call(f"tool-{n}-{i}", "GET", "x" * 200):
                pass

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sink.close()

    lines = path.read_text().splitlines()
    assert len(lines) == 400
    assert len({json.loads(line)["tool"] for line in lines}) == 400


# --- sink selection --------------------------------------------------------------------------


def test_stdio_mode_writes_stderr_and_leaves_stdout_alone(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    log = AuditLog.from_plugin_manager(audit_pm(), settings_for(tmp_path))
    with log.tool_call("get-me", "GET", "alice@contoso.com"):
        pass
    log.close()
    out, err = capfd.readouterr()
    assert out == ""
    assert json.loads(err.strip())["tool"] == "get-me"


def test_http_mode_writes_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path, http="127.0.0.1:3000")
    assert settings.transport == "http"
    log = AuditLog.from_plugin_manager(audit_pm(), settings)
    with log.tool_call("get-me", "GET", "alice@contoso.com"):
        pass
    log.close()
    out, err = capfd.readouterr()
    assert err == ""
    assert json.loads(out.strip())["tool"] == "get-me"


def test_audit_off_means_no_sinks_at_all(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    settings = Settings.from_env({"MS365_MCP_AUDIT_LOG": "false", "MS365_MCP_LOG_DIR": str(tmp_path / "logs")})
    assert settings.audit_log is False

    class Siem:
        called = False

        @hookimpl
        def register_audit_sinks(self, register: Any) -> None:
            Siem.called = True
            register(lambda event: None)

    pm = audit_pm()
    pm.register(Siem(), name="undo-siem-off")
    try:
        log = AuditLog.from_plugin_manager(pm, settings)
    finally:
        pm.unregister(name="undo-siem-off")
    with log.tool_call("get-me", "GET"):
        pass

    assert log.sinks == () and not log.enabled
    assert Siem.called is False
    assert capfd.readouterr() == ("", "")
    assert not (tmp_path / "logs").exists()


def test_closed_stream_does_not_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def write(self, text: str) -> int:
            raise ValueError("I/O operation on closed file")

        def flush(self) -> None:
            raise AssertionError("unreachable")

    monkeypatch.setattr("sys.stderr", Broken())
    sink = StreamSink("stderr")
    sink({"event": "tool.call"})  # must simply return
    with pytest.raises(ValueError, match="stream"):
        StreamSink("stdlog")  # type: ignore[arg-type]


# --- third-party sinks through the hook ------------------------------------------------------


def test_hook_register_audit_sinks(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    received: list[dict[str, Any]] = []

    class Siem:
        @hookimpl
        def register_audit_sinks(self, register: Any, settings: Settings) -> None:
            assert settings.audit_log
            register(received.append)

    pm = audit_pm()
    pm.register(Siem(), name="undo-siem")
    try:
        log = AuditLog.from_plugin_manager(pm, settings_for(tmp_path))
    finally:
        pm.unregister(name="undo-siem")
    assert pm.get_plugin("undo-siem") is None

    with log.tool_call("list-calendar-events", "GET", "alice@contoso.com"):
        pass
    log.close()

    assert len(log.sinks) == 3  # console, file, SIEM
    assert [e["tool"] for e in received] == ["list-calendar-events"]
    assert "list-calendar-events" in capfd.readouterr().err


def test_failing_sink_is_isolated_and_reported_without_event_content(caplog: pytest.LogCaptureFixture) -> None:
    received: list[dict[str, Any]] = []

    def exploding(event: dict[str, Any]) -> None:
        event["tool"] = "mutated"  # each sink gets its own copy
        raise ConnectionError(f"SIEM down while sending {event}")

    log = make_log([exploding, received.append])
    with caplog.at_level(logging.WARNING, logger="ms365mcp.audit"):
        for _ in range(2):
            with log.tool_call("get-me", "GET", "alice@contoso.com"):
                pass

    assert [e["tool"] for e in received] == ["get-me", "get-me"]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # one warning per failure streak
    assert "ConnectionError" in warnings[0]
    assert "exploding" in warnings[0]
    assert not re.search(r"alice|get-me|SIEM down", caplog.text)


def test_register_rejects_non_callables(tmp_path: Path) -> None:
    class Bad:
        @hookimpl
        def register_audit_sinks(self, register: Any) -> None:
            register("not a sink")

    pm = audit_pm()
    pm.register(Bad(), name="undo-bad-sink")
    try:
        with pytest.raises(TypeError, match="not callable"):
            AuditLog.from_plugin_manager(pm, settings_for(tmp_path))
    finally:
        pm.unregister(name="undo-bad-sink")
