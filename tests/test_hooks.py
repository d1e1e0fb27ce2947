"""Each hook works for a third-party plugin, is documented, and every workspace plugin is well formed."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.shared.tool_name_validation import validate_tool_name

from ms365mcp import Preset, ToolSpec, hookimpl, hookspecs
from ms365mcp.catalog.registry import CatalogError, collect
from ms365mcp.graph.resilience import build_transport
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.sandbox.tenant import build_tenant
from ms365mcp.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
HOOK_NAMES = sorted(name for name in hookspecs.__all__)


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hookspec_is_documented(name: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert doc.startswith("Called") and "Return" in doc and ":param" in doc


def test_every_hook_has_a_test() -> None:
    sources = "\n".join(p.read_text() for p in ROOT.glob("tests/**/*.py"))
    missing = [n for n in HOOK_NAMES if f"def test_hook_{n}" not in sources]
    assert missing == []


def test_every_workspace_plugin_is_complete() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for member in sorted((ROOT / "plugins").glob("[!_]*")):
        meta = tomllib.loads((member / "pyproject.toml").read_text())
        name = member.name
        assert meta["project"]["entry-points"]["ms365mcp"] == {name: f"ms365mcp_{name}.plugin"}
        assert (member / "README.md").is_file() and (member / "tests").is_dir()
        assert f"ms365mcp-{name}" in root["tool"]["uv"]["sources"]
        assert root["project"]["optional-dependencies"][name] == [f"ms365mcp-{name}"]
        assert name in root["project"]["optional-dependencies"]["all"][0]


def test_installed_tool_names_follow_the_mcp_rules() -> None:
    catalog = collect(make_plugin_manager())
    for name in catalog.tools:
        assert validate_tool_name(name).is_valid, name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)


def test_hook_register_tools(notes_pm: Any) -> None:
    catalog = collect(notes_pm)
    assert catalog.tools["get-note"].plugin == "notes"

    class Clash:
        @hookimpl
        def register_tools(self, register: Any) -> None:
            register(ToolSpec("get-note", "GET", "/x", "Duplicate."))

    notes_pm.register(Clash(), name="undo-clash")
    try:
        with pytest.raises(CatalogError, match="registered by both"):
            collect(notes_pm)
    finally:
        notes_pm.unregister(name="undo-clash")


def test_hook_register_presets(notes_pm: Any) -> None:
    class Extra:
        @hookimpl
        def register_presets(self, register: Any) -> None:
            register(Preset("notes", "A second description is ignored."))
            register(Preset("extra", "Extra."))

    notes_pm.register(Extra(), name="undo-extra")
    try:
        presets = collect(notes_pm).presets
    finally:
        notes_pm.unregister(name="undo-extra")
    assert presets["notes"].description == "Test notes." and presets["extra"].plugin == "undo-extra"


def test_hook_register_graph_middleware() -> None:
    seen: list[str] = []

    class Stamp(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path)
            return await self.inner.handle_async_request(request)

    class Plugin:
        @hookimpl
        def register_graph_middleware(self, register: Any, settings: Settings) -> None:
            register(Stamp, order=15)

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Plugin(), name="undo-stamp")
    transport = build_transport(pm, Settings(), httpx.MockTransport(lambda r: httpx.Response(200)))
    chain = []
    layer: Any = transport
    while layer is not None:
        chain.append(type(layer).__name__)
        layer = getattr(layer, "inner", None) or getattr(layer, "_inner", None)
    assert "Stamp" in chain


def test_hook_sandbox_setup(notes_pm: Any) -> None:
    tenant = build_tenant(notes_pm)
    assert len(tenant.collection("notes")) == 25


def test_single_plugin_loads_into_a_fresh_manager() -> None:
    pm = make_plugin_manager(only="mail")
    names = {n for n, _ in pm.list_name_plugin()}
    assert "mail" in names and not ({"calendar", "files"} & names)


def test_a_broken_plugin_is_skipped_with_an_error(monkeypatch: Any, caplog: Any) -> None:
    class BrokenEntryPoint:
        name = "broken"
        dist = None

        def load(self) -> Any:
            raise ImportError("no module named nowhere")

    monkeypatch.setattr("ms365mcp.plugins.entry_points", lambda group: [BrokenEntryPoint()])
    pm = make_plugin_manager()
    assert pm.get_plugin("broken") is None
    assert "plugin broken could not be loaded" in caplog.text


def test_every_hook_is_in_the_docs() -> None:
    doc = (ROOT / "docs" / "plugins" / "hooks.md").read_text()
    for name in HOOK_NAMES:
        args = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"## {name}({args})" in doc


def test_hook_register_auth_cache_providers() -> None:
    class MemoryCache:
        def __init__(self, settings: Settings) -> None:
            self.data: dict[str, str] = {}

        def load(self, key: str) -> str | None:
            return self.data.get(key)

        def save(self, key: str, value: str) -> None:
            self.data[key] = value

        def delete(self, key: str) -> None:
            self.data.pop(key, None)

    class Plugin:
        @hookimpl
        def register_auth_cache_providers(self, register: Any) -> None:
            register("memory", MemoryCache)

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Plugin(), name="undo-memory")
    found: dict[str, Any] = {}
    pm.hook.register_auth_cache_providers(register=lambda name, factory: found.setdefault(name, factory))
    provider = found["memory"](Settings())
    provider.save("token-cache", "x")
    assert provider.load("token-cache") == "x"


def test_composite_presets_come_from_the_core_once() -> None:
    presets = collect(make_plugin_manager()).presets
    assert {p: presets[p].plugin for p in ("outlook", "personal", "work", "search", "all")} == dict.fromkeys(
        ("outlook", "personal", "work", "search", "all"), "ms365mcp.presets"
    )
    assert presets["work"].requires_org_mode and presets["all"].includes_all
