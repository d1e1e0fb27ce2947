"""The MCP server through the SDK's own client, in process, in both protocol generations."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from ms365mcp.auth.tools import AUTH_TOOLS
from ms365mcp.runtime import build_runtime
from ms365mcp.server.mcp import build_server
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["auto", "legacy"])
async def client(request: Any, notes_pm: Any, tmp_path: Any) -> Any:
    runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path), notes_pm)
    async with Client(build_server(runtime), mode=request.param) as c:
        yield c
    await runtime.aclose()


async def test_tools_list_and_instructions(client: Any) -> None:
    listing = await client.list_tools()
    names = {t.name for t in listing.tools} - set(AUTH_TOOLS)  # stdio always offers the sign-in tools
    assert names == {"list-notes", "get-note", "create-note", "delete-note", "list-directory-people"}
    get_note = next(t for t in listing.tools if t.name == "get-note")
    assert get_note.input_schema["required"] == ["noteId"]
    assert get_note.annotations.read_only_hint is True
    delete = next(t for t in listing.tools if t.name == "delete-note")
    assert delete.annotations.destructive_hint is True
    assert "nextLink" in client.instructions


async def test_call_returns_structured_and_compact_text(client: Any) -> None:
    result = await client.call_tool("get-note", {"noteId": "note-02"})
    assert result.is_error is False
    assert result.structured_content["title"] == "Note 2"
    assert result.content[0].text.startswith('{"id":"note-02"')


async def test_bad_input_is_a_tool_error_and_the_server_keeps_serving(client: Any) -> None:
    bad = await client.call_tool("get-note", {"noteId": 7})
    assert bad.is_error and "noteId: expected a string" in bad.content[0].text
    with pytest.raises(MCPError) as info:
        await client.call_tool("no-such-tool", {})
    assert "Unknown tool" in str(info.value)
    good = await client.call_tool("list-notes", {"top": 1})
    assert good.is_error is False and len(good.structured_content["value"]) == 1


async def test_fetch_all_pages_reports_progress(client: Any) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    result = await client.call_tool("list-notes", {"top": 10, "fetchAllPages": True}, progress_callback=on_progress)
    assert len(result.structured_content["value"]) == 25
    assert [p for p, _, _ in seen] == [2, 3]
    assert seen[-1][2] == "25 items from 3 pages"
