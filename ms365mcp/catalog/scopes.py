"""Permission arithmetic: which granted permission covers which required one."""

from __future__ import annotations

from collections.abc import Iterable

# Within one resource, a level covers the levels listed for it.
_LEVEL_COVERS = {
    "readwrite": {"readwrite", "read", "readbasic"},
    "read": {"read", "readbasic"},
}
# A wider audience covers the narrower one: .All covers own and shared; .Shared covers own.
_AUDIENCE_COVERS = {"all": {"all", "shared", ""}, "shared": {"shared", ""}, "": {""}}


def _split(scope: str) -> tuple[str, str, str]:
    """(resource, level, audience) in lower case: ``Mail.Read.Shared`` is ("mail", "read", "shared")."""
    parts = scope.lower().split(".")
    audience = ""
    if len(parts) > 2 and parts[-1] in ("all", "shared"):
        audience = parts.pop()
    if len(parts) < 2:
        return scope, "", audience
    return ".".join(parts[:-1]), parts[-1], audience


def covers(granted: str, needed: str) -> bool:
    """True when holding ``granted`` implies ``needed`` (``Mail.ReadWrite`` covers ``Mail.Read``)."""
    if granted.lower() == needed.lower():  # Entra compares permission names without case
        return True
    g_res, g_level, g_aud = _split(granted)
    n_res, n_level, n_aud = _split(needed)
    if g_res != n_res or not g_level or not n_level:
        return False
    level_ok = n_level in _LEVEL_COVERS.get(g_level, {g_level})
    return level_ok and n_aud in _AUDIENCE_COVERS.get(g_aud, {g_aud})


def covered(needed: str, granted: Iterable[str]) -> bool:
    return any(covers(g, needed) for g in granted)


def grant_for(needed: str, granted: Iterable[str]) -> str | None:
    """The granted permission to request for ``needed``: itself if granted, else one that covers it."""
    candidates = [g for g in granted if covers(g, needed)]
    exact = [g for g in candidates if g.lower() == needed.lower()]
    return (exact or candidates or [None])[0]


def collapse(scopes: Iterable[str]) -> list[str]:
    """Drop scopes implied by another scope in the same set; sorted for stable output."""
    unique = sorted(set(scopes))
    return [s for s in unique if not any(o != s and covers(o, s) for o in unique)]
