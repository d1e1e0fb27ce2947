"""The plugin manager: hookspecs, entry-point plugins and the core's own built-ins."""

from __future__ import annotations

import os

import pluggy

from ms365mcp import PROJECT_NAME, hookspecs

#: Modules of the core that implement hooks exactly as a third-party plugin would.
BUILTIN_PLUGINS = (
    "ms365mcp.audit",
    "ms365mcp.graph.resilience",
)


def make_plugin_manager(
    *, load_entrypoints: bool = True, only: str | None = None, builtins: bool = True
) -> pluggy.PluginManager:
    """Build a fresh plugin manager.

    ``only`` loads just the named entry point (tests load one plugin this way);
    ``MS365MCP_DISABLED_PLUGINS`` (comma-separated names) blocks plugins by name.
    """
    import importlib

    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in filter(None, (n.strip() for n in os.environ.get("MS365MCP_DISABLED_PLUGINS", "").split(","))):
        pm.set_blocked(name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(PROJECT_NAME, name=only)
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            pm.register(importlib.import_module(module_name), name=module_name)
    pm.check_pending()
    return pm
