"""Where the app registration's secrets come from: a ``.env`` file, or Azure Key Vault.

Both only ever supply the four values of the app registration, and both run before Settings
is built, by producing an environment mapping. ``.env`` (in the working directory) is a
convenience for people; anything else in it is ignored with a warning so that a stray file
can never switch on, say, a read-write mode. Key Vault (``MS365_MCP_KEYVAULT_URL``) is for
deployments: the ``keyvault`` extra supplies azure-identity and azure-keyvault-secrets,
which are imported only here and only when the URL is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ms365mcp.settings import SettingsError

log = logging.getLogger("ms365mcp.auth.secrets")

DOTENV_KEYS = ("MS365_MCP_CLIENT_ID", "MS365_MCP_CLIENT_SECRET", "MS365_MCP_TENANT_ID", "MS365_MCP_CLOUD_TYPE")

#: Key Vault secret name -> environment name it stands for.
KEYVAULT_SECRETS = {
    "ms365-mcp-client-id": "MS365_MCP_CLIENT_ID",
    "ms365-mcp-tenant-id": "MS365_MCP_TENANT_ID",
    "ms365-mcp-client-secret": "MS365_MCP_CLIENT_SECRET",
    "ms365-mcp-cloud-type": "MS365_MCP_CLOUD_TYPE",
}


def apply_dotenv(env: Mapping[str, str], directory: Path | None = None) -> dict[str, str]:
    """``env`` plus the allowed values of ``./.env``; the real environment wins over the file."""
    from dotenv import dotenv_values

    merged = dict(env)
    path = (directory or Path.cwd()) / ".env"
    if not path.is_file():
        return merged
    for key, value in dotenv_values(path).items():
        if key not in DOTENV_KEYS:
            log.warning("%s in %s is ignored: .env may only set %s", key, path, ", ".join(DOTENV_KEYS))
            continue
        if value is not None and key not in merged:
            merged[key] = value
    return merged


def _default_client(vault_url: str) -> Any:
    try:
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient
    except ImportError:
        raise SettingsError(
            "MS365_MCP_KEYVAULT_URL is set but the Key Vault libraries are missing: install ms365mcp[keyvault]"
        ) from None
    return SecretClient(vault_url=vault_url, credential=DefaultAzureCredential())


def apply_keyvault(env: Mapping[str, str], client_factory: Callable[[str], Any] | None = None) -> dict[str, str]:
    """``env`` with the app registration read from Key Vault when MS365_MCP_KEYVAULT_URL is set.

    The client id is required; the others are optional (tenant ``common``, cloud ``global``).
    Values are read once per process: rotating them needs a restart.
    """
    merged = dict(env)
    vault_url = (env.get("MS365_MCP_KEYVAULT_URL") or "").strip()
    if not vault_url:
        return merged
    if not vault_url.startswith("https://"):
        raise SettingsError(f"MS365_MCP_KEYVAULT_URL={vault_url!r} must be an https:// vault URL")
    client = (client_factory or _default_client)(vault_url)
    for secret_name, env_name in KEYVAULT_SECRETS.items():
        value = _get_secret(client, secret_name, required=env_name == "MS365_MCP_CLIENT_ID")
        if value:
            merged[env_name] = value
    return merged


def _get_secret(client: Any, name: str, *, required: bool) -> str | None:
    try:
        secret = client.get_secret(name)
    except Exception as exc:  # azure raises ResourceNotFoundError, auth errors, network errors
        missing = type(exc).__name__ == "ResourceNotFoundError"
        if missing and not required:
            return None
        what = "is missing" if missing else f"could not be read ({type(exc).__name__})"
        raise SettingsError(f"Key Vault secret {name} {what}; check the vault and this identity's access") from None
    value = getattr(secret, "value", None)
    return str(value) if value else None


def resolve_environment(env: Mapping[str, str], directory: Path | None = None) -> dict[str, str]:
    """The environment Settings is built from: real environment, then ``.env``, then Key Vault."""
    return apply_keyvault(apply_dotenv(env, directory))
