"""The sandbox directory: users and the org chart, groups, people, insights, search, subscriptions, $batch.

Routes answer like Graph, including the parts that trip clients up: directory ``$search`` and
``$count`` need ``ConsistencyLevel: eventual``, ``$search`` takes ``"property:value"`` clauses, $ref
bodies carry an ``@odata.id`` URL, and a batch's sub-requests run against this same tenant.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import httpx
from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, matches_search, odata_context, option, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant
from ms365mcp_directory import seed

STORE_KEY = "directory"
#: The app that owns the sandbox's subscriptions.
APPLICATION_ID = "a1b2c3d4-5e6f-4a8b-9c0d-ms365mcpsbx1"
#: How far ahead Graph lets most subscriptions expire (mail, events, contacts, groups): 4230 minutes.
MAX_SUBSCRIPTION_MINUTES = 4230
#: Drive subscriptions may last longer.
MAX_DRIVE_SUBSCRIPTION_MINUTES = 42300
#: Longest subscription Graph allows, by resource (first match wins); the rest get MAX_SUBSCRIPTION_MINUTES.
SUBSCRIPTION_LIMITS = (
    (re.compile(r"(^|/)todo/", re.I), MAX_SUBSCRIPTION_MINUTES),
    (re.compile(r"(^|/)presences?\b", re.I), 60),
    (re.compile(r"(^|/)(drives?|lists)\b", re.I), MAX_DRIVE_SUBSCRIPTION_MINUTES),
    (re.compile(r"/(conversations|threads)\b", re.I), MAX_SUBSCRIPTION_MINUTES),
    (re.compile(r"(^|/)(chats|teams|channels)\b", re.I), 4320),
    (re.compile(r"(^|/)(messages|events|contacts)\b", re.I), 10080),
    (re.compile(r"^(users|groups)(/[^/]+)?/?$", re.I), 41760),
)
SUBSCRIBABLE = re.compile(r"^(me|users|groups|drives|sites|chats|teams|communications|security|todo)\b", re.I)
USER_FIELDS = ("displayName", "givenName", "surname", "mail", "userPrincipalName", "jobTitle", "department")
GROUP_FIELDS = ("displayName", "description", "mail", "mailNickname")
GROUP_WRITABLE = frozenset(
    {
        "displayName",
        "description",
        "mailNickname",
        "mailEnabled",
        "securityEnabled",
        "groupTypes",
        "visibility",
        "members@odata.bind",
        "owners@odata.bind",
        "isAssignableToRole",
        "classification",
        "preferredLanguage",
    }
)
SUBSCRIPTION_FIELDS = frozenset(
    {
        "changeType",
        "notificationUrl",
        "resource",
        "expirationDateTime",
        "clientState",
        "lifecycleNotificationUrl",
        "includeResourceData",
        "encryptionCertificate",
        "encryptionCertificateId",
        "latestSupportedTlsVersion",
        "notificationQueryOptions",
    }
)


def _not_found(key: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@attrs.define
class Directory:
    """The tenant's directory state; users themselves stay in ``tenant.users``."""

    tenant: SandboxTenant
    now: datetime
    managers: dict[str, str] = attrs.field(factory=dict)
    groups: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    members: dict[str, list[str]] = attrs.field(factory=dict)
    owners: dict[str, list[str]] = attrs.field(factory=dict)
    conversations: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    threads: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    posts: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    events: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    subscriptions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    photos: dict[str, bytes] = attrs.field(factory=dict)

    # -- lookups -----------------------------------------------------------------------------------
    def user(self, key: str) -> dict[str, Any]:
        found = self.tenant.find_user(key)
        if found is None:
            raise _not_found(key)
        return seed.directory_user(found)

    def group(self, key: str) -> dict[str, Any]:
        group = self.groups.get(key)
        if group is None:
            raise _not_found(key)
        return group

    def unified(self, key: str) -> dict[str, Any]:
        group = self.group(key)
        if "Unified" not in group["groupTypes"]:
            raise GraphError(
                400, "BadRequest", f"'{group['displayName']}' is a security group; only Microsoft 365 groups have this."
            )
        return group

    def object(self, key: str) -> dict[str, Any]:
        """A user or a group by id, as a directoryObject."""
        if key in self.groups:
            return self.groups[key]
        found = self.tenant.find_user(key)
        if found is None:
            raise _not_found(key)
        return seed.directory_user(found)

    def memberships(self, object_id: str) -> list[dict[str, Any]]:
        return [g for gid, g in self.groups.items() if object_id in self.members.get(gid, [])]


def _nick_to_id(directory: Directory, who: str) -> str:
    if who.startswith("group:"):
        nick = who.split(":", 1)[1]
        return next(g["id"] for g in directory.groups.values() if g["mailNickname"] == nick)
    user = directory.tenant.find_user(f"{who}@{directory.tenant.me.mail.split('@')[1]}")
    if user is None:
        raise KeyError(who)
    return user.id


def build(tenant: SandboxTenant, now: datetime) -> Directory:
    """The seeded directory for a tenant."""
    directory = Directory(tenant=tenant, now=now)
    by_local = {seed.local_part(u): u for u in tenant.users}
    for report, manager in seed.MANAGERS.items():
        if report in by_local and manager in by_local:
            directory.managers[by_local[report].id] = by_local[manager].id
    for entry in seed.GROUPS:
        directory.groups[entry["id"]] = seed.group_record(tenant, entry)
    for entry in seed.GROUPS:
        directory.members[entry["id"]] = [_nick_to_id(directory, w) for w in entry["_members"] if _known(directory, w)]
        directory.owners[entry["id"]] = [_nick_to_id(directory, w) for w in entry["_owners"] if _known(directory, w)]
    by_nick = {g["mailNickname"]: g for g in directory.groups.values()}
    for n, (nick, topic, threads) in enumerate(seed.CONVERSATIONS):
        group = by_nick[nick]
        conversation_id = f"AAQkADconv{n:03d}" + base64.urlsafe_b64encode(topic.encode()[:9]).decode()
        thread_records = []
        for m, (thread_id, posts) in enumerate(threads):
            thread_id = thread_id or f"AAQkADthrd{n:03d}{m:02d}="
            stamp = _stamp(now - timedelta(days=len(seed.CONVERSATIONS) - n, hours=m))
            senders = []
            directory.posts[thread_id] = []
            for who, text in posts:
                user = directory.user(f"{who}@{tenant.me.mail.split('@')[1]}")
                senders.append(user["displayName"])
                directory.posts[thread_id].append(_post(user["displayName"], user["mail"], text, stamp))
            record = {
                "id": thread_id,
                "topic": topic,
                "hasAttachments": False,
                "lastDeliveredDateTime": stamp,
                "uniqueSenders": sorted(set(senders)),
                "preview": posts[-1][1],
                "isLocked": False,
                "_conversationId": conversation_id,
            }
            thread_records.append(record)
            directory.threads.setdefault(group["id"], []).append(record)
        directory.conversations.setdefault(group["id"], []).append(
            {
                "id": conversation_id,
                "topic": topic,
                "hasAttachments": False,
                "lastDeliveredDateTime": max(t["lastDeliveredDateTime"] for t in thread_records),
                "uniqueSenders": sorted({s for t in thread_records for s in t["uniqueSenders"]}),
                "preview": thread_records[-1]["preview"],
            }
        )
    day = seed.today(now)
    for nick, events in seed.GROUP_EVENTS.items():
        group = by_nick[nick]
        directory.events[group["id"]] = [
            seed.event_record(group, subject, day + timedelta(days=offset, hours=hour), hours, n)
            for n, (subject, offset, hour, hours) in enumerate(events)
        ]
    expires = now + timedelta(days=2)
    sample = _subscription(
        {
            "id": "7a6b5c4d-3e2f-4a1b-9c8d-seededsubsc1",
            "resource": "me/mailFolders('inbox')/messages",
            "changeType": "created",
            "notificationUrl": "https://hooks.contoso.sandbox/graph",
            "clientState": "sandbox-secret",
            "expirationDateTime": _stamp(expires),
        },
        tenant.me.id,
    )
    directory.subscriptions[sample["id"]] = sample
    return directory


def _known(directory: Directory, who: str) -> bool:
    try:
        _nick_to_id(directory, who)
    except (KeyError, StopIteration):
        return False
    return True


def _post(name: str, address: str, text: str, stamp: str) -> dict[str, Any]:
    return {
        "id": "AAMkADpost" + secrets.token_hex(6),
        "from": {"emailAddress": {"name": name, "address": address}},
        "body": {"contentType": "text", "content": text},
        "receivedDateTime": stamp,
    }


def _subscription(fields: dict[str, Any], creator: str) -> dict[str, Any]:
    return {
        "id": fields.get("id") or str(uuid.uuid4()),
        "resource": fields["resource"],
        "applicationId": APPLICATION_ID,
        "changeType": fields["changeType"],
        "clientState": fields.get("clientState"),
        "notificationUrl": fields["notificationUrl"],
        "lifecycleNotificationUrl": fields.get("lifecycleNotificationUrl"),
        "expirationDateTime": fields["expirationDateTime"],
        "creatorId": creator,
        "includeResourceData": bool(fields.get("includeResourceData", False)),
        "latestSupportedTlsVersion": fields.get("latestSupportedTlsVersion", "v1_2"),
        "encryptionCertificate": fields.get("encryptionCertificate"),
        "encryptionCertificateId": fields.get("encryptionCertificateId"),
        "notificationQueryOptions": None,
    }


def max_subscription_minutes(resource: str) -> int:
    """Graph caps each subscription's lifetime by what it watches (mail a week, files 30 days, presence an hour)."""
    path = resource.strip().lstrip("/")
    for pattern, minutes in SUBSCRIPTION_LIMITS:
        if pattern.search(path):
            return minutes
    return MAX_SUBSCRIPTION_MINUTES


def directory_of(request: SandboxRequest) -> Directory:
    return request.tenant.store[STORE_KEY]


# --- directory queries ----------------------------------------------------------------------------

_CLAUSE = re.compile(r'"([^"]*)"|\b(AND|OR)\b')


def _search_clauses(text: str) -> list[list[tuple[str, str]]]:
    """``"displayName:ad" OR "mail:ad"`` as OR-groups of AND-ed (property, value) pairs; Graph's syntax."""
    groups: list[list[tuple[str, str]]] = [[]]
    rest = _CLAUSE.sub("", text).strip()
    if rest:
        raise GraphError(
            400, "Request_UnsupportedQuery", 'Invalid $search: write clauses as "property:value", joined by AND or OR.'
        )
    for match in _CLAUSE.finditer(text):
        if match.group(2) == "OR":
            groups.append([])
        elif match.group(2) == "AND":
            continue
        else:
            prop, sep, value = match.group(1).partition(":")
            if not sep or not prop.strip():
                raise GraphError(
                    400, "Request_UnsupportedQuery", 'Invalid $search: each clause must be "property:value".'
                )
            groups[-1].append((prop.strip(), value.strip().lower()))
    return [g for g in groups if g]


def _search_matches(item: dict[str, Any], groups: list[list[tuple[str, str]]]) -> bool:
    def one(prop: str, value: str) -> bool:
        field = item.get(prop)
        return isinstance(field, str) and any(word.startswith(value) for word in re.split(r"[\s@._-]+", field.lower()))

    return any(all(one(p, v) for p, v in group) for group in groups)


def directory_page(request: SandboxRequest, items: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, Any]:
    """A directory collection page: advanced queries need ``ConsistencyLevel: eventual``, as in Graph."""
    search = option(request, "search")
    counting = (option(request, "count") or "").lower() == "true"
    eventual = request.headers.get("consistencylevel", "").lower() == "eventual"
    if (search or counting) and not eventual:
        what = "$search" if search else "$count"
        raise GraphError(
            400,
            "Request_UnsupportedQuery",
            f"Request with {what} query parameter only works through MSGraph with a special request header: "
            "'ConsistencyLevel: eventual'",
        )
    if search:
        groups = _search_clauses(search)
        items = [i for i in items if _search_matches(i, groups)]
        plain = attrs.evolve(request, query={k: v for k, v in request.query.items() if k not in ("$search", "search")})
        page = list_page(plain, items, search_fields=fields, max_top=999, default_top=100)
        if "@odata.nextLink" in page:
            page["@odata.nextLink"] += "&%24search=" + quote(search, safe="")
        return page
    return list_page(request, items, search_fields=fields, max_top=999, default_top=100)


def _users(tenant: SandboxTenant) -> list[dict[str, Any]]:
    return sorted((seed.directory_user(u) for u in tenant.users), key=lambda u: u["displayName"].lower())


def _people(directory: Directory, me_id: str) -> list[dict[str, Any]]:
    """Adele's colleagues ranked by how closely she works with them, then her external contacts."""
    closeness: dict[str, float] = {}
    for members in directory.members.values():
        if me_id in members:
            for member in members:
                closeness[member] = closeness.get(member, 0.0) + 1.0
    for a, b in directory.managers.items():
        if me_id in (a, b):
            closeness[b if a == me_id else a] = closeness.get(b if a == me_id else a, 0.0) + 3.0
    people = []
    for user in directory.tenant.users:
        if user.id == me_id or user.id not in closeness:
            continue
        record = seed.directory_user(user)
        score = round(closeness[user.id] * 2.5, 1)
        people.append(
            {
                "id": user.id,
                "displayName": record["displayName"],
                "givenName": record["givenName"],
                "surname": record["surname"],
                "jobTitle": record["jobTitle"],
                "department": record["department"],
                "companyName": "Contoso",
                "officeLocation": record["officeLocation"],
                "userPrincipalName": record["userPrincipalName"],
                "scoredEmailAddresses": [{"address": record["mail"], "relevanceScore": score}],
                "personType": {"class": "Person", "subclass": "OrganizationUser"},
            }
        )
    people.sort(key=lambda p: (-p["scoredEmailAddresses"][0]["relevanceScore"], p["displayName"]))
    return people + [dict(p) for p in seed.EXTERNAL_PEOPLE]


# --- search and retrieval -------------------------------------------------------------------------

_KQL_PROP = re.compile(r"^[A-Za-z]+:")


def _terms(query: str) -> list[str]:
    words = [_KQL_PROP.sub("", w).strip('"').lower() for w in query.split()]
    return [w for w in words if w and w not in ("and", "or", "not", "*")]


def _hit_text(text: str, terms: list[str]) -> str:
    summary = text[:200]
    for term in terms:
        summary = re.sub(f"({re.escape(term)})", r"<c0>\1</c0>", summary, flags=re.IGNORECASE)
    return summary


def _matches_terms(text: str, terms: list[str]) -> bool:
    low = text.lower()
    return all(t in low for t in terms)


def _message_hits(request: SandboxRequest, terms: list[str]) -> list[tuple[str, dict[str, Any]]]:
    mailboxes = request.tenant.store.get("mail")
    mailbox = mailboxes.get(request.user.id) if isinstance(mailboxes, dict) else None
    messages = list(getattr(mailbox, "messages", {}).values()) if mailbox is not None else []
    if not messages:
        messages = [dict(m) for m in seed.SEEDED_MESSAGES]
    out = []
    for m in messages:
        text = f"{m.get('subject', '')} {m.get('bodyPreview', '')}"
        if _matches_terms(text, terms):
            keep = ("id", "subject", "bodyPreview", "from", "receivedDateTime", "webLink")
            out.append((text, {"@odata.type": "#microsoft.graph.message", **{k: m[k] for k in keep if k in m}}))
    out.sort(key=lambda hit: hit[1].get("receivedDateTime") or "", reverse=True)
    return out


def _drive_hits(request: SandboxRequest, terms: list[str]) -> list[tuple[str, dict[str, Any]]]:
    items = request.tenant.store.get("drive.items")
    files = [i for i in items.values() if "file" in i] if isinstance(items, dict) else []
    out = []
    if files:
        for item in files:
            if _matches_terms(item.get("name", ""), terms):
                keep = ("id", "name", "webUrl", "size", "lastModifiedDateTime", "parentReference")
                out.append(
                    (
                        item["name"],
                        {"@odata.type": "#microsoft.graph.driveItem", **{k: item[k] for k in keep if k in item}},
                    )
                )
        return out
    for doc in seed.DOCUMENTS:
        if _matches_terms(f"{doc['name']} {doc['text']}", terms):
            resource = {
                "@odata.type": "#microsoft.graph.driveItem",
                "id": doc["id"],
                "name": doc["name"],
                "webUrl": f"{doc['site']}/Shared%20Documents/{quote(doc['name'])}",
                "createdBy": {"user": {"displayName": doc["author"]}},
            }
            out.append((doc["text"], resource))
    return out


def _search_hits(request: SandboxRequest, kind: str, terms: list[str]) -> list[tuple[str, dict[str, Any]]]:
    if kind == "message":
        return _message_hits(request, terms)
    if kind in ("driveItem", "listItem"):
        return _drive_hits(request, terms)
    if kind == "event":
        return [
            (e["subject"], {"@odata.type": "#microsoft.graph.event", **e})
            for e in seed.SEEDED_EVENTS
            if _matches_terms(e["subject"], terms)
        ]
    if kind == "person":
        return [
            (u["displayName"], {"@odata.type": "#microsoft.graph.person", **{k: u[k] for k in ("id", *USER_FIELDS)}})
            for u in _users(request.tenant)
            if _matches_terms(" ".join(str(u.get(f) or "") for f in USER_FIELDS), terms)
        ]
    if kind == "site":
        sites = {d["site"] for d in seed.DOCUMENTS}
        return [
            (
                s,
                {
                    "@odata.type": "#microsoft.graph.site",
                    "id": s.rsplit("/", 1)[1],
                    "webUrl": s,
                    "name": s.rsplit("/", 1)[1],
                },
            )
            for s in sorted(sites)
            if _matches_terms(s, terms)
        ]
    return []


#: Entity types Graph lets one search request combine.
_COMBINABLE = (
    frozenset({"acronym", "bookmark"}),
    frozenset({"message", "chatMessage"}),
    frozenset({"drive", "driveItem", "externalItem", "list", "listItem", "site"}),
)


def _run_search(request: SandboxRequest, entry: Any, index: int) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise GraphError(400, "BadRequest", f"requests[{index}] must be an object.")
    kinds = entry.get("entityTypes")
    query = (entry.get("query") or {}).get("queryString") if isinstance(entry.get("query"), dict) else None
    if not isinstance(kinds, list) or not kinds:
        raise GraphError(400, "BadRequest", "entityTypes is required.")
    if not isinstance(query, str) or not query.strip():
        raise GraphError(400, "BadRequest", "query.queryString is required.")
    if len(kinds) > 1 and not any(set(kinds) <= group for group in _COMBINABLE):
        raise GraphError(
            400, "BadRequest", f"The entity types {', '.join(kinds)} can't be searched together; use separate requests."
        )
    start, size = int(entry.get("from", 0)), int(entry.get("size", 25))
    terms = _terms(query)
    hits = [hit for kind in kinds for hit in _search_hits(request, kind, terms)]
    page = hits[start : start + size]
    return {
        "searchTerms": terms,
        "hitsContainers": [
            {
                "hits": [
                    {
                        "hitId": resource.get("id"),
                        "rank": start + i + 1,
                        "summary": _hit_text(text, terms),
                        "resource": resource,
                    }
                    for i, (text, resource) in enumerate(page)
                ],
                "total": len(hits),
                "moreResultsAvailable": start + size < len(hits),
            }
        ],
    }


_PATH_FILTER = re.compile(r'^\s*path\s*:\s*"([^"]+)"\s*$', re.I)


def _retrieve(body: dict[str, Any]) -> dict[str, Any]:
    query = body.get("queryString")
    if not isinstance(query, str) or not query.strip() or len(query) > 1500:
        raise GraphError(400, "BadRequest", "queryString is required and must be at most 1,500 characters.")
    source = body.get("dataSource")
    if source not in ("sharePoint", "oneDriveBusiness", "externalItem"):
        raise GraphError(400, "BadRequest", "dataSource must be sharePoint, oneDriveBusiness or externalItem.")
    top = body.get("maximumNumberOfResults", 10)
    if not isinstance(top, int) or not 1 <= top <= 25:
        raise GraphError(400, "BadRequest", "maximumNumberOfResults must be between 1 and 25.")
    prefix = None
    if body.get("filterExpression"):
        match = _PATH_FILTER.match(str(body["filterExpression"]))
        if match is None:
            raise GraphError(400, "BadRequest", 'The sandbox understands filterExpression path:"<url>" only.')
        prefix = match.group(1).lower()
    if source == "externalItem":
        return {"retrievalHits": []}
    terms = _terms(query)
    scored = []
    for doc in seed.DOCUMENTS:
        url = f"{doc['site']}/Shared%20Documents/{quote(doc['name'])}"
        if prefix and not url.lower().startswith(prefix):
            continue
        sentences = [s.strip() + "." for s in doc["text"].split(".") if s.strip()]
        extracts = []
        for sentence in sentences:
            hits = sum(1 for t in terms if t in sentence.lower())
            if hits:
                extracts.append({"text": sentence, "relevanceScore": round(hits / max(len(terms), 1), 3)})
        if extracts:
            extracts.sort(key=lambda e: -e["relevanceScore"])
            hit: dict[str, Any] = {"webUrl": url, "extracts": extracts, "resourceType": "listItem"}
            wanted = body.get("resourceMetadata") or []
            meta = {"title": doc["name"], "author": doc["author"]}
            if wanted:
                hit["resourceMetadata"] = {k: v for k, v in meta.items() if k in wanted}
            hit["sensitivityLabel"] = None
            scored.append((extracts[0]["relevanceScore"], hit))
    scored.sort(key=lambda pair: -pair[0])
    return {"retrievalHits": [hit for _, hit in scored[:top]]}


# --- events ----------------------------------------------------------------------------------------


def _parse_when(value: str | None, name: str) -> datetime:
    if not value:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(400, "ErrorInvalidParameter", f"The value of {name} is not a valid date-time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _event_time(value: dict[str, str]) -> datetime:
    return datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=UTC)


def _in_zone(request: SandboxRequest, event: dict[str, Any]) -> dict[str, Any]:
    """Honour ``Prefer: outlook.timezone`` for IANA names; other names are shown in UTC."""
    zone_name = request.prefer("outlook.timezone")
    if not zone_name:
        return event
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return event
    shown = dict(event)
    for key in ("start", "end"):
        moment = _event_time(event[key]).astimezone(zone)
        shown[key] = {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name}
    return shown


# --- $batch ----------------------------------------------------------------------------------------


async def _run_batch(request: SandboxRequest) -> dict[str, Any]:
    body = json_object(request)
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    if len(requests) > 20:
        raise GraphError(400, "BadRequest", "Number of batch request steps exceeds the maximum of 20.")
    ids = [str(r.get("id")) if isinstance(r, dict) else "" for r in requests]
    if any(not i or i == "None" for i in ids) or len(set(ids)) != len(ids):
        raise GraphError(400, "BadRequest", "Batch request ids must be present and unique.")
    version = request.path.lstrip("/").split("/", 1)[0]
    auth = {"Authorization": request.headers.get("authorization", "")}
    statuses: dict[str, int] = {}
    responses = []
    transport = httpx.ASGITransport(app=request.tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=request.base_url) as client:
        for entry in requests:
            rid = str(entry["id"])
            url = str(entry.get("url") or "")
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not url.startswith("/"):
                raise GraphError(400, "BadRequest", f"Request {rid}: the url must be relative, such as /me.")
            failed = [
                d for d in entry.get("dependsOn") or [] if statuses.get(str(d), 0) >= 400 or str(d) not in statuses
            ]
            if failed:
                statuses[rid] = 424
                responses.append(
                    {
                        "id": rid,
                        "status": 424,
                        "body": {"error": {"code": "FailedDependency", "message": "A dependent request failed."}},
                    }
                )
                continue
            headers = {**auth, **{str(k): str(v) for k, v in (entry.get("headers") or {}).items()}}
            sub = await client.request(
                str(entry.get("method", "GET")).upper(),
                f"/{version}{url}",
                headers=headers,
                json=entry.get("body") if "body" in entry else None,
            )
            statuses[rid] = sub.status_code
            answer: dict[str, Any] = {"id": rid, "status": sub.status_code, "headers": {}}
            kind = sub.headers.get("content-type", "")
            if kind:
                answer["headers"]["Content-Type"] = kind
            if sub.content:
                answer["body"] = sub.json() if "json" in kind else base64.b64encode(sub.content).decode("ascii")
            responses.append(answer)
    return {"responses": responses}


# --- routes ----------------------------------------------------------------------------------------


def setup(tenant: SandboxTenant, now: datetime | None = None) -> Directory:
    """Seed the directory and serve its routes."""
    directory = build(tenant, now or datetime.now(UTC))
    tenant.store[STORE_KEY] = directory
    route = tenant.route

    # the signed-in user
    @route("GET", "/me")
    async def me(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, seed.directory_user(req.user))

    @route("GET", "/me/profile")
    async def profile(req: SandboxRequest) -> dict[str, Any]:
        if not req.path.startswith("/beta/"):
            raise GraphError(400, "BadRequest", "Resource not found for the segment 'profile'.")
        user = seed.directory_user(req.user)
        return select_item(
            req,
            {
                "id": user["id"],
                "names": [{"displayName": user["displayName"], "first": user["givenName"], "last": user["surname"]}],
                "emails": [{"address": user["mail"], "type": "work"}],
                "phones": [{"number": n, "type": "business"} for n in user["businessPhones"]],
                "positions": [
                    {
                        "detail": {
                            "jobTitle": user["jobTitle"],
                            "company": {"displayName": "Contoso", "department": user["department"]},
                        },
                        "isCurrent": True,
                    }
                ],
                "languages": [{"displayName": "English", "tag": "en-US", "reading": "nativeOrBilingual"}],
                "skills": [{"displayName": "Product strategy"}, {"displayName": "Market research"}],
                "addresses": [
                    {"detail": {"city": user["city"], "countryOrRegion": user["country"]}, "type": "business"}
                ],
            },
        )

    @route("PUT", "/me/photo/$value")
    async def put_photo(req: SandboxRequest) -> Response:
        kind = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ("image/jpeg", "image/jpg"):
            raise GraphError(400, "ErrorInvalidImage", "The photo must be sent as image/jpeg.")
        if not req.body.startswith(b"\xff\xd8\xff"):
            raise GraphError(400, "ErrorInvalidImage", "The image is not a valid JPEG.")
        directory.photos[req.user.id] = req.body
        return Response(status_code=200)

    @route("GET", "/me/photo/$value")
    async def get_photo(req: SandboxRequest) -> Response:
        data = directory.photos.get(req.user.id)
        if data is None:
            raise GraphError(404, "ImageNotFound", "The photo wasn't found.")
        return Response(data, media_type="image/jpeg")

    # the directory
    @route("GET", "/users")
    async def list_users(req: SandboxRequest) -> dict[str, Any]:
        return directory_page(req, _users(tenant), USER_FIELDS)

    def manager_of(user_id: str) -> dict[str, Any]:
        manager = directory.managers.get(user_id)
        if manager is None:
            raise _not_found("manager")
        return directory.user(manager)

    def reports_of(user_id: str) -> list[dict[str, Any]]:
        return [directory.user(r) for r, m in directory.managers.items() if m == user_id]

    @route("GET", "/me/manager")
    async def my_manager(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, manager_of(req.user.id))

    @route("GET", "/users/{userId}/manager")
    async def user_manager(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, manager_of(directory.user(req.params["userId"])["id"]))

    @route("GET", "/me/directReports")
    async def my_reports(req: SandboxRequest) -> dict[str, Any]:
        return directory_page(req, reports_of(req.user.id), USER_FIELDS)

    @route("GET", "/users/{userId}/directReports")
    async def user_reports(req: SandboxRequest) -> dict[str, Any]:
        return directory_page(req, reports_of(directory.user(req.params["userId"])["id"]), USER_FIELDS)

    @route("GET", "/me/people")
    async def people(req: SandboxRequest) -> dict[str, Any]:
        items = _people(directory, req.user.id)
        search = option(req, "search")
        if search:
            fields = ("displayName", "givenName", "surname", "scoredEmailAddresses/address", "jobTitle", "companyName")
            items = [p for p in items if matches_search(p, search, fields)]
            plain = attrs.evolve(req, query={k: v for k, v in req.query.items() if k not in ("$search", "search")})
            page = list_page(plain, items, search_fields=(), max_top=1000)
            if "@odata.nextLink" in page:
                page["@odata.nextLink"] += "&%24search=" + quote(search, safe="")
            return page
        return list_page(req, items, search_fields=(), max_top=1000)

    @route("GET", "/me/memberOf")
    async def member_of(req: SandboxRequest) -> dict[str, Any]:
        items = sorted(directory.memberships(req.user.id), key=lambda g: g["displayName"].lower())
        if req.user.id == tenant.me.id:
            items.append(dict(seed.ROLE))
        return directory_page(req, items, GROUP_FIELDS)

    @route("GET", "/me/insights/trending")
    async def trending(req: SandboxRequest) -> dict[str, Any]:
        items = []
        for n, (title, kind, container, weight) in enumerate(seed.TRENDING):
            site = f"https://contoso.sandbox/sites/{container.replace(' ', '')}"
            url = f"{site}/Shared%20Documents/{quote(title)}"
            items.append(
                {
                    "id": f"AQMkADtrend{n:02d}" + base64.urlsafe_b64encode(title.encode()[:6]).decode(),
                    "weight": weight,
                    "resourceVisualization": {
                        "title": title,
                        "type": kind,
                        "mediaType": "application/octet-stream",
                        "previewText": f"{title} in {container}",
                        "containerWebUrl": site,
                        "containerDisplayName": container,
                        "containerType": "Site",
                    },
                    "resourceReference": {
                        "webUrl": url,
                        "id": f"drives/b!sbx/items/01TREND{n:04d}",
                        "type": "driveItem",
                    },
                }
            )
        return list_page(req, items, search_fields=("resourceVisualization/title",))

    # groups
    @route("GET", "/groups")
    async def list_groups(req: SandboxRequest) -> dict[str, Any]:
        items = sorted(directory.groups.values(), key=lambda g: g["displayName"].lower())
        return directory_page(req, items, GROUP_FIELDS)

    @route("POST", "/groups")
    async def create_group(req: SandboxRequest) -> Response:
        body = json_object(req)
        refuse_unknown(body, GROUP_WRITABLE, "group")
        for field in ("displayName", "mailNickname", "mailEnabled", "securityEnabled"):
            if body.get(field) in (None, ""):
                raise GraphError(
                    400, "Request_BadRequest", f"Invalid value specified for property '{field}' of resource 'Group'."
                )
        unified = "Unified" in (body.get("groupTypes") or [])
        if body["mailEnabled"] and not unified:
            raise GraphError(400, "Request_BadRequest", "Creating mail-enabled security groups is not supported.")
        if unified and not body["mailEnabled"]:
            raise GraphError(400, "Request_BadRequest", "A Microsoft 365 group must be mail-enabled.")
        nick = str(body["mailNickname"])
        if any(g["mailNickname"].lower() == nick.lower() for g in directory.groups.values()):
            raise GraphError(
                400,
                "Request_BadRequest",
                "Another object with the same value for property mailNickname already exists.",
            )
        binds = {}
        for field in ("members", "owners"):
            refs = body.get(f"{field}@odata.bind") or []
            binds[field] = [directory.object(_ref_id(r))["id"] for r in refs]
        group_id = str(uuid.uuid4())
        group = {
            "@odata.type": "#microsoft.graph.group",
            "id": group_id,
            "displayName": body["displayName"],
            "description": body.get("description"),
            "mail": f"{nick}@{tenant.me.mail.split('@')[1]}" if body["mailEnabled"] else None,
            "mailNickname": nick,
            "mailEnabled": bool(body["mailEnabled"]),
            "securityEnabled": bool(body["securityEnabled"]),
            "groupTypes": list(body.get("groupTypes") or []),
            "visibility": body.get("visibility") or ("Public" if unified else None),
            "createdDateTime": _stamp(datetime.now(UTC)),
        }
        directory.groups[group_id] = group
        directory.members[group_id] = binds["members"]
        directory.owners[group_id] = binds["owners"] or [req.user.id]
        return _json(req, group, 201)

    @route("GET", "/groups/{groupId}")
    async def get_group(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, directory.group(req.params["groupId"]))

    @route("PATCH", "/groups/{groupId}")
    async def update_group(req: SandboxRequest) -> None:
        group = directory.group(req.params["groupId"])
        body = json_object(req)
        refuse_unknown(body, GROUP_WRITABLE - {"members@odata.bind", "owners@odata.bind"}, "group")
        for key in ("mailEnabled", "securityEnabled", "groupTypes"):
            if key in body and body[key] != group[key]:
                raise GraphError(400, "Request_BadRequest", f"Property '{key}' is read-only once the group exists.")
        group.update(body)

    @route("DELETE", "/groups/{groupId}")
    async def delete_group(req: SandboxRequest) -> None:
        group_id = directory.group(req.params["groupId"])["id"]
        for table in (directory.groups, directory.members, directory.owners, directory.events):
            table.pop(group_id, None)
        for gid in directory.members:
            if group_id in directory.members[gid]:
                directory.members[gid].remove(group_id)

    def relation(req: SandboxRequest, kind: str) -> list[str]:
        group_id = directory.group(req.params["groupId"])["id"]
        return (directory.members if kind == "members" else directory.owners).setdefault(group_id, [])

    for kind in ("members", "owners"):

        @route("GET", f"/groups/{{groupId}}/{kind}")
        async def list_relation(req: SandboxRequest, kind: str = kind) -> dict[str, Any]:
            items = [directory.object(i) for i in relation(req, kind)]
            return directory_page(req, sorted(items, key=lambda o: o["displayName"].lower()), USER_FIELDS)

        @route("POST", f"/groups/{{groupId}}/{kind}/$ref")
        async def add_relation(req: SandboxRequest, kind: str = kind) -> None:
            ids = relation(req, kind)
            body = json_object(req)
            refuse_unknown(body, {"@odata.id"}, "directoryObject")
            ref = body.get("@odata.id")
            if not isinstance(ref, str) or not ref:
                raise GraphError(400, "Request_BadRequest", "The request body must carry an @odata.id reference.")
            target = directory.object(_ref_id(ref))
            if kind == "owners" and target["@odata.type"] != "#microsoft.graph.user":
                raise GraphError(400, "Request_BadRequest", "Only users can own a group.")
            if target["id"] == req.params["groupId"]:
                raise GraphError(400, "Request_BadRequest", "A group cannot be a member of itself.")
            if target["id"] in ids:
                raise GraphError(
                    400,
                    "Request_BadRequest",
                    "One or more added object references already exist for the following modified properties: "
                    f"'{kind}'.",
                )
            ids.append(target["id"])

        @route("DELETE", f"/groups/{{groupId}}/{kind}/{{directoryObjectId}}/$ref")
        async def remove_relation(req: SandboxRequest, kind: str = kind) -> None:
            ids = relation(req, kind)
            target = req.params["directoryObjectId"]
            if target not in ids:
                raise _not_found(target)
            group = directory.group(req.params["groupId"])
            if kind == "owners" and len(ids) == 1 and "Unified" in group["groupTypes"]:
                raise GraphError(400, "Request_BadRequest", "The last owner of a Microsoft 365 group can't be removed.")
            ids.remove(target)

    @route("GET", "/groups/{groupId}/conversations")
    async def conversations(req: SandboxRequest) -> dict[str, Any]:
        group = directory.unified(req.params["groupId"])
        items = sorted(
            directory.conversations.get(group["id"], []), key=lambda c: c["lastDeliveredDateTime"], reverse=True
        )
        return list_page(req, items, search_fields=("topic", "preview"))

    @route("GET", "/groups/{groupId}/threads")
    async def threads(req: SandboxRequest) -> dict[str, Any]:
        group = directory.unified(req.params["groupId"])
        items = [
            {k: v for k, v in t.items() if not k.startswith("_")}
            for t in sorted(
                directory.threads.get(group["id"], []), key=lambda t: t["lastDeliveredDateTime"], reverse=True
            )
        ]
        return list_page(req, items, search_fields=("topic", "preview"))

    @route("POST", "/groups/{groupId}/threads/{conversationThreadId}/reply")
    async def reply(req: SandboxRequest) -> Response:
        group = directory.unified(req.params["groupId"])
        thread_id = req.params["conversationThreadId"]
        thread = next((t for t in directory.threads.get(group["id"], []) if t["id"] == thread_id), None)
        if thread is None:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        body = json_object(req)
        refuse_unknown(body, {"post"}, "conversationThread")
        post = body.get("post")
        content = (post or {}).get("body", {}).get("content") if isinstance(post, dict) else None
        if not isinstance(content, str) or not content.strip():
            raise GraphError(400, "ErrorInvalidRequest", "The post must have a body with content.")
        if thread["isLocked"]:
            raise GraphError(403, "ErrorAccessDenied", "The thread is locked.")
        user = seed.directory_user(req.user)
        stamp = _stamp(datetime.now(UTC))
        directory.posts[thread_id].append(_post(user["displayName"], user["mail"], content, stamp))
        thread["lastDeliveredDateTime"] = stamp
        thread["preview"] = content[:255]
        thread["uniqueSenders"] = sorted({*thread["uniqueSenders"], user["displayName"]})
        return Response(status_code=202)

    @route("GET", "/groups/{groupId}/events")
    async def group_events(req: SandboxRequest) -> dict[str, Any]:
        group = directory.unified(req.params["groupId"])
        items = [_in_zone(req, e) for e in directory.events.get(group["id"], [])]
        return list_page(req, items, search_fields=("subject",))

    @route("GET", "/groups/{groupId}/calendarView")
    async def calendar_view(req: SandboxRequest) -> dict[str, Any]:
        group = directory.unified(req.params["groupId"])
        start = _parse_when(req.query.get("startDateTime"), "startDateTime")
        end = _parse_when(req.query.get("endDateTime"), "endDateTime")
        items = [
            _in_zone(req, e)
            for e in sorted(directory.events.get(group["id"], []), key=lambda e: e["start"]["dateTime"])
            if _event_time(e["start"]) < end and _event_time(e["end"]) > start
        ]
        return list_page(req, items, search_fields=("subject",))

    # search
    @route("POST", "/search/query")
    async def search(req: SandboxRequest) -> dict[str, Any]:
        body = json_object(req)
        refuse_unknown(body, {"requests"}, "searchQuery")
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            raise GraphError(400, "BadRequest", "requests is required.")
        return {
            "@odata.context": odata_context(req),
            "value": [_run_search(req, entry, i) for i, entry in enumerate(requests)],
        }

    @route("POST", "/copilot/retrieval")
    async def retrieval(req: SandboxRequest) -> dict[str, Any]:
        body = json_object(req)
        refuse_unknown(
            body,
            {
                "queryString",
                "dataSource",
                "dataSourceConfiguration",
                "filterExpression",
                "resourceMetadata",
                "maximumNumberOfResults",
            },
            "retrievalRequest",
        )
        return _retrieve(body)

    # subscriptions
    def subscription(req: SandboxRequest) -> dict[str, Any]:
        found = directory.subscriptions.get(req.params["subscriptionId"])
        if found is None:
            raise GraphError(404, "ResourceNotFound", "The object was not found.")
        return found

    def check_expiry(resource: str, value: Any) -> str:
        when = _parse_subscription_time(value)
        now = datetime.now(UTC)
        limit = max_subscription_minutes(resource)
        if when <= now:
            raise GraphError(400, "ExtensionError", "Subscription expiration can only be in the future.")
        if when > now + timedelta(minutes=limit):
            raise GraphError(
                400, "ExtensionError", f"Subscription expiration can only be {limit} minutes in the future."
            )
        return _stamp(when)

    @route("GET", "/subscriptions")
    async def list_subscriptions(req: SandboxRequest) -> dict[str, Any]:
        return {"@odata.context": odata_context(req), "value": list(directory.subscriptions.values())}

    @route("POST", "/subscriptions")
    async def create_subscription(req: SandboxRequest) -> Response:
        body = json_object(req)
        refuse_unknown(body, SUBSCRIPTION_FIELDS, "subscription")
        for field in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if not body.get(field):
                raise GraphError(400, "InvalidRequest", f"The '{field}' property is required.")
        if not str(body["notificationUrl"]).startswith("https://"):
            raise GraphError(400, "InvalidRequest", "The notificationUrl must use https.")
        if not SUBSCRIBABLE.match(str(body["resource"]).lstrip("/")):
            raise GraphError(
                400, "InvalidRequest", f"Resource '{body['resource']}' is not supported for subscriptions."
            )
        if len(str(body.get("clientState") or "")) > 128:
            raise GraphError(400, "InvalidRequest", "clientState can be at most 128 characters.")
        body["expirationDateTime"] = check_expiry(str(body["resource"]), body["expirationDateTime"])
        record = _subscription({**body, "id": None}, req.user.id)
        directory.subscriptions[record["id"]] = record
        return _json(req, record, 201)

    @route("GET", "/subscriptions/{subscriptionId}")
    async def get_subscription(req: SandboxRequest) -> dict[str, Any]:
        return select_item(req, subscription(req))

    @route("PATCH", "/subscriptions/{subscriptionId}")
    async def update_subscription(req: SandboxRequest) -> dict[str, Any]:
        record = subscription(req)
        body = json_object(req)
        refuse_unknown(body, {"expirationDateTime", "notificationUrl", "lifecycleNotificationUrl"}, "subscription")
        if "expirationDateTime" in body:
            body["expirationDateTime"] = check_expiry(record["resource"], body["expirationDateTime"])
        if "notificationUrl" in body and not str(body["notificationUrl"]).startswith("https://"):
            raise GraphError(400, "InvalidRequest", "The notificationUrl must use https.")
        record.update(body)
        return select_item(req, record)

    @route("DELETE", "/subscriptions/{subscriptionId}")
    async def delete_subscription(req: SandboxRequest) -> None:
        directory.subscriptions.pop(subscription(req)["id"])

    @route("POST", "/subscriptions/{subscriptionId}/reauthorize")
    async def reauthorize(req: SandboxRequest) -> Response:
        subscription(req)["_reauthorized"] = True
        return Response(status_code=200)

    # $batch
    @route("POST", "/$batch")
    async def batch(req: SandboxRequest) -> dict[str, Any]:
        return await _run_batch(req)

    return directory


def _parse_subscription_time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(400, "InvalidRequest", "expirationDateTime is not a valid date-time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ref_id(ref: Any) -> str:
    """The id at the end of an ``@odata.id`` such as ``https://graph.microsoft.com/v1.0/directoryObjects/<id>``."""
    if not isinstance(ref, str):
        raise GraphError(400, "Request_BadRequest", "Invalid object identifier.")
    path = urlsplit(ref).path.rstrip("/")
    parts = path.split("/")
    if len(parts) < 2 or parts[-2] not in ("directoryObjects", "users", "groups") or not parts[-1]:
        raise GraphError(400, "Request_BadRequest", f"Invalid object identifier '{ref}'.")
    return parts[-1]


def _json(req: SandboxRequest, item: dict[str, Any], status: int) -> Response:
    return JSONResponse({"@odata.context": odata_context(req, "/$entity"), **item}, status_code=status)
