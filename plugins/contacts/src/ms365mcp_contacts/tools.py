"""The Outlook contacts tools as data, plus the normaliser that accepts contacts the way people write them.

A model naturally writes ``"emailAddresses": ["ana@x.com"]`` and ``"businessPhones": "+1 555 0100"``;
Graph wants objects and lists. ``prepare`` bridges the two so the schemas can stay tiny.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.catalog.spec import GET_OPTIONS
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, body_of, email_address

CONTACTS = frozenset({"contacts", "outlook", "personal"})
LIST_QUERY = frozenset({"top", "skip", "filter", "orderby", "select", "count", "expand"})
FOLDER_QUERY = frozenset({"top", "skip", "filter", "select"})
GET_QUERY = GET_OPTIONS

CONTACT_SELECT = ("id", "displayName", "emailAddresses", "companyName", "jobTitle", "mobilePhone", "businessPhones")
FOLDER_SELECT = ("id", "displayName", "parentFolderId")
PHONE_FIELDS = ("businessPhones", "homePhones")
TEXT_LISTS = ("categories", "imAddresses", "children")


def prepare_contact(args: dict[str, Any]) -> None:
    """Plain addresses and phone strings become Graph's lists and emailAddress objects."""
    body = body_of(args, required=True)
    emails = body.get("emailAddresses")
    if emails is not None:
        emails = address_list(emails, "body.emailAddresses")
        if len(emails) > 3:
            raise ToolInputError("body.emailAddresses", "Outlook keeps at most 3 e-mail addresses per contact")
        body["emailAddresses"] = [email_address(e, f"body.emailAddresses[{i}]") for i, e in enumerate(emails)]
    for field in (*PHONE_FIELDS, *TEXT_LISTS):
        if isinstance(body.get(field), str):
            body[field] = (
                [part.strip() for part in body[field].split(",") if part.strip()]
                if field in TEXT_LISTS
                else [body[field].strip()]
            )
    birthday = body.get("birthday")
    if isinstance(birthday, str) and len(birthday) == 10:
        body["birthday"] = birthday + "T00:00:00Z"  # Graph wants a full timestamp for a date


def prepare_new_contact(args: dict[str, Any]) -> None:
    """A contact needs at least a name or an address to be findable."""
    prepare_contact(args)
    body = args["body"]
    if not any(body.get(k) for k in ("givenName", "surname", "displayName", "emailAddresses", "companyName")):
        raise ToolInputError("body.givenName", "give a name, a company or an e-mail address")


def prepare_folder(args: dict[str, Any]) -> None:
    """A folder needs a non-empty name."""
    name = body_of(args, required=True).get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise ToolInputError("body.displayName", "give a folder name")
    args["body"]["displayName"] = name.strip()


_STR: dict[str, Any] = {"type": "string"}
_LIST: dict[str, Any] = {"type": ["array", "string"]}
CONTACT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "givenName": _STR,
        "surname": _STR,
        "displayName": _STR,
        "emailAddresses": _LIST,
        "businessPhones": _LIST,
        "mobilePhone": _STR,
        "companyName": _STR,
        "jobTitle": _STR,
        "birthday": _STR,
        "personalNotes": _STR,
    },
}
FOLDER_BODY: dict[str, Any] = {"type": "object", "properties": {"displayName": _STR}, "required": ["displayName"]}

_CONTACT = "/me/contacts/{contactId}"
_FOLDER = "/me/contactFolders/{contactFolderId}"


_tool = tool_maker(presets=CONTACTS)


_LIST_CONTACTS: dict[str, Any] = {"query": LIST_QUERY, "default_select": CONTACT_SELECT}
_LIST_FOLDERS: dict[str, Any] = {"query": FOLDER_QUERY, "default_select": FOLDER_SELECT}
_NEW_CONTACT: dict[str, Any] = {"body": CONTACT_BODY, "prepare": prepare_new_contact}
_NEW_FOLDER: dict[str, Any] = {"body": FOLDER_BODY, "prepare": prepare_folder}

TOOLS: tuple[ToolSpec, ...] = (
    _tool(
        "list-outlook-contacts",
        "GET",
        "/me/contacts",
        "List contacts in the default folder; filter e.g. startswith(displayName,'A').",
        "Contacts.Read",
        **_LIST_CONTACTS,
    ),
    _tool(
        "get-outlook-contact", "GET", _CONTACT, "Get one contact with all its fields.", "Contacts.Read", query=GET_QUERY
    ),
    _tool(
        "create-outlook-contact",
        "POST",
        "/me/contacts",
        "Create a contact; emailAddresses and phones may be plain strings.",
        "Contacts.ReadWrite",
        **_NEW_CONTACT,
    ),
    _tool(
        "update-outlook-contact",
        "PATCH",
        _CONTACT,
        "Change a contact; send only the fields that change.",
        "Contacts.ReadWrite",
        body=CONTACT_BODY,
        prepare=prepare_contact,
    ),
    _tool("delete-outlook-contact", "DELETE", _CONTACT, "Delete a contact.", "Contacts.ReadWrite"),
    _tool(
        "list-contact-folders",
        "GET",
        "/me/contactFolders",
        "List top-level contact folders.",
        "Contacts.Read",
        **_LIST_FOLDERS,
    ),
    _tool(
        "create-contact-folder",
        "POST",
        "/me/contactFolders",
        "Create a top-level contact folder.",
        "Contacts.ReadWrite",
        **_NEW_FOLDER,
    ),
    _tool("update-contact-folder", "PATCH", _FOLDER, "Rename a contact folder.", "Contacts.ReadWrite", **_NEW_FOLDER),
    _tool(
        "delete-contact-folder", "DELETE", _FOLDER, "Delete a contact folder and its contacts.", "Contacts.ReadWrite"
    ),
    _tool(
        "list-contact-folder-child-folders",
        "GET",
        _FOLDER + "/childFolders",
        "List subfolders of a contact folder.",
        "Contacts.Read",
        **_LIST_FOLDERS,
    ),
    _tool(
        "create-contact-child-folder",
        "POST",
        _FOLDER + "/childFolders",
        "Create a subfolder in a contact folder.",
        "Contacts.ReadWrite",
        **_NEW_FOLDER,
    ),
    _tool(
        "list-contact-folder-contacts",
        "GET",
        _FOLDER + "/contacts",
        "List contacts in a contact folder.",
        "Contacts.Read",
        **_LIST_CONTACTS,
    ),
    _tool(
        "create-contact-in-folder",
        "POST",
        _FOLDER + "/contacts",
        "Create a contact in a contact folder.",
        "Contacts.ReadWrite",
        **_NEW_CONTACT,
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every contacts tool to the core."""
    for spec in TOOLS:
        register(spec)
