"""Run one tool call: validate, build the Graph request, send it, shape the answer, audit it."""

from __future__ import annotations

import copy
import logging
import traceback
from typing import Any

import attrs
import httpx

from ms365mcp.errors import ToolError, ToolInputError
from ms365mcp.graph.errors import GraphCallError, graph_error
from ms365mcp.graph.paging import PageLimits, fetch_remaining
from ms365mcp.graph.request import GraphRequest, build_request
from ms365mcp.graph.resilience import CircuitOpenError
from ms365mcp.graph.shaping import shape_response
from ms365mcp.identity import CURRENT_IDENTITY, NOT_SIGNED_IN_MESSAGE, Identity, NotSignedIn
from ms365mcp.runtime import Runtime

log = logging.getLogger("ms365mcp.executor")


class UnknownTool(LookupError):
    """The client named a tool this server does not offer (a protocol error, not a tool error)."""


@attrs.frozen
class ToolOutcome:
    """What a tool call produced: structured data, and whether it is an error."""

    data: dict[str, Any]
    is_error: bool = False


@attrs.frozen
class ToolCall:
    """What a logic tool's handler receives, with helpers that reuse the standard request path."""

    runtime: Runtime
    spec: Any
    args: dict[str, Any]
    identity: Identity

    async def send(self, request: GraphRequest) -> httpx.Response:
        """Send a request through the shared client and middleware as the caller."""
        return await self.runtime.graph.send(request, self.identity)

    async def graph(
        self, spec: Any = None, args: dict[str, Any] | None = None, headers: tuple[tuple[str, str], ...] = ()
    ) -> dict[str, Any]:
        """Run a spec's request (this tool's by default) with extra headers; raise on a Graph error."""
        spec = spec or self.spec
        request = build_request(spec, self.args if args is None else args, self.runtime.settings)
        if headers:
            request = attrs.evolve(request, headers=request.headers + headers)
        response = await self.send(request)
        if response.status_code >= 400:
            raise graph_error(response, spec, org_mode=self.runtime.settings.org_mode)
        return shape_response(response)


def _resolve_identity(runtime: Runtime) -> Identity:
    identity = CURRENT_IDENTITY.get() or runtime.default_identity
    if identity is None:
        raise NotSignedIn(NOT_SIGNED_IN_MESSAGE)
    return identity


def _error(message: str, code: str, **extra: Any) -> ToolOutcome:
    return ToolOutcome({"error": {"code": code, "message": message, **extra}}, is_error=True)


async def execute(runtime: Runtime, name: str, arguments: dict[str, Any] | None) -> ToolOutcome:
    """Run a tool by name; every failure the model can act on comes back as an error outcome."""
    spec = runtime.tools.get(name)
    if spec is None:
        raise UnknownTool(name)
    args = copy.deepcopy(arguments) if arguments else {}
    identity = CURRENT_IDENTITY.get() or runtime.default_identity
    user = identity.user if identity else "unverified"
    with runtime.audit.tool_call(tool=name, http_method=spec.method, user=user) as record:
        try:
            outcome = await _execute(runtime, spec, args)
        except Exception as exc:  # a bug (ours or a plugin's) must not end the session or leak its text
            _log_unexpected(name, exc)
            outcome = _error(INTERNAL_ERROR_MESSAGE, "internal_error", type="internal")
        if outcome.is_error:
            error = outcome.data.get("error", {})
            record.fail(error.get("type", "tool_error"), str(error.get("code", "error")))
        return outcome


async def _execute(runtime: Runtime, spec: Any, args: dict[str, Any]) -> ToolOutcome:
    problems = runtime.validators[spec.name].check(args)
    if problems:
        return _error(
            f"Invalid arguments for {spec.name}: " + "; ".join(p.text for p in problems),
            "invalid_arguments",
            type="invalid_arguments",
            field=problems[0].field,
        )
    try:
        identity = _resolve_identity(runtime)
        if identity.for_account is not None:  # local sign-in: the call's `account`, or the default one
            identity = identity.for_account(args.pop("account", None))
        if spec.prepare is not None:
            spec.prepare(args)
        if spec.handler is not None:
            result = await spec.handler(ToolCall(runtime=runtime, spec=spec, args=args, identity=identity))
            return ToolOutcome(result if isinstance(result, dict) else {"value": result})
        request = build_request(spec, args, runtime.settings)
        response = await runtime.graph.send(request, identity)
        if response.status_code >= 400:
            raise graph_error(response, spec, org_mode=runtime.settings.org_mode)
        data = shape_response(response)
        if args.get("fetchAllPages") and spec.is_list and data.get("nextLink"):
            limits = PageLimits(runtime.settings.max_pages, runtime.settings.max_items)
            data = await fetch_remaining(runtime.graph, identity, data, limits, request.headers, spec.api_version)
        return ToolOutcome(data)
    except ToolInputError as exc:
        return _error(str(exc), exc.code, type="invalid_arguments", field=exc.field)
    except NotSignedIn as exc:
        return _error(str(exc), "not_signed_in", type="auth")
    except GraphCallError as exc:
        payload = exc.payload
        payload["error"]["type"] = "graph_error"
        return ToolOutcome(payload, is_error=True)
    except ToolError as exc:
        return _error(str(exc), exc.code, type="tool_error")
    except httpx.TransportError as exc:
        code = getattr(exc, "code", None) or type(exc).__name__
        log.warning("Graph request for %s failed: %s", spec.name, type(exc).__name__)
        return _error(_network_message(exc), str(code), type="network")


INTERNAL_ERROR_MESSAGE = "The server hit an unexpected error while running this tool; its log has the details."


def _log_unexpected(tool: str, exc: BaseException) -> None:
    """Log where it failed (exception class and frames) but never the exception's text:
    it can quote Graph answers, mail content or addresses."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("tool %s failed unexpectedly with %s\n%s", tool, type(exc).__name__, frames.rstrip())


def _network_message(exc: Exception) -> str:
    if isinstance(exc, CircuitOpenError):  # its message says when calls resume, and names no content
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return "Microsoft Graph did not answer in time; try again, or narrow the request (top, select, filter)."
    return "Could not reach Microsoft Graph (network error); try again shortly."
