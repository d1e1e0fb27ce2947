"""Turn a tool spec and validated arguments into exactly one Graph request.

Every path id is percent-encoded as exactly one path segment, so no value from a client can
change the path or the query that reaches Graph.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from ms365mcp.catalog.spec import ToolSpec
from ms365mcp.errors import ToolInputError
from ms365mcp.settings import Settings

_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}")
# Inside OData function syntax (range(address='A1:B2')) these stay readable; the rest is encoded.
_LITERAL_SAFE = ":!$,;=@*+"
# Collections whose $search (and $count) need the ConsistencyLevel: eventual header.
_DIRECTORY_COLLECTIONS = {
    "users",
    "groups",
    "members",
    "owners",
    "memberOf",
    "transitiveMemberOf",
    "directReports",
    "devices",
    "applications",
    "servicePrincipals",
    "directoryObjects",
    "transitiveMembers",
}
# Paths whose items have bodies that Outlook can render as text.
_OUTLOOK_ITEMS = re.compile(r"/(messages|mailFolders|events|calendarView|calendar|threads|posts|conversations)\b")


@attrs.frozen
class GraphRequest:
    """A request ready for the Graph client."""

    method: str
    path: str
    """Path under the API version, already encoded (``/me/messages/a%2Fb``)."""
    api_version: str = "v1.0"
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    json: Any = None
    content: bytes | None = None

    @property
    def target(self) -> str:
        """Version, path and query: what follows the Graph host."""
        query = "&".join(f"{quote(k, safe='$@')}={quote(v, safe=',$:/()@')}" for k, v in self.params)
        return f"/{self.api_version}{self.path}" + (f"?{query}" if query else "")


def encode_segment(value: str) -> str:
    """Percent-encode a value so it stays one path segment; dot-only values are encoded too."""
    encoded = quote(value, safe="")
    if encoded.strip(".") == "":
        encoded = encoded.replace(".", "%2E")
    return encoded


def encode_literal(value: str) -> str:
    """Encode a value that sits inside an OData string literal ('...')."""
    return quote(value.replace("'", "''"), safe=_LITERAL_SAFE)


def render_path(spec: ToolSpec, args: dict[str, Any]) -> str:
    """Fill the path placeholders; an empty or missing id is an input error naming the field."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = args.get(name)
        if not isinstance(value, str) or value.strip() == "":
            raise ToolInputError(name, "required; give the id returned by a list or get tool")
        if name in spec.literal_params:
            return encode_literal(value)
        return encode_segment(value)

    return _PLACEHOLDER.sub(fill, spec.path)


def _last_static_segment(path_template: str) -> str:
    segments = [s for s in path_template.split("/") if s and not s.startswith("{")]
    return segments[-1] if segments else ""


def _odata_params(spec: ToolSpec, args: dict[str, Any], settings: Settings) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for option in ("top", "skip", "filter", "search", "orderby", "select", "count", "expand"):
        if option not in spec.query or option not in args:
            continue
        value = args[option]
        if option in ("top", "skip"):
            value = int(value)  # the schema allows 5.0; Graph wants 5
            if option == "top" and settings.max_top is not None:
                value = min(value, settings.max_top)
        if option == "count":
            if not value:
                continue
            value = "true"
        text = str(value).strip()
        if option == "select":
            # "id, subject" is a natural way to write it; Graph reads the space as part of a name.
            text = ",".join(name.strip() for name in text.split(",") if name.strip())
        if option == "search" and text.strip('"').strip() == "":
            raise ToolInputError("search", "is empty; give words to search for or leave it out")
        if text == "":
            continue
        params.append((f"${option}", text))
    if spec.is_list and spec.default_select and all(name != "$select" for name, _ in params):
        params.append(("$select", ",".join(spec.default_select)))
    return params


def _plain_query_params(spec: ToolSpec, args: dict[str, Any]) -> list[tuple[str, str]]:
    """Extra params marked ``"in": "query"`` (calendar view windows), sent under their own names."""
    params: list[tuple[str, str]] = []
    for name, schema in spec.params.items():
        value = args.get(name)
        if schema.get("in") != "query" or value is None or value == "":
            continue
        params.append((name, ("true" if value else "false") if isinstance(value, bool) else str(value)))
    return params


_KEY_SEGMENT = re.compile(r"^([^()]*)\((.*)\)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with case and default ports normalised; None for URLs with user info."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def link_location(link: str, settings: Settings) -> tuple[str, str] | None:
    """Where a Graph link points under the Graph base, as (path, query), or None when it is elsewhere.

    Accepted: links on the configured Graph URL (below its path prefix, for a proxy at
    https://proxy/graph), links on the cloud's own Graph host (which Graph writes even when a
    proxy stands in front of it), and relative links (``/teams('x')/...``). Only the path and
    query are kept; the caller always sends them to the configured Graph URL, so a link can
    never carry the token to another host.
    """
    from ms365mcp.settings import CLOUDS

    parts = urlsplit(link.strip())
    if not parts.scheme and not parts.netloc:
        return (parts.path, parts.query) if parts.path.startswith("/") else None
    origin = _origin(link.strip())
    if origin is None:
        return None
    configured = urlsplit(settings.graph_url)
    bases = [(_origin(settings.graph_url), configured.path.rstrip("/"))]
    bases.append((_origin(CLOUDS.get(settings.cloud, CLOUDS["global"])["graph"]), ""))
    for base_origin, prefix in bases:
        if origin != base_origin:
            continue
        if prefix and not parts.path.startswith(prefix + "/"):
            continue
        path = parts.path[len(prefix) :]
        if any(seg in (".", "..") for seg in unquote(path).split("/")):
            return None
        return path, parts.query
    return None


def _segments(path: str) -> list[str]:
    """Path segments, decoded, with Graph's key syntax unfolded: ``mailfolders('x')`` is ``mailfolders/x``."""
    out: list[str] = []
    for raw in path.split("/"):
        segment = unquote(raw)
        match = _KEY_SEGMENT.match(segment)
        if match:
            out.append(match.group(1))
            key = match.group(2).strip("'")
            if key:
                out.append(key)
        elif segment:
            out.append(segment)
    return out


def _same_resource(spec: ToolSpec, link_path: str) -> bool:
    """True when a link's path names the same kind of resource as the tool's path template.

    Fixed segments must match (case aside: Graph writes ``mailfolders``); id segments may
    differ, because Graph may write a folder's canonical id where the call used ``inbox``. The
    request still goes to the path built from this call's own ids, so this is a consistency
    check that catches a link from another tool, not the security boundary.
    """
    template = _segments(spec.path)
    got = _segments(link_path)
    if got and got[0] in ("v1.0", "beta"):
        if got[0] != spec.api_version:
            return False
        got = got[1:]
    if len(got) != len(template):
        return False
    return all("{" in want or want.lower() == have.lower() for want, have in zip(template, got, strict=True))


def _next_link_target(spec: ToolSpec, link: str, settings: Settings) -> str:
    """Check a nextLink the model passed back (same Graph endpoint, same resource); return its query."""
    location = link_location(link, settings)
    if location is None or not _same_resource(spec, location[0]):
        raise ToolInputError("nextLink", f"must be a nextLink or deltaLink that {spec.name} returned")
    return location[1]


def build_request(spec: ToolSpec, args: dict[str, Any], settings: Settings) -> GraphRequest:
    """The Graph request for one tool call."""
    path = render_path(spec, args)
    headers: list[tuple[str, str]] = []
    if spec.accept:
        headers.append(("Accept", spec.accept))
    prefer: list[str] = []
    if settings.body_format == "text" and _OUTLOOK_ITEMS.search(spec.path):
        prefer.append('outlook.body-content-type="text"')
    timezone = args.get("timezone")
    if isinstance(timezone, str) and timezone and "timezone" in spec.params:
        prefer.append(f'outlook.timezone="{timezone}"')
    if prefer:
        headers.append(("Prefer", ", ".join(prefer)))

    next_link = args.get("nextLink")
    if isinstance(next_link, str) and next_link:
        params = tuple(_split_query(_next_link_target(spec, next_link, settings)))
    else:
        if "search" in args and "filter" in args and "search" in spec.query and _is_mail_collection(spec):
            raise ToolInputError("search", "can't be combined with filter on messages (Graph refuses it); use one")
        params = tuple(_odata_params(spec, args, settings) + _plain_query_params(spec, args))
    names = {k for k, _ in params}
    if "$count" in names or ("$search" in names and _last_static_segment(spec.path) in _DIRECTORY_COLLECTIONS):
        headers.append(("ConsistencyLevel", "eventual"))

    body = args.get("body")
    json_body: Any = None
    content: bytes | None = None
    if body is not None:
        if spec.content_type and not spec.content_type.endswith("json"):
            content = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            headers.append(("Content-Type", spec.content_type))
        else:
            json_body = body
    return GraphRequest(
        method=spec.method,
        path=path,
        api_version=spec.api_version,
        params=params,
        headers=tuple(headers),
        json=json_body,
        content=content,
    )


def _is_mail_collection(spec: ToolSpec) -> bool:
    return _last_static_segment(spec.path) == "messages"


def _split_query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)
