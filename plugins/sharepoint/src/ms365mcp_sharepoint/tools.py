"""The SharePoint site, list and column tools as data, plus the few steps that make them easy to call.

Every SharePoint permission is a work-or-school one, so all tools are ``org_only``. Three Graph
quirks are handled here rather than left to the model: site search takes a plain ``search=``
parameter (not ``$search``); list items show their column values only under ``fields``, which
Graph leaves out unless expanded; and a site addressed by path keeps its ``/`` separators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import attrs

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.catalog.spec import GET_OPTIONS
from ms365mcp.errors import ToolInputError
from ms365mcp.graph.errors import graph_error
from ms365mcp.graph.paging import PageLimits, fetch_remaining
from ms365mcp.graph.request import GraphRequest, build_request, encode_segment
from ms365mcp.graph.shaping import shape_response
from ms365mcp.inputs import body_of

WORK = frozenset({"sharepoint", "work"})
SEARCH = frozenset({"sharepoint", "search", "work"})
READ = "Sites.Read.All | Sites.Selected"
WRITE = "Sites.ReadWrite.All | Sites.Selected"
MANAGE = "Sites.Manage.All | Sites.Selected"

LIST_QUERY = frozenset({"top", "filter", "orderby", "select", "expand"})
GET_QUERY = GET_OPTIONS
SITE_SELECT = ("id", "displayName", "name", "webUrl", "description")
DRIVE_SELECT = ("id", "name", "driveType", "webUrl", "lastModifiedDateTime")
LIST_SELECT = ("id", "displayName", "name", "webUrl", "list")
ITEM_SELECT = ("id", "webUrl", "lastModifiedDateTime")

#: Graph refuses $filter/$orderby on columns that are not indexed unless the caller accepts the risk.
NON_INDEXED = ("Prefer", "HonorNonIndexedQueriesWarningMayFailRandomly")

#: Column kinds a model may name with ``"type"``; each is a facet property of a columnDefinition.
COLUMN_TYPES = frozenset(
    {
        "text",
        "number",
        "boolean",
        "dateTime",
        "choice",
        "currency",
        "personOrGroup",
        "hyperlinkOrPicture",
        "lookup",
        "calculated",
    }
)
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|2e|00|3f|23)", re.IGNORECASE)


# --- prepare steps --------------------------------------------------------------------------------


def expand_fields(args: dict[str, Any]) -> None:
    """List items are useless without their column values, so ``fields`` is expanded unless told otherwise."""
    if not str(args.get("expand") or "").strip():
        args["expand"] = "fields"


def prepare_site_path(args: dict[str, Any]) -> None:
    """Accept ``https://contoso.sharepoint.com`` or a bare host, and ``/sites/x`` or a full site URL."""
    host = str(args.get("hostname") or "").strip()
    if "://" in host:
        host = urlsplit(host).netloc
    host = host.rstrip("/")
    if not _HOST.match(host):
        raise ToolInputError("hostname", "give the SharePoint host only, e.g. contoso.sharepoint.com")
    path = str(args.get("sitePath") or "").strip()
    if "://" in path:
        parts = urlsplit(path)
        if parts.netloc.lower() != host.lower():
            raise ToolInputError("sitePath", f"the URL is on {parts.netloc}, not on {host}")
        path = parts.path
    if "?" in path or "#" in path or "\\" in path or any(ord(c) < 0x20 for c in path):
        raise ToolInputError("sitePath", "give a server-relative path such as /sites/Marketing, without query")
    if _ENCODED_SEPARATOR.search(path):
        raise ToolInputError("sitePath", "must not contain encoded separators or dots (%2F, %2E ...)")
    segments = path.strip("/").split("/")
    if segments == [""]:
        raise ToolInputError("sitePath", "give a server-relative path such as /sites/Marketing")
    if any(s in ("", ".", "..") for s in segments):
        raise ToolInputError("sitePath", "must not contain empty, '.' or '..' segments")
    args["hostname"], args["sitePath"] = host, "/".join(segments)


def site_path(args: dict[str, Any]) -> str:
    """``/sites/{host}:/{seg}/{seg}``: each segment encoded alone, the separators kept (Graph's path syntax)."""
    segments = "/".join(encode_segment(s) for s in args["sitePath"].split("/"))
    return f"/sites/{encode_segment(args['hostname'])}:/{segments}"


def prepare_search(args: dict[str, Any]) -> None:
    """An empty search is refused: Graph answers it with every site, which is rarely what was meant."""
    text = str(args.get("search") or "").strip()
    if not text:
        raise ToolInputError("search", "give words from the site's name or description, or * for all sites")
    args["search"] = text


def prepare_item(args: dict[str, Any]) -> None:
    """Column values go under ``fields``; a flat ``{"Title": ...}`` body is wrapped for the model."""
    body = body_of(args, required=True)
    if "fields" not in body:
        body = args["body"] = {"fields": body}
    fields = body["fields"]
    if not isinstance(fields, dict) or not fields:
        raise ToolInputError("body.fields", 'give column values by internal name, e.g. {"Title": "Budget review"}')
    for name in fields:
        if not isinstance(name, str) or not name.strip() or name in ("id", "ID"):
            raise ToolInputError(f"body.fields.{name}", "is not a column you can set")


def prepare_item_fields(args: dict[str, Any]) -> None:
    """Updating column values is a PATCH of the item's ``fields`` with a flat fieldValueSet, so a
    ``{"fields": {...}}`` body is unwrapped (the shape create takes is accepted here too)."""
    prepare_item(args)
    args["body"] = args["body"]["fields"]


def _column(column: Any, field: str, *, new: bool) -> dict[str, Any]:
    """``{"name": "Due", "type": "dateTime"}`` becomes Graph's ``{"name": "Due", "dateTime": {}}``."""
    if not isinstance(column, dict):
        raise ToolInputError(field, "expected a column object")
    column = dict(column)
    kind = column.pop("type", None)
    if kind is None and "choices" in column:
        kind = "choice"
    if kind is not None:
        if kind not in COLUMN_TYPES:
            raise ToolInputError(f"{field}.type", f"unknown column type {kind!r}; one of {sorted(COLUMN_TYPES)}")
        facet = column.get(kind) if isinstance(column.get(kind), dict) else {}
        choices = column.pop("choices", None)
        if kind == "choice" and choices is not None:
            if not isinstance(choices, list) or not all(isinstance(c, str) and c for c in choices):
                raise ToolInputError(f"{field}.choices", "expected a list of choice texts")
            facet = {**facet, "choices": choices}
        column[kind] = facet
    if new:
        name = column.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ToolInputError(f"{field}.name", "give the column's internal name (letters and digits)")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ToolInputError(f"{field}.name", "use letters, digits and _ only; put spaces in displayName")
        if not COLUMN_TYPES & set(column):
            raise ToolInputError(f"{field}.type", f"give the column type, one of {sorted(COLUMN_TYPES)}")
    return column


def prepare_new_column(args: dict[str, Any]) -> None:
    args["body"] = _column(body_of(args, required=True), "body", new=True)


def prepare_column_update(args: dict[str, Any]) -> None:
    args["body"] = _column(body_of(args, required=True), "body", new=False)
    if not args["body"]:
        raise ToolInputError("body", "give the properties to change, e.g. displayName or required")


def prepare_new_list(args: dict[str, Any]) -> None:
    """A list needs a name; ``template`` and typed ``columns`` may be given flat."""
    body = body_of(args, required=True)
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise ToolInputError("body.displayName", "give the list's name")
    facet = body.get("list") if isinstance(body.get("list"), dict) else {}
    template = body.pop("template", None) or facet.get("template") or "genericList"
    body["list"] = {**facet, "template": template}
    columns = body.get("columns")
    if columns is not None:
        if not isinstance(columns, list):
            raise ToolInputError("body.columns", "expected a list of column objects")
        body["columns"] = [_column(c, f"body.columns[{i}]", new=True) for i, c in enumerate(columns)]


# --- handlers -------------------------------------------------------------------------------------


async def _send(call: Any, request: GraphRequest) -> dict[str, Any]:
    """Send like the executor does (errors, shaping, fetchAllPages) for a request a handler adjusted."""
    settings = call.runtime.settings
    response = await call.send(request)
    if response.status_code >= 400:
        raise graph_error(response, call.spec, org_mode=settings.org_mode)
    data = shape_response(response)
    if call.args.get("fetchAllPages") and call.spec.is_list and data.get("nextLink"):
        limits = PageLimits(settings.max_pages, settings.max_items)
        data = await fetch_remaining(
            call.runtime.graph, call.identity, data, limits, request.headers, call.spec.api_version
        )
    return data


async def get_site_by_path(call: Any) -> dict[str, Any]:
    """The standard request, with the path rebuilt so the site path's ``/`` reach Graph unencoded."""
    request = build_request(call.spec, call.args, call.runtime.settings)
    return await _send(call, attrs.evolve(request, path=site_path(call.args)))


async def list_items(call: Any) -> dict[str, Any]:
    """The standard request, plus the Prefer header Graph wants before it filters or sorts on a column."""
    request = build_request(call.spec, call.args, call.runtime.settings)
    if any(name in ("$filter", "$orderby") for name, _ in request.params):
        request = attrs.evolve(request, headers=(*request.headers, NON_INDEXED))
    return await _send(call, request)


# --- specs ----------------------------------------------------------------------------------------

_OBJ: dict[str, Any] = {"type": "object"}
_STR: dict[str, Any] = {"type": "string"}
ITEM_BODY: dict[str, Any] = {"type": "object", "properties": {"fields": _OBJ}}
COLUMN_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _STR,
        "displayName": _STR,
        "type": _STR,
        "choices": {"type": "array"},
        "required": {"type": "boolean"},
    },
}
LIST_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"displayName": _STR, "template": _STR, "columns": {"type": "array"}},
    "required": ["displayName"],
}

_SITE = "/sites/{siteId}"
_LIST = _SITE + "/lists/{listId}"
_ITEM = _LIST + "/items/{listItemId}"
_COLUMN = _LIST + "/columns/{columnDefinitionId}"


_tool = tool_maker(presets=WORK, org_only=True)


TOOLS: tuple[ToolSpec, ...] = (
    _tool(
        "search-sharepoint-sites",
        "GET",
        "/sites",
        "Find SharePoint sites by keywords in name or description; search='*' lists all.",
        "Sites.Read.All",
        presets=SEARCH,
        query=frozenset({"top", "select"}),
        default_select=SITE_SELECT,
        params={"search": {"type": "string", "in": "query", "required": True}},
        prepare=prepare_search,
    ),
    _tool("get-sharepoint-site", "GET", _SITE, "Get a site by id (or 'root').", READ, query=GET_QUERY),
    _tool(
        "get-sharepoint-site-by-path",
        "GET",
        "/sites/{hostname}:/{sitePath}",
        "Get a site by host and server-relative path, e.g. contoso.sharepoint.com + /sites/Marketing.",
        READ,
        query=GET_QUERY,
        prepare=prepare_site_path,
        handler=get_site_by_path,
    ),
    _tool(
        "get-sharepoint-sites-delta",
        "GET",
        "/sites/delta()",
        "Track site changes; keep the deltaLink and pass it later as nextLink.",
        "Sites.Read.All",
        query=frozenset({"top", "select"}),
    ),
    _tool(
        "list-sharepoint-site-drives",
        "GET",
        _SITE + "/drives",
        "List a site's document libraries (use their ids with the drive tools).",
        READ,
        query=frozenset({"top", "orderby", "select"}),
        default_select=DRIVE_SELECT,
    ),
    _tool(
        "get-sharepoint-site-drive-by-id",
        "GET",
        _SITE + "/drives/{driveId}",
        "Get one document library of a site.",
        READ,
        query=GET_QUERY,
    ),
    _tool(
        "list-sharepoint-site-items",
        "GET",
        _SITE + "/items",
        "List the base items (lists and libraries) of a site.",
        READ,
        query=frozenset({"top", "select"}),
    ),
    _tool("get-sharepoint-site-item", "GET", _SITE + "/items/{baseItemId}", "Get one base item of a site.", READ),
    _tool(
        "list-sharepoint-site-lists",
        "GET",
        _SITE + "/lists",
        "List a site's lists and libraries; list.template tells which.",
        READ,
        query=LIST_QUERY,
        default_select=LIST_SELECT,
    ),
    _tool(
        "get-sharepoint-site-list",
        "GET",
        _LIST,
        "Get a list by id or name; expand=columns shows its columns.",
        READ,
        query=GET_QUERY,
    ),
    _tool(
        "list-sharepoint-site-list-items",
        "GET",
        _LIST + "/items",
        "List items with column values in fields; filter e.g. fields/Status eq 'Done'.",
        READ,
        query=LIST_QUERY,
        default_select=ITEM_SELECT,
        prepare=expand_fields,
        handler=list_items,
    ),
    _tool(
        "get-sharepoint-site-list-item",
        "GET",
        _ITEM,
        "Get a list item with its column values.",
        READ,
        query=GET_QUERY,
        prepare=expand_fields,
    ),
    _tool(
        "create-sharepoint-list-item",
        "POST",
        _LIST + "/items",
        "Add a list item; body.fields maps column internal names to values.",
        WRITE,
        body=ITEM_BODY,
        prepare=prepare_item,
    ),
    _tool(
        "update-sharepoint-list-item",
        "PATCH",
        _ITEM + "/fields",
        "Change a list item's column values; body maps internal column names to new values.",
        WRITE,
        body=_OBJ,
        prepare=prepare_item_fields,
    ),
    _tool("delete-sharepoint-list-item", "DELETE", _ITEM, "Delete a list item.", WRITE),
    _tool(
        "create-sharepoint-list",
        "POST",
        _SITE + "/lists",
        "Create a list; template defaults to genericList, columns as {name, type}.",
        MANAGE,
        body=LIST_BODY,
        prepare=prepare_new_list,
    ),
    _tool(
        "list-sharepoint-list-columns",
        "GET",
        _LIST + "/columns",
        "List a list's columns with their types.",
        READ,
        query=frozenset({"top", "filter", "select"}),
    ),
    _tool(
        "create-sharepoint-list-column",
        "POST",
        _LIST + "/columns",
        "Add a column: name, type (text, number, choice, dateTime...), choices.",
        MANAGE,
        body=COLUMN_BODY,
        prepare=prepare_new_column,
    ),
    _tool("get-sharepoint-list-column", "GET", _COLUMN, "Get one column definition.", READ, query=GET_QUERY),
    _tool(
        "update-sharepoint-list-column",
        "PATCH",
        _COLUMN,
        "Change a column (displayName, description, required, choices...).",
        MANAGE,
        body=COLUMN_BODY,
        prepare=prepare_column_update,
    ),
    _tool("delete-sharepoint-list-column", "DELETE", _COLUMN, "Delete a column and its values.", MANAGE),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every SharePoint tool to the core."""
    for spec in TOOLS:
        register(spec)
