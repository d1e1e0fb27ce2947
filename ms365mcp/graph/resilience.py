"""Graph resilience as httpx transport wrappers: per-attempt timeout, retry with backoff, circuit breaker.

Each layer is an ``httpx.AsyncBaseTransport`` that wraps another one, so the core's own
resilience is registered through ``register_graph_middleware`` exactly like a third-party
middleware would be. From the network outwards the built-in stack is::

    base transport  <-  TimeoutTransport (10)  <-  RetryTransport (20)  <-  CircuitBreakerTransport (30)

The timeout sits innermost so that it bounds every attempt separately; the breaker sits
outermost so that one failed call (after all its retries) counts as one failure.
"""

from __future__ import annotations

import logging
import math
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import anyio
import attrs
import httpx
import pluggy
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from ms365mcp import hookimpl
from ms365mcp.settings import Settings

__all__ = [
    "IDEMPOTENT_METHODS",
    "TENANT_EXTENSION",
    "CircuitBreakerTransport",
    "CircuitOpenError",
    "RetryTransport",
    "TimeoutTransport",
    "build_transport",
    "parse_retry_after",
    "register_graph_middleware",
]

log = logging.getLogger(__name__)

#: Request extension carrying the caller's tenant id; the breaker keeps one circuit per tenant and host.
TENANT_EXTENSION = "ms365mcp.tenant"

#: Methods that may be sent twice without changing the outcome, so server and network errors may be retried.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

#: Statuses worth retrying for idempotent methods; 429 is retried for every method (Graph did not act on it).
_RETRY_IDEMPOTENT_STATUSES = frozenset({503, 504})

#: Where a middleware lands when its plugin gives no ``order``: outside the built-ins.
DEFAULT_ORDER = 100

MiddlewareFactory = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


# --- timeout ---------------------------------------------------------------------------------


class TimeoutTransport(httpx.AsyncBaseTransport):
    """Bound one attempt: the wait for the response head, and then each wait for a body chunk.

    ``anyio.fail_after`` is used rather than httpx's per-operation timeouts because it also works
    for transports that ignore ``request.extensions["timeout"]`` (ASGI, mocks, plugins) and it
    bounds the whole exchange, including a connection pool wait. Expiry raises
    ``httpx.TimeoutException``, a ``TransportError``, so the retry layer treats it as a network error.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, timeout_s: float) -> None:
        self._inner = inner
        self.timeout_s = timeout_s

    @property
    def inner(self) -> httpx.AsyncBaseTransport:
        return self._inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            with anyio.fail_after(self.timeout_s):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise httpx.TimeoutException(
                f"Microsoft Graph did not answer within {self.timeout_s:g} s", request=request
            ) from None
        response.stream = _IdleTimeoutStream(response.stream, self.timeout_s, request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _IdleTimeoutStream(httpx.AsyncByteStream):
    """A response body whose every chunk must arrive within the timeout, so a stalled body cannot hang."""

    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, timeout_s: float, request: httpx.Request):
        self._inner = inner
        self._timeout_s = timeout_s
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if not isinstance(self._inner, httpx.AsyncByteStream):
            raise TypeError("the Graph transport returned a synchronous body to an async client")
        chunks = self._inner.__aiter__()
        while True:
            try:
                with anyio.fail_after(self._timeout_s):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise httpx.ReadTimeout(
                    f"Microsoft Graph stopped sending the response body for {self._timeout_s:g} s",
                    request=self._request,
                ) from None
            yield chunk

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncByteStream):
            await self._inner.aclose()


# --- retry -----------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or unusable.

    A date in the past means "now" (0). Negative or non-finite numbers are ignored, so the
    caller falls back to its own backoff instead of trusting a broken header.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse as naive; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


async def _discard(response: httpx.Response) -> None:
    """Drain and close a response we are about to retry, so its connection goes back to the pool."""
    try:
        await response.aread()
    except httpx.HTTPError:
        pass  # the body of a response we throw away does not matter; closing it does
    finally:
        await response.aclose()


class RetryTransport(httpx.AsyncBaseTransport):
    """Retry throttled and transiently failed attempts with full-jitter exponential backoff.

    429 is retried for every method, because Graph refused the request without acting on it.
    503, 504 and network errors (timeouts included) are retried only for idempotent methods: a
    POST that may have reached Graph is never sent twice. A request whose body cannot be
    replayed (a streamed upload) is never retried. ``Retry-After`` (seconds or HTTP-date) wins
    over the computed backoff and is capped. Once retries are used up the last response is
    returned, or the last error raised, unchanged.

    ``sleep``, ``random`` and ``now`` are injectable so tests can run without waiting.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        max_retries: int = 3,
        base_backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        retry_after_cap_s: float = 60.0,
        sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._inner = inner
        self.max_retries = max_retries
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self.retry_after_cap_s = retry_after_cap_s
        self._sleep = sleep
        self._random = random
        self._now = now

    @property
    def inner(self) -> httpx.AsyncBaseTransport:
        return self._inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A fresh controller per request: tenacity keeps per-run state on the object itself.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            retry=self._should_retry,
            wait=self._delay,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )
        return await retrying(self._inner.handle_async_request, request)

    def backoff(self, retry_index: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**retry_index)), retry_index 0 for the first retry."""
        ceiling = min(self.max_backoff_s, self.base_backoff_s * 2 ** min(retry_index, 32))
        return self._random() * ceiling

    def _should_retry(self, state: RetryCallState) -> bool:
        request: httpx.Request = state.args[0]
        outcome = state.outcome
        if outcome is None or not _replayable(request):
            return False
        idempotent = request.method.upper() in IDEMPOTENT_METHODS
        if outcome.failed:
            return idempotent and isinstance(outcome.exception(), httpx.TransportError)
        status = outcome.result().status_code
        return status == 429 or (idempotent and status in _RETRY_IDEMPOTENT_STATUSES)

    def _delay(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            retry_after = parse_retry_after(outcome.result().headers.get("Retry-After"), self._now())
            if retry_after is not None:
                return min(retry_after, self.retry_after_cap_s)
        return self.backoff(state.attempt_number - 1)

    async def _before_sleep(self, state: RetryCallState) -> None:
        request: httpx.Request = state.args[0]
        outcome = state.outcome
        assert outcome is not None  # tenacity only sleeps after an attempt
        if outcome.failed:
            reason = type(outcome.exception()).__name__
        else:
            response = outcome.result()
            reason = str(response.status_code)
            await _discard(response)
        # Method and host only: the path and query may carry ids or search terms, headers carry the token.
        log.debug(
            "Graph %s %s gave %s; retry %d of %d in %.3f s",
            request.method,
            request.url.host,
            reason,
            state.attempt_number,
            self.max_retries,
            state.upcoming_sleep,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def _replayable(request: httpx.Request) -> bool:
    """True when the body can be sent again.

    httpx keeps in-memory bodies (bytes, json=, data=) as a ByteStream, and swaps a streamed body
    for one once something has buffered it; a streamed body sent straight to the network is gone.
    """
    return isinstance(request.stream, httpx.ByteStream)


# --- circuit breaker -------------------------------------------------------------------------


class CircuitOpenError(httpx.TransportError):
    """Graph calls for this tenant and host are paused after repeated failures; nothing was sent.

    ``code`` is ``"circuit_open"``; ``retry_in_s`` says how long until one probe call is let through.
    """

    code = "circuit_open"

    def __init__(self, tenant: str, host: str, failures: int, retry_in_s: float, *, request: httpx.Request) -> None:
        if retry_in_s > 0:
            when = f"the next call is let through in {retry_in_s:.1f} s"
        else:
            when = "a trial call is in flight; try again in a moment"
        super().__init__(
            f"Microsoft Graph calls to {host} for tenant {tenant} are paused after {failures} consecutive "
            f"failures; {when}.",
            request=request,
        )
        self.tenant, self.host, self.failures, self.retry_in_s = tenant, host, failures, retry_in_s


@attrs.define
class _Circuit:
    """Failure bookkeeping for one (tenant, host); absent from the board means healthy."""

    failures: int = 0
    opened_at: float | None = None
    probing: bool = False


class CircuitBreakerTransport(httpx.AsyncBaseTransport):
    """Fail fast for a (tenant, Graph host) whose calls keep failing, then probe with one call.

    Counts 5xx responses and network errors of whole calls (it sits outside the retry layer),
    so ``threshold`` consecutive failed calls open the circuit. Any answer below 500 (a 4xx or a
    429 included) shows Graph is up: it never counts as a failure and it resets the count. When
    open, calls raise :class:`CircuitOpenError` until ``cooldown_s`` has passed; then a single
    probe is let through (half-open): success closes the circuit, failure re-opens it for
    another cooldown. Circuits are per tenant, so one tenant's outage never blocks another.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        threshold: int = 5,
        cooldown_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._monotonic = monotonic
        self._circuits: dict[tuple[str, str], _Circuit] = {}

    @property
    def inner(self) -> httpx.AsyncBaseTransport:
        return self._inner

    def state(self, tenant: str, host: str) -> str:
        """``closed``, ``open`` or ``half-open`` (cooldown over, or a probe in flight), for logs and tests."""
        circuit = self._circuits.get((tenant, host))
        if circuit is None or circuit.opened_at is None:
            return "closed"
        if circuit.probing or self._monotonic() - circuit.opened_at >= self.cooldown_s:
            return "half-open"
        return "open"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (str(request.extensions.get(TENANT_EXTENSION, "unknown")), request.url.host)
        probe = self._admit(key, request)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError:
            self._failed(key, probe)
            raise
        except BaseException:
            # Cancelled or broken for reasons that say nothing about Graph: free the probe slot only.
            if probe and (circuit := self._circuits.get(key)) is not None:
                circuit.probing = False
            raise
        if response.status_code >= 500:
            self._failed(key, probe)
        else:
            self._circuits.pop(key, None)
        return response

    def _admit(self, key: tuple[str, str], request: httpx.Request) -> bool:
        """Let the call through or raise; True when the call is the half-open probe."""
        circuit = self._circuits.get(key)
        if circuit is None or circuit.opened_at is None:
            return False
        remaining = self.cooldown_s - (self._monotonic() - circuit.opened_at)
        if remaining > 0 or circuit.probing:
            raise CircuitOpenError(*key, circuit.failures, max(0.0, remaining), request=request)
        circuit.probing = True
        return True

    def _failed(self, key: tuple[str, str], probe: bool) -> None:
        circuit = self._circuits.setdefault(key, _Circuit())
        circuit.failures += 1
        # A failed probe re-opens for a new cooldown; calls already in flight when it opened only add to the count.
        if probe or (circuit.opened_at is None and circuit.failures >= self.threshold):
            circuit.opened_at = self._monotonic()
            circuit.probing = False
            log.warning(
                "Graph circuit for tenant %s at %s opened after %d consecutive failures; pausing %g s",
                key[0],
                key[1],
                circuit.failures,
                self.cooldown_s,
            )

    async def aclose(self) -> None:
        await self._inner.aclose()


# --- registration ----------------------------------------------------------------------------


@hookimpl
def register_graph_middleware(register: Callable[..., None], settings: Settings) -> None:
    """The built-in stack: timeout (10) innermost, retry (20), circuit breaker (30) outermost."""
    register(lambda inner: TimeoutTransport(inner, timeout_s=settings.graph_timeout_ms / 1000), order=10)
    register(
        lambda inner: RetryTransport(
            inner,
            max_retries=settings.graph_max_retries,
            base_backoff_s=settings.graph_base_backoff_ms / 1000,
            max_backoff_s=settings.graph_max_backoff_ms / 1000,
            retry_after_cap_s=settings.graph_retry_after_cap_ms / 1000,
        ),
        order=20,
    )
    if not settings.circuit_disabled:
        register(
            lambda inner: CircuitBreakerTransport(
                inner, threshold=settings.circuit_threshold, cooldown_s=settings.circuit_cooldown_ms / 1000
            ),
            order=30,
        )


def build_transport(
    pm: pluggy.PluginManager, settings: Settings, base: httpx.AsyncBaseTransport
) -> httpx.AsyncBaseTransport:
    """Stack every registered Graph middleware around ``base``, lowest ``order`` closest to the network.

    Build it once per process: the circuit breaker's state lives in the transport it returns.
    Middleware with equal order keep the order in which they were registered.

    Raises:
        TypeError: a factory or ``order`` is of the wrong type, or a factory returned something
            that is not an ``httpx.AsyncBaseTransport``.
    """
    entries: list[tuple[int, int, MiddlewareFactory]] = []

    def register(factory: MiddlewareFactory, order: int = DEFAULT_ORDER) -> None:
        if not callable(factory):
            raise TypeError(f"register_graph_middleware: {factory!r} is not callable")
        if not isinstance(order, int) or isinstance(order, bool):
            raise TypeError(f"register_graph_middleware: order must be an int, got {order!r}")
        entries.append((order, len(entries), factory))

    pm.hook.register_graph_middleware(register=register, settings=settings)
    transport = base
    for _order, _seq, factory in sorted(entries, key=lambda entry: entry[:2]):
        wrapped = factory(transport)
        if not isinstance(wrapped, httpx.AsyncBaseTransport):
            raise TypeError(
                f"Graph middleware {factory!r} returned {type(wrapped).__name__}, not an AsyncBaseTransport"
            )
        transport = wrapped
    return transport
