"""One frozen Settings object, built once at start-up from flags and the environment.

Nothing deeper than this module reads ``os.environ``: everything else receives Settings.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import attrs

CLOUDS: dict[str, dict[str, str]] = {
    "global": {"graph": "https://graph.microsoft.com", "authority": "https://login.microsoftonline.com"},
    "china": {"graph": "https://microsoftgraph.chinacloudapi.cn", "authority": "https://login.chinacloudapi.cn"},
    "usgov": {"graph": "https://graph.microsoft.us", "authority": "https://login.microsoftonline.us"},
    "usgovdod": {"graph": "https://dod-graph.microsoft.us", "authority": "https://login.microsoftonline.us"},
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """A flag or environment value is invalid; the message names it and says how to fix it."""


def env_flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    """Read a boolean environment variable; an unrecognised value is an error."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean: use true or false")


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    """Read an integer environment variable with a lower bound."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}={value} must be at least {minimum}")
    return value


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback IP literals (IPv4 127/8 and ::1)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_graph_url(url: str, source: str = "MS365_MCP_GRAPH_URL") -> str:
    """Accept https URLs, and http only for loopback hosts (tests, the sandbox, local proxies)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{source}={url!r} must be an http(s) URL such as https://graph.microsoft.com")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise SettingsError(f"{source}={url!r}: http:// is accepted only for loopback hosts; use https://")
    if parts.query or parts.fragment:
        raise SettingsError(f"{source}={url!r} must not carry a query or fragment")
    return url.rstrip("/")


def _scope_list(raw: str | None, name: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    items = tuple(s for s in re.split(r"[\s,]+", raw) if s)
    if not items:
        raise SettingsError(f"{name} is empty: give space- or comma-separated permissions, or leave it unset")
    return items


def default_state_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home()) / ".ms365mcp"


@attrs.frozen
class Settings:
    """Everything the server needs to know, resolved once."""

    # catalogue selection
    presets: tuple[str, ...] = ()
    enabled_tools: str | None = None
    read_only: bool = False
    org_mode: bool = False
    allowed_scopes: tuple[str, ...] | None = None
    extra_scopes: tuple[str, ...] = ()
    # Graph
    cloud: str = "global"
    graph_url: str = CLOUDS["global"]["graph"]
    body_format: str = "text"
    max_top: int | None = None
    max_pages: int = 100
    max_items: int = 10_000
    graph_timeout_ms: int = 100_000
    graph_max_retries: int = 3
    graph_base_backoff_ms: int = 200
    graph_max_backoff_ms: int = 5_000
    graph_retry_after_cap_ms: int = 60_000
    circuit_threshold: int = 5
    circuit_cooldown_ms: int = 30_000
    circuit_disabled: bool = False
    # identity
    oauth_token: str | None = attrs.field(default=None, repr=False)
    sandbox: bool = False
    client_id: str | None = None
    tenant_id: str = "common"
    client_secret: str | None = attrs.field(default=None, repr=False)
    # transport and logs
    http: str | None = None
    audit_log: bool = True
    redact_pii: bool = True
    log_dir: Path = attrs.field(factory=lambda: default_state_dir(os.environ) / "logs")
    state_dir: Path = attrs.field(factory=lambda: default_state_dir(os.environ))

    @property
    def transport(self) -> str:
        return "http" if self.http else "stdio"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build Settings from environment variables; keyword overrides (from flags) win."""
        env = os.environ if env is None else env
        cloud = (env.get("MS365_MCP_CLOUD_TYPE") or "global").strip().lower()
        cloud = str(overrides.pop("cloud", None) or cloud)
        if cloud not in CLOUDS:
            raise SettingsError(f"cloud {cloud!r} is unknown: choose one of {', '.join(CLOUDS)}")
        graph_url = env.get("MS365_MCP_GRAPH_URL")
        graph_url = validate_graph_url(graph_url) if graph_url else CLOUDS[cloud]["graph"]
        body_format = (env.get("MS365_MCP_BODY_FORMAT") or "text").strip().lower()
        if body_format not in ("text", "html"):
            raise SettingsError(f"MS365_MCP_BODY_FORMAT={body_format!r}: use text or html")
        max_top_raw = env.get("MS365_MCP_MAX_TOP")
        state_dir = default_state_dir(env)
        log_dir = Path(env["MS365_MCP_LOG_DIR"]) if env.get("MS365_MCP_LOG_DIR") else state_dir / "logs"
        values: dict[str, object] = dict(
            enabled_tools=env.get("ENABLED_TOOLS") or None,
            read_only=env_flag(env, "READ_ONLY"),
            org_mode=env_flag(env, "MS365_MCP_ORG_MODE") or env_flag(env, "MS365_MCP_FORCE_WORK_SCOPES"),
            allowed_scopes=_scope_list(env.get("MS365_MCP_ALLOWED_SCOPES"), "MS365_MCP_ALLOWED_SCOPES"),
            extra_scopes=_scope_list(env.get("MS365_MCP_EXTRA_SCOPES"), "MS365_MCP_EXTRA_SCOPES") or (),
            cloud=cloud,
            graph_url=graph_url,
            body_format=body_format,
            max_top=env_int(env, "MS365_MCP_MAX_TOP", 0, minimum=1) if max_top_raw else None,
            max_pages=env_int(env, "MS365_MCP_MAX_PAGES", 100, minimum=1),
            max_items=env_int(env, "MS365_MCP_MAX_ITEMS", 10_000, minimum=1),
            graph_timeout_ms=env_int(env, "MS365_MCP_GRAPH_TIMEOUT_MS", 100_000, minimum=1),
            graph_max_retries=env_int(env, "MS365_MCP_GRAPH_MAX_RETRIES", 3),
            graph_base_backoff_ms=env_int(env, "MS365_MCP_GRAPH_BASE_BACKOFF_MS", 200),
            graph_max_backoff_ms=env_int(env, "MS365_MCP_GRAPH_MAX_BACKOFF_MS", 5_000),
            circuit_threshold=env_int(env, "MS365_MCP_GRAPH_CIRCUIT_THRESHOLD", 5, minimum=1),
            circuit_cooldown_ms=env_int(env, "MS365_MCP_GRAPH_CIRCUIT_COOLDOWN_MS", 30_000),
            circuit_disabled=env_flag(env, "MS365_MCP_GRAPH_CIRCUIT_DISABLED"),
            oauth_token=env.get("MS365_MCP_OAUTH_TOKEN") or None,
            client_id=env.get("MS365_MCP_CLIENT_ID") or None,
            tenant_id=env.get("MS365_MCP_TENANT_ID") or "common",
            client_secret=env.get("MS365_MCP_CLIENT_SECRET") or None,
            audit_log=(env.get("MS365_MCP_AUDIT_LOG", "").strip().lower() != "false"),
            redact_pii=env_flag(env, "MS365_MCP_REDACT_PII", default=True),
            log_dir=log_dir,
            state_dir=state_dir,
        )
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        if values.get("allowed_scopes") == ():
            raise SettingsError("--allowed-scopes is empty: give permissions such as 'Mail.Read User.Read'")
        return cls(**values)  # type: ignore[arg-type]
