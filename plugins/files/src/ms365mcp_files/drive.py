"""The sandbox drive: Adele's OneDrive with a folder tree, documents, versions, sharing and uploads.

Everything is deterministic and fresh per tenant. Items are Graph-shaped dicts; keys starting
with ``_`` are private bookkeeping and never leave the sandbox. Pre-authenticated URLs (upload
sessions, downloadUrl, copy monitors) are served on anonymous routes that refuse a bearer token,
as Graph's storage does.
"""

from __future__ import annotations

import base64
import itertools
import re
import struct
import zlib
from typing import Any
from urllib.parse import unquote

from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.odata import list_page, odata_context, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant

#: Ids the Excel sandbox shares: the drive and the workbook file live in the same tenant.
DRIVE_ID = "b!adele-onedrive-0001"
ROOT_ID = "01ADELEROOT0000"
WORKBOOK_ID = "01ADELEBUDGET2025XLSX"

_T0 = "2025-03-03T09:00:00Z"
_MIME = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
}
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def tiny_png() -> bytes:
    """A valid 2x2 PNG, built rather than stored so the seed stays text."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([0x1F, 0x6F, 0xB4] * 2) for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def docx_like() -> bytes:
    """Zip-signature bytes with a Word part name: looks like a .docx to anything that sniffs it."""
    return b"PK\x03\x04\x14\x00\x06\x00" + b"word/document.xml" + bytes(range(256)) * 4


SEED: tuple[tuple[str, bytes | None], ...] = (
    ("Documents", None),
    ("Documents/Welcome.txt", b"Welcome to Contoso! Your files live here.\n"),
    (
        "Documents/Meeting Notes.md",
        b"# Weekly sync\n\n- Launch date confirmed for May 12\n- Budget review moves to Thursday\n",
    ),
    ("Documents/Quarterly Report.docx", None),
    ("Projects", None),
    ("Projects/Contoso Launch", None),
    (
        "Projects/Contoso Launch/Launch Plan.md",
        b"# Contoso launch plan\n\n1. Press kit\n2. Partner briefing\n3. Go live\n",
    ),
    ("Projects/Contoso Launch/budget.csv", b"item,owner,amount\nAds,Adele,12000\nEvents,Megan,8000\nPR,Alex,4500\n"),
    ("Projects/Archive", None),
    ("Photos", None),
    ("Photos/team-offsite.png", None),
)
_BINARY_SEED = {"Documents/Quarterly Report.docx": docx_like, "Photos/team-offsite.png": tiny_png}

LABELS = (
    {
        "id": "4c2b1a3e-0001-4b8e-9f00-label0public",
        "name": "Public",
        "description": "Anyone may see this.",
        "color": "#00A000",
        "sensitivity": 0,
        "isDefault": True,
        "isAppliable": True,
    },
    {
        "id": "4c2b1a3e-0002-4b8e-9f00-label0general",
        "name": "General",
        "description": "Business data for employees.",
        "color": "#0078D4",
        "sensitivity": 1,
        "isDefault": False,
        "isAppliable": True,
    },
    {
        "id": "4c2b1a3e-0003-4b8e-9f00-label0confid",
        "name": "Confidential",
        "description": "Sensitive business data; share only when needed.",
        "color": "#D13438",
        "sensitivity": 2,
        "isDefault": False,
        "isAppliable": True,
    },
)


def _mime(name: str) -> str:
    dot = name.rfind(".")
    return _MIME.get(name[dot:].lower(), "application/octet-stream") if dot >= 0 else "application/octet-stream"


def public(item: dict[str, Any]) -> dict[str, Any]:
    """An item without its private bookkeeping keys."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


class Drive:
    """The state of one drive plus the operations its routes need."""

    def __init__(self, tenant: SandboxTenant) -> None:
        self.tenant = tenant
        self.items: dict[str, dict[str, Any]] = tenant.collection("drive.items")
        self.contents: dict[str, bytes] = tenant.store.setdefault("drive.contents", {})
        self.versions: dict[str, list[dict[str, Any]]] = tenant.store.setdefault("drive.versions", {})
        self.permissions: dict[str, list[dict[str, Any]]] = tenant.store.setdefault("drive.permissions", {})
        self.sessions: dict[str, dict[str, Any]] = tenant.store.setdefault("drive.uploadSessions", {})
        self.download_tokens: dict[str, str] = tenant.store.setdefault("drive.downloadTokens", {})
        self.monitors: dict[str, dict[str, Any]] = tenant.store.setdefault("drive.monitors", {})
        self.seq = itertools.count(1)
        self.owner = tenant.me
        self.drive = {
            "id": DRIVE_ID,
            "name": "OneDrive",
            "driveType": "business",
            "webUrl": "https://contoso-my.sandbox/personal/adele/Documents",
            "owner": {"user": {"id": self.owner.id, "displayName": self.owner.displayName}},
            "quota": {"total": 1099511627776, "used": 0, "remaining": 1099511627776, "state": "normal"},
        }

    # -- tree ----------------------------------------------------------------------------------
    def seed(self) -> None:
        if ROOT_ID not in self.items:
            self.items[ROOT_ID] = {
                "id": ROOT_ID,
                "name": "root",
                "root": {},
                "folder": {"childCount": 0},
                "createdDateTime": _T0,
                "lastModifiedDateTime": _T0,
                "webUrl": self.drive["webUrl"],
                "parentReference": {"driveId": DRIVE_ID, "driveType": "business"},
                "_seq": 0,
            }
        for n, (path, data) in enumerate(SEED):
            parent_path, _, name = path.rpartition("/")
            parent = self.by_path(parent_path.split("/") if parent_path else [])
            item_id = f"01ADELE{n + 1:04d}{re.sub(r'[^A-Z0-9]', '', name.upper())[:12]}"
            if data is None and path not in _BINARY_SEED:
                self.add(parent, name, item_id=item_id, folder=True)
            else:
                content = data if data is not None else _BINARY_SEED[path]()
                self.add(parent, name, item_id=item_id, content=content)
        report = self.by_path(["Documents", "Quarterly Report.docx"])
        self.write(report, docx_like() + b"draft 2", note="edited")
        self.write(report, docx_like() + b"final", note="edited")
        welcome = self.by_path(["Documents", "Welcome.txt"])
        self.perms_of(welcome).append(
            {
                "id": "perm-link-view-0001",
                "roles": ["read"],
                "link": {"type": "view", "scope": "organization", "webUrl": "https://contoso.sandbox/s/welcome"},
                "shareId": "s!welcome",
            }
        )
        plan = self.by_path(["Projects", "Contoso Launch", "Launch Plan.md"])
        self.perms_of(plan).append(self._user_permission("megan@contoso.sandbox", ["write"], "perm-megan-0001"))

    def add(
        self,
        parent: dict[str, Any],
        name: str,
        *,
        item_id: str | None = None,
        folder: bool = False,
        content: bytes = b"",
    ) -> dict[str, Any]:
        item_id = item_id or self.tenant.new_id("01ITEM").replace("-", "")
        item: dict[str, Any] = {
            "id": item_id,
            "name": name,
            "createdDateTime": _T0,
            "lastModifiedDateTime": _T0,
            "webUrl": f"{self.drive['webUrl']}/{self.path_of(parent, name)}",
            "parentReference": {"driveId": DRIVE_ID, "driveType": "business", "id": parent["id"]},
            "createdBy": {"user": {"displayName": self.owner.displayName, "email": self.owner.mail}},
            "lastModifiedBy": {"user": {"displayName": self.owner.displayName, "email": self.owner.mail}},
            "size": 0,
            "_seq": next(self.seq),
        }
        if folder:
            item["folder"] = {"childCount": 0}
        else:
            item["file"] = {"mimeType": _mime(name)}
        self.items[item_id] = item
        self.permissions.pop(item_id, None)
        self.perms_of(item)
        if not folder:
            self.versions[item_id] = []
            self.write(item, content, note="created")
        return item

    def write(self, item: dict[str, Any], content: bytes, note: str = "edited") -> None:
        versions = self.versions.setdefault(item["id"], [])
        self.contents[item["id"]] = content
        item["size"] = len(content)
        item["_seq"] = next(self.seq)
        item["file"] = {"mimeType": _mime(item["name"]), "hashes": {"crc32Hash": f"{zlib.crc32(content):08X}"}}
        if versions:
            item["lastModifiedDateTime"] = f"2025-03-{3 + len(versions):02d}T10:30:00Z"
        versions.insert(
            0,
            {
                "id": f"{len(versions) + 1}.0",
                "lastModifiedDateTime": item["lastModifiedDateTime"],
                "size": len(content),
                "lastModifiedBy": item["lastModifiedBy"],
            },
        )

    def children(self, folder: dict[str, Any]) -> list[dict[str, Any]]:
        kids = [i for i in self.items.values() if i.get("parentReference", {}).get("id") == folder["id"]]
        return sorted(kids, key=lambda i: ("folder" not in i, i["name"].lower()))

    def descendants(self, folder: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for child in self.children(folder):
            found.append(child)
            if "folder" in child:
                found.extend(self.descendants(child))
        return found

    def parent_chain(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        chain: list[dict[str, Any]] = []
        current = item
        while current.get("parentReference", {}).get("id"):
            current = self.items[current["parentReference"]["id"]]
            chain.append(current)
        return chain

    def path_of(self, parent: dict[str, Any], name: str = "") -> str:
        names = [p["name"] for p in reversed(self.parent_chain(parent)) if p["id"] != ROOT_ID]
        if parent["id"] != ROOT_ID:
            names.append(parent["name"])
        if name:
            names.append(name)
        return "/".join(names)

    def child_named(self, folder: dict[str, Any], name: str) -> dict[str, Any] | None:
        for child in self.children(folder):
            if child["name"].lower() == name.lower():
                return child
        return None

    def by_path(self, parts: list[str], start: dict[str, Any] | None = None) -> dict[str, Any]:
        current = start or self.items[ROOT_ID]
        for part in parts:
            found = self.child_named(current, part) if "folder" in current else None
            if found is None:
                raise GraphError(404, "itemNotFound", "The resource could not be found.")
            current = found
        return current

    def get(self, item_id: str) -> dict[str, Any]:
        if item_id == "root":
            return self.items[ROOT_ID]
        item = self.items.get(item_id)
        if item is None:
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        return item

    def shaped(self, req: SandboxRequest, item: dict[str, Any]) -> dict[str, Any]:
        """An item as Graph returns it: live child counts, parent path, and a downloadUrl for files."""
        out = public(item)
        if "folder" in out:
            out["folder"] = {"childCount": len(self.children(item))}
        if item["id"] != ROOT_ID:
            parent = self.items[item["parentReference"]["id"]]
            location = self.path_of(parent)
            out["parentReference"] = {
                **out["parentReference"],
                "path": "/drive/root:" + ("/" + location if location else ""),
            }
        if "file" in out:
            out["@microsoft.graph.downloadUrl"] = self.download_url(req, item)
        return out

    def download_url(self, req: SandboxRequest, item: dict[str, Any]) -> str:
        token = base64.urlsafe_b64encode(f"{item['id']}:{item['_seq']}".encode()).decode().rstrip("=")
        self.download_tokens[token] = item["id"]
        return f"{req.base_url}/v1.0/_sandbox/drive/download/{token}"

    def _user_permission(self, email: str, roles: list[str], perm_id: str | None = None) -> dict[str, Any]:
        user = self.tenant.find_user(email)
        name = user.displayName if user else email.split("@")[0].title()
        return {
            "id": perm_id or self.tenant.new_id("perm"),
            "roles": roles,
            "grantedToV2": {"user": {"displayName": name, "email": email}},
            "invitation": {"email": email, "signInRequired": True},
        }

    def perms_of(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """Permissions of an item; items other plugins put in the drive (the Excel workbook) get the owner's."""
        owner = {
            "id": "aTowIy5mfG1lbWJlcnNoaXB8YWRlbGU",
            "roles": ["owner"],
            "grantedToV2": {"user": {"displayName": self.owner.displayName, "email": self.owner.mail}},
        }
        return self.permissions.setdefault(item["id"], [owner])

    def versions_of(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        return self.versions.setdefault(item["id"], [])

    def touch(self, item: dict[str, Any]) -> None:
        item["_seq"] = next(self.seq)

    # -- operations ------------------------------------------------------------------------------
    def create_folder(self, parent: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if "folder" not in parent:
            raise GraphError(400, "invalidRequest", "The parent item is not a folder.")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "invalidRequest", "A name is required.")
        name = self._resolve_conflict(parent, name, body.get("@microsoft.graph.conflictBehavior", "fail"))
        return self.add(parent, name, folder=True)

    def _resolve_conflict(self, parent: dict[str, Any], name: str, behaviour: str) -> str:
        existing = self.child_named(parent, name)
        if existing is None:
            return name
        if behaviour == "rename":
            stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
            for n in itertools.count(1):
                candidate = f"{stem} {n}{dot}{ext}" if dot else f"{name} {n}"
                if self.child_named(parent, candidate) is None:
                    return candidate
        if behaviour == "replace":
            self.delete(existing)
            return name
        raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")

    def delete(self, item: dict[str, Any]) -> None:
        if item["id"] == ROOT_ID:
            raise GraphError(403, "accessDenied", "The root folder can't be deleted.")
        for child in self.descendants(item) if "folder" in item else []:
            self.items.pop(child["id"], None)
        self.items.pop(item["id"], None)
        deleted = self.tenant.store.setdefault("drive.deleted", [])
        deleted.append({"id": item["id"], "_seq": next(self.seq), "_parent": item["parentReference"]["id"]})

    def update(self, item: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        parent_ref = body.get("parentReference") or {}
        new_parent = self.get(parent_ref["id"]) if parent_ref.get("id") else self.items[item["parentReference"]["id"]]
        if "folder" not in new_parent:
            raise GraphError(400, "invalidRequest", "The destination is not a folder.")
        if new_parent["id"] == item["id"] or item in self.parent_chain(new_parent):
            raise GraphError(400, "invalidRequest", "A folder can't be moved into itself.")
        name = body.get("name") or item["name"]
        clash = self.child_named(new_parent, name)
        if clash is not None and clash["id"] != item["id"]:
            raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")
        item["name"] = name
        item["parentReference"] = {**item["parentReference"], "id": new_parent["id"]}
        item["lastModifiedDateTime"] = "2025-03-10T08:00:00Z"
        self.touch(item)
        return item

    def copy(self, item: dict[str, Any], parent: dict[str, Any], name: str) -> dict[str, Any]:
        if "folder" in item:
            clone = self.add(parent, name, folder=True)
            for child in self.children(item):
                self.copy(child, clone, child["name"])
            return clone
        return self.add(parent, name, content=self.contents.get(item["id"], b""))

    def put_content(self, parent: dict[str, Any], name: str, content: bytes, behaviour: str) -> tuple[dict, bool]:
        """Create or replace ``name`` in ``parent``; returns (item, created)."""
        if "folder" not in parent:
            raise GraphError(400, "invalidRequest", "The parent item is not a folder.")
        existing = self.child_named(parent, name)
        if existing is not None and behaviour in ("replace", ""):
            if "folder" in existing:
                raise GraphError(409, "nameAlreadyExists", "A folder with this name already exists.")
            self.write(existing, content)
            return existing, False
        if existing is not None and behaviour == "fail":
            raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")
        name = self._resolve_conflict(parent, name, behaviour) if existing is not None else name
        return self.add(parent, name, content=content), True


def setup(tenant: SandboxTenant) -> Drive:
    """Seed the drive and serve the Graph drive routes plus its pre-authenticated URLs."""
    drive = Drive(tenant)
    drive.seed()

    def check_drive(req: SandboxRequest) -> None:
        drive_id = req.params.get("driveId")
        if drive_id is not None and drive_id not in (DRIVE_ID, "me"):
            raise GraphError(404, "itemNotFound", "The drive could not be found.")

    def resolve(req: SandboxRequest) -> dict[str, Any]:
        check_drive(req)
        return drive.get(req.params.get("itemId", "root"))

    def address(req: SandboxRequest) -> tuple[dict[str, Any], list[str], str]:
        """``root:/a/b.txt:/action`` or ``items/{id}:/b.txt:`` -> (base, path parts, action)."""
        check_drive(req)
        base = drive.get(req.params.get("itemId", "root"))
        raw = req.raw_path.split(":", 1)[1] if ":" in req.raw_path else ""
        path_text, _, action = raw.partition(":")
        parts = [unquote(p) for p in path_text.strip("/").split("/") if p]
        return base, parts, action.strip("/")

    # -- drives ----------------------------------------------------------------------------------
    @tenant.route("GET", "/me/drives")
    async def list_drives(req: SandboxRequest) -> dict[str, Any]:
        return list_page(req, [drive.drive], search_fields=("name",))

    async def get_drive(req: SandboxRequest) -> dict[str, Any]:
        check_drive(req)
        return select_item(req, drive.drive)

    async def get_item(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, drive.shaped(req, resolve(req)))

    async def patch_item(req: SandboxRequest) -> dict[str, Any]:
        return drive.shaped(req, drive.update(resolve(req), req.json()))

    async def delete_item(req: SandboxRequest) -> None:
        drive.delete(resolve(req))

    async def list_children(req: SandboxRequest) -> dict[str, Any]:
        folder = resolve(req)
        if "folder" not in folder:
            raise GraphError(400, "invalidRequest", "The item is a file; only folders have children.")
        kids = [drive.shaped(req, k) for k in drive.children(folder)]
        return list_page(req, kids, search_fields=("name",), default_top=200)

    async def create_child(req: SandboxRequest) -> Response:
        item = drive.create_folder(resolve(req), req.json())
        return JSONResponse(drive.shaped(req, item), status_code=201)

    async def get_content(req: SandboxRequest) -> Response:
        item = resolve(req)
        if "folder" in item:
            raise GraphError(400, "invalidRequest", "The item is a folder; folders have no content to download.")
        return Response(status_code=302, headers={"Location": drive.download_url(req, item)})

    async def put_content(req: SandboxRequest) -> dict[str, Any]:
        item = resolve(req)
        if "folder" in item:
            raise GraphError(400, "invalidRequest", "The item is a folder; upload into it by name instead.")
        drive.write(item, req.body)
        return drive.shaped(req, item)

    async def create_session(req: SandboxRequest) -> Response:
        item = resolve(req)
        if "folder" in item:
            # items/{id}/createUploadSession replaces that file; a new file goes to items/{parent}:/{name}:/...
            raise GraphError(
                400, "invalidRequest", "The item is a folder; start the session on {folder}:/{name}: instead."
            )
        unknown = sorted(set(req.json() or {}) - {"item", "deferCommit"})
        if unknown:
            raise GraphError(400, "invalidRequest", f"Property '{unknown[0]}' is not a createUploadSession parameter.")
        return _new_session(req, parent=drive.items[item["parentReference"]["id"]], name=item["name"], replace=item)

    def _new_session(
        req: SandboxRequest, *, parent: dict[str, Any], name: str, replace: dict[str, Any] | None = None
    ) -> Response:
        if "folder" not in parent:
            raise GraphError(400, "invalidRequest", "The parent item is not a folder.")
        body = req.json() or {}
        item_body = body.get("item") or {}
        session_id = tenant.new_id("upl").replace("-", "")
        drive.sessions[session_id] = {
            "parent": parent["id"],
            "name": item_body.get("name") or name,
            "behaviour": item_body.get("@microsoft.graph.conflictBehavior", "replace"),
            "data": bytearray(),
            "total": None,
        }
        return JSONResponse(
            {
                "uploadUrl": f"{req.base_url}/v1.0/_sandbox/drive/upload/{session_id}",
                "expirationDateTime": "2030-01-01T00:00:00Z",
                "nextExpectedRanges": ["0-"],
            }
        )

    async def by_path(req: SandboxRequest) -> Any:
        base, parts, action = address(req)
        if not parts:
            raise GraphError(400, "invalidRequest", "Empty path after ':'.")
        if req.method == "PUT" and action == "content":
            parent = drive.by_path(parts[:-1], base)
            behaviour = req.query.get("@microsoft.graph.conflictBehavior", "replace")
            item, created = drive.put_content(parent, parts[-1], req.body, behaviour)
            return JSONResponse(drive.shaped(req, item), status_code=201 if created else 200)
        if req.method == "POST" and action == "createUploadSession":
            return _new_session(req, parent=drive.by_path(parts[:-1], base), name=parts[-1])
        item = drive.by_path(parts, base)
        if req.method == "GET" and action == "":
            return select_item(req, drive.shaped(req, item))
        if req.method == "GET" and action == "content":
            if "folder" in item:
                raise GraphError(400, "invalidRequest", "The item is a folder; folders have no content to download.")
            return Response(status_code=302, headers={"Location": drive.download_url(req, item)})
        if req.method == "GET" and action == "children":
            return list_page(req, [drive.shaped(req, k) for k in drive.children(item)], search_fields=("name",))
        raise GraphError(400, "invalidRequest", f"The sandbox does not support {req.method} '{action}' by path.")

    # -- sharing, copies, versions ---------------------------------------------------------------
    async def invite(req: SandboxRequest) -> dict[str, Any]:
        item = resolve(req)
        body = req.json()
        recipients = body.get("recipients") or []
        if not recipients:
            raise GraphError(400, "invalidRequest", "At least one recipient is required.")
        roles = body.get("roles") or ["read"]
        if any(r not in ("read", "write") for r in roles):
            raise GraphError(400, "invalidRequest", "Roles must be read or write.")
        granted = [drive._user_permission(r.get("email", ""), roles) for r in recipients]
        drive.perms_of(item).extend(granted)
        return {"@odata.context": odata_context(req), "value": granted}

    async def create_link(req: SandboxRequest) -> Response:
        item = resolve(req)
        body = req.json()
        kind, scope = body.get("type", "view"), body.get("scope", "anonymous")
        if kind not in ("view", "edit", "embed") or scope not in ("anonymous", "organization", "users"):
            raise GraphError(400, "invalidRequest", "Invalid link type or scope.")
        for perm in drive.perms_of(item):
            link = perm.get("link") or {}
            if link.get("type") == kind and link.get("scope") == scope:
                return JSONResponse(perm, status_code=200)
        perm_id = tenant.new_id("link")
        perm = {
            "id": perm_id,
            "roles": ["write" if kind == "edit" else "read"],
            "link": {"type": kind, "scope": scope, "webUrl": f"https://contoso.sandbox/s/{perm_id}"},
            "shareId": f"s!{perm_id}",
        }
        drive.perms_of(item).append(perm)
        return JSONResponse(perm, status_code=201)

    async def list_permissions(req: SandboxRequest) -> dict[str, Any]:
        return list_page(req, drive.perms_of(resolve(req)), search_fields=("id",), default_top=100)

    def _find_permission(req: SandboxRequest) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        perms = drive.perms_of(resolve(req))
        for perm in perms:
            if perm["id"] == req.params["permissionId"]:
                return perms, perm
        raise GraphError(404, "itemNotFound", "The permission could not be found.")

    async def get_permission(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, _find_permission(req)[1])

    async def delete_permission(req: SandboxRequest) -> None:
        perms, perm = _find_permission(req)
        if "owner" in perm.get("roles", []):
            raise GraphError(403, "accessDenied", "The owner's permission can't be removed.")
        perms.remove(perm)

    async def list_versions(req: SandboxRequest) -> dict[str, Any]:
        item = resolve(req)
        if "folder" in item:
            raise GraphError(400, "invalidRequest", "Folders have no versions.")
        return list_page(req, drive.versions_of(item), search_fields=("id",), default_top=100)

    async def thumbnails(req: SandboxRequest) -> dict[str, Any]:
        item = resolve(req)
        if "folder" in item:
            return {"@odata.context": odata_context(req), "value": []}
        base = f"{req.base_url}/v1.0/_sandbox/drive/thumbnail/{item['id']}"
        sizes = {"small": 96, "medium": 176, "large": 800}
        thumb = {"id": "0", **{k: {"height": v, "width": v, "url": f"{base}/{k}"} for k, v in sizes.items()}}
        return {"@odata.context": odata_context(req), "value": [thumb]}

    async def copy(req: SandboxRequest) -> Response:
        item = resolve(req)
        body = req.json()
        ref = body.get("parentReference") or {}
        if ref.get("driveId") not in (None, DRIVE_ID):
            raise GraphError(400, "invalidRequest", "The destination drive could not be found.")
        parent = drive.get(ref["id"]) if ref.get("id") else drive.items[item["parentReference"]["id"]]
        if "folder" not in parent:
            raise GraphError(400, "invalidRequest", "The destination is not a folder.")
        name = drive._resolve_conflict(parent, body.get("name") or item["name"], "rename")
        clone = drive.copy(item, parent, name)
        monitor = tenant.new_id("mon").replace("-", "")
        drive.monitors[monitor] = {"status": "completed", "percentageComplete": 100.0, "resourceId": clone["id"]}
        return Response(status_code=202, headers={"Location": f"{req.base_url}/v1.0/_sandbox/drive/monitor/{monitor}"})

    async def preview(req: SandboxRequest) -> dict[str, Any]:
        item = resolve(req)
        if "folder" in item:
            raise GraphError(400, "invalidRequest", "Folders can't be previewed.")
        return {"getUrl": f"https://contoso.sandbox/embed/{item['id']}?page={req.json().get('page', '1')}"}

    async def labels_of_item(req: SandboxRequest) -> dict[str, Any]:
        item = resolve(req)
        if "folder" in item:
            raise GraphError(400, "invalidRequest", "Folders carry no sensitivity labels.")
        label = LABELS[2] if item["name"].endswith(".docx") else LABELS[1]
        return {
            "labels": [
                {
                    "sensitivityLabelId": label["id"],
                    "assignmentMethod": "standard",
                    "tenantId": "c0ffee00-0000-4000-8000-contoso00001",
                }
            ]
        }

    async def delta(req: SandboxRequest) -> dict[str, Any]:
        folder = resolve(req)
        if "folder" not in folder:
            raise GraphError(400, "invalidRequest", "Delta is available on folders only.")
        token = req.query.get("token", "")
        since = int(token) if token.isdigit() else -1
        scope = {folder["id"]} | {d["id"] for d in drive.descendants(folder)}
        changed = [drive.shaped(req, i) for i in [folder, *drive.descendants(folder)] if i["_seq"] > since]
        gone = [
            {"id": d["id"], "deleted": {"state": "deleted"}, "parentReference": {"id": d["_parent"]}}
            for d in tenant.store.get("drive.deleted", [])
            if d["_seq"] > since and (d["_parent"] in scope or since >= 0)
        ]
        page = list_page(req, changed + gone, search_fields=("name",), default_top=200)
        if "@odata.nextLink" not in page:
            latest = max([i["_seq"] for i in drive.items.values()] + [0])
            latest = max([latest] + [d["_seq"] for d in tenant.store.get("drive.deleted", [])])
            page["@odata.deltaLink"] = f"{req.base_url}{req.raw_path}?token={latest}"
        return page

    async def search(req: SandboxRequest) -> dict[str, Any]:
        check_drive(req)
        needle = req.params["q"].strip().lower()
        hits = []
        for item in drive.items.values():
            if item["id"] == ROOT_ID:
                continue
            text = drive.contents.get(item["id"], b"")[:4096].decode("utf-8", "ignore").lower()
            if needle and (needle in item["name"].lower() or needle in text):
                hits.append(drive.shaped(req, item))
        return list_page(req, hits, search_fields=("name",), default_top=200)

    for prefix in ("/drives/{driveId}", "/me/drive"):
        tenant.route("GET", prefix)(get_drive)
        for base in (prefix + "/root", prefix + "/items/{itemId}"):
            tenant.route("GET", base)(get_item)
            tenant.route("GET", base + "/children")(list_children)
            tenant.route("POST", base + "/children")(create_child)
            tenant.route("GET", base + "/content")(get_content)
            tenant.route("GET", base + "/delta()")(delta)
            tenant.route("GET", base + "/delta")(delta)
        item = prefix + "/items/{itemId}"
        tenant.route("PATCH", item)(patch_item)
        tenant.route("DELETE", item)(delete_item)
        tenant.route("PUT", item + "/content")(put_content)
        tenant.route("POST", item + "/createUploadSession")(create_session)
        tenant.route("POST", item + "/invite")(invite)
        tenant.route("POST", item + "/createLink")(create_link)
        tenant.route("POST", item + "/copy")(copy)
        tenant.route("POST", item + "/preview")(preview)
        tenant.route("GET", item + "/thumbnails")(thumbnails)
        tenant.route("GET", item + "/permissions")(list_permissions)
        tenant.route("GET", item + "/permissions/{permissionId}")(get_permission)
        tenant.route("DELETE", item + "/permissions/{permissionId}")(delete_permission)
        tenant.route("GET", item + "/versions")(list_versions)
        tenant.route("POST", item + "/extractSensitivityLabels")(labels_of_item)
        tenant.route("GET", prefix + "/search(q='{q}')")(search)
        for method in ("GET", "PUT", "POST"):
            tenant.route(method, prefix + "/root:{rest:path}")(by_path)
            tenant.route(method, prefix + "/items/{itemId}:{rest:path}")(by_path)

    _serve_labels(tenant)
    _serve_storage(tenant, drive)
    return drive


def _serve_labels(tenant: SandboxTenant) -> None:
    @tenant.route("GET", "/me/dataSecurityAndGovernance/sensitivityLabels")
    async def list_labels(req: SandboxRequest) -> dict[str, Any]:
        return list_page(req, [dict(label) for label in LABELS], search_fields=("name", "description"))

    @tenant.route("GET", "/me/dataSecurityAndGovernance/sensitivityLabels/{labelId}")
    async def get_label(req: SandboxRequest) -> dict[str, Any]:
        for label in LABELS:
            if label["id"] == req.params["labelId"]:
                return select_item(req, label)
        raise GraphError(404, "itemNotFound", "The sensitivity label could not be found.")


def _refuse_token(req: SandboxRequest) -> None:
    """Storage URLs are pre-authenticated; like SharePoint, refuse a request that also sends a token."""
    if "authorization" in req.headers:
        raise GraphError(401, "unauthenticated", "Do not send an Authorization header to a pre-authenticated URL.")


def _serve_storage(tenant: SandboxTenant, drive: Drive) -> None:
    """The anonymous URLs Graph hands out: upload sessions, download URLs, copy monitors."""

    @tenant.route("GET", "/_sandbox/drive/download/{token}", anonymous=True)
    async def download(req: SandboxRequest) -> Response:
        _refuse_token(req)
        item_id = drive.download_tokens.get(req.params["token"])
        if item_id is None or item_id not in drive.items:
            raise GraphError(404, "itemNotFound", "The download link expired.")
        item = drive.items[item_id]
        return Response(drive.contents.get(item_id, b""), media_type=item["file"]["mimeType"])

    @tenant.route("GET", "/_sandbox/drive/monitor/{monitorId}", anonymous=True)
    async def monitor(req: SandboxRequest) -> dict[str, Any]:
        state = drive.monitors.get(req.params["monitorId"])
        if state is None:
            raise GraphError(404, "itemNotFound", "Unknown copy operation.")
        return dict(state)

    def session_of(req: SandboxRequest) -> dict[str, Any]:
        _refuse_token(req)
        session = drive.sessions.get(req.params["sessionId"])
        if session is None:
            raise GraphError(404, "itemNotFound", "The upload session was not found or has expired.")
        return session

    def expected(session: dict[str, Any]) -> dict[str, Any]:
        return {"expirationDateTime": "2030-01-01T00:00:00Z", "nextExpectedRanges": [f"{len(session['data'])}-"]}

    @tenant.route("GET", "/_sandbox/drive/upload/{sessionId}", anonymous=True)
    async def upload_status(req: SandboxRequest) -> dict[str, Any]:
        return expected(session_of(req))

    @tenant.route("DELETE", "/_sandbox/drive/upload/{sessionId}", anonymous=True)
    async def upload_cancel(req: SandboxRequest) -> None:
        session_of(req)
        drive.sessions.pop(req.params["sessionId"], None)

    @tenant.route("PUT", "/_sandbox/drive/upload/{sessionId}", anonymous=True)
    async def upload_chunk(req: SandboxRequest) -> Response:
        session = session_of(req)
        match = _RANGE.match(req.headers.get("content-range", ""))
        if match is None:
            raise GraphError(400, "invalidRange", "Content-Range must look like 'bytes 0-327679/1048576'.")
        start, end, total = (int(g) for g in match.groups())
        if session["total"] is None:
            session["total"] = total
        if total != session["total"] or end < start or end >= total:
            raise GraphError(400, "invalidRange", "The Content-Range does not fit the file size.")
        if start != len(session["data"]):
            return JSONResponse(
                {
                    "error": {"code": "invalidRange", "message": "Fragment overlaps or skips bytes."},
                    **expected(session),
                },
                status_code=416,
            )
        if len(req.body) != end - start + 1:
            raise GraphError(400, "invalidRange", "The body length does not match Content-Range.")
        session["data"].extend(req.body)
        if len(session["data"]) < total:
            return JSONResponse(expected(session), status_code=202)
        drive.sessions.pop(req.params["sessionId"], None)
        parent = drive.items[session["parent"]]
        item, created = drive.put_content(parent, session["name"], bytes(session["data"]), session["behaviour"])
        return JSONResponse(drive.shaped(req, item), status_code=201 if created else 200)
