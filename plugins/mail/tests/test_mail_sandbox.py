"""The sandbox mail routes, driven over HTTP exactly as the Graph client drives them."""

from __future__ import annotations

import base64
import email
from email import policy
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from ms365mcp_mail.sandbox import mailboxes
from ms365mcp_mail.seed import ENCODED_MESSAGE_ID, SHARED_MAILBOX, seed

from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, SandboxTenant

pytestmark = pytest.mark.anyio

TEXT = {"Prefer": 'outlook.body-content-type="text"'}


def enc(value: str) -> str:
    return quote(value, safe="")


def fields(entity: dict[str, Any]) -> set[str]:
    """Property names without annotations (Graph keeps @odata.etag and friends under $select)."""
    return {k for k in entity if not k.startswith("@")}


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code
    return str(body["message"])


async def first_inbox_message(graph: httpx.AsyncClient) -> dict[str, Any]:
    page = await ok(await graph.get("/me/mailFolders/inbox/messages", params={"$top": "1"}))
    return page["value"][0]


# --- seed ----------------------------------------------------------------------------------------------


def test_seed_is_deterministic_and_believable(tenant: SandboxTenant) -> None:
    again = seed(tenant, now=None)
    boxes = mailboxes(tenant)
    mine = boxes[tenant.me.id]
    assert len(mine.messages) >= 50
    assert sorted(mine.messages) != []
    assert sorted(again[tenant.me.id].messages) == sorted(mine.messages)  # same ids, whatever the clock
    assert ENCODED_MESSAGE_ID in mine.messages
    senders = {m["from"]["emailAddress"]["address"] for m in mine.messages.values()}
    assert any(s.endswith("@contoso.sandbox") for s in senders) and any(s.endswith(".example") for s in senders)
    assert {m["isRead"] for m in mine.messages.values()} == {True, False}
    assert any(m["flag"]["flagStatus"] == "flagged" for m in mine.messages.values())
    assert any(m["categories"] for m in mine.messages.values())
    assert any(m["importance"] == "high" for m in mine.messages.values())
    assert all(m["body"]["content"].startswith("<html>") for m in mine.messages.values())
    kinds = {a["contentType"] for items in mine.attachments.values() for a in items}
    assert {"text/plain", "image/png"} <= kinds
    support = next(b for b in boxes.values() if b.owner.mail == SHARED_MAILBOX)
    assert len(support.messages) >= 10


# --- auth and routing ----------------------------------------------------------------------------------


async def test_requests_without_a_token_are_refused(tenant: SandboxTenant) -> None:
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL) as anonymous:
        await error(await anonymous.get("/v1.0/me/messages"), 401, "InvalidAuthenticationToken")


async def test_an_id_with_slash_resolves_only_when_percent_encoded(graph: httpx.AsyncClient) -> None:
    assert "/" in ENCODED_MESSAGE_ID and "+" in ENCODED_MESSAGE_ID and "=" in ENCODED_MESSAGE_ID
    message = await ok(await graph.get(f"/me/messages/{enc(ENCODED_MESSAGE_ID)}"))
    assert message["id"] == ENCODED_MESSAGE_ID and message["subject"] == "Q3 budget review"
    await error(await graph.get(f"/me/messages/{ENCODED_MESSAGE_ID}"), 400, "BadRequest")


async def test_missing_things_are_404(graph: httpx.AsyncClient) -> None:
    await error(await graph.get("/me/messages/AAMkADnope"), 404, "ErrorItemNotFound")
    await error(await graph.get("/me/mailFolders/nope/messages"), 404, "ErrorItemNotFound")
    await error(await graph.delete("/me/messages/AAMkADnope"), 404, "ErrorItemNotFound")
    await error(await graph.get(f"/me/messages/{enc(ENCODED_MESSAGE_ID)}/attachments/nope"), 404, "ErrorItemNotFound")


# --- folders ---------------------------------------------------------------------------------------------


async def test_folders_list_with_counts_and_well_known_names(graph: httpx.AsyncClient) -> None:
    page = await ok(await graph.get("/me/mailFolders"))
    names = {f["displayName"]: f for f in page["value"]}
    assert {"Inbox", "Drafts", "Sent Items", "Deleted Items", "Archive", "Junk Email", "Projects"} <= set(names)
    inbox = names["Inbox"]
    assert inbox["totalItemCount"] >= 30 and 0 < inbox["unreadItemCount"] < inbox["totalItemCount"]
    assert inbox["childFolderCount"] == 1
    by_name = await ok(await graph.get("/me/mailFolders/INBOX"))
    assert by_name["id"] == inbox["id"]
    children = await ok(await graph.get(f"/me/mailFolders/{enc(names['Projects']['id'])}/childFolders"))
    assert {f["displayName"] for f in children["value"]} == {"Contoso Launch", "Budget 2025"}
    selected = await ok(await graph.get("/me/mailFolders", params={"$select": "displayName", "$top": "2"}))
    assert fields(selected["value"][0]) == {"id", "displayName"} and "@odata.nextLink" in selected


async def test_folder_create_rename_delete(graph: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    created = await ok(await graph.post("/me/mailFolders", json={"displayName": "Vendors"}), 201)
    assert created["parentFolderId"] and created["totalItemCount"] == 0
    await error(await graph.post("/me/mailFolders", json={"displayName": "vendors"}), 409, "ErrorFolderExists")
    await error(await graph.post("/me/mailFolders", json={}), 400, "ErrorInvalidParameter")
    child = await ok(
        await graph.post(f"/me/mailFolders/{enc(created['id'])}/childFolders", json={"displayName": "Fabrikam"}), 201
    )
    assert child["parentFolderId"] == created["id"]
    renamed = await ok(await graph.patch(f"/me/mailFolders/{enc(created['id'])}", json={"displayName": "Suppliers"}))
    assert renamed["displayName"] == "Suppliers" and renamed["childFolderCount"] == 1
    message = await first_inbox_message(graph)
    await ok(await graph.post(f"/me/messages/{enc(message['id'])}/move", json={"destinationId": child["id"]}), 201)
    await ok(await graph.delete(f"/me/mailFolders/{enc(created['id'])}"), 204)
    await error(await graph.get(f"/me/mailFolders/{enc(child['id'])}"), 404, "ErrorItemNotFound")
    assert all(m["parentFolderId"] != child["id"] for m in mailboxes(tenant)[tenant.me.id].messages.values())
    await error(await graph.delete("/me/mailFolders/inbox"), 400, "ErrorDeleteDistinguishedFolder")


# --- listing ---------------------------------------------------------------------------------------------


async def test_message_list_pages_through_next_links(graph: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    page = await ok(await graph.get("/me/messages", params={"$select": "subject,receivedDateTime"}))
    assert len(page["value"]) == 10  # Graph's default page size
    seen = [m["id"] for m in page["value"]]
    dates = [m["receivedDateTime"] for m in page["value"]]
    assert dates == sorted(dates, reverse=True)
    while "@odata.nextLink" in page:
        link = urlsplit(page["@odata.nextLink"])
        assert f"{link.scheme}://{link.netloc}" == SANDBOX_GRAPH_URL
        page = await ok(await graph.get(page["@odata.nextLink"]))
        assert fields(page["value"][0]) == {"id", "subject", "receivedDateTime"}
        seen += [m["id"] for m in page["value"]]
    assert len(seen) == len(set(seen)) == len(mailboxes(tenant)[tenant.me.id].messages)


async def test_message_list_filter_orderby_search_count(graph: httpx.AsyncClient) -> None:
    unread = await ok(
        await graph.get(
            "/me/mailFolders/inbox/messages",
            params={
                "$filter": "isRead eq false and importance eq 'high'",
                "$count": "true",
                "$select": "isRead,importance",
            },
        )
    )
    assert unread["@odata.count"] == len(unread["value"]) >= 1
    assert all(not m["isRead"] and m["importance"] == "high" for m in unread["value"])
    by_sender = await ok(
        await graph.get(
            "/me/messages",
            params={
                "$filter": "from/emailAddress/address eq 'megan@contoso.sandbox'",
                "$orderby": "subject",
                "$top": "50",
            },
        )
    )
    subjects = [m["subject"] for m in by_sender["value"]]
    assert subjects == sorted(subjects, key=str.lower) and len(subjects) >= 4
    found = await ok(await graph.get("/me/messages", params={"$search": '"budget"'}))
    assert found["value"] and all("budget" in (m["subject"] + m["bodyPreview"]).lower() for m in found["value"])
    kql = await ok(await graph.get("/me/messages", params={"$search": '"from:lidia"'}))
    assert {m["from"]["emailAddress"]["address"] for m in kql["value"]} == {"lidia.holloway@fabrikam.example"}
    await error(await graph.get("/me/messages", params={"$filter": "isRead eq"}), 400, "BadRequest")


async def test_bodies_are_html_unless_text_is_preferred(graph: httpx.AsyncClient) -> None:
    path = f"/me/messages/{enc(ENCODED_MESSAGE_ID)}"
    html = await ok(await graph.get(path))
    assert html["body"]["contentType"] == "html" and "<p>" in html["body"]["content"]
    assert "<" not in html["bodyPreview"] and html["bodyPreview"].startswith("Hi Adele,")
    response = await graph.get(path, headers=TEXT)
    text = await ok(response)
    assert response.headers["Preference-Applied"] == 'outlook.body-content-type="text"'
    assert text["body"]["contentType"] == "text"
    assert "<" not in text["body"]["content"] and "Q3 figures by region" in text["body"]["content"]
    listed = await ok(await graph.get("/me/mailFolders/inbox/messages", headers=TEXT, params={"$top": "3"}))
    assert all(m["body"]["contentType"] == "text" for m in listed["value"])
    selected = await ok(await graph.get(path, params={"$select": "subject", "$expand": "attachments"}))
    assert fields(selected) == {"id", "subject", "attachments"}
    assert selected["attachments"][0]["name"] == "q3-figures.csv"


async def test_mime_value_is_rfc822(graph: httpx.AsyncClient) -> None:
    response = await graph.get(f"/me/messages/{enc(ENCODED_MESSAGE_ID)}/$value")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    parsed = email.message_from_bytes(response.content, policy=policy.default)
    assert parsed["Subject"] == "Q3 budget review"
    assert "megan@contoso.sandbox" in parsed["From"] and parsed["Importance"] == "high"
    assert parsed.get_body(("html",)) is not None and "Q3 figures" in parsed.get_body(("plain",)).get_content()
    files = [part.get_filename() for part in parsed.iter_attachments()]
    assert files == ["q3-figures.csv"]


# --- writing ---------------------------------------------------------------------------------------------


async def test_draft_create_update_send_delivers(graph: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    draft = await ok(
        await graph.post(
            "/me/messages",
            json={
                "subject": "Agenda for Monday",
                "body": {"contentType": "HTML", "content": "<p>Items <b>inside</b></p>"},
                "toRecipients": [{"emailAddress": {"address": "alex@contoso.sandbox"}}],
            },
        ),
        201,
    )
    assert draft["isDraft"] and draft["sentDateTime"] is None and draft["bodyPreview"] == "Items inside"
    drafts = await ok(await graph.get("/me/mailFolders/drafts/messages", params={"$top": "50"}))
    assert draft["id"] in [m["id"] for m in drafts["value"]]
    patched = await ok(
        await graph.patch(
            f"/me/messages/{enc(draft['id'])}", json={"subject": "Agenda for Monday (v2)", "importance": "high"}
        )
    )
    assert patched["subject"] == "Agenda for Monday (v2)" and patched["importance"] == "high"
    sent = await graph.post(f"/me/messages/{enc(draft['id'])}/send")
    assert sent.status_code == 202 and sent.content == b""
    await error(await graph.get(f"/me/messages/{enc(draft['id'])}"), 404, "ErrorItemNotFound")
    sent_items = await ok(await graph.get("/me/mailFolders/sentitems/messages", params={"$top": "100"}))
    assert "Agenda for Monday (v2)" in [m["subject"] for m in sent_items["value"]]
    alex = next(b for b in mailboxes(tenant).values() if b.owner.mail == "alex@contoso.sandbox")
    assert [m["subject"] for m in alex.messages.values()] == ["Agenda for Monday (v2)"]
    await error(await graph.post(f"/me/messages/{enc(ENCODED_MESSAGE_ID)}/send"), 400, "ErrorInvalidOperation")


async def test_send_mail_saves_and_delivers(graph: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    attachment = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "hello.txt",
        "contentBytes": base64.b64encode(b"hello").decode(),
    }
    response = await graph.post(
        "/me/sendMail",
        json={
            "message": {
                "subject": "Team lunch",
                "body": {"contentType": "Text", "content": "Friday at noon?"},
                "toRecipients": [{"emailAddress": {"address": "megan@contoso.sandbox"}}],
                "bccRecipients": [{"emailAddress": {"address": "diego@contoso.sandbox"}}],
                "attachments": [attachment],
            }
        },
    )
    assert response.status_code == 202
    boxes = mailboxes(tenant)
    megan = next(b for b in boxes.values() if b.owner.mail == "megan@contoso.sandbox")
    delivered = [m for m in megan.messages.values() if m["subject"] == "Team lunch"]
    assert len(delivered) == 1 and not delivered[0]["isRead"] and delivered[0]["bccRecipients"] == []
    assert megan.attachments[delivered[0]["id"]][0]["name"] == "hello.txt"
    mine = boxes[tenant.me.id]
    sent = [m for m in mine.messages.values() if m["subject"] == "Team lunch"]
    assert len(sent) == 1 and sent[0]["parentFolderId"] == mine.well_known["sentitems"]

    quiet = await graph.post(
        "/me/sendMail",
        json={
            "saveToSentItems": "false",
            "message": {
                "subject": "Not kept",
                "toRecipients": [{"emailAddress": {"address": "someone@fabrikam.example"}}],
            },
        },
    )
    assert quiet.status_code == 202
    assert not [m for m in mine.messages.values() if m["subject"] == "Not kept"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"message": {"subject": "x"}}, 400, "ErrorInvalidRecipients"),
        ({"message": {"toRecipients": ["alex@contoso.sandbox"]}}, 400, "RequestBodyRead"),
        (
            {"message": {"toRecipients": [{"emailAddress": {"address": "a@b.example"}}], "colour": "red"}},
            400,
            "RequestBodyRead",
        ),
        ({"subject": "no message wrapper"}, 400, "RequestBodyRead"),
        (
            {
                "message": {
                    "toRecipients": [{"emailAddress": {"address": "a@b.example"}}],
                    "attachments": [{"name": "x.txt", "contentBytes": "***"}],
                }
            },
            400,
            "RequestBodyRead",
        ),
    ],
)
async def test_send_mail_rejects_what_graph_rejects(
    graph: httpx.AsyncClient, payload: dict[str, Any], status: int, code: str
) -> None:
    await error(await graph.post("/me/sendMail", json=payload), status, code)


async def test_reply_reply_all_forward(graph: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    path = f"/me/messages/{enc(ENCODED_MESSAGE_ID)}"
    assert (await graph.post(path + "/reply", json={"comment": "Looks good."})).status_code == 202
    assert (await graph.post(path + "/replyAll", json={"comment": "Adding everyone."})).status_code == 202
    assert (
        await graph.post(
            path + "/forward",
            json={"comment": "FYI", "toRecipients": [{"emailAddress": {"address": "alex@contoso.sandbox"}}]},
        )
    ).status_code == 202
    mine = mailboxes(tenant)[tenant.me.id]
    sent = [m for m in mine.messages.values() if m["parentFolderId"] == mine.well_known["sentitems"]]
    subjects = {m["subject"]: m for m in sent}
    assert {"RE: Q3 budget review", "FW: Q3 budget review"} <= set(subjects)
    reply = subjects["RE: Q3 budget review"]
    assert reply["toRecipients"][0]["emailAddress"]["address"] == "megan@contoso.sandbox"
    assert "Looks good." in reply["body"]["content"] or "Adding everyone." in reply["body"]["content"]
    forward = subjects["FW: Q3 budget review"]
    assert [a["name"] for a in mine.attachments[forward["id"]]] == ["q3-figures.csv"]
    alex = next(b for b in mailboxes(tenant).values() if b.owner.mail == "alex@contoso.sandbox")
    assert any(m["subject"] == "FW: Q3 budget review" for m in alex.messages.values())
    await error(await graph.post(path + "/forward", json={"comment": "to nobody"}), 400, "ErrorInvalidRecipients")


async def test_create_reply_and_forward_drafts(graph: httpx.AsyncClient) -> None:
    path = f"/me/messages/{enc(ENCODED_MESSAGE_ID)}"
    reply = await ok(await graph.post(path + "/createReply", json={"comment": "Draft reply"}), 201)
    assert reply["isDraft"] and reply["subject"] == "RE: Q3 budget review"
    assert "Draft reply" in reply["body"]["content"]
    reply_all = await ok(await graph.post(path + "/createReplyAll"), 201)
    assert reply_all["subject"] == "RE: Q3 budget review"
    forward = await ok(await graph.post(path + "/createForward", json={}), 201)
    assert forward["subject"] == "FW: Q3 budget review" and forward["toRecipients"] == [] and forward["hasAttachments"]
    drafts = await ok(await graph.get("/me/mailFolders/drafts/messages", params={"$top": "50"}))
    assert {reply["id"], reply_all["id"], forward["id"]} <= {m["id"] for m in drafts["value"]}


async def test_move_gives_a_new_id_and_copy_keeps_the_original(graph: httpx.AsyncClient) -> None:
    original = await first_inbox_message(graph)
    moved = await ok(
        await graph.post(f"/me/messages/{enc(original['id'])}/move", json={"destinationId": "archive"}), 201
    )
    assert moved["id"] != original["id"] and moved["subject"] == original["subject"]
    archive = await ok(await graph.get("/me/mailFolders/archive"))
    assert moved["parentFolderId"] == archive["id"]
    await error(await graph.get(f"/me/messages/{enc(original['id'])}"), 404, "ErrorItemNotFound")
    copied = await ok(
        await graph.post(f"/me/messages/{enc(moved['id'])}/copy", json={"destinationId": "deleteditems"}), 201
    )
    assert copied["id"] != moved["id"]
    await ok(await graph.get(f"/me/messages/{enc(moved['id'])}"))
    await error(
        await graph.post(f"/me/messages/{enc(moved['id'])}/move", json={"destinationId": "nowhere"}),
        404,
        "ErrorItemNotFound",
    )
    await error(await graph.post(f"/me/messages/{enc(moved['id'])}/move", json={}), 400, "ErrorInvalidParameter")


async def test_patch_flags_and_rejects_unknown_fields(graph: httpx.AsyncClient) -> None:
    path = f"/me/messages/{enc(ENCODED_MESSAGE_ID)}"
    updated = await ok(
        await graph.patch(
            path, json={"isRead": False, "flag": {"flagStatus": "complete"}, "categories": ["Finance", "Important"]}
        )
    )
    assert updated["isRead"] is False and updated["flag"]["flagStatus"] == "complete"
    assert updated["categories"] == ["Finance", "Important"]
    await error(await graph.patch(path, json={"flag": "flagged"}), 400, "RequestBodyRead")
    await error(await graph.patch(path, json={"mood": "happy"}), 400, "RequestBodyRead")


async def test_delete_message(graph: httpx.AsyncClient) -> None:
    message = await first_inbox_message(graph)
    await ok(await graph.delete(f"/me/messages/{enc(message['id'])}"), 204)
    await error(await graph.get(f"/me/messages/{enc(message['id'])}"), 404, "ErrorItemNotFound")


# --- attachments ---------------------------------------------------------------------------------------------


async def test_attachments_list_add_get_delete(graph: httpx.AsyncClient) -> None:
    base = f"/me/messages/{enc(ENCODED_MESSAGE_ID)}/attachments"
    listed = await ok(await graph.get(base))
    assert [a["name"] for a in listed["value"]] == ["q3-figures.csv"]
    assert base64.b64decode(listed["value"][0]["contentBytes"]).startswith(b"region,")
    added = await ok(
        await graph.post(
            base,
            json={"@odata.type": "#microsoft.graph.fileAttachment", "name": "notes.txt", "contentBytes": "bm90ZXM="},
        ),
        201,
    )
    assert added["size"] == 5 and added["contentType"] == "text/plain"
    fetched = await ok(await graph.get(f"{base}/{enc(added['id'])}"))
    assert fetched["name"] == "notes.txt"
    await ok(await graph.delete(f"{base}/{enc(added['id'])}"), 204)
    assert len((await ok(await graph.get(base)))["value"]) == 1
    await error(await graph.post(base, json={"name": "bad.txt", "contentBytes": "not base64!"}), 400, "RequestBodyRead")
    await error(await graph.post(base, json={"contentBytes": "bm90ZXM="}), 400, "ErrorInvalidProperty")


async def test_upload_session_accepts_chunks(graph: httpx.AsyncClient) -> None:
    base = f"/me/messages/{enc(ENCODED_MESSAGE_ID)}/attachments"
    data = bytes(range(256)) * 40
    session = await ok(
        await graph.post(
            f"{base}/createUploadSession",
            json={"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": len(data)}},
        ),
        201,
    )
    url = session["uploadUrl"]
    assert url.startswith(SANDBOX_GRAPH_URL + "/v1.0/") and session["nextExpectedRanges"] == ["0-"]
    half = len(data) // 2
    first = await graph.put(url, content=data[:half], headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"})
    assert (await ok(first))["nextExpectedRanges"] == [f"{half}-"]
    wrong = await graph.put(url, content=data[:10], headers={"Content-Range": f"bytes 0-9/{len(data)}"})
    assert wrong.status_code == 416
    last = await graph.put(
        url, content=data[half:], headers={"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"}
    )
    assert last.status_code == 201 and "/attachments/" in last.headers["Location"]
    names = {a["name"]: a for a in (await ok(await graph.get(base)))["value"]}
    assert base64.b64decode(names["big.bin"]["contentBytes"]) == data
    await error(
        await graph.post(f"{base}/createUploadSession", json={"AttachmentItem": {"name": "x"}}),
        400,
        "ErrorInvalidParameter",
    )


# --- rules, overrides, categories, settings, tips -------------------------------------------------------------


async def test_message_rules_crud(graph: httpx.AsyncClient) -> None:
    base = "/me/mailFolders/inbox/messageRules"
    rules = (await ok(await graph.get(base)))["value"]
    assert [r["sequence"] for r in rules] == sorted(r["sequence"] for r in rules) and len(rules) == 3
    created = await ok(
        await graph.post(
            base,
            json={
                "displayName": "Boss mail",
                "conditions": {"fromAddresses": [{"emailAddress": {"address": "d@x.example"}}]},
                "actions": {"markImportance": "high"},
            },
        ),
        201,
    )
    assert created["sequence"] == 4 and created["isEnabled"]
    updated = await ok(await graph.patch(f"{base}/{enc(created['id'])}", json={"isEnabled": False}))
    assert updated["isEnabled"] is False
    await ok(await graph.delete(f"{base}/{enc(created['id'])}"), 204)
    await error(await graph.delete(f"{base}/{enc(created['id'])}"), 404, "ErrorItemNotFound")
    await error(await graph.get("/me/mailFolders/archive/messageRules"), 400, "ErrorInvalidRequest")
    await error(await graph.post(base, json={"sequence": 1}), 400, "ErrorInvalidParameter")


async def test_focused_inbox_overrides_crud(graph: httpx.AsyncClient) -> None:
    base = "/me/inferenceClassification/overrides"
    assert len((await ok(await graph.get(base)))["value"]) == 3
    created = await ok(
        await graph.post(
            base,
            json={
                "classifyAs": "other",
                "senderEmailAddress": {"name": "Deals", "address": "deals@cheap-offers.example"},
            },
        ),
        201,
    )
    again = await ok(
        await graph.post(
            base, json={"classifyAs": "focused", "senderEmailAddress": {"address": "DEALS@cheap-offers.example"}}
        ),
        201,
    )
    assert again["id"] == created["id"] and again["classifyAs"] == "focused"
    patched = await ok(await graph.patch(f"{base}/{enc(created['id'])}", json={"classifyAs": "other"}))
    assert patched["classifyAs"] == "other"
    await error(await graph.patch(f"{base}/{enc(created['id'])}", json={"classifyAs": "maybe"}), 400, "RequestBodyRead")
    await ok(await graph.delete(f"{base}/{enc(created['id'])}"), 204)
    await error(await graph.delete(f"{base}/{enc(created['id'])}"), 404, "ErrorItemNotFound")


async def test_master_categories(graph: httpx.AsyncClient) -> None:
    base = "/me/outlook/masterCategories"
    names = [c["displayName"] for c in (await ok(await graph.get(base)))["value"]]
    assert "Finance" in names
    created = await ok(await graph.post(base, json={"displayName": "Vendors", "color": "preset12"}), 201)
    assert created["color"] == "preset12"
    await error(await graph.post(base, json={"displayName": "vendors"}), 409, "ErrorDuplicateName")
    await error(await graph.post(base, json={"displayName": "Odd", "color": "purple"}), 400, "RequestBodyRead")


async def test_mailbox_settings_get_and_patch(graph: httpx.AsyncClient) -> None:
    settings = await ok(await graph.get("/me/mailboxSettings"))
    assert settings["timeZone"] == "Pacific Standard Time"
    assert settings["automaticRepliesSetting"]["status"] == "disabled"
    patched = await ok(
        await graph.patch(
            "/me/mailboxSettings",
            json={"automaticRepliesSetting": {"status": "alwaysEnabled", "internalReplyMessage": "On holiday"}},
        )
    )
    assert patched["automaticRepliesSetting"]["status"] == "alwaysEnabled"
    assert patched["automaticRepliesSetting"]["externalAudience"] == "all"  # merged, not replaced
    selected = await ok(await graph.get("/me/mailboxSettings", params={"$select": "timeZone"}))
    assert fields(selected) == {"timeZone"}
    await error(
        await graph.patch("/me/mailboxSettings", json={"automaticRepliesSetting": {"status": "sometimes"}}),
        400,
        "RequestBodyRead",
    )
    await error(await graph.patch("/me/mailboxSettings", json={"favouriteColour": "red"}), 400, "RequestBodyRead")


async def test_mail_tips(graph: httpx.AsyncClient) -> None:
    tips = await ok(
        await graph.post(
            "/me/getMailTips",
            json={
                "EmailAddresses": ["megan@contoso.sandbox", "lidia.holloway@fabrikam.example", "ghost@contoso.sandbox"],
                "MailTipsOptions": "automaticReplies, mailboxFullStatus, recipientScope",
            },
        )
    )
    megan, lidia, ghost = tips["value"]
    assert "out of the office" in megan["automaticReplies"]["message"] and megan["recipientScope"] == "internal"
    assert lidia["automaticReplies"]["message"] == "" and lidia["recipientScope"] == "external"
    assert ghost["error"]["code"] == "ErrorInvalidRecipients"
    await error(
        await graph.post("/me/getMailTips", json={"EmailAddresses": ["a@b.example"]}), 400, "ErrorInvalidParameter"
    )


async def test_supported_time_zones_and_languages(graph: httpx.AsyncClient) -> None:
    windows = await ok(await graph.get("/me/outlook/supportedTimeZones(TimeZoneStandard='Windows')"))
    assert {"alias": "Pacific Standard Time", "displayName": "(UTC-08:00) Pacific Time (US & Canada)"} in windows[
        "value"
    ]
    iana = await ok(await graph.get("/me/outlook/supportedTimeZones(TimeZoneStandard=%27Iana%27)"))
    assert "Europe/London" in [z["alias"] for z in iana["value"]]
    default = await ok(await graph.get("/me/outlook/supportedTimeZones()"))
    assert default["value"] == windows["value"]
    await error(await graph.get("/me/outlook/supportedTimeZones(TimeZoneStandard='Olson')"), 400, "BadRequest")
    languages = await ok(await graph.get("/me/outlook/supportedLanguages()"))
    assert {"locale": "en-US", "displayName": "English (United States)"} in languages["value"]


# --- delta -----------------------------------------------------------------------------------------------------


async def test_delta_returns_changes_since_the_delta_link(graph: httpx.AsyncClient) -> None:
    page = await ok(await graph.get("/me/mailFolders/inbox/messages/delta()", params={"$select": "subject"}))
    ids: list[str] = [m["id"] for m in page["value"]]
    while "@odata.nextLink" in page:
        page = await ok(await graph.get(page["@odata.nextLink"]))
        ids += [m["id"] for m in page["value"]]
    inbox = await ok(await graph.get("/me/mailFolders/inbox"))
    assert len(ids) == inbox["totalItemCount"]
    delta_link = page["@odata.deltaLink"]
    assert "$deltatoken=" in delta_link and "$select=subject" in delta_link

    quiet = await ok(await graph.get(delta_link))
    assert quiet["value"] == [] and "@odata.deltaLink" in quiet
    await ok(await graph.patch(f"/me/messages/{enc(ids[0])}", json={"isRead": True}))
    await ok(await graph.delete(f"/me/messages/{enc(ids[1])}"), 204)
    changes = await ok(await graph.get(delta_link))
    assert {"id": ids[1], "@removed": {"reason": "deleted"}} in changes["value"]
    assert ids[0] in [c["id"] for c in changes["value"] if "@removed" not in c]
    await error(
        await graph.get("/me/mailFolders/inbox/messages/delta", params={"$deltatoken": "???"}), 400, "SyncStateInvalid"
    )


# --- shared mailboxes ------------------------------------------------------------------------------------------


async def test_shared_mailbox_routes(graph: httpx.AsyncClient, tenant: SandboxTenant) -> None:
    base = f"/users/{SHARED_MAILBOX}"
    listed = await ok(await graph.get(f"{base}/messages", params={"$top": "50"}))
    assert len(listed["value"]) >= 10
    assert all(
        m["toRecipients"][0]["emailAddress"]["address"] == SHARED_MAILBOX
        for m in listed["value"]
        if m["from"]["emailAddress"]["address"] != SHARED_MAILBOX
    )
    ticket = (await ok(await graph.get(f"{base}/mailFolders/inbox/messages", params={"$top": "1"})))["value"][0]
    fetched = await ok(await graph.get(f"{base}/messages/{enc(ticket['id'])}"))
    assert fetched["subject"] == ticket["subject"]
    await ok(await graph.patch(f"{base}/messages/{enc(ticket['id'])}", json={"isRead": True}))
    draft = await ok(
        await graph.post(f"{base}/messages/{enc(ticket['id'])}/createReply", json={"comment": "On it"}), 201
    )
    assert draft["from"]["emailAddress"]["address"] == SHARED_MAILBOX
    assert (await graph.post(f"{base}/messages/{enc(draft['id'])}/send")).status_code == 202
    assert (
        await graph.post(
            f"{base}/sendMail",
            json={
                "message": {
                    "subject": "Status update",
                    "toRecipients": [{"emailAddress": {"address": "adele@contoso.sandbox"}}],
                }
            },
        )
    ).status_code == 202
    mine = mailboxes(tenant)[tenant.me.id]
    assert any(
        m["subject"] == "Status update" and m["from"]["emailAddress"]["address"] == SHARED_MAILBOX
        for m in mine.messages.values()
    )
    moved = await ok(
        await graph.post(f"{base}/messages/{enc(ticket['id'])}/move", json={"destinationId": "archive"}), 201
    )
    assert moved["id"] != ticket["id"]
    await error(await graph.get("/users/alex@contoso.sandbox/messages"), 403, "ErrorAccessDenied")
    await error(await graph.get("/users/nobody@contoso.sandbox/messages"), 404, "ErrorInvalidUser")


async def test_delta_refuses_what_graph_refuses(graph: httpx.AsyncClient) -> None:
    """message-delta.md: $filter only receivedDateTime ge/gt, $orderby only receivedDateTime desc, no $search."""
    url = "/me/mailFolders/inbox/messages/delta()"
    recent = await ok(
        await graph.get(
            url, params={"$filter": "receivedDateTime ge 2000-01-01T00:00:00Z", "$orderby": "receivedDateTime desc"}
        )
    )
    assert recent["value"]
    for params in ({"$filter": "isRead eq false"}, {"$orderby": "subject"}, {"$search": '"budget"'}):
        await error(await graph.get(url, params=params), 400, "ErrorInvalidUrlQuery")
