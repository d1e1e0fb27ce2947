"""The Teams tools as data: teams, channels, chats, messages, presence and a little teamwork.

Every row is work/school only (personal accounts have no Teams Graph API), so each spec is ``org_only``.
The ``prepare`` steps let a model write what it means — a plain message string, ``"like"`` for a
reaction, e-mail addresses for chat members, a message id to pin — and turn it into Graph's shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, body_of, email_address

GRAPH = "https://graph.microsoft.com/v1.0"
READ = frozenset({"teams", "work"})
WRITE = frozenset({"teams", "teams-write", "work"})

#: An object id: a GUID (the sandbox's user ids bend the last group, so it is read loosely).
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-zA-Z]{12,13}$")
_HTML_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^>]*)?/?>")
#: Friendly reaction names mapped to the unicode emoji setReaction takes.
REACTIONS = {"like": "👍", "heart": "❤️", "laugh": "😆", "surprised": "😮", "sad": "😢", "angry": "😡"}
#: availability -> activity Graph accepts with it (setPresence), used when activity is left out.
SESSION_ACTIVITY = {"Available": "Available", "Busy": "InACall", "Away": "Away", "DoNotDisturb": "Presenting"}
SESSION_PAIRS = {("Busy", "InAConferenceCall"), *SESSION_ACTIVITY.items()}
PREFERRED_ACTIVITY = {
    "Available": "Available",
    "Busy": "Busy",
    "DoNotDisturb": "DoNotDisturb",
    "BeRightBack": "BeRightBack",
    "Away": "Away",
    "Offline": "OffWork",
}


# --- prepare steps --------------------------------------------------------------------------------


def _item_body(value: Any, field: str) -> dict[str, str]:
    """Graph's itemBody from a string (HTML when it holds tags) or a {contentType, content} object."""
    if isinstance(value, str):
        kind = "html" if _HTML_TAG.search(value) else "text"
        value = {"contentType": kind, "content": value}
    if not isinstance(value, dict):
        raise ToolInputError(field, 'expected a string or {"contentType": "html"|"text", "content": "..."}')
    kind = str(value.get("contentType") or "text").lower()
    if kind not in ("html", "text"):
        raise ToolInputError(f"{field}.contentType", "expected html or text")
    content = value.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ToolInputError(f"{field}.content", "the message text can't be empty")
    return {"contentType": kind, "content": content}


def prepare_message(args: dict[str, Any]) -> None:
    """A message given as a bare string, or with ``body`` as a string, becomes a chatMessage."""
    if isinstance(args.get("body"), str):
        args["body"] = {"body": args["body"]}
    body = body_of(args, required=True)
    if "body" not in body and "content" in body:  # {"content": ..., "contentType": ...} given flat
        body["body"] = {k: body.pop(k) for k in ("content", "contentType") if k in body}
    if "body" not in body:
        raise ToolInputError("body.body", "give the message text")
    body["body"] = _item_body(body["body"], "body.body")
    if "importance" in body and body["importance"] not in ("normal", "high", "urgent"):
        raise ToolInputError("body.importance", "expected normal, high or urgent")


def prepare_reaction(args: dict[str, Any]) -> None:
    """``"like"``, ``"heart"`` … or any emoji; Graph takes the unicode character."""
    if isinstance(args.get("body"), str):
        args["body"] = {"reactionType": args["body"]}
    body = body_of(args, required=True)
    reaction = body.get("reactionType")
    if not isinstance(reaction, str) or not reaction.strip():
        raise ToolInputError("body.reactionType", 'give an emoji such as "👍" or one of ' + ", ".join(REACTIONS))
    body["reactionType"] = REACTIONS.get(reaction.strip().lower(), reaction.strip())


def prepare_pin(args: dict[str, Any]) -> None:
    """Pin by message id; the bind URL Graph wants is built from the chat and message ids."""
    body = body_of(args, required=True)
    if "message@odata.bind" in body:
        return
    message_id = body.pop("messageId", None)
    if not isinstance(message_id, str) or not message_id.strip():
        raise ToolInputError("body.messageId", "give the id of the chat message to pin")
    body["message@odata.bind"] = f"{GRAPH}/chats/{args['chatId']}/messages/{message_id.strip()}"


def _user_bind(value: Any, field: str) -> str:
    """``users('…')`` bind URL from a user id or an e-mail address / UPN."""
    if isinstance(value, str) and _GUID.match(value.strip()):
        return f"{GRAPH}/users('{value.strip()}')"
    return f"{GRAPH}/users('{email_address(value, field)['address']}')"


def _member(value: Any, field: str, roles: list[str]) -> dict[str, Any]:
    if isinstance(value, dict) and "user@odata.bind" in value:
        return {"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": roles, **value}
    if isinstance(value, dict) and ("userId" in value or "email" in value):
        value = value.get("userId") or value.get("email")
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": roles,
        "user@odata.bind": _user_bind(value, field),
    }


def prepare_chat(args: dict[str, Any]) -> None:
    """Members as addresses or ids; chatType follows from how many there are."""
    body = body_of(args, required=True)
    raw = body.get("members")
    if raw is None:
        raise ToolInputError("body.members", "list the people in the chat, yourself included")
    entries = raw if isinstance(raw, list) else address_list(raw, "body.members")
    if len(entries) < 2:
        raise ToolInputError("body.members", "a chat needs at least two members, yourself included")
    body["members"] = [_member(e, f"body.members[{i}]", ["owner"]) for i, e in enumerate(entries)]
    kind = body.setdefault("chatType", "oneOnOne" if len(entries) == 2 and not body.get("topic") else "group")
    if kind not in ("oneOnOne", "group"):
        raise ToolInputError("body.chatType", "expected oneOnOne or group")
    if kind == "oneOnOne" and len(entries) != 2:
        raise ToolInputError("body.members", "a oneOnOne chat has exactly two members")
    if kind == "oneOnOne" and body.get("topic"):
        raise ToolInputError("body.topic", "only group chats have a topic")


def prepare_team_member(args: dict[str, Any]) -> None:
    """``{"user": "megan@contoso.com", "owner": true}`` becomes an aadUserConversationMember."""
    body = body_of(args, required=True)
    if "user@odata.bind" in body:
        return
    if "user" not in body:
        raise ToolInputError("body.user", "give the user's e-mail address or id")
    roles = body.get("roles") or (["owner"] if body.get("owner") else [])
    if not isinstance(roles, list) or not set(roles) <= {"owner", "guest"}:
        raise ToolInputError("body.roles", 'expected [] or ["owner"]')
    args["body"] = _member(body["user"], "body.user", roles)


def prepare_channel(args: dict[str, Any]) -> None:
    """A channel needs a name Teams accepts."""
    body = body_of(args, required=True)
    name = body.get("displayName")
    if name is None and args.get("channelId"):
        return  # an update may leave the name alone
    if not isinstance(name, str) or not name.strip():
        raise ToolInputError("body.displayName", "give the channel a name")
    if len(name) > 50 or any(c in name for c in "~#%&*{}+/\\:<>?|'\""):
        raise ToolInputError("body.displayName", "at most 50 characters, none of ~ # % & * { } + / \\ : < > ? | ' \"")
    body["displayName"] = name.strip()
    kind = body.get("membershipType")
    if kind is not None and kind not in ("standard", "private", "shared"):
        raise ToolInputError("body.membershipType", "expected standard, private or shared")


_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def _duration(body: dict[str, Any], most_minutes: int | None) -> None:
    """Minutes as a number become the ISO 8601 duration Graph expects; an app session lasts 5 min to 4 h."""
    value = body.get("expirationDuration")
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        minutes: float = value
        body["expirationDuration"] = f"PT{value}M"
    else:
        match = _ISO_DURATION.match(value) if isinstance(value, str) else None
        if match is None or value in ("P", "PT"):
            raise ToolInputError("body.expirationDuration", 'expected minutes or an ISO 8601 duration such as "PT1H"')
        days, hours, mins, secs = (int(g or 0) for g in match.groups())
        minutes = days * 1440 + hours * 60 + mins + secs / 60
    if minutes < 5 or (most_minutes is not None and minutes > most_minutes):
        span = f"between 5 and {most_minutes} minutes" if most_minutes else "at least 5 minutes"
        raise ToolInputError("body.expirationDuration", span)


def _availability(
    body: dict[str, Any], activities: dict[str, str], pairs: set[tuple[str, str]], most_minutes: int | None
) -> None:
    wanted = body.get("availability")
    if wanted not in activities:
        raise ToolInputError("body.availability", "expected one of " + ", ".join(activities))
    body.setdefault("activity", activities[wanted])
    if (wanted, body["activity"]) not in pairs:
        allowed = sorted(a for av, a in pairs if av == wanted)
        raise ToolInputError("body.activity", f"with {wanted} expected " + " or ".join(allowed))
    _duration(body, most_minutes)


def _session(body: dict[str, Any]) -> None:
    session = body.get("sessionId")
    if not isinstance(session, str) or not _GUID.match(session):
        raise ToolInputError("body.sessionId", "give the application (client) id that owns the presence session")


def prepare_session_presence(args: dict[str, Any]) -> None:
    body = body_of(args, required=True)
    _session(body)
    _availability(body, SESSION_ACTIVITY, SESSION_PAIRS, 240)


def prepare_clear_session(args: dict[str, Any]) -> None:
    _session(body_of(args, required=True))


def prepare_preferred_presence(args: dict[str, Any]) -> None:
    body = body_of(args, required=True)
    _availability(body, PREFERRED_ACTIVITY, set(PREFERRED_ACTIVITY.items()), None)


def prepare_status_message(args: dict[str, Any]) -> None:
    """A plain string is the status text; ``expiry`` (ISO date-time, UTC) sets when it ends."""
    if isinstance(args.get("body"), str):
        args["body"] = {"statusMessage": args["body"]}
    body = body_of(args, required=True)
    status = body.get("statusMessage")
    if isinstance(status, str):
        status = {"message": {"content": status, "contentType": "text"}}
    if not isinstance(status, dict) or not isinstance(status.get("message"), dict | str):
        raise ToolInputError("body.statusMessage", 'expected a string or {"message": {"content": "..."}}')
    if isinstance(status["message"], str):
        status["message"] = {"content": status["message"], "contentType": "text"}
    status["message"].setdefault("contentType", "text")
    expiry = body.pop("expiry", None)
    if expiry is not None:
        if not isinstance(expiry, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", expiry):
            raise ToolInputError("body.expiry", 'expected an ISO date-time such as "2026-12-01T17:00:00"')
        status["expiryDateTime"] = {"dateTime": expiry.rstrip("Z"), "timeZone": "UTC"}
    body["statusMessage"] = status


def prepare_presence_ids(args: dict[str, Any]) -> None:
    """User ids as a list or a comma-separated string; Graph takes object ids only."""
    body = body_of(args, required=True)
    ids = body.get("ids")
    if isinstance(ids, str):
        ids = [part.strip() for part in ids.split(",") if part.strip()]
    if not isinstance(ids, list) or not ids:
        raise ToolInputError("body.ids", "give one or more user object ids")
    for i, value in enumerate(ids):
        if not isinstance(value, str) or not _GUID.match(value):
            raise ToolInputError(f"body.ids[{i}]", f"{value!r} is not a user object id (a GUID)")
    body["ids"] = ids


def prepare_activity(args: dict[str, Any]) -> None:
    """``previewText`` may be a string; ``templateParameters`` may be a {name: value} object."""
    body = body_of(args, required=True)
    topic = body.get("topic")
    if isinstance(topic, str):  # a URL of a Graph resource, e.g. a team or a chat
        body["topic"] = {"source": "entityUrl", "value": topic}
    if not isinstance(body.get("topic"), dict):
        raise ToolInputError("body.topic", 'expected {"source": "entityUrl"|"text", "value": ..., "webUrl": ...}')
    if not isinstance(body.get("activityType"), str) or not body["activityType"]:
        raise ToolInputError("body.activityType", "give an activity type declared in the Teams app manifest")
    if isinstance(body.get("previewText"), str):
        body["previewText"] = {"content": body["previewText"]}
    params = body.get("templateParameters")
    if isinstance(params, dict):
        body["templateParameters"] = [{"name": k, "value": str(v)} for k, v in params.items()]


#: $orderby on chat messages: descending only, on one of these; $filter works only on the same property.
CHAT_ORDER = {"lastModifiedDateTime": ("gt", "lt"), "createdDateTime": ("lt",)}
_FILTER_TERM = re.compile(r"([\w/]+)\s+(eq|ne|gt|ge|lt|le)\s", re.IGNORECASE)


def _page_size(args: dict[str, Any], most: int = 50) -> None:
    """Teams message lists page at most 50 items; Graph refuses a bigger $top."""
    top = args.get("top")
    if isinstance(top, int) and not 1 <= top <= most:
        raise ToolInputError("top", f"between 1 and {most} for Teams messages")


def prepare_chat_messages(args: dict[str, Any]) -> None:
    """Graph filters chat messages only by a date on the property they are ordered by (newest first)."""
    _page_size(args)
    order = args.get("orderby")
    if order is not None:
        name, _, direction = str(order).strip().partition(" ")
        if name not in CHAT_ORDER or direction.strip().lower() != "desc":
            raise ToolInputError("orderby", "expected lastModifiedDateTime desc or createdDateTime desc")
        args["orderby"] = f"{name} desc"
    text = args.get("filter")
    if not text:
        return
    terms = [(m.group(1), m.group(2).lower()) for m in _FILTER_TERM.finditer(str(text))]
    fields = {name for name, _ in terms}
    if not terms or len(fields) != 1 or next(iter(fields)) not in CHAT_ORDER:
        raise ToolInputError("filter", "filter on one of lastModifiedDateTime (gt, lt) or createdDateTime (lt)")
    field = next(iter(fields))
    if any(op not in CHAT_ORDER[field] for _, op in terms):
        raise ToolInputError("filter", f"{field} supports only " + " and ".join(CHAT_ORDER[field]))
    if order is None:
        args["orderby"] = f"{field} desc"  # Graph ignores the filter unless ordered by the same property
    elif not args["orderby"].startswith(field + " "):
        raise ToolInputError("filter", f"Graph only filters on the orderby property ({args['orderby']})")


def prepare_channel_messages(args: dict[str, Any]) -> None:
    _page_size(args)


def prepare_emoji(args: dict[str, Any]) -> None:
    body = body_of(args, required=True)
    for field in ("displayName", "contentBytes"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            raise ToolInputError(f"body.{field}", "required")
    if not re.match(r"^[a-z0-9_-]{1,64}$", body["displayName"]):
        raise ToolInputError("body.displayName", "lower-case letters, digits, - and _ only")


# --- schemas --------------------------------------------------------------------------------------

_STR: dict[str, Any] = {"type": "string"}
_ANY_BODY: dict[str, Any] = {"type": ["string", "object"]}
_DURATION: dict[str, Any] = {"type": ["integer", "string"]}
MESSAGE_BODY: dict[str, Any] = {
    "type": ["object", "string"],
    "properties": {"body": _ANY_BODY, "subject": _STR, "importance": _STR},
}
REACTION_BODY: dict[str, Any] = {"type": ["object", "string"], "properties": {"reactionType": _STR}}
CHANNEL_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"displayName": _STR, "description": _STR, "membershipType": _STR},
}
CHAT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"members": {"type": ["array", "string"]}, "topic": _STR, "chatType": _STR},
    "required": ["members"],
}
MEMBER_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"user": _STR, "owner": {"type": "boolean"}},
    "required": ["user"],
}
PIN_BODY: dict[str, Any] = {"type": "object", "properties": {"messageId": _STR}}
SESSION_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"sessionId": _STR, "availability": _STR, "activity": _STR, "expirationDuration": _DURATION},
    "required": ["sessionId", "availability"],
}
CLEAR_SESSION_BODY: dict[str, Any] = {"type": "object", "properties": {"sessionId": _STR}, "required": ["sessionId"]}
PREFERRED_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"availability": _STR, "activity": _STR, "expirationDuration": _DURATION},
    "required": ["availability"],
}
STATUS_BODY: dict[str, Any] = {
    "type": ["object", "string"],
    "properties": {"statusMessage": _ANY_BODY, "expiry": _STR},
}
IDS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"ids": {"type": ["array", "string"]}},
    "required": ["ids"],
}
ACTIVITY_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "topic": {"type": ["object", "string"]},
        "activityType": _STR,
        "previewText": _ANY_BODY,
        "templateParameters": {"type": ["object", "array"]},
    },
    "required": ["topic", "activityType"],
}
EMOJI_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"displayName": _STR, "contentBytes": _STR},
    "required": ["displayName", "contentBytes"],
}

CHATS_QUERY = frozenset({"top", "filter", "orderby", "expand"})
MESSAGES_QUERY = frozenset({"top", "orderby", "filter"})
CHAT_SELECT = ("id", "topic", "chatType", "lastUpdatedDateTime", "webUrl")
MEMBER_SELECT = ("id", "displayName", "email", "roles", "userId")

_CHAT = "/chats/{chatId}"
_CHAT_MSG = _CHAT + "/messages/{chatMessageId}"
_TEAM = "/teams/{teamId}"
_CHANNEL = _TEAM + "/channels/{channelId}"
_CHANNEL_MSG = _CHANNEL + "/messages/{chatMessageId}"


_tool = tool_maker(presets=READ, org_only=True)


def _send(prepare: Callable[[dict[str, Any]], None] = prepare_message) -> dict[str, Any]:
    return {"body": MESSAGE_BODY, "prepare": prepare}


_REACT: dict[str, Any] = {"body": REACTION_BODY, "prepare": prepare_reaction}
#: Neither chat nor channel message lists take $select, so no default selection is sent.
_MESSAGES: dict[str, Any] = {"query": MESSAGES_QUERY, "prepare": prepare_chat_messages}

TOOLS: tuple[ToolSpec, ...] = (
    # chats
    _tool(
        "list-chats",
        "GET",
        "/me/chats",
        "List my chats; expand=members or lastMessagePreview.",
        "Chat.ReadBasic",
        presets=WRITE,
        query=CHATS_QUERY,
        default_select=CHAT_SELECT,
    ),
    _tool("get-chat", "GET", _CHAT, "Get one chat.", "Chat.ReadBasic", presets=WRITE, query={"select", "expand"}),
    _tool(
        "create-chat",
        "POST",
        "/chats",
        "Start a 1:1 or group chat; members are addresses or user ids, yourself included.",
        "Chat.Create Chat.ReadWrite",
        body=CHAT_BODY,
        prepare=prepare_chat,
    ),
    _tool(
        "list-chat-members",
        "GET",
        _CHAT + "/members",
        "List the people in a chat.",
        "ChatMember.Read",
    ),
    _tool(
        "list-chat-messages",
        "GET",
        _CHAT + "/messages",
        "List chat messages, newest first; filter by lastModifiedDateTime or createdDateTime.",
        "ChatMessage.Read",
        **_MESSAGES,
    ),
    _tool("get-chat-message", "GET", _CHAT_MSG, "Get one chat message.", "ChatMessage.Read"),
    _tool(
        "send-chat-message",
        "POST",
        _CHAT + "/messages",
        "Send a chat message; body.body is text or HTML.",
        "ChatMessage.Send",
        presets=WRITE,
        **_send(),
    ),
    _tool("update-chat-message", "PATCH", _CHAT_MSG, "Edit a message I sent in a chat.", "Chat.ReadWrite", **_send()),
    _tool(
        "list-chat-message-replies",
        "GET",
        _CHAT_MSG + "/replies",
        "List replies to a chat message. Graph documents replies for channels only and may refuse this for"
        " chats (chats are flat); read the chat with list-chat-messages.",
        "ChatMessage.Read",
        query={"top"},
    ),
    _tool(
        "reply-to-chat-message",
        "POST",
        _CHAT_MSG + "/replies",
        "Reply to a chat message. Graph documents replies for channels only and may refuse this for chats;"
        " use send-chat-message.",
        "ChatMessage.Send",
        **_send(),
    ),
    _tool(
        "list-chat-message-hosted-contents",
        "GET",
        _CHAT_MSG + "/hostedContents",
        "List images and files embedded in a chat message.",
        "ChatMessage.Read",
    ),
    _tool(
        "set-chat-message-reaction",
        "POST",
        _CHAT_MSG + "/setReaction",
        "React to a chat message (like, heart, laugh… or an emoji).",
        "ChatMessage.Send",
        **_REACT,
    ),
    _tool(
        "unset-chat-message-reaction",
        "POST",
        _CHAT_MSG + "/unsetReaction",
        "Remove my reaction from a chat message.",
        "ChatMessage.Send",
        **_REACT,
    ),
    _tool(
        "list-pinned-chat-messages",
        "GET",
        _CHAT + "/pinnedMessages",
        "List pinned messages of a chat; expand=message for their text.",
        "Chat.Read",
        query={"expand"},
    ),
    _tool(
        "pin-chat-message",
        "POST",
        _CHAT + "/pinnedMessages",
        "Pin a chat message by its id.",
        "ChatMessage.Send",
        body=PIN_BODY,
        prepare=prepare_pin,
    ),
    _tool(
        "unpin-chat-message",
        "DELETE",
        _CHAT + "/pinnedMessages/{pinnedChatMessageInfoId}",
        "Unpin a chat message (pinned-message id, not message id).",
        "Chat.ReadWrite",
    ),
    # teams and members
    _tool(
        "list-joined-teams",
        "GET",
        "/me/joinedTeams",
        "List teams I am a member of.",
        "Team.ReadBasic.All",
        presets=WRITE,
    ),
    _tool(
        "list-my-associated-teams",
        "GET",
        "/me/teamwork/associatedTeams",
        "List teams I belong to directly or through shared channels.",
        "Team.ReadBasic.All",
        query={"select"},
    ),
    _tool(
        "get-team",
        "GET",
        _TEAM,
        "Get a team's settings.",
        "Team.ReadBasic.All",
        presets=WRITE,
        query={"select", "expand"},
    ),
    _tool(
        "list-team-members",
        "GET",
        _TEAM + "/members",
        "List team members and their roles.",
        "TeamMember.Read.All",
        query={"top", "filter", "select"},
        default_select=MEMBER_SELECT,
    ),
    _tool(
        "add-team-member",
        "POST",
        _TEAM + "/members",
        "Add a user to a team; owner=true makes them an owner.",
        "TeamMember.ReadWrite.All",
        body=MEMBER_BODY,
        prepare=prepare_team_member,
    ),
    _tool(
        "remove-team-member",
        "DELETE",
        _TEAM + "/members/{conversationMemberId}",
        "Remove a membership (membership id) from a team.",
        "TeamMember.ReadWrite.All",
    ),
    # channels
    _tool(
        "list-team-channels",
        "GET",
        _TEAM + "/channels",
        "List a team's channels.",
        "Channel.ReadBasic.All",
        presets=WRITE,
        query={"filter", "select"},
    ),
    _tool(
        "get-team-channel",
        "GET",
        _CHANNEL,
        "Get one channel.",
        "Channel.ReadBasic.All",
        presets=WRITE,
        query={"select"},
    ),
    _tool(
        "create-team-channel",
        "POST",
        _TEAM + "/channels",
        "Create a channel (membershipType standard, private or shared).",
        "Channel.Create",
        body={**CHANNEL_BODY, "required": ["displayName"]},
        prepare=prepare_channel,
    ),
    _tool(
        "update-team-channel",
        "PATCH",
        _CHANNEL,
        "Rename a channel or change its description.",
        "ChannelSettings.ReadWrite.All",
        body=CHANNEL_BODY,
        prepare=prepare_channel,
    ),
    _tool("delete-team-channel", "DELETE", _CHANNEL, "Delete a channel.", "Channel.Delete.All"),
    _tool(
        "get-channel-files-folder",
        "GET",
        _CHANNEL + "/filesFolder",
        "Get the SharePoint folder holding a channel's files.",
        "ChannelSettings.Read.All",
    ),
    _tool(
        "list-channel-tabs",
        "GET",
        _CHANNEL + "/tabs",
        "List a channel's tabs; expand=teamsApp for the app.",
        "TeamsTab.Read.All",
        query={"filter", "select", "expand"},
    ),
    # channel messages
    _tool(
        "list-channel-messages",
        "GET",
        _CHANNEL + "/messages",
        "List a channel's top-level posts; expand=replies for threads.",
        "ChannelMessage.Read.All",
        query={"top", "expand"},
        prepare=prepare_channel_messages,
    ),
    _tool("get-channel-message", "GET", _CHANNEL_MSG, "Get one channel post.", "ChannelMessage.Read.All"),
    _tool(
        "send-channel-message",
        "POST",
        _CHANNEL + "/messages",
        "Post in a channel; body.body is text or HTML.",
        "ChannelMessage.Send",
        presets=WRITE,
        **_send(),
    ),
    _tool(
        "update-channel-message",
        "PATCH",
        _CHANNEL_MSG,
        "Edit a channel post I wrote.",
        "ChannelMessage.ReadWrite",
        **_send(),
    ),
    _tool(
        "list-channel-message-replies",
        "GET",
        _CHANNEL_MSG + "/replies",
        "List replies in a channel thread.",
        "ChannelMessage.Read.All",
        query={"top"},
        prepare=prepare_channel_messages,
    ),
    _tool(
        "reply-to-channel-message",
        "POST",
        _CHANNEL_MSG + "/replies",
        "Reply in a channel thread.",
        "ChannelMessage.Send",
        presets=WRITE,
        **_send(),
    ),
    _tool(
        "update-channel-message-reply",
        "PATCH",
        _CHANNEL_MSG + "/replies/{replyId}",
        "Edit a reply I wrote in a channel thread.",
        "ChannelMessage.ReadWrite",
        **_send(),
    ),
    _tool(
        "list-channel-message-hosted-contents",
        "GET",
        _CHANNEL_MSG + "/hostedContents",
        "List images and files embedded in a channel post.",
        "ChannelMessage.Read.All",
    ),
    _tool(
        "set-channel-message-reaction",
        "POST",
        _CHANNEL_MSG + "/setReaction",
        "React to a channel post (like, heart, laugh… or an emoji).",
        "ChannelMessage.Send",
        **_REACT,
    ),
    _tool(
        "unset-channel-message-reaction",
        "POST",
        _CHANNEL_MSG + "/unsetReaction",
        "Remove my reaction from a channel post.",
        "ChannelMessage.Send",
        **_REACT,
    ),
    # presence
    _tool("get-my-presence", "GET", "/me/presence", "Get my availability, activity and status.", "Presence.Read"),
    _tool(
        "get-user-presence",
        "GET",
        "/users/{userId}/presence",
        "Get a colleague's presence (id or UPN).",
        "Presence.Read.All",
    ),
    _tool(
        "get-presences-by-user-id",
        "POST",
        "/communications/getPresencesByUserId",
        "Get presence of several users by object id.",
        "Presence.Read.All",
        read_only=True,
        content_type="application/json",
        body=IDS_BODY,
        prepare=prepare_presence_ids,
    ),
    _tool(
        "set-my-presence",
        "POST",
        "/me/presence/setPresence",
        "Set my presence for an app session; expirationDuration 5-240 minutes or ISO.",
        "Presence.ReadWrite",
        content_type="application/json",
        body=SESSION_BODY,
        prepare=prepare_session_presence,
    ),
    _tool(
        "clear-my-presence",
        "POST",
        "/me/presence/clearPresence",
        "End an app's presence session.",
        "Presence.ReadWrite",
        content_type="application/json",
        body=CLEAR_SESSION_BODY,
        prepare=prepare_clear_session,
    ),
    _tool(
        "set-my-user-preferred-presence",
        "POST",
        "/me/presence/setUserPreferredPresence",
        "Choose the presence shown to others, e.g. DoNotDisturb.",
        "Presence.ReadWrite",
        content_type="application/json",
        body=PREFERRED_BODY,
        prepare=prepare_preferred_presence,
    ),
    _tool(
        "clear-my-user-preferred-presence",
        "POST",
        "/me/presence/clearUserPreferredPresence",
        "Go back to automatic presence.",
        "Presence.ReadWrite",
        content_type="application/json",
    ),
    _tool(
        "set-my-status-message",
        "POST",
        "/me/presence/setStatusMessage",
        "Set my status note; expiry is an ISO UTC time.",
        "Presence.ReadWrite",
        content_type="application/json",
        body=STATUS_BODY,
        prepare=prepare_status_message,
    ),
    # teamwork
    _tool(
        "list-my-installed-teams-apps",
        "GET",
        "/me/teamwork/installedApps",
        "List apps installed for me; expand=teamsApp for names.",
        "TeamsAppInstallation.ReadForUser",
        query={"filter", "select", "expand"},
    ),
    _tool(
        "send-my-activity-notification",
        "POST",
        "/me/teamwork/sendActivityNotification",
        "Post to my Teams activity feed (activityType from the app manifest).",
        "TeamsActivity.Send",
        presets=WRITE,
        content_type="application/json",
        body=ACTIVITY_BODY,
        prepare=prepare_activity,
    ),
    _tool(
        "list-custom-emojis",
        "GET",
        "/teamwork/messaging/customEmojis",
        "List the organisation's custom emojis.",
        "TeamworkCustomEmoji.Read",
        api_version="beta",
    ),
    _tool(
        "create-custom-emoji",
        "POST",
        "/teamwork/messaging/customEmojis",
        "Upload a custom emoji (base64 PNG or GIF).",
        "TeamworkCustomEmoji.Create",
        api_version="beta",
        body=EMOJI_BODY,
        prepare=prepare_emoji,
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every Teams tool to the core."""
    for spec in TOOLS:
        register(spec)
