"""Smoke test: the excel preset over stdio, as a desktop client would start it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio

FILE = {"driveId": "b!adele-onedrive-0001", "driveItemId": "01ADELEBUDGET2025XLSX"}


async def test_excel_over_stdio(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MS365_MCP_LOG_DIR": str(tmp_path / "logs")}
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "ms365mcp", "--sandbox", "--preset", "excel"], env=env
    )
    async with Client(server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"get-excel-range", "add-excel-table-rows", "format-excel-range-border"} <= names
        added = await client.call_tool(
            "add-excel-table-rows", {**FILE, "tableId": "SalesTable", "body": {"values": [["Central", 1, 2, "=B6+C6"]]}}
        )
        assert not added.is_error, added.content[0].text
        total = await client.call_tool("get-excel-range", {**FILE, "worksheetId": "Sales", "address": "D6"})
        assert total.structured_content["values"] == [[3]]
        bad = await client.call_tool("get-excel-range", {**FILE, "worksheetId": "Sales", "address": "../x"})
        assert bad.is_error and bad.structured_content["error"]["field"] == "address"
