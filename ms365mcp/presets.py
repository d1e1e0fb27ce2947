"""The composite presets, defined once: workload plugins tag their tools with these names.

A plugin registers only its own preset (``mail``, ``calendar``, ...); whether its tools also belong to
``outlook``, ``personal``, ``work`` or ``search`` is said by each tool's ``presets``.
"""

from __future__ import annotations

from collections.abc import Callable

from ms365mcp import hookimpl
from ms365mcp.catalog.spec import Preset

COMPOSITE_PRESETS = (
    Preset("outlook", "Outlook mail, calendar and contacts together."),
    Preset("personal", "Everyday tools for one person's mail, calendar, contacts, files and workbooks."),
    Preset(
        "work",
        "Work-account tools: shared mailboxes and calendars, rooms, SharePoint and the directory.",
        requires_org_mode=True,
    ),
    Preset("search", "Search across mail, files and the directory."),
    Preset("all", "Every installed tool.", includes_all=True),
)


@hookimpl
def register_presets(register: Callable[[Preset], None]) -> None:
    """Register the composite presets."""
    for preset in COMPOSITE_PRESETS:
        register(preset)
