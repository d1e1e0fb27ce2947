"""The ``ms365mcp`` command: flags and environment to Settings, then serve or run one command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from ms365mcp import __version__
from ms365mcp.settings import CLOUDS, Settings, SettingsError

log = logging.getLogger("ms365mcp")

COMMANDS = ("serve", "tools", "call", "sandbox", "plugins")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ms365mcp",
        description="Microsoft 365 MCP server. Commands: serve (default), tools, call TOOL JSON, sandbox, plugins.",
    )
    parser.add_argument("command", nargs="?", default="serve", choices=COMMANDS, help="what to do (default: serve)")
    parser.add_argument("command_args", nargs="*", help="for call: TOOL and its JSON arguments")
    parser.add_argument("-V", "--version", action="version", version=f"ms365mcp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (to stderr)")
    sel = parser.add_argument_group("tool selection")
    sel.add_argument("--preset", help="comma-separated presets (see --list-presets)")
    sel.add_argument("--enabled-tools", metavar="REGEX", help="only tools whose name matches (env ENABLED_TOOLS)")
    sel.add_argument(
        "--read-only", action="store_true", default=None, help="only tools that change nothing (READ_ONLY)"
    )
    sel.add_argument(
        "--org-mode",
        "--work-mode",
        "--force-work-scopes",
        dest="org_mode",
        action="store_true",
        default=None,
        help="include work/school-only tools (MS365_MCP_ORG_MODE)",
    )
    sel.add_argument(
        "--allowed-scopes",
        metavar="SCOPES",
        help="hide tools whose permissions these don't cover (MS365_MCP_ALLOWED_SCOPES)",
    )
    sel.add_argument("--extra-scopes", metavar="SCOPES", help="extra permissions to request at sign-in")
    sel.add_argument("--list-presets", action="store_true", help="print the presets as JSON and exit")
    sel.add_argument("--list-permissions", action="store_true", help="print the permissions as JSON and exit")
    graph = parser.add_argument_group("Graph")
    graph.add_argument("--cloud", choices=sorted(CLOUDS), help="national cloud (MS365_MCP_CLOUD_TYPE)")
    graph.add_argument("--sandbox", action="store_true", help="use the embedded offline demo tenant")
    graph.add_argument("--port", type=int, default=8765, help="for `sandbox`: loopback port to serve on")
    http = parser.add_argument_group("HTTP mode (organisations)")
    http.add_argument(
        "--http",
        metavar="[HOST:]PORT",
        nargs="?",
        const="3000",
        help="serve Streamable HTTP at /mcp (bare flag: 3000; bare port: all interfaces; 127.0.0.1:PORT: local)",
    )
    http.add_argument("--public-url", metavar="URL", help="browser-facing base URL (MS365_MCP_PUBLIC_URL)")
    # Accepted so existing configurations keep working: the old name of --public-url, and a switch for
    # registration, which is on by default anyway.
    http.add_argument("--base-url", dest="public_url", metavar="URL", help=argparse.SUPPRESS)
    http.add_argument("--enable-dynamic-registration", action="store_true", help=argparse.SUPPRESS)
    http.add_argument("--obo", action="store_true", default=None, help="check JWT bearers, exchange On-Behalf-Of")
    http.add_argument(
        "--trust-proxy-auth", action="store_true", default=None, help="a fronting proxy authenticates callers"
    )
    http.add_argument(
        "--allow-unauthenticated-discovery",
        action="store_true",
        default=None,
        help="allow tools/list and other discovery without a token",
    )
    http.add_argument(
        "--enable-auth-tools", action="store_true", default=None, help="offer login/logout tools over HTTP too"
    )
    http.add_argument(
        "--no-dynamic-registration",
        dest="dynamic_registration",
        action="store_false",
        default=None,
        help="disable /register (MS365_MCP_DISABLE_DCR)",
    )
    from ms365mcp.auth import commands as auth_commands

    auth_commands.add_arguments(parser)
    return parser


def _scopes(value: str | None, flag: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(s for s in value.replace(",", " ").split() if s)
    if not items:
        raise SettingsError(f"{flag} is empty: give permissions such as 'Mail.Read User.Read'")
    return items


def _http_value(value: str | None) -> str | None:
    """Check --http early: a bad value is an error naming the flag, never a silent default."""
    if value is None:
        return None
    from ms365mcp.server.http import parse_http_address

    parse_http_address(value)
    return value.strip()


def settings_from_args(ns: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    """Flags win over environment variables."""
    presets = None
    if ns.preset is not None:
        presets = tuple(p.strip() for p in ns.preset.split(",") if p.strip())
        if not presets:
            raise SettingsError("--preset is empty: give one or more names from --list-presets")
    return Settings.from_env(
        env,
        presets=presets,
        enabled_tools=ns.enabled_tools,
        read_only=ns.read_only,
        org_mode=ns.org_mode,
        allowed_scopes=_scopes(ns.allowed_scopes, "--allowed-scopes"),
        extra_scopes=_scopes(ns.extra_scopes, "--extra-scopes"),
        cloud=ns.cloud,
        sandbox=ns.sandbox or None,
        http=_http_value(getattr(ns, "http", None)),
        public_url=getattr(ns, "public_url", None),
        obo=getattr(ns, "obo", None),
        trust_proxy_auth=getattr(ns, "trust_proxy_auth", None),
        allow_unauthenticated_discovery=getattr(ns, "allow_unauthenticated_discovery", None),
        enable_auth_tools=getattr(ns, "enable_auth_tools", None),
        dynamic_registration=getattr(ns, "dynamic_registration", None),
        **auth_setting_overrides(ns),
    )


def auth_setting_overrides(ns: argparse.Namespace) -> dict[str, Any]:
    from ms365mcp.auth.commands import setting_overrides

    return setting_overrides(ns)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _list_presets(settings: Settings) -> int:
    from ms365mcp.catalog.registry import collect
    from ms365mcp.plugins import make_plugin_manager

    catalog = collect(make_plugin_manager())
    presets = []
    for p in catalog.presets.values():
        entry: dict[str, Any] = {"name": p.name, "description": p.description}
        if p.requires_org_mode:
            entry["requiresOrgMode"] = True
        entry["tools"] = sum(1 for t in catalog.tools.values() if p.includes_all or p.name in t.presets)
        presets.append(entry)
    _print_json({"presets": presets})
    return 0


def _list_permissions(settings: Settings) -> int:
    from ms365mcp.catalog.registry import collect
    from ms365mcp.catalog.selection import permissions_report, select
    from ms365mcp.plugins import make_plugin_manager

    selection = select(collect(make_plugin_manager()), settings)
    report = permissions_report(selection, settings)
    if report["disabledTools"]:
        log.warning("%d tools are hidden because --allowed-scopes does not cover them", len(report["disabledTools"]))
    _print_json(report)
    return 0


def _tools(settings: Settings) -> int:
    from ms365mcp import tokens
    from ms365mcp.runtime import build_runtime

    runtime = build_runtime(settings)
    rows = [
        (d["name"], runtime.tools[d["name"]].method, tokens.count(tokens.compact(d))) for d in runtime.tool_definitions
    ]
    total = tokens.count(tokens.compact({"tools": runtime.tool_definitions}))
    width = max((len(r[0]) for r in rows), default=10)
    for name, method, cost in rows:
        sys.stdout.write(f"{name:<{width}}  {method:<6} {cost:>5}\n")
    unit = "tokens (o200k_base)" if tokens.exact() else "tokens (estimated: install ms365mcp[tokens] for exact counts)"
    avg = total / len(rows) if rows else 0
    sys.stdout.write(f"{len(rows)} tools, tools/list {total} {unit}, {avg:.0f} per tool\n")
    return 0


async def _call(settings: Settings, args: list[str]) -> int:
    from ms365mcp.executor import UnknownTool, execute
    from ms365mcp.runtime import build_runtime

    if not args or len(args) > 2:
        raise SettingsError('usage: ms365mcp call TOOL [\'{"arg": "value"}\']')
    name = args[0]
    try:
        arguments = json.loads(args[1]) if len(args) == 2 else {}
    except ValueError as exc:
        raise SettingsError(f"the arguments for {name} are not valid JSON: {exc}") from None
    if not isinstance(arguments, dict):
        raise SettingsError("the arguments must be a JSON object such as '{\"top\": 3}'")
    runtime = build_runtime(settings)
    try:
        outcome = await execute(runtime, name, arguments)
    except UnknownTool:
        raise SettingsError(f"unknown tool {name!r}; `ms365mcp tools` lists the enabled tools") from None
    finally:
        await runtime.aclose()
    _print_json(outcome.data)
    return 1 if outcome.is_error else 0


async def _serve_sandbox(port: int) -> int:
    from ms365mcp.sandbox.serve import serve_sandbox

    await serve_sandbox(port)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    import anyio

    from ms365mcp.auth import commands as auth_commands
    from ms365mcp.auth.secrets import resolve_environment
    from ms365mcp.logs import configure_logging

    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        settings = settings_from_args(ns, resolve_environment(os.environ))
        configure_logging(settings, verbose=ns.verbose, level=os.environ.get("LOG_LEVEL", "INFO").upper())
        if auth_commands.requested(ns):
            return auth_commands.run(ns, settings)
        if ns.list_presets:
            return _list_presets(settings)
        if ns.list_permissions:
            return _list_permissions(settings)
        if ns.command == "tools":
            return _tools(attrs.evolve(settings, audit_console=False))
        if ns.command == "call":
            return anyio.run(_call, attrs.evolve(settings, audit_console=False), list(ns.command_args))
        if ns.command == "sandbox":
            return anyio.run(_serve_sandbox, ns.port)
        if ns.command == "plugins":
            return _plugins()
        if settings.http:
            from ms365mcp.runtime import build_runtime
            from ms365mcp.server.http import serve_http

            anyio.run(serve_http, build_runtime(settings))
            return 0
        from ms365mcp.runtime import build_runtime
        from ms365mcp.server.stdio import serve_stdio

        runtime = build_runtime(settings)
        anyio.run(serve_stdio, runtime)
        return 0
    except SettingsError as exc:
        sys.stderr.write(f"ms365mcp: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def _plugins() -> int:
    from importlib.metadata import entry_points

    from ms365mcp import PROJECT_NAME
    from ms365mcp.plugins import make_plugin_manager

    pm = make_plugin_manager()
    dists = {ep.name: (ep.dist.name, ep.dist.version) for ep in entry_points(group=PROJECT_NAME) if ep.dist}
    rows = []
    for name, plugin in pm.list_name_plugin():
        entry: dict[str, Any] = {"name": name, "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or [])}
        if name in dists:
            entry["distribution"], entry["version"] = dists[name]
        rows.append(entry)
    _print_json({"plugins": rows})
    return 0
