"""Every Excel tool called through the SDK's own MCP client against the sandbox workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ms365mcp.runtime import Runtime

pytestmark = pytest.mark.anyio

FILE = {"driveId": "b!adele-onedrive-0001", "driveItemId": "01ADELEBUDGET2025XLSX"}
SALES = {**FILE, "worksheetId": "Sales"}
TABLE = {**FILE, "tableId": "SalesTable"}


async def call(client: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def fail(client: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert result.is_error is True, (name, result.content[0].text)
    return result.structured_content["error"]


async def test_read_sheets_ranges_and_tables(client: Any) -> None:
    sheets = await call(client, "list-excel-worksheets", FILE)
    assert [s["name"] for s in sheets["value"]] == ["Summary", "Sales"]
    by_id = await call(client, "get-excel-range", {**FILE, "worksheetId": sheets["value"][1]["id"], "address": "d2"})
    assert by_id["values"] == [[2550]] and by_id["formulas"] == [["=SUM(B2:C2)"]]
    used = await call(client, "get-excel-used-range", SALES)
    assert used["address"] == "Sales!A1:D5" and used["rowCount"] == 5
    tables = await call(client, "list-excel-tables", FILE)
    assert [t["name"] for t in tables["value"]] == ["SalesTable"]
    table = await call(client, "get-excel-table", {**FILE, "tableId": tables["value"][0]["id"]})
    assert table["style"] == "TableStyleMedium2"
    rows = await call(client, "list-excel-table-rows", {**TABLE, "top": 2})
    assert [r["values"][0][0] for r in rows["value"]] == ["North", "South"] and "nextLink" in rows


async def test_write_values_and_formulas(client: Any) -> None:
    written = await call(
        client, "update-excel-range", {**SALES, "address": "B6:D6", "body": {"values": [[100, 200, "=SUM(B6:C6)"]]}}
    )
    assert written["values"] == [[100, 200, 300]]
    single = await call(client, "update-excel-range", {**SALES, "address": "A6:B6", "body": {"values": ["Central", 7]}})
    assert single["values"] == [["Central", 7]]
    mismatch = await fail(client, "update-excel-range", {**SALES, "address": "A1:B2", "body": {"values": [[1, 2, 3]]}})
    assert mismatch["status"] == 400 and "dimensions" in mismatch["message"]
    bad = await fail(client, "get-excel-range", {**SALES, "address": "not a range"})
    assert bad["field"] == "address"


async def test_insert_delete_clear_merge(client: Any) -> None:
    inserted = await call(client, "insert-excel-range", {**SALES, "address": "A2:D2"})
    assert inserted["values"] == [["", "", "", ""]]
    moved = await call(client, "get-excel-range", {**SALES, "address": "A3"})
    assert moved["values"] == [["North"]]
    await call(client, "delete-excel-range", {**SALES, "address": "A2:D2", "body": {"shift": "Up"}})
    back = await call(client, "get-excel-range", {**SALES, "address": "A2"})
    assert back["values"] == [["North"]]
    await call(client, "clear-excel-range", {**SALES, "address": "A5:D5", "body": {"applyTo": "Contents"}})
    cleared = await call(client, "get-excel-range", {**SALES, "address": "A5"})
    assert cleared["valueTypes"] == [["Empty"]]
    merged = await call(client, "merge-excel-range", {**FILE, "worksheetId": "Summary", "address": "A1:C1"})
    assert merged["ok"] is True
    unmerged = await call(client, "unmerge-excel-range", {**FILE, "worksheetId": "Summary", "address": "A1:C1"})
    assert unmerged["ok"] is True


async def test_sort(client: Any) -> None:
    body = {"fields": [{"key": 3, "ascending": False}], "hasHeaders": True}
    sorted_ = await call(client, "sort-excel-range", {**SALES, "address": "A1:D5", "body": body})
    assert sorted_ == {"ok": True, "status": 200}
    column = await call(client, "get-excel-range", {**SALES, "address": "A2:A5"})
    assert [r[0] for r in column["values"]] == ["East", "North", "South", "West"]
    bad = await fail(client, "sort-excel-range", {**SALES, "address": "A1:D5", "body": {"fields": ["x"]}})
    assert bad["field"] == "body.fields[0]"
    no_range = await fail(client, "sort-excel-range", {**SALES, "body": body})
    assert "address" in str(no_range)


async def test_sort_only_touches_the_given_range(client: Any) -> None:
    """Graph sorts the range named in the path; rows outside it stay where they are."""
    before = await call(client, "get-excel-range", {**SALES, "address": "A5:D5"})
    await call(client, "sort-excel-range", {**SALES, "address": "A2:D4", "body": {"fields": [0]}})
    after = await call(client, "get-excel-range", {**SALES, "address": "A5:D5"})
    assert after["values"] == before["values"]


async def _raw(runtime: Runtime, method: str, path: str, body: dict[str, Any]) -> Any:
    """One request straight to the sandbox, to check status codes the MCP result does not show."""
    import httpx

    from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL

    tenant = runtime.sandbox
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL) as http:
        session = await http.post("/v1.0" + WB + "/createSession", json={"persistChanges": True}, headers=headers)
        headers["workbook-session-id"] = session.json()["id"]
        return await http.request(method, "/v1.0" + WB + path, json=body, headers=headers)


WB = "/drives/b!adele-onedrive-0001/items/01ADELEBUDGET2025XLSX/workbook"


async def test_sandbox_refuses_the_old_patch_sort_shape(runtime: Runtime) -> None:
    """A PATCH on range()/sort is not how Graph sorts; the sandbox does not serve it."""
    answer = await _raw(runtime, "PATCH", "/worksheets/Sales/range()/sort", {"fields": [{"key": 0}]})
    assert answer.status_code in (400, 404, 405)
    unknown = await _raw(runtime, "POST", "/worksheets/Sales/range(address='A1:D5')/sort/apply", {"keys": [0]})
    assert unknown.status_code == 400


async def test_workbook_actions_answer_200_like_graph(runtime: Runtime) -> None:
    """tables/add, charts/add and sort/apply are actions: Graph answers 200 OK, not 201 Created."""
    table = await _raw(runtime, "POST", "/worksheets/Summary/tables/add", {"address": "A1:B2", "hasHeaders": True})
    chart = await _raw(runtime, "POST", "/worksheets/Sales/charts/add", {"type": "Line", "sourceData": "A1:C5"})
    sort = await _raw(runtime, "POST", "/worksheets/Sales/range(address='A2:D5')/sort/apply", {"fields": [{"key": 0}]})
    assert (table.status_code, chart.status_code, sort.status_code) == (200, 200, 200)
    assert table.json()["name"].startswith("Table") and sort.content == b""


async def test_formats(client: Any) -> None:
    header = {**SALES, "address": "A1:D1"}
    fmt = await call(client, "format-excel-range", {**header, "body": {"horizontalAlignment": "Center"}})
    assert fmt["horizontalAlignment"] == "Center"
    read = await call(client, "get-excel-range-format", header)
    assert read["horizontalAlignment"] == "Center" and read["columnWidth"] == 64.0
    font = await call(client, "format-excel-range-font", {**header, "body": {"bold": True, "color": "#1F4E79"}})
    assert font["bold"] is True and font["name"] == "Calibri"
    fill = await call(client, "format-excel-range-fill", {**header, "body": {"color": "#DDEBF7"}})
    assert fill["color"] == "#DDEBF7"
    border = await call(
        client, "format-excel-range-border", {**header, "sideIndex": "EdgeBottom", "body": {"style": "Continuous"}}
    )
    assert border["sideIndex"] == "EdgeBottom" and border["style"] == "Continuous"
    wrong = await fail(client, "format-excel-range-border", {**header, "sideIndex": "Middle", "body": {}})
    assert "sideIndex" in wrong["message"]


async def test_tables_rows_and_charts(client: Any) -> None:
    added = await call(
        client, "add-excel-table-rows", {**TABLE, "body": {"values": [["Central", 400, 500, "=SUM(B6:C6)"]]}}
    )
    assert added["index"] == 4 and added["values"] == [["Central", 400, 500, 900]]
    updated = await call(
        client, "update-excel-table-row", {**TABLE, "index": 0, "body": {"values": ["North", 1, 2, 3]}}
    )
    assert updated["values"] == [["North", 1, 2, 3]]
    deleted = await call(client, "delete-excel-table-row", {**TABLE, "index": "1"})
    assert deleted["ok"] is True
    rows = await call(client, "list-excel-table-rows", TABLE)
    assert [r["values"][0][0] for r in rows["value"]] == ["North", "East", "West", "Central"]
    bad_index = await fail(client, "delete-excel-table-row", {**TABLE, "index": -1})
    assert bad_index["field"] == "index"
    out_of_range = await fail(client, "delete-excel-table-row", {**TABLE, "index": 40})
    assert out_of_range["status"] == 400
    await call(
        client,
        "update-excel-range",
        {
            **FILE,
            "worksheetId": "Summary",
            "address": "D1:E2",
            "body": {"values": [["Item", "Cost"], ["Laptop", 1200]]},
        },
    )
    table = await call(client, "create-excel-table", {**FILE, "worksheetId": "Summary", "body": {"address": "D1:E2"}})
    assert table["name"] == "Table2"
    overlap = await fail(client, "create-excel-table", {**SALES, "body": {"address": "A1:B2"}})
    assert "overlap" in overlap["message"]
    chart = await call(
        client, "create-excel-chart", {**SALES, "body": {"type": "ColumnClustered", "sourceData": "A1:C5"}}
    )
    assert chart["name"] == "Chart 1"


async def test_one_session_is_shared_and_recreated_when_it_expires(client: Any, runtime: Runtime) -> None:
    for _ in range(3):
        await call(client, "get-excel-range", {**SALES, "address": "A1"})
    log = runtime.sandbox.store["excel.sessionLog"]
    creates = [entry for entry in log if entry[1].endswith("/createSession")]
    used = {sid for method, path, sid in log if not path.endswith("/createSession")}
    assert len(creates) == 1 and len(used) == 1 and None not in used
    runtime.sandbox.store["excel.sessions"].clear()  # Graph forgot the session (idle timeout)
    again = await call(client, "get-excel-range", {**SALES, "address": "A1"})
    assert again["values"] == [["Region"]]
    creates = [entry for entry in log if entry[1].endswith("/createSession")]
    assert len(creates) == 2
    assert runtime.sandbox.store["excel.sessions"] and all(
        v["persistChanges"] for v in runtime.sandbox.store["excel.sessions"].values()
    )


async def test_not_a_workbook(client: Any) -> None:
    error = await fail(client, "list-excel-worksheets", {**FILE, "driveItemId": "01ADELE0002WELCOMETXT"})
    assert error["status"] == 404


async def test_every_excel_tool_was_exercised(runtime: Runtime) -> None:
    source = Path(__file__).read_text()
    names = [n for n, t in runtime.tools.items() if t.plugin == "excel"]
    assert len(names) == 23
    assert [n for n in names if f'"{n}"' not in source] == []
