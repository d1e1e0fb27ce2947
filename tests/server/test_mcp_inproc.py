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


async def test_a_tool_bug_is_an_error_result_and_the_session_goes_on(notes_pm: Any, tmp_path: Any) -> None:
    from ms365mcp import ToolSpec, hookimpl

    class Broken:
        @hookimpl
        def register_tools(self, register: Any) -> None:
            async def explode(call: Any) -> Any:
                raise RuntimeError("secret " + call.args["word"])

            params = {"word": {"type": "string"}}
            register(ToolSpec("broken-tool", "GET", "/me/broken", "Fails.", params=params, handler=explode))

    notes_pm.register(Broken(), name="broken")
    runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path, audit_console=False), notes_pm)
    try:
        async with Client(build_server(runtime)) as client:
            result = await client.call_tool("broken-tool", {"word": "hunter2"})
            assert result.is_error and result.structured_content["error"]["code"] == "internal_error"
            assert "hunter2" not in result.content[0].text and "Traceback" not in result.content[0].text
            after = await client.call_tool("get-note", {"noteId": "note-01"})
            assert after.is_error is False
    finally:
        await runtime.aclose()


@pytest.mark.parametrize(
    ("settings", "present", "absent"),
    [
        ({}, ["nextLink", "--org-mode"], ["read-only", "plain text", "KQL"]),
        ({"read_only": True, "org_mode": True}, ["Read-only"], ["--org-mode"]),
    ],
)
async def test_instructions_are_short_and_only_say_what_is_true(
    notes_pm: Any, tmp_path: Any, settings: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    from ms365mcp.server.mcp import MAX_INSTRUCTIONS_CHARS, instructions_for

    runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path, **settings), notes_pm)
    text = instructions_for(runtime)
    await runtime.aclose()
    assert len(text) <= MAX_INSTRUCTIONS_CHARS
    assert all(p in text for p in present) and not any(a in text for a in absent)


async def test_instructions_with_mail_tools_follow_the_body_format(tmp_path: Any) -> None:
    from ms365mcp.server.mcp import MAX_INSTRUCTIONS_CHARS, instructions_for

    text_runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path, presets=("mail",), read_only=True))
    html_runtime = build_runtime(Settings(sandbox=True, log_dir=tmp_path, presets=("mail",), body_format="html"))
    assert "plain text" in instructions_for(text_runtime) and "KQL" in instructions_for(text_runtime)
    assert "plain text" not in instructions_for(html_runtime)
    text_runtime.account_names = ("ann@contoso.example", "bob@contoso.example")
    worst = instructions_for(text_runtime)  # every optional sentence at once
    await text_runtime.aclose()
    await html_runtime.aclose()
    assert "`account`" in worst and len(worst) <= MAX_INSTRUCTIONS_CHARS
