"""Every files tool called through the SDK's own MCP client against the sandbox drive."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ms365mcp.runtime import Runtime
from ms365mcp.sandbox.tenant import Fault

pytestmark = pytest.mark.anyio

DRIVE = "b!adele-onedrive-0001"
ROOT = "01ADELEROOT0000"
WELCOME = "01ADELE0002WELCOMETXT"
REPORT = "01ADELE0004QUARTERLYREP"
PNG = "01ADELE0011TEAMOFFSITEP"
DOCUMENTS = "01ADELE0001DOCUMENTS"
ARCHIVE = "01ADELE0009ARCHIVE"
PLAN = "01ADELE0007LAUNCHPLANMD"


async def call(client: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert result.is_error is False, (name, result.content[0].text)
    return result.structured_content


async def fail(client: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert result.is_error is True, (name, result.content[0].text)
    return result.structured_content["error"]


async def test_browse_the_tree(client: Any) -> None:
    drives = await call(client, "list-drives", {})
    assert drives["value"][0]["id"] == DRIVE
    root = await call(client, "get-drive-root-item", {"driveId": DRIVE})
    assert root["id"] == ROOT and root["folder"]["childCount"] == 3
    top = await call(client, "list-folder-files", {"driveId": DRIVE, "driveItemId": "root"})
    assert [i["name"] for i in top["value"]] == ["Documents", "Photos", "Projects"]
    docs = await call(client, "list-folder-files", {"driveId": DRIVE, "driveItemId": DOCUMENTS, "top": 2})
    assert len(docs["value"]) == 2 and "nextLink" in docs
    item = await call(client, "get-drive-item", {"driveId": DRIVE, "driveItemId": WELCOME})
    assert item["name"] == "Welcome.txt" and item["parentReference"]["path"] == "/drive/root:/Documents"
    assert item["@microsoft.graph.downloadUrl"].startswith("http://sandbox.localhost/")


async def test_search_and_delta(client: Any) -> None:
    hits = await call(client, "search-onedrive-files", {"driveId": DRIVE, "q": "launch date"})
    assert [h["name"] for h in hits["value"]] == ["Meeting Notes.md"]
    quoted = await call(client, "search-onedrive-files", {"driveId": DRIVE, "q": "o'brien"})
    assert quoted["value"] == []
    first = await call(client, "get-drive-delta", {"driveId": DRIVE, "driveItemId": "root"})
    assert len(first["value"]) >= 12 and "deltaLink" in first
    await call(client, "create-onedrive-folder", {"driveId": DRIVE, "driveItemId": "root", "body": {"name": "New"}})
    args = {"driveId": DRIVE, "driveItemId": "root", "nextLink": first["deltaLink"]}
    later = await call(client, "get-drive-delta", args)
    assert [i["name"] for i in later["value"]] == ["New"] and "deltaLink" in later


async def test_folders_move_copy_delete(client: Any) -> None:
    folder = await call(
        client, "create-onedrive-folder", {"driveId": DRIVE, "driveItemId": DOCUMENTS, "body": {"name": "Contracts"}}
    )
    assert folder["folder"]["childCount"] == 0
    clash = await fail(
        client, "create-onedrive-folder", {"driveId": DRIVE, "driveItemId": DOCUMENTS, "body": {"name": "Contracts"}}
    )
    assert clash["code"] == "nameAlreadyExists"
    bad = await fail(
        client, "create-onedrive-folder", {"driveId": DRIVE, "driveItemId": "root", "body": {"name": "a/b"}}
    )
    assert bad["field"] == "body.name"
    moved = await call(
        client,
        "move-rename-onedrive-item",
        {"driveId": DRIVE, "driveItemId": WELCOME, "body": {"name": "Hello.txt", "parentId": folder["id"]}},
    )
    assert moved["name"] == "Hello.txt" and moved["parentReference"]["id"] == folder["id"]
    copied = await call(
        client, "copy-drive-item", {"driveId": DRIVE, "driveItemId": PLAN, "body": {"parentId": ARCHIVE}}
    )
    assert copied["status"] == "accepted" and "/_sandbox/drive/monitor/" in copied["monitorUrl"]
    archive = await call(client, "list-folder-files", {"driveId": DRIVE, "driveItemId": ARCHIVE})
    assert [i["name"] for i in archive["value"]] == ["Launch Plan.md"]
    gone = await call(client, "delete-onedrive-file", {"driveId": DRIVE, "driveItemId": folder["id"]})
    assert gone == {"ok": True, "status": 204}
    missing = await fail(client, "get-drive-item", {"driveId": DRIVE, "driveItemId": WELCOME})
    assert missing["status"] == 404


async def test_sharing_and_permissions(client: Any) -> None:
    invited = await call(
        client,
        "share-drive-item",
        {"driveId": DRIVE, "driveItemId": REPORT, "body": {"recipients": "alex@contoso.sandbox", "roles": "write"}},
    )
    assert invited["value"][0]["grantedToV2"]["user"]["displayName"] == "Alex Wilber"
    link = await call(
        client,
        "create-drive-item-share-link",
        {"driveId": DRIVE, "driveItemId": REPORT, "body": {"scope": "organization"}},
    )
    assert link["link"]["type"] == "view" and link["link"]["webUrl"].startswith("https://")
    perms = await call(client, "list-drive-item-permissions", {"driveId": DRIVE, "driveItemId": REPORT})
    assert len(perms["value"]) == 3
    removed = await call(
        client,
        "delete-drive-item-permission",
        {"driveId": DRIVE, "driveItemId": REPORT, "permissionId": link["id"]},
    )
    assert removed["ok"] is True
    owner = await fail(
        client,
        "delete-drive-item-permission",
        {"driveId": DRIVE, "driveItemId": REPORT, "permissionId": perms["value"][0]["id"]},
    )
    assert owner["status"] == 403
    nobody = await fail(
        client, "share-drive-item", {"driveId": DRIVE, "driveItemId": REPORT, "body": {"recipients": "not-an-email"}}
    )
    assert nobody["field"] == "body.recipients[0]"


async def test_versions_thumbnails_preview_labels(client: Any) -> None:
    versions = await call(client, "list-drive-item-versions", {"driveId": DRIVE, "driveItemId": REPORT})
    assert [v["id"] for v in versions["value"]] == ["3.0", "2.0", "1.0"]
    thumbs = await call(client, "list-drive-item-thumbnails", {"driveId": DRIVE, "driveItemId": PNG})
    assert thumbs["value"][0]["small"]["width"] == 96
    preview = await call(client, "create-drive-item-preview", {"driveId": DRIVE, "driveItemId": REPORT})
    assert preview["getUrl"].startswith("https://")
    labels = await call(client, "list-sensitivity-labels", {})
    assert [label["name"] for label in labels["value"]] == ["Public", "General", "Confidential"]
    label = await call(client, "get-sensitivity-label", {"sensitivityLabelId": labels["value"][2]["id"]})
    assert label["sensitivity"] == 2
    applied = await call(client, "extract-drive-item-sensitivity-labels", {"driveId": DRIVE, "driveItemId": REPORT})
    assert applied["labels"][0]["sensitivityLabelId"] == label["id"]


async def test_content_upload_and_sessions(client: Any) -> None:
    replaced = await call(
        client, "upload-file-content", {"driveId": DRIVE, "driveItemId": WELCOME, "body": "Hello again\n"}
    )
    assert replaced["size"] == 12
    text = await call(client, "download-bytes", {"path": f"/drives/{DRIVE}/items/{WELCOME}/content"})
    assert text["text"] == "Hello again\n" and text["contentType"] == "text/plain"
    session = await call(
        client, "create-upload-session", {"driveId": DRIVE, "driveItemId": WELCOME, "body": {"item": {}}}
    )
    assert session["nextExpectedRanges"] == ["0-"] and "/_sandbox/drive/upload/" in session["uploadUrl"]
    folder = await fail(client, "upload-file-content", {"driveId": DRIVE, "driveItemId": DOCUMENTS, "body": "x"})
    assert "folder" in folder["message"]


async def test_upload_session_on_a_folder_or_with_a_wrong_body_is_refused(client: Any, runtime: Runtime) -> None:
    """items/{id}/createUploadSession targets an existing file; its body is {item, deferCommit}."""
    folder = await fail(client, "create-upload-session", {"driveId": DRIVE, "driveItemId": DOCUMENTS})
    assert folder["status"] == 400 and "folder" in folder["message"]
    # item fields given at the top are moved into "item" before the request, so Graph accepts them
    flat = await call(
        client,
        "create-upload-session",
        {"driveId": DRIVE, "driveItemId": WELCOME, "body": {"conflictBehavior": "fail"}},
    )
    assert flat["nextExpectedRanges"] == ["0-"]
    bad = await fail(client, "create-upload-session", {"driveId": DRIVE, "driveItemId": WELCOME, "body": {"item": 3}})
    assert bad["field"] == "body.item"
    # the sandbox refuses the flat shape, as Graph does, when it arrives unprepared
    import httpx

    from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL

    tenant = runtime.sandbox
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=tenant.app()), base_url=SANDBOX_GRAPH_URL) as http:
        answer = await http.post(
            f"/v1.0/drives/{DRIVE}/items/{WELCOME}/createUploadSession",
            json={"@microsoft.graph.conflictBehavior": "replace"},
            headers={"Authorization": f"Bearer {tenant.issue_token()}"},
        )
    assert answer.status_code == 400 and "conflictBehavior" in answer.json()["error"]["message"]


async def test_download_bytes_binary_comes_back_as_an_embedded_blob(client: Any) -> None:
    result = await client.call_tool("download-bytes", {"path": f"/drives/{DRIVE}/items/{PNG}/content"})
    assert result.is_error is False
    text, blob = result.content
    assert text.type == "text" and "blob" not in text.text and "_resource" not in text.text
    assert blob.type == "resource" and blob.resource.mime_type == "image/png"
    assert base64.b64decode(blob.resource.blob).startswith(b"\x89PNG\r\n\x1a\n")
    assert result.structured_content["size"] == len(base64.b64decode(blob.resource.blob))
    assert "_resource" not in result.structured_content
    docx = await client.call_tool("download-bytes", {"path": f"/v1.0/drives/{DRIVE}/items/{REPORT}/content"})
    assert docx.content[1].resource.mime_type.endswith("wordprocessingml.document")


async def test_download_bytes_refuses_paths_outside_the_catalogue(client: Any) -> None:
    cases = {
        "/users/megan@contoso.sandbox/messages": "not reachable",
        f"/drives/{DRIVE}/items/../../users": "'..'",
        f"/drives/{DRIVE}/items/x%2F..%2Fy/content": "encoded",
        "https://graph.microsoft.com/v1.0/me/drive": "starting with '/'",
        f"/drives/{DRIVE}/items/{WELCOME}/content?x=1": "query",
        "drives/x": "starting with '/'",
    }
    for path, words in cases.items():
        error = await fail(client, "download-bytes", {"path": path})
        assert error["field"] == "path" and words in error["message"], (path, error)


async def test_download_bytes_of_a_folder_names_the_path(client: Any) -> None:
    error = await fail(client, "download-bytes", {"path": f"/drives/{DRIVE}/items/{DOCUMENTS}/content"})
    assert error["field"] == "path" and "folder" in error["message"]


async def test_download_cap(runtime: Runtime, client: Any) -> None:
    import attrs

    runtime.settings = attrs.evolve(runtime.settings, max_download_bytes=10)
    error = await fail(client, "download-bytes", {"path": f"/drives/{DRIVE}/items/{PNG}/content"})
    assert "download cap" in error["message"] and "get-download-url" in error["message"]


async def test_get_download_url(client: Any) -> None:
    by_id = await call(client, "get-download-url", {"driveId": DRIVE, "driveItemId": PLAN})
    assert by_id["name"] == "Launch Plan.md" and "/_sandbox/drive/download/" in by_id["downloadUrl"]
    by_path = await call(client, "get-download-url", {"driveId": DRIVE, "path": "Projects/Contoso Launch/budget.csv"})
    assert by_path["name"] == "budget.csv"
    folder = await fail(client, "get-download-url", {"driveId": DRIVE, "driveItemId": DOCUMENTS})
    assert folder["field"] == "driveItemId" and "folder" in folder["message"]
    climbing = await fail(client, "get-download-url", {"driveId": DRIVE, "path": "Documents/../secret"})
    assert climbing["field"] == "path"


async def test_upload_small_from_text_and_base64(client: Any) -> None:
    made = await call(
        client, "upload-file", {"driveId": DRIVE, "folderId": DOCUMENTS, "fileName": "todo.txt", "text": "buy milk"}
    )
    assert made["uploadedWith"] == "simple" and made["size"] == 8
    png = base64.b64encode(b"\x89PNG fake").decode()
    nested = await call(client, "upload-file", {"driveId": DRIVE, "path": "Photos/new.png", "content": png})
    assert nested["parentReference"]["path"] == "/drive/root:/Photos"
    back = await call(client, "download-bytes", {"path": f"/drives/{DRIVE}/items/{made['id']}/content"})
    assert back["text"] == "buy milk"


async def test_upload_large_local_file_in_chunks_with_one_failed_chunk(
    client: Any, runtime: Runtime, tmp_path: Path
) -> None:
    data = bytes(range(256)) * (5 * 4096 + 7)  # a little over 5 MiB
    local = tmp_path / "big.bin"
    local.write_bytes(data)
    runtime.sandbox.faults.append(Fault(path="/_sandbox/drive/upload/", method="PUT", status=500, times=1))
    made = await call(client, "upload-file", {"driveId": DRIVE, "folderId": "root", "localPath": str(local)})
    assert made["uploadedWith"] == "session" and made["size"] == len(data) and made["name"] == "big.bin"
    uploads = [p for m, p in runtime.sandbox.requests if "/_sandbox/drive/upload/" in p]
    assert len(uploads) == 4  # chunk 1 failed, GET status, chunk 1 again, chunk 2
    assert runtime.sandbox.store["drive.contents"][made["id"]] == data


async def test_upload_bad_input_names_the_field(client: Any, tmp_path: Path) -> None:
    missing = await fail(client, "upload-file", {"driveId": DRIVE, "localPath": str(tmp_path / "nope.txt")})
    assert missing["field"] == "localPath" and "no such file" in missing["message"]
    folder = await fail(client, "upload-file", {"driveId": DRIVE, "localPath": str(tmp_path)})
    assert folder["field"] == "localPath" and "folder" in folder["message"]
    both = await fail(client, "upload-file", {"driveId": DRIVE, "fileName": "a", "text": "x", "content": "eA=="})
    assert both["field"] == "localPath"
    unnamed = await fail(client, "upload-file", {"driveId": DRIVE, "text": "x"})
    assert unnamed["field"] == "fileName"
    bad64 = await fail(client, "upload-file", {"driveId": DRIVE, "fileName": "a", "content": "%%%"})
    assert bad64["field"] == "content"
    into_file = await fail(
        client, "upload-file", {"driveId": DRIVE, "folderId": WELCOME, "fileName": "a.txt", "text": "x"}
    )
    assert into_file["status"] == 400 and "not a folder" in into_file["message"]


async def test_every_files_tool_was_exercised(runtime: Runtime) -> None:
    """Keeps this module honest: a new tool must get a test above."""
    source = Path(__file__).read_text()
    names = [n for n, t in runtime.tools.items() if t.plugin == "files"]
    assert len(names) == 25
    assert [n for n in names if f'"{n}"' not in source] == []


async def test_large_upload_reports_progress_per_chunk(client: Any, tmp_path: Path) -> None:
    data = b"x" * (8 * 1024 * 1024)  # 8 MiB: three chunks of at most 3.2 MiB
    local = tmp_path / "progress.bin"
    local.write_bytes(data)
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    result = await client.call_tool(
        "upload-file", {"driveId": DRIVE, "folderId": "root", "localPath": str(local)}, progress_callback=on_progress
    )
    assert not result.is_error
    assert seen and all(total == len(data) for _, total in seen)
    assert [p for p, _ in seen] == sorted(p for p, _ in seen) and seen[-1][0] < len(data)
