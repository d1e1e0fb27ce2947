"""Local sign-in with MSAL: accounts on a person's machine, kept in a token cache provider.

One :class:`LocalAuth` per process wraps one MSAL public client. Every use of the cache is a
*session*: take the provider's lock, load the stored cache, let MSAL work, save if MSAL changed
anything. So two processes sharing a cache never lose each other's writes, and a cache that
another process refreshed is used at once. ``msal`` is imported on first use only, so the
sandbox and ``import ms365mcp`` never pay for it.

Pinning (``--expected-username`` / ``--expected-home-account-id``) narrows every operation to
one account: start-up fails when it is not cached, and a sign-in as anyone else is refused
before anything is saved.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import logging
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from ms365mcp.auth.cache import SELECTED_ACCOUNT, TOKEN_CACHE, CacheError, CacheStore, CacheUnreadable
from ms365mcp.identity import NOT_SIGNED_IN_MESSAGE, Identity, NotSignedIn
from ms365mcp.settings import CLOUDS, SettingsError

if TYPE_CHECKING:
    from ms365mcp.settings import Settings

log = logging.getLogger("ms365mcp.auth")

#: MSAL adds these itself (and refuses them in a scope list); offline_access is always requested.
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
PERSONAL_ACCOUNTS_HINT = (
    "Personal Microsoft accounts (outlook.com, hotmail.com) should set MS365_MCP_TENANT_ID=consumers."
)


class LocalAuthError(Exception):
    """A sign-in or account operation failed; the message tells the person what to do."""


class AuthConfigError(SettingsError):
    """A start-up problem of local sign-in (a pinned account that is not cached)."""


class PinViolation(LocalAuthError):
    """Someone signed in as an account other than the pinned one; nothing was saved."""


@attrs.frozen
class Pins:
    """The account this server is limited to, if any."""

    username: str | None = None
    home_account_id: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.username or self.home_account_id)

    def matches(self, account: dict[str, Any]) -> bool:
        if self.username and str(account.get("username", "")).lower() != self.username.strip().lower():
            return False
        return not (self.home_account_id and account.get("home_account_id") != self.home_account_id.strip())

    def describe(self) -> str:
        parts = [p for p in (self.username, self.home_account_id) if p]
        return " / ".join(parts)


@attrs.frozen
class AccountInfo:
    """An account in the cache, as the tools and commands show it."""

    id: str
    """MSAL's home account id (``<object id>.<tenant id>``)."""
    username: str
    name: str | None = None
    selected: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "name": self.name, "selected": self.selected}


@attrs.define
class PendingLogin:
    """A device-code sign-in that finishes in the background (the ``login`` tool)."""

    user_code: str
    verification_uri: str
    message: str
    state: str = "pending"
    """pending, done or failed."""
    account: AccountInfo | None = None
    error: str | None = None
    cancelled: bool = False


def request_scopes(permissions: list[str] | tuple[str, ...], cloud: str = "global") -> list[str]:
    """What to ask Entra for: the enabled tools' permissions (offline_access is added by MSAL).

    Outside the global cloud, bare permission names are qualified with that cloud's Graph host,
    because a bare name means the global Graph.
    """
    graph = CLOUDS.get(cloud, CLOUDS["global"])["graph"]
    scopes: list[str] = []
    for scope in [*permissions, "User.Read"]:
        if scope in RESERVED_SCOPES:
            continue
        if cloud != "global" and "/" not in scope:
            scope = f"{graph}/{scope}"
        if scope not in scopes:
            scopes.append(scope)
    return scopes


class LocalAuth:
    """Accounts, sign-in and tokens for one client id and authority."""

    def __init__(
        self,
        *,
        client_id: str | None,
        authority: str,
        scopes: list[str],
        store: CacheStore,
        pins: Pins | None = None,
        http_client: Any = None,
        instance_discovery: bool | None = None,
        sandbox_note: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        open_browser: Callable[[str], Any] | None = None,
        browser_timeout: float = 300,
    ) -> None:
        self.client_id = client_id
        self.authority = authority
        self.scopes = scopes
        self.store = store
        self.pins = pins or Pins()
        self.sandbox_note = sandbox_note
        self._http_client = http_client
        self._instance_discovery = instance_discovery
        self.sleep = sleep
        self.clock = clock
        self._open_browser = open_browser or webbrowser.open
        self._browser_timeout = browser_timeout
        self._app: Any = None
        self._lock = threading.RLock()
        self.pending: PendingLogin | None = None

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Settings, pm: Any, permissions: list[str], **kwargs: Any) -> LocalAuth:
        """The MSAL client for the configured cloud, tenant and cache provider."""
        from ms365mcp.auth.cache import open_store

        authority = f"{CLOUDS[settings.cloud]['authority']}/{settings.tenant_id}"
        return cls(
            client_id=settings.client_id,
            authority=authority,
            scopes=request_scopes(permissions, settings.cloud),
            store=open_store(settings, pm),
            pins=Pins(settings.expected_username, settings.expected_home_account_id),
            **kwargs,
        )

    @classmethod
    def for_sandbox(cls, settings: Settings, tenant: Any, permissions: list[str], **kwargs: Any) -> LocalAuth:
        """Sign-in against the sandbox's emulator, with an in-memory cache that ends with the process."""
        from ms365mcp.auth.cache import MemoryCacheProvider
        from ms365mcp.sandbox.entra import SANDBOX_CLIENT_ID

        emulator = tenant.entra
        if emulator.auto_approve_after is None:
            emulator.auto_approve_after = 2
        note = (
            "This is the offline sandbox: nobody needs to open that page. The sign-in emulator approves the code "
            f"as {tenant.me.userPrincipalName} after {emulator.auto_approve_after} polls."
        )
        kwargs.setdefault("pins", Pins(settings.expected_username, settings.expected_home_account_id))
        return cls(
            client_id=SANDBOX_CLIENT_ID,
            authority=emulator.authority("organizations"),
            scopes=request_scopes(permissions),
            store=CacheStore(MemoryCacheProvider(), "memory", "memory (sandbox)"),
            http_client=emulator.http_client(),
            instance_discovery=False,
            sandbox_note=note,
            **kwargs,
        )

    @property
    def started(self) -> bool:
        """True once MSAL has been loaded (the sandbox avoids it until someone signs in)."""
        return self._app is not None

    def _msal(self) -> Any:
        if self._app is None:
            if not self.client_id:
                raise LocalAuthError(
                    "Set MS365_MCP_CLIENT_ID to the application (client) id of your Entra app registration "
                    "(a public client with device code / http://localhost redirect enabled), then sign in again."
                )
            import msal

            # MSAL's debug records include device codes and cache contents: never let them through.
            logging.getLogger("msal").setLevel(max(logging.getLogger("msal").getEffectiveLevel(), logging.WARNING))
            kwargs: dict[str, Any] = {"token_cache": msal.SerializableTokenCache()}
            if self._http_client is not None:
                kwargs["http_client"] = self._http_client
            if self._instance_discovery is not None:
                kwargs["instance_discovery"] = self._instance_discovery
            try:
                self._app = msal.PublicClientApplication(self.client_id, authority=self.authority, **kwargs)
            except ValueError as exc:
                raise LocalAuthError(f"The sign-in authority {self.authority} could not be used: {exc}") from None
        return self._app

    # -- cache sessions -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _session(self, *, persist: bool = True, replace_unreadable: bool = False) -> Iterator[_Session]:
        """Lock, load, work, save: the unit of every cache use."""
        with self._lock, self.store.locked():
            app = self._msal()
            session = _Session(app, persist)
            try:
                text = self.store.load(TOKEN_CACHE)
            except CacheUnreadable:
                log.warning("the token cache at %s cannot be decrypted; it is left untouched", self.store.location)
                text = None
            except CacheError as exc:
                raise LocalAuthError(f"The token cache could not be read: {exc}") from None
            app.token_cache.deserialize(text or "")
            yield session
            if session.persist and app.token_cache.has_state_changed:
                try:
                    self.store.save(TOKEN_CACHE, app.token_cache.serialize(), replace_unreadable=replace_unreadable)
                except CacheError as exc:
                    raise LocalAuthError(f"The token cache could not be saved: {exc}") from None

    def unreadable_message(self) -> str:
        return (
            f"The token cache at {self.store.location} cannot be decrypted (it is damaged, or its key is missing "
            "or changed), so it was left untouched. Sign in again (`ms365mcp --login`, or the login tool); "
            "that replaces it."
        )

    # -- accounts ------------------------------------------------------------------------------
    def _raw_accounts(self, app: Any) -> list[dict[str, Any]]:
        return [a for a in app.get_accounts() if not self.pins.active or self.pins.matches(a)]

    def _selected_id(self) -> str | None:
        try:
            text = self.store.load(SELECTED_ACCOUNT)
        except CacheError:
            return None
        if not text:
            return None
        try:
            value = json.loads(text).get("accountId")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None

    def _info(self, account: dict[str, Any], selected: str | None) -> AccountInfo:
        claims_name = account.get("name")
        return AccountInfo(
            id=account["home_account_id"],
            username=account.get("username") or "",
            name=claims_name if isinstance(claims_name, str) else None,
            selected=account["home_account_id"] == selected,
        )

    def accounts(self) -> list[AccountInfo]:
        """The cached accounts (only the pinned one when pinned).

        Read straight from the cache JSON, without MSAL: listing accounts at start-up must not
        need the network (MSAL fetches the authority's metadata when it starts).
        """
        with self._lock:  # no file lock: writers replace files atomically, so a read is consistent
            try:
                text = self.store.load(TOKEN_CACHE)
            except CacheUnreadable:
                log.warning("the token cache at %s cannot be decrypted; it is left untouched", self.store.location)
                text = None
            except CacheError as exc:
                raise LocalAuthError(f"The token cache could not be read: {exc}") from None
            selected = self._selected_id()
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        seen: dict[str, dict[str, Any]] = {}
        for entry in (data.get("Account") or {}).values() if isinstance(data, dict) else ():
            if (
                isinstance(entry, dict)
                and entry.get("home_account_id")
                and (not self.pins.active or self.pins.matches(entry))
            ):
                seen.setdefault(entry["home_account_id"], entry)
        names = _display_names(data) if seen else {}
        return [self._info({"name": names.get(a["home_account_id"]), **a}, selected) for a in seen.values()]

    def _match(self, accounts: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
        wanted = key.strip()
        for account in accounts:
            if str(account.get("username", "")).lower() == wanted.lower():
                return account
        for account in accounts:
            if account.get("home_account_id") == wanted:
                return account
        return None

    def _resolve(self, app: Any, key: str | None) -> dict[str, Any]:
        accounts = self._raw_accounts(app)
        if key:
            found = self._match(accounts, key)
            if found is None:
                raise NotSignedIn(f"No signed-in account matches {key!r}. {self._listing(accounts)}")
            return found
        if not accounts:
            raise NotSignedIn(self._nobody_message())
        if len(accounts) == 1:
            return accounts[0]
        selected = self._selected_id()
        for account in accounts:
            if account["home_account_id"] == selected:
                return account
        raise NotSignedIn(
            "Several accounts are signed in and none is selected: pass `account`, or call select-account. "
            + self._listing(accounts)
        )

    @staticmethod
    def _listing(accounts: list[dict[str, Any]]) -> str:
        if not accounts:
            return "No accounts are signed in."
        return "Signed-in accounts: " + ", ".join(f"{a.get('username')} ({a['home_account_id']})" for a in accounts)

    def select(self, key: str) -> AccountInfo:
        with self._session(persist=False) as session:
            accounts = self._raw_accounts(session.app)
            found = self._match(accounts, key)
            if found is None:
                raise LocalAuthError(f"No signed-in account matches {key!r}. {self._listing(accounts)}")
            self._save_selected(found["home_account_id"])
            return self._info(found, found["home_account_id"])

    def _save_selected(self, home_account_id: str | None) -> None:
        try:
            if home_account_id is None:
                self.store.delete(SELECTED_ACCOUNT)
            else:
                self.store.save(SELECTED_ACCOUNT, json.dumps({"accountId": home_account_id}))
        except CacheError as exc:
            raise LocalAuthError(f"The selected account could not be saved: {exc}") from None

    def remove(self, key: str) -> AccountInfo:
        with self._session() as session:
            accounts = session.app.get_accounts()
            found = self._match(accounts, key)
            if found is None:
                raise LocalAuthError(f"No signed-in account matches {key!r}. {self._listing(accounts)}")
            session.app.remove_account(found)
            if self._selected_id() == found["home_account_id"]:
                self._save_selected(None)
            return self._info(found, None)

    def logout(self) -> int:
        """Forget every account: delete the stored cache and selection (even an unreadable one)."""
        with self._lock, self.store.locked():
            count = 0
            if self._app is not None or self.client_id:
                with contextlib.suppress(LocalAuthError, CacheError):
                    count = len(self._msal().get_accounts()) if self._app is not None else 0
            try:
                self.store.delete(TOKEN_CACHE)
                self.store.delete(SELECTED_ACCOUNT)
            except CacheError as exc:
                raise LocalAuthError(f"The token cache could not be deleted: {exc}") from None
            if self._app is not None:
                self._app.token_cache.deserialize("")
            if self.pending is not None:
                self.pending.cancelled = True
            return count

    def check_pins(self) -> None:
        """Start-up: a pinned account that is not in the cache stops the server."""
        if not self.pins.active:
            return
        try:
            found = self.accounts()
        except LocalAuthError as exc:
            raise AuthConfigError(str(exc)) from None
        if not found:
            raise AuthConfigError(
                f"The pinned account {self.pins.describe()} is not in the token cache "
                f"({self.store.location}). Sign in as it first: ms365mcp --login"
            )

    # -- tokens --------------------------------------------------------------------------------
    def _nobody_message(self) -> str:
        if self.store.unreadable:
            return self.unreadable_message()
        if self.pins.active:
            return (
                f"The pinned account {self.pins.describe()} is not signed in. Run `ms365mcp --login` "
                "or call the login tool, and sign in as that account."
            )
        return f"{NOT_SIGNED_IN_MESSAGE} You can also call the login tool. {PERSONAL_ACCOUNTS_HINT}"

    def token(self, account: str | None = None) -> str:
        """A Graph access token for the account, refreshed through MSAL when it is (nearly) expired."""
        if not self.accounts():  # no MSAL (and no network) needed to say "sign in first"
            raise NotSignedIn(self._nobody_message())
        with self._session() as session:
            chosen = self._resolve(session.app, account)
            result = session.app.acquire_token_silent_with_error(self.scopes, account=chosen)
        if result and "access_token" in result:
            return str(result["access_token"])
        code = (result or {}).get("error") or "no_token"
        raise NotSignedIn(
            f"The sign-in for {chosen.get('username')} has expired or was revoked ({code}). Sign in again: "
            "run `ms365mcp --login` or call the login tool."
        )

    def identity(self, account: str | None = None, *, user: str | None = None) -> Identity:
        """An Identity whose token comes from this cache (refreshing as needed), for one account choice."""
        import anyio

        async def get_token() -> str:
            try:
                return await anyio.to_thread.run_sync(self.token, account)
            except LocalAuthError as exc:
                raise NotSignedIn(str(exc)) from None

        return Identity(
            get_token=get_token,
            user=user or account or "unverified",
            tenant="local",
            for_account=self.identity,
        )

    def default_user(self) -> str | None:
        """The username calls use by default, for the audit log (None when it can't be told)."""
        try:
            found = self.accounts()
        except LocalAuthError:
            return None
        if len(found) == 1:
            return found[0].username
        return next((a.username for a in found if a.selected), None)

    # -- sign-in ---------------------------------------------------------------------------------
    def _accept(self, result: dict[str, Any], session: _Session) -> AccountInfo:
        """Check a fresh token response against the pin, then keep (or discard) it."""
        if "access_token" not in result:
            session.persist = False
            code = result.get("error") or "unknown_error"
            if code in _DEVICE_CODE_ENDINGS:
                raise LocalAuthError(f"{_DEVICE_CODE_ENDINGS[code]} ({code}) {self._again()}")
            raise LocalAuthError(f"Sign-in failed ({code}). {_safe_description(result)}")
        claims = result.get("id_token_claims") or {}
        username = str(claims.get("preferred_username") or claims.get("upn") or "")
        accounts = session.app.get_accounts(username=username or None)
        account = next((a for a in accounts if a.get("username", "").lower() == username.lower()), None)
        if account is None:
            session.persist = False
            raise LocalAuthError("Sign-in finished but MSAL kept no account; nothing was saved.")
        if self.pins.active and not self.pins.matches(account):
            session.persist = False
            raise PinViolation(
                f"Signed in as {username}, but this server is pinned to {self.pins.describe()}; "
                "that sign-in was refused and not saved."
            )
        return self._info(account, account["home_account_id"])

    def _finish(self, account: AccountInfo) -> AccountInfo:
        """After saving: confirm the cache really holds the account, and select it if nothing is."""
        stored = {a.id: a for a in self.accounts()}
        if account.id not in stored:
            raise LocalAuthError(
                "Sign-in succeeded but the token cache did not keep it (is the cache store writable?)."
            )
        selected = self._selected_id()
        if selected is None or selected not in stored:
            self._save_selected(account.id)
        return attrs.evolve(stored[account.id], selected=self._selected_id() == account.id)

    def start_device_flow(self) -> dict[str, Any]:
        """Ask Entra for a device code; the returned flow holds the URL, the code and a message."""
        with self._lock:
            flow = self._msal().initiate_device_flow(scopes=self.scopes)
        if "user_code" not in flow:
            code = flow.get("error") or "unknown_error"
            raise LocalAuthError(f"Could not start the device-code sign-in ({code}). {_safe_description(flow)}")
        return flow

    def finish_device_flow(self, flow: dict[str, Any], *, cancelled: Callable[[], bool] = lambda: False) -> AccountInfo:
        """Poll until the person approves (or the code expires), then keep the account."""
        retriable = {"authorization_pending", "slow_down"}
        while True:
            if cancelled():
                raise LocalAuthError("The sign-in was cancelled.")
            with self._session(replace_unreadable=True) as session:
                result = session.app.acquire_token_by_device_flow(flow, exit_condition=lambda _flow: True)
                if result.get("error") in retriable:
                    session.persist = False
                else:
                    account = self._accept(result, session)
                    break
            if flow.get("expires_at", 0) < self.clock():
                raise LocalAuthError(f"{_DEVICE_CODE_ENDINGS['expired_token']} {self._again()}")
            self.sleep(max(1, int(flow.get("interval", 5))))
        return self._finish(account)

    def _again(self) -> str:
        return "Nothing was saved; start again with `ms365mcp --login` or the login tool."

    @property
    def login_hint(self) -> str:
        """What a person signing in should know about the tenant (personal accounts need ``consumers``)."""
        if self.sandbox_note:
            return self.sandbox_note
        if self.authority.rstrip("/").rsplit("/", 1)[-1].lower() == "consumers":
            return ""
        return PERSONAL_ACCOUNTS_HINT

    def login_device_code(self, say: Callable[[str], None]) -> AccountInfo:
        """The terminal experience of ``--login``: print the instructions, wait, report."""
        flow = self.start_device_flow()
        say(flow.get("message") or f"Open {flow['verification_uri']} and enter the code {flow['user_code']}")
        if self.login_hint:
            say(self.login_hint)
        say("Waiting for the sign-in to finish (Ctrl+C gives up)...")
        return self.finish_device_flow(flow)

    def begin_login(self) -> PendingLogin:
        """Start a device-code sign-in that completes in a background thread (the login tool)."""
        if self.pending is not None and self.pending.state == "pending":
            return self.pending
        flow = self.start_device_flow()
        pending = PendingLogin(
            user_code=flow["user_code"],
            verification_uri=flow.get("verification_uri") or flow.get("verification_url") or "",
            message=flow.get("message") or "",
        )
        self.pending = pending

        def run() -> None:
            try:
                pending.account = self.finish_device_flow(flow, cancelled=lambda: pending.cancelled)
                pending.state = "done"
            except (LocalAuthError, NotSignedIn) as exc:
                pending.state, pending.error = "failed", str(exc)
            except Exception as exc:  # the thread must always end in a state verify-login can report
                log.error("background sign-in failed: %s", type(exc).__name__)
                pending.state, pending.error = "failed", "The sign-in failed unexpectedly; see the server log."

        threading.Thread(target=run, name="ms365mcp-device-login", daemon=True).start()
        return pending

    def login_browser(self, say: Callable[[str], None] = lambda _msg: None) -> AccountInfo:
        """Sign in through the system browser with a loopback redirect (``--auth-browser``)."""
        receiver = LoopbackReceiver()
        try:
            redirect_uri = f"http://localhost:{receiver.port}"
            with self._lock:
                flow = self._msal().initiate_auth_code_flow(
                    self.scopes, redirect_uri=redirect_uri, response_mode="form_post"
                )
            say(f"Opening the browser to sign in; if it does not open, visit:\n{flow['auth_uri']}")
            if self.sandbox_note:
                say("Sandbox: choose a user on the emulator's consent page (no password).")
            self._open_browser(flow["auth_uri"])
            response = receiver.wait(self._browser_timeout)
        finally:
            receiver.close()
        if response is None:
            raise LocalAuthError("No answer came back from the browser in time; start again.")
        with self._session(replace_unreadable=True) as session:
            try:
                result = session.app.acquire_token_by_auth_code_flow(flow, response, scopes=self.scopes)
            except ValueError:
                session.persist = False
                raise LocalAuthError("The browser's answer did not match this sign-in (state mismatch).") from None
            account = self._accept(result, session)
        return self._finish(account)


@attrs.define
class _Session:
    app: Any
    persist: bool = True


def _display_names(data: dict[str, Any]) -> dict[str, str]:
    """Display names from the cached ID tokens, for list-accounts (MSAL's account records lack them).

    The ID tokens are our own cache's, already validated by MSAL when they arrived, so only the
    payload is read; nothing here is used for a security decision.
    """
    names: dict[str, str] = {}
    for entry in (data.get("IdToken") or {}).values():
        try:
            payload = str(entry["secret"]).split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        if isinstance(claims, dict) and isinstance(claims.get("name"), str) and entry.get("home_account_id"):
            names.setdefault(entry["home_account_id"], claims["name"])
    return names


#: How a device-code sign-in can end without a token, in words for the person.
_DEVICE_CODE_ENDINGS = {
    "expired_token": "The device code expired before anyone signed in.",
    "code_expired": "The device code expired before anyone signed in.",
    "authorization_declined": "The sign-in was declined at the verification page.",
    "bad_verification_code": "The device code was not recognised.",
}


def _safe_description(result: dict[str, Any]) -> str:
    """Entra's error description without trace ids, which say nothing to a person."""
    text = str(result.get("error_description") or "").split("\r\n")[0].split("\n")[0]
    return text[:300]


class LoopbackReceiver:
    """A one-shot HTTP listener on 127.0.0.1 that catches the browser's redirect."""

    def __init__(self) -> None:
        self._result: dict[str, str] | None = None
        self._done = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # response_mode=form_post: the code arrives in the body
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(dict(parse_qsl(self.rfile.read(min(length, 65536)).decode("utf-8", "replace"))))

            def do_GET(self) -> None:
                self._answer(dict(parse_qsl(urlsplit(self.path).query)))

            def _answer(self, query: dict[str, str]) -> None:
                if not query:
                    self.send_response(404)
                    self.end_headers()
                    return
                ok = "code" in query
                text = "Signed in. You can close this tab." if ok else "Sign-in failed. You can close this tab."
                body = f"<!doctype html><title>ms365mcp</title><p>{html.escape(text)}</p>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                outer._result = query
                outer._done.set()

            def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never log it
                return

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def wait(self, timeout: float) -> dict[str, str] | None:
        self._done.wait(timeout)
        return self._result

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
