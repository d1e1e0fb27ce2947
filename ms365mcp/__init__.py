"""ms365mcp: a Model Context Protocol server for Microsoft 365, built on Microsoft Graph.

Plugins write ``from ms365mcp import hookimpl, ToolSpec`` and nothing else from the core
is needed to add a workload.
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

PROJECT_NAME = "ms365mcp"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

try:
    __version__ = version(PROJECT_NAME)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

from ms365mcp.catalog.spec import Preset, ToolSpec, chain, tool_maker  # noqa: E402

__all__ = ["PROJECT_NAME", "Preset", "ToolSpec", "__version__", "chain", "hookimpl", "tool_maker"]
