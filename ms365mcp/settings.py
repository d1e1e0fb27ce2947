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


def _url_list(raw: str | None) -> tuple[str, ...] | None:
    if raw is None or not raw.strip():
        return None
    return tuple(u.strip() for u in raw.split(",") if u.strip())


def validate_public_url(url: str, source: str = "--public-url") -> str:
    """The browser-facing base URL: https, or http only on loopback; no query, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{source}={url!r} must be an absolute URL such as https://mcp.example.com")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise SettingsError(f"{source}={url!r}: http:// is accepted only for loopback hosts; use https://")
    if parts.query or parts.fragment:
        raise SettingsError(f"{source}={url!r} must not carry a query or fragment")
    return url.strip().rstrip("/")


def _keyring_wanted(env: Mapping[str, str]) -> bool:
    """MS365_MCP_USE_KEYTAR: a false-like value opts out of the OS keyring; unknown values warn."""
    raw = (env.get("MS365_MCP_USE_KEYTAR") or "").strip().lower()
    if raw in _FALSE:
        return False
    if raw and raw not in _TRUE:
        import logging

        logging.getLogger("ms365mcp").warning("MS365_MCP_USE_KEYTAR=%r is not a boolean; the keyring stays on", raw)
    return True


def _local_auth_values(env: Mapping[str, str]) -> dict[str, object]:
    """Settings of local sign-in; an empty pin is kept as "" so from_env can refuse it."""
    command = env.get("MS365_MCP_AUTH_CACHE_COMMAND") or None
    paths = {
        key: Path(env[name]).expanduser() if env.get(name) else None
        for key, name in (
            ("token_cache_path", "MS365_MCP_TOKEN_CACHE_PATH"),
            ("selected_account_path", "MS365_MCP_SELECTED_ACCOUNT_PATH"),
        )
    }
    return dict(
        expected_username=env.get("MS365_MCP_EXPECTED_USERNAME"),
        expected_home_account_id=env.get("MS365_MCP_EXPECTED_HOME_ACCOUNT_ID"),
        auth_cache=(env.get("MS365_MCP_AUTH_CACHE") or ("command" if command else "file")).strip().lower(),
        auth_cache_command=command,
        auth_cache_command_timeout_ms=env_int(env, "MS365_MCP_AUTH_CACHE_COMMAND_TIMEOUT_MS", 10_000, minimum=1),
        use_keyring=_keyring_wanted(env),
        keyvault_url=env.get("MS365_MCP_KEYVAULT_URL") or None,
        **paths,
    )


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
    audit_console: bool = True
    """False for one-shot commands (``call``, ``tools``), whose console is a person's terminal."""
    redact_pii: bool = True
    log_dir: Path = attrs.field(factory=lambda: default_state_dir(os.environ) / "logs")
    state_dir: Path = attrs.field(factory=lambda: default_state_dir(os.environ))
    # HTTP mode (see ms365mcp.server.http)
    public_url: str | None = None
    obo: bool = False
    trust_proxy_auth: bool = False
    allow_unauthenticated_discovery: bool = False
    enable_auth_tools: bool = False
    dynamic_registration: bool = True
    allowed_redirect_uris: tuple[str, ...] | None = None
    cors_origins: tuple[str, ...] = ("http://localhost:3000",)
    rate_limit_disabled: bool = False
    trust_proxy_hops: int = 0
    state_key: str | None = attrs.field(default=None, repr=False)
    max_body_bytes: int = 10 * 1024 * 1024
    allowed_tenants: tuple[str, ...] | None = None
    # local sign-in (see ms365mcp.auth)
    auth_browser: bool = False
    expected_username: str | None = None
    expected_home_account_id: str | None = None
    auth_cache: str = "file"
    auth_cache_command: str | None = None
    auth_cache_command_timeout_ms: int = 10_000
    token_cache_path: Path | None = None
    selected_account_path: Path | None = None
    use_keyring: bool = True
    keyvault_url: str | None = None
    # file transfer tools (files plugin)
    max_download_bytes: int = 10 * 1024 * 1024
    """Largest file download-bytes returns inline; larger ones get a message pointing to get-download-url."""

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
            public_url=env.get("MS365_MCP_PUBLIC_URL") or env.get("MS365_MCP_BASE_URL") or None,
            obo=env_flag(env, "MS365_MCP_OBO"),
            trust_proxy_auth=env_flag(env, "MS365_MCP_TRUST_PROXY_AUTH"),
            allow_unauthenticated_discovery=env_flag(env, "MS365_MCP_ALLOW_UNAUTHENTICATED_DISCOVERY"),
            enable_auth_tools=env_flag(env, "MS365_MCP_ENABLE_AUTH_TOOLS"),
            dynamic_registration=not env_flag(env, "MS365_MCP_DISABLE_DCR"),
            allowed_redirect_uris=_url_list(env.get("MS365_MCP_ALLOWED_REDIRECT_URIS")),
            cors_origins=_url_list(env.get("MS365_MCP_CORS_ORIGIN")) or ("http://localhost:3000",),
            rate_limit_disabled=env_flag(env, "MS365_MCP_RATE_LIMIT_DISABLED"),
            trust_proxy_hops=env_int(env, "MS365_MCP_TRUST_PROXY_HOPS", 0),
            state_key=env.get("MS365_MCP_STATE_KEY") or None,
            max_body_bytes=env_int(env, "MS365_MCP_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024),
            allowed_tenants=_url_list(env.get("MS365_MCP_ALLOWED_TENANTS")),
            **_local_auth_values(env),
            max_download_bytes=env_int(env, "MS365_MCP_MAX_DOWNLOAD_BYTES", 10 * 1024 * 1024, minimum=1),
        )
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        if values.get("allowed_scopes") == ():
            raise SettingsError("--allowed-scopes is empty: give permissions such as 'Mail.Read User.Read'")
        if values.get("public_url"):
            values["public_url"] = validate_public_url(str(values["public_url"]))
        for pin in ("expected_username", "expected_home_account_id"):
            if isinstance(values.get(pin), str) and not str(values[pin]).strip():
                flag = "--" + pin.replace("_", "-")
                raise SettingsError(f"{flag} / MS365_MCP_{pin.upper()} is empty: give the account, or leave it unset")
        return cls(**values)  # type: ignore[arg-type]
