"""Whole-file transfers: download-bytes, upload-file, get-download-url, and copy's monitor URL.

The model never has to shuttle bytes between tools: uploads read a local file (stdio only) or
take bytes once, and large files go up in chunks through a Graph upload session whose URL is
pre-authenticated, so the bearer token is never sent to it. Downloads stream with a hard cap.
"""

from __future__ import annotations

import base64
import contextlib
import re
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx

from ms365mcp.errors import ToolError, ToolInputError
from ms365mcp.graph.errors import graph_error
from ms365mcp.graph.request import GraphRequest, build_request, encode_segment
from ms365mcp.graph.shaping import shape_response, strip_odata
from ms365mcp.progress import report

#: Files up to this size go up in one PUT; Graph's limit for the simple upload is 4 MB.
SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
#: Upload-session chunks must be multiples of 320 KiB; 10 of them (3.2 MiB) keeps each request short.
CHUNK_UNIT = 320 * 1024
CHUNK_SIZE = 10 * CHUNK_UNIT
#: How often one chunk is re-sent after a failure before the upload is given up.
CHUNK_RETRIES = 3

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "message/rfc822")
_TEXT_SUFFIXES = ("+xml", "+json")
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|2e|00|3f|23)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[A-Za-z][A-Za-z0-9]*\}")
#: Names of the logic tools; their ``path`` is not a Graph path, so download-bytes ignores them.
LOGIC_TOOLS = frozenset({"download-bytes", "upload-file", "get-download-url"})


# --- download-bytes -------------------------------------------------------------------------------


def _check_graph_path(path: Any) -> list[str]:
    """Refuse anything that is not a plain relative Graph path; return its segments."""
    if not isinstance(path, str) or not path.strip():
        raise ToolInputError("path", "give a Graph path such as /drives/{driveId}/items/{itemId}/content")
    if not path.startswith("/") or path.startswith("//") or "://" in path:
        raise ToolInputError("path", "must be a Graph path starting with '/', without scheme or host")
    if "?" in path or "#" in path:
        raise ToolInputError("path", "must not carry a query or fragment")
    if "\\" in path or any(ord(c) < 0x21 for c in path):
        raise ToolInputError("path", "must not contain backslashes, spaces or control characters")
    if _ENCODED_SEPARATOR.search(path):
        raise ToolInputError("path", "must not contain encoded separators or dots (%2F, %5C, %2E ...)")
    segments = path[1:].split("/")
    if segments and segments[0] in ("v1.0", "beta"):
        segments = segments[1:]
    if any(s in ("", ".", "..") for s in segments):
        raise ToolInputError("path", "must not contain empty, '.' or '..' segments")
    return segments


def _segment_pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    return re.compile("[^/]+".join(re.escape(p) for p in parts) + r"\Z")


def _template_matches(template: list[str], segments: list[str]) -> bool:
    if len(template) != len(segments):
        return False
    return all(_segment_pattern(t).match(s) for t, s in zip(template, segments, strict=True))


def _reachable_by(spec: Any, segments: list[str]) -> bool:
    """True when a GET tool reaches this path: its own path, an item of its collection, plus /content or /$value."""
    template = spec.path.lstrip("/").split("/")
    candidates = [segments]
    if segments[-1] in ("content", "$value"):
        candidates.append(segments[:-1])
    for candidate in candidates:
        if _template_matches(template, candidate):
            return True
        last = template[-1]
        is_collection = not _PLACEHOLDER.search(last) and "(" not in last
        if is_collection and len(candidate) == len(template) + 1 and _template_matches(template, candidate[:-1]):
            return True
    return False


def resolve_download(tools: dict[str, Any], path: str) -> Any:
    """The enabled GET tool that makes ``path`` reachable, or a ToolInputError naming ``path``."""
    segments = _check_graph_path(path)
    for spec in tools.values():
        if spec.method != "GET" or spec.name in LOGIC_TOOLS:
            continue
        if _reachable_by(spec, segments):
            return spec
    raise ToolInputError(
        "path",
        "is not reachable through the enabled tools; use a path like a listed file's "
        "/drives/{driveId}/items/{itemId}/content or an attachment's .../$value",
    )


def _is_text(content_type: str) -> bool:
    return content_type.startswith(_TEXT_TYPES) or content_type.endswith(_TEXT_SUFFIXES) or content_type == "text"


def _same_origin_or_https(url: str, graph_url: str) -> bool:
    parts, graph = urlsplit(url), urlsplit(graph_url)
    return parts.scheme == "https" or (parts.scheme, parts.netloc) == (graph.scheme, graph.netloc)


async def _read_capped(response: httpx.Response, cap: int, path: str) -> bytes:
    """Read at most ``cap`` bytes; stop (and close) the stream as soon as it is exceeded."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise _too_large(path, cap, int(declared))
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > cap:
            raise _too_large(path, cap, None)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(path: str, cap: int, size: int | None) -> ToolError:
    what = f"{size} bytes" if size is not None else "more than the cap"
    return ToolError(
        f"path: the file is {what}, above the {cap}-byte download cap (MS365_MCP_MAX_DOWNLOAD_BYTES); "
        "use get-download-url for a link to fetch it directly",
        code="too_large",
    )


async def download_bytes(call: Any) -> dict[str, Any]:
    """Stream one catalogue-reachable resource; follow Graph's redirect to storage without the token."""
    path = call.args.get("path")
    spec = resolve_download(call.runtime.tools, path)
    runtime = call.runtime
    cap = runtime.settings.max_download_bytes
    http: httpx.AsyncClient = runtime.graph.http
    graph_url = runtime.graph.graph_url
    version = "" if path.split("/")[1] in ("v1.0", "beta") else f"/{spec.api_version}"
    url = f"{graph_url}{version}{path}"
    token = await call.identity.get_token()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(4):
        request = http.build_request("GET", url, headers=headers, extensions={"ms365mcp.tenant": call.identity.tenant})
        response = await http.send(request, stream=True)
        try:
            if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("location"):
                location = str(response.url.join(response.headers["location"]))
                if not _same_origin_or_https(location, graph_url):
                    raise ToolError("Graph redirected the download to an insecure URL; refusing it")
                # Storage URLs are pre-authenticated: the Graph token must not travel to them.
                url, headers = location, {}
                continue
            if response.status_code >= 400:
                await response.aread()
                error = graph_error(response, spec, org_mode=runtime.settings.org_mode)
                if response.status_code in (400, 404, 405):
                    raise ToolInputError("path", f"Graph could not read it: {error.message}")
                raise error
            data = await _read_capped(response, cap, path)
            content_type = response.headers.get("content-type", "application/octet-stream")
            media_type = content_type.split(";")[0].strip().lower() or "application/octet-stream"
        finally:
            await response.aclose()
        result: dict[str, Any] = {"path": path, "contentType": media_type, "size": len(data)}
        if _is_text(media_type):
            charset = response.charset_encoding or "utf-8"
            try:
                result["text"] = data.decode(charset)
                return result
            except (LookupError, UnicodeDecodeError):
                pass  # mislabelled binary: fall through to a blob
        result["_resource"] = {
            "uri": f"{graph_url}/{spec.api_version}{path}" if version else f"{graph_url}{path}",
            "mimeType": media_type,
            "blob": base64.b64encode(data).decode("ascii"),
        }
        return result
    raise ToolError("path: too many redirects while downloading")


# --- get-download-url -----------------------------------------------------------------------------


def _clean_drive_path(value: Any, field: str) -> list[str]:
    """A drive-relative path such as ``Documents/a.txt``: no empty, '.' or '..' parts."""
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(field, 'give a path inside the drive such as "Documents/report.docx"')
    parts = [p for p in value.strip().replace("\\", "/").strip("/").split("/")]
    if any(p in ("", ".", "..") for p in parts):
        raise ToolInputError(field, "must not contain empty, '.' or '..' parts")
    return parts


def _item_path(args: dict[str, Any], id_field: str) -> str:
    drive = encode_segment(_required(args, "driveId"))
    if args.get(id_field):
        return f"/drives/{drive}/items/{encode_segment(args[id_field])}"
    if args.get("path"):
        parts = _clean_drive_path(args["path"], "path")
        return f"/drives/{drive}/root:/{'/'.join(encode_segment(p) for p in parts)}:"
    raise ToolInputError(id_field, f"give {id_field} or path")


def _required(args: dict[str, Any], field: str) -> str:
    value = args.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(field, "required")
    return value


async def _graph_json(call: Any, request: GraphRequest) -> dict[str, Any]:
    response = await call.send(request)
    if response.status_code >= 400:
        raise graph_error(response, call.spec, org_mode=call.runtime.settings.org_mode)
    return shape_response(response)


async def get_download_url(call: Any) -> dict[str, Any]:
    """Graph's ``@microsoft.graph.downloadUrl`` for a file; folders and URL-less items get a clear error."""
    path = _item_path(call.args, "driveItemId")
    item = await _graph_json(call, GraphRequest("GET", path))
    field = "driveItemId" if call.args.get("driveItemId") else "path"
    if "folder" in item:
        raise ToolInputError(field, f"{item.get('name', 'the item')} is a folder; give a file")
    url = item.get("@microsoft.graph.downloadUrl")
    if not url:
        raise ToolError(
            "Graph gives no download URL for this item (OneNote notebooks, packages and some shared items "
            "have none); use download-bytes with path /drives/{driveId}/items/{itemId}/content instead",
            code="no_download_url",
        )
    return {
        "id": item.get("id"),
        "name": item.get("name"),
        "size": item.get("size"),
        "downloadUrl": url,
        "note": "pre-authenticated and short-lived (about an hour); fetch it without an Authorization header",
    }


# --- copy -----------------------------------------------------------------------------------------


async def copy_item(call: Any) -> dict[str, Any]:
    """Graph answers a copy with 202 and a monitor URL; pass both on instead of a bare ``ok``."""
    request = build_request(call.spec, call.args, call.runtime.settings)
    response = await call.send(request)
    if response.status_code >= 400:
        raise graph_error(response, call.spec, org_mode=call.runtime.settings.org_mode)
    if response.status_code == 202:
        result: dict[str, Any] = {"status": "accepted", "note": "Graph copies in the background"}
        if response.headers.get("location"):
            result["monitorUrl"] = response.headers["location"]
        return result
    return shape_response(response)


# --- upload-file ----------------------------------------------------------------------------------


class _Source:
    """Bytes to upload: a local file read piece by piece, or bytes given in the call."""

    def __init__(self, size: int, name: str | None, handle: BinaryIO | None = None, data: bytes = b"") -> None:
        self.size, self.name, self._handle, self._data = size, name, handle, data

    def read(self, start: int, length: int) -> bytes:
        if self._handle is None:
            return self._data[start : start + length]
        self._handle.seek(start)
        return self._handle.read(length)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _open_source(call: Any) -> _Source:
    args = call.args
    given = [f for f in ("localPath", "content", "text") if args.get(f) is not None]
    if len(given) != 1:
        raise ToolInputError("localPath", "give exactly one of localPath, content (base64) or text")
    if given[0] == "localPath":
        if call.runtime.settings.transport != "stdio":
            raise ToolInputError(
                "localPath", "is only available when the server runs locally over stdio; send content or text"
            )
        local = Path(str(args["localPath"])).expanduser()
        if not local.exists():
            raise ToolInputError("localPath", f"no such file: {local}")
        if local.is_dir():
            raise ToolInputError("localPath", f"{local} is a folder; give a file")
        try:
            handle = local.open("rb")
        except OSError as exc:
            raise ToolInputError("localPath", f"can't be read: {exc.strerror or exc}") from None
        return _Source(local.stat().st_size, local.name, handle=handle)
    if given[0] == "content":
        try:
            data = base64.b64decode(str(args["content"]), validate=True)
        except ValueError:
            raise ToolInputError("content", "is not valid base64") from None
        return _Source(len(data), None, data=data)
    data = str(args["text"]).encode("utf-8")
    return _Source(len(data), None, data=data)


def _upload_target(args: dict[str, Any], source: _Source) -> tuple[str, str]:
    """The ``...:/name:`` address of the new file, and its name."""
    drive = encode_segment(_required(args, "driveId"))
    if args.get("path"):
        if args.get("folderId") or args.get("fileName"):
            raise ToolInputError("path", "give either path, or folderId and fileName, not both")
        parts = _clean_drive_path(args["path"], "path")
        return f"/drives/{drive}/root:/{'/'.join(encode_segment(p) for p in parts)}:", parts[-1]
    name = args.get("fileName") or source.name
    if not isinstance(name, str) or not name.strip():
        raise ToolInputError("fileName", "give the new file's name (or path)")
    if "/" in name or "\\" in name or name.strip() in (".", ".."):
        raise ToolInputError("fileName", "must be a plain file name; use path for nested folders")
    folder = args.get("folderId") or "root"
    parent = f"/drives/{drive}/root" if folder == "root" else f"/drives/{drive}/items/{encode_segment(folder)}"
    return f"{parent}:/{encode_segment(name)}:", name


async def upload_file(call: Any, *, simple_limit: int = SIMPLE_UPLOAD_LIMIT, chunk_size: int = CHUNK_SIZE) -> Any:
    """Upload in one PUT when small, else through an upload session in resumable chunks."""
    if chunk_size % CHUNK_UNIT:
        raise ValueError("chunk_size must be a multiple of 320 KiB")
    source = _open_source(call)
    try:
        target, name = _upload_target(call.args, source)
        behaviour = call.args.get("conflictBehavior") or "replace"
        if source.size <= simple_limit:
            request = GraphRequest(
                "PUT",
                target + "/content",
                params=(("@microsoft.graph.conflictBehavior", behaviour),),
                headers=(("Content-Type", "application/octet-stream"),),
                content=source.read(0, source.size),
            )
            item = await _graph_json(call, request)
            return {**_summary(item), "uploadedWith": "simple"}
        session = await _graph_json(
            call,
            GraphRequest(
                "POST",
                target + "/createUploadSession",
                json={"item": {"@microsoft.graph.conflictBehavior": behaviour, "name": name}},
            ),
        )
        upload_url = session.get("uploadUrl")
        if not isinstance(upload_url, str) or not upload_url:
            raise ToolError("Graph did not return an upload URL for the upload session")
        item = await _send_chunks(call, upload_url, source, chunk_size)
        return {**_summary(item), "uploadedWith": "session"}
    finally:
        source.close()


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "size", "webUrl", "parentReference", "file", "lastModifiedDateTime")
    return {k: item[k] for k in keep if k in item}


def _first_expected(ranges: Any, size: int) -> int | None:
    """The first byte Graph still wants, from ``nextExpectedRanges`` such as ``["327680-"]``."""
    if not isinstance(ranges, list) or not ranges:
        return None
    start = str(ranges[0]).split("-", 1)[0]
    return int(start) if start.isdigit() and int(start) < size else None


async def _send_chunks(call: Any, upload_url: str, source: _Source, chunk_size: int) -> dict[str, Any]:
    http: httpx.AsyncClient = call.runtime.graph.http
    position, failures = 0, 0
    while True:
        end = min(position + chunk_size, source.size) - 1
        data = source.read(position, end - position + 1)
        # The upload URL is pre-authenticated: no Authorization header goes to it.
        headers = {"Content-Range": f"bytes {position}-{end}/{source.size}", "Content-Length": str(len(data))}
        problem: str
        try:
            response = await http.put(upload_url, content=data, headers=headers)
        except httpx.TransportError as exc:
            problem = type(exc).__name__
        else:
            if response.status_code in (200, 201):
                return strip_odata(response.json())
            if response.status_code == 202:
                failures = 0
                nxt = _first_expected(response.json().get("nextExpectedRanges"), source.size)
                position = nxt if nxt is not None else end + 1
                await report(position, source.size, f"uploaded {position:,} of {source.size:,} bytes")
                continue
            if response.status_code == 404:
                raise ToolError("the upload session expired or was cancelled; run upload-file again", code="expired")
            problem = f"HTTP {response.status_code}"
        failures += 1
        if failures > CHUNK_RETRIES:
            await _cancel(http, upload_url)
            raise ToolError(
                f"uploading bytes {position}-{end} failed {failures} times ({problem}); nothing was saved",
                code="upload_failed",
            )
        position = await _resume_point(http, upload_url, source.size, position)


async def _resume_point(http: httpx.AsyncClient, upload_url: str, size: int, fallback: int) -> int:
    """Ask the session which bytes it still expects; resend from there."""
    try:
        response = await http.get(upload_url)
    except httpx.TransportError:
        return fallback
    if response.status_code != 200:
        return fallback
    nxt = _first_expected(response.json().get("nextExpectedRanges"), size)
    return fallback if nxt is None else nxt


async def _cancel(http: httpx.AsyncClient, upload_url: str) -> None:
    with contextlib.suppress(httpx.TransportError):
        await http.delete(upload_url)


__all__ = [
    "CHUNK_SIZE",
    "CHUNK_UNIT",
    "SIMPLE_UPLOAD_LIMIT",
    "copy_item",
    "download_bytes",
    "get_download_url",
    "resolve_download",
    "upload_file",
]
