"""Choose the enabled tools from the catalogue: presets, regex, read-only, org mode, allow-list."""

from __future__ import annotations

import re
from typing import Any

import attrs

from ms365mcp.catalog.registry import Catalog
from ms365mcp.catalog.scopes import collapse, covered, covers, grant_for
from ms365mcp.catalog.spec import Scopes, ToolSpec
from ms365mcp.settings import Settings, SettingsError


@attrs.frozen
class DisabledTool:
    name: str
    required: tuple[str, ...]
    missing: tuple[str, ...]


@attrs.frozen
class Selection:
    """The tools a server offers, and why others were left out."""

    tools: dict[str, ToolSpec]
    before_allowlist: dict[str, ToolSpec]
    disabled_by_scopes: tuple[DisabledTool, ...]
    warnings: tuple[str, ...] = ()


def compile_tool_filter(pattern: str | None) -> re.Pattern[str] | None:
    """``--enabled-tools``: a case-insensitive search; a broken regex stops start-up."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise SettingsError(f"--enabled-tools / ENABLED_TOOLS {pattern!r} is not a valid regex: {exc}") from None


def _chosen_group(groups: Scopes, allowed: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The permission group a tool will use: the first one the allow-list covers."""
    if not groups:
        return ()
    if allowed is None:
        return groups[0]
    for group in groups:
        if all(covered(s, allowed) for s in group):
            return group
    return None


def select(catalog: Catalog, settings: Settings) -> Selection:
    """Apply every filter in a fixed order and report what the allow-list removed."""
    warnings: list[str] = []
    tools = dict(catalog.tools)
    if not settings.org_mode:
        tools = {n: t for n, t in tools.items() if not t.org_only}
    if settings.presets:
        unknown = [p for p in settings.presets if p not in catalog.presets]
        if unknown:
            valid = ", ".join(catalog.presets) or "(none: no plugins are installed)"
            raise SettingsError(f"unknown preset {', '.join(unknown)}: valid presets are {valid}")
        chosen = [catalog.presets[p] for p in settings.presets]
        for preset in chosen:
            if preset.requires_org_mode and not settings.org_mode:
                warnings.append(f"preset {preset.name} needs --org-mode; its work-only tools are hidden")
        if not any(p.includes_all for p in chosen):
            names = {p.name for p in chosen}
            tools = {n: t for n, t in tools.items() if t.presets & names}
    regex = compile_tool_filter(settings.enabled_tools)
    if regex is not None:
        tools = {n: t for n, t in tools.items() if regex.search(n)}
    if settings.read_only:
        tools = {n: t for n, t in tools.items() if t.is_read_only}
    before = dict(tools)
    disabled: list[DisabledTool] = []
    allowed = settings.allowed_scopes
    if allowed is not None:
        kept = {}
        for name, spec in tools.items():
            groups = spec.permissions(settings.org_mode)
            if _chosen_group(groups, allowed) is not None:
                kept[name] = spec
            else:
                first = groups[0]
                missing = tuple(s for s in first if not covered(s, allowed))
                disabled.append(DisabledTool(name, first, missing))
        tools = kept
    return Selection(tools, before, tuple(disabled), tuple(warnings))


def effective_permissions(selection: Selection, settings: Settings) -> list[str]:
    """The delegated permissions to request at sign-in for the enabled tools.

    With an allow-list, each one is spelled as the allowed permission that covers it: an admin
    who granted only ``Mail.Read.Shared`` gets a sign-in that asks for that, never ``Mail.Read``.
    """
    allowed = settings.allowed_scopes
    needed: list[str] = []
    for spec in selection.tools.values():
        group = _chosen_group(spec.permissions(settings.org_mode), allowed)
        for scope in group or ():
            needed.append((grant_for(scope, allowed) or scope) if allowed is not None else scope)
    return collapse([*needed, *settings.extra_scopes])


def permissions_report(selection: Selection, settings: Settings) -> dict[str, Any]:
    """The ``--list-permissions`` JSON: what is requested, and why tools were hidden."""
    tool_perms = sorted(
        {s for spec in selection.before_allowlist.values() for s in (spec.permissions(settings.org_mode) or [()])[0]}
    )
    effective = effective_permissions(selection, settings)
    allowed = list(settings.allowed_scopes) if settings.allowed_scopes is not None else None
    used = [
        s
        for spec in selection.tools.values()
        for s in (_chosen_group(spec.permissions(settings.org_mode), settings.allowed_scopes) or ())
    ]
    return {
        "mode": "org" if settings.org_mode else "personal",
        "readOnly": settings.read_only,
        "toolPermissions": tool_perms,
        "effectivePermissions": effective,
        "permissions": effective,
        "allowedScopes": allowed,
        "disabledTools": [
            {"toolName": d.name, "requiredScopes": list(d.required), "missingScopes": list(d.missing)}
            for d in selection.disabled_by_scopes
        ],
        "missingAllowedScopesForTools": sorted({m for d in selection.disabled_by_scopes for m in d.missing}),
        "extraAllowedScopesNotUsedByTools": sorted(a for a in (allowed or []) if not any(covers(a, u) for u in used)),
    }
