"""Hook implementations of the files plugin; tools, transfers and the sandbox drive live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import Preset, hookimpl
from ms365mcp_files import drive, tools


@hookimpl
def register_tools(register: Callable[..., None]) -> None:
    """Every OneDrive tool, plus download-bytes, upload-file and get-download-url."""
    tools.register_all(register)


@hookimpl
def register_presets(register: Callable[..., None]) -> None:
    """``files`` and ``onedrive``, and the composite presets files tools belong to."""
    register(Preset("files", "OneDrive and document libraries: browse, search, share, upload and download files."))
    register(Preset("onedrive", "OneDrive files (same tools as files)."))


@hookimpl
def sandbox_setup(tenant: Any) -> None:
    """Seed the sandbox drive and serve the Graph drive routes."""
    drive.setup(tenant)
