"""The Graph resilience middleware: per-attempt timeout, retry with backoff, per-tenant circuit breaker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import httpx
import pytest
import respx

from ms365mcp import hookimpl
from ms365mcp.graph import resilience
from ms365mcp.graph.resilience import (
    CircuitBreakerTransport,
    CircuitOpenError,
    RetryTransport,
    TimeoutTransport,
    build_transport,
    parse_retry_after,
)
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio

GRAPH = "http://graph.localhost/v1.0"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

Step = httpx.Response | Exception


class Script:
    """An inner transport that plays back responses or errors in order and counts attempts."""

    def __init__(self, *steps: Step, repeat_last: bool = True) -> None:
        self.steps = list(steps)
        self.repeat_last = repeat_last
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 or not self.repeat_last else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return _copy(step)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def _copy(response: httpx.Response) -> httpx.Response:
    # A fresh Response per attempt, so a repeated step is not a response that was already closed.
    if isinstance(response.stream, TrackedStream):
        return response
    return httpx.Response(response.status_code, headers=response.headers, content=response.content)


class TrackedStream(httpx.AsyncByteStream):
    """A response body that remembers whether it was read and closed."""

    def __init__(self, body: bytes = b'{"error": {"code": "x"}}') -> None:
        self.body = body
        self.read = False
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.read = True
        yield self.body

    async def aclose(self) -> None:
        self.closed = True


class Sleeps:
    """Injected sleep: records each delay instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class Clock:
    """Injected monotonic clock."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def retry(inner: httpx.AsyncBaseTransport, sleeps: Sleeps, rand: float = 0.5, **kwargs: object) -> RetryTransport:
    return RetryTransport(inner, sleep=sleeps, random=lambda: rand, now=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def request(method: str = "GET", path: str = "/me/messages", tenant: str | None = "tenant-a", **kw: object):
    extensions = {resilience.TENANT_EXTENSION: tenant} if tenant else {}
    return httpx.Request(method, GRAPH + path, extensions=extensions, **kw)  # type: ignore[arg-type]


def ok() -> httpx.Response:
    return httpx.Response(200, json={"value": []})


# --- Retry-After parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        (format_datetime(NOW + timedelta(seconds=42), usegmt=True), 42.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
        ("Sat, 01 Mar 2025 12:00:09 -0000", 9.0),
        (None, None),
        ("", None),
        ("-3", None),
        ("nan", None),
        ("soon", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


# --- retry ------------------------------------------------------------------------------------


async def test_429_on_post_is_retried_after_retry_after_seconds() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(202))
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps).handle_async_request(request("POST", content=b'{"a": 1}'))
    assert response.status_code == 202
    assert sleeps.delays == [3.0]
    assert [r.method for r in script.requests] == ["POST", "POST"]
    assert all(r.content == b'{"a": 1}' for r in script.requests)


async def test_http_date_retry_after_is_honoured() -> None:
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    script = Script(httpx.Response(429, headers={"Retry-After": when}), ok())
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps).handle_async_request(request())
    assert response.status_code == 200
    assert sleeps.delays == [12.0]


async def test_past_http_date_means_no_wait() -> None:
    when = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    script = Script(httpx.Response(429, headers={"Retry-After": when}), ok())
    sleeps = Sleeps()
    await retry(script.transport, sleeps).handle_async_request(request())
    assert sleeps.delays == [0.0]


@pytest.mark.parametrize("header", ["3600", format_datetime(NOW + timedelta(hours=2), usegmt=True)])
async def test_retry_after_is_capped_at_sixty_seconds(header: str) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": header}), ok())
    sleeps = Sleeps()
    await retry(script.transport, sleeps).handle_async_request(request())
    assert sleeps.delays == [60.0]


async def test_unusable_retry_after_falls_back_to_backoff() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "whenever"}), ok())
    sleeps = Sleeps()
    await retry(script.transport, sleeps, rand=0.5).handle_async_request(request())
    assert sleeps.delays == [pytest.approx(0.1)]


async def test_503_on_get_is_retried() -> None:
    script = Script(httpx.Response(503), httpx.Response(504), ok())
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps).handle_async_request(request())
    assert response.status_code == 200
    assert len(script.requests) == 3
    assert len(sleeps.delays) == 2


async def test_503_retry_after_is_honoured_for_get() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "4"}), ok())
    sleeps = Sleeps()
    await retry(script.transport, sleeps).handle_async_request(request("DELETE", "/me/messages/1"))
    assert sleeps.delays == [4.0]


@pytest.mark.parametrize("status", [503, 504])
async def test_503_and_504_on_post_are_sent_exactly_once(status: int) -> None:
    script = Script(httpx.Response(status, headers={"Retry-After": "1"}), httpx.Response(202))
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps).handle_async_request(request("POST", "/me/sendMail"))
    assert response.status_code == status
    assert len(script.requests) == 1
    assert sleeps.delays == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500, 502])
async def test_other_statuses_are_not_retried(status: int) -> None:
    script = Script(httpx.Response(status), ok())
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps).handle_async_request(request())
    assert response.status_code == status
    assert len(script.requests) == 1


async def test_network_error_on_get_is_retried() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ReadError("reset"), ok())
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps).handle_async_request(request("PUT", content=b"x"))
    assert response.status_code == 200
    assert len(script.requests) == 3


async def test_network_error_on_post_is_not_retried() -> None:
    error = httpx.ReadError("reset")
    script = Script(error, httpx.Response(202))
    sleeps = Sleeps()
    with pytest.raises(httpx.ReadError) as raised:
        await retry(script.transport, sleeps).handle_async_request(request("POST", "/me/sendMail", content=b"{}"))
    assert raised.value is error
    assert len(script.requests) == 1
    assert sleeps.delays == []


async def test_non_network_errors_are_not_retried() -> None:
    script = Script(RuntimeError("bug"), ok())
    with pytest.raises(RuntimeError):
        await retry(script.transport, Sleeps()).handle_async_request(request())
    assert len(script.requests) == 1


@pytest.mark.parametrize("rand", [0.0, 0.25, 0.999])
async def test_backoff_is_full_jitter_exponential_and_capped(rand: float) -> None:
    script = Script(httpx.Response(503))
    sleeps = Sleeps()
    transport = retry(script.transport, sleeps, rand=rand, max_retries=8, base_backoff_s=0.2, max_backoff_s=5.0)
    await transport.handle_async_request(request())
    ceilings = [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    assert sleeps.delays == pytest.approx([rand * c for c in ceilings])
    assert all(0 <= d < c for d, c in zip(sleeps.delays, ceilings, strict=True))


async def test_max_retries_returns_the_last_response() -> None:
    script = Script(
        httpx.Response(503, headers={"x-n": "1"}),
        httpx.Response(503, headers={"x-n": "2"}),
        httpx.Response(503, headers={"x-n": "3"}),
        httpx.Response(503, headers={"x-n": "4"}),
        ok(),
    )
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps, max_retries=3).handle_async_request(request())
    assert response.status_code == 503
    assert response.headers["x-n"] == "4"
    assert len(script.requests) == 4
    assert len(sleeps.delays) == 3


async def test_max_retries_raises_the_last_error() -> None:
    errors = [httpx.ConnectError(f"attempt {n}") for n in range(1, 5)]
    script = Script(*errors, ok())
    sleeps = Sleeps()
    with pytest.raises(httpx.ConnectError) as raised:
        await retry(script.transport, sleeps, max_retries=3).handle_async_request(request())
    assert raised.value is errors[-1]
    assert len(script.requests) == 4


async def test_zero_retries_sends_once() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}), ok())
    sleeps = Sleeps()
    response = await retry(script.transport, sleeps, max_retries=0).handle_async_request(request())
    assert response.status_code == 429
    assert len(script.requests) == 1


async def test_retried_responses_are_read_and_closed_but_the_last_is_not() -> None:
    bodies = [TrackedStream(), TrackedStream(), TrackedStream()]
    script = Script(*(httpx.Response(503, stream=b) for b in bodies), repeat_last=False)
    response = await retry(script.transport, Sleeps(), max_retries=2).handle_async_request(request())
    assert [(b.read, b.closed) for b in bodies[:2]] == [(True, True), (True, True)]
    assert not bodies[2].closed
    assert await response.aread() == bodies[2].body


class ConsumingTransport(httpx.AsyncBaseTransport):
    """Sends a streamed body straight out without buffering it, as a real network transport does."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for _chunk in request.stream:
            pass
        return httpx.Response(self.status)


async def test_streamed_body_is_never_retried() -> None:
    async def upload() -> AsyncIterator[bytes]:
        yield b"part"

    inner = ConsumingTransport(429)
    response = await retry(inner, Sleeps()).handle_async_request(request("PUT", content=upload()))
    assert response.status_code == 429
    assert inner.calls == 1


async def test_retry_logs_method_host_status_but_not_query_or_headers(caplog: pytest.LogCaptureFixture) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "2"}), ok())
    req = request("GET", "/me/messages?$search=salary", headers={"Authorization": "Bearer secret-token"})
    with caplog.at_level(logging.DEBUG, logger="ms365mcp.graph.resilience"):
        await retry(script.transport, Sleeps()).handle_async_request(req)
    text = caplog.text
    assert "GET graph.localhost gave 429; retry 1 of 3 in 2.000 s" in text
    assert "salary" not in text
    assert "/me/messages" not in text
    assert "secret-token" not in text


# --- timeout ----------------------------------------------------------------------------------


async def test_timeout_is_a_retriable_network_error_for_get() -> None:
    calls = 0

    async def slow_then_fast(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep(30)  # cancelled by the 10 ms attempt timeout
        return ok()

    sleeps = Sleeps()
    transport = retry(TimeoutTransport(httpx.MockTransport(slow_then_fast), timeout_s=0.01), sleeps)
    response = await transport.handle_async_request(request())
    assert response.status_code == 200
    assert calls == 2
    assert len(sleeps.delays) == 1


async def test_timeout_on_post_is_raised_not_retried() -> None:
    calls = 0

    async def hang(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await anyio.sleep(30)
        return ok()

    transport = retry(TimeoutTransport(httpx.MockTransport(hang), timeout_s=0.01), Sleeps())
    with pytest.raises(httpx.TimeoutException, match=r"did not answer within 0\.01 s"):
        await transport.handle_async_request(request("POST", "/me/sendMail"))
    assert calls == 1


class StallingStream(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"first"
        await anyio.sleep(30)
        yield b"never"


async def test_stalled_body_times_out() -> None:
    stalling = httpx.MockTransport(lambda r: httpx.Response(200, stream=StallingStream()))
    transport = TimeoutTransport(stalling, timeout_s=0.01)
    response = await transport.handle_async_request(request())
    with pytest.raises(httpx.ReadTimeout, match="stopped sending"):
        await response.aread()
    await response.aclose()


async def test_timeout_passes_a_prompt_body_through() -> None:
    transport = TimeoutTransport(httpx.MockTransport(lambda r: httpx.Response(200, content=b"hello")), timeout_s=5)
    response = await transport.handle_async_request(request())
    assert await response.aread() == b"hello"


# --- circuit breaker --------------------------------------------------------------------------


def breaker(inner: httpx.AsyncBaseTransport, clock: Clock, **kw: object) -> CircuitBreakerTransport:
    return CircuitBreakerTransport(inner, threshold=5, cooldown_s=30.0, monotonic=clock, **kw)  # type: ignore[arg-type]


class PerTenant:
    """Answers by tenant: a status, or an exception to raise."""

    def __init__(self, **answers: int | Exception) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        tenant = request.extensions.get(resilience.TENANT_EXTENSION, "unknown")
        self.calls.append(tenant)
        answer = self.answers[tenant.replace("-", "_")]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)


async def call(transport: httpx.AsyncBaseTransport, tenant: str = "tenant-a", method: str = "GET") -> int:
    return (await transport.handle_async_request(request(method, tenant=tenant))).status_code


async def test_breaker_opens_after_five_failed_calls_for_that_tenant_only() -> None:
    inner = PerTenant(tenant_a=500, tenant_b=200)
    clock = Clock()
    transport = breaker(httpx.MockTransport(inner), clock)
    for _ in range(5):
        assert await call(transport, "tenant-a") == 500
    with pytest.raises(CircuitOpenError) as raised:
        await call(transport, "tenant-a")
    assert inner.calls.count("tenant-a") == 5  # the sixth call never left
    assert raised.value.code == "circuit_open"
    assert raised.value.retry_in_s == 30.0
    assert "tenant-a" in str(raised.value) and "in 30.0 s" in str(raised.value)
    assert isinstance(raised.value, httpx.TransportError)
    assert transport.state("tenant-a", "graph.localhost") == "open"
    assert await call(transport, "tenant-b") == 200
    assert transport.state("tenant-b", "graph.localhost") == "closed"


async def test_breaker_counts_network_errors() -> None:
    transport = breaker(httpx.MockTransport(PerTenant(tenant_a=httpx.ConnectError("down"))), Clock())
    for _ in range(5):
        with pytest.raises(httpx.ConnectError):
            await call(transport)
    with pytest.raises(CircuitOpenError):
        await call(transport)


async def test_breaker_is_per_host() -> None:
    inner = PerTenant(tenant_a=503)
    transport = breaker(httpx.MockTransport(inner), Clock())
    for _ in range(5):
        await call(transport)
    other_host = httpx.Request("GET", "http://other.localhost/v1.0/me", extensions={"ms365mcp.tenant": "tenant-a"})
    assert (await transport.handle_async_request(other_host)).status_code == 503


async def test_missing_tenant_shares_the_unknown_circuit() -> None:
    transport = breaker(httpx.MockTransport(PerTenant(unknown=500)), Clock())
    for _ in range(5):
        await transport.handle_async_request(request(tenant=None))
    with pytest.raises(CircuitOpenError, match="tenant unknown"):
        await transport.handle_async_request(request(tenant=None))


@pytest.mark.parametrize("status", [429, 400, 401, 403, 404])
async def test_429_and_4xx_never_open_the_breaker(status: int) -> None:
    inner = PerTenant(tenant_a=status)
    transport = breaker(httpx.MockTransport(inner), Clock())
    for _ in range(20):
        assert await call(transport) == status
    assert len(inner.calls) == 20
    assert transport.state("tenant-a", "graph.localhost") == "closed"


async def test_success_resets_the_count() -> None:
    inner = PerTenant(tenant_a=500)
    transport = breaker(httpx.MockTransport(inner), Clock())
    for _ in range(4):
        await call(transport)
    inner.answers["tenant_a"] = 200
    await call(transport)
    inner.answers["tenant_a"] = 500
    for _ in range(4):
        await call(transport)
    assert transport.state("tenant-a", "graph.localhost") == "closed"
    await call(transport)
    assert transport.state("tenant-a", "graph.localhost") == "open"


async def test_half_open_probe_success_closes_the_circuit() -> None:
    inner = PerTenant(tenant_a=500)
    clock = Clock()
    transport = breaker(httpx.MockTransport(inner), clock)
    for _ in range(5):
        await call(transport)
    clock.t += 29.9
    with pytest.raises(CircuitOpenError) as raised:
        await call(transport)
    assert raised.value.retry_in_s == pytest.approx(0.1)
    clock.t += 0.1
    assert transport.state("tenant-a", "graph.localhost") == "half-open"
    inner.answers["tenant_a"] = 200
    assert await call(transport) == 200
    assert transport.state("tenant-a", "graph.localhost") == "closed"
    assert len(inner.calls) == 6
    assert await call(transport) == 200


async def test_half_open_probe_failure_reopens_for_a_new_cooldown() -> None:
    inner = PerTenant(tenant_a=502)
    clock = Clock()
    transport = breaker(httpx.MockTransport(inner), clock)
    for _ in range(5):
        await call(transport)
    clock.t += 30
    assert await call(transport) == 502  # the probe went through and failed
    assert len(inner.calls) == 6
    clock.t += 29
    with pytest.raises(CircuitOpenError) as raised:
        await call(transport)
    assert raised.value.retry_in_s == pytest.approx(1.0)
    assert len(inner.calls) == 6


async def test_half_open_lets_only_one_probe_through() -> None:
    release = anyio.Event()
    probe_started = anyio.Event()
    clock = Clock()
    failing = True

    async def handler(request: httpx.Request) -> httpx.Response:
        if failing:
            return httpx.Response(500)
        probe_started.set()
        await release.wait()
        return ok()

    transport = breaker(httpx.MockTransport(handler), clock)
    for _ in range(5):
        await call(transport)
    clock.t += 30
    failing = False
    results: list[int] = []

    async def probe() -> None:
        results.append(await call(transport))

    async with anyio.create_task_group() as tg:
        tg.start_soon(probe)
        await probe_started.wait()
        with pytest.raises(CircuitOpenError, match="trial call is in flight"):
            await call(transport)
        release.set()
    assert results == [200]
    assert transport.state("tenant-a", "graph.localhost") == "closed"


async def test_cancelled_probe_frees_the_probe_slot() -> None:
    clock = Clock()
    inner = PerTenant(tenant_a=500)
    transport = breaker(httpx.MockTransport(inner), clock)
    for _ in range(5):
        await call(transport)
    clock.t += 30
    inner.answers["tenant_a"] = ValueError("not about Graph")  # type: ignore[assignment]
    with pytest.raises(ValueError):
        await call(transport)
    inner.answers["tenant_a"] = 200
    assert await call(transport) == 200


# --- the hook and the stack -------------------------------------------------------------------


def plugin_manager(*extra: object):
    pm = make_plugin_manager(load_entrypoints=False, builtins=False)
    pm.register(resilience, name="ms365mcp.graph.resilience")
    for plugin in extra:
        pm.register(plugin)
    return pm


def layers(transport: httpx.AsyncBaseTransport) -> list[httpx.AsyncBaseTransport]:
    chain = [transport]
    while hasattr(chain[-1], "inner"):
        chain.append(chain[-1].inner)  # type: ignore[attr-defined]
    return chain


def test_hook_order_puts_timeout_innermost_and_breaker_outermost() -> None:
    base = httpx.MockTransport(lambda r: ok())
    settings = Settings(
        graph_timeout_ms=2500,
        graph_max_retries=2,
        graph_base_backoff_ms=100,
        graph_max_backoff_ms=1000,
        graph_retry_after_cap_ms=9000,
        circuit_threshold=7,
        circuit_cooldown_ms=4000,
    )
    outer, middle, inner, network = layers(build_transport(plugin_manager(), settings, base))
    assert isinstance(outer, CircuitBreakerTransport)
    assert (outer.threshold, outer.cooldown_s) == (7, 4.0)
    assert isinstance(middle, RetryTransport)
    assert (middle.max_retries, middle.base_backoff_s, middle.max_backoff_s, middle.retry_after_cap_s) == (
        2,
        0.1,
        1.0,
        9.0,
    )
    assert isinstance(inner, TimeoutTransport)
    assert inner.timeout_s == 2.5
    assert network is base


class Tagging(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, tag: str) -> None:
        self.inner, self.tag = inner, tag

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)


class ThirdParty:
    @hookimpl
    def register_graph_middleware(self, register: Callable[..., None]) -> None:
        register(lambda inner: Tagging(inner, "between retry and timeout"), order=15)
        register(lambda inner: Tagging(inner, "outermost"))


def test_third_party_middleware_is_placed_by_order() -> None:
    base = httpx.MockTransport(lambda r: ok())
    chain = layers(build_transport(plugin_manager(ThirdParty()), Settings(), base))
    kinds = [getattr(t, "tag", type(t).__name__) for t in chain]
    assert kinds == [
        "outermost",
        "CircuitBreakerTransport",
        "RetryTransport",
        "between retry and timeout",
        "TimeoutTransport",
        "MockTransport",
    ]


def test_disabled_breaker_is_not_registered() -> None:
    base = httpx.MockTransport(lambda r: ok())
    chain = layers(build_transport(plugin_manager(), Settings(circuit_disabled=True), base))
    assert [type(t) for t in chain] == [RetryTransport, TimeoutTransport, httpx.MockTransport]


async def test_disabled_breaker_never_opens() -> None:
    inner = PerTenant(tenant_a=500)
    settings = Settings(circuit_disabled=True, graph_max_retries=0)
    transport = build_transport(plugin_manager(), settings, httpx.MockTransport(inner))
    for _ in range(20):
        assert await call(transport) == 500
    assert len(inner.calls) == 20


class BadFactory:
    @hookimpl
    def register_graph_middleware(self, register: Callable[..., None]) -> None:
        register(lambda inner: "not a transport", order=40)


class BadOrder:
    @hookimpl
    def register_graph_middleware(self, register: Callable[..., None]) -> None:
        register(lambda inner: inner, order="first")


@pytest.mark.parametrize(("plugin", "message"), [(BadFactory(), "returned str"), (BadOrder(), "order must be an int")])
def test_build_transport_rejects_bad_middleware(plugin: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        build_transport(plugin_manager(plugin), Settings(), httpx.MockTransport(lambda r: ok()))


async def test_one_failed_call_is_one_breaker_failure_however_many_attempts() -> None:
    """The breaker sits outside retry: five calls of four attempts each open it, not two calls."""
    inner = PerTenant(tenant_a=503)
    settings = Settings(graph_max_retries=3, graph_base_backoff_ms=0)  # zero backoff: no real waiting
    transport = build_transport(plugin_manager(), settings, httpx.MockTransport(inner))
    for _ in range(4):
        assert await call(transport) == 503
    assert len(inner.calls) == 16
    assert layers(transport)[0].state("tenant-a", "graph.localhost") == "closed"  # type: ignore[attr-defined]
    await call(transport)
    with pytest.raises(CircuitOpenError):
        await call(transport)
    assert len(inner.calls) == 20


async def test_end_to_end_through_an_httpx_client_with_respx() -> None:
    router = respx.Router(base_url=GRAPH, assert_all_called=True)
    route = router.post("/me/sendMail").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(202)]
    )
    transport = build_transport(plugin_manager(), Settings(), httpx.MockTransport(router.async_handler))
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.post(
            GRAPH + "/me/sendMail", json={"message": {}}, extensions={resilience.TENANT_EXTENSION: "tenant-a"}
        )
    assert response.status_code == 202
    assert route.call_count == 2
    router.assert_all_called()
