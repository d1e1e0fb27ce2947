"""The plugin manager: hookspecs, entry-point plugins and the core's own built-ins."""

from __future__ import annotations

import importlib
import logging
import os
from importlib.metadata import entry_points

import pluggy

from ms365mcp import PROJECT_NAME, hookspecs

log = logging.getLogger("ms365mcp.plugins")

#: Modules of the core that implement hooks exactly as a third-party plugin would.
BUILTIN_PLUGINS = (
    "ms365mcp.presets",
    "ms365mcp.audit",
    "ms365mcp.graph.resilience",
    "ms365mcp.auth.cache",
    "ms365mcp.auth.command_cache",
    "ms365mcp.auth.tools",
)


def _load_entrypoints(pm: pluggy.PluginManager, only: str | None) -> None:
    """Register each installed plugin; one that fails to import is reported and skipped, not fatal."""
    for ep in entry_points(group=PROJECT_NAME):
        if (only is not None and ep.name != only) or pm.is_blocked(ep.name) or pm.get_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not take the whole server down
            log.error(
                "plugin %s could not be loaded (%s: %s); its tools are unavailable", ep.name, type(exc).__name__, exc
            )
            continue
        pm.register(plugin, name=ep.name)


def make_plugin_manager(
    *, load_entrypoints: bool = True, only: str | None = None, builtins: bool = True
) -> pluggy.PluginManager:
    """Build a fresh plugin manager.

    ``only`` loads just the named entry point (tests load one plugin this way);
    ``MS365MCP_DISABLED_PLUGINS`` (comma-separated names) blocks plugins by name.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in filter(None, (n.strip() for n in os.environ.get("MS365MCP_DISABLED_PLUGINS", "").split(","))):
        pm.set_blocked(name)
    if load_entrypoints:
        _load_entrypoints(pm, only)
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            if pm.get_plugin(module_name) is None:
                pm.register(importlib.import_module(module_name), name=module_name)
    pm.check_pending()
    return pm
