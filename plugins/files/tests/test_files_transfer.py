"""Exact request shapes of uploads and downloads against a mocked Graph (respx), and the path guard."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pluggy
import pytest
import respx
from ms365mcp_files import transfer

from ms365mcp.errors import ToolError, ToolInputError
from ms365mcp.executor import ToolCall, execute
from ms365mcp.runtime import Runtime, build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio

GRAPH = "https://graph.microsoft.com/v1.0"
UPLOAD_URL = "https://contoso.sharepoint.test/personal/upload/abc?tempauth=opaque"
SIZE = 700 * 1024  # three chunks of 320 KiB: 327680 + 327680 + 61440


@pytest.fixture
async def rt(pm: pluggy.PluginManager, tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings(oauth_token="secret-token", log_dir=tmp_path / "logs", graph_max_retries=0)
    runtime = build_runtime(settings, pm)
    yield runtime
    await runtime.aclose()


def _call(rt: Runtime, name: str, args: dict[str, Any]) -> ToolCall:
    assert rt.default_identity is not None
    return ToolCall(runtime=rt, spec=rt.tools[name], args=args, identity=rt.default_identity)


def _session_route(router: respx.Router) -> respx.Route:
    return router.post(f"{GRAPH}/drives/d1/items/p1:/big.bin:/createUploadSession").mock(
        return_value=httpx.Response(200, json={"uploadUrl": UPLOAD_URL, "nextExpectedRanges": ["0-"]})
    )


def _chunk_server(fail_once_at: int | None = None) -> tuple[list[httpx.Request], Any]:
    """A fake storage endpoint that keeps what it got and answers like Graph."""
    seen: list[httpx.Request] = []
    state = {"received": 0, "failed": False}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(200, json={"nextExpectedRanges": [f"{state['received']}-"]})
        start = int(request.headers["content-range"].split()[1].split("-")[0])
        if start == fail_once_at and not state["failed"]:
            state["failed"] = True
            return httpx.Response(500, json={"error": {"code": "generalException"}})
        state["received"] = start + len(request.content)
        if state["received"] < SIZE:
            return httpx.Response(202, json={"nextExpectedRanges": [f"{state['received']}-"]})
        return httpx.Response(201, json={"id": "new-item", "name": "big.bin", "size": SIZE, "@odata.etag": "x"})

    return seen, handle


async def test_upload_session_sends_exact_ranges_without_the_token(rt: Runtime) -> None:
    seen, handle = _chunk_server()
    with respx.mock(assert_all_called=True) as router:
        session = _session_route(router)
        router.route(url=UPLOAD_URL).mock(side_effect=handle)
        call = _call(rt, "upload-file", {"driveId": "d1", "folderId": "p1", "fileName": "big.bin", "text": "x" * SIZE})
        result = await transfer.upload_file(call, chunk_size=transfer.CHUNK_UNIT, simple_limit=0)
    assert result == {"id": "new-item", "name": "big.bin", "size": SIZE, "uploadedWith": "session"}
    created = session.calls.last.request
    assert created.headers["authorization"] == "Bearer secret-token"
    assert json.loads(created.content) == {"item": {"@microsoft.graph.conflictBehavior": "replace", "name": "big.bin"}}
    assert [r.headers["content-range"] for r in seen] == [
        "bytes 0-327679/716800",
        "bytes 327680-655359/716800",
        "bytes 655360-716799/716800",
    ]
    assert [len(r.content) for r in seen] == [327680, 327680, 61440]
    assert all("authorization" not in r.headers for r in seen)


async def test_a_failed_chunk_is_resumed_from_next_expected_ranges(rt: Runtime) -> None:
    seen, handle = _chunk_server(fail_once_at=327680)
    with respx.mock(assert_all_called=True) as router:
        _session_route(router)
        router.route(url=UPLOAD_URL).mock(side_effect=handle)
        call = _call(rt, "upload-file", {"driveId": "d1", "folderId": "p1", "fileName": "big.bin", "text": "y" * SIZE})
        result = await transfer.upload_file(call, chunk_size=transfer.CHUNK_UNIT, simple_limit=0)
    assert result["size"] == SIZE
    steps = [(r.method, r.headers.get("content-range")) for r in seen]
    assert steps == [
        ("PUT", "bytes 0-327679/716800"),
        ("PUT", "bytes 327680-655359/716800"),
        ("GET", None),
        ("PUT", "bytes 327680-655359/716800"),
        ("PUT", "bytes 655360-716799/716800"),
    ]
    assert all("authorization" not in r.headers for r in seen)


async def test_an_upload_that_keeps_failing_is_cancelled(rt: Runtime) -> None:
    with respx.mock() as router:
        _session_route(router)
        puts = router.put(UPLOAD_URL).mock(return_value=httpx.Response(500))
        router.get(UPLOAD_URL).mock(return_value=httpx.Response(200, json={"nextExpectedRanges": ["0-"]}))
        cancel = router.delete(UPLOAD_URL).mock(return_value=httpx.Response(204))
        call = _call(rt, "upload-file", {"driveId": "d1", "folderId": "p1", "fileName": "big.bin", "text": "z" * SIZE})
        with pytest.raises(ToolError, match="failed 4 times"):
            await transfer.upload_file(call, chunk_size=transfer.CHUNK_UNIT, simple_limit=0)
    assert puts.call_count == transfer.CHUNK_RETRIES + 1 and cancel.called


async def test_small_upload_is_one_put_by_path(rt: Runtime) -> None:
    with respx.mock() as router:
        route = router.put(url__startswith=f"{GRAPH}/drives/d1/root:/Docs/a%20b.txt:/content").mock(
            return_value=httpx.Response(201, json={"id": "i1", "name": "a b.txt", "size": 5})
        )
        outcome = await execute(
            rt, "upload-file", {"driveId": "d1", "path": "Docs/a b.txt", "text": "hello", "conflictBehavior": "rename"}
        )
    assert outcome.is_error is False and outcome.data["uploadedWith"] == "simple"
    sent = route.calls.last.request
    assert sent.content == b"hello" and sent.headers["authorization"] == "Bearer secret-token"
    assert sent.url.params["@microsoft.graph.conflictBehavior"] == "rename"


async def test_local_paths_are_refused_over_http(rt: Runtime, tmp_path: Path) -> None:
    local = tmp_path / "a.txt"
    local.write_text("hi")
    rt.settings = attrs.evolve(rt.settings, http="127.0.0.1:8080")
    outcome = await execute(rt, "upload-file", {"driveId": "d1", "fileName": "a.txt", "localPath": str(local)})
    assert outcome.is_error and outcome.data["error"]["field"] == "localPath"
    assert "stdio" in outcome.data["error"]["message"]


async def test_download_follows_the_redirect_without_the_token(rt: Runtime) -> None:
    storage = "https://contoso.sharepoint.test/download/xyz?tempauth=abc"
    with respx.mock(assert_all_called=True) as router:
        graph = router.get(f"{GRAPH}/drives/d1/items/i1/content").mock(
            return_value=httpx.Response(302, headers={"Location": storage})
        )
        blob = router.get(storage).mock(
            return_value=httpx.Response(200, content=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"})
        )
        outcome = await execute(rt, "download-bytes", {"path": "/drives/d1/items/i1/content"})
    assert outcome.data == {
        "path": "/drives/d1/items/i1/content",
        "contentType": "text/csv",
        "size": 8,
        "text": "a,b\n1,2\n",
    }
    assert graph.calls.last.request.headers["authorization"] == "Bearer secret-token"
    assert "authorization" not in blob.calls.last.request.headers


async def test_download_refuses_an_insecure_redirect(rt: Runtime) -> None:
    with respx.mock() as router:
        router.get(f"{GRAPH}/drives/d1/items/i1/content").mock(
            return_value=httpx.Response(302, headers={"Location": "http://evil.test/x"})
        )
        outcome = await execute(rt, "download-bytes", {"path": "/drives/d1/items/i1/content"})
    assert outcome.is_error and "insecure" in outcome.data["error"]["message"]


async def test_download_stops_streaming_at_the_cap(rt: Runtime) -> None:
    rt.settings = attrs.evolve(rt.settings, max_download_bytes=1000)
    pulled: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for i in range(100):
            pulled.append(i)
            yield b"x" * 100

    with respx.mock() as router:
        router.get(f"{GRAPH}/drives/d1/items/i2/content").mock(
            return_value=httpx.Response(200, content=body(), headers={"Content-Type": "application/octet-stream"})
        )
        router.get(f"{GRAPH}/drives/d1/items/i3/content").mock(
            return_value=httpx.Response(200, content=b"y" * 5000, headers={"Content-Type": "image/png"})
        )
        with pytest.raises(ToolError, match="more than the cap"):
            await transfer.download_bytes(_call(rt, "download-bytes", {"path": "/drives/d1/items/i2/content"}))
        declared = await execute(rt, "download-bytes", {"path": "/drives/d1/items/i3/content"})
    assert len(pulled) <= 11  # stopped as soon as the cap was passed, not after all 100 chunks
    assert declared.is_error and "5000 bytes" in declared.data["error"]["message"]


def _tools(rt: Runtime) -> dict[str, Any]:
    return rt.tools


async def test_path_guard_matches_templates_segment_by_segment(rt: Runtime) -> None:
    tools = _tools(rt)
    assert transfer.resolve_download(tools, "/drives/d1/items/i1/content").name == "get-drive-item"
    assert transfer.resolve_download(tools, "/drives/d1/root").name == "get-drive-root-item"
    assert transfer.resolve_download(tools, "/me/drives/d1").name == "list-drives"  # an item of a listed collection
    for bad in (
        "/drives/d1/items/i1/content/extra",
        "/drives/d1/items/./content",
        "/drives/d1//items",
        "/drives/d1/items/i1%2fcontent",
        "/me/messages",
        "/drives/d1/items/i1/content#x",
        "/drives/d1/items/i 1/content",
    ):
        with pytest.raises(ToolInputError) as info:
            transfer.resolve_download(tools, bad)
        assert info.value.field == "path", bad


async def test_path_guard_only_offers_enabled_tools(rt: Runtime) -> None:
    without = {n: t for n, t in rt.tools.items() if n not in ("get-drive-item", "list-folder-files")}
    with pytest.raises(ToolInputError):
        transfer.resolve_download(without, "/drives/d1/items/i1/content")
