"""The server over stdio with the SDK's own client, in both protocol generations."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

pytestmark = pytest.mark.anyio


def params(tmp_path: Any, *args: str, **env: str) -> StdioServerParameters:
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path / "logs")}
    return StdioServerParameters(command=sys.executable, args=["-m", "ms365mcp", *args], env={**base, **env})


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_sandbox_over_stdio(tmp_path: Any, mode: str) -> None:
    async with Client(params(tmp_path, "--sandbox", "--preset", "mail"), mode=mode) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert "list-mail-messages" in tools and "send-mail" in tools
        listed = await client.call_tool("list-mail-messages", {"top": 3, "select": "id,subject"})
        assert not listed.is_error and len(listed.structured_content["value"]) == 3
        bad = await client.call_tool("get-mail-message", {"messageId": ["not", "a", "string"]})
        assert bad.is_error and "messageId: expected a string" in bad.content[0].text
        injected = await client.call_tool("get-mail-message", {"messageId": "../../users/alex@contoso.sandbox"})
        assert injected.is_error and '"status":404' in injected.content[0].text
        with pytest.raises(MCPError):
            await client.call_tool("no-such-tool", {})
        again = await client.call_tool("list-mail-folders", {})
        assert not again.is_error
    audit = (tmp_path / "logs" / "audit.log").read_text()
    assert '"tool":"list-mail-messages"' in audit and "alex@contoso.sandbox" not in audit


async def test_not_signed_in_over_stdio(tmp_path: Any) -> None:
    async with Client(params(tmp_path, "--preset", "mail")) as client:
        result = await client.call_tool("list-mail-messages", {})
    assert result.is_error and "not_signed_in" in result.content[0].text


def test_unknown_preset_exits_with_a_clear_message(tmp_path: Any) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ms365mcp", "--preset", "nope"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        timeout=60,
    )
    assert proc.returncode == 2 and "unknown preset nope" in proc.stderr and proc.stdout == ""


async def test_adversarial_arguments_over_stdio_with_env_caps(tmp_path: Any) -> None:
    env = {"MS365_MCP_MAX_TOP": "2", "MS365_MCP_BODY_FORMAT": "html"}
    async with Client(params(tmp_path, "--sandbox", "--preset", "mail", **env)) as client:
        assert "plain text" not in (client.instructions or "")
        capped = await client.call_tool("list-mail-messages", {"top": 1000, "select": "id, subject"})
        assert len(capped.structured_content["value"]) == 2
        assert set(capped.structured_content["value"][0]) == {"id", "subject"}
        message_id = capped.structured_content["value"][0]["id"]
        full = await client.call_tool("get-mail-message", {"messageId": message_id, "select": "body"})
        assert full.structured_content["body"]["contentType"] == "html"
        nested = await client.call_tool("send-mail", {"body": {"message": {"subject": 5, "toRecipients": []}}})
        assert nested.is_error and nested.structured_content["error"]["field"] == "body.message.subject"
        listed = await client.call_tool("list-mail-messages", {"select": ["id"], "count": "yes"})
        text = listed.content[0].text
        assert (
            listed.is_error
            and "select: expected a string, got list" in text
            and "count: expected true or false" in text
        )
        empty = await client.call_tool("list-mail-messages", {"search": "  "})
        assert empty.is_error and empty.structured_content["error"]["field"] == "search"
        foreign = await client.call_tool("list-mail-messages", {"nextLink": "https://evil.example/v1.0/me/messages"})
        assert foreign.is_error and foreign.structured_content["error"]["field"] == "nextLink"
        odd = await client.call_tool("get-mail-message", {"messageId": "ünï%2F..%2Fcødé"})
        assert odd.is_error and odd.structured_content["error"]["status"] == 404
        assert not (await client.call_tool("list-mail-folders", {})).is_error
