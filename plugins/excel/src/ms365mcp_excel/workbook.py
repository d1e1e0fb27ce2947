"""The sandbox workbook: "Budget 2025.xlsx" in Adele's drive, with sheets, a table, formats and charts.

Cells live in one grid per worksheet; tables are views over a block of that grid, so range tools
and table tools see the same data. Every workbook call must carry a ``workbook-session-id`` that
``createSession`` handed out (real Graph also accepts sessionless calls; this sandbox insists so
tests catch a tool that forgot the header). Unknown or expired ids get Graph's session error.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.odata import list_page, odata_context, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant

#: Shared with the files sandbox: the same drive and the same file id.
DRIVE_ID = "b!adele-onedrive-0001"
ROOT_ID = "01ADELEROOT0000"
WORKBOOK_ID = "01ADELEBUDGET2025XLSX"
WORKBOOK_NAME = "Budget 2025.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = tuple[int, int]
Box = tuple[int, int, int, int]

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
_FUNC = re.compile(r"^=(SUM|AVERAGE|MIN|MAX|COUNT)\(([A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?)\)$")
_ARITH = re.compile(r"^=([A-Z]{1,3}\d{1,7}|\d+(?:\.\d+)?)(?:\s*([+\-*/])\s*([A-Z]{1,3}\d{1,7}|\d+(?:\.\d+)?))*$")
_TOKENS = re.compile(r"([A-Z]{1,3}\d{1,7}|\d+(?:\.\d+)?|[+\-*/])")
SIDES = (
    "EdgeTop",
    "EdgeBottom",
    "EdgeLeft",
    "EdgeRight",
    "InsideVertical",
    "InsideHorizontal",
    "DiagonalDown",
    "DiagonalUp",
)
SESSION_ERROR = (
    "InvalidSessionReCreatable",
    "The session specified in the request does not exist or is invalid due to a transient error.",
)


# --- addresses ------------------------------------------------------------------------------------


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def col_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_cell(text: str) -> Cell:
    match = _REF.match(text.upper())
    if match is None:
        raise GraphError(400, "InvalidArgument", f"The argument '{text}' is invalid or missing.")
    return int(match.group(2)) - 1, col_index(match.group(1))


def parse_box(address: str, used: Box | None = None) -> Box:
    """``A1``, ``A1:C3``, ``A:C`` (to the used rows) or ``2:4`` (to the used columns); sheet prefixes ignored."""
    text = address.rpartition("!")[2].replace("$", "").upper()
    first, _, last = text.partition(":")
    last = last or first
    if first.isalpha() and last.isalpha():
        bottom = used[2] if used else 0
        return 0, col_index(first), max(bottom, 0), col_index(last)
    if first.isdigit() and last.isdigit():
        right = used[3] if used else 0
        return int(first) - 1, 0, int(last) - 1, max(right, 0)
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def box_address(box: Box) -> str:
    r1, c1, r2, c2 = box
    start = f"{col_letters(c1)}{r1 + 1}"
    return start if (r1, c1) == (r2, c2) else f"{start}:{col_letters(c2)}{r2 + 1}"


def cells_of(box: Box) -> list[Cell]:
    r1, c1, r2, c2 = box
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


# --- the model ------------------------------------------------------------------------------------


class Sheet:
    def __init__(self, sheet_id: str, name: str, position: int) -> None:
        self.id, self.name, self.position = sheet_id, name, position
        self.cells: dict[Cell, dict[str, Any]] = {}
        self.formats: dict[Cell, dict[str, Any]] = {}
        self.merged: list[Box] = []
        self.charts: list[dict[str, Any]] = []

    def graph(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.position, "visibility": "Visible"}

    def set(self, cell: Cell, value: Any) -> None:
        if value is None or value == "":
            self.cells.pop(cell, None)
        elif isinstance(value, str) and value.startswith("="):
            self.cells[cell] = {"formula": value.upper()}
        else:
            self.cells.setdefault(cell, {}).pop("formula", None)
            self.cells[cell] = {**self.cells.get(cell, {}), "value": value}

    def value(self, cell: Cell, depth: int = 0) -> Any:
        data = self.cells.get(cell)
        if data is None:
            return ""
        if "formula" not in data:
            return data.get("value", "")
        if depth > 20:
            return "#REF!"
        return self._evaluate(data["formula"], depth + 1)

    def _number(self, cell: Cell, depth: int) -> float | None:
        value = self.value(cell, depth)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def _evaluate(self, formula: str, depth: int) -> Any:
        match = _FUNC.match(formula)
        if match:
            numbers = [n for c in cells_of(parse_box(match.group(2))) if (n := self._number(c, depth)) is not None]
            name = match.group(1)
            if name == "COUNT":
                return len(numbers)
            if not numbers:
                return 0 if name == "SUM" else "#DIV/0!"
            result = {"SUM": sum, "MIN": min, "MAX": max}.get(name, lambda v: sum(v) / len(v))(numbers)
            return int(result) if float(result).is_integer() else result
        if _ARITH.match(formula):
            tokens = _TOKENS.findall(formula[1:])
            total: float | None = None
            op = "+"
            for token in tokens:
                if token in "+-*/":
                    op = token
                    continue
                number = float(token) if token[0].isdigit() else self._number(parse_cell(token), depth) or 0.0
                if total is None:
                    total = number
                elif op == "/" and number == 0:
                    return "#DIV/0!"
                else:
                    total = {"+": total + number, "-": total - number, "*": total * number}.get(op, total / number)
            assert total is not None
            return int(total) if total.is_integer() else total
        return "#NAME?"

    def used(self) -> Box | None:
        if not self.cells:
            return None
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return min(rows), min(cols), max(rows), max(cols)

    def shift(self, box: Box, direction: str) -> None:
        """Insert (Down/Right) or delete (Up/Left) the cells of ``box``, moving the neighbours."""
        r1, c1, r2, c2 = box
        height, width = r2 - r1 + 1, c2 - c1 + 1
        for grid in (self.cells, self.formats):
            moved: dict[Cell, dict[str, Any]] = {}
            for (r, c), data in grid.items():
                in_cols, in_rows = c1 <= c <= c2, r1 <= r <= r2
                if direction == "Down" and in_cols and r >= r1:
                    moved[(r + height, c)] = data
                elif direction == "Right" and in_rows and c >= c1:
                    moved[(r, c + width)] = data
                elif direction == "Up" and in_cols and r >= r1:
                    if r > r2:
                        moved[(r - height, c)] = data
                elif direction == "Left" and in_rows and c >= c1:
                    if c > c2:
                        moved[(r, c - width)] = data
                else:
                    moved[(r, c)] = data
            grid.clear()
            grid.update(moved)


class Workbook:
    def __init__(self, tenant: SandboxTenant) -> None:
        self.tenant = tenant
        self.sessions: dict[str, dict[str, Any]] = tenant.store.setdefault("excel.sessions", {})
        self.log: list[tuple[str, str, str | None]] = tenant.store.setdefault("excel.sessionLog", [])
        """Every workbook call as (method, path, workbook-session-id), for tests."""
        self.require_session = True
        self.sheets: list[Sheet] = []
        self.tables: list[dict[str, Any]] = []
        self.ids = itertools.count(1)
        self.seed()

    def seed(self) -> None:
        summary = self.add_sheet("Summary")
        sales = self.add_sheet("Sales")
        summary.set((0, 0), "Budget 2025")
        summary.set((1, 0), "Owner")
        summary.set((1, 1), "Adele Vance")
        summary.set((2, 0), "Status")
        summary.set((2, 1), "Draft")
        rows = [
            ["Region", "Q1", "Q2", "Total"],
            ["North", 1200, 1350, "=SUM(B2:C2)"],
            ["South", 980, 1105, "=SUM(B3:C3)"],
            ["East", 1510, 1420, "=SUM(B4:C4)"],
            ["West", 875, 990, "=SUM(B5:C5)"],
        ]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sales.set((r, c), value)
        sales.formats[(0, 0)] = {"font": {"bold": True}}
        self.tables.append(
            {
                "id": "{6D182180-5F8D-4A5C-B3C5-000000000001}",
                "name": "SalesTable",
                "showHeaders": True,
                "showTotals": False,
                "style": "TableStyleMedium2",
                "_sheet": sales,
                "_box": [0, 0, 4, 3],
            }
        )

    def add_sheet(self, name: str) -> Sheet:
        sheet = Sheet(f"{{00000000-0001-0000-{len(self.sheets):04d}-000000000000}}", name, len(self.sheets))
        self.sheets.append(sheet)
        return sheet

    def sheet(self, key: str) -> Sheet:
        for sheet in self.sheets:
            if key in (sheet.id, sheet.name) or key.lower() == sheet.name.lower():
                return sheet
        raise GraphError(404, "ItemNotFound", "The requested resource doesn't exist.")

    def table(self, key: str) -> dict[str, Any]:
        for table in self.tables:
            if key in (table["id"], table["name"]) or key.lower() == table["name"].lower():
                return table
        raise GraphError(404, "ItemNotFound", "The requested resource doesn't exist.")

    # -- shapes ---------------------------------------------------------------------------------
    def range_json(self, sheet: Sheet, box: Box) -> dict[str, Any]:
        r1, c1, r2, c2 = box
        values, formulas, text, kinds, formats = [], [], [], [], []
        for r in range(r1, r2 + 1):
            row_v, row_f, row_t, row_k, row_n = [], [], [], [], []
            for c in range(c1, c2 + 1):
                value = sheet.value((r, c))
                data = sheet.cells.get((r, c), {})
                row_v.append(value)
                row_f.append(data.get("formula", value))
                row_t.append("" if value == "" else str(value))
                row_k.append(_kind(value))
                row_n.append(data.get("numberFormat", "General"))
            values.append(row_v)
            formulas.append(row_f)
            text.append(row_t)
            kinds.append(row_k)
            formats.append(row_n)
        address = f"{sheet.name}!{box_address(box)}"
        return {
            "address": address,
            "addressLocal": address,
            "cellCount": (r2 - r1 + 1) * (c2 - c1 + 1),
            "columnCount": c2 - c1 + 1,
            "rowCount": r2 - r1 + 1,
            "columnIndex": c1,
            "rowIndex": r1,
            "values": values,
            "formulas": formulas,
            "text": text,
            "valueTypes": kinds,
            "numberFormat": formats,
        }

    def table_json(self, table: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in table.items() if not k.startswith("_")}

    def table_rows(self, table: dict[str, Any]) -> list[dict[str, Any]]:
        sheet: Sheet = table["_sheet"]
        r1, c1, r2, c2 = table["_box"]
        return [
            {"index": i, "values": [[sheet.value((r, c)) for c in range(c1, c2 + 1)]]}
            for i, r in enumerate(range(r1 + 1, r2 + 1))
        ]


def _kind(value: Any) -> str:
    if value == "":
        return "Empty"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Double"
    if isinstance(value, str) and value.startswith("#"):
        return "Error"
    return "String"


def _grid(body: dict[str, Any], field: str, box: Box) -> list[list[Any]] | None:
    grid = body.get(field)
    if grid is None:
        return None
    r1, c1, r2, c2 = box
    if (
        not isinstance(grid, list)
        or len(grid) != r2 - r1 + 1
        or any(not isinstance(row, list) or len(row) != c2 - c1 + 1 for row in grid)
    ):
        raise GraphError(
            400,
            "InvalidArgument",
            f"The number of rows or columns in the input array doesn't match the size or dimensions of the range "
            f"({r2 - r1 + 1}x{c2 - c1 + 1}).",
        )
    return grid


def _add_workbook_file(tenant: SandboxTenant) -> None:
    """Put the .xlsx into the shared drive collection (the files sandbox serves it if installed)."""
    items = tenant.collection("drive.items")
    items.setdefault(
        WORKBOOK_ID,
        {
            "id": WORKBOOK_ID,
            "name": WORKBOOK_NAME,
            "createdDateTime": "2025-02-20T08:00:00Z",
            "lastModifiedDateTime": "2025-03-05T16:45:00Z",
            "webUrl": f"https://contoso-my.sandbox/personal/adele/Documents/{WORKBOOK_NAME}",
            "parentReference": {"driveId": DRIVE_ID, "driveType": "business", "id": ROOT_ID},
            "size": 18432,
            "file": {"mimeType": XLSX},
            "_seq": 0,
        },
    )
    tenant.store.setdefault("drive.contents", {}).setdefault(WORKBOOK_ID, b"PK\x03\x04xl/workbook.xml" + bytes(64))


def setup(tenant: SandboxTenant) -> Workbook:
    """Seed the workbook and serve its Graph routes."""
    _add_workbook_file(tenant)
    book = Workbook(tenant)
    tenant.store["excel.workbook"] = book

    def enter(req: SandboxRequest, *, needs_session: bool = True) -> None:
        if req.params.get("driveId") != DRIVE_ID or req.params.get("itemId") != WORKBOOK_ID:
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        session_id = req.headers.get("workbook-session-id")
        book.log.append((req.method, req.path, session_id))
        if not needs_session:
            return
        if session_id is None:
            if book.require_session:
                raise GraphError(
                    400, "InvalidRequest", "This sandbox requires the workbook-session-id header on workbook calls."
                )
            return
        if session_id not in book.sessions:
            raise GraphError(404, *SESSION_ERROR)

    def located(req: SandboxRequest) -> tuple[Sheet, Box]:
        enter(req)
        sheet = book.sheet(req.params["worksheetId"])
        address = req.params.get("address")
        if address is None:
            used = sheet.used()
            return sheet, used or (0, 0, 0, 0)
        return sheet, parse_box(address, sheet.used())

    wb = "/drives/{driveId}/items/{itemId}/workbook"
    ws = wb + "/worksheets/{worksheetId}"
    rng = ws + "/range(address='{address}')"

    @tenant.route("POST", wb + "/createSession")
    async def create_session(req: SandboxRequest) -> Response:
        enter(req, needs_session=False)
        persist = bool(req.json().get("persistChanges", True))
        session_id = "cluster=SBX&session=" + tenant.new_id("wbs").replace("-", "")
        book.sessions[session_id] = {"persistChanges": persist}
        return JSONResponse({"id": session_id, "persistChanges": persist}, status_code=201)

    @tenant.route("POST", wb + "/closeSession")
    async def close_session(req: SandboxRequest) -> None:
        enter(req)
        book.sessions.pop(req.headers.get("workbook-session-id", ""), None)

    @tenant.route("GET", wb + "/worksheets")
    async def list_sheets(req: SandboxRequest) -> dict[str, Any]:
        enter(req)
        return list_page(req, [s.graph() for s in book.sheets], search_fields=("name",))

    @tenant.route("GET", rng)
    async def get_range(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        return select_item(req, book.range_json(sheet, box))

    @tenant.route("GET", ws + "/usedRange()")
    async def used_range(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        return select_item(req, book.range_json(sheet, box))

    @tenant.route("PATCH", rng)
    async def update_range(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        body = req.json()
        values, formulas, formats = (_grid(body, f, box) for f in ("values", "formulas", "numberFormat"))
        if values is None and formulas is None and formats is None:
            raise GraphError(400, "InvalidArgument", "Give values, formulas or numberFormat.")
        for grid in (values, formulas):
            if grid is not None:
                for (r, c), value in zip(cells_of(box), (v for row in grid for v in row), strict=True):
                    if value is not None:
                        sheet.set((r, c), value)
        if formats is not None:
            for cell, number_format in zip(cells_of(box), (v for row in formats for v in row), strict=True):
                if cell in sheet.cells and number_format is not None:
                    sheet.cells[cell]["numberFormat"] = number_format
        return book.range_json(sheet, box)

    def shifting(kind: str, allowed: tuple[str, str]) -> Any:
        async def handler(req: SandboxRequest) -> Any:
            sheet, box = located(req)
            direction = req.json().get("shift", allowed[0])
            if direction not in allowed:
                raise GraphError(400, "InvalidArgument", f"shift must be {' or '.join(allowed)}.")
            sheet.shift(box, direction)
            return book.range_json(sheet, box) if kind == "insert" else None

        return handler

    tenant.route("POST", rng + "/insert")(shifting("insert", ("Down", "Right")))
    tenant.route("POST", rng + "/delete")(shifting("delete", ("Up", "Left")))

    @tenant.route("POST", rng + "/clear")
    async def clear(req: SandboxRequest) -> None:
        sheet, box = located(req)
        apply_to = req.json().get("applyTo", "All")
        if apply_to not in ("All", "Formats", "Contents"):
            raise GraphError(400, "InvalidArgument", "applyTo must be All, Formats or Contents.")
        for cell in cells_of(box):
            if apply_to in ("All", "Contents"):
                sheet.cells.pop(cell, None)
            if apply_to in ("All", "Formats"):
                sheet.formats.pop(cell, None)

    @tenant.route("POST", rng + "/merge")
    async def merge(req: SandboxRequest) -> None:
        sheet, box = located(req)
        r1, c1, r2, c2 = box
        across = bool(req.json().get("across", False))
        areas = [(r, c1, r, c2) for r in range(r1, r2 + 1)] if across else [box]
        sheet.merged = [m for m in sheet.merged if not _overlaps(m, box)] + areas

    @tenant.route("POST", rng + "/unmerge")
    async def unmerge(req: SandboxRequest) -> None:
        sheet, box = located(req)
        sheet.merged = [m for m in sheet.merged if not _overlaps(m, box)]

    @tenant.route("POST", rng + "/sort/apply")
    async def sort(req: SandboxRequest) -> Response:
        sheet, box = located(req)
        body = req.json()
        unknown = sorted(set(body) - {"fields", "matchCase", "hasHeaders", "orientation", "method"})
        if unknown:
            raise GraphError(400, "InvalidArgument", f"The property '{unknown[0]}' is not a sort/apply parameter.")
        fields = body.get("fields") or []
        r1, c1, r2, c2 = box
        if body.get("hasHeaders", False):
            r1 += 1
        width = c2 - c1 + 1
        if not fields or any(not isinstance(f.get("key"), int) or not 0 <= f["key"] < width for f in fields):
            raise GraphError(400, "InvalidArgument", f"Each sort key must be a column offset from 0 to {width - 1}.")
        rows = [[sheet.cells.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        values = {
            id(row): [sheet.value((r, c)) for c in range(c1, c2 + 1)]
            for r, row in zip(range(r1, r2 + 1), rows, strict=True)
        }
        for field in reversed(fields):
            key = field["key"]
            rows.sort(key=lambda row, k=key: _sort_key(values[id(row)][k]), reverse=not field.get("ascending", True))
        for r, row in zip(range(r1, r2 + 1), rows, strict=True):
            for c, data in zip(range(c1, c2 + 1), row, strict=True):
                if data is None:
                    sheet.cells.pop((r, c), None)
                else:
                    sheet.cells[(r, c)] = data
        return Response(status_code=200)  # Graph answers 200 with an empty body

    _serve_formats(tenant, book, located, rng)
    _serve_tables(tenant, book, enter, located, wb, ws)
    return book


def _overlaps(a: Box, b: Box) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    if value == "":
        return (2, "")
    return (1, str(value).lower())


_FORMAT_DEFAULTS = {
    "columnWidth": 64.0,
    "rowHeight": 15.0,
    "horizontalAlignment": "General",
    "verticalAlignment": "Bottom",
    "wrapText": False,
}
_FONT_DEFAULTS = {
    "bold": False,
    "italic": False,
    "color": "#000000",
    "name": "Calibri",
    "size": 11,
    "underline": "None",
}
_ALIGN = {
    "horizontalAlignment": (
        "General",
        "Left",
        "Center",
        "Right",
        "Fill",
        "Justify",
        "CenterAcrossSelection",
        "Distributed",
    ),
    "verticalAlignment": ("Top", "Center", "Bottom", "Justify", "Distributed"),
}
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$|^[A-Za-z]+$")


def _serve_formats(tenant: SandboxTenant, book: Workbook, located: Any, rng: str) -> None:
    def current(sheet: Sheet, box: Box, part: str, defaults: dict[str, Any]) -> dict[str, Any]:
        return {**defaults, **sheet.formats.get(box[:2], {}).get(part, {})}

    def apply(sheet: Sheet, box: Box, part: str, changes: dict[str, Any]) -> None:
        for cell in cells_of(box):
            formats = sheet.formats.setdefault(cell, {})
            formats[part] = {**formats.get(part, {}), **changes}

    def check_color(body: dict[str, Any]) -> None:
        color = body.get("color")
        if color is not None and not (isinstance(color, str) and _COLOR.match(color)):
            raise GraphError(400, "InvalidArgument", "color must be #RRGGBB or a color name.")

    @tenant.route("GET", rng + "/format")
    async def get_format(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        return {"@odata.context": odata_context(req, "/$entity"), **current(sheet, box, "range", _FORMAT_DEFAULTS)}

    @tenant.route("PATCH", rng + "/format")
    async def set_format(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        body = {k: v for k, v in req.json().items() if k in _FORMAT_DEFAULTS}
        for key, choices in _ALIGN.items():
            if key in body and body[key] not in choices:
                raise GraphError(400, "InvalidArgument", f"{key} must be one of {', '.join(choices)}.")
        apply(sheet, box, "range", body)
        return current(sheet, box, "range", _FORMAT_DEFAULTS)

    @tenant.route("PATCH", rng + "/format/font")
    async def set_font(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        body = {k: v for k, v in req.json().items() if k in _FONT_DEFAULTS}
        check_color(body)
        apply(sheet, box, "font", body)
        return current(sheet, box, "font", _FONT_DEFAULTS)

    @tenant.route("PATCH", rng + "/format/fill")
    async def set_fill(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        body = {k: v for k, v in req.json().items() if k == "color"}
        check_color(body)
        apply(sheet, box, "fill", body)
        return current(sheet, box, "fill", {"color": "#FFFFFF"})

    @tenant.route("PATCH", rng + "/format/borders/{sideIndex}")
    async def set_border(req: SandboxRequest) -> dict[str, Any]:
        sheet, box = located(req)
        side = req.params["sideIndex"]
        if side not in SIDES:
            raise GraphError(400, "InvalidArgument", f"sideIndex must be one of {', '.join(SIDES)}.")
        body = {k: v for k, v in req.json().items() if k in ("style", "color", "weight")}
        check_color(body)
        apply(sheet, box, "border." + side, body)
        border = current(sheet, box, "border." + side, {"style": "None", "color": "#000000", "weight": "Thin"})
        return {"id": side, "sideIndex": side, **border}


def _serve_tables(tenant: SandboxTenant, book: Workbook, enter: Any, located: Any, wb: str, ws: str) -> None:
    def table_of(req: SandboxRequest) -> dict[str, Any]:
        enter(req)
        return book.table(req.params["tableId"])

    def row_of(req: SandboxRequest) -> tuple[dict[str, Any], int]:
        table = table_of(req)
        index = int(req.params["index"]) if req.params["index"].isdigit() else -1
        r1, _, r2, _ = table["_box"]
        if not 0 <= index < r2 - r1:
            raise GraphError(400, "InvalidArgument", f"The row index {req.params['index']} is out of range.")
        return table, index

    @tenant.route("GET", wb + "/tables")
    async def list_tables(req: SandboxRequest) -> dict[str, Any]:
        enter(req)
        return list_page(req, [book.table_json(t) for t in book.tables], search_fields=("name",))

    @tenant.route("GET", wb + "/tables/{tableId}")
    async def get_table(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, book.table_json(table_of(req)))

    @tenant.route("GET", wb + "/tables/{tableId}/rows")
    async def list_rows(req: SandboxRequest) -> dict[str, Any]:
        return list_page(req, book.table_rows(table_of(req)), search_fields=("index",), default_top=100)

    @tenant.route("POST", wb + "/tables/{tableId}/rows")
    async def add_rows(req: SandboxRequest) -> Response:
        table = table_of(req)
        sheet: Sheet = table["_sheet"]
        r1, c1, r2, c2 = table["_box"]
        body = req.json()
        values = body.get("values")
        width = c2 - c1 + 1
        if (
            not isinstance(values, list)
            or not values
            or any(not isinstance(row, list) or len(row) != width for row in values)
        ):
            raise GraphError(400, "InvalidArgument", f"values must be rows of {width} cells.")
        index = body.get("index")
        count = r2 - r1
        at = count if index is None else int(index)
        if not 0 <= at <= count:
            raise GraphError(400, "InvalidArgument", "index is out of range.")
        first = r1 + 1 + at
        sheet.shift((first, c1, first + len(values) - 1, c2), "Down")
        for offset, row in enumerate(values):
            for c, value in zip(range(c1, c2 + 1), row, strict=True):
                sheet.set((first + offset, c), value)
        table["_box"] = [r1, c1, r2 + len(values), c2]
        added = {
            "index": at,
            "values": [[sheet.value((first + i, c)) for c in range(c1, c2 + 1)] for i in range(len(values))],
        }
        return JSONResponse(added, status_code=201)

    row_path = wb + "/tables/{tableId}/rows/itemAt(index={index})"

    @tenant.route("PATCH", row_path)
    async def update_row(req: SandboxRequest) -> dict[str, Any]:
        table, index = row_of(req)
        sheet: Sheet = table["_sheet"]
        r1, c1, _, c2 = table["_box"]
        values = req.json().get("values")
        if not isinstance(values, list) or len(values) != 1 or len(values[0]) != c2 - c1 + 1:
            raise GraphError(400, "InvalidArgument", f"values must be one row of {c2 - c1 + 1} cells.")
        for c, value in zip(range(c1, c2 + 1), values[0], strict=True):
            if value is not None:
                sheet.set((r1 + 1 + index, c), value)
        return book.table_rows(table)[index]

    @tenant.route("DELETE", row_path)
    async def delete_row(req: SandboxRequest) -> None:
        table, index = row_of(req)
        r1, c1, r2, c2 = table["_box"]
        row = r1 + 1 + index
        table["_sheet"].shift((row, c1, row, c2), "Up")
        table["_box"] = [r1, c1, r2 - 1, c2]

    @tenant.route("POST", ws + "/tables/add")
    async def add_table(req: SandboxRequest) -> Response:
        sheet, _ = located(req)
        body = req.json()
        address = body.get("address")
        if not isinstance(address, str):
            raise GraphError(400, "InvalidArgument", "address is required.")
        r1, c1, r2, c2 = parse_box(address, sheet.used())
        for table in book.tables:
            if table["_sheet"] is sheet and _overlaps(tuple(table["_box"]), (r1, c1, r2, c2)):  # type: ignore[arg-type]
                raise GraphError(400, "InvalidArgument", "A table can't overlap another table.")
        if not body.get("hasHeaders", True):
            sheet.shift((r1, c1, r1, c2), "Down")
            for c in range(c1, c2 + 1):
                sheet.set((r1, c), f"Column{c - c1 + 1}")
            r2 += 1
        number = len(book.tables) + 1
        table = {
            "id": f"{{6D182180-5F8D-4A5C-B3C5-{number:012d}}}",
            "name": f"Table{number}",
            "showHeaders": True,
            "showTotals": False,
            "style": "TableStyleMedium2",
            "_sheet": sheet,
            "_box": [r1, c1, r2, c2],
        }
        book.tables.append(table)
        return JSONResponse(book.table_json(table))  # tables/add is an action: 200, not 201

    @tenant.route("POST", ws + "/charts/add")
    async def add_chart(req: SandboxRequest) -> Response:
        sheet, _ = located(req)
        body = req.json()
        kind, source = body.get("type"), body.get("sourceData")
        if not isinstance(kind, str) or not kind or not isinstance(source, str):
            raise GraphError(400, "InvalidArgument", "type and sourceData are required.")
        parse_box(source, sheet.used())
        chart = {
            "id": f"{{C4A7-{len(sheet.charts) + 1:04d}}}",
            "name": f"Chart {len(sheet.charts) + 1}",
            "height": 216.0,
            "width": 360.0,
            "left": 0.0,
            "top": 0.0,
        }
        sheet.charts.append({**chart, "type": kind, "sourceData": source})
        return JSONResponse(chart)  # charts/add is an action: 200, not 201
