"""Tool calls end to end against the sandbox, in process: validation, shaping, paging, errors."""

from __future__ import annotations

from typing import Any

import pytest

from ms365mcp.executor import UnknownTool, execute
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def runtime(notes_pm: Any, tmp_path: Any) -> Any:
    rt = build_runtime(Settings(sandbox=True, log_dir=tmp_path), notes_pm)
    yield rt
    await rt.aclose()


async def test_list_uses_default_projection_and_drops_odata_noise(runtime: Any) -> None:
    outcome = await execute(runtime, "list-notes", {"top": 3})
    assert not outcome.is_error
    assert [set(item) for item in outcome.data["value"]] == [{"id", "title"}] * 3
    assert outcome.data["nextLink"].startswith("http://sandbox.localhost/v1.0/me/notes?")
    got = await execute(runtime, "get-note", {"noteId": "note-01"})
    assert "@odata.etag" not in got.data and "@odata.context" not in got.data
    assert got.data["title"] == "Note 1"


async def test_next_link_continues_where_the_page_ended(runtime: Any) -> None:
    first = await execute(runtime, "list-notes", {"top": 10, "orderby": "n"})
    second = await execute(runtime, "list-notes", {"nextLink": first.data["nextLink"]})
    assert second.data["value"][0]["id"] == "note-10"


async def test_fetch_all_pages_and_caps_say_how_to_resume(notes_pm: Any, tmp_path: Any) -> None:
    rt = build_runtime(Settings(sandbox=True, log_dir=tmp_path, max_pages=2), notes_pm)
    try:
        outcome = await execute(rt, "list-notes", {"top": 10, "fetchAllPages": True})
    finally:
        await rt.aclose()
    assert len(outcome.data["value"]) == 20
    assert outcome.data["pages"] == 2
    assert "nextLink" in outcome.data and "MS365_MCP_MAX_PAGES" in outcome.data["stopped"]


async def test_encoded_id_round_trips(runtime: Any) -> None:
    outcome = await execute(runtime, "get-note", {"noteId": "odd/id+with=chars"})
    assert outcome.data["id"] == "odd/id+with=chars"
    traversal = await execute(runtime, "get-note", {"noteId": "../notes"})
    assert traversal.is_error and traversal.data["error"]["status"] == 404


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "noteId: required"),
        ({"noteId": 5}, "noteId: expected a string"),
        ({"noteId": "x", "color": "red"}, "color: unknown argument"),
    ],
)
async def test_bad_arguments_name_the_field(runtime: Any, args: dict[str, Any], fragment: str) -> None:
    outcome = await execute(runtime, "get-note", args)
    assert outcome.is_error
    assert fragment in outcome.data["error"]["message"]
    assert runtime.sandbox.requests == []  # refused before any Graph call


async def test_unknown_tool_is_a_protocol_error(runtime: Any) -> None:
    with pytest.raises(UnknownTool):
        await execute(runtime, "no-such-tool", {})


async def test_graph_404_comes_back_with_code_and_hint(runtime: Any) -> None:
    outcome = await execute(runtime, "get-note", {"noteId": "missing"})
    error = outcome.data["error"]
    assert outcome.is_error and error["code"] == "ErrorItemNotFound" and "noteId" in error["hint"]


async def test_403_hint_names_the_permission(runtime: Any) -> None:
    runtime.sandbox.faults.append(
        __import__("ms365mcp.sandbox.tenant", fromlist=["Fault"]).Fault(path="/me/notes", status=403)
    )
    outcome = await execute(runtime, "list-notes", {})
    assert "Notes.Read" in outcome.data["error"]["hint"]


async def test_write_then_delete(runtime: Any) -> None:
    created = await execute(runtime, "create-note", {"body": {"title": "Buy milk"}})
    assert created.data["title"] == "Buy milk"
    deleted = await execute(runtime, "delete-note", {"noteId": created.data["id"]})
    assert deleted.data == {"ok": True, "status": 204}


async def test_not_signed_in(notes_pm: Any, tmp_path: Any) -> None:
    rt = build_runtime(Settings(log_dir=tmp_path), notes_pm)
    try:
        outcome = await execute(rt, "list-notes", {})
    finally:
        await rt.aclose()
    assert outcome.is_error and outcome.data["error"]["code"] == "not_signed_in"
    assert "MS365_MCP_OAUTH_TOKEN" in outcome.data["error"]["message"]


@pytest.fixture
async def fast_runtime(notes_pm: Any, tmp_path: Any) -> Any:
    settings = Settings(sandbox=True, log_dir=tmp_path, graph_base_backoff_ms=1, graph_max_backoff_ms=2)
    rt = build_runtime(settings, notes_pm)
    yield rt
    await rt.aclose()


def _fault(**kwargs: Any) -> Any:
    from ms365mcp.sandbox.tenant import Fault

    return Fault(**kwargs)


async def test_throttling_is_retried_through_the_whole_stack(fast_runtime: Any) -> None:
    fast_runtime.sandbox.faults.append(_fault(path="/me/notes$", status=429, retry_after="0", times=2))
    outcome = await execute(fast_runtime, "create-note", {"body": {"title": "after throttling"}})
    assert not outcome.is_error and outcome.data["title"] == "after throttling"
    assert [m for m, _ in fast_runtime.sandbox.requests].count("POST") == 3


async def test_dropped_connection_retried_for_get_but_a_post_is_never_sent_twice(fast_runtime: Any) -> None:
    fast_runtime.sandbox.faults.append(_fault(path="/me/notes/note-01", drop=True, times=1))
    got = await execute(fast_runtime, "get-note", {"noteId": "note-01"})
    assert not got.is_error
    fast_runtime.sandbox.faults.append(_fault(path="/me/notes$", method="POST", status=503, times=1))
    posted = await execute(fast_runtime, "create-note", {"body": {"title": "once"}})
    assert posted.is_error and posted.data["error"]["status"] == 503
    assert [m for m, _ in fast_runtime.sandbox.requests].count("POST") == 1


async def test_circuit_opens_after_repeated_failures_and_says_so(notes_pm: Any, tmp_path: Any) -> None:
    settings = Settings(sandbox=True, log_dir=tmp_path, graph_max_retries=0, circuit_threshold=2)
    rt = build_runtime(settings, notes_pm)
    try:
        rt.sandbox.faults.append(_fault(path="/me/notes", status=500, times=10))
        for _ in range(2):
            assert (await execute(rt, "list-notes", {})).is_error
        served = len(rt.sandbox.requests)
        blocked = await execute(rt, "list-notes", {})
    finally:
        await rt.aclose()
    assert blocked.is_error and blocked.data["error"]["code"] == "circuit_open"
    assert len(rt.sandbox.requests) == served  # failed fast, Graph was not called


class _BrokenPlugin:
    """A logic tool whose handler has a bug that quotes private data in its exception."""

    @staticmethod
    def register_tools(register: Any) -> None:
        from ms365mcp import ToolSpec

        private = {"subject": "Layoffs", "who": "dana@contoso.example"}

        async def explode(call: Any) -> Any:
            raise KeyError(f"subject {private['subject']} for {private['who']}")  # the source line quotes no data

        register(ToolSpec("broken-tool", "GET", "/me/broken", "Always fails.", handler=explode))


@pytest.fixture
async def broken_runtime(notes_pm: Any, tmp_path: Any) -> Any:
    from ms365mcp import hookimpl

    plugin = _BrokenPlugin()
    plugin.register_tools = hookimpl(_BrokenPlugin.register_tools)  # type: ignore[method-assign]
    notes_pm.register(plugin, name="broken")
    rt = build_runtime(Settings(sandbox=True, log_dir=tmp_path, audit_console=False), notes_pm)
    yield rt
    await rt.aclose()


async def test_a_handler_bug_becomes_a_sanitized_error_and_is_audited(
    broken_runtime: Any, tmp_path: Any, caplog: Any
) -> None:
    with caplog.at_level("DEBUG"):
        outcome = await execute(broken_runtime, "broken-tool", {})
    assert outcome.is_error and outcome.data["error"]["code"] == "internal_error"
    assert "dana@" not in str(outcome.data) and "Layoffs" not in str(outcome.data)
    assert "KeyError" in caplog.text and "explode" in caplog.text  # where it failed, for the operator
    assert "dana@" not in caplog.text and "Layoffs" not in caplog.text
    audit = (tmp_path / "audit.log").read_text()
    assert '"tool":"broken-tool"' in audit and '"error_code":"internal_error"' in audit and "dana@" not in audit
    assert not (await execute(broken_runtime, "get-note", {"noteId": "note-01"})).is_error


async def test_nested_body_errors_name_the_field_path(runtime: Any) -> None:
    outcome = await execute(runtime, "create-note", {"body": {"title": ["not", "text"]}})
    error = outcome.data["error"]
    assert error["field"] == "body.title" and "body.title: expected a string, got list" in error["message"]
    missing = await execute(runtime, "create-note", {"body": {}})
    assert missing.data["error"]["field"] == "body.title"
    top = await execute(runtime, "list-notes", {"top": "3", "skip": -1, "select": ["id"]})
    message = top.data["error"]["message"]
    assert "top: expected a whole number, got string '3'" in message
    assert "skip: must be at least 0, got -1" in message
    assert "select: expected a string, got list ['id']" in message
    assert runtime.sandbox.requests == []


async def test_huge_arguments_are_quoted_briefly(runtime: Any) -> None:
    outcome = await execute(runtime, "get-note", {"noteId": ["x" * 100_000]})
    assert outcome.is_error and len(outcome.data["error"]["message"]) < 300


async def test_next_link_from_another_tool_is_refused(runtime: Any) -> None:
    people = await execute(runtime, "list-directory-people", {"top": 1})
    link = people.data.get("nextLink") or "http://sandbox.localhost/v1.0/users?$skip=1"
    outcome = await execute(runtime, "list-notes", {"nextLink": link})
    assert outcome.is_error and outcome.data["error"]["field"] == "nextLink"


def _graph_runtime(notes_pm: Any, tmp_path: Any, handler: Any, **settings: Any) -> Any:
    import httpx

    base = Settings(oauth_token="tok", log_dir=tmp_path, graph_max_retries=0, audit_console=False, **settings)
    return build_runtime(base, notes_pm, base_transport=httpx.MockTransport(handler))


async def test_fetch_all_pages_behind_a_proxy_follows_graphs_own_links_through_the_proxy(
    notes_pm: Any, tmp_path: Any
) -> None:
    import httpx

    seen: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if "skiptoken" in str(request.url):
            return httpx.Response(200, json={"value": [{"id": "b"}]})
        link = "https://graph.microsoft.com/v1.0/me/notes?$skiptoken=X1"  # what Graph writes behind a proxy
        return httpx.Response(200, json={"value": [{"id": "a"}], "@odata.nextLink": link})

    rt = _graph_runtime(notes_pm, tmp_path, graph, graph_url="https://proxy.example/graph")
    try:
        outcome = await execute(rt, "list-notes", {"fetchAllPages": True})
    finally:
        await rt.aclose()
    assert outcome.data["value"] == [{"id": "a"}, {"id": "b"}] and outcome.data["pages"] == 2
    assert all(url.startswith("https://proxy.example/graph/v1.0/me/notes") for url in seen)


@pytest.mark.parametrize(
    ("later", "code"),
    [
        ("html", None),
        ("drop", "ConnectError"),
        ("foreign", "foreign_link"),
    ],
)
async def test_a_bad_later_page_keeps_the_items_so_far(notes_pm: Any, tmp_path: Any, later: str, code: Any) -> None:
    import httpx

    def graph(request: httpx.Request) -> httpx.Response:
        if "skip" not in str(request.url):
            host = "https://evil.example" if later == "foreign" else "https://graph.microsoft.com"
            return httpx.Response(200, json={"value": [1, 2], "@odata.nextLink": f"{host}/v1.0/me/notes?$skip=2"})
        if later == "drop":
            raise httpx.ConnectError("connection reset", request=request)
        return httpx.Response(200, text="<html>proxy login</html>", headers={"content-type": "text/html"})

    rt = _graph_runtime(notes_pm, tmp_path, graph)
    try:
        outcome = await execute(rt, "list-notes", {"fetchAllPages": True})
    finally:
        await rt.aclose()
    assert outcome.data["value"] == [1, 2] and outcome.data["nextLink"].endswith("$skip=2")
    assert "resume" in outcome.data["error"]
    if code:
        assert outcome.data["error"]["code"] == code
