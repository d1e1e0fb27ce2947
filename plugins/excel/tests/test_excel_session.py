"""The workbook-session-id header against a mocked Graph (respx), and the session cache on its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import httpx
import pluggy
import pytest
import respx
from ms365mcp_excel.session import SessionCache

from ms365mcp.executor import execute
from ms365mcp.runtime import Runtime, build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio

GRAPH = "https://graph.microsoft.com/v1.0"
BOOK = f"{GRAPH}/drives/d1/items/x1/workbook"
FILE = {"driveId": "d1", "driveItemId": "x1"}
EXPIRED = {
    "error": {"code": "InvalidSessionReCreatable", "message": "The session specified in the request does not exist"}
}


@pytest.fixture
async def rt(pm: pluggy.PluginManager, tmp_path: Path) -> AsyncIterator[Runtime]:
    runtime = build_runtime(Settings(oauth_token="tok", log_dir=tmp_path / "logs", graph_max_retries=0), pm)
    yield runtime
    await runtime.aclose()


def _sessions(*ids: str) -> list[httpx.Response]:
    return [httpx.Response(201, json={"id": i, "persistChanges": True}) for i in ids]


async def test_one_session_header_is_reused_across_calls(rt: Runtime) -> None:
    with respx.mock(assert_all_called=True) as router:
        create = router.post(f"{BOOK}/createSession").mock(side_effect=_sessions("sess-1"))
        sheets = router.get(f"{BOOK}/worksheets").mock(return_value=httpx.Response(200, json={"value": []}))
        rng = router.patch(url__startswith=f"{BOOK}/worksheets/Sheet1/range(").mock(
            return_value=httpx.Response(200, json={"values": [[1]]})
        )
        first = await execute(rt, "list-excel-worksheets", FILE)
        second = await execute(
            rt, "update-excel-range", {**FILE, "worksheetId": "Sheet1", "address": "A1", "body": {"values": [[1]]}}
        )
    assert not first.is_error and not second.is_error
    assert create.call_count == 1
    assert json.loads(create.calls.last.request.content) == {"persistChanges": True}
    assert "workbook-session-id" not in create.calls.last.request.headers
    sent = [sheets.calls.last.request, rng.calls.last.request]
    assert [r.headers["workbook-session-id"] for r in sent] == ["sess-1", "sess-1"]
    assert rng.calls.last.request.url.raw_path.endswith(b"/range(address='A1')")


async def test_an_expired_session_is_recreated_once(rt: Runtime) -> None:
    with respx.mock() as router:
        create = router.post(f"{BOOK}/createSession").mock(side_effect=_sessions("old", "new"))
        tables = router.get(f"{BOOK}/tables").mock(
            side_effect=[
                httpx.Response(200, json={"value": []}),
                httpx.Response(404, json=EXPIRED),
                httpx.Response(200, json={"value": [{"id": "1"}]}),
            ]
        )
        await execute(rt, "list-excel-tables", FILE)
        outcome = await execute(rt, "list-excel-tables", FILE)
    assert outcome.data == {"value": [{"id": "1"}]}
    assert create.call_count == 2
    assert [c.request.headers["workbook-session-id"] for c in tables.calls] == ["old", "old", "new"]


async def test_other_errors_do_not_recreate_the_session(rt: Runtime) -> None:
    with respx.mock() as router:
        create = router.post(f"{BOOK}/createSession").mock(side_effect=_sessions("s"))
        router.get(f"{BOOK}/tables/T9").mock(
            return_value=httpx.Response(404, json={"error": {"code": "ItemNotFound", "message": "No table."}})
        )
        outcome = await execute(rt, "get-excel-table", {**FILE, "tableId": "T9"})
    assert outcome.is_error and outcome.data["error"]["code"] == "ItemNotFound"
    assert create.call_count == 1


async def test_a_file_that_is_not_a_workbook_reports_the_create_error(rt: Runtime) -> None:
    with respx.mock() as router:
        router.post(f"{BOOK}/createSession").mock(
            return_value=httpx.Response(400, json={"error": {"code": "NotSupported", "message": "Not an xlsx."}})
        )
        outcome = await execute(rt, "list-excel-worksheets", FILE)
    assert outcome.is_error and outcome.data["error"]["message"] == "Not an xlsx."


async def test_read_only_servers_open_non_persistent_sessions(rt: Runtime) -> None:
    rt.settings = attrs.evolve(rt.settings, read_only=True)
    with respx.mock() as router:
        create = router.post(f"{BOOK}/createSession").mock(side_effect=_sessions("ro"))
        router.get(f"{BOOK}/worksheets").mock(return_value=httpx.Response(200, json={"value": []}))
        await execute(rt, "list-excel-worksheets", FILE)
    assert json.loads(create.calls.last.request.content) == {"persistChanges": False}


async def test_each_file_gets_its_own_session_and_addresses_are_odata_literals(rt: Runtime) -> None:
    other = f"{GRAPH}/drives/d1/items/x2/workbook"
    with respx.mock() as router:
        router.post(f"{BOOK}/createSession").mock(side_effect=_sessions("one"))
        router.post(f"{other}/createSession").mock(side_effect=_sessions("two"))
        a = router.get(url__startswith=f"{BOOK}/worksheets/").mock(return_value=httpx.Response(200, json={}))
        b = router.get(url__startswith=f"{other}/worksheets/").mock(return_value=httpx.Response(200, json={}))
        await execute(rt, "get-excel-range", {**FILE, "worksheetId": "S", "address": "O'Neil!b2:c3"})
        await execute(
            rt, "get-excel-range", {"driveId": "d1", "driveItemId": "x2", "worksheetId": "S", "address": "A1"}
        )
    assert a.calls.last.request.headers["workbook-session-id"] == "one"
    assert b.calls.last.request.headers["workbook-session-id"] == "two"
    assert a.calls.last.request.url.raw_path.endswith(
        b"/range(address='O%27%27Neil!B2:C3')"
    )  # quote doubled, then encoded


async def test_cache_expires_idle_sessions_and_use_extends_them() -> None:
    now = [0.0]
    cache = SessionCache(ttl=100.0, clock=lambda: now[0])
    made: list[str] = []

    async def create() -> str:
        made.append(f"s{len(made) + 1}")
        return made[-1]

    assert await cache.get_or_create(("u", "d", "i"), create) == "s1"
    now[0] = 90.0
    cache.touch(("u", "d", "i"), "s1")
    now[0] = 150.0  # idle 60 s since the last use
    assert await cache.get_or_create(("u", "d", "i"), create) == "s1"
    now[0] = 300.0
    assert await cache.get_or_create(("u", "d", "i"), create) == "s2"
    assert await cache.get_or_create(("other-user", "d", "i"), create) == "s3"
    cache.forget(("u", "d", "i"), "stale-id")  # a different id is not forgotten
    assert cache.peek(("u", "d", "i")) == "s2"
