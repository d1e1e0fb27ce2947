"""Turn a tool spec and validated arguments into exactly one Graph request.

Every path id is percent-encoded as exactly one path segment, so no value from a client can
change the path or the query that reaches Graph.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

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
        if option == "top" and settings.max_top is not None:
            value = min(int(value), settings.max_top)
        if option == "count":
            if not value:
                continue
            value = "true"
        text = str(value).strip()
        if text == "" and option not in ("search",):
            continue
        if option == "search" and text == "":
            raise ToolInputError("search", "is empty; give words to search for or leave it out")
        params.append((f"${option}", text))
    if spec.is_list and spec.default_select and "select" not in args:
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


def _next_link_target(spec: ToolSpec, rendered_path: str, link: str, settings: Settings) -> tuple[str, str]:
    """Check a nextLink the model passed back: same Graph host, same resource; return (version, query)."""
    graph = urlsplit(settings.graph_url)
    parts = urlsplit(link)
    expected = f"{graph.path.rstrip('/')}/{spec.api_version}{rendered_path}"
    # Graph writes function segments without their parentheses in the links it returns (delta()).
    bare = expected.removesuffix("()")
    if (parts.scheme, parts.netloc) != (graph.scheme, graph.netloc) or parts.path not in (
        expected,
        expected.replace("%2F", "/"),
        expected + "/",
        bare,
    ):
        raise ToolInputError("nextLink", "must be the nextLink this tool returned for the same resource")
    return spec.api_version, parts.query


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
        _, query = _next_link_target(spec, path, next_link, settings)
        params = tuple(_split_query(query))
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
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)
