"""The sandbox's Microsoft Teams: teams, channels, threads, chats, reactions, pins, presence and teamwork.

State lives in one :class:`Teamwork` per tenant, built from :mod:`ms365mcp_teams.seed` the same way on
every start (times are relative to start-up so the threads always look recent). Handlers answer with
Graph's shapes and status codes: 201 for created entities, 204 for edits, reactions and deletes, 200
with an empty body for the presence actions, and Graph's error shape for unknown or forbidden items.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, option, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant, SandboxUser
from ms365mcp_teams import seed

STORE_KEY = "teams"
TENANT_ID = "b1c2d3e4-0000-4f00-8a00-c02705000001"
GRAPH = "https://graph.microsoft.com/v1.0"
MEMBER_TYPE = "#microsoft.graph.aadUserConversationMember"
MESSAGE_FIELDS = frozenset({"body", "subject", "importance", "attachments", "mentions", "hostedContents", "summary"})
REACTION_NAMES = {"👍": "like", "❤️": "heart", "😆": "laugh", "😮": "surprised", "😢": "sad", "😡": "angry"}
SESSION_PAIRS = {
    ("Available", "Available"),
    ("Busy", "InACall"),
    ("Busy", "InAConferenceCall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
}
PREFERRED_PAIRS = {
    ("Available", "Available"),
    ("Busy", "Busy"),
    ("DoNotDisturb", "DoNotDisturb"),
    ("BeRightBack", "BeRightBack"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
}
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")
_BIND_USER = re.compile(r"/users\('([^']+)'\)$|/users/([^/]+)$")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _not_found(what: str) -> GraphError:
    return GraphError(404, "NotFound", f"{what} not found.")


@attrs.define
class Teamwork:
    """Every Teams entity of the sandbox tenant, keyed by id."""

    tenant: SandboxTenant
    now: datetime
    rng: random.Random
    teams: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    team_members: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    channels: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    tabs: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    posts: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    """Top-level messages per channel id or chat id."""
    replies: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    """Replies per parent message id."""
    hosted: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    chats: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    chat_members: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    pinned: dict[str, dict[str, str]] = attrs.field(factory=dict)
    """Pinned-message id -> message id, per chat."""
    presence: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    sessions: dict[str, dict[str, tuple[str, str]]] = attrs.field(factory=dict)
    preferred: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    apps: list[dict[str, Any]] = attrs.field(factory=list)
    emojis: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    shared: dict[str, set[str]] = attrs.field(factory=dict)
    """Team id -> users who reach the team only through a shared channel."""
    feed: list[dict[str, Any]] = attrs.field(factory=list)
    """Activity notifications sent, newest last (for tests)."""
    _ids: set[str] = attrs.field(factory=set)

    # -- ids ---------------------------------------------------------------------------------
    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def thread_id(self, suffix: str) -> str:
        return f"19:{self.rng.getrandbits(128):032x}@{suffix}"

    def message_id(self, moment: datetime) -> str:
        stamp = int(moment.timestamp() * 1000)
        while str(stamp) in self._ids:
            stamp += 1
        self._ids.add(str(stamp))
        return str(stamp)

    # -- people ------------------------------------------------------------------------------
    def user(self, key: str) -> SandboxUser:
        found = self.tenant.find_user(key) or self.tenant.find_user(f"{key}@contoso.sandbox")
        if found is None:
            raise GraphError(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist.")
        return found

    @staticmethod
    def identity(user: SandboxUser) -> dict[str, Any]:
        return {
            "application": None,
            "device": None,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": user.id,
                "displayName": user.displayName,
                "userIdentityType": "aadUser",
                "tenantId": TENANT_ID,
            },
        }

    def member(self, container: str, user: SandboxUser, roles: list[str]) -> dict[str, Any]:
        """A conversationMember; its id is base64 (so it carries "=", "/" or "+", as Graph's do)."""
        raw = f"0##{TENANT_ID}##{container}##{user.id}"
        raw += "#" * ((1 - len(raw)) % 3)  # Graph's membership ids end in "==", which must be percent-encoded
        member_id = base64.b64encode(raw.encode()).decode()
        return {
            "@odata.type": MEMBER_TYPE,
            "id": member_id,
            "roles": roles,
            "displayName": user.displayName,
            "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
            "userId": user.id,
            "email": user.mail,
            "tenantId": TENANT_ID,
        }

    # -- messages ----------------------------------------------------------------------------
    def message(
        self,
        author: SandboxUser,
        body: dict[str, str],
        moment: datetime,
        *,
        chat_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        reply_to: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        message_id = self.message_id(moment)
        where = f"chat/{chat_id}" if chat_id else f"channel/{channel_id}"
        entity = {
            "id": message_id,
            "replyToId": reply_to,
            "etag": message_id,
            "messageType": "message",
            "createdDateTime": _stamp(moment),
            "lastModifiedDateTime": _stamp(moment),
            "lastEditedDateTime": None,
            "deletedDateTime": None,
            "subject": None,
            "summary": None,
            "chatId": chat_id,
            "importance": "normal",
            "locale": "en-us",
            "webUrl": f"https://teams.microsoft.com/l/message/{where}/{message_id}",
            "channelIdentity": {"teamId": team_id, "channelId": channel_id} if channel_id else None,
            "policyViolation": None,
            "eventDetail": None,
            "from": self.identity(author),
            "body": dict(body),
            "attachments": [],
            "mentions": [],
            "reactions": [],
        }
        entity.update(extra or {})
        if 'src="hosted"' in body.get("content", ""):
            entity["body"]["content"] = self._embed(entity, chat_id, team_id, channel_id)
        if reply_to:
            self.replies.setdefault(reply_to, {})[message_id] = entity
        else:
            self.posts.setdefault(chat_id or channel_id or "", {})[message_id] = entity
        return entity

    def _embed(self, entity: dict[str, Any], chat_id: str | None, team_id: str | None, channel_id: str | None) -> str:
        """Turn a seeded ``<img src="hosted">`` into a hosted content the message links to."""
        hosted_id = base64.b64encode(f"id=x_0-wus-d{len(self.hosted) + 1}-{entity['id']},type=1".encode()).decode()
        self.hosted[entity["id"]] = [{"id": hosted_id, "contentBytes": None, "contentType": None}]
        where = f"chats/{chat_id}" if chat_id else f"teams/{team_id}/channels/{channel_id}"
        url = f"{GRAPH}/{where}/messages/{entity['id']}/hostedContents/{hosted_id}/$value"
        return str(entity["body"]["content"]).replace('src="hosted"', f'src="{url}"')

    def react(self, message: dict[str, Any], user: SandboxUser, emoji: str, moment: datetime) -> None:
        mine = [r for r in message["reactions"] if r["user"]["user"]["id"] == user.id and r["reactionType"] == emoji]
        if mine:
            return
        identity = self.identity(user)
        identity["user"]["displayName"] = None  # Graph leaves it out on reactions
        message["reactions"].append(
            {
                "reactionType": emoji,
                "displayName": REACTION_NAMES.get(emoji, emoji).capitalize(),
                "reactionContentUrl": None,
                "createdDateTime": _stamp(moment),
                "user": identity,
            }
        )

    # -- presence ----------------------------------------------------------------------------
    def current_presence(self, user_id: str) -> dict[str, Any]:
        base = self.presence.get(user_id)
        if base is None:
            return {"id": user_id, "availability": "PresenceUnknown", "activity": "PresenceUnknown"}
        state = dict(base)
        sessions = self.sessions.get(user_id) or {}
        if user_id in self.preferred:
            state["availability"], state["activity"] = self.preferred[user_id]
        elif sessions:
            state["availability"], state["activity"] = list(sessions.values())[-1]
        return state


# --- seeding ----------------------------------------------------------------------------------


def _body(text: str) -> dict[str, str]:
    return {"contentType": "html" if text.startswith("<") else "text", "content": text}


def _seed_teams(world: Teamwork, ago: Any) -> None:
    for name, description, visibility, owners, members, channels in seed.TEAMS:
        team_id = world.guid()
        general_id = world.thread_id("thread.tacv2")
        world.teams[team_id] = {
            "id": team_id,
            "createdDateTime": _stamp(ago(60 * 24 * 90)),
            "displayName": name,
            "description": description,
            "internalId": general_id.replace("tacv2", "skype"),
            "classification": None,
            "specialization": "none",
            "visibility": visibility,
            "webUrl": f"https://teams.microsoft.com/l/team/{general_id}/conversations?groupId={team_id}",
            "isArchived": False,
            "tenantId": TENANT_ID,
            "isMembershipLimitedToOwners": False,
            "memberSettings": {"allowCreateUpdateChannels": True, "allowDeleteChannels": False},
            "guestSettings": {"allowCreateUpdateChannels": False, "allowDeleteChannels": False},
            "messagingSettings": {"allowUserEditMessages": True, "allowUserDeleteMessages": True},
            "funSettings": {"allowGiphy": True, "giphyContentRating": "moderate"},
        }
        roster = [(o, ["owner"]) for o in owners] + [(m, []) for m in members]
        world.team_members[team_id] = {}
        for key, roles in roster:
            member = world.member(team_id, world.user(key), roles)
            world.team_members[team_id][member["id"]] = member
        world.channels[team_id] = {}
        for index, (channel_name, channel_description, posts) in enumerate(channels):
            channel_id = general_id if index == 0 else world.thread_id("thread.tacv2")
            world.channels[team_id][channel_id] = {
                "id": channel_id,
                "createdDateTime": _stamp(ago(60 * 24 * (90 - index))),
                "displayName": channel_name,
                "description": channel_description,
                "isFavoriteByDefault": index == 0,
                "email": f"{channel_name.lower().replace(' ', '')}@contoso.sandbox",
                "webUrl": f"https://teams.microsoft.com/l/channel/{channel_id}/{channel_name}?groupId={team_id}",
                "membershipType": "standard",
                "tenantId": TENANT_ID,
                "isArchived": False,
            }
            world.tabs[channel_id] = [
                {
                    "id": world.guid(),
                    "displayName": tab_name,
                    "webUrl": f"https://teams.microsoft.com/l/entity/{app_id}/tab?context={channel_id}",
                    "configuration": {"entityId": None, "contentUrl": url or None, "websiteUrl": url or None},
                    "teamsApp": {
                        "id": app_id,
                        "externalId": None,
                        "displayName": app_name,
                        "distributionMethod": "store",
                    },
                }
                for tab_name, app_id, app_name, url in seed.TABS
            ]
            world.posts[channel_id] = {}
            for author, text, minutes, thread, reactions in posts:
                post = world.message(
                    world.user(author), _body(text), ago(minutes), team_id=team_id, channel_id=channel_id
                )
                for who, emoji in reactions:
                    world.react(post, world.user(who), emoji, ago(minutes - 5))
                for reply_author, reply_text, reply_minutes, reply_reactions in thread:
                    reply = world.message(
                        world.user(reply_author),
                        _body(reply_text),
                        ago(reply_minutes),
                        team_id=team_id,
                        channel_id=channel_id,
                        reply_to=post["id"],
                    )
                    for who, emoji in reply_reactions:
                        world.react(reply, world.user(who), emoji, ago(reply_minutes - 2))
    # a team Adele reaches only through a shared channel: associated, not joined
    leadership = world.guid()
    world.teams[leadership] = {
        "id": leadership,
        "displayName": "Contoso Leadership",
        "description": "Leadership team; hosts the shared Cross-team planning channel.",
        "visibility": "private",
        "isArchived": False,
        "tenantId": TENANT_ID,
    }
    diego = world.member(leadership, world.user("diego"), ["owner"])
    world.team_members[leadership] = {diego["id"]: diego}
    world.channels[leadership] = {}
    world.shared[leadership] = {world.tenant.me.id}


def _seed_chats(world: Teamwork, ago: Any) -> None:
    for topic, kind, members, messages in seed.CHATS:
        people = [world.user(m) for m in members]
        if kind == "oneOnOne":
            chat_id = "19:" + "_".join(sorted(p.id for p in people)) + "@unq.gbl.spaces"
        else:
            chat_id = world.thread_id("thread.v2")
        last = ago(messages[-1][2])
        world.chats[chat_id] = {
            "id": chat_id,
            "topic": topic or None,
            "createdDateTime": _stamp(ago(messages[0][2] + 5)),
            "lastUpdatedDateTime": _stamp(last),
            "chatType": kind,
            "webUrl": f"https://teams.microsoft.com/l/chat/{chat_id}/0?tenantId={TENANT_ID}",
            "tenantId": TENANT_ID,
            "onlineMeetingInfo": None,
            "viewpoint": {"isHidden": False, "lastMessageReadDateTime": _stamp(last)},
        }
        world.chat_members[chat_id] = {}
        for person in people:
            member = world.member(chat_id, person, ["owner"])
            world.chat_members[chat_id][member["id"]] = member
        world.posts[chat_id] = {}
        for author, text, minutes in messages:
            world.message(world.user(author), _body(text), ago(minutes), chat_id=chat_id)
    chat_ids = list(world.chats)
    for chat_index, message_index in seed.PINNED:
        chat_id = chat_ids[chat_index]
        message_id = list(world.posts[chat_id])[message_index]
        world.pinned.setdefault(chat_id, {})[_pinned_id(message_id)] = message_id


def _pinned_id(message_id: str) -> str:
    """Pinned-message ids are numbers of their own, distinct from the message id (as in Graph)."""
    return str(int(message_id) + 7_000_000)


def seed_world(tenant: SandboxTenant) -> Teamwork:
    """The whole Teams tenant, the same on every start apart from timestamps."""
    now = datetime.now(UTC).replace(microsecond=0)
    world = Teamwork(tenant=tenant, now=now, rng=random.Random("ms365mcp-teams"))

    def ago(minutes: int) -> datetime:
        return now - timedelta(minutes=minutes)

    _seed_teams(world, ago)
    _seed_chats(world, ago)
    for key, (availability, activity, note) in seed.PRESENCE.items():
        user = world.user(key)
        world.presence[user.id] = {
            "id": user.id,
            "availability": availability,
            "activity": activity,
            "statusMessage": _status(note, None, now) if note else None,
            "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
        }
    for app_id, external_id, name in seed.APPS:
        world.apps.append(
            {
                "id": base64.b64encode(f"{tenant.me.id}##{app_id}".encode()).decode(),
                "consentedPermissionSet": None,
                "teamsApp": {
                    "id": app_id,
                    "externalId": external_id,
                    "displayName": name,
                    "distributionMethod": "store",
                },
                "teamsAppDefinition": {"id": world.guid(), "teamsAppId": app_id, "displayName": name, "version": "1.0"},
            }
        )
    for name, creator in seed.EMOJIS:
        world.emojis[name] = _emoji(name, world.user(creator), ago(60 * 24 * 30))
    return world


def _status(note: str, expiry: dict[str, Any] | None, moment: datetime) -> dict[str, Any]:
    return {
        "message": {"content": note, "contentType": "text"},
        "expiryDateTime": expiry,
        "publishedDateTime": _stamp(moment),
    }


def _emoji(name: str, creator: SandboxUser, moment: datetime) -> dict[str, Any]:
    return {
        "id": name,
        "displayName": name,
        "contentType": "image/png",
        "createdDateTime": _stamp(moment),
        "createdBy": {"user": {"id": creator.id, "displayName": creator.displayName, "userIdentityType": "aadUser"}},
    }


# --- lookups ----------------------------------------------------------------------------------


def _world(request: SandboxRequest) -> Teamwork:
    world: Teamwork = request.tenant.store[STORE_KEY]
    return world


def _is_member(members: dict[str, dict[str, Any]], user: SandboxUser) -> bool:
    return any(m["userId"] == user.id for m in members.values())


def _team(request: SandboxRequest) -> dict[str, Any]:
    world = _world(request)
    team_id = request.params["teamId"]
    team = world.teams.get(team_id)
    if team is None:
        raise GraphError(404, "NotFound", f"No team found with Group Id {team_id}")
    if not _is_member(world.team_members[team_id], request.user):
        raise GraphError(403, "Forbidden", "You are not a member of this team.")
    return team


def _channel(request: SandboxRequest) -> dict[str, Any]:
    team = _team(request)
    channel = _world(request).channels[team["id"]].get(request.params["channelId"])
    if channel is None:
        raise _not_found("Channel")
    return channel


def _chat(request: SandboxRequest) -> dict[str, Any]:
    world = _world(request)
    chat = world.chats.get(request.params["chatId"])
    if chat is None or not _is_member(world.chat_members[chat["id"]], request.user):
        raise _not_found("Chat")
    return chat


def _thread(request: SandboxRequest) -> tuple[str, dict[str, Any]]:
    """(container id, top-level message) for a chat or channel message route."""
    container = _chat(request)["id"] if "chatId" in request.params else _channel(request)["id"]
    message = _world(request).posts[container].get(request.params["chatMessageId"])
    if message is None:
        raise _not_found("Message")
    return container, message


def _target_message(request: SandboxRequest) -> dict[str, Any]:
    """The message a route names: a reply when ``replyId`` is there, else the top-level message."""
    _, message = _thread(request)
    reply_id = request.params.get("replyId")
    if reply_id is None:
        return message
    reply = _world(request).replies.get(message["id"], {}).get(reply_id)
    if reply is None:
        raise _not_found("Message")
    return reply


def _newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda m: m["createdDateTime"], reverse=True)


def _checked_message(request: SandboxRequest) -> dict[str, Any]:
    body = json_object(request)
    refuse_unknown(body, MESSAGE_FIELDS, "chatMessage")
    item = body.get("body")
    if (
        not isinstance(item, dict)
        or str(item.get("contentType", "text")).lower() not in ("text", "html")
        or not isinstance(item.get("content"), str)
    ):
        raise GraphError(400, "BadRequest", "Message body must have contentType text or html and a string content.")
    if not item["content"].strip() and not body.get("attachments"):
        raise GraphError(400, "BadRequest", "Message body cannot be empty.")
    if body.get("importance", "normal") not in ("normal", "high", "urgent"):
        raise GraphError(400, "BadRequest", "Invalid value for importance.")
    return body


def _created(request: SandboxRequest, entity: dict[str, Any]) -> JSONResponse:
    return JSONResponse(select_item(request, entity), status_code=201)


# --- chats ------------------------------------------------------------------------------------


def _preview(world: Teamwork, chat_id: str) -> dict[str, Any] | None:
    messages = _newest_first(list(world.posts.get(chat_id, {}).values()))
    if not messages:
        return None
    last = messages[0]
    return {
        "id": last["id"],
        "createdDateTime": last["createdDateTime"],
        "isDeleted": False,
        "messageType": "message",
        "eventDetail": None,
        "body": last["body"],
        "from": last["from"],
    }


def _chat_view(request: SandboxRequest, chat: dict[str, Any], expand: str) -> dict[str, Any]:
    world = _world(request)
    view = dict(chat)
    if "members" in expand:
        view["members"] = list(world.chat_members[chat["id"]].values())
    if "lastMessagePreview" in expand or "lastMessagePreview" in (option(request, "orderby") or ""):
        view["lastMessagePreview"] = _preview(world, chat["id"])
    return view


async def list_chats(request: SandboxRequest) -> Any:
    world = _world(request)
    expand = option(request, "expand") or ""
    mine = [c for c in world.chats.values() if _is_member(world.chat_members[c["id"]], request.user)]
    items = [_chat_view(request, c, expand) for c in sorted(mine, key=lambda c: c["lastUpdatedDateTime"], reverse=True)]
    page = list_page(request, items, search_fields=("topic",), max_top=50)
    if "lastMessagePreview" not in expand:
        for item in page["value"]:
            item.pop("lastMessagePreview", None)
    return page


async def get_chat(request: SandboxRequest) -> Any:
    return select_item(request, _chat_view(request, _chat(request), option(request, "expand") or ""))


async def create_chat(request: SandboxRequest) -> Any:
    world = _world(request)
    body = json_object(request)
    refuse_unknown(body, {"chatType", "topic", "members", "installedApps"}, "chat")
    kind = body.get("chatType")
    if kind not in ("oneOnOne", "group"):
        raise GraphError(400, "BadRequest", "chatType must be oneOnOne or group.")
    people: list[tuple[SandboxUser, list[str]]] = []
    for entry in body.get("members") or []:
        if not isinstance(entry, dict) or entry.get("@odata.type") != MEMBER_TYPE:
            raise GraphError(400, "BadRequest", f"Members must be of type {MEMBER_TYPE[1:]}.")
        people.append((_bound_user(world, entry), list(entry.get("roles") or [])))
    if request.user.id not in {p.id for p, _ in people}:
        raise GraphError(403, "Forbidden", "The caller must be one of the chat members.")
    if kind == "oneOnOne":
        if len(people) != 2 or body.get("topic"):
            raise GraphError(400, "BadRequest", "A oneOnOne chat has exactly two members and no topic.")
        chat_id = "19:" + "_".join(sorted(p.id for p, _ in people)) + "@unq.gbl.spaces"
        if chat_id in world.chats:  # Graph hands back the existing 1:1 chat
            return _created(request, world.chats[chat_id])
    elif len(people) < 2:
        raise GraphError(400, "BadRequest", "A group chat needs at least two members.")
    else:
        chat_id = world.thread_id("thread.v2")
    now = datetime.now(UTC)
    chat = {
        "id": chat_id,
        "topic": body.get("topic"),
        "createdDateTime": _stamp(now),
        "lastUpdatedDateTime": _stamp(now),
        "chatType": kind,
        "webUrl": f"https://teams.microsoft.com/l/chat/{chat_id}/0?tenantId={TENANT_ID}",
        "tenantId": TENANT_ID,
        "onlineMeetingInfo": None,
        "viewpoint": {"isHidden": False, "lastMessageReadDateTime": _stamp(now)},
    }
    world.chats[chat_id] = chat
    world.chat_members[chat_id] = {}
    for person, roles in people:
        member = world.member(chat_id, person, roles or ["owner"])
        world.chat_members[chat_id][member["id"]] = member
    world.posts[chat_id] = {}
    return _created(request, chat)


def _bound_user(world: Teamwork, entry: dict[str, Any]) -> SandboxUser:
    bind = str(entry.get("user@odata.bind") or "")
    match = _BIND_USER.search(bind)
    if not match:
        raise GraphError(400, "BadRequest", "Each member needs user@odata.bind with a users('id') URL.")
    key = match.group(1) or match.group(2)
    found = world.tenant.find_user(key)
    if found is None:
        raise GraphError(404, "NotFound", f"User '{key}' not found in the tenant.")
    return found


async def list_chat_members(request: SandboxRequest) -> Any:
    members = list(_world(request).chat_members[_chat(request)["id"]].values())
    return list_page(request, members, search_fields=("displayName", "email"), default_top=1000)


# --- messages (chats and channels share these) --------------------------------------------------


def _message_query(request: SandboxRequest, allowed: set[str]) -> None:
    """Graph pages Teams messages 50 at a time at most and refuses options these lists don't support."""
    for name in ("select", "skip", "search", "count", "filter", "orderby", "expand"):
        if option(request, name) is not None and name not in allowed:
            raise GraphError(400, "BadRequest", f"Query option '${name}' is not allowed for messages.")
    top = option(request, "top")
    if top is not None and (not top.isdigit() or not 1 <= int(top) <= 50):
        raise GraphError(400, "BadRequest", "Invalid page size requested; the maximum $top is 50.")


def _chat_order(request: SandboxRequest) -> None:
    """Chat messages sort newest first by lastModifiedDateTime or createdDateTime, and filter on that one."""
    order = (option(request, "orderby") or "").strip()
    name, _, direction = order.partition(" ")
    if order and (name not in ("lastModifiedDateTime", "createdDateTime") or direction.strip().lower() != "desc"):
        raise GraphError(400, "BadRequest", "$orderby supports lastModifiedDateTime desc or createdDateTime desc.")


async def list_messages(request: SandboxRequest) -> Any:
    world = _world(request)
    in_chat = "chatId" in request.params
    _message_query(request, {"filter", "orderby"} if in_chat else {"expand"})
    container = _chat(request)["id"] if in_chat else _channel(request)["id"]
    items = _newest_first(list(world.posts[container].values()))
    if in_chat:
        _chat_order(request)
        order = option(request, "orderby") or "lastModifiedDateTime desc"
        filter_text = option(request, "filter") or ""
        if filter_text and order.split()[0] not in filter_text:
            request.query.pop("$filter", None)  # Graph ignores a filter on a property it does not order by
            request.query.pop("filter", None)
    if "replies" in (option(request, "expand") or ""):
        items = [{**m, "replies": _newest_first(list(world.replies.get(m["id"], {}).values()))} for m in items]
    return list_page(request, items, search_fields=("body/content",), default_top=20, max_top=50)


async def get_message(request: SandboxRequest) -> Any:
    return select_item(request, _target_message(request))


async def send_message(request: SandboxRequest) -> Any:
    world = _world(request)
    body = _checked_message(request)
    reply_to = None
    if "chatMessageId" in request.params:  # a reply
        container, parent = _thread(request)
        reply_to = parent["id"]
    else:
        container = _chat(request)["id"] if "chatId" in request.params else _channel(request)["id"]
    chat_id = container if "chatId" in request.params else None
    now = datetime.now(UTC)
    extra = {k: body[k] for k in ("subject", "importance", "attachments", "mentions", "summary") if k in body}
    message = world.message(
        request.user,
        {"contentType": str(body["body"].get("contentType", "text")).lower(), "content": body["body"]["content"]},
        now,
        chat_id=chat_id,
        team_id=request.params.get("teamId"),
        channel_id=None if chat_id else container,
        reply_to=reply_to,
        extra=extra,
    )
    for hosted in body.get("hostedContents") or []:
        if not isinstance(hosted, dict) or not hosted.get("contentBytes"):
            raise GraphError(400, "BadRequest", "Each hosted content needs contentBytes and contentType.")
        hosted_id = base64.b64encode(f"id=x_{message['id']}-{len(world.hosted)},type=1".encode()).decode()
        world.hosted.setdefault(message["id"], []).append({"id": hosted_id, "contentBytes": None, "contentType": None})
    if chat_id:
        world.chats[chat_id]["lastUpdatedDateTime"] = message["createdDateTime"]
    return _created(request, message)


async def update_message(request: SandboxRequest) -> Any:
    message = _target_message(request)
    body = _checked_message(request)
    if message["from"]["user"]["id"] != request.user.id:
        raise GraphError(403, "Forbidden", "Only the sender can edit this message.")
    now = _stamp(datetime.now(UTC))
    kind = str(body["body"].get("contentType", "text")).lower()
    message["body"] = {"contentType": kind, "content": body["body"]["content"]}
    for field in ("subject", "importance", "mentions", "attachments"):
        if field in body:
            message[field] = body[field]
    message.update(lastModifiedDateTime=now, lastEditedDateTime=now, etag=str(int(message["etag"]) + 1))


async def list_replies(request: SandboxRequest) -> Any:
    _message_query(request, set())
    _, message = _thread(request)
    items = _newest_first(list(_world(request).replies.get(message["id"], {}).values()))
    return list_page(request, items, search_fields=("body/content",), max_top=50)


async def list_hosted(request: SandboxRequest) -> Any:
    message = _target_message(request)
    return list_page(request, list(_world(request).hosted.get(message["id"], [])), search_fields=())


def _reaction(request: SandboxRequest) -> str:
    body = json_object(request)
    refuse_unknown(body, {"reactionType"}, "chatMessageReaction")
    reaction = body.get("reactionType")
    if not isinstance(reaction, str) or not reaction or len(reaction) > 16:
        raise GraphError(400, "BadRequest", "reactionType must be a unicode emoji.")
    return reaction


async def set_reaction(request: SandboxRequest) -> Any:
    reaction = _reaction(request)
    _world(request).react(_target_message(request), request.user, reaction, datetime.now(UTC))


async def unset_reaction(request: SandboxRequest) -> Any:
    reaction = _reaction(request)
    message = _target_message(request)
    message["reactions"] = [
        r
        for r in message["reactions"]
        if not (r["user"]["user"]["id"] == request.user.id and r["reactionType"] == reaction)
    ]


# --- pinned messages ------------------------------------------------------------------------------


async def list_pinned(request: SandboxRequest) -> Any:
    world = _world(request)
    chat_id = _chat(request)["id"]
    expand = option(request, "expand") or ""
    items = []
    for pinned_id, message_id in world.pinned.get(chat_id, {}).items():
        item: dict[str, Any] = {"id": pinned_id}
        if "message" in expand:
            item["message"] = world.posts[chat_id][message_id]
        items.append(item)
    return list_page(request, items, search_fields=())


async def pin_message(request: SandboxRequest) -> Any:
    world = _world(request)
    chat_id = _chat(request)["id"]
    body = json_object(request)
    refuse_unknown(body, {"message@odata.bind"}, "pinnedChatMessageInfo")
    bind = str(body.get("message@odata.bind") or "")
    prefix = f"/chats/{chat_id}/messages/"
    if prefix not in bind:
        raise GraphError(400, "BadRequest", "message@odata.bind must point at a message of this chat.")
    message_id = bind.rsplit(prefix, 1)[1].strip("/")
    if message_id not in world.posts[chat_id]:
        raise _not_found("Message")
    pins = world.pinned.setdefault(chat_id, {})
    if message_id in pins.values():
        raise GraphError(409, "Conflict", "The message is already pinned.")
    pinned_id = _pinned_id(message_id)
    pins[pinned_id] = message_id
    return _created(request, {"id": pinned_id})


async def unpin_message(request: SandboxRequest) -> Any:
    world = _world(request)
    chat_id = _chat(request)["id"]
    if world.pinned.get(chat_id, {}).pop(request.params["pinnedChatMessageInfoId"], None) is None:
        raise _not_found("Pinned message")


# --- teams, members, channels, tabs --------------------------------------------------------------


async def list_joined_teams(request: SandboxRequest) -> Any:
    world = _world(request)
    fields = ("id", "displayName", "description", "isArchived", "tenantId")
    items = [
        {k: t.get(k) for k in fields}
        for team_id, t in world.teams.items()
        if _is_member(world.team_members[team_id], request.user)
    ]
    return list_page(request, items, search_fields=("displayName",), default_top=1000)


async def list_associated_teams(request: SandboxRequest) -> Any:
    world = _world(request)
    items = [
        {"id": team_id, "displayName": t["displayName"], "tenantId": TENANT_ID}
        for team_id, t in world.teams.items()
        if _is_member(world.team_members[team_id], request.user) or request.user.id in world.shared.get(team_id, ())
    ]
    return list_page(request, items, search_fields=("displayName",), default_top=1000)


async def get_team(request: SandboxRequest) -> Any:
    return select_item(request, _team(request))


async def list_team_members(request: SandboxRequest) -> Any:
    team = _team(request)
    members = list(_world(request).team_members[team["id"]].values())
    return list_page(request, members, search_fields=("displayName", "email"), default_top=100, max_top=999)


async def add_team_member(request: SandboxRequest) -> Any:
    world = _world(request)
    team = _team(request)
    body = json_object(request)
    refuse_unknown(body, {"roles", "user@odata.bind", "visibleHistoryStartDateTime"}, "aadUserConversationMember")
    if body.get("@odata.type") != MEMBER_TYPE:
        raise GraphError(400, "BadRequest", f"@odata.type must be {MEMBER_TYPE}.")
    roles = body.get("roles") or []
    if not isinstance(roles, list) or not set(roles) <= {"owner", "guest"}:
        raise GraphError(400, "BadRequest", "roles may hold only owner or guest.")
    user = _bound_user(world, body)
    members = world.team_members[team["id"]]
    if _is_member(members, user):
        raise GraphError(409, "Conflict", f"{user.displayName} is already a member of the team.")
    member = world.member(team["id"], user, roles)
    members[member["id"]] = member
    return _created(request, member)


async def remove_team_member(request: SandboxRequest) -> Any:
    world = _world(request)
    members = world.team_members[_team(request)["id"]]
    member = members.get(request.params["conversationMemberId"])
    if member is None:
        raise _not_found("Member")
    owners = [m for m in members.values() if "owner" in m["roles"]]
    if owners == [member]:
        raise GraphError(400, "BadRequest", "The last owner of a team can't be removed.")
    del members[member["id"]]


async def list_channels(request: SandboxRequest) -> Any:
    team = _team(request)
    channels = list(_world(request).channels[team["id"]].values())
    return list_page(request, channels, search_fields=("displayName", "description"), default_top=1000)


async def get_channel(request: SandboxRequest) -> Any:
    return select_item(request, _channel(request))


def _channel_fields(request: SandboxRequest, team_id: str, current: str | None) -> dict[str, Any]:
    body = json_object(request)
    refuse_unknown(body, {"displayName", "description", "membershipType", "isFavoriteByDefault", "members"}, "channel")
    name = body.get("displayName")
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            raise GraphError(400, "BadRequest", "displayName must be 1 to 50 characters.")
        for channel in _world(request).channels[team_id].values():
            if channel["displayName"].lower() == name.strip().lower() and channel["id"] != current:
                raise GraphError(400, "NameAlreadyExists", "Channel name already existed, please use other name.")
    if body.get("membershipType", "standard") not in ("standard", "private", "shared"):
        raise GraphError(400, "BadRequest", "membershipType must be standard, private or shared.")
    return {k: v for k, v in body.items() if k != "members"}


async def create_channel(request: SandboxRequest) -> Any:
    world = _world(request)
    team = _team(request)
    fields = _channel_fields(request, team["id"], None)
    if not fields.get("displayName"):
        raise GraphError(400, "BadRequest", "displayName is required.")
    channel_id = world.thread_id("thread.tacv2")
    name = fields["displayName"].strip()
    channel = {
        "id": channel_id,
        "createdDateTime": _stamp(datetime.now(UTC)),
        "displayName": name,
        "description": fields.get("description"),
        "isFavoriteByDefault": bool(fields.get("isFavoriteByDefault", False)),
        "email": "",
        "webUrl": f"https://teams.microsoft.com/l/channel/{channel_id}/{name}?groupId={team['id']}",
        "membershipType": fields.get("membershipType", "standard"),
        "tenantId": TENANT_ID,
        "isArchived": False,
    }
    world.channels[team["id"]][channel_id] = channel
    world.posts[channel_id] = {}
    world.tabs[channel_id] = []
    return _created(request, channel)


def _general(request: SandboxRequest, channel: dict[str, Any]) -> bool:
    return channel["id"] == next(iter(_world(request).channels[request.params["teamId"]]))


async def update_channel(request: SandboxRequest) -> Any:
    channel = _channel(request)
    fields = _channel_fields(request, request.params["teamId"], channel["id"])
    if "membershipType" in fields and fields["membershipType"] != channel["membershipType"]:
        raise GraphError(400, "BadRequest", "membershipType can't be changed after creation.")
    if "displayName" in fields and _general(request, channel) and fields["displayName"] != channel["displayName"]:
        raise GraphError(400, "BadRequest", "The General channel can't be renamed.")
    channel.update(fields)


async def delete_channel(request: SandboxRequest) -> Any:
    channel = _channel(request)
    if _general(request, channel):
        raise GraphError(400, "BadRequest", "The General channel can't be deleted.")
    del _world(request).channels[request.params["teamId"]][channel["id"]]


async def files_folder(request: SandboxRequest) -> Any:
    channel = _channel(request)
    team = _team(request)
    site = team["displayName"].replace(" ", "")
    item = {
        "id": "01" + base64.b32encode(channel["id"].encode()).decode()[:32],
        "createdDateTime": channel["createdDateTime"],
        "lastModifiedDateTime": channel["createdDateTime"],
        "name": channel["displayName"],
        "webUrl": f"https://contoso.sharepoint.com/sites/{site}/Shared%20Documents/{channel['displayName']}",
        "size": 0,
        "parentReference": {"driveId": "b!" + team["id"].replace("-", ""), "driveType": "documentLibrary"},
        "folder": {"childCount": 0},
    }
    return select_item(request, item)


async def list_tabs(request: SandboxRequest) -> Any:
    channel = _channel(request)
    page = list_page(request, [dict(t) for t in _world(request).tabs.get(channel["id"], [])], search_fields=())
    if "teamsApp" not in (option(request, "expand") or ""):
        for item in page["value"]:
            item.pop("teamsApp", None)
    return page


# --- presence ------------------------------------------------------------------------------------


async def my_presence(request: SandboxRequest) -> Any:
    return select_item(request, _world(request).current_presence(request.user.id))


async def user_presence(request: SandboxRequest) -> Any:
    return select_item(request, _world(request).current_presence(request.target_user().id))


async def presences_by_id(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"ids"}, "presence")
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise GraphError(400, "BadRequest", "ids must be a non-empty list of user ids.")
    if len(ids) > 650:
        raise GraphError(400, "BadRequest", "At most 650 ids per request.")
    world = _world(request)
    return {"value": [world.current_presence(i) for i in ids]}


def _pair(body: dict[str, Any], pairs: set[tuple[str, str]], most_minutes: int | None) -> tuple[str, str]:
    pair = (body.get("availability"), body.get("activity"))
    if pair not in pairs:
        raise GraphError(400, "BadRequest", f"Invalid availability and activity combination {pair}.")
    duration = body.get("expirationDuration")
    if duration is not None:
        match = _DURATION.match(str(duration))
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0) if match else -1
        if minutes < 5 or (most_minutes is not None and minutes > most_minutes):
            span = "between PT5M and PT4H" if most_minutes else "at least PT5M"
            raise GraphError(400, "BadRequest", f"expirationDuration must be {span}.")
    return pair  # type: ignore[return-value]


def _empty_ok() -> Response:
    return Response(status_code=200)  # Graph answers the presence actions with 200 and no body


async def set_presence(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"sessionId", "availability", "activity", "expirationDuration"}, "presence")
    if not body.get("sessionId"):
        raise GraphError(400, "BadRequest", "sessionId is required.")
    _world(request).sessions.setdefault(request.user.id, {})[body["sessionId"]] = _pair(body, SESSION_PAIRS, 240)
    return _empty_ok()


async def clear_presence(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"sessionId"}, "presence")
    sessions = _world(request).sessions.get(request.user.id, {})
    if sessions.pop(str(body.get("sessionId")), None) is None:
        raise GraphError(404, "NotFound", "No presence session with that sessionId.")
    return _empty_ok()


async def set_preferred(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"availability", "activity", "expirationDuration"}, "presence")
    _world(request).preferred[request.user.id] = _pair(body, PREFERRED_PAIRS, None)
    return _empty_ok()


async def clear_preferred(request: SandboxRequest) -> Any:
    _world(request).preferred.pop(request.user.id, None)
    return _empty_ok()


async def set_status_message(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"statusMessage"}, "presence")
    status = body.get("statusMessage")
    message = status.get("message") if isinstance(status, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise GraphError(400, "BadRequest", "statusMessage.message.content is required.")
    world = _world(request)
    presence = world.presence.setdefault(
        request.user.id, {"id": request.user.id, "availability": "Available", "activity": "Available"}
    )
    presence["statusMessage"] = (
        _status(message["content"], status.get("expiryDateTime"), datetime.now(UTC)) if message["content"] else None
    )
    return _empty_ok()


# --- teamwork ------------------------------------------------------------------------------------


async def list_installed_apps(request: SandboxRequest) -> Any:
    expand = option(request, "expand") or ""
    page = list_page(request, [dict(app) for app in _world(request).apps], search_fields=())
    for item in page["value"]:  # $filter may look at teamsApp/...; the answer shows it only when expanded
        for field in ("teamsApp", "teamsAppDefinition"):
            if field not in expand:
                item.pop(field, None)
    return page


async def send_activity(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(
        body,
        {"topic", "activityType", "previewText", "templateParameters", "teamsAppId", "chainId", "iconId", "recipient"},
        "sendActivityNotification",
    )
    topic = body.get("topic")
    if not isinstance(topic, dict) or topic.get("source") not in ("entityUrl", "text") or not topic.get("value"):
        raise GraphError(400, "BadRequest", "topic needs source (entityUrl or text) and value.")
    if topic["source"] == "text" and not topic.get("webUrl"):
        raise GraphError(400, "BadRequest", "A text topic needs a webUrl.")
    if not body.get("activityType"):
        raise GraphError(400, "BadRequest", "activityType is required.")
    preview = body.get("previewText")
    if preview is not None and not (isinstance(preview, dict) and isinstance(preview.get("content"), str)):
        raise GraphError(400, "BadRequest", "previewText must be an itemBody.")
    _world(request).feed.append(body)


async def list_emojis(request: SandboxRequest) -> Any:
    return list_page(request, list(_world(request).emojis.values()), search_fields=("displayName",))


async def create_emoji(request: SandboxRequest) -> Any:
    world = _world(request)
    body = json_object(request)
    refuse_unknown(body, {"displayName", "contentBytes", "contentType"}, "teamworkCustomEmoji")
    name = body.get("displayName")
    if not isinstance(name, str) or not name:
        raise GraphError(400, "BadRequest", "displayName is required.")
    try:
        raw = base64.b64decode(str(body.get("contentBytes") or ""), validate=True)
    except binascii.Error:
        raw = b""
    if not raw.startswith((b"\x89PNG", b"GIF8")):
        raise GraphError(400, "BadRequest", "contentBytes must be a base64 PNG or GIF image.")
    if name in world.emojis:
        raise GraphError(409, "Conflict", f"A custom emoji named '{name}' already exists.")
    world.emojis[name] = _emoji(name, request.user, datetime.now(UTC))
    return _created(request, world.emojis[name])


# --- wiring --------------------------------------------------------------------------------------


def setup(tenant: SandboxTenant) -> None:
    """Seed the Teams tenant and serve every route the teams tools call."""
    tenant.store[STORE_KEY] = seed_world(tenant)
    chat, chat_msg = "/chats/{chatId}", "/chats/{chatId}/messages/{chatMessageId}"
    team, channel = "/teams/{teamId}", "/teams/{teamId}/channels/{channelId}"
    post = channel + "/messages/{chatMessageId}"
    routes: tuple[tuple[str, str, Any], ...] = (
        ("GET", "/me/chats", list_chats),
        ("POST", "/chats", create_chat),
        ("GET", chat, get_chat),
        ("GET", chat + "/members", list_chat_members),
        ("GET", chat + "/messages", list_messages),
        ("POST", chat + "/messages", send_message),
        ("GET", chat_msg, get_message),
        ("PATCH", chat_msg, update_message),
        ("GET", chat_msg + "/replies", list_replies),
        ("POST", chat_msg + "/replies", send_message),
        ("GET", chat_msg + "/hostedContents", list_hosted),
        ("POST", chat_msg + "/setReaction", set_reaction),
        ("POST", chat_msg + "/unsetReaction", unset_reaction),
        ("GET", chat + "/pinnedMessages", list_pinned),
        ("POST", chat + "/pinnedMessages", pin_message),
        ("DELETE", chat + "/pinnedMessages/{pinnedChatMessageInfoId}", unpin_message),
        ("GET", "/me/joinedTeams", list_joined_teams),
        ("GET", "/me/teamwork/associatedTeams", list_associated_teams),
        ("GET", team, get_team),
        ("GET", team + "/members", list_team_members),
        ("POST", team + "/members", add_team_member),
        ("DELETE", team + "/members/{conversationMemberId}", remove_team_member),
        ("GET", team + "/channels", list_channels),
        ("POST", team + "/channels", create_channel),
        ("GET", channel, get_channel),
        ("PATCH", channel, update_channel),
        ("DELETE", channel, delete_channel),
        ("GET", channel + "/filesFolder", files_folder),
        ("GET", channel + "/tabs", list_tabs),
        ("GET", channel + "/messages", list_messages),
        ("POST", channel + "/messages", send_message),
        ("GET", post, get_message),
        ("PATCH", post, update_message),
        ("GET", post + "/replies", list_replies),
        ("POST", post + "/replies", send_message),
        ("GET", post + "/replies/{replyId}", get_message),
        ("PATCH", post + "/replies/{replyId}", update_message),
        ("GET", post + "/hostedContents", list_hosted),
        ("POST", post + "/setReaction", set_reaction),
        ("POST", post + "/unsetReaction", unset_reaction),
        ("GET", "/me/presence", my_presence),
        ("GET", "/users/{userId}/presence", user_presence),
        ("POST", "/communications/getPresencesByUserId", presences_by_id),
        ("POST", "/me/presence/setPresence", set_presence),
        ("POST", "/me/presence/clearPresence", clear_presence),
        ("POST", "/me/presence/setUserPreferredPresence", set_preferred),
        ("POST", "/me/presence/clearUserPreferredPresence", clear_preferred),
        ("POST", "/me/presence/setStatusMessage", set_status_message),
        ("GET", "/me/teamwork/installedApps", list_installed_apps),
        ("POST", "/me/teamwork/sendActivityNotification", send_activity),
        ("GET", "/teamwork/messaging/customEmojis", list_emojis),
        ("POST", "/teamwork/messaging/customEmojis", create_emoji),
    )
    for method, path, handler in routes:
        tenant.route(method, path)(handler)
