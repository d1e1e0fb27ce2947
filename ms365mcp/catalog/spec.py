"""ToolSpec and Preset: a tool is data first; only tools that need logic carry a handler."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import attrs

#: OData query options a list or get tool may accept, in the order they appear in schemas.
ODATA_OPTIONS = ("top", "skip", "filter", "search", "orderby", "select", "count", "expand")
LIST_OPTIONS = frozenset({"top", "skip", "filter", "search", "orderby", "select", "count", "expand"})
GET_OPTIONS = frozenset({"select", "expand"})

_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}")

Scopes = tuple[tuple[str, ...], ...]


def scopes(text: str) -> Scopes:
    """Parse a permission expression: ``"A B | C"`` means (A and B) or C."""
    groups = tuple(tuple(part.split()) for part in text.split("|"))
    return tuple(g for g in groups if g)


def _scopes_converter(value: Scopes | str) -> Scopes:
    return scopes(value) if isinstance(value, str) else tuple(tuple(g) for g in value)


def chain(*steps: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """One ``prepare`` made of several steps, run in order (each may normalise or refuse the arguments)."""

    def run(args: dict[str, Any]) -> None:
        for step in steps:
            step(args)

    return run


@attrs.frozen
class ToolSpec:
    """One tool: a Graph request described as data."""

    name: str
    """Kebab-case tool name, as users already write it in prompts and allow-lists."""
    method: str
    """HTTP method sent to Graph."""
    path: str
    """Graph path under the API version, with camelCase placeholders such as ``{messageId}``."""
    description: str
    """One short sentence for the model, in our own words."""
    scopes: Scopes = attrs.field(default=(), converter=_scopes_converter)
    """Delegated permissions for personal accounts: OR-groups of AND-lists; empty = none needed."""
    org_scopes: Scopes = attrs.field(default=(), converter=_scopes_converter)
    """Permissions for work or school accounts; empty means the same as ``scopes``."""
    org_only: bool = False
    """Only offered with ``--org-mode`` (shared mailboxes, Teams, directory)."""
    api_version: str = "v1.0"
    query: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    """OData options this endpoint supports (subset of ``ODATA_OPTIONS``)."""
    body: Mapping[str, Any] | None = None
    """JSON schema of the request body (named fields people use; the rest allowed)."""
    body_required: bool = True
    read_only: bool | None = None
    """Override for POST actions that change nothing (getSchedule, search); None = from method."""
    default_select: tuple[str, ...] = ()
    """Fields requested when the model gives no ``select`` on a list tool."""
    accept: str | None = None
    """Accept header for non-JSON answers (MIME, VTT)."""
    content_type: str | None = None
    """Content-Type for non-JSON bodies (HTML pages, images)."""
    params: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    """Extra input properties that a handler or a request hook reads; not sent to Graph, except
    those marked ``"in": "query"``, which go out as plain query parameters (``startDateTime``)."""
    literal_params: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    """Placeholders inside OData function syntax (``range(address='{address}')``)."""
    presets: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    """Preset names this tool belongs to."""
    prepare: Callable[[dict[str, Any]], None] | None = None
    """Called with the validated arguments before the request is built; may normalise them in place
    (plain e-mail strings to recipient objects) or raise ``ms365mcp.errors.ToolInputError``."""
    handler: Callable[..., Awaitable[Any]] | None = None
    """Logic tools only: ``async handler(call)`` replaces the single Graph request."""
    plugin: str = ""
    """Set by the core at registration to the plugin that registered the tool."""

    def __attrs_post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"tool name {self.name!r} must be kebab-case")
        if self.method not in _METHODS:
            raise ValueError(f"tool {self.name}: method must be one of {_METHODS}")
        unknown = set(self.query) - set(ODATA_OPTIONS)
        if unknown:
            raise ValueError(f"tool {self.name}: unknown query options {sorted(unknown)}")
        if self.body is not None and self.method in ("GET", "DELETE"):
            raise ValueError(f"tool {self.name}: {self.method} takes no body")

    @property
    def path_params(self) -> tuple[str, ...]:
        """Placeholders in path order."""
        return tuple(_PLACEHOLDER.findall(self.path))

    @property
    def is_read_only(self) -> bool:
        """True when calling the tool changes nothing in the tenant."""
        if self.read_only is not None:
            return self.read_only
        return self.method == "GET"

    @property
    def is_list(self) -> bool:
        """List tools page through collections and accept ``fetchAllPages``."""
        return self.method == "GET" and bool({"top", "skip"} & self.query)

    def permissions(self, org_mode: bool) -> Scopes:
        """The OR-groups of permissions that allow this tool in the given mode."""
        if org_mode and self.org_scopes:
            return self.org_scopes
        return self.scopes or self.org_scopes


@attrs.frozen
class Preset:
    """A named selection of tools: the tools whose ``presets`` contain ``name``."""

    name: str
    description: str
    requires_org_mode: bool = False
    includes_all: bool = False
    """True for ``all``: every enabled tool, tagged or not."""
    plugin: str = ""


def tool_maker(*, presets: Iterable[str] = (), org_only: bool = False, **defaults: Any) -> Callable[..., ToolSpec]:
    """A small ``ToolSpec`` factory for one plugin's table of tools, so each row stays one call.

    The returned ``make(name, method, path, description, permission="", **extra)`` files ``permission``
    under ``org_scopes`` for org-only makers (work accounts are the only ones that have it) and under
    ``scopes`` otherwise. ``defaults`` (``api_version="beta"``, a shared ``handler``) apply to every tool;
    a keyword given to ``make`` wins over them, and an explicit ``presets=`` wins over the maker's.
    """
    default_presets = frozenset(presets)

    def make(name: str, method: str, path: str, description: str, permission: str = "", **extra: Any) -> ToolSpec:
        fields: dict[str, Any] = {**defaults, **extra}
        fields["presets"] = fields.pop("presets", default_presets)
        if org_only:
            fields.update(org_scopes=permission, org_only=True)
        else:
            fields["scopes"] = permission
        return ToolSpec(name=name, method=method, path=path, description=description, **fields)

    return make
