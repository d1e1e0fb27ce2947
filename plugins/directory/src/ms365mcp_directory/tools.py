"""The directory tools as data: users, the org chart, people, groups, search, subscriptions and $batch.

Most tools are plain Graph requests. The ``prepare`` steps turn the inputs people naturally give
(a member's id, a search string, a base64 photo) into the shapes Graph wants, and refuse the
mistakes Graph would only report vaguely (an http notification URL, an expiry in the past).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.catalog.spec import GET_OPTIONS, LIST_OPTIONS
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import body_of
from ms365mcp_directory import batch

USERS = frozenset({"users", "work"})
ME = frozenset({"personal", "users", "work"})
WORK = frozenset({"work"})
SEARCH = frozenset({"personal", "search", "work"})

LIST_QUERY = LIST_OPTIONS
DIR_QUERY = frozenset({"top", "filter", "search", "orderby", "select", "count"})
GET_QUERY = GET_OPTIONS
PAGE_QUERY = frozenset({"top", "skip", "filter", "select"})

USER_SELECT = ("id", "displayName", "userPrincipalName", "mail", "jobTitle", "department")
GROUP_SELECT = ("id", "displayName", "mail", "groupTypes", "securityEnabled", "visibility")
PERSON_SELECT = ("id", "displayName", "scoredEmailAddresses", "jobTitle", "department", "personType")
EVENT_SELECT = ("id", "subject", "start", "end", "location", "organizer")
THREAD_SELECT = ("id", "topic", "lastDeliveredDateTime", "preview")

#: Where ``@odata.id`` references point; Graph accepts this form in every cloud's $ref bodies.
DIRECTORY_OBJECTS = "https://graph.microsoft.com/v1.0/directoryObjects/"
#: Graph's limit for a profile photo upload.
MAX_PHOTO_BYTES = 4 * 1024 * 1024
SEARCH_ENTITY_TYPES = frozenset(
    {
        "message",
        "chatMessage",
        "event",
        "drive",
        "driveItem",
        "list",
        "listItem",
        "site",
        "person",
        "externalItem",
        "bookmark",
        "acronym",
    }
)
#: Entity types one search request may combine (Graph's interleaving table); anything else is a 400.
SEARCH_COMBINABLE = (
    frozenset({"acronym", "bookmark"}),
    frozenset({"message", "chatMessage"}),
    frozenset({"drive", "driveItem", "externalItem", "list", "listItem", "site"}),
    frozenset({"event"}),
    frozenset({"person"}),
)
RETRIEVAL_SOURCES = ("sharePoint", "oneDriveBusiness", "externalItem")
CHANGE_TYPES = frozenset({"created", "updated", "deleted"})
_ZONE = re.compile(r"^[A-Za-z0-9 _/+\-().]{1,64}$")
_NICKNAME = re.compile(r"[^A-Za-z0-9._-]")


# --- input normalisers ----------------------------------------------------------------------------


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(field, "required; give a non-empty string")
    return value.strip()


def _when(value: Any, field: str) -> datetime:
    """An ISO 8601 instant; a value without offset is read as UTC, like Graph does."""
    text = _text(value, field)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ToolInputError(
            field, f"{text[:40]!r} is not an ISO 8601 date-time such as 2026-05-01T09:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def prepare_window(args: dict[str, Any]) -> None:
    """A calendar window needs two readable instants in order, and a plausible time zone name."""
    zone = args.get("timezone")
    if zone is not None and not _ZONE.match(str(zone)):
        raise ToolInputError("timezone", "give a time zone name such as Europe/Paris or Pacific Standard Time")
    start = _when(args.get("startDateTime"), "startDateTime")
    end = _when(args.get("endDateTime"), "endDateTime")
    if end <= start:
        raise ToolInputError("endDateTime", f"must be after startDateTime ({args['startDateTime']})")
    args["startDateTime"] = start.isoformat(timespec="seconds")
    args["endDateTime"] = end.isoformat(timespec="seconds")


def prepare_zone(args: dict[str, Any]) -> None:
    zone = args.get("timezone")
    if zone is not None and not _ZONE.match(str(zone)):
        raise ToolInputError("timezone", "give a time zone name such as Europe/Paris or Pacific Standard Time")


def _object_id(value: Any, field: str) -> str:
    text = _text(value, field)
    if "@" in text:
        raise ToolInputError(field, "give the object's id (from list-users or list-groups), not an e-mail address")
    if "/" in text or "?" in text or "#" in text or text in (".", ".."):
        raise ToolInputError(field, "must be a plain directory object id")
    return text


def reference_url(object_id: str) -> str:
    """The ``@odata.id`` Graph wants for a $ref add."""
    return DIRECTORY_OBJECTS + object_id


def prepare_reference(args: dict[str, Any]) -> None:
    """``{"id": "..."}`` (or an id string) becomes ``{"@odata.id": ".../directoryObjects/<id>"}``."""
    body = args.get("body")
    if isinstance(body, str):
        body = {"id": body}
    if not isinstance(body, dict):
        raise ToolInputError("body", 'expected {"id": "<user or group id>"}')
    given = body.get("@odata.id")
    if given is not None and body.get("id") is None:
        if not isinstance(given, str) or not given.startswith(DIRECTORY_OBJECTS):
            raise ToolInputError("body.@odata.id", f"must be {DIRECTORY_OBJECTS}<id>; or give body.id instead")
        object_id = _object_id(given[len(DIRECTORY_OBJECTS) :], "body.@odata.id")
    else:
        object_id = _object_id(body.get("id"), "body.id")
    args["body"] = {"@odata.id": reference_url(object_id)}


def _id_list(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise ToolInputError(field, "expected a list of ids")
    return [_object_id(v, f"{field}[{i}]") for i, v in enumerate(value)]


def prepare_group(args: dict[str, Any], *, new: bool) -> None:
    """Fill in what a new group needs; plain member and owner ids become ``@odata.bind`` lists."""
    body = body_of(args, required=True)
    if new or "displayName" in body:
        body["displayName"] = _text(body.get("displayName"), "body.displayName")
    kind = body.pop("kind", None)
    if kind is not None:
        if kind not in ("microsoft365", "security"):
            raise ToolInputError("body.kind", 'must be "microsoft365" or "security"')
        body.setdefault("groupTypes", ["Unified"] if kind == "microsoft365" else [])
    if new:
        unified = "Unified" in (body.get("groupTypes") or [])
        body.setdefault("groupTypes", [])
        body.setdefault("mailEnabled", unified)
        body.setdefault("securityEnabled", not unified)
        if not body.get("mailNickname"):
            nickname = _NICKNAME.sub("", body["displayName"])[:64]
            if not nickname:
                raise ToolInputError("body.mailNickname", "give a mail nickname (letters and digits)")
            body["mailNickname"] = nickname
    nickname = body.get("mailNickname")
    if nickname is not None and (not isinstance(nickname, str) or _NICKNAME.search(nickname) or not nickname):
        raise ToolInputError("body.mailNickname", "use letters, digits, '.', '_' or '-' only, no spaces or '@'")
    for field in ("members", "owners"):
        if field in body:
            if not new:
                raise ToolInputError(f"body.{field}", f"use add-group-{field[:-1]} to change {field} of a group")
            ids = _id_list(body.pop(field), f"body.{field}")
            if len(ids) > 20:
                raise ToolInputError(f"body.{field}", "Graph takes at most 20 members and owners on create")
            body[f"{field}@odata.bind"] = [reference_url(i) for i in ids]


def prepare_new_group(args: dict[str, Any]) -> None:
    prepare_group(args, new=True)


def prepare_group_update(args: dict[str, Any]) -> None:
    prepare_group(args, new=False)
    if not args["body"]:
        raise ToolInputError("body", "give at least one field to change")


def prepare_thread_reply(args: dict[str, Any]) -> None:
    """``{"content": "text"}`` becomes Graph's ``{"post": {"body": {...}}}``."""
    body = body_of(args, required=True)
    if "post" in body:
        post = body["post"]
        if not isinstance(post, dict) or not isinstance(post.get("body"), dict):
            raise ToolInputError("body.post.body", 'expected {"contentType": "text", "content": "..."}')
        _text(post["body"].get("content"), "body.post.body.content")
        return
    content = _text(body.get("content"), "body.content")
    kind = body.get("contentType", "text")
    if kind not in ("text", "html"):
        raise ToolInputError("body.contentType", 'must be "text" or "html"')
    args["body"] = {"post": {"body": {"contentType": kind, "content": content}}}


def prepare_photo(args: dict[str, Any]) -> None:
    """The JPEG arrives as base64 text; Graph wants the raw bytes."""
    data = args.get("body")
    if not isinstance(data, str) or not data.strip():
        raise ToolInputError("body", "give the JPEG image as base64 text")
    text = data.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ToolInputError("body", "is not valid base64") from None
    if not raw.startswith(b"\xff\xd8\xff"):
        raise ToolInputError("body", "is not a JPEG image (convert PNG or other formats to JPEG first)")
    if len(raw) > MAX_PHOTO_BYTES:
        raise ToolInputError("body", f"is {len(raw)} bytes; Graph takes photos up to 4 MB")
    args["body"] = raw


def _entity_types(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise ToolInputError(field, "give one or more of: " + ", ".join(sorted(SEARCH_ENTITY_TYPES)))
    for i, kind in enumerate(value):
        if kind not in SEARCH_ENTITY_TYPES:
            raise ToolInputError(f"{field}[{i}]", f"{kind!r} is not one of: " + ", ".join(sorted(SEARCH_ENTITY_TYPES)))
    if not any(set(value) <= group for group in SEARCH_COMBINABLE):
        raise ToolInputError(
            field,
            "Graph can't search these together; combine only message+chatMessage, the file/site types "
            "(drive, driveItem, list, listItem, site, externalItem) or acronym+bookmark; use separate requests",
        )
    return value


def prepare_search(args: dict[str, Any]) -> None:
    """A plain ``queryString`` plus ``entityTypes`` becomes the one-element ``requests`` list Graph wants."""
    body = body_of(args, required=True)
    if "requests" not in body:
        request: dict[str, Any] = {
            "entityTypes": _entity_types(body.pop("entityTypes", None), "body.entityTypes"),
            "query": {"queryString": _text(body.pop("queryString", None), "body.queryString")},
        }
        for key in ("from", "size", "fields", "region"):
            if key in body:
                request[key] = body.pop(key)
        body["requests"] = [request]
    requests = body["requests"]
    if not isinstance(requests, list) or not requests:
        raise ToolInputError("body.requests", "give at least one search request")
    for i, request in enumerate(requests):
        field = f"body.requests[{i}]"
        if not isinstance(request, dict):
            raise ToolInputError(field, "expected an object with entityTypes and query")
        request["entityTypes"] = _entity_types(request.get("entityTypes"), f"{field}.entityTypes")
        query = request.get("query")
        if isinstance(query, str):
            query = request["query"] = {"queryString": query}
        if not isinstance(query, dict):
            raise ToolInputError(f"{field}.query", 'expected {"queryString": "..."}')
        _text(query.get("queryString"), f"{field}.query.queryString")
        for key, low in (("from", 0), ("size", 1)):
            if key in request and (not isinstance(request[key], int) or request[key] < low):
                raise ToolInputError(f"{field}.{key}", f"must be a whole number of at least {low}")


#: A bare directory $search term is looked for in these properties.
_SEARCH_PROPS = ("displayName", "mail")
_CLAUSE = re.compile(r'^\s*"[^"]*"(\s+(AND|OR)\s+"[^"]*")*\s*$')


def prepare_directory_search(args: dict[str, Any]) -> None:
    """Directory ``$search`` only takes quoted ``"property:value"`` clauses; a bare ``ana`` (or an
    unquoted ``displayName:ana``) is quoted here instead of coming back as Graph's syntax error."""
    text = args.get("search")
    if not isinstance(text, str) or not text.strip():
        return
    if _CLAUSE.match(text) and all(":" in clause for clause in re.findall(r'"([^"]*)"', text)):
        return
    term = text.strip().strip('"').replace('"', "")
    prop, sep, value = term.partition(":")
    if sep and re.match(r"^[A-Za-z]+$", prop) and value.strip():
        args["search"] = f'"{prop}:{value.strip()}"'
    else:
        args["search"] = " OR ".join(f'"{name}:{term}"' for name in _SEARCH_PROPS)


def prepare_retrieval(args: dict[str, Any]) -> None:
    """Copilot retrieval wants a short query, a data source and at most 25 results."""
    body = body_of(args, required=True)
    query = _text(body.get("queryString"), "body.queryString")
    if len(query) > 1500:
        raise ToolInputError("body.queryString", "must be at most 1500 characters")
    source = body.get("dataSource")
    if source not in RETRIEVAL_SOURCES:
        raise ToolInputError("body.dataSource", "must be one of: " + ", ".join(RETRIEVAL_SOURCES))
    top = body.get("maximumNumberOfResults")
    if top is not None and (not isinstance(top, int) or not 1 <= top <= 25):
        raise ToolInputError("body.maximumNumberOfResults", "must be a whole number from 1 to 25")
    body["queryString"] = query


def _https(value: Any, field: str) -> None:
    text = _text(value, field)
    if not text.lower().startswith("https://") or len(text) <= len("https://"):
        raise ToolInputError(field, "must be an https:// URL that Graph can reach")


def _future(value: Any, field: str, now: Callable[[], datetime]) -> str:
    moment = _when(value, field)
    if moment <= now():
        raise ToolInputError(field, f"must be in the future (it is {moment.isoformat(timespec='seconds')})")
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _now() -> datetime:
    return datetime.now(UTC)


def prepare_subscription(args: dict[str, Any], *, new: bool = True, now: Callable[[], datetime] = _now) -> None:
    """Check what Graph would refuse late: the URLs must be https and the expiry in the future."""
    body = body_of(args, required=True)
    if new:
        for field in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if not body.get(field):
                raise ToolInputError(f"body.{field}", "required")
    if "changeType" in body:
        kinds = body["changeType"]
        parts = kinds if isinstance(kinds, list) else str(kinds).split(",")
        parts = [str(p).strip() for p in parts if str(p).strip()]
        bad = [p for p in parts if p not in CHANGE_TYPES]
        if bad or not parts:
            raise ToolInputError("body.changeType", "use created, updated and/or deleted, comma-separated")
        body["changeType"] = ",".join(parts)
    for field in ("notificationUrl", "lifecycleNotificationUrl"):
        if field in body:
            _https(body[field], f"body.{field}")
    if "resource" in body:
        resource = _text(body["resource"], "body.resource")
        if "://" in resource or ".." in resource.split("/"):
            raise ToolInputError("body.resource", "give a Graph resource path such as me/mailFolders('inbox')/messages")
        body["resource"] = resource.lstrip("/")
    if "expirationDateTime" in body:
        body["expirationDateTime"] = _future(body["expirationDateTime"], "body.expirationDateTime", now)
    if not new and not body:
        raise ToolInputError("body", "give expirationDateTime (or notificationUrl) to change")


def prepare_subscription_update(args: dict[str, Any]) -> None:
    prepare_subscription(args, new=False)


# --- schemas ---------------------------------------------------------------------------------------

_STR: dict[str, Any] = {"type": "string"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_INT: dict[str, Any] = {"type": "integer"}
_LIST: dict[str, Any] = {"type": ["array", "string"]}
_OBJ: dict[str, Any] = {"type": "object"}

TIMEZONE: dict[str, dict[str, Any]] = {"timezone": _STR}
WINDOW: dict[str, dict[str, Any]] = {
    "startDateTime": {"type": "string", "required": True, "in": "query"},
    "endDateTime": {"type": "string", "required": True, "in": "query"},
    **TIMEZONE,
}
REF_BODY: dict[str, Any] = {"type": "object", "properties": {"id": _STR}}
GROUP_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "displayName": _STR,
        "description": _STR,
        "kind": {"enum": ["microsoft365", "security"]},
        "mailNickname": _STR,
        "visibility": {"enum": ["Private", "Public", "HiddenMembership"]},
        "members": _LIST,
        "owners": _LIST,
    },
}
REPLY_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"content": _STR, "contentType": {"enum": ["text", "html"]}},
}
SEARCH_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "queryString": _STR,
        "entityTypes": _LIST,
        "from": _INT,
        "size": _INT,
        "requests": {"type": "array"},
    },
}
RETRIEVAL_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "queryString": _STR,
        "dataSource": {"enum": list(RETRIEVAL_SOURCES)},
        "filterExpression": _STR,
        "maximumNumberOfResults": _INT,
    },
    "required": ["queryString", "dataSource"],
}
SUBSCRIPTION_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource": _STR,
        "changeType": _LIST,
        "notificationUrl": _STR,
        "expirationDateTime": _STR,
        "clientState": _STR,
        "lifecycleNotificationUrl": _STR,
    },
}
BATCH_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"requests": {"type": "array", "items": _OBJ}},
    "required": ["requests"],
}

# --- the tools --------------------------------------------------------------------------------------

_GROUP = "/groups/{groupId}"
_SUB = "/subscriptions/{subscriptionId}"


#: A tool whose permission exists only for work or school accounts (the directory is an org thing).
_org = tool_maker(presets=WORK, org_only=True)
#: A tool with no permission listed (subscriptions, $batch): it needs what its target resource needs.
_open = tool_maker()


_DIR: dict[str, Any] = {"query": DIR_QUERY, "prepare": prepare_directory_search}
_USERS_LIST: dict[str, Any] = {**_DIR, "default_select": USER_SELECT, "presets": USERS}
_GROUPS_LIST: dict[str, Any] = {**_DIR, "default_select": GROUP_SELECT}
_GROUP_EVENTS: dict[str, Any] = {"default_select": EVENT_SELECT}

TOOLS: tuple[ToolSpec, ...] = (
    # the signed-in user
    ToolSpec(
        "get-current-user",
        "GET",
        "/me",
        "Get the signed-in user's account (name, mail, job, office).",
        scopes="User.Read",
        query=GET_QUERY,
        presets=ME,
    ),
    ToolSpec(
        "get-my-profile",
        "GET",
        "/me/profile",
        "Get the signed-in user's rich profile (positions, skills, languages).",
        scopes="User.Read",
        api_version="beta",
        query=GET_QUERY,
        presets=ME,
    ),
    ToolSpec(
        "upload-my-profile-photo",
        "PUT",
        "/me/photo/$value",
        "Set the signed-in user's photo; body is the JPEG as base64.",
        scopes="User.ReadWrite",
        content_type="image/jpeg",
        body={"type": "string"},
        presets=frozenset({"personal"}),
        prepare=prepare_photo,
    ),
    # the directory
    _org("list-users", "GET", "/users", "List or search users in the organisation.", "User.Read.All", **_USERS_LIST),
    _org(
        "get-my-manager",
        "GET",
        "/me/manager",
        "Get the signed-in user's manager.",
        "User.Read.All",
        query=GET_QUERY,
        presets=USERS,
    ),
    _org(
        "list-my-direct-reports",
        "GET",
        "/me/directReports",
        "List people who report to the signed-in user.",
        "User.Read.All",
        **_USERS_LIST,
    ),
    _org(
        "get-user-manager",
        "GET",
        "/users/{userId}/manager",
        "Get a user's manager (userId may be a UPN).",
        "User.Read.All",
        query=GET_QUERY,
        presets=USERS,
    ),
    _org(
        "list-user-direct-reports",
        "GET",
        "/users/{userId}/directReports",
        "List a user's direct reports.",
        "User.Read.All",
        **_USERS_LIST,
    ),
    _org(
        "list-relevant-people",
        "GET",
        "/me/people",
        "People the user works with most, by relevance; search finds by name.",
        "People.Read",
        query=frozenset({"top", "skip", "filter", "search", "select"}),
        default_select=PERSON_SELECT,
        presets=USERS,
    ),
    _org(
        "list-my-memberships",
        "GET",
        "/me/memberOf",
        "Groups and roles the signed-in user belongs to.",
        "Directory.Read.All",
        **_DIR,
        presets=USERS,
    ),
    _org(
        "list-trending-insights",
        "GET",
        "/me/insights/trending",
        "Documents trending around the user.",
        "Sites.Read.All",
        query=PAGE_QUERY,
        presets=frozenset({"personal"}),
    ),
    # groups
    _org(
        "list-groups",
        "GET",
        "/groups",
        "List or search groups (Microsoft 365 and security).",
        "Group.Read.All",
        **_GROUPS_LIST,
    ),
    _org("get-group", "GET", _GROUP, "Get one group.", "Group.Read.All", query=GET_QUERY),
    _org(
        "get-group-calendar-view",
        "GET",
        _GROUP + "/calendarView",
        "A Microsoft 365 group's events between startDateTime and endDateTime.",
        "Group.Read.All",
        query=frozenset({"top", "skip", "filter", "orderby", "select"}),
        params=WINDOW,
        prepare=prepare_window,
        **_GROUP_EVENTS,
    ),
    _org(
        "list-group-events",
        "GET",
        _GROUP + "/events",
        "List a Microsoft 365 group's calendar events.",
        "Group.Read.All",
        query=frozenset({"top", "skip", "filter", "orderby", "select"}),
        params=TIMEZONE,
        prepare=prepare_zone,
        **_GROUP_EVENTS,
    ),
    _org(
        "list-group-members",
        "GET",
        _GROUP + "/members",
        "List a group's members.",
        "GroupMember.Read.All",
        **_DIR,
        default_select=USER_SELECT,
    ),
    _org(
        "list-group-owners",
        "GET",
        _GROUP + "/owners",
        "List a group's owners.",
        "GroupMember.Read.All",
        **_DIR,
        default_select=USER_SELECT,
    ),
    _org(
        "list-group-conversations",
        "GET",
        _GROUP + "/conversations",
        "List a Microsoft 365 group's conversations.",
        "Group.Read.All",
        query=PAGE_QUERY,
        default_select=THREAD_SELECT,
    ),
    _org(
        "list-group-threads",
        "GET",
        _GROUP + "/threads",
        "List a Microsoft 365 group's threads.",
        "Group.Read.All",
        query=frozenset({"top", "skip", "filter", "orderby", "select"}),
        default_select=THREAD_SELECT,
    ),
    _org(
        "reply-to-group-thread",
        "POST",
        _GROUP + "/threads/{conversationThreadId}/reply",
        "Reply to a group thread; body.content is the text.",
        "Group.ReadWrite.All",
        body=REPLY_BODY,
        prepare=prepare_thread_reply,
    ),
    _org(
        "create-group",
        "POST",
        "/groups",
        "Create a group; kind microsoft365 or security, members/owners as ids.",
        "Group.ReadWrite.All",
        body={**GROUP_BODY, "required": ["displayName"]},
        prepare=prepare_new_group,
    ),
    _org(
        "update-group",
        "PATCH",
        _GROUP,
        "Change a group's name, description or visibility.",
        "Group.ReadWrite.All",
        body=GROUP_BODY,
        prepare=prepare_group_update,
    ),
    _org("delete-group", "DELETE", _GROUP, "Delete a group (restorable for 30 days).", "Group.ReadWrite.All"),
    _org(
        "add-group-member",
        "POST",
        _GROUP + "/members/$ref",
        "Add a user or group to a group; body.id is its id.",
        "GroupMember.ReadWrite.All",
        body=REF_BODY,
        prepare=prepare_reference,
    ),
    _org(
        "remove-group-member",
        "DELETE",
        _GROUP + "/members/{directoryObjectId}/$ref",
        "Remove a member from a group.",
        "GroupMember.ReadWrite.All",
    ),
    _org(
        "add-group-owner",
        "POST",
        _GROUP + "/owners/$ref",
        "Make a user an owner of a group; body.id is the user's id.",
        "Group.ReadWrite.All",
        body=REF_BODY,
        prepare=prepare_reference,
    ),
    _org(
        "remove-group-owner",
        "DELETE",
        _GROUP + "/owners/{directoryObjectId}/$ref",
        "Remove an owner from a group.",
        "Group.ReadWrite.All",
    ),
    # search
    _org(
        "search-query",
        "POST",
        "/search/query",
        "Microsoft Search across mail, events, files, sites and people; queryString plus entityTypes.",
        "Mail.Read Calendars.Read Files.Read.All People.Read Sites.Read.All Chat.Read ChannelMessage.Read.All",
        body=SEARCH_BODY,
        read_only=True,
        prepare=prepare_search,
        presets=SEARCH,
    ),
    _org(
        "copilot-retrieve",
        "POST",
        "/copilot/retrieval",
        "Retrieve text extracts relevant to a question from SharePoint, OneDrive or connectors.",
        "Files.Read.All Sites.Read.All | ExternalItem.Read.All",
        body=RETRIEVAL_BODY,
        read_only=True,
        prepare=prepare_retrieval,
        presets=frozenset({"search", "work"}),
    ),
    # change notifications
    _open("list-subscriptions", "GET", "/subscriptions", "List this app's change-notification subscriptions."),
    _open(
        "create-subscription",
        "POST",
        "/subscriptions",
        "Subscribe an https notificationUrl to changes of a resource until expirationDateTime.",
        body={**SUBSCRIPTION_BODY, "required": ["resource", "changeType", "notificationUrl", "expirationDateTime"]},
        prepare=prepare_subscription,
    ),
    _open("get-subscription", "GET", _SUB, "Get one subscription."),
    _open(
        "update-subscription",
        "PATCH",
        _SUB,
        "Renew a subscription (new expirationDateTime) or change its notificationUrl.",
        body=SUBSCRIPTION_BODY,
        prepare=prepare_subscription_update,
    ),
    _open("delete-subscription", "DELETE", _SUB, "Delete a subscription."),
    _open("reauthorize-subscription", "POST", _SUB + "/reauthorize", "Reauthorize a subscription after a challenge."),
    # $batch
    _open(
        "graph-batch",
        "POST",
        "/$batch",
        "Run up to 20 calls of enabled tools in one request: requests[] of {id, method, url, body?, dependsOn?}.",
        body=BATCH_BODY,
        handler=batch.run_batch,
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every directory tool to the core."""
    for spec in TOOLS:
        register(spec)
