"""Collect tools and presets from the plugin manager, checking each as it is registered."""

from __future__ import annotations

import attrs
import pluggy

from ms365mcp.catalog.spec import Preset, ToolSpec


class CatalogError(ValueError):
    """A plugin registered something invalid or a name twice."""


@attrs.frozen
class Catalog:
    """Every tool and preset the installed plugins offer, before any filtering."""

    tools: dict[str, ToolSpec]
    presets: dict[str, Preset]


def _plugin_name(pm: pluggy.PluginManager, impl: object) -> str:
    return pm.get_name(impl) or "?"


def collect(pm: pluggy.PluginManager) -> Catalog:
    """Call the ``register_tools`` and ``register_presets`` hooks of every plugin."""
    tools: dict[str, ToolSpec] = {}
    presets: dict[str, Preset] = {}
    for impl in pm.hook.register_tools.get_hookimpls():
        plugin = impl.plugin_name

        def register_tool(spec: ToolSpec, _plugin: str = plugin) -> None:
            if not isinstance(spec, ToolSpec):
                raise CatalogError(f"plugin {_plugin} registered {spec!r}, which is not a ToolSpec")
            if spec.name in tools:
                raise CatalogError(f"tool {spec.name!r} is registered by both {tools[spec.name].plugin} and {_plugin}")
            tools[spec.name] = attrs.evolve(spec, plugin=_plugin)

        impl.function(register=register_tool)
    for impl in pm.hook.register_presets.get_hookimpls():
        plugin = impl.plugin_name

        def register_preset(preset: Preset, _plugin: str = plugin) -> None:
            if not isinstance(preset, Preset):
                raise CatalogError(f"plugin {_plugin} registered {preset!r}, which is not a Preset")
            # The same composite preset (outlook, personal, ...) may come from several plugins.
            presets.setdefault(preset.name, attrs.evolve(preset, plugin=_plugin))

        impl.function(register=register_preset)
    return Catalog(tools=dict(sorted(tools.items())), presets=dict(sorted(presets.items())))
