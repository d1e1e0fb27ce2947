"""Authenticated encryption for everything the OAuth facade hands out instead of storing it.

The facade keeps no flow state: the upstream ``state``, our authorization codes, our refresh
tokens and the client ids from ``/register`` are sealed blobs that any replica holding the same
key can open. AES-256-GCM gives confidentiality (the blobs carry Entra codes and refresh tokens)
and integrity (a forged or edited blob does not open). Each kind of blob has its own associated
data, so a sealed state can never be replayed as a code or a client id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ms365mcp.settings import SettingsError

log = logging.getLogger("ms365mcp.auth.facade")

_VERSION = b"\x01"
_NONCE = 12
KEY_HELP = (
    "MS365_MCP_STATE_KEY must be 32 random bytes in base64 or base64url "
    "(python -c 'import secrets; print(secrets.token_urlsafe(32))') or a passphrase of at least 32 characters; "
    "several keys may be given comma-separated (the first seals, all open) to rotate"
)


class SealError(Exception):
    """A blob did not open: ``reason`` is ``invalid`` (forged, edited, other key or kind) or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _parse_key(raw: str) -> bytes:
    raw = raw.strip()
    try:
        decoded = b64url_decode(raw.replace("+", "-").replace("/", "_").rstrip("="))
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) == 32:
        return decoded
    if len(raw) >= 32:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ms365mcp state key").derive(raw.encode())
    raise SettingsError(KEY_HELP)


class Sealer:
    """Seals JSON payloads into URL-safe strings; opens them with any configured key."""

    def __init__(self, keys: Sequence[bytes], *, clock: Callable[[], float] = time.time) -> None:
        if not keys or any(len(k) != 32 for k in keys):
            raise ValueError("Sealer needs one or more 32-byte keys")
        self._aeads = [AESGCM(k) for k in keys]
        self._mac_keys = [
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ms365mcp mac").derive(k) for k in keys
        ]
        self.clock = clock

    @classmethod
    def from_setting(cls, raw: str | None, *, clock: Callable[[], float] = time.time) -> tuple[Sealer, bool]:
        """The sealer for MS365_MCP_STATE_KEY, or a per-process random key; the flag says it was generated."""
        if raw and raw.strip():
            return cls([_parse_key(part) for part in raw.split(",") if part.strip()], clock=clock), False
        return cls([os.urandom(32)], clock=clock), True

    def seal(self, kind: str, payload: dict[str, Any], ttl: float | None = None) -> str:
        body = dict(payload)
        if ttl is not None:
            body["exp"] = int(self.clock() + ttl)
        nonce = secrets.token_bytes(_NONCE)
        plain = json.dumps(body, separators=(",", ":")).encode()
        sealed = self._aeads[0].encrypt(nonce, plain, _aad(kind))
        return b64url(_VERSION + nonce + sealed)

    def open(self, kind: str, token: str) -> dict[str, Any]:
        try:
            raw = b64url_decode(token)
        except (binascii.Error, ValueError):
            raise SealError("invalid") from None
        if len(raw) < 1 + _NONCE + 16 or raw[:1] != _VERSION:
            raise SealError("invalid")
        nonce, sealed = raw[1 : 1 + _NONCE], raw[1 + _NONCE :]
        for aead in self._aeads:
            try:
                plain = aead.decrypt(nonce, sealed, _aad(kind))
            except Exception:  # cryptography raises InvalidTag; any failure means "does not open"
                continue
            body = json.loads(plain)
            if "exp" in body and float(body["exp"]) < self.clock():
                raise SealError("expired")
            return body
        raise SealError("invalid")

    def mac(self, kind: str, value: str) -> str:
        """A keyed digest (for client secrets derived from client ids)."""
        return b64url(hmac.new(self._mac_keys[0], _aad(kind) + value.encode(), hashlib.sha256).digest())

    def verify_mac(self, kind: str, value: str, digest: str) -> bool:
        for key in self._mac_keys:
            expected = b64url(hmac.new(key, _aad(kind) + value.encode(), hashlib.sha256).digest())
            if hmac.compare_digest(expected, digest):
                return True
        return False


def _aad(kind: str) -> bytes:
    return b"ms365mcp/v1/" + kind.encode()


def digest(value: str) -> str:
    """A short, non-reversible fingerprint (binds codes and refresh tokens to a client id)."""
    return b64url(hashlib.sha256(value.encode()).digest()[:16])
