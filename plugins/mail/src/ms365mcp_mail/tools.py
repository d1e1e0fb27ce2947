"""The Outlook mail tools as data: one ToolSpec per Graph endpoint, plus the input normalisers they share.

Schemas stay tiny because they are paid on every turn; friendly shapes (plain e-mail strings,
a string body) are accepted and turned into Graph's shapes by ``prepare`` before the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.catalog.spec import GET_OPTIONS, LIST_OPTIONS
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, body_of, email_address, recipients

MAIL = frozenset({"mail", "outlook", "personal"})
MAIL_AND_CALENDAR = frozenset({"calendar", "mail", "outlook", "personal"})
WORK = frozenset({"work"})

LIST_QUERY = LIST_OPTIONS
FOLDER_QUERY = frozenset({"top", "skip", "filter", "orderby", "select", "count", "expand"})
GET_QUERY = GET_OPTIONS
# Graph's message delta takes $select and $top; $filter only as receivedDateTime ge/gt a date,
# $orderby only as receivedDateTime desc (message-delta.md).
DELTA_QUERY = frozenset({"top", "select", "filter", "orderby"})
DELTA_FILTER = re.compile(r"^receivedDateTime\s+(ge|gt)\s+\S+$", re.IGNORECASE)
DELTA_ORDERBY = re.compile(r"^receivedDateTime\s+desc$", re.IGNORECASE)

MESSAGE_SELECT = ("id", "subject", "from", "receivedDateTime", "bodyPreview", "isRead", "hasAttachments", "importance")
FOLDER_SELECT = ("id", "displayName", "parentFolderId", "unreadItemCount", "totalItemCount", "childFolderCount")

WELL_KNOWN_FOLDERS = ("inbox", "drafts", "sentitems", "deleteditems", "archive", "junkemail")
RECIPIENT_FIELDS = ("toRecipients", "ccRecipients", "bccRecipients", "replyTo")

# --- input normalisers ----------------------------------------------------------------------------


def normalise_recipients(container: dict[str, Any], where: str) -> None:
    """Turn every recipient list in ``container`` into Graph's shape; a string may hold a comma list."""
    for field in RECIPIENT_FIELDS:
        if field in container:
            container[field] = recipients(container[field], f"{where}.{field}")


def normalise_item_body(container: dict[str, Any], where: str) -> None:
    """A plain string body becomes a text body; ``contentType`` is checked."""
    value = container.get("body")
    if value is None:
        return
    if isinstance(value, str):
        container["body"] = {"contentType": "Text", "content": value}
        return
    if not isinstance(value, dict) or not isinstance(value.get("content", ""), str):
        raise ToolInputError(f"{where}.body", 'expected a string or {"contentType": "Text"|"HTML", "content": "..."}')
    kind = str(value.get("contentType", "Text")).lower()
    if kind not in ("text", "html"):
        raise ToolInputError(f"{where}.body.contentType", "expected Text or HTML")
    container["body"] = {"contentType": "HTML" if kind == "html" else "Text", "content": value.get("content", "")}


def normalise_message(message: dict[str, Any], where: str) -> None:
    """Friendly message fields to Graph's: recipients, body, and a flag given as a bare status."""
    normalise_recipients(message, where)
    normalise_item_body(message, where)
    flag = message.get("flag")
    if isinstance(flag, str):
        message["flag"] = {"flagStatus": flag}
    categories = message.get("categories")
    if isinstance(categories, str):
        message["categories"] = [c.strip() for c in categories.split(",") if c.strip()]


def prepare_message(args: dict[str, Any]) -> None:
    """For create-draft and update-message: the body *is* a message."""
    normalise_message(body_of(args), "body")


def prepare_send_mail(args: dict[str, Any]) -> None:
    """sendMail wants ``{message, saveToSentItems}``; a bare message is wrapped for the model."""
    body = body_of(args)
    if "message" not in body:
        save = body.pop("saveToSentItems", None)
        message = dict(body)
        body.clear()
        body["message"] = message
        if save is not None:
            body["saveToSentItems"] = save
    message = body["message"]
    if not isinstance(message, dict):
        raise ToolInputError("body.message", "expected an object")
    normalise_message(message, "body.message")
    if not any(message.get(f) for f in ("toRecipients", "ccRecipients", "bccRecipients")):
        raise ToolInputError("body.message.toRecipients", "give at least one recipient")


def prepare_reply(args: dict[str, Any]) -> None:
    """reply / replyAll / forward / create*: recipients may sit at the top or inside ``message``."""
    body = body_of(args)
    normalise_recipients(body, "body")
    message = body.get("message")
    if isinstance(message, dict):
        normalise_message(message, "body.message")


def prepare_forward(args: dict[str, Any]) -> None:
    """Forwarding needs somebody to forward to."""
    prepare_reply(args)
    body = args["body"]
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    if not body.get("toRecipients") and not message.get("toRecipients"):
        raise ToolInputError("body.toRecipients", "give at least one recipient to forward to")


def prepare_attachment(args: dict[str, Any]) -> None:
    """A file attachment unless the caller says otherwise."""
    body_of(args).setdefault("@odata.type", "#microsoft.graph.fileAttachment")


def prepare_upload_session(args: dict[str, Any]) -> None:
    """Accept the attachment fields at the top as well as inside ``AttachmentItem``."""
    body = body_of(args)
    if "AttachmentItem" not in body:
        item = dict(body)
        body.clear()
        body["AttachmentItem"] = item
    item = body["AttachmentItem"]
    if not isinstance(item, dict) or not item.get("name") or not isinstance(item.get("size"), int):
        raise ToolInputError("body.AttachmentItem", "give name and size (bytes)")
    item.setdefault("attachmentType", "file")


def prepare_mail_tips(args: dict[str, Any]) -> None:
    """Graph wants ``EmailAddresses`` and a comma list in ``MailTipsOptions``."""
    body = body_of(args)
    for friendly, real in (("emailAddresses", "EmailAddresses"), ("mailTipsOptions", "MailTipsOptions")):
        if friendly in body and real not in body:
            body[real] = body.pop(friendly)
    addresses = body.get("EmailAddresses")
    if isinstance(addresses, str):
        addresses = body["EmailAddresses"] = address_list(addresses, "body.EmailAddresses")
    if not addresses:
        raise ToolInputError("body.EmailAddresses", "give at least one e-mail address")
    options = body.get("MailTipsOptions") or "automaticReplies, mailboxFullStatus"
    if isinstance(options, list):
        options = ", ".join(options)
    body["MailTipsOptions"] = options


def prepare_override(args: dict[str, Any]) -> None:
    """The sender may be given as a plain address."""
    body = body_of(args)
    sender = body.get("senderEmailAddress")
    if isinstance(sender, str):
        body["senderEmailAddress"] = email_address(sender, "body.senderEmailAddress")
    if isinstance(body.get("classifyAs"), str):
        body["classifyAs"] = body["classifyAs"].lower()


def prepare_time_zones(args: dict[str, Any]) -> None:
    """Only two time-zone standards exist; fix the case so Graph accepts them."""
    value = str(args.get("timeZoneStandard", "")).strip().lower()
    choices = {"windows": "Windows", "iana": "Iana"}
    if value not in choices:
        raise ToolInputError("timeZoneStandard", "expected Windows or Iana")
    args["timeZoneStandard"] = choices[value]


def prepare_message_list(args: dict[str, Any]) -> None:
    """Graph refuses $search with $filter, $orderby or $skip on messages; say so before asking it.

    A search is a KQL string that Graph wants in double quotes, so it is quoted here.
    """
    search = args.get("search")
    if search is None:
        return
    for other, hint in (
        ("filter", "put the condition into the search (from:, subject:, received>=2024-05-01) or drop search"),
        ("orderby", "search results already come newest first"),
        ("skip", "follow nextLink to page through search results"),
    ):
        if args.get(other) not in (None, ""):
            raise ToolInputError("search", f"can't be combined with {other} on messages; {hint}")
    text = str(search).strip()
    if not (len(text) >= 2 and text.startswith('"') and text.endswith('"')):
        text = '"' + text.replace('"', '\\"') + '"'
    args["search"] = text


def prepare_delta(args: dict[str, Any]) -> None:
    """Message delta accepts only one filter and one order; anything else Graph refuses after a round trip."""
    text = str(args.get("filter") or "").strip()
    if text and not DELTA_FILTER.match(text):
        raise ToolInputError(
            "filter", "delta only filters on receivedDateTime ge|gt, e.g. receivedDateTime ge 2026-01-01"
        )
    order = str(args.get("orderby") or "").strip()
    if order and not DELTA_ORDERBY.match(order):
        raise ToolInputError("orderby", "delta only orders by receivedDateTime desc")


# --- body schemas -----------------------------------------------------------------------------------

_RCPT: dict[str, Any] = {"type": ["array", "string"]}
_TEXT: dict[str, Any] = {"type": ["string", "object"]}
_STR: dict[str, Any] = {"type": "string"}

MESSAGE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "subject": _STR,
        "body": _TEXT,
        "toRecipients": _RCPT,
        "ccRecipients": _RCPT,
        "bccRecipients": _RCPT,
        "importance": {"enum": ["low", "normal", "high"]},
    },
}
UPDATE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "isRead": {"type": "boolean"},
        "flag": {"type": ["string", "object"]},
        "categories": {"type": "array"},
        "importance": {"enum": ["low", "normal", "high"]},
        "subject": _STR,
    },
}
SEND_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"message": MESSAGE_BODY, "saveToSentItems": {"type": "boolean"}},
}
REPLY_BODY: dict[str, Any] = {"type": "object", "properties": {"comment": _STR}}
FORWARD_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"comment": _STR, "toRecipients": _RCPT},
    "required": ["toRecipients"],
}
FORWARD_DRAFT_BODY: dict[str, Any] = {"type": "object", "properties": {"comment": _STR, "toRecipients": _RCPT}}
MOVE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"destinationId": _STR},
    "required": ["destinationId"],
}
FOLDER_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"displayName": _STR},
    "required": ["displayName"],
}
ATTACHMENT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"name": _STR, "contentBytes": _STR, "contentType": _STR},
    "required": ["name", "contentBytes"],
}
UPLOAD_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"name": _STR, "size": {"type": "integer"}},
}
RULE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "displayName": _STR,
        "sequence": {"type": "integer"},
        "isEnabled": {"type": "boolean"},
        "conditions": {"type": "object"},
        "actions": {"type": "object"},
    },
}
OVERRIDE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"classifyAs": {"enum": ["focused", "other"]}, "senderEmailAddress": {"type": ["string", "object"]}},
}
CATEGORY_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"displayName": _STR, "color": _STR},
    "required": ["displayName"],
}
MAIL_TIPS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"EmailAddresses": {"type": ["array", "string"]}, "MailTipsOptions": _STR},
}
SETTINGS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"automaticRepliesSetting": {"type": "object"}, "timeZone": _STR, "workingHours": {"type": "object"}},
}

# --- the tools --------------------------------------------------------------------------------------

_ME = "/me"
_MSG = "/me/messages/{messageId}"
_FOLDER = "/me/mailFolders/{mailFolderId}"
_SHARED = "/users/{userId}"
_SHARED_MSG = "/users/{userId}/messages/{messageId}"


_mail = tool_maker(presets=MAIL)
_shared = tool_maker(presets=WORK, org_only=True)


_LIST_MESSAGES = {"query": LIST_QUERY, "default_select": MESSAGE_SELECT, "prepare": prepare_message_list}

TOOLS: tuple[ToolSpec, ...] = (
    # folders
    _mail(
        "list-mail-folders",
        "GET",
        "/me/mailFolders",
        "List top-level mail folders with item counts.",
        "Mail.Read",
        query=FOLDER_QUERY,
        default_select=FOLDER_SELECT,
    ),
    _mail(
        "list-mail-child-folders",
        "GET",
        _FOLDER + "/childFolders",
        "List subfolders of a mail folder.",
        "Mail.Read",
        query=FOLDER_QUERY,
        default_select=FOLDER_SELECT,
    ),
    _mail(
        "create-mail-folder",
        "POST",
        "/me/mailFolders",
        "Create a top-level mail folder.",
        "Mail.ReadWrite",
        body=FOLDER_BODY,
    ),
    _mail(
        "create-mail-child-folder",
        "POST",
        _FOLDER + "/childFolders",
        "Create a subfolder in a mail folder.",
        "Mail.ReadWrite",
        body=FOLDER_BODY,
    ),
    _mail("update-mail-folder", "PATCH", _FOLDER, "Rename a mail folder.", "Mail.ReadWrite", body=FOLDER_BODY),
    _mail("delete-mail-folder", "DELETE", _FOLDER, "Delete a mail folder and everything in it.", "Mail.ReadWrite"),
    # messages
    _mail(
        "list-mail-messages",
        "GET",
        "/me/messages",
        "List messages across all folders, newest first.",
        "Mail.Read",
        **_LIST_MESSAGES,
    ),
    _mail(
        "list-mail-folder-messages",
        "GET",
        _FOLDER + "/messages",
        "List messages in one folder (id or inbox, sentitems, drafts...).",
        "Mail.Read",
        **_LIST_MESSAGES,
    ),
    _mail("get-mail-message", "GET", _MSG, "Get one message with its body.", "Mail.Read", query=GET_QUERY),
    _mail(
        "get-mail-message-mime",
        "GET",
        _MSG + "/$value",
        "Get a message as raw MIME (RFC 822) text.",
        "Mail.Read",
        accept="text/plain",
    ),
    _mail(
        "list-mail-folder-messages-delta",
        "GET",
        _FOLDER + "/messages/delta()",
        "Track message changes in a folder; follow the deltaLink later.",
        "Mail.Read",
        query=DELTA_QUERY,
        prepare=prepare_delta,
    ),
    _mail(
        "create-draft-email",
        "POST",
        "/me/messages",
        "Create a draft message in Drafts.",
        "Mail.ReadWrite",
        body=MESSAGE_BODY,
        prepare=prepare_message,
    ),
    _mail(
        "update-mail-message",
        "PATCH",
        _MSG,
        "Update a message: read state, flag, categories, draft fields.",
        "Mail.ReadWrite",
        body=UPDATE_BODY,
        prepare=prepare_message,
    ),
    _mail("delete-mail-message", "DELETE", _MSG, "Permanently delete a message.", "Mail.ReadWrite"),
    _mail(
        "move-mail-message",
        "POST",
        _MSG + "/move",
        "Move a message to a folder; returns it with a new id.",
        "Mail.ReadWrite",
        body=MOVE_BODY,
    ),
    _mail("copy-mail-message", "POST", _MSG + "/copy", "Copy a message to a folder.", "Mail.ReadWrite", body=MOVE_BODY),
    _mail(
        "send-mail",
        "POST",
        "/me/sendMail",
        "Send a new message; a copy goes to Sent Items.",
        "Mail.Send",
        body=SEND_BODY,
        prepare=prepare_send_mail,
    ),
    _mail("send-draft-message", "POST", _MSG + "/send", "Send an existing draft.", "Mail.Send"),
    _mail(
        "reply-mail-message",
        "POST",
        _MSG + "/reply",
        "Reply to the sender now.",
        "Mail.Send",
        body=REPLY_BODY,
        prepare=prepare_reply,
    ),
    _mail(
        "reply-all-mail-message",
        "POST",
        _MSG + "/replyAll",
        "Reply to all recipients now.",
        "Mail.Send",
        body=REPLY_BODY,
        prepare=prepare_reply,
    ),
    _mail(
        "forward-mail-message",
        "POST",
        _MSG + "/forward",
        "Forward a message now.",
        "Mail.Send",
        body=FORWARD_BODY,
        prepare=prepare_forward,
    ),
    _mail(
        "create-reply-draft",
        "POST",
        _MSG + "/createReply",
        "Create a reply draft to edit before sending.",
        "Mail.ReadWrite",
        body=REPLY_BODY,
        body_required=False,
        prepare=prepare_reply,
    ),
    _mail(
        "create-reply-all-draft",
        "POST",
        _MSG + "/createReplyAll",
        "Create a reply-all draft.",
        "Mail.ReadWrite",
        body=REPLY_BODY,
        body_required=False,
        prepare=prepare_reply,
    ),
    _mail(
        "create-forward-draft",
        "POST",
        _MSG + "/createForward",
        "Create a forward draft.",
        "Mail.ReadWrite",
        body=FORWARD_DRAFT_BODY,
        body_required=False,
        prepare=prepare_reply,
    ),
    # attachments
    _mail(
        "list-mail-attachments",
        "GET",
        _MSG + "/attachments",
        "List a message's attachments.",
        "Mail.Read",
        query=frozenset({"select", "expand"}),
    ),
    _mail(
        "add-mail-attachment",
        "POST",
        _MSG + "/attachments",
        "Attach a small file (base64, under 3 MB).",
        "Mail.ReadWrite",
        body=ATTACHMENT_BODY,
        prepare=prepare_attachment,
    ),
    _mail(
        "create-mail-attachment-upload-session",
        "POST",
        _MSG + "/attachments/createUploadSession",
        "Start an upload session for a large attachment.",
        "Mail.ReadWrite",
        body=UPLOAD_BODY,
        prepare=prepare_upload_session,
    ),
    _mail(
        "delete-mail-attachment",
        "DELETE",
        _MSG + "/attachments/{attachmentId}",
        "Remove an attachment.",
        "Mail.ReadWrite",
    ),
    # rules, focused inbox, categories, settings
    _mail(
        "list-mail-rules",
        "GET",
        _FOLDER + "/messageRules",
        "List inbox rules (mailFolderId: inbox).",
        "MailboxSettings.Read",
    ),
    _mail(
        "create-mail-rule",
        "POST",
        _FOLDER + "/messageRules",
        "Create an inbox rule (mailFolderId: inbox).",
        "MailboxSettings.ReadWrite",
        body=RULE_BODY,
    ),
    _mail(
        "update-mail-rule",
        "PATCH",
        _FOLDER + "/messageRules/{messageRuleId}",
        "Update an inbox rule.",
        "MailboxSettings.ReadWrite",
        body=RULE_BODY,
    ),
    _mail(
        "delete-mail-rule",
        "DELETE",
        _FOLDER + "/messageRules/{messageRuleId}",
        "Delete an inbox rule.",
        "MailboxSettings.ReadWrite",
    ),
    _mail(
        "list-focused-inbox-overrides",
        "GET",
        "/me/inferenceClassification/overrides",
        "List senders always sorted to Focused or Other.",
        "Mail.Read",
    ),
    _mail(
        "create-focused-inbox-override",
        "POST",
        "/me/inferenceClassification/overrides",
        "Always sort a sender to Focused or Other.",
        "Mail.ReadWrite",
        body=OVERRIDE_BODY,
        prepare=prepare_override,
    ),
    _mail(
        "update-focused-inbox-override",
        "PATCH",
        "/me/inferenceClassification/overrides/{overrideId}",
        "Change a Focused Inbox override.",
        "Mail.ReadWrite",
        body=OVERRIDE_BODY,
        prepare=prepare_override,
    ),
    _mail(
        "delete-focused-inbox-override",
        "DELETE",
        "/me/inferenceClassification/overrides/{overrideId}",
        "Delete a Focused Inbox override.",
        "Mail.ReadWrite",
    ),
    _mail(
        "list-outlook-categories",
        "GET",
        "/me/outlook/masterCategories",
        "List the user's Outlook categories.",
        "MailboxSettings.Read",
        presets=MAIL_AND_CALENDAR,
    ),
    _mail(
        "create-outlook-category",
        "POST",
        "/me/outlook/masterCategories",
        "Create an Outlook category (color preset0-preset24).",
        "MailboxSettings.ReadWrite",
        body=CATEGORY_BODY,
        presets=MAIL_AND_CALENDAR,
    ),
    _mail(
        "get-mailbox-settings",
        "GET",
        _ME + "/mailboxSettings",
        "Get mailbox settings: time zone, auto-replies, working hours.",
        "MailboxSettings.Read",
        query=GET_QUERY,
    ),
    _mail(
        "update-mailbox-settings",
        "PATCH",
        _ME + "/mailboxSettings",
        "Update mailbox settings such as automaticRepliesSetting.",
        "MailboxSettings.ReadWrite",
        body=SETTINGS_BODY,
    ),
    _mail(
        "get-mail-tips",
        "POST",
        _ME + "/getMailTips",
        "Check recipients for auto-replies, full mailboxes, etc.",
        "Mail.Read",
        body=MAIL_TIPS_BODY,
        read_only=True,
        content_type="application/json",
        prepare=prepare_mail_tips,
    ),
    _mail(
        "list-supported-time-zones",
        "GET",
        # The enum literal is written type-qualified, as Graph's reference page does.
        "/me/outlook/supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'{timeZoneStandard}')",
        "List time zones; timeZoneStandard is Windows or Iana.",
        "User.Read",
        presets=MAIL_AND_CALENDAR,
        literal_params=frozenset({"timeZoneStandard"}),
        prepare=prepare_time_zones,
    ),
    _mail(
        "list-supported-languages",
        "GET",
        "/me/outlook/supportedLanguages()",
        "List languages the mailbox supports.",
        "User.Read",
        presets=MAIL_AND_CALENDAR,
    ),
    # shared mailboxes (work accounts)
    _shared(
        "list-shared-mailbox-messages",
        "GET",
        _SHARED + "/messages",
        "List messages in a shared mailbox (userId = its address).",
        "Mail.Read.Shared",
        **_LIST_MESSAGES,
    ),
    _shared(
        "list-shared-mailbox-folder-messages",
        "GET",
        _SHARED + "/mailFolders/{mailFolderId}/messages",
        "List messages in a shared mailbox folder.",
        "Mail.Read.Shared",
        **_LIST_MESSAGES,
    ),
    _shared(
        "get-shared-mailbox-message",
        "GET",
        _SHARED_MSG,
        "Get a message from a shared mailbox.",
        "Mail.Read.Shared",
        query=GET_QUERY,
    ),
    _shared(
        "send-shared-mailbox-mail",
        "POST",
        _SHARED + "/sendMail",
        "Send mail as a shared mailbox.",
        "Mail.Send.Shared",
        body=SEND_BODY,
        prepare=prepare_send_mail,
    ),
    _shared(
        "create-shared-mailbox-draft",
        "POST",
        _SHARED + "/messages",
        "Create a draft in a shared mailbox.",
        "Mail.ReadWrite.Shared",
        body=MESSAGE_BODY,
        prepare=prepare_message,
    ),
    _shared(
        "move-shared-mailbox-message",
        "POST",
        _SHARED_MSG + "/move",
        "Move a shared mailbox message.",
        "Mail.ReadWrite.Shared",
        body=MOVE_BODY,
    ),
    _shared(
        "update-shared-mailbox-message",
        "PATCH",
        _SHARED_MSG,
        "Update a shared mailbox message.",
        "Mail.ReadWrite.Shared",
        body=UPDATE_BODY,
        prepare=prepare_message,
    ),
    _shared(
        "reply-shared-mailbox-mail",
        "POST",
        _SHARED_MSG + "/reply",
        "Reply from a shared mailbox.",
        "Mail.Send.Shared",
        body=REPLY_BODY,
        prepare=prepare_reply,
    ),
    _shared(
        "reply-all-shared-mailbox-mail",
        "POST",
        _SHARED_MSG + "/replyAll",
        "Reply to all from a shared mailbox.",
        "Mail.Send.Shared",
        body=REPLY_BODY,
        prepare=prepare_reply,
    ),
    _shared(
        "forward-shared-mailbox-mail",
        "POST",
        _SHARED_MSG + "/forward",
        "Forward from a shared mailbox.",
        "Mail.Send.Shared",
        body=FORWARD_BODY,
        prepare=prepare_forward,
    ),
    _shared(
        "create-shared-mailbox-reply-draft",
        "POST",
        _SHARED_MSG + "/createReply",
        "Create a reply draft in a shared mailbox.",
        "Mail.ReadWrite.Shared",
        body=REPLY_BODY,
        body_required=False,
        prepare=prepare_reply,
    ),
    _shared(
        "create-shared-mailbox-reply-all-draft",
        "POST",
        _SHARED_MSG + "/createReplyAll",
        "Create a reply-all draft in a shared mailbox.",
        "Mail.ReadWrite.Shared",
        body=REPLY_BODY,
        body_required=False,
        prepare=prepare_reply,
    ),
    _shared(
        "create-shared-mailbox-forward-draft",
        "POST",
        _SHARED_MSG + "/createForward",
        "Create a forward draft in a shared mailbox.",
        "Mail.ReadWrite.Shared",
        body=FORWARD_DRAFT_BODY,
        body_required=False,
        prepare=prepare_reply,
    ),
    _shared(
        "send-shared-mailbox-draft",
        "POST",
        _SHARED_MSG + "/send",
        "Send a draft from a shared mailbox.",
        "Mail.Send.Shared",
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every mail tool to the core."""
    for spec in TOOLS:
        register(spec)
