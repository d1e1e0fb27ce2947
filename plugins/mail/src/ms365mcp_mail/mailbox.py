"""The sandbox's in-memory mailbox: folders, messages, attachments, rules and settings of one user.

Messages are stored in Graph's own JSON shape so handlers can return them almost as they are;
only counts, ``hasAttachments`` and the body representation are computed when answering.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import attrs

from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, GraphError, SandboxUser
from ms365mcp.sandbox.text import body_text, html_to_text

#: Graph's well-known folder names and the display names Outlook gives them.
WELL_KNOWN = {
    "inbox": "Inbox",
    "drafts": "Drafts",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "archive": "Archive",
    "junkemail": "Junk Email",
    "outbox": "Outbox",
}

#: Message properties a client may set on create or update (anything else is a Graph 400).
WRITABLE_MESSAGE_FIELDS = frozenset(
    {
        "subject",
        "body",
        "toRecipients",
        "ccRecipients",
        "bccRecipients",
        "replyTo",
        "from",
        "sender",
        "importance",
        "isRead",
        "flag",
        "categories",
        "isDeliveryReceiptRequested",
        "isReadReceiptRequested",
        "inferenceClassification",
        "internetMessageHeaders",
        "attachments",
        "singleValueExtendedProperties",
        "multiValueExtendedProperties",
    }
)


def now_iso(moment: datetime | None = None) -> str:
    """Graph's timestamp format: UTC, whole seconds, ``Z``."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def preview(body: dict[str, Any] | None) -> str:
    """``bodyPreview``: the first 255 characters of the text, whitespace folded."""
    return re.sub(r"\s+", " ", body_text(body)).strip()[:255]


def recipient(address: str, name: str | None = None) -> dict[str, Any]:
    """A Graph recipient object."""
    return {"emailAddress": {"name": name or address, "address": address}}


def bad_body(message: str) -> GraphError:
    """Graph's answer to a request body it can't map onto the entity type."""
    return GraphError(400, "RequestBodyRead", message)


def check_recipients(value: Any, field: str) -> list[dict[str, Any]]:
    """Recipients exactly as Graph accepts them; a plain string is rejected as Graph does."""
    if not isinstance(value, list):
        raise bad_body(
            f"Cannot convert the literal '{value}' to the expected type 'Collection(microsoft.graph.recipient)'."
        )
    cleaned = []
    for entry in value:
        email = entry.get("emailAddress") if isinstance(entry, dict) else None
        if not isinstance(email, dict) or not isinstance(email.get("address"), str):
            raise bad_body(f"Cannot convert the literal '{entry}' to the expected type 'microsoft.graph.recipient'.")
        cleaned.append(recipient(email["address"], email.get("name")))
    return cleaned


@attrs.define
class Mailbox:
    """One user's mailbox."""

    owner: SandboxUser
    rng: random.Random
    root_id: str = ""
    folders: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    well_known: dict[str, str] = attrs.field(factory=dict)
    messages: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    attachments: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    rules: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    overrides: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    categories: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    settings: dict[str, Any] = attrs.field(factory=dict)
    revision: int = 0
    changed: dict[str, int] = attrs.field(factory=dict)
    """Message id -> revision of its last change (for delta)."""
    removed: list[tuple[int, str, str]] = attrs.field(factory=list)
    """(revision, message id, folder id) of messages that left a folder."""
    upload_sessions: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    # -- ids -----------------------------------------------------------------------------------
    def new_id(self) -> str:
        """An opaque Exchange-looking id (base64url, ending in ``=`` like many real ones)."""
        return "AAMkAD" + base64.urlsafe_b64encode(self.rng.randbytes(29)).decode()

    def new_guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- folders ---------------------------------------------------------------------------------
    def add_folder(
        self, name: str, parent_id: str | None = None, *, well_known: str | None = None, folder_id: str | None = None
    ) -> dict[str, Any]:
        folder_id = folder_id or self.new_id()
        folder = {
            "id": folder_id,
            "displayName": name,
            "parentFolderId": parent_id if parent_id is not None else self.root_id,
            "isHidden": False,
        }
        self.folders[folder_id] = folder
        if well_known:
            self.well_known[well_known] = folder_id
        return folder

    def folder_id(self, key: str) -> str:
        """A folder id from an id or a well-known name (``inbox``, ``sentitems`` ...).

        Raises:
            GraphError: 404 ErrorItemNotFound when there is no such folder.
        """
        if key.lower() in self.well_known:
            return self.well_known[key.lower()]
        if key.lower() == "msgfolderroot":
            return self.root_id
        if key in self.folders:
            return key
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    def children(self, parent_id: str) -> list[dict[str, Any]]:
        return [f for f in self.folders.values() if f["parentFolderId"] == parent_id]

    def descendants(self, folder_id: str) -> list[str]:
        found = [folder_id]
        for child in self.children(folder_id):
            found.extend(self.descendants(child["id"]))
        return found

    def folder_view(self, folder: dict[str, Any]) -> dict[str, Any]:
        """A mailFolder as Graph returns it, with live counts."""
        inside = [m for m in self.messages.values() if m["parentFolderId"] == folder["id"]]
        return {
            **folder,
            "childFolderCount": len(self.children(folder["id"])),
            "unreadItemCount": sum(1 for m in inside if not m["isRead"]),
            "totalItemCount": len(inside),
            "sizeInBytes": sum(len(m["body"]["content"]) for m in inside),
        }

    # -- messages --------------------------------------------------------------------------------
    def touch(self, message_id: str) -> None:
        self.revision += 1
        self.changed[message_id] = self.revision

    def forget(self, message_id: str) -> dict[str, Any]:
        """Remove a message (and its attachments), remembering it for delta."""
        message = self.messages.pop(message_id)
        self.attachments.pop(message_id, None)
        self.changed.pop(message_id, None)
        self.revision += 1
        self.removed.append((self.revision, message_id, message["parentFolderId"]))
        return message

    def message(self, message_id: str) -> dict[str, Any]:
        """Raises: GraphError 404 ErrorItemNotFound."""
        found = self.messages.get(message_id)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return found

    def put(
        self,
        message: dict[str, Any],
        folder_id: str,
        *,
        attachments: list[dict[str, Any]] | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a message in a folder under a fresh id (moves and copies get new ids, as in Exchange)."""
        message_id = message_id or self.new_id()
        stamp = now_iso()
        stored = {
            **message,
            "id": message_id,
            "parentFolderId": folder_id,
            "changeKey": "CQAAABYAAAB" + base64.b64encode(self.rng.randbytes(6)).decode(),
            "webLink": f"{SANDBOX_GRAPH_URL}/owa/?ItemID={quote(message_id, safe='')}&viewmodel=ReadMessageItem",
        }
        stored["bodyPreview"] = preview(stored.get("body"))
        stored.setdefault("createdDateTime", stamp)
        stored.setdefault("lastModifiedDateTime", stamp)
        self.messages[message_id] = stored
        self.attachments[message_id] = [dict(a) for a in attachments or []]
        self.touch(message_id)
        return stored

    def build_message(self, fields: dict[str, Any], *, draft: bool) -> tuple[dict[str, Any], list[Any]]:
        """A message from client-supplied fields (validated like Graph) and its attachments, not yet stored."""
        if not isinstance(fields, dict):
            raise bad_body("Cannot convert the request body to the expected type 'microsoft.graph.message'.")
        owner = recipient(self.owner.mail, self.owner.displayName)
        stamp = now_iso()
        message: dict[str, Any] = {
            "@odata.etag": 'W/"CQAAABYAAAC' + base64.b64encode(self.rng.randbytes(6)).decode() + '"',
            "createdDateTime": stamp,
            "lastModifiedDateTime": stamp,
            "categories": [],
            "receivedDateTime": stamp,
            "sentDateTime": None if draft else stamp,
            "internetMessageId": f"<{self.new_guid()}@{self.owner.mail.split('@')[1]}>",
            "subject": "",
            "importance": "normal",
            "conversationId": "AAQkAD" + base64.urlsafe_b64encode(self.rng.randbytes(12)).decode(),
            "isDeliveryReceiptRequested": False,
            "isReadReceiptRequested": False,
            "isRead": True,
            "isDraft": draft,
            "inferenceClassification": "focused",
            "body": {"contentType": "text", "content": ""},
            "sender": owner,
            "from": owner,
            "toRecipients": [],
            "ccRecipients": [],
            "bccRecipients": [],
            "replyTo": [],
            "flag": {"flagStatus": "notFlagged"},
        }
        attachments = fields.get("attachments") or []
        if not isinstance(attachments, list):
            raise bad_body("attachments must be a list of attachment objects.")
        apply_message_fields(message, {k: v for k, v in fields.items() if k not in ("attachments", "@odata.type")})
        return message, attachments

    def store(self, message: dict[str, Any], folder_id: str, attachments: list[Any]) -> dict[str, Any]:
        """Store a built message and its attachments; nothing is kept when an attachment is invalid."""
        stored = self.put(message, folder_id)
        try:
            for attachment in attachments:
                if not isinstance(attachment, dict):
                    raise bad_body("Each attachment must be an object.")
                self.add_attachment(stored["id"], attachment)
        except GraphError:
            self.messages.pop(stored["id"], None)
            self.attachments.pop(stored["id"], None)
            raise
        return stored

    def new_message(self, fields: dict[str, Any], folder_id: str, *, draft: bool) -> dict[str, Any]:
        """Create and store a message from client-supplied fields."""
        message, attachments = self.build_message(fields, draft=draft)
        return self.store(message, folder_id, attachments)

    def message_view(
        self, message: dict[str, Any], *, text_body: bool = False, expand_attachments: bool = False
    ) -> dict[str, Any]:
        """A message as Graph returns it; ``text_body`` honours ``Prefer: outlook.body-content-type="text"``."""
        view = dict(message)
        view["hasAttachments"] = any(not a.get("isInline") for a in self.attachments.get(message["id"], []))
        if text_body and message["body"]["contentType"] == "html":
            view["body"] = {"contentType": "text", "content": html_to_text(message["body"]["content"])}
        if expand_attachments:
            view["attachments"] = [dict(a) for a in self.attachments.get(message["id"], [])]
        return view

    # -- attachments -----------------------------------------------------------------------------
    def add_attachment(
        self, message_id: str, fields: dict[str, Any], *, limit: int = 3 * 1024 * 1024
    ) -> dict[str, Any]:
        """Validate and store a file, item or reference attachment.

        Raises:
            GraphError: 400 when name or content are missing or not base64; 413 above 3 MB.
        """
        self.message(message_id)
        kind = fields.get("@odata.type", "#microsoft.graph.fileAttachment")
        name = fields.get("name")
        if not isinstance(name, str) or not name:
            raise GraphError(400, "ErrorInvalidProperty", "The attachment name is missing.")
        attachment: dict[str, Any] = {
            "@odata.type": kind,
            "id": self.new_id(),
            "lastModifiedDateTime": now_iso(),
            "name": name,
            "contentType": fields.get("contentType") or guess_type(name),
            "isInline": bool(fields.get("isInline", False)),
        }
        if kind == "#microsoft.graph.fileAttachment":
            raw = fields.get("contentBytes")
            if not isinstance(raw, str):
                raise GraphError(400, "ErrorInvalidProperty", "contentBytes is required for a file attachment.")
            try:
                data = base64.b64decode(raw, validate=True)
            except ValueError:
                raise bad_body("The value of 'contentBytes' is not valid base64.") from None
            if len(data) > limit:
                raise GraphError(
                    413,
                    "ErrorRequestEntityTooLarge",
                    "The attachment is larger than 3 MB; use an upload session instead.",
                )
            attachment.update(
                size=len(data),
                contentId=fields.get("contentId"),
                contentLocation=None,
                contentBytes=base64.b64encode(data).decode(),
            )
        else:
            attachment.update({k: v for k, v in fields.items() if k not in attachment}, size=0)
        self.attachments.setdefault(message_id, []).append(attachment)
        self.touch(message_id)
        return attachment


_TYPES = {
    ".txt": "text/plain",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".json": "application/json",
    ".jpg": "image/jpeg",
}


def guess_type(name: str) -> str:
    """A MIME type from a file name (the few types the sandbox meets)."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _TYPES.get(suffix, "application/octet-stream")


def apply_message_fields(message: dict[str, Any], fields: dict[str, Any]) -> None:
    """Validate and apply writable message properties (create and PATCH share this).

    Raises:
        GraphError: 400 RequestBodyRead for unknown properties or values of the wrong shape.
    """
    for key, value in fields.items():
        if key not in WRITABLE_MESSAGE_FIELDS:
            raise bad_body(
                f"The property '{key}' does not exist on type 'microsoft.graph.message'. Make sure to only use "
                "property names that are defined by the type or mark the type as open type."
            )
        if key in ("toRecipients", "ccRecipients", "bccRecipients", "replyTo"):
            message[key] = check_recipients(value, key)
        elif key in ("from", "sender"):
            message[key] = check_recipients([value], key)[0]
        elif key == "body":
            if not isinstance(value, dict) or not isinstance(value.get("content", ""), str):
                raise bad_body(f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.itemBody'.")
            kind = str(value.get("contentType", "text")).lower()
            if kind not in ("text", "html"):
                raise bad_body(f"The value '{value.get('contentType')}' is not a valid bodyType.")
            message["body"] = {"contentType": kind, "content": value.get("content", "")}
            message["bodyPreview"] = preview(message["body"])
        elif key == "importance":
            if str(value).lower() not in ("low", "normal", "high"):
                raise bad_body(f"The value '{value}' is not a valid importance.")
            message[key] = str(value).lower()
        elif key == "flag":
            status = value.get("flagStatus") if isinstance(value, dict) else None
            if status not in ("notFlagged", "flagged", "complete"):
                raise bad_body(
                    f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.followupFlag'."
                )
            message["flag"] = {**message.get("flag", {}), **value}
        elif key == "categories":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise bad_body("categories must be a list of strings.")
            message[key] = list(value)
        elif key in ("isRead", "isDeliveryReceiptRequested", "isReadReceiptRequested"):
            if not isinstance(value, bool):
                raise bad_body(f"Cannot convert the literal '{value}' to the expected type 'Edm.Boolean'.")
            message[key] = value
        else:
            message[key] = value
    message["lastModifiedDateTime"] = now_iso()
