""".env and Key Vault: only the app registration's four values, with the documented precedence."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from ms365mcp.auth.secrets import apply_dotenv, apply_keyvault, resolve_environment
from ms365mcp.settings import Settings, SettingsError


def test_dotenv_sets_only_the_four_values_and_the_environment_wins(tmp_path: Path, caplog: Any) -> None:
    (tmp_path / ".env").write_text(
        "MS365_MCP_CLIENT_ID=from-file\nMS365_MCP_TENANT_ID=consumers\nMS365_MCP_CLOUD_TYPE=china\n"
        "MS365_MCP_CLIENT_SECRET=s3cr3t-value\nREAD_ONLY=false\nMS365_MCP_ORG_MODE=true\n"
    )
    with caplog.at_level(logging.WARNING):
        env = apply_dotenv({"MS365_MCP_TENANT_ID": "from-env"}, tmp_path)
    assert env["MS365_MCP_CLIENT_ID"] == "from-file" and env["MS365_MCP_TENANT_ID"] == "from-env"
    assert env["MS365_MCP_CLOUD_TYPE"] == "china" and env["MS365_MCP_CLIENT_SECRET"] == "s3cr3t-value"
    assert "READ_ONLY" not in env and "MS365_MCP_ORG_MODE" not in env
    assert "MS365_MCP_ORG_MODE" in caplog.text and "READ_ONLY" in caplog.text
    assert "s3cr3t-value" not in caplog.text
    settings = Settings.from_env(env)
    assert settings.cloud == "china" and settings.client_secret == "s3cr3t-value" and not settings.org_mode


def test_no_dotenv_changes_nothing(tmp_path: Path) -> None:
    assert apply_dotenv({"A": "b"}, tmp_path) == {"A": "b"}


class FakeSecret:
    def __init__(self, value: str) -> None:
        self.value = value


class ResourceNotFoundError(Exception):
    """Named like azure.core's, which is what the code recognises."""


class FakeSecretClient:
    def __init__(self, values: dict[str, str], fail: Exception | None = None) -> None:
        self.values = values
        self.fail = fail
        self.asked: list[str] = []

    def get_secret(self, name: str) -> FakeSecret:
        self.asked.append(name)
        if self.fail is not None:
            raise self.fail
        if name not in self.values:
            raise ResourceNotFoundError(name)
        return FakeSecret(self.values[name])


def test_key_vault_supplies_the_app_registration() -> None:
    client = FakeSecretClient(
        {
            "ms365-mcp-client-id": "kv-client",
            "ms365-mcp-tenant-id": "kv-tenant",
            "ms365-mcp-client-secret": "kv-secret",
            "ms365-mcp-cloud-type": "usgov",
        }
    )
    urls: list[str] = []

    def factory(url: str) -> FakeSecretClient:
        urls.append(url)
        return client

    env = apply_keyvault(
        {"MS365_MCP_KEYVAULT_URL": "https://vault.vault.azure.net", "MS365_MCP_CLIENT_ID": "env"}, factory
    )
    assert urls == ["https://vault.vault.azure.net"]
    assert env["MS365_MCP_CLIENT_ID"] == "kv-client" and env["MS365_MCP_CLIENT_SECRET"] == "kv-secret"
    settings = Settings.from_env(env)
    assert settings.cloud == "usgov" and settings.tenant_id == "kv-tenant"
    assert settings.graph_url == "https://graph.microsoft.us"


def test_key_vault_optional_secrets_may_be_missing_but_the_client_id_may_not() -> None:
    env = apply_keyvault(
        {"MS365_MCP_KEYVAULT_URL": "https://v.vault.azure.net"},
        lambda url: FakeSecretClient({"ms365-mcp-client-id": "only-id"}),
    )
    assert env["MS365_MCP_CLIENT_ID"] == "only-id" and "MS365_MCP_TENANT_ID" not in env
    with pytest.raises(SettingsError, match="ms365-mcp-client-id is missing"):
        apply_keyvault({"MS365_MCP_KEYVAULT_URL": "https://v.vault.azure.net"}, lambda url: FakeSecretClient({}))


def test_key_vault_failures_name_the_secret_not_the_error_text() -> None:
    client = FakeSecretClient({}, fail=PermissionError("token=abc123 denied"))
    with pytest.raises(SettingsError) as info:
        apply_keyvault({"MS365_MCP_KEYVAULT_URL": "https://v.vault.azure.net"}, lambda url: client)
    assert "ms365-mcp-client-id" in str(info.value) and "abc123" not in str(info.value)
    with pytest.raises(SettingsError, match="https"):
        apply_keyvault({"MS365_MCP_KEYVAULT_URL": "http://v.vault.azure.net"}, lambda url: client)


def test_without_a_vault_url_nothing_is_imported_or_asked(tmp_path: Path) -> None:
    def factory(url: str) -> Any:
        raise AssertionError("must not be called")

    assert apply_keyvault({"X": "1"}, factory) == {"X": "1"}
    assert resolve_environment({"X": "1"}, tmp_path) == {"X": "1"}


def test_real_key_vault_client_is_built_lazily(monkeypatch: Any) -> None:
    """The keyvault extra's classes are only imported when a URL is set; the client is built from them."""
    pytest.importorskip("azure.keyvault.secrets")
    import azure.identity
    import azure.keyvault.secrets

    built: dict[str, Any] = {}

    class Client:
        def __init__(self, vault_url: str, credential: Any) -> None:
            built.update(url=vault_url, credential=credential)

        def get_secret(self, name: str) -> FakeSecret:
            return FakeSecret(f"value-of-{name}")

    monkeypatch.setattr(azure.keyvault.secrets, "SecretClient", Client)
    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", lambda: "credential")
    env = apply_keyvault({"MS365_MCP_KEYVAULT_URL": "https://v.vault.azure.net"})
    assert built == {"url": "https://v.vault.azure.net", "credential": "credential"}
    assert env["MS365_MCP_CLIENT_ID"] == "value-of-ms365-mcp-client-id"


def test_clouds_have_their_authority_and_graph() -> None:
    from ms365mcp.settings import CLOUDS

    assert set(CLOUDS) == {"global", "china", "usgov", "usgovdod"}
    assert Settings.from_env({"MS365_MCP_CLOUD_TYPE": "usgovdod"}).graph_url == "https://dod-graph.microsoft.us"
    with pytest.raises(SettingsError):
        Settings.from_env({"MS365_MCP_CLOUD_TYPE": "mars"})
