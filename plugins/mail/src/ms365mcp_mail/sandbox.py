"""The sandbox's Outlook mail routes: every Graph call the mail tools make, answered like Graph.

Routes are served under ``/me`` and ``/users/{userId}``; a user may open their own mailbox and
the shared support mailbox, and gets Graph's 403 for anybody else's.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from html import escape
from typing import Any
from urllib.parse import quote

from bs4 import BeautifulSoup
from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, odata_context, option, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant
from ms365mcp_mail.mailbox import (
    Mailbox,
    bad_body,
    check_recipients,
    html_to_text,
    now_iso,
    preview,
    recipient,
)
from ms365mcp_mail.seed import SHARED_MAILBOX, empty_mailbox, seed
from ms365mcp_mail.tools import DELTA_FILTER, DELTA_ORDERBY

#: Where the mailboxes live in ``tenant.store``.
STORE_KEY = "mail"
MESSAGE_SEARCH_FIELDS = (
    "subject",
    "bodyPreview",
    "from/emailAddress/address",
    "from/emailAddress/name",
    "toRecipients/emailAddress/address",
    "toRecipients/emailAddress/name",
)
NOT_FOUND = "The specified object was not found in the store."

Handler = Callable[[SandboxRequest], Awaitable[Any]]


# --- helpers --------------------------------------------------------------------------------------


def mailboxes(tenant: SandboxTenant) -> dict[str, Mailbox]:
    """Every mailbox of the tenant, by user id."""
    return tenant.store[STORE_KEY]


def mailbox_for(request: SandboxRequest) -> Mailbox:
    """The mailbox a request addresses (``/me`` or ``/users/{userId}``), created empty on first use.

    Raises:
        GraphError: 403 ErrorAccessDenied for another user's private mailbox.
    """
    owner = request.target_user()
    if owner.id != request.user.id and owner.mail.lower() != SHARED_MAILBOX:
        raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    boxes = mailboxes(request.tenant)
    if owner.id not in boxes:
        boxes[owner.id] = empty_mailbox(owner)
    return boxes[owner.id]


def _wants_text(request: SandboxRequest) -> bool:
    return (request.prefer("outlook.body-content-type") or "").lower() == "text"


def _expands_attachments(request: SandboxRequest) -> bool:
    return "attachments" in (option(request, "expand") or "").lower()


def respond(request: SandboxRequest, payload: Any, status: int = 200) -> Response:
    """JSON with Graph's ``Preference-Applied`` header when a text body was asked for."""
    headers = {"Preference-Applied": 'outlook.body-content-type="text"'} if _wants_text(request) else None
    return JSONResponse(payload, status_code=status, headers=headers)


def accepted() -> Response:
    """Graph's 202 with an empty body (send, reply, forward)."""
    return Response(status_code=202)


def _view(request: SandboxRequest, mailbox: Mailbox, message: dict[str, Any]) -> dict[str, Any]:
    return mailbox.message_view(
        message, text_body=_wants_text(request), expand_attachments=_expands_attachments(request)
    )


def _message_entity(request: SandboxRequest, mailbox: Mailbox, message: dict[str, Any]) -> dict[str, Any]:
    """A single message answer, with an ``@odata.context`` naming the messages collection."""
    view = _view(request, mailbox, message)
    owner = quote(mailbox.owner.id, safe="")
    context = f"{request.base_url}/v1.0/$metadata#users('{owner}')/messages/$entity"
    return {"@odata.context": context, **{k: v for k, v in view.items() if k != "@odata.context"}}


# --- folders ----------------------------------------------------------------------------------------

FOLDER_FIELDS = {"displayName", "isHidden"}


def _folder_list(request: SandboxRequest, mailbox: Mailbox, parent_id: str) -> dict[str, Any]:
    include_hidden = (request.query.get("includeHiddenFolders") or "").lower() == "true"
    items = [mailbox.folder_view(f) for f in mailbox.children(parent_id) if include_hidden or not f["isHidden"]]
    return list_page(request, items, search_fields=("displayName",))


async def list_folders(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return _folder_list(request, mailbox, mailbox.root_id)


async def list_child_folders(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return _folder_list(request, mailbox, mailbox.folder_id(request.params["mailFolderId"]))


def _create_folder(request: SandboxRequest, parent_id: str) -> Response:
    mailbox = mailbox_for(request)
    body = json_object(request)
    refuse_unknown(body, FOLDER_FIELDS, "mailFolder")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "ErrorInvalidParameter", "The displayName of the folder is missing or empty.")
    if any(f["displayName"].lower() == name.lower() for f in mailbox.children(parent_id)):
        raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")
    folder = mailbox.add_folder(name, parent_id)
    folder["isHidden"] = bool(body.get("isHidden", False))
    return JSONResponse(
        {"@odata.context": odata_context(request, "/$entity"), **mailbox.folder_view(folder)}, status_code=201
    )


async def create_folder(request: SandboxRequest) -> Any:
    return _create_folder(request, mailbox_for(request).root_id)


async def create_child_folder(request: SandboxRequest) -> Any:
    return _create_folder(request, mailbox_for(request).folder_id(request.params["mailFolderId"]))


async def get_folder(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    folder = mailbox.folders[mailbox.folder_id(request.params["mailFolderId"])]
    return select_item(request, mailbox.folder_view(folder))


async def update_folder(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    folder = mailbox.folders[mailbox.folder_id(request.params["mailFolderId"])]
    body = json_object(request)
    refuse_unknown(body, {"displayName"}, "mailFolder")
    name = body.get("displayName")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidParameter", "The displayName of the folder can't be empty.")
        siblings = [f for f in mailbox.children(folder["parentFolderId"]) if f["id"] != folder["id"]]
        if any(f["displayName"].lower() == name.lower() for f in siblings):
            raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")
        folder["displayName"] = name
    return {"@odata.context": odata_context(request, "/$entity"), **mailbox.folder_view(folder)}


async def delete_folder(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    folder_id = mailbox.folder_id(request.params["mailFolderId"])
    if folder_id in mailbox.well_known.values() or folder_id == mailbox.root_id:
        raise GraphError(400, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.")
    for doomed in mailbox.descendants(folder_id):
        for message_id in [m["id"] for m in mailbox.messages.values() if m["parentFolderId"] == doomed]:
            mailbox.forget(message_id)
        del mailbox.folders[doomed]
    return None


# --- messages -----------------------------------------------------------------------------------------


def _message_list(request: SandboxRequest, mailbox: Mailbox, folder_id: str | None) -> Response:
    messages = [m for m in mailbox.messages.values() if folder_id is None or m["parentFolderId"] == folder_id]
    messages.sort(key=lambda m: m["receivedDateTime"] or "", reverse=True)
    items = [_view(request, mailbox, m) for m in messages]
    return respond(request, list_page(request, items, search_fields=MESSAGE_SEARCH_FIELDS))


async def list_messages(request: SandboxRequest) -> Any:
    return _message_list(request, mailbox_for(request), None)


async def list_folder_messages(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return _message_list(request, mailbox, mailbox.folder_id(request.params["mailFolderId"]))


async def create_message(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    message = mailbox.new_message(json_object(request), mailbox.well_known["drafts"], draft=True)
    return respond(request, _message_entity(request, mailbox, message), 201)


async def create_folder_message(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    folder_id = mailbox.folder_id(request.params["mailFolderId"])
    message = mailbox.new_message(json_object(request), folder_id, draft=True)
    return respond(request, _message_entity(request, mailbox, message), 201)


async def get_message(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    message = mailbox.message(request.params["messageId"])
    return respond(request, select_item(request, _message_entity(request, mailbox, message)))


async def update_message(request: SandboxRequest) -> Any:
    from ms365mcp_mail.mailbox import apply_message_fields

    mailbox = mailbox_for(request)
    message = mailbox.message(request.params["messageId"])
    body = json_object(request)
    if "attachments" in body:
        raise bad_body("Attachments can't be changed with PATCH; use the attachments collection.")
    updated = dict(message)
    apply_message_fields(updated, body)
    message.update(updated)
    mailbox.touch(message["id"])
    return respond(request, _message_entity(request, mailbox, message))


async def delete_message(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    mailbox.message(request.params["messageId"])
    mailbox.forget(request.params["messageId"])
    return None


def _destination(mailbox: Mailbox, request: SandboxRequest) -> str:
    body = json_object(request)
    destination = body.get("destinationId")
    if not isinstance(destination, str) or not destination:
        raise GraphError(400, "ErrorInvalidParameter", "The destinationId parameter is missing.")
    try:
        return mailbox.folder_id(destination)
    except GraphError:
        raise GraphError(404, "ErrorItemNotFound", "The destination folder was not found.") from None


def _clone(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("id", "parentFolderId", "changeKey", "webLink")}


async def move_message(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    message = mailbox.message(request.params["messageId"])
    destination = _destination(mailbox, request)
    attachments = mailbox.attachments.get(message["id"], [])
    mailbox.forget(message["id"])
    moved = mailbox.put(_clone(message), destination, attachments=attachments)
    return respond(request, _message_entity(request, mailbox, moved), 201)


async def copy_message(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    message = mailbox.message(request.params["messageId"])
    destination = _destination(mailbox, request)
    copied = mailbox.put(_clone(message), destination, attachments=mailbox.attachments.get(message["id"], []))
    return respond(request, _message_entity(request, mailbox, copied), 201)


# --- sending --------------------------------------------------------------------------------------------


def _deliver(tenant: SandboxTenant, message: dict[str, Any], attachments: list[dict[str, Any]]) -> None:
    """Drop a copy into the Inbox of every sandbox user among the recipients (Bcc stays hidden)."""
    seen: set[str] = set()
    for field in ("toRecipients", "ccRecipients", "bccRecipients"):
        for entry in message.get(field, []):
            user = tenant.find_user(entry["emailAddress"]["address"])
            if user is None or user.id in seen:
                continue
            seen.add(user.id)
            boxes = mailboxes(tenant)
            box = boxes.setdefault(user.id, empty_mailbox(user))
            copy = {
                **_clone(message),
                "isRead": False,
                "isDraft": False,
                "bccRecipients": [],
                "receivedDateTime": now_iso(),
                "inferenceClassification": "focused",
            }
            box.put(copy, box.well_known["inbox"], attachments=attachments)


def _require_recipients(message: dict[str, Any]) -> None:
    if not any(message.get(f) for f in ("toRecipients", "ccRecipients", "bccRecipients")):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient is required, but none were found.")


def _send(
    request: SandboxRequest,
    mailbox: Mailbox,
    message: dict[str, Any],
    attachments: list[dict[str, Any]],
    *,
    save: bool = True,
) -> None:
    """Deliver a finished message and keep a copy in Sent Items."""
    _require_recipients(message)
    stamp = now_iso()
    message.update(isDraft=False, isRead=True, sentDateTime=stamp, receivedDateTime=stamp)
    _deliver(request.tenant, message, attachments)
    if save:
        mailbox.put(_clone(message), mailbox.well_known["sentitems"], attachments=attachments)


async def send_mail(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    body = json_object(request)
    refuse_unknown(body, {"message", "saveToSentItems"}, "sendMail")
    fields = body.get("message")
    if not isinstance(fields, dict):
        raise GraphError(400, "ErrorInvalidParameter", "The message parameter is missing.")
    message, raw_attachments = mailbox.build_message(fields, draft=False)
    _require_recipients(message)
    save = body.get("saveToSentItems", True)
    save = str(save).lower() != "false"
    # Attachments are validated by storing the message first (in Sent Items, or briefly in Drafts).
    holder = mailbox.well_known["sentitems"] if save else mailbox.well_known["drafts"]
    stored = mailbox.store(message, holder, raw_attachments)
    attachments = list(mailbox.attachments.get(stored["id"], []))
    message = dict(stored)
    mailbox.messages.pop(stored["id"])
    mailbox.attachments.pop(stored["id"], None)
    _send(request, mailbox, _clone(message), attachments, save=save)
    return accepted()


async def send_draft(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    draft = mailbox.message(request.params["messageId"])
    if not draft.get("isDraft"):
        raise GraphError(400, "ErrorInvalidOperation", "Only draft messages can be sent.")
    _require_recipients(draft)
    attachments = list(mailbox.attachments.get(draft["id"], []))
    mailbox.forget(draft["id"])
    _send(request, mailbox, _clone(draft), attachments)
    return accepted()


def _prefixed(prefix: str, subject: str) -> str:
    return subject if subject.lower().startswith(prefix.lower()) else f"{prefix} {subject}"


def _quoted(original: dict[str, Any], comment: str) -> str:
    """The new body: the comment above Outlook's header block and the original message."""
    body = original["body"]
    if body["contentType"] == "html":
        soup = BeautifulSoup(body["content"], "html.parser")
        inner = soup.body.decode_contents() if soup.body else body["content"]
    else:
        inner = escape(body["content"]).replace("\n", "<br>")
    sender = original.get("from") or {"emailAddress": {"name": "", "address": ""}}
    to = "; ".join(r["emailAddress"].get("name") or r["emailAddress"]["address"] for r in original["toRecipients"])
    header = (
        f"<b>From:</b> {escape(sender['emailAddress'].get('name', ''))} "
        f"&lt;{escape(sender['emailAddress']['address'])}&gt;<br>"
        f"<b>Sent:</b> {escape(original.get('sentDateTime') or original['receivedDateTime'])}<br>"
        f"<b>To:</b> {escape(to)}<br><b>Subject:</b> {escape(original['subject'])}"
    )
    comment_html = escape(comment).replace("\n", "<br>")
    return f"<html><body><div>{comment_html}</div><hr><div>{header}</div><div>{inner}</div></body></html>"


def _response_message(
    mailbox: Mailbox, original: dict[str, Any], kind: str, body: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The reply, reply-all or forward of ``original`` (not stored yet) and the attachments it carries."""
    refuse_unknown(body, {"comment", "message", "toRecipients"}, kind)
    comment = body.get("comment") or ""
    if not isinstance(comment, str):
        raise bad_body("comment must be a string.")
    own = mailbox.owner.mail.lower()
    fields: dict[str, Any] = {"body": {"contentType": "html", "content": _quoted(original, comment)}}
    attachments: list[dict[str, Any]] = []
    if kind == "forward":
        fields["subject"] = _prefixed("FW:", original["subject"])
        fields["toRecipients"] = check_recipients(body.get("toRecipients", []), "toRecipients")
        attachments = [dict(a) for a in mailbox.attachments.get(original["id"], [])]
    else:
        fields["subject"] = _prefixed("RE:", original["subject"])
        to = list(original.get("replyTo") or []) or [original["from"]]
        cc: list[dict[str, Any]] = []
        if kind == "replyAll":
            to += [r for r in original["toRecipients"] if r["emailAddress"]["address"].lower() != own]
            cc = [r for r in original["ccRecipients"] if r["emailAddress"]["address"].lower() != own]
        if original["from"]["emailAddress"]["address"].lower() == own:  # replying to one's own sent mail
            to += original["toRecipients"]
        others = [r for r in to if r["emailAddress"]["address"].lower() != own]
        fields["toRecipients"] = _dedupe(others or to)
        fields["ccRecipients"] = _dedupe(cc)
    extra = body.get("message") or {}
    if not isinstance(extra, dict):
        raise bad_body("message must be an object.")
    fields.update({k: v for k, v in extra.items() if k != "attachments"})
    message, _ = mailbox.build_message(fields, draft=True)
    message["conversationId"] = original["conversationId"]
    return message, attachments + list(extra.get("attachments") or [])


def _dedupe(recipients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique = []
    for entry in recipients:
        address = entry["emailAddress"]["address"].lower()
        if address not in seen:
            seen.add(address)
            unique.append(entry)
    return unique


def _respond_now(kind: str) -> Handler:
    async def handler(request: SandboxRequest) -> Any:
        mailbox = mailbox_for(request)
        original = mailbox.message(request.params["messageId"])
        message, attachments = _response_message(mailbox, original, kind, json_object(request))
        stored = mailbox.store(message, mailbox.well_known["drafts"], attachments)
        carried = list(mailbox.attachments.get(stored["id"], []))
        mailbox.messages.pop(stored["id"])
        mailbox.attachments.pop(stored["id"], None)
        _send(request, mailbox, _clone(stored), carried)
        return accepted()

    return handler


def _respond_draft(kind: str) -> Handler:
    async def handler(request: SandboxRequest) -> Any:
        mailbox = mailbox_for(request)
        original = mailbox.message(request.params["messageId"])
        message, attachments = _response_message(mailbox, original, kind, json_object(request))
        stored = mailbox.store(message, mailbox.well_known["drafts"], attachments)
        return respond(request, _message_entity(request, mailbox, stored), 201)

    return handler


# --- MIME --------------------------------------------------------------------------------------------------


def _address_header(recipients: list[dict[str, Any]]) -> str:
    return ", ".join(
        formataddr((r["emailAddress"].get("name") or "", r["emailAddress"]["address"])) for r in recipients
    )


def render_mime(mailbox: Mailbox, message: dict[str, Any]) -> bytes:
    """The message as RFC 822 bytes, the way ``GET .../$value`` returns it."""
    mime = EmailMessage()
    sender = message.get("from") or recipient(mailbox.owner.mail, mailbox.owner.displayName)
    mime["From"] = _address_header([sender])
    if message["toRecipients"]:
        mime["To"] = _address_header(message["toRecipients"])
    if message["ccRecipients"]:
        mime["Cc"] = _address_header(message["ccRecipients"])
    mime["Subject"] = message["subject"]
    stamp = message.get("sentDateTime") or message["receivedDateTime"]
    mime["Date"] = format_datetime(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
    mime["Message-ID"] = message["internetMessageId"]
    if message["importance"] != "normal":
        mime["Importance"] = message["importance"]
    body = message["body"]
    if body["contentType"] == "html":
        mime.set_content(html_to_text(body["content"]))
        mime.add_alternative(body["content"], subtype="html")
    else:
        mime.set_content(body["content"])
    for attachment in mailbox.attachments.get(message["id"], []):
        if "contentBytes" not in attachment:
            continue
        maintype, _, subtype = attachment["contentType"].partition("/")
        mime.add_attachment(
            base64.b64decode(attachment["contentBytes"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["name"],
        )
    return mime.as_bytes(policy=SMTP)


async def get_mime(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    message = mailbox.message(request.params["messageId"])
    return Response(render_mime(mailbox, message), media_type="text/plain")


# --- attachments --------------------------------------------------------------------------------------------


async def list_attachments(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    mailbox.message(request.params["messageId"])
    items = [dict(a) for a in mailbox.attachments.get(request.params["messageId"], [])]
    return list_page(request, items, search_fields=("name",), default_top=1000)


async def add_attachment(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    attachment = mailbox.add_attachment(request.params["messageId"], json_object(request))
    return JSONResponse({"@odata.context": odata_context(request, "/$entity"), **attachment}, status_code=201)


def _attachment(mailbox: Mailbox, request: SandboxRequest) -> dict[str, Any]:
    mailbox.message(request.params["messageId"])
    for attachment in mailbox.attachments.get(request.params["messageId"], []):
        if attachment["id"] == request.params["attachmentId"]:
            return attachment
    raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)


async def get_attachment(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return select_item(request, _attachment(mailbox, request))


async def delete_attachment(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    attachment = _attachment(mailbox, request)
    mailbox.attachments[request.params["messageId"]].remove(attachment)
    mailbox.touch(request.params["messageId"])
    return None


MAX_UPLOAD = 150 * 1024 * 1024


async def create_upload_session(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    message = mailbox.message(request.params["messageId"])
    body = json_object(request)
    item = body.get("AttachmentItem")
    if not isinstance(item, dict) or not item.get("name") or not isinstance(item.get("size"), int):
        raise GraphError(400, "ErrorInvalidParameter", "AttachmentItem with name and size is required.")
    if item["size"] <= 0 or item["size"] > MAX_UPLOAD:
        raise GraphError(
            400,
            "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize" if item["size"] <= 0 else "ErrorRequestEntityTooLarge",
            "The attachment size must be between 1 byte and 150 MB.",
        )
    session_id = secrets.token_urlsafe(12)
    expires = now_iso(datetime.now(UTC) + timedelta(hours=1))
    mailbox.upload_sessions[session_id] = {
        "messageId": message["id"],
        "item": item,
        "data": bytearray(),
        "expires": expires,
    }
    owner = quote(mailbox.owner.id, safe="")
    message_part = quote(message["id"], safe="")
    url = f"{request.base_url}/v1.0/users/{owner}/messages/{message_part}/attachmentSessions/{session_id}"
    return JSONResponse(
        {
            "@odata.context": f"{request.base_url}/v1.0/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": url,
            "expirationDateTime": expires,
            "nextExpectedRanges": ["0-"],
        },
        status_code=201,
    )


_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


async def upload_chunk(request: SandboxRequest) -> Any:
    """``PUT uploadUrl`` with ``Content-Range``: 200 with the next range until the last byte, then 201."""
    mailbox = mailbox_for(request)
    session = mailbox.upload_sessions.get(request.params["sessionId"])
    if session is None or session["messageId"] != request.params["messageId"]:
        raise GraphError(404, "ErrorItemNotFound", "The upload session was not found or has expired.")
    match = _RANGE.match(request.headers.get("content-range", ""))
    if match is None:
        raise GraphError(400, "ErrorInvalidContentRange", "A Content-Range header like 'bytes 0-99/200' is required.")
    start, end, total = (int(g) for g in match.groups())
    data: bytearray = session["data"]
    if start != len(data) or end - start + 1 != len(request.body) or total != session["item"]["size"]:
        raise GraphError(416, "ErrorInvalidContentRange", f"Expected the range starting at byte {len(data)}.")
    data.extend(request.body)
    if len(data) < total:
        return {"expirationDateTime": session["expires"], "nextExpectedRanges": [f"{len(data)}-"]}
    del mailbox.upload_sessions[request.params["sessionId"]]
    item = session["item"]
    fields = {
        "name": item["name"],
        "contentType": item.get("contentType"),
        "contentBytes": base64.b64encode(bytes(data)).decode(),
    }
    attachment = mailbox.add_attachment(session["messageId"], fields, limit=MAX_UPLOAD)
    location = (
        f"{request.base_url}/v1.0/users/{quote(mailbox.owner.id, safe='')}/messages/"
        f"{quote(session['messageId'], safe='')}/attachments/{quote(attachment['id'], safe='')}"
    )
    return Response(status_code=201, headers={"Location": location})


# --- rules, overrides, categories, settings -------------------------------------------------------------------

RULE_FIELDS = {"displayName", "sequence", "isEnabled", "conditions", "actions", "exceptions"}


def _inbox_rules(request: SandboxRequest) -> Mailbox:
    mailbox = mailbox_for(request)
    if mailbox.folder_id(request.params["mailFolderId"]) != mailbox.well_known["inbox"]:
        raise GraphError(400, "ErrorInvalidRequest", "Message rules exist only on the Inbox; use mailFolderId 'inbox'.")
    return mailbox


def _check_rule(body: dict[str, Any], *, creating: bool) -> None:
    refuse_unknown(body, RULE_FIELDS, "messageRule")
    if creating and not isinstance(body.get("displayName"), str):
        raise GraphError(400, "ErrorInvalidParameter", "displayName is required for a message rule.")
    if "sequence" in body and (not isinstance(body["sequence"], int) or body["sequence"] < 1):
        raise bad_body("sequence must be a positive integer.")
    for key in ("conditions", "actions", "exceptions"):
        if key in body and not isinstance(body[key], dict):
            raise bad_body(f"{key} must be an object.")


async def list_rules(request: SandboxRequest) -> Any:
    mailbox = _inbox_rules(request)
    items = sorted(mailbox.rules.values(), key=lambda r: r["sequence"])
    return list_page(request, [dict(r) for r in items], search_fields=("displayName",), default_top=1000)


async def create_rule(request: SandboxRequest) -> Any:
    mailbox = _inbox_rules(request)
    body = json_object(request)
    _check_rule(body, creating=True)
    rule_id = mailbox.new_id()
    sequence = body.get("sequence") or max((r["sequence"] for r in mailbox.rules.values()), default=0) + 1
    rule = {
        "id": rule_id,
        "displayName": body["displayName"],
        "sequence": sequence,
        "isEnabled": bool(body.get("isEnabled", True)),
        "hasError": False,
        "isReadOnly": False,
        "conditions": body.get("conditions", {}),
        "actions": body.get("actions", {}),
    }
    if "exceptions" in body:
        rule["exceptions"] = body["exceptions"]
    mailbox.rules[rule_id] = rule
    return JSONResponse({"@odata.context": odata_context(request, "/$entity"), **rule}, status_code=201)


def _rule(mailbox: Mailbox, request: SandboxRequest) -> dict[str, Any]:
    rule = mailbox.rules.get(request.params["messageRuleId"])
    if rule is None:
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return rule


async def get_rule(request: SandboxRequest) -> Any:
    mailbox = _inbox_rules(request)
    return select_item(request, _rule(mailbox, request))


async def update_rule(request: SandboxRequest) -> Any:
    mailbox = _inbox_rules(request)
    rule = _rule(mailbox, request)
    body = json_object(request)
    _check_rule(body, creating=False)
    rule.update(body)
    return {"@odata.context": odata_context(request, "/$entity"), **rule}


async def delete_rule(request: SandboxRequest) -> Any:
    mailbox = _inbox_rules(request)
    del mailbox.rules[_rule(mailbox, request)["id"]]
    return None


def _check_override(body: dict[str, Any], *, creating: bool) -> None:
    refuse_unknown(body, {"classifyAs", "senderEmailAddress"}, "inferenceClassificationOverride")
    if (creating or "classifyAs" in body) and body.get("classifyAs") not in ("focused", "other"):
        raise bad_body(f"The value '{body.get('classifyAs')}' is not valid for classifyAs (focused or other).")
    sender = body.get("senderEmailAddress")
    if creating and not (isinstance(sender, dict) and isinstance(sender.get("address"), str)):
        raise GraphError(400, "ErrorInvalidParameter", "senderEmailAddress with an address is required.")


async def list_overrides(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return list_page(
        request,
        [dict(o) for o in mailbox.overrides.values()],
        search_fields=("senderEmailAddress/address", "senderEmailAddress/name"),
        default_top=1000,
    )


async def create_override(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    body = json_object(request)
    _check_override(body, creating=True)
    address = body["senderEmailAddress"]["address"]
    for existing in mailbox.overrides.values():  # Graph updates the override a sender already has
        if existing["senderEmailAddress"]["address"].lower() == address.lower():
            existing["classifyAs"] = body["classifyAs"]
            return JSONResponse({"@odata.context": odata_context(request, "/$entity"), **existing}, status_code=201)
    override_id = mailbox.new_id()
    override = {
        "id": override_id,
        "classifyAs": body["classifyAs"],
        "senderEmailAddress": {"name": body["senderEmailAddress"].get("name") or address, "address": address},
    }
    mailbox.overrides[override_id] = override
    return JSONResponse({"@odata.context": odata_context(request, "/$entity"), **override}, status_code=201)


def _override(mailbox: Mailbox, request: SandboxRequest) -> dict[str, Any]:
    override = mailbox.overrides.get(request.params["overrideId"])
    if override is None:
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return override


async def update_override(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    override = _override(mailbox, request)
    body = json_object(request)
    _check_override(body, creating=False)
    if "classifyAs" in body:
        override["classifyAs"] = body["classifyAs"]
    return {"@odata.context": odata_context(request, "/$entity"), **override}


async def delete_override(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    del mailbox.overrides[_override(mailbox, request)["id"]]
    return None


CATEGORY_COLORS = frozenset({"none"} | {f"preset{n}" for n in range(25)})


async def list_categories(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return list_page(
        request, [dict(c) for c in mailbox.categories.values()], search_fields=("displayName",), default_top=1000
    )


def _check_category(body: dict[str, Any]) -> None:
    refuse_unknown(body, {"displayName", "color"}, "outlookCategory")
    if "color" in body and body["color"] not in CATEGORY_COLORS:
        raise bad_body(f"The value '{body['color']}' is not a valid categoryColor (none, preset0 ... preset24).")


async def create_category(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    body = json_object(request)
    _check_category(body)
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "ErrorInvalidParameter", "displayName is required for a category.")
    if any(c["displayName"].lower() == name.lower() for c in mailbox.categories.values()):
        raise GraphError(409, "ErrorDuplicateName", f"A category named '{name}' already exists.")
    category_id = mailbox.new_guid()
    category = {"id": category_id, "displayName": name, "color": body.get("color", "none")}
    mailbox.categories[category_id] = category
    return JSONResponse({"@odata.context": odata_context(request, "/$entity"), **category}, status_code=201)


def _category(mailbox: Mailbox, request: SandboxRequest) -> dict[str, Any]:
    category = mailbox.categories.get(request.params["categoryId"])
    if category is None:
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return category


async def get_category(request: SandboxRequest) -> Any:
    return select_item(request, _category(mailbox_for(request), request))


async def update_category(request: SandboxRequest) -> Any:
    category = _category(mailbox_for(request), request)
    body = json_object(request)
    _check_category(body)
    if "displayName" in body:  # Graph keeps category names fixed once created
        raise bad_body("The displayName of a category can't be changed.")
    category.update(body)
    return {"@odata.context": odata_context(request, "/$entity"), **category}


async def delete_category(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    del mailbox.categories[_category(mailbox, request)["id"]]
    return None


SETTINGS_FIELDS = {
    "automaticRepliesSetting",
    "archiveFolder",
    "timeZone",
    "language",
    "workingHours",
    "dateFormat",
    "timeFormat",
    "delegateMeetingMessageDeliveryOptions",
}


async def get_settings(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    return select_item(request, mailbox.settings)


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


async def update_settings(request: SandboxRequest) -> Any:
    mailbox = mailbox_for(request)
    body = json_object(request)
    refuse_unknown(body, SETTINGS_FIELDS, "mailboxSettings")
    replies = body.get("automaticRepliesSetting")
    if replies is not None:
        if not isinstance(replies, dict):
            raise bad_body("automaticRepliesSetting must be an object.")
        if "status" in replies and replies["status"] not in ("disabled", "alwaysEnabled", "scheduled"):
            raise bad_body(f"The value '{replies['status']}' is not a valid automaticRepliesStatus.")
    if "timeZone" in body and not isinstance(body["timeZone"], str):
        raise bad_body("timeZone must be a string.")
    _merge(mailbox.settings, body)
    return {"@odata.context": odata_context(request), **mailbox.settings}


# --- mail tips, time zones, languages ------------------------------------------------------------------------

MAIL_TIP_OPTIONS = {
    "automaticreplies",
    "mailboxfullstatus",
    "customMailTip".lower(),
    "externalmembercount",
    "totalmembercount",
    "maxmessagesize",
    "deliveryrestriction",
    "moderationstatus",
    "recipientscope",
    "recipientsuggestions",
}


def _mail_tip(tenant: SandboxTenant, address: str, options: set[str]) -> dict[str, Any]:
    user = tenant.find_user(address)
    domain = address.rsplit("@", 1)[-1].lower()
    tip: dict[str, Any] = {"emailAddress": {"name": "", "address": address}}
    if user is None and domain == "contoso.sandbox":
        tip["error"] = {"message": f"The recipient '{address}' was not found.", "code": "ErrorInvalidRecipients"}
        return tip
    internal = user is not None
    if "automaticreplies" in options:
        message = ""
        if user is not None:
            box = mailboxes(tenant).get(user.id)
            replies = box.settings.get("automaticRepliesSetting", {}) if box else {}
            if replies.get("status") in ("alwaysEnabled", "scheduled"):
                message = replies.get("internalReplyMessage", "")
        tip["automaticReplies"] = {"message": message}
    if "mailboxfullstatus" in options:
        tip["mailboxFull"] = False
    if "custommailtip" in options:
        tip["customMailTip"] = ""
    if "externalmembercount" in options:
        tip["externalMemberCount"] = 0
    if "totalmembercount" in options:
        tip["totalMemberCount"] = 1
    if "maxmessagesize" in options:
        tip["maxMessageSize"] = 37748736
    if "deliveryrestriction" in options:
        tip["deliveryRestricted"] = False
    if "moderationstatus" in options:
        tip["isModerated"] = False
    if "recipientscope" in options:
        tip["recipientScope"] = "internal" if internal else "external"
    if "recipientsuggestions" in options:
        tip["recipientSuggestions"] = []
    return tip


async def get_mail_tips(request: SandboxRequest) -> Any:
    mailbox_for(request)
    body = json_object(request)
    refuse_unknown(body, {"EmailAddresses", "MailTipsOptions"}, "getMailTips")
    addresses = body.get("EmailAddresses")
    if not isinstance(addresses, list) or not addresses or not all(isinstance(a, str) for a in addresses):
        raise GraphError(400, "ErrorInvalidParameter", "EmailAddresses must be a non-empty list of addresses.")
    raw_options = body.get("MailTipsOptions")
    if not isinstance(raw_options, str) or not raw_options.strip():
        raise GraphError(400, "ErrorInvalidParameter", "MailTipsOptions is required.")
    options = {o.strip().lower() for o in raw_options.split(",") if o.strip()}
    unknown = sorted(options - MAIL_TIP_OPTIONS)
    if unknown:
        raise bad_body(f"The value '{unknown[0]}' is not a valid mailTipsType.")
    tips = [_mail_tip(request.tenant, a, options) for a in addresses]
    return {"@odata.context": f"{request.base_url}/v1.0/$metadata#Collection(microsoft.graph.mailTips)", "value": tips}


TIME_ZONES = (
    ("Pacific Standard Time", "(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Mountain Standard Time", "(UTC-07:00) Mountain Time (US & Canada)", "America/Denver"),
    ("Central Standard Time", "(UTC-06:00) Central Time (US & Canada)", "America/Chicago"),
    ("Eastern Standard Time", "(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
    ("UTC", "(UTC) Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"),
    ("W. Europe Standard Time", "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
    ("Romance Standard Time", "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
    ("India Standard Time", "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
    ("Tokyo Standard Time", "(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
    ("AUS Eastern Standard Time", "(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
)
LANGUAGES = (
    ("en-US", "English (United States)"),
    ("en-GB", "English (United Kingdom)"),
    ("de-DE", "Deutsch (Deutschland)"),
    ("fr-FR", "français (France)"),
    ("es-ES", "español (España)"),
    ("it-IT", "italiano (Italia)"),
    ("nl-NL", "Nederlands (Nederland)"),
    ("pt-BR", "português (Brasil)"),
    ("ja-JP", "日本語 (日本)"),
    ("zh-CN", "中文(中国)"),
)
_TZ_ARGS = re.compile(r"^\(\s*(?:TimeZoneStandard\s*=\s*(?:microsoft\.graph\.timeZoneStandard)?'(?P<std>\w+)')?\s*\)$")


async def list_time_zones(request: SandboxRequest) -> Any:
    mailbox_for(request)
    match = _TZ_ARGS.match(request.params["args"])
    if match is None:
        raise GraphError(
            400, "BadRequest", f"Resource not found for the segment 'supportedTimeZones{request.params['args']}'."
        )
    standard = (match.group("std") or "Windows").lower()
    if standard not in ("windows", "iana"):
        raise GraphError(400, "BadRequest", f"The value '{match.group('std')}' is not a valid timeZoneStandard.")
    if standard == "iana":
        value = [{"alias": iana, "displayName": iana} for _, _, iana in TIME_ZONES]
    else:
        value = [{"alias": alias, "displayName": display} for alias, display, _ in TIME_ZONES]
    return {
        "@odata.context": f"{request.base_url}/v1.0/$metadata#Collection(microsoft.graph.timeZoneInformation)",
        "value": value,
    }


async def list_languages(request: SandboxRequest) -> Any:
    mailbox_for(request)
    if request.params["args"].replace(" ", "") != "()":
        raise GraphError(
            400, "BadRequest", f"Resource not found for the segment 'supportedLanguages{request.params['args']}'."
        )
    return {
        "@odata.context": f"{request.base_url}/v1.0/$metadata#Collection(microsoft.graph.localeInfo)",
        "value": [{"locale": locale, "displayName": name} for locale, name in LANGUAGES],
    }


# --- delta ----------------------------------------------------------------------------------------------------


def _check_delta_options(request: SandboxRequest) -> None:
    """Refuse what Graph's message delta refuses: other filters and orders, and $search."""
    for name in ("$search",):
        if name in request.query:
            raise GraphError(400, "ErrorInvalidUrlQuery", f"The query parameter '{name}' is not supported with delta.")
    text = request.query.get("$filter")
    if text is not None and not DELTA_FILTER.match(text.strip()):
        raise GraphError(400, "ErrorInvalidUrlQuery", "Delta supports only $filter=receivedDateTime ge|gt {value}.")
    order = request.query.get("$orderby")
    if order is not None and not DELTA_ORDERBY.match(order.strip()):
        raise GraphError(400, "ErrorInvalidUrlQuery", "Delta supports only $orderby=receivedDateTime desc.")


async def folder_delta(request: SandboxRequest) -> Any:
    """Changes since a ``$deltatoken`` (everything without one); the last page carries ``@odata.deltaLink``."""
    mailbox = mailbox_for(request)
    folder_id = mailbox.folder_id(request.params["mailFolderId"])
    _check_delta_options(request)
    token = request.query.get("$deltatoken")
    since = 0
    if token is not None:
        try:
            since = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("rev:"))
        except ValueError:
            raise GraphError(400, "SyncStateInvalid", "The delta token is not valid.") from None
    messages = [
        m
        for m in mailbox.messages.values()
        if m["parentFolderId"] == folder_id and mailbox.changed.get(m["id"], 0) > since
    ]
    messages.sort(key=lambda m: m["receivedDateTime"] or "", reverse=True)
    items: list[dict[str, Any]] = [_view(request, mailbox, m) for m in messages]
    if token is not None:
        items += [
            {"id": mid, "@removed": {"reason": "deleted"}}
            for rev, mid, fid in mailbox.removed
            if fid == folder_id and rev > since
        ]
    page = list_page(request, items, search_fields=MESSAGE_SEARCH_FIELDS)
    if "@odata.nextLink" not in page:
        new_token = base64.urlsafe_b64encode(f"rev:{mailbox.revision}".encode()).decode()
        keep = "&".join(f"{k}={quote(v, safe=',')}" for k, v in request.query.items() if k == "$select")
        link = f"{request.base_url}{request.raw_path}?$deltatoken={new_token}"
        page["@odata.deltaLink"] = link + (f"&{keep}" if keep else "")
    return respond(request, page)


# --- wiring --------------------------------------------------------------------------------------------------

_MAILBOX_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/mailFolders", list_folders),
    ("POST", "/mailFolders", create_folder),
    ("GET", "/mailFolders/{mailFolderId}", get_folder),
    ("PATCH", "/mailFolders/{mailFolderId}", update_folder),
    ("DELETE", "/mailFolders/{mailFolderId}", delete_folder),
    ("GET", "/mailFolders/{mailFolderId}/childFolders", list_child_folders),
    ("POST", "/mailFolders/{mailFolderId}/childFolders", create_child_folder),
    ("GET", "/mailFolders/{mailFolderId}/messages", list_folder_messages),
    ("POST", "/mailFolders/{mailFolderId}/messages", create_folder_message),
    ("GET", "/mailFolders/{mailFolderId}/messages/delta()", folder_delta),
    ("GET", "/mailFolders/{mailFolderId}/messages/delta", folder_delta),  # links may drop the parentheses
    ("GET", "/mailFolders/{mailFolderId}/messageRules", list_rules),
    ("POST", "/mailFolders/{mailFolderId}/messageRules", create_rule),
    ("GET", "/mailFolders/{mailFolderId}/messageRules/{messageRuleId}", get_rule),
    ("PATCH", "/mailFolders/{mailFolderId}/messageRules/{messageRuleId}", update_rule),
    ("DELETE", "/mailFolders/{mailFolderId}/messageRules/{messageRuleId}", delete_rule),
    ("GET", "/messages", list_messages),
    ("POST", "/messages", create_message),
    ("GET", "/messages/{messageId}", get_message),
    ("PATCH", "/messages/{messageId}", update_message),
    ("DELETE", "/messages/{messageId}", delete_message),
    ("GET", "/messages/{messageId}/$value", get_mime),
    ("POST", "/messages/{messageId}/move", move_message),
    ("POST", "/messages/{messageId}/copy", copy_message),
    ("POST", "/messages/{messageId}/send", send_draft),
    ("POST", "/messages/{messageId}/reply", _respond_now("reply")),
    ("POST", "/messages/{messageId}/replyAll", _respond_now("replyAll")),
    ("POST", "/messages/{messageId}/forward", _respond_now("forward")),
    ("POST", "/messages/{messageId}/createReply", _respond_draft("reply")),
    ("POST", "/messages/{messageId}/createReplyAll", _respond_draft("replyAll")),
    ("POST", "/messages/{messageId}/createForward", _respond_draft("forward")),
    ("GET", "/messages/{messageId}/attachments", list_attachments),
    ("POST", "/messages/{messageId}/attachments", add_attachment),
    ("POST", "/messages/{messageId}/attachments/createUploadSession", create_upload_session),
    ("GET", "/messages/{messageId}/attachments/{attachmentId}", get_attachment),
    ("DELETE", "/messages/{messageId}/attachments/{attachmentId}", delete_attachment),
    ("PUT", "/messages/{messageId}/attachmentSessions/{sessionId}", upload_chunk),
    ("POST", "/sendMail", send_mail),
    ("GET", "/inferenceClassification/overrides", list_overrides),
    ("POST", "/inferenceClassification/overrides", create_override),
    ("PATCH", "/inferenceClassification/overrides/{overrideId}", update_override),
    ("DELETE", "/inferenceClassification/overrides/{overrideId}", delete_override),
    ("GET", "/outlook/masterCategories", list_categories),
    ("POST", "/outlook/masterCategories", create_category),
    ("GET", "/outlook/masterCategories/{categoryId}", get_category),
    ("PATCH", "/outlook/masterCategories/{categoryId}", update_category),
    ("DELETE", "/outlook/masterCategories/{categoryId}", delete_category),
    ("GET", "/outlook/supportedTimeZones{args}", list_time_zones),
    ("GET", "/outlook/supportedLanguages{args}", list_languages),
    ("GET", "/mailboxSettings", get_settings),
    ("PATCH", "/mailboxSettings", update_settings),
    ("POST", "/getMailTips", get_mail_tips),
)


def setup(tenant: SandboxTenant, now: datetime | None = None) -> None:
    """Seed the mailboxes and register every mail route under ``/me`` and ``/users/{userId}``."""
    tenant.store[STORE_KEY] = seed(tenant, now)
    for prefix in ("/me", "/users/{userId}"):
        for method, path, handler in _MAILBOX_ROUTES:
            tenant.route(method, prefix + path)(handler)


__all__ = ["STORE_KEY", "mailbox_for", "mailboxes", "preview", "render_mime", "setup"]
