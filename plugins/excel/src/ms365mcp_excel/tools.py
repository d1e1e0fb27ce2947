"""The Excel workbook tools as data; every one runs through the shared workbook-session handler.

Addresses and row indexes sit inside OData function syntax (``range(address='A1:B2')``,
``itemAt(index=2)``), so they are literal parameters: encoded as OData literals, not segments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ms365mcp import ToolSpec, chain, tool_maker
from ms365mcp.errors import ToolInputError
from ms365mcp_excel.session import run_in_session

EXCEL = frozenset({"excel", "personal"})

_WB = "/drives/{driveId}/items/{driveItemId}/workbook"
_SHEET = _WB + "/worksheets/{worksheetId}"
_RANGE = _SHEET + "/range(address='{address}')"
_TABLE = _WB + "/tables/{tableId}"
_ROW = _TABLE + "/rows/itemAt(index={index})"

_CELLS = re.compile(r"^(\$?[A-Z]{1,3}\$?\d{1,7}(:\$?[A-Z]{1,3}\$?\d{1,7})?|[A-Z]{1,3}:[A-Z]{1,3}|\d{1,7}:\d{1,7})$")

_STR: dict[str, Any] = {"type": "string"}
_GRID: dict[str, Any] = {"type": "array"}

# --- input normalisers ----------------------------------------------------------------------------


def prepare_address(args: dict[str, Any]) -> None:
    """An A1 address (A1, B2:D9, A:C, 2:5, optionally Sheet!A1); anything else is refused before Graph sees it."""
    value = args.get("address")
    sheet, bang, cells = (value.strip() if isinstance(value, str) else "").rpartition("!")
    cells = cells.replace(" ", "").upper()
    if not _CELLS.match(cells) or (bang and not sheet):
        raise ToolInputError("address", "expected an A1-style range such as A1, B2:D9, A:C or 2:5")
    args["address"] = f"{sheet}!{cells}" if bang else cells


def prepare_index(args: dict[str, Any]) -> None:
    """Row indexes are zero-based integers; a string of digits is accepted too."""
    value = args.get("index")
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise ToolInputError("index", "expected a zero-based row number such as 0")
    number = int(value)
    if number < 0:
        raise ToolInputError("index", "must be 0 or more")
    args["index"] = str(number)


def _grid(field: str) -> Callable[[dict[str, Any]], None]:
    """``values`` must be rows of cells; a single row or a single value is wrapped for the model."""

    def prepare(args: dict[str, Any]) -> None:
        body = args.get("body")
        if not isinstance(body, dict) or field not in body:
            return
        value = body[field]
        if not isinstance(value, list):
            value = [[value]]
        elif value and not all(isinstance(row, list) for row in value):
            if any(isinstance(row, list) for row in value):
                raise ToolInputError(f"body.{field}", "mixes rows and cells; give a list of rows")
            value = [value]
        widths = {len(row) for row in value}
        if len(widths) > 1:
            raise ToolInputError(f"body.{field}", "every row must have the same number of cells")
        body[field] = value

    return prepare


_VALUES = chain(prepare_address, _grid("values"), _grid("formulas"), _grid("numberFormat"))
_ROW_VALUES = chain(prepare_index, _grid("values"))

# --- body schemas -----------------------------------------------------------------------------------

RANGE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"values": {"type": "array"}, "formulas": {"type": "array"}, "numberFormat": {"type": "array"}},
}
FORMAT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "columnWidth": {"type": "number"},
        "rowHeight": {"type": "number"},
        "horizontalAlignment": _STR,
        "verticalAlignment": _STR,
        "wrapText": {"type": "boolean"},
    },
}
FONT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "bold": {"type": "boolean"},
        "italic": {"type": "boolean"},
        "underline": _STR,
        "color": _STR,
        "name": _STR,
        "size": {"type": "number"},
    },
}
FILL_BODY: dict[str, Any] = {"type": "object", "properties": {"color": _STR}, "required": ["color"]}
BORDER_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"style": _STR, "color": _STR, "weight": _STR},
}
SORT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"fields": {"type": "array"}, "hasHeaders": {"type": "boolean"}, "matchCase": {"type": "boolean"}},
    "required": ["fields"],
}
INSERT_BODY: dict[str, Any] = {"type": "object", "properties": {"shift": {"enum": ["Down", "Right"]}}}
DELETE_BODY: dict[str, Any] = {"type": "object", "properties": {"shift": {"enum": ["Up", "Left"]}}}
MERGE_BODY: dict[str, Any] = {"type": "object", "properties": {"across": {"type": "boolean"}}}
CLEAR_BODY: dict[str, Any] = {"type": "object", "properties": {"applyTo": {"enum": ["All", "Formats", "Contents"]}}}
CHART_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"type": _STR, "sourceData": _STR, "seriesBy": {"enum": ["Auto", "Columns", "Rows"]}},
    "required": ["type", "sourceData"],
}
TABLE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"address": _STR, "hasHeaders": {"type": "boolean"}},
    "required": ["address"],
}
ROW_BODY: dict[str, Any] = {"type": "object", "properties": {"values": _GRID}, "required": ["values"]}
ROWS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"values": _GRID, "index": {"type": "integer"}},
    "required": ["values"],
}

_INDEX_PARAM = {"index": {"type": ["integer", "string"]}}


def prepare_shift(default: str) -> Callable[[dict[str, Any]], None]:
    def prepare(args: dict[str, Any]) -> None:
        prepare_address(args)
        body = args.get("body")
        if body is None:
            body = args["body"] = {}
        if isinstance(body, dict):
            body.setdefault("shift", default)

    return prepare


def prepare_sort(args: dict[str, Any]) -> None:
    """Sort keys are zero-based column offsets; a bare number means ascending on that column."""
    body = args.get("body") or {}
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise ToolInputError("body.fields", 'give at least one {"key": columnOffset, "ascending": true}')
    shaped = []
    for i, field in enumerate(fields):
        if isinstance(field, int) and not isinstance(field, bool):
            field = {"key": field, "ascending": True}
        if not isinstance(field, dict) or not isinstance(field.get("key"), int) or field["key"] < 0:
            raise ToolInputError(f"body.fields[{i}]", 'expected {"key": columnOffset, "ascending": true}')
        shaped.append(field)
    body["fields"] = shaped


def prepare_table(args: dict[str, Any]) -> None:
    body = args.get("body") or {}
    probe = {"address": body.get("address")}
    try:
        prepare_address(probe)
    except ToolInputError:
        raise ToolInputError("body.address", "expected an A1-style range such as A1:D8") from None
    body["address"] = probe["address"]
    body.setdefault("hasHeaders", True)


# --- the tools --------------------------------------------------------------------------------------


_workbook_tool = tool_maker(presets=EXCEL, handler=run_in_session)


def _excel(name: str, method: str, path: str, description: str, scope: str, **extra: Any) -> ToolSpec:
    """Every workbook call runs in a session; ``range(address=...)`` and ``itemAt(index=...)`` are literals."""
    literal = {p for p in ("address", "index") if "{" + p + "}" in path}
    if "address" in literal and "prepare" not in extra:
        extra["prepare"] = prepare_address
    if "index" in literal:
        extra.setdefault("params", _INDEX_PARAM)
    return _workbook_tool(name, method, path, description, scope, literal_params=literal, **extra)


TOOLS: tuple[ToolSpec, ...] = (
    _excel(
        "list-excel-worksheets",
        "GET",
        _WB + "/worksheets",
        "List a workbook's worksheets.",
        "Files.Read",
        query=frozenset({"select"}),
    ),
    _excel(
        "get-excel-range",
        "GET",
        _RANGE,
        "Read a range's values, formulas and number formats (A1 address).",
        "Files.Read",
        query=frozenset({"select"}),
    ),
    _excel(
        "get-excel-used-range",
        "GET",
        _SHEET + "/usedRange()",
        "Read the part of a worksheet that holds data.",
        "Files.ReadWrite",
        query=frozenset({"select"}),
    ),
    _excel(
        "update-excel-range",
        "PATCH",
        _RANGE,
        "Write values or formulas (rows of cells) into a range.",
        "Files.ReadWrite",
        body=RANGE_BODY,
        prepare=_VALUES,
    ),
    _excel(
        "insert-excel-range",
        "POST",
        _RANGE + "/insert",
        "Insert blank cells, shifting others Down or Right.",
        "Files.ReadWrite",
        body=INSERT_BODY,
        body_required=False,
        prepare=prepare_shift("Down"),
    ),
    _excel(
        "delete-excel-range",
        "POST",
        _RANGE + "/delete",
        "Delete cells, shifting others Up or Left.",
        "Files.ReadWrite",
        body=DELETE_BODY,
        body_required=False,
        prepare=prepare_shift("Up"),
    ),
    _excel(
        "clear-excel-range",
        "POST",
        _RANGE + "/clear",
        "Clear a range's contents, formats or both (applyTo).",
        "Files.ReadWrite",
        body=CLEAR_BODY,
        body_required=False,
    ),
    _excel(
        "merge-excel-range",
        "POST",
        _RANGE + "/merge",
        "Merge a range's cells (across: one merge per row).",
        "Files.ReadWrite",
        body=MERGE_BODY,
        body_required=False,
    ),
    _excel(
        "unmerge-excel-range", "POST", _RANGE + "/unmerge", "Unmerge the merged cells in a range.", "Files.ReadWrite"
    ),
    # Graph sorts with the rangeSort ``apply`` action; a PATCH on ``range()/sort`` (as some catalogues list it)
    # changes nothing, so the documented POST .../range(address=...)/sort/apply is used instead.
    _excel(
        "sort-excel-range",
        "POST",
        _RANGE + "/sort/apply",
        "Sort a range's rows by column offsets (fields: [{key, ascending}]).",
        "Files.ReadWrite",
        body=SORT_BODY,
        prepare=chain(prepare_address, prepare_sort),
    ),
    _excel(
        "get-excel-range-format",
        "GET",
        _RANGE + "/format",
        "Read a range's format: widths, alignment, wrap.",
        "Files.Read",
    ),
    _excel(
        "format-excel-range",
        "PATCH",
        _RANGE + "/format",
        "Set column width, row height, alignment or wrap.",
        "Files.ReadWrite",
        body=FORMAT_BODY,
    ),
    _excel(
        "format-excel-range-font",
        "PATCH",
        _RANGE + "/format/font",
        "Set a range's font: bold, italic, color (#RRGGBB), name, size.",
        "Files.ReadWrite",
        body=FONT_BODY,
    ),
    _excel(
        "format-excel-range-fill",
        "PATCH",
        _RANGE + "/format/fill",
        "Set a range's background color (#RRGGBB).",
        "Files.ReadWrite",
        body=FILL_BODY,
    ),
    _excel(
        "format-excel-range-border",
        "PATCH",
        _RANGE + "/format/borders/{sideIndex}",
        "Style one border (sideIndex EdgeTop, EdgeBottom, EdgeLeft, EdgeRight, InsideVertical...).",
        "Files.ReadWrite",
        body=BORDER_BODY,
        presets=frozenset({"excel"}),
    ),
    _excel(
        "create-excel-chart",
        "POST",
        _SHEET + "/charts/add",
        "Add a chart (type e.g. ColumnClustered, Line, Pie) from a source range.",
        "Files.ReadWrite",
        body=CHART_BODY,
    ),
    _excel(
        "list-excel-tables",
        "GET",
        _WB + "/tables",
        "List the workbook's tables.",
        "Files.Read",
        query=frozenset({"select"}),
    ),
    _excel("get-excel-table", "GET", _TABLE, "Get a table (id or name).", "Files.Read", query=frozenset({"select"})),
    _excel(
        "create-excel-table",
        "POST",
        _SHEET + "/tables/add",
        "Turn a range into a table (hasHeaders).",
        "Files.ReadWrite",
        body=TABLE_BODY,
        prepare=prepare_table,
    ),
    _excel(
        "list-excel-table-rows",
        "GET",
        _TABLE + "/rows",
        "List a table's data rows (zero-based index).",
        "Files.Read",
        query=frozenset({"top", "skip"}),
    ),
    _excel(
        "add-excel-table-rows",
        "POST",
        _TABLE + "/rows",
        "Append rows to a table (values: rows of cells).",
        "Files.ReadWrite",
        body=ROWS_BODY,
        prepare=_grid("values"),
    ),
    _excel(
        "update-excel-table-row",
        "PATCH",
        _ROW,
        "Replace one table row's values (zero-based index).",
        "Files.ReadWrite",
        body=ROW_BODY,
        prepare=_ROW_VALUES,
    ),
    _excel(
        "delete-excel-table-row",
        "DELETE",
        _ROW,
        "Delete one table row (zero-based index).",
        "Files.ReadWrite",
        prepare=prepare_index,
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every Excel tool to the core."""
    for spec in TOOLS:
        register(spec)
