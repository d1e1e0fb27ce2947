"""OneDrive and drive tools as data, plus the three logic tools that Graph has no single call for.

Schemas are kept small (they are paid on every turn); friendly inputs (plain e-mail strings for
invitations, a bare folder name) are turned into Graph's shapes by ``prepare`` before the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.catalog.spec import GET_OPTIONS
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, body_of, email_address
from ms365mcp_files import transfer

FILES = frozenset({"files", "onedrive", "personal"})
SEARCH = FILES | {"search"}
LABELS = frozenset({"files", "personal"})

GET_QUERY = GET_OPTIONS
CHILDREN_QUERY = frozenset({"top", "orderby", "filter", "select", "expand"})
ITEM_SELECT = ("id", "name", "size", "folder", "file", "lastModifiedDateTime", "webUrl", "parentReference")

_DRIVE = "/drives/{driveId}"
_ITEM = "/drives/{driveId}/items/{driveItemId}"
_READ = "Files.Read | Sites.Selected"
_WRITE = "Files.ReadWrite | Sites.Selected"

_STR: dict[str, Any] = {"type": "string"}

# --- input normalisers ----------------------------------------------------------------------------


def prepare_folder(args: dict[str, Any]) -> None:
    """A folder needs the ``folder`` facet; conflicts fail unless the caller chose otherwise."""
    body = body_of(args)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        raise ToolInputError("body.name", "give a folder name without slashes")
    body.setdefault("folder", {})
    behaviour = body.pop("conflictBehavior", None)
    body.setdefault("@microsoft.graph.conflictBehavior", behaviour or "fail")


def prepare_move(args: dict[str, Any]) -> None:
    """Accept ``parentId`` as a shortcut for ``parentReference: {id}``."""
    body = body_of(args)
    parent = body.pop("parentId", None)
    if parent is not None:
        body["parentReference"] = {**body.get("parentReference", {}), "id": parent}
    if not body.get("name") and not body.get("parentReference"):
        raise ToolInputError("body", "give a new name, a parentId (destination folder), or both")


def prepare_copy(args: dict[str, Any]) -> None:
    """Same shortcut as moving: ``parentId`` (and ``parentDriveId``) become ``parentReference``."""
    body = body_of(args)
    parent = body.pop("parentId", None)
    drive = body.pop("parentDriveId", None)
    if parent is not None or drive is not None:
        reference = dict(body.get("parentReference", {}))
        if parent is not None:
            reference["id"] = parent
        reference["driveId"] = drive or reference.get("driveId") or args.get("driveId")
        body["parentReference"] = reference
    if not body.get("parentReference") and not body.get("name"):
        raise ToolInputError("body.parentId", "give the destination folder id (or a new name to copy in place)")


def prepare_invite(args: dict[str, Any]) -> None:
    """Recipients may be plain addresses or a comma list; roles default to read."""
    body = body_of(args)
    if not body.get("recipients"):
        raise ToolInputError("body.recipients", "give at least one e-mail address")
    shaped = []
    for i, value in enumerate(address_list(body["recipients"], "body.recipients")):
        if isinstance(value, dict) and isinstance(value.get("email"), str) and "@" in value["email"]:
            shaped.append(value)  # already a Graph driveRecipient
        else:
            shaped.append({"email": email_address(value, f"body.recipients[{i}]")["address"]})
    if not shaped:
        raise ToolInputError("body.recipients", "give at least one e-mail address")
    body["recipients"] = shaped
    roles = body.get("roles", ["read"])
    body["roles"] = [roles] if isinstance(roles, str) else roles
    body.setdefault("requireSignIn", True)
    body.setdefault("sendInvitation", True)


_SESSION_ITEM = ("@microsoft.graph.conflictBehavior", "conflictBehavior", "name", "description", "fileSize")


def prepare_upload_session(args: dict[str, Any]) -> None:
    """Graph wants ``{"item": {...}, "deferCommit"}``; item fields given at the top are moved inside."""
    body = body_of(args)
    item = body.get("item") or {}
    if not isinstance(item, dict):
        raise ToolInputError("body.item", "expected an object")
    for key in _SESSION_ITEM:
        if key in body:
            item[key] = body.pop(key)
    if "conflictBehavior" in item:
        item.setdefault("@microsoft.graph.conflictBehavior", item.pop("conflictBehavior"))
    behaviour = item.get("@microsoft.graph.conflictBehavior")
    if behaviour is not None and behaviour not in ("fail", "rename", "replace"):
        raise ToolInputError("body.item.@microsoft.graph.conflictBehavior", "expected fail, rename or replace")
    if item:
        body["item"] = item


def prepare_link(args: dict[str, Any]) -> None:
    """Graph needs a link type; a view link is the safe default."""
    body_of(args).setdefault("type", "view")


# --- body schemas -----------------------------------------------------------------------------------

FOLDER_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"name": _STR, "conflictBehavior": {"enum": ["fail", "rename", "replace"]}},
    "required": ["name"],
}
MOVE_BODY: dict[str, Any] = {"type": "object", "properties": {"name": _STR, "parentId": _STR}}
COPY_BODY: dict[str, Any] = {"type": "object", "properties": {"parentId": _STR, "parentDriveId": _STR, "name": _STR}}
INVITE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "recipients": {"type": ["array", "string"]},
        "roles": {"type": ["array", "string"]},
        "message": _STR,
        "sendInvitation": {"type": "boolean"},
    },
    "required": ["recipients"],
}
LINK_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"enum": ["view", "edit", "embed"]},
        "scope": {"enum": ["anonymous", "organization", "users"]},
    },
}
SESSION_BODY: dict[str, Any] = {"type": "object", "properties": {"item": {"type": "object"}}}
PREVIEW_BODY: dict[str, Any] = {"type": "object", "properties": {"page": _STR, "zoom": {"type": "number"}}}

# --- the tools --------------------------------------------------------------------------------------


_tool = tool_maker(presets=FILES)
#: Tools whose only permissions are work-account ones (sensitivity labels).
_org = tool_maker(presets=FILES, org_only=True)


TOOLS: tuple[ToolSpec, ...] = (
    _tool(
        "list-drives",
        "GET",
        "/me/drives",
        "List the user's drives (OneDrive and libraries).",
        "Files.Read",
        query=frozenset({"select"}),
    ),
    _tool(
        "get-drive-root-item",
        "GET",
        _DRIVE + "/root",
        "Get a drive's root folder (its id lists the top level).",
        _READ,
        query=GET_QUERY,
    ),
    _tool(
        "list-folder-files",
        "GET",
        _ITEM + "/children",
        "List a folder's files and subfolders (id or root).",
        _READ,
        query=CHILDREN_QUERY,
        default_select=ITEM_SELECT,
    ),
    _tool("get-drive-item", "GET", _ITEM, "Get a file or folder's metadata.", _READ, query=GET_QUERY),
    _tool(
        "get-drive-delta",
        "GET",
        _ITEM + "/delta()",
        "Track changes under a folder; keep the deltaLink and pass it later as nextLink.",
        "Files.Read",
        query=frozenset({"top", "select"}),
    ),
    _tool(
        "search-onedrive-files",
        "GET",
        _DRIVE + "/search(q='{q}')",
        "Search a drive's files by name and content.",
        "Files.Read",
        query=frozenset({"top", "select"}),
        literal_params={"q"},
        presets=SEARCH,
        default_select=ITEM_SELECT,
    ),
    _tool(
        "create-onedrive-folder",
        "POST",
        _ITEM + "/children",
        "Create a folder inside a folder (id or root).",
        _WRITE,
        body=FOLDER_BODY,
        prepare=prepare_folder,
    ),
    _tool(
        "move-rename-onedrive-item",
        "PATCH",
        _ITEM,
        "Rename an item or move it to another folder (parentId).",
        _WRITE,
        body=MOVE_BODY,
        prepare=prepare_move,
    ),
    _tool(
        "copy-drive-item",
        "POST",
        _ITEM + "/copy",
        "Copy an item into a folder (parentId); Graph copies in the background.",
        _WRITE,
        body=COPY_BODY,
        prepare=prepare_copy,
        handler=transfer.copy_item,
    ),
    _tool("delete-onedrive-file", "DELETE", _ITEM, "Move a file or folder to the recycle bin.", "Files.ReadWrite"),
    _tool(
        "upload-file-content",
        "PUT",
        _ITEM + "/content",
        "Replace an existing file's content with text (use upload-file for new or binary files).",
        _WRITE,
        body=_STR,
        content_type="text/plain",
    ),
    _tool(
        "create-upload-session",
        "POST",
        _ITEM + "/createUploadSession",
        "Start a resumable upload session that replaces a file (upload-file does it all).",
        _WRITE,
        body=SESSION_BODY,
        body_required=False,
        prepare=prepare_upload_session,
    ),
    _tool(
        "share-drive-item",
        "POST",
        _ITEM + "/invite",
        "Share an item with people by e-mail (roles read/write).",
        "Files.ReadWrite",
        body=INVITE_BODY,
        prepare=prepare_invite,
    ),
    _tool(
        "create-drive-item-share-link",
        "POST",
        _ITEM + "/createLink",
        "Create a sharing link (type view/edit, scope anonymous/organization).",
        "Files.ReadWrite",
        body=LINK_BODY,
        body_required=False,
        prepare=prepare_link,
    ),
    _tool(
        "create-drive-item-preview",
        "POST",
        _ITEM + "/preview",
        "Get a short-lived embeddable preview URL.",
        "Files.Read",
        body=PREVIEW_BODY,
        body_required=False,
        read_only=True,
    ),
    _tool(
        "list-drive-item-thumbnails",
        "GET",
        _ITEM + "/thumbnails",
        "List an item's thumbnail images and URLs.",
        "Files.Read",
        query=frozenset({"select"}),
    ),
    _tool(
        "list-drive-item-permissions",
        "GET",
        _ITEM + "/permissions",
        "List who an item is shared with, and links.",
        "Files.Read",
        query=frozenset({"select"}),
    ),
    _tool(
        "delete-drive-item-permission",
        "DELETE",
        _ITEM + "/permissions/{permissionId}",
        "Stop sharing: remove one permission or link.",
        "Files.ReadWrite",
    ),
    _tool(
        "list-drive-item-versions",
        "GET",
        _ITEM + "/versions",
        "List a file's earlier versions.",
        _READ,
        query=frozenset({"select"}),
    ),
    _org(
        "extract-drive-item-sensitivity-labels",
        "POST",
        _ITEM + "/extractSensitivityLabels",
        "Read the sensitivity labels applied to a file.",
        "Files.Read.All",
        read_only=True,
    ),
    _org(
        "list-sensitivity-labels",
        "GET",
        "/me/dataSecurityAndGovernance/sensitivityLabels",
        "List sensitivity labels available to the user.",
        "SensitivityLabel.Read",
        presets=LABELS,
    ),
    _org(
        "get-sensitivity-label",
        "GET",
        "/me/dataSecurityAndGovernance/sensitivityLabels/{sensitivityLabelId}",
        "Get one sensitivity label.",
        "SensitivityLabel.Read",
        presets=LABELS,
    ),
    # logic tools: whole transfers in one call
    ToolSpec(
        "download-bytes",
        "GET",
        "/download-bytes",
        "Read a file's bytes by Graph path (a file's .../content or an attachment's .../$value); text as text.",
        scopes="Files.Read",
        params={"path": {"type": "string", "required": True}},
        presets=FILES,
        handler=transfer.download_bytes,
    ),
    ToolSpec(
        "upload-file",
        "PUT",
        "/upload-file",
        "Upload a file from localPath, base64 content or text to folderId+fileName or path; big files in chunks.",
        scopes=_WRITE,
        params={
            "driveId": {"type": "string", "required": True},
            "folderId": _STR,
            "fileName": _STR,
            "path": _STR,
            "localPath": _STR,
            "content": _STR,
            "text": _STR,
            "conflictBehavior": {"enum": ["replace", "rename", "fail"]},
        },
        presets=FILES,
        handler=transfer.upload_file,
    ),
    ToolSpec(
        "get-download-url",
        "GET",
        "/get-download-url",
        "Get a file's short-lived pre-authenticated download URL (by driveItemId, or path).",
        scopes=_READ,
        params={"driveId": {"type": "string", "required": True}, "driveItemId": _STR, "path": _STR},
        presets=FILES,
        handler=transfer.get_download_url,
    ),
)

#: Names of the logic tools, whose ``path`` is not a Graph path.
LOGIC_TOOLS = frozenset({"download-bytes", "upload-file", "get-download-url"})


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every files tool to the core."""
    for spec in TOOLS:
        register(spec)
