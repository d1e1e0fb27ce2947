"""Request-body checks every sandbox workload makes, answered the way Graph answers them.

Graph refuses a body that is not a JSON object or that names a property the entity type does not
have; the sandbox must refuse the same way so a tool that sends a wrong field fails in tests too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ms365mcp.sandbox.tenant import GraphError, SandboxRequest

__all__ = ["json_object", "refuse_unknown"]

#: Annotations Graph takes on any entity body.
_ALWAYS_ALLOWED = frozenset({"@odata.type"})


def json_object(request: SandboxRequest) -> dict[str, Any]:
    """The request body, which must be a JSON object (400 RequestBodyRead otherwise)."""
    body = request.json()
    if not isinstance(body, dict):
        raise GraphError(400, "RequestBodyRead", "The request body must be a JSON object.")
    return body


def refuse_unknown(body: dict[str, Any], allowed: Iterable[str], entity: str) -> None:
    """Raise Graph's 400 RequestBodyRead for the first property (sorted) not in ``allowed``.

    ``entity`` is the Graph type name without its namespace, e.g. ``"event"`` or ``"mailFolder"``.
    """
    unknown = sorted(set(body) - set(allowed) - _ALWAYS_ALLOWED)
    if unknown:
        raise GraphError(
            400,
            "RequestBodyRead",
            f"The property '{unknown[0]}' does not exist on type 'microsoft.graph.{entity}'. Make sure to only use "
            "property names that are defined by the type or mark the type as open type.",
        )
