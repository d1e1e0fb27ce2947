"""Smoke test: the files preset over stdio, as a desktop client would start it."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio

DRIVE = "b!adele-onedrive-0001"


async def test_files_over_stdio(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path / "logs")}
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--preset", "files"], env=env
    )
    local = tmp_path / "notes.md"
    local.write_text("# from disk\n")
    async with Client(server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"list-folder-files", "download-bytes", "upload-file", "get-download-url"} <= names
        made = await client.call_tool(
            "upload-file", {"driveId": DRIVE, "path": "Documents/notes.md", "localPath": str(local)}
        )
        assert not made.is_error, made.content[0].text
        item_id = made.structured_content["id"]
        text = await client.call_tool("download-bytes", {"path": f"/drives/{DRIVE}/items/{item_id}/content"})
        assert text.structured_content["text"] == "# from disk\n"
        png = await client.call_tool(
            "download-bytes", {"path": f"/drives/{DRIVE}/items/01ADELE0011TEAMOFFSITEP/content"}
        )
        assert base64.b64decode(png.content[1].resource.blob).startswith(b"\x89PNG")
        outside = await client.call_tool("download-bytes", {"path": "/users/alex@contoso.sandbox/drive/root/content"})
        assert outside.is_error and outside.structured_content["error"]["field"] == "path"
