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
