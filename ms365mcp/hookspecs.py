"""Every extension point of ms365mcp, one docstring each.

A plugin implements any of these with ``@ms365mcp.hookimpl`` and is found through the
entry-point group ``ms365mcp``. Hooks that contribute many things take a ``register``
callback (the core validates each item and stamps the plugin's name on it); an
implementation may accept fewer arguments than the spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from ms365mcp import PROJECT_NAME

if TYPE_CHECKING:
    from collections.abc import Callable

    from ms365mcp.sandbox.tenant import SandboxTenant
    from ms365mcp.settings import Settings

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

__all__ = [
    "register_audit_sinks",
    "register_auth_cache_providers",
    "register_graph_middleware",
    "register_presets",
    "register_tools",
    "sandbox_setup",
]

# --- catalogue ---------------------------------------------------------------------------


@hookspec
def register_tools(register: Callable[..., None]) -> None:
    """Called once at start-up to collect the plugin's tools.

    :param register: call ``register(spec)`` with a :class:`ms365mcp.ToolSpec` for each tool.
        A name already taken by another plugin is an error.

    Return nothing; the core builds input schemas, filters and the tools/list answer from
    what was registered.
    """


@hookspec
def register_presets(register: Callable[..., None]) -> None:
    """Called once at start-up to collect named presets (``mail``, ``outlook``, ``work``, ...).

    :param register: call ``register(preset)`` with a :class:`ms365mcp.Preset`. A tool belongs
        to a preset when the preset's name is in the tool's ``presets``, so several plugins
        may register (or extend) the same composite preset.

    Return nothing; ``--preset NAME`` then selects the tools tagged with NAME.
    """


# --- identity ------------------------------------------------------------------------------


@hookspec
def register_auth_cache_providers(register: Callable[..., None]) -> None:
    """Called when local sign-in needs a token cache, to collect cache providers by name.

    :param register: call ``register(name, factory)``; ``factory(settings)`` returns an
        object with ``load(key)``, ``save(key, value)`` and ``delete(key)`` for the keys
        ``token-cache`` and ``selected-account``.

    Return nothing; the provider named by configuration (``file`` by default) is used.
    """


# --- observability ---------------------------------------------------------------------------


@hookspec
def register_audit_sinks(register: Callable[..., None], settings: Settings) -> None:
    """Called once at start-up to collect the sinks that receive audit events.

    :param register: call ``register(sink)``; ``sink(event: dict)`` receives one audit event
        (event, request_id, user_principal_name, tool, http_method, status, duration_ms,
        error_type, error_code) and must never raise.
    :param settings: the frozen start-up settings.

    Return nothing; every registered sink receives every event unless the audit log is off.
    """


# --- Graph client ----------------------------------------------------------------------------


@hookspec
def register_graph_middleware(register: Callable[..., None], settings: Settings) -> None:
    """Called when the Graph client is built, to collect transport middleware.

    :param register: call ``register(factory, order=N)``; ``factory(inner)`` receives an
        ``httpx.AsyncBaseTransport`` and returns one that wraps it. Lower ``order`` sits
        closer to the network (the built-ins use 10 timeout, 20 retry, 30 circuit breaker).
    :param settings: the frozen start-up settings.

    Return nothing; the core stacks the factories around its HTTP transport.
    """


# --- sandbox tenant --------------------------------------------------------------------------


@hookspec
def sandbox_setup(tenant: SandboxTenant) -> Any:
    """Called once for each sandbox tenant that starts (``--sandbox``, ``ms365mcp sandbox``, tests).

    :param tenant: the offline tenant: ``tenant.store`` holds its data and ``tenant.route``
        adds the Graph routes the plugin's tools need (its actions, such as sendMail).

    Return nothing; seed believable data and register the routes your tools call.
    """
