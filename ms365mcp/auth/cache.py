"""Where local sign-in keeps its MSAL token cache and the selected account.

Providers come from the ``register_auth_cache_providers`` hook; this module registers the
built-in ``file`` provider (and ``memory``, for the sandbox and tests). A provider stores opaque
strings under two keys; :class:`CacheStore` wraps each value in a small JSON envelope
(``{"_cacheEnvelope": true, "data": ..., "savedAt": ms}``) so every backing store holds the
same format, and the file provider encrypts that envelope with AES-256-GCM.

The file provider's rules: folders 0700, files 0600, atomic replace, and an exclusive
``filelock`` lock around every load-change-save so two processes never lose each other's
writes. Its key lives in the OS keyring when one works (``MS365_MCP_USE_KEYTAR=false`` opts
out), else in a 0600 ``.cache-key`` file beside the cache. A cache that cannot be decrypted
is never overwritten by routine use: :class:`CacheUnreadable` tells the person to sign in again.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ms365mcp import hookimpl

if TYPE_CHECKING:
    from ms365mcp.settings import Settings

log = logging.getLogger("ms365mcp.auth.cache")

TOKEN_CACHE = "token-cache"
SELECTED_ACCOUNT = "selected-account"
KEYS = (TOKEN_CACHE, SELECTED_ACCOUNT)
KEYRING_SERVICE = "ms365mcp"
KEYRING_USERNAME = "cache-key"


class CacheProvider(Protocol):
    """What a cache provider implements (it may add ``lock()``, a context manager)."""

    def load(self, key: str) -> str | None: ...

    def save(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class CacheError(Exception):
    """The token cache could not be read or written; the message says what to do."""


class CacheUnreadable(CacheError):
    """The stored cache exists but cannot be decrypted or parsed; it is left untouched."""


class DamagedKey(CacheError):
    """The key file holds no valid key; it is replaced only once nothing encrypted with it is left."""


# --- envelope shared by every provider ----------------------------------------------------------


def wrap(value: str, clock: Callable[[], float] = time.time) -> str:
    return json.dumps({"_cacheEnvelope": True, "data": value, "savedAt": int(clock() * 1000)})


def unwrap(stored: str) -> str:
    """The value inside an envelope; a bare MSAL cache (older stores) is returned as is."""
    try:
        parsed = json.loads(stored)
    except ValueError:
        raise CacheUnreadable("the stored value is not JSON") from None
    if isinstance(parsed, dict) and parsed.get("_cacheEnvelope") is True:
        data = parsed.get("data")
        if not isinstance(data, str):
            raise CacheUnreadable("the stored envelope has no data")
        return data
    return stored


class CacheStore:
    """The core's view of the chosen provider: envelopes, locking and the unreadable state."""

    def __init__(self, provider: CacheProvider, name: str, location: str = "") -> None:
        self.provider = provider
        self.name = name
        self.location = location or name
        self.unreadable = False
        """True once a load failed to decrypt: routine saves are skipped so nothing is lost."""

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        lock = getattr(self.provider, "lock", None)
        if lock is None:
            yield
            return
        with lock():
            yield

    def load(self, key: str) -> str | None:
        try:
            stored = self.provider.load(key)
            value = unwrap(stored) if stored else None
        except CacheUnreadable:
            if key == TOKEN_CACHE:
                self.unreadable = True
            raise
        if key == TOKEN_CACHE:
            self.unreadable = False
        return value

    def save(self, key: str, value: str, *, replace_unreadable: bool = False) -> None:
        if key == TOKEN_CACHE and self.unreadable and not replace_unreadable:
            log.warning("not saving the token cache: the stored one at %s cannot be decrypted", self.location)
            return
        self.provider.save(key, wrap(value))
        if key == TOKEN_CACHE:
            self.unreadable = False

    def delete(self, key: str) -> None:
        self.provider.delete(key)
        if key == TOKEN_CACHE:
            self.unreadable = False


# --- the memory provider ------------------------------------------------------------------------


class MemoryCacheProvider:
    """Keeps everything in the process (the sandbox: its sign-ins end with it)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def load(self, key: str) -> str | None:
        return self.values.get(key)

    def save(self, key: str, value: str) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


# --- the file provider --------------------------------------------------------------------------


_warned_shared: set[Path] = set()


def ensure_private_dir(path: Path, owned: Callable[[str], bool] = lambda _name: True) -> None:
    """Create ``path`` and its missing parents as 0700; tighten an existing folder only if it is ours.

    An existing folder counts as ours when ``owned`` accepts every name in it. A cache path
    pointed into a shared folder (the home folder, /tmp) must not chmod that folder; the
    cache files in it are 0600 either way.
    """
    missing: list[Path] = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process won the race
            folder.mkdir(mode=0o700)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode == 0o700:
            return
        if not all(owned(entry.name) for entry in path.iterdir()):
            if path not in _warned_shared:
                _warned_shared.add(path)
                log.warning("%s holds other files, so its mode (%o) is kept; the cache files are 0600", path, mode)
            return
        path.chmod(0o700)
    except OSError as exc:  # a read-only folder, or someone else's: say so, but keep going
        log.warning("could not make %s private (0700): %s", path, exc.strerror)


def atomic_write(path: Path, data: bytes, owned: Callable[[str], bool] = lambda _name: True) -> None:
    """Write a 0600 file through a temporary sibling and a rename, so readers never see half."""
    ensure_private_dir(path.parent, owned)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def keyring_usable(backend: Any = None) -> Any:
    """The OS keyring backend when one really works, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    backend = backend or keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


class FileCacheProvider:
    """AES-256-GCM encrypted files; the key in the OS keyring or a 0600 key file."""

    def __init__(
        self,
        token_cache_path: Path,
        selected_account_path: Path,
        *,
        use_keyring: bool = True,
        keyring_backend: Any = None,
        private_dirs: tuple[Path, ...] = (),
    ) -> None:
        self.paths = {TOKEN_CACHE: Path(token_cache_path), SELECTED_ACCOUNT: Path(selected_account_path)}
        self.key_path = self.paths[TOKEN_CACHE].parent / ".cache-key"
        self.lock_path = self.paths[TOKEN_CACHE].parent / ".token-cache.lock"
        self._keyring = keyring_usable(keyring_backend) if use_keyring else None
        self._key: bytes | None = None
        self._private_dirs = {Path(p) for p in private_dirs}
        """Folders that are the cache's own whatever they hold (the default state folder)."""

    def _owned(self, folder: Path) -> Callable[[str], bool]:
        """Which names in ``folder`` are this cache's, deciding whether the folder may be made 0700."""
        if folder in self._private_dirs:
            return lambda _name: True
        mine = {p.name for p in (*self.paths.values(), self.key_path, self.lock_path) if p.parent == folder}
        temporaries = (*(f".{p.name}." for p in self.paths.values()), f"{self.key_path.name}.")
        return lambda name: name in mine or (name.startswith(temporaries) and name.endswith(".tmp"))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock across processes for one load-change-save."""
        from filelock import FileLock

        ensure_private_dir(self.lock_path.parent, self._owned(self.lock_path.parent))
        with FileLock(str(self.lock_path), mode=0o600, timeout=60):
            yield

    # -- key -------------------------------------------------------------------------------
    def _read_key_file(self) -> bytes | None:
        try:
            raw = self.key_path.read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheError(f"the cache key file {self.key_path} cannot be read ({exc.strerror})") from None
        try:
            key = base64.b64decode(raw, validate=True) if raw else b""
        except ValueError:
            key = b""
        if len(key) != 32:
            raise DamagedKey(f"the cache key file {self.key_path} is damaged; run `ms365mcp --logout` to start afresh")
        return key

    def _keyring_key(self) -> bytes | None:
        if self._keyring is None:
            return None
        try:
            raw = self._keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
        except Exception as exc:  # a locked or broken keychain: fall back to the key file
            log.warning("the OS keyring failed (%s); using the key file instead", type(exc).__name__)
            self._keyring = None
            return None
        if not raw:
            return None
        key = base64.b64decode(raw)
        return key if len(key) == 32 else None

    def key(self, *, create: bool) -> bytes | None:
        """The cache key: keyring first, then the key file; a new one only when ``create``."""
        if self._key is not None:
            return self._key
        try:
            key = self._keyring_key() or self._read_key_file()
        except DamagedKey:
            if not create or any(p.exists() for p in self.paths.values()):
                raise  # something may still be encrypted with it: never replace it under the data
            self.key_path.unlink(missing_ok=True)  # after --logout: nothing left to decrypt, start afresh
            key = None
        if key is None and create:
            key = self._new_key()
        self._key = key
        return key

    def _new_key(self) -> bytes:
        key = secrets.token_bytes(32)
        encoded = base64.b64encode(key).decode()
        if self._keyring is not None:
            try:
                self._keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, encoded)
                return key
            except Exception as exc:
                log.warning(
                    "could not store the cache key in the OS keyring (%s); using a key file", type(exc).__name__
                )
        folder = self.key_path.parent
        ensure_private_dir(folder, self._owned(folder))
        # Written in full to a temporary file, then hard-linked into place: the link fails if another
        # process got there first, and nobody ever reads a half-written key. The loser uses the winner's.
        fd, tmp = tempfile.mkstemp(prefix=f"{self.key_path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(encoded + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, self.key_path)
            except FileExistsError:
                existing = self._read_key_file()
                if existing is None:
                    raise CacheError(f"the cache key file {self.key_path} vanished while being created") from None
                return existing
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return key

    # -- provider API ----------------------------------------------------------------------------
    def load(self, key: str) -> str | None:
        path = self.paths[key]
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            envelope = json.loads(raw)
            if not (isinstance(envelope, dict) and envelope.get("alg") == "A256GCM" and envelope.get("v") == 2):
                raise ValueError("not an encrypted envelope")
            iv = base64.b64decode(envelope["iv"])
            tag = base64.b64decode(envelope["tag"])
            data = base64.b64decode(envelope["data"])
        except (ValueError, KeyError, TypeError):
            raise CacheUnreadable(f"{path} is not an encrypted ms365mcp cache") from None
        secret = self.key(create=False)
        if secret is None:
            raise CacheUnreadable(f"the key for {path} is missing")
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            plain = AESGCM(secret).decrypt(iv, data + tag, _aad(key))
        except (InvalidTag, ValueError):
            raise CacheUnreadable(f"{path} cannot be decrypted with the current key") from None
        return plain.decode("utf-8")

    def save(self, key: str, value: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        secret = self.key(create=True)
        assert secret is not None
        iv = secrets.token_bytes(12)
        sealed = AESGCM(secret).encrypt(iv, value.encode("utf-8"), _aad(key))
        envelope = {
            "_cacheEnvelope": True,
            "v": 2,
            "alg": "A256GCM",
            "iv": base64.b64encode(iv).decode(),
            "tag": base64.b64encode(sealed[-16:]).decode(),
            "data": base64.b64encode(sealed[:-16]).decode(),
        }
        path = self.paths[key]
        atomic_write(path, json.dumps(envelope).encode(), self._owned(path.parent))

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.paths[key].unlink()


def _aad(key: str) -> bytes:
    return f"ms365mcp:v2:A256GCM:{key}".encode()


def file_provider(settings: Settings) -> FileCacheProvider:
    token_path = settings.token_cache_path or settings.state_dir / "token-cache.json"
    selected_path = settings.selected_account_path or Path(token_path).parent / "selected-account.json"
    return FileCacheProvider(
        Path(token_path), Path(selected_path), use_keyring=settings.use_keyring, private_dirs=(settings.state_dir,)
    )


@hookimpl
def register_auth_cache_providers(register: Callable[..., None]) -> None:
    register("file", file_provider)
    register("memory", lambda settings: MemoryCacheProvider())


def collect_providers(pm: Any) -> dict[str, Callable[[Settings], CacheProvider]]:
    """Every registered provider factory by name (the first registration of a name wins)."""
    found: dict[str, Callable[[Settings], CacheProvider]] = {}

    def register(name: str, factory: Callable[[Settings], CacheProvider]) -> None:
        found.setdefault(name, factory)

    pm.hook.register_auth_cache_providers(register=register)
    return found


def open_store(settings: Settings, pm: Any) -> CacheStore:
    """The cache store configuration names: ``command`` when a command is set, else ``file``."""
    name = settings.auth_cache
    providers = collect_providers(pm)
    factory = providers.get(name)
    if factory is None:
        from ms365mcp.settings import SettingsError

        known = ", ".join(sorted(providers)) or "none"
        raise SettingsError(f"MS365_MCP_AUTH_CACHE={name!r} names no installed cache provider (known: {known})")
    provider = factory(settings)
    location = str(getattr(provider, "paths", {}).get(TOKEN_CACHE, name))
    return CacheStore(provider, name, location)
