"""Hook implementations of the excel plugin; tools, session cache and sandbox workbook live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_excel import tools, workbook


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every Excel workbook tool; all of them share one workbook session per file."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """The ``excel`` preset and the composite presets Excel tools belong to."""
    register(Preset("excel", "Excel workbooks in OneDrive: worksheets, ranges, formats, tables and charts."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox workbook (Budget 2025.xlsx) and serve the workbook routes."""
    workbook.setup(tenant)
