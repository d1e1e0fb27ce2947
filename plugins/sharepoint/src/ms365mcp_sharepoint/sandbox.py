"""The sandbox's SharePoint routes: sites, document libraries, lists, columns and list items.

They answer the way Graph does where it matters to a caller: column values only under an
expanded ``fields``; a 400 for filtering on a non-indexed column without the Prefer header;
unknown, read-only and missing required columns refused by name; ``search=`` (not ``$search``)
on site search; sites addressed by ``host:/path``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs
from starlette.responses import JSONResponse

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, option, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant
from ms365mcp_sharepoint.seed import (
    HOST,
    TITLE_COLUMN_ID,
    SharePoint,
    Site,
    SpList,
    add_item,
    add_list,
    column,
    identity,
    now,
    seed,
)
from ms365mcp_sharepoint.tools import COLUMN_TYPES, NON_INDEXED

STORE_KEY = "sharepoint"
TEMPLATES = frozenset({"genericList", "documentLibrary", "tasks", "contacts", "links", "events", "announcements"})
COLUMN_FIELDS = frozenset(
    {"name", "displayName", "description", "columnGroup", "enforceUniqueValues", "hidden", "indexed", "required"}
    | COLUMN_TYPES
)
_EXPAND_FIELDS = re.compile(r"(?:^|,)\s*fields\s*(?:\(\s*\$?select\s*=\s*([^)]*)\))?", re.IGNORECASE)
_FIELD_REF = re.compile(r"fields/([A-Za-z_][A-Za-z0-9_]*)")


def _sp(request: SandboxRequest) -> SharePoint:
    return request.tenant.store[STORE_KEY]


def _public(entity: dict[str, Any]) -> dict[str, Any]:
    """An entity without the sandbox's bookkeeping keys (``_seq``, ``_path``)."""
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def _site(request: SandboxRequest) -> Site:
    """The site named by ``{siteId}``: its full id, ``root``, or the bare host name (also the root site)."""
    key = request.params["siteId"].strip().lower()
    for site in _sp(request).sites.values():
        if site.meta["id"].lower() == key or (key in ("root", HOST) and "root" in site.meta):
            return site
    raise GraphError(404, "itemNotFound", "Requested site could not be found")


def _list(request: SandboxRequest) -> tuple[Site, SpList]:
    """The list named by ``{listId}``: its id, or its title the way Graph also accepts it."""
    site = _site(request)
    key = request.params["listId"].strip().lower()
    for found in site.lists.values():
        if key in (found.meta["id"].lower(), found.meta["displayName"].lower()):
            return site, found
    raise GraphError(404, "itemNotFound", "The specified list was not found")


def _touch(sp: SharePoint, site: Site, found: SpList | None = None) -> None:
    """A write in a site moves its lastModifiedDateTime and makes it show up in the next delta."""
    moment = now()
    site.meta.update(lastModifiedDateTime=moment, _seq=sp.tick())
    if found is not None:
        found.meta["lastModifiedDateTime"] = moment


def _created(payload: dict[str, Any]) -> JSONResponse:
    return JSONResponse(payload, status_code=201)


def _entity(request: SandboxRequest, entity: dict[str, Any]) -> dict[str, Any]:
    return select_item(request, _public(entity))


# --- sites ----------------------------------------------------------------------------------------


async def search_sites(request: SandboxRequest) -> Any:
    if "search" not in request.query:
        if "$search" in request.query:
            raise GraphError(400, "invalidRequest", "Site search takes 'search=' as a plain query parameter.")
        return list_page(request, [], search_fields=())  # Graph answers a bare /sites with nothing
    words = [w.strip("*").lower() for w in request.query["search"].split() if w.strip("*")]
    hits = []
    for site in _sp(request).sites.values():
        text = " ".join(str(site.meta.get(k, "")) for k in ("displayName", "name", "description", "webUrl")).lower()
        if all(word in text for word in words):
            hits.append(_public(site.meta))
    plain = attrs.evolve(request, query={k: v for k, v in request.query.items() if k != "search"})
    return list_page(plain, hits, search_fields=())


async def get_site(request: SandboxRequest) -> Any:
    return _entity(request, _site(request).meta)


async def get_site_by_path(request: SandboxRequest) -> Any:
    host = request.params["hostname"].lower()
    path = "/" + request.params["sitePath"].strip("/").rstrip(":").strip("/")
    for site in _sp(request).sites.values():
        if host == HOST and site.meta["_path"].lower() == path.lower():
            return _entity(request, site.meta)
    raise GraphError(404, "itemNotFound", "Requested site could not be found")


async def sites_delta(request: SandboxRequest) -> Any:
    sp = _sp(request)
    token = request.query.get("token", "")
    if token == "latest":
        changed: list[dict[str, Any]] = []
    else:
        if token and not token.isdigit():
            raise GraphError(400, "resyncRequired", "The delta token is not valid; start a new delta round.")
        since = int(token) if token else -1
        changed = [_public(s.meta) for s in sp.sites.values() if s.meta["_seq"] > since]
    page = list_page(request, changed, search_fields=(), default_top=200)
    if "@odata.nextLink" not in page:
        page["@odata.deltaLink"] = f"{request.base_url}{request.raw_path}?token={sp.seq}"
    return page


# --- drives and base items ------------------------------------------------------------------------


async def list_drives(request: SandboxRequest) -> Any:
    drives = sorted(_site(request).drives.values(), key=lambda d: d["name"].lower())
    return list_page(request, drives, search_fields=("name",))


async def get_drive(request: SandboxRequest) -> Any:
    drive = _site(request).drives.get(request.params["driveId"])
    if drive is None:
        raise GraphError(404, "itemNotFound", "The requested drive was not found")
    return _entity(request, drive)


def _base_items(site: Site) -> list[dict[str, Any]]:
    keys = ("id", "name", "description", "webUrl", "createdDateTime", "lastModifiedDateTime")
    items = [{"@odata.type": "#microsoft.graph.list", **{k: s.meta[k] for k in keys}} for s in site.lists.values()]
    items += [{"@odata.type": "#microsoft.graph.drive", **{k: d[k] for k in keys}} for d in site.drives.values()]
    return items


async def list_base_items(request: SandboxRequest) -> Any:
    return list_page(request, _base_items(_site(request)), search_fields=("name",))


async def get_base_item(request: SandboxRequest) -> Any:
    wanted = request.params["baseItemId"]
    for item in _base_items(_site(request)):
        if item["id"] == wanted:
            return _entity(request, item)
    raise GraphError(404, "itemNotFound", "The resource could not be found.")


# --- lists ----------------------------------------------------------------------------------------


def _list_view(request: SandboxRequest, found: SpList) -> dict[str, Any]:
    view = dict(found.meta)
    expand = option(request, "expand") or ""
    if re.search(r"\bcolumns\b", expand):
        view["columns"] = list(found.columns.values())
    if re.search(r"\bitems\b", expand):
        view["items"] = [_item_view(request, i, expand_fields=False) for i in found.items.values()]
    return view


async def list_lists(request: SandboxRequest) -> Any:
    site = _site(request)
    lists = sorted(site.lists.values(), key=lambda f: f.meta["displayName"].lower())
    return list_page(request, [_list_view(request, f) for f in lists], search_fields=("displayName",))


async def get_list(request: SandboxRequest) -> Any:
    return _entity(request, _list_view(request, _list(request)[1]))


async def create_list(request: SandboxRequest) -> Any:
    sp, site = _sp(request), _site(request)
    body = json_object(request)
    refuse_unknown(body, {"displayName", "description", "list", "columns"}, "list")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "invalidRequest", "A list needs a displayName.")
    if any(f.meta["displayName"].lower() == name.strip().lower() for f in site.lists.values()):
        raise GraphError(
            409, "nameAlreadyExists", f"A list, survey, discussion board, or library named '{name}' exists."
        )
    template = (body.get("list") or {}).get("template", "genericList")
    if template not in TEMPLATES:
        raise GraphError(400, "invalidRequest", f"Invalid list template '{template}'.")
    columns: list[dict[str, Any]] = [{"name": n} for n in ("Title", "Created", "Modified")]
    for given in body.get("columns") or []:
        columns.append(_new_column(sp, given, columns))
    found = add_list(sp, site, name.strip(), template, columns[3:], request.user)
    found.meta.update(description=body.get("description") or "", createdBy=identity(request.user))
    if template == "documentLibrary":
        drive_id = "b!" + sp.guid().replace("-", "")
        site.drives[drive_id] = {
            "id": drive_id,
            "name": found.meta["displayName"],
            "description": found.meta["description"],
            "driveType": "documentLibrary",
            "webUrl": found.meta["webUrl"],
            "createdDateTime": found.meta["createdDateTime"],
            "lastModifiedDateTime": found.meta["createdDateTime"],
        }
        found.drive_id = drive_id
    _touch(sp, site)
    return _created(_public(found.meta))


# --- columns --------------------------------------------------------------------------------------


def _new_column(sp: SharePoint, body: Any, existing: list[dict[str, Any]]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise GraphError(400, "invalidRequest", "A column definition must be an object.")
    refuse_unknown(body, COLUMN_FIELDS, "columnDefinition")
    name = body.get("name")
    if not isinstance(name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise GraphError(400, "invalidRequest", "A column needs a name made of letters, digits and _.")
    if any(c["name"].lower() == name.lower() for c in existing):
        raise GraphError(409, "nameAlreadyExists", f"A column named '{name}' already exists in this list.")
    kinds = [k for k in COLUMN_TYPES if k in body]
    if len(kinds) != 1 or not isinstance(body[kinds[0]], dict):
        raise GraphError(400, "invalidRequest", 'Specify exactly one column type facet, e.g. "text": {}.')
    kind = kinds[0]
    if kind == "choice" and not body["choice"].get("choices"):
        raise GraphError(400, "invalidRequest", "A choice column needs at least one choice.")
    extra = {k: v for k, v in body.items() if k not in ("name", kind, "enforceUniqueValues", "hidden")}
    return column(sp, name, kind, facet=body[kind], **extra)


def _column_of(request: SandboxRequest) -> tuple[Site, SpList, dict[str, Any]]:
    site, found = _list(request)
    key = request.params["columnDefinitionId"]
    col = found.columns.get(key) or found.column_named(key)
    if col is None:
        raise GraphError(404, "itemNotFound", "The column was not found in this list.")
    return site, found, col


async def list_columns(request: SandboxRequest) -> Any:
    return list_page(request, list(_list(request)[1].columns.values()), search_fields=("displayName", "name"))


async def get_column(request: SandboxRequest) -> Any:
    return _entity(request, _column_of(request)[2])


async def create_column(request: SandboxRequest) -> Any:
    sp = _sp(request)
    site, found = _list(request)
    col = _new_column(sp, json_object(request), list(found.columns.values()))
    found.columns[col["id"]] = col
    _touch(sp, site, found)
    return _created(col)


async def update_column(request: SandboxRequest) -> Any:
    sp = _sp(request)
    site, found, col = _column_of(request)
    body = json_object(request)
    refuse_unknown(body, COLUMN_FIELDS, "columnDefinition")
    if col["readOnly"]:
        raise GraphError(400, "invalidRequest", f"The column '{col['name']}' is read-only.")
    if "name" in body and body["name"] != col["name"]:
        raise GraphError(400, "invalidRequest", "A column's name can't change; change its displayName instead.")
    for key, value in body.items():
        if key in COLUMN_TYPES:
            if key not in col:
                raise GraphError(400, "invalidRequest", "A column's type can't change.")
            col[key] = {**col[key], **value}
        elif key != "name":
            col[key] = value
    _touch(sp, site, found)
    return _entity(request, col)


async def delete_column(request: SandboxRequest) -> None:
    sp = _sp(request)
    site, found, col = _column_of(request)
    if col["id"] == TITLE_COLUMN_ID or col["readOnly"]:
        raise GraphError(400, "invalidRequest", f"The column '{col['name']}' is part of the list and can't be deleted.")
    del found.columns[col["id"]]
    for item in found.items.values():
        item["fields"].pop(col["name"], None)
    _touch(sp, site, found)


# --- list items -----------------------------------------------------------------------------------


def _item_view(request: SandboxRequest, item: dict[str, Any], *, expand_fields: bool | None = None) -> dict[str, Any]:
    """A listItem as Graph shows it: ``fields`` only when expanded, narrowed by ``fields(select=...)``."""
    view = _public(item)
    match = _EXPAND_FIELDS.search(option(request, "expand") or "")
    if not (match if expand_fields is None else expand_fields):
        view.pop("fields", None)
    elif match and match.group(1):
        wanted = {n.strip() for n in match.group(1).split(",") if n.strip()}
        view["fields"] = {k: v for k, v in item["fields"].items() if k in wanted or k in ("id", "@odata.etag")}
    return view


def _check_indexed(request: SandboxRequest, found: SpList) -> None:
    """Graph refuses to filter or sort on a non-indexed column unless the caller sends the Prefer header."""
    if NON_INDEXED[1].lower() in request.headers.get("prefer", "").lower():
        return
    for text in (option(request, "filter") or "", option(request, "orderby") or ""):
        for name in _FIELD_REF.findall(text):
            col = found.column_named(name)
            if col is not None and not col["indexed"]:
                raise GraphError(
                    400,
                    "invalidRequest",
                    f"Field '{name}' cannot be referenced in filter or orderby as it is not indexed. Provide the "
                    f"'Prefer: {NON_INDEXED[1]}' header to allow this, but be warned that such queries may fail "
                    "on large lists.",
                )


async def list_items(request: SandboxRequest) -> Any:
    _, found = _list(request)
    _check_indexed(request, found)
    items = [_public(i) for i in sorted(found.items.values(), key=lambda i: int(i["id"]))]
    page = list_page(request, items, search_fields=())
    page["value"] = [_item_view(request, i) if "fields" in i else i for i in page["value"]]
    return page


def _item(request: SandboxRequest) -> tuple[Site, SpList, dict[str, Any]]:
    site, found = _list(request)
    item = found.items.get(request.params["listItemId"])
    if item is None:
        raise GraphError(404, "itemNotFound", "The resource could not be found.")
    return site, found, item


async def get_list_item(request: SandboxRequest) -> Any:
    return _entity(request, _item_view(request, _item(request)[2]))


def _bad(message: str) -> GraphError:
    return GraphError(400, "invalidRequest", message)


def _coerce(col: dict[str, Any], value: Any) -> Any:
    """A field value checked against its column's type, the way SharePoint refuses a wrong one."""
    name = col["name"]
    if value is None:
        return None
    if "number" in col or "currency" in col:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _bad(f"Field '{name}' expects a number.")
        try:
            return float(value) if isinstance(value, str) and "." in value else int(value)
        except ValueError:
            raise _bad(f"Field '{name}' expects a number.") from None
    if "boolean" in col:
        if not isinstance(value, bool):
            raise _bad(f"Field '{name}' expects true or false.")
        return value
    if "dateTime" in col:
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise _bad(f"Field '{name}' expects a date such as 2026-03-01T00:00:00Z.") from None
        return str(value)
    if "choice" in col:
        allowed = col["choice"].get("choices", [])
        if value not in allowed and not col["choice"].get("allowTextEntry"):
            raise _bad(f"Choice field '{name}' doesn't allow the value '{value}'; use one of {allowed}.")
        return value
    if not isinstance(value, str | int | float):
        raise _bad(f"Field '{name}' expects text.")
    text = str(value)
    if "text" in col and len(text) > col["text"].get("maxLength", 255):
        raise _bad(f"Field '{name}' is longer than {col['text'].get('maxLength', 255)} characters.")
    return text


def _fields(found: SpList, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    refuse_unknown(body, {"fields", "contentType"}, "listItem")
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise _bad("Give the column values in 'fields'.")
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name.startswith("@odata"):
            continue
        col = found.column_named(name)
        if col is None:
            raise _bad(f"Field '{name}' is not recognized")
        if col["readOnly"]:
            raise _bad(f"Field '{name}' is read-only")
        clean[name] = _coerce(col, value)
    if creating:
        for col in found.columns.values():
            if col["required"] and not col["readOnly"] and clean.get(col["name"]) in (None, ""):
                raise _bad(f"Field '{col['displayName']}' is required.")
    return clean


async def create_list_item(request: SandboxRequest) -> Any:
    sp = _sp(request)
    site, found = _list(request)
    fields = _fields(found, json_object(request), creating=True)
    item = add_item(sp, found, fields, request.user, now())
    _touch(sp, site, found)
    return _created(_public(item))


async def update_list_item(request: SandboxRequest) -> Any:
    return _entity(request, _change_item(request, json_object(request)))


async def update_item_fields(request: SandboxRequest) -> Any:
    """PATCH .../items/{id}/fields takes a flat fieldValueSet and answers 200 with the item's fields."""
    item = _change_item(request, {"fields": json_object(request)})
    return JSONResponse(item["fields"], status_code=200)


def _change_item(request: SandboxRequest, body: dict[str, Any]) -> dict[str, Any]:
    sp = _sp(request)
    site, found, item = _item(request)
    fields = _fields(found, body, creating=False)
    for name, value in fields.items():
        col = found.column_named(name)
        if col is not None and col["required"] and value in (None, ""):
            raise _bad(f"Field '{col['displayName']}' is required.")
    version = int(item["eTag"].rsplit(",", 1)[1].rstrip('"')) + 1
    etag = item["eTag"].rsplit(",", 1)[0] + f',{version}"'
    moment = now()
    item["fields"].update(fields, Modified=moment)
    item["fields"]["@odata.etag"] = etag
    item.update(
        {"@odata.etag": etag, "eTag": etag, "lastModifiedDateTime": moment, "lastModifiedBy": identity(request.user)},
        _seq=sp.tick(),
    )
    _touch(sp, site, found)
    return item


async def delete_list_item(request: SandboxRequest) -> None:
    sp = _sp(request)
    site, found, item = _item(request)
    del found.items[item["id"]]
    _touch(sp, site, found)


def setup(tenant: SandboxTenant) -> None:
    """Seed the sites and serve the SharePoint routes."""
    tenant.store[STORE_KEY] = seed(tenant)
    route = tenant.route
    # Function and path-addressing forms first, so they are not taken for site ids.
    route("GET", "/sites")(search_sites)
    route("GET", "/sites/delta()")(sites_delta)
    route("GET", "/sites/delta")(sites_delta)
    route("GET", "/sites/{hostname}:/{sitePath:path}")(get_site_by_path)
    site = "/sites/{siteId}"
    route("GET", site)(get_site)
    route("GET", site + "/drives")(list_drives)
    route("GET", site + "/drives/{driveId}")(get_drive)
    route("GET", site + "/items")(list_base_items)
    route("GET", site + "/items/{baseItemId}")(get_base_item)
    route("GET", site + "/lists")(list_lists)
    route("POST", site + "/lists")(create_list)
    one = site + "/lists/{listId}"
    route("GET", one)(get_list)
    route("GET", one + "/items")(list_items)
    route("POST", one + "/items")(create_list_item)
    route("GET", one + "/items/{listItemId}")(get_list_item)
    route("PATCH", one + "/items/{listItemId}")(update_list_item)
    route("PATCH", one + "/items/{listItemId}/fields")(update_item_fields)
    route("DELETE", one + "/items/{listItemId}")(delete_list_item)
    route("GET", one + "/columns")(list_columns)
    route("POST", one + "/columns")(create_column)
    route("GET", one + "/columns/{columnDefinitionId}")(get_column)
    route("PATCH", one + "/columns/{columnDefinitionId}")(update_column)
    route("DELETE", one + "/columns/{columnDefinitionId}")(delete_column)
