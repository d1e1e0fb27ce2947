"""graph-batch: several calls in one ``POST /$batch``, each one a call an enabled tool could make.

A batch must not be a way around the catalogue: the server's presets, ``--read-only``, org mode
and scope allow-list decide which tools exist, and so which requests are allowed. Every
sub-request therefore has to match the method and path template of an enabled plain tool, with
each id filling exactly one path segment, and only query options that tool accepts.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ms365mcp.errors import ToolError, ToolInputError
from ms365mcp.graph.errors import graph_error
from ms365mcp.graph.request import GraphRequest
from ms365mcp.graph.shaping import strip_odata

#: Graph's limit on requests in one batch.
MAX_REQUESTS = 20
_PLACEHOLDER = re.compile(r"\{[A-Za-z][A-Za-z0-9]*\}")
_ENCODED_BAD = re.compile(r"%(5c|00)", re.IGNORECASE)
#: Sub-request headers a caller may set; anything else (Authorization, Host) is refused.
ALLOWED_HEADERS = frozenset({"content-type", "consistencylevel", "prefer", "if-match", "if-none-match"})
_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
#: Paging and tracking options Graph writes into nextLinks; always acceptable on a list.
_PAGING_OPTIONS = frozenset({"$skiptoken", "$deltatoken", "$skip", "$top"})


def _segments(path: str, field: str) -> list[str]:
    """The raw segments of a relative Graph path; refuse hosts, traversal and encoded separators."""
    if "://" in path or path.startswith("//") or not path.startswith("/"):
        raise ToolInputError(field, "must be a relative Graph path such as /me/messages (no scheme, host or version)")
    if "\\" in path or "#" in path or any(ord(c) < 0x21 for c in path):
        raise ToolInputError(field, "must not contain backslashes, spaces, control characters or fragments")
    if _ENCODED_BAD.search(path):
        raise ToolInputError(field, "must not contain encoded backslashes or NULs (%5C, %00)")
    segments = path[1:].split("/")
    if segments and segments[0] in ("v1.0", "beta"):
        raise ToolInputError(field, "leave out the API version; the batch runs on v1.0")
    # An id may hold an encoded '/' (%2F) and stays one segment, but never a '.' or '..' part.
    if any(s == "" or part in (".", "..") for s in segments for part in unquote(s).split("/")):
        raise ToolInputError(field, "must not contain empty, '.' or '..' segments")
    return segments


def _segment_pattern(template: str) -> re.Pattern[str]:
    """A template segment such as ``{messageId}`` or ``$value``; ids may not contain '(' or "'"."""
    parts = _PLACEHOLDER.split(template)
    return re.compile("[^/()']+".join(re.escape(p) for p in parts) + r"\Z")


def _matches(template: str, segments: list[str]) -> bool:
    wanted = template.lstrip("/").split("/")
    if len(wanted) != len(segments):
        return False
    return all(_segment_pattern(w).match(s) for w, s in zip(wanted, segments, strict=True))


def find_tools(tools: dict[str, Any], method: str, segments: list[str]) -> list[Any]:
    """The enabled plain tools whose method and path template the request matches."""
    return [
        spec
        for spec in tools.values()
        if spec.handler is None and spec.method == method and _matches(spec.path, segments)
    ]


def _batchable(spec: Any) -> bool:
    """A $batch runs on v1.0 and carries JSON bodies; beta tools and binary uploads are called directly."""
    return spec.api_version == "v1.0" and (spec.content_type is None or spec.content_type.endswith("json"))


def _accepted_query(spec: Any) -> set[str]:
    names = {"$" + option for option in spec.query} | _PAGING_OPTIONS
    names |= {name for name, schema in spec.params.items() if schema.get("in") == "query"}
    return {name.lstrip("$").lower() for name in names}


def _check_query(specs: list[Any], query: str, field: str) -> None:
    """Every query option must be one that a matching tool accepts (``$`` optional, as in Graph)."""
    accepted = set().union(*(_accepted_query(spec) for spec in specs))
    for name, _ in parse_qsl(query, keep_blank_values=True):
        if name.lstrip("$").lower() not in accepted:
            raise ToolInputError(field, f"query option {name!r} is not accepted by {specs[0].name}")


def _check_headers(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ToolInputError(field, "expected an object of header names to values")
    for name, text in value.items():
        if str(name).lower() not in ALLOWED_HEADERS:
            raise ToolInputError(
                f"{field}.{name}", "only Content-Type, ConsistencyLevel, Prefer and If-Match are allowed"
            )
        if not isinstance(text, str) or "\n" in text or "\r" in text:
            raise ToolInputError(f"{field}.{name}", "must be a one-line string")
    return {str(k): v for k, v in value.items()}


def check_requests(tools: dict[str, Any], requests: Any) -> list[dict[str, Any]]:
    """Validate every sub-request against the enabled tools; return them in Graph's shape.

    Raises:
        ToolInputError: naming ``body.requests[i]...`` for the first sub-request that is refused.
    """
    if not isinstance(requests, list) or not requests:
        raise ToolInputError("body.requests", "give a list of 1 to 20 requests")
    if len(requests) > MAX_REQUESTS:
        raise ToolInputError("body.requests", f"has {len(requests)} requests; Graph takes at most {MAX_REQUESTS}")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, request in enumerate(requests):
        field = f"body.requests[{i}]"
        if not isinstance(request, dict):
            raise ToolInputError(field, "expected {id, method, url, body?, dependsOn?}")
        unknown = sorted(set(request) - {"id", "method", "url", "headers", "body", "dependsOn"})
        if unknown:
            raise ToolInputError(f"{field}.{unknown[0]}", "is not a batch request field")
        rid = str(request.get("id", i + 1))
        if not rid.strip() or rid in seen:
            raise ToolInputError(f"{field}.id", f"must be unique and non-empty (got {rid!r})")
        method = str(request.get("method", "GET")).upper()
        if method not in _METHODS:
            raise ToolInputError(f"{field}.method", f"must be one of {', '.join(_METHODS)}")
        url = request.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ToolInputError(f"{field}.url", "give a relative Graph path such as /me/events")
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            raise ToolInputError(f"{field}.url", "must be a relative Graph path, not an absolute URL")
        segments = _segments(parts.path, f"{field}.url")
        matching = find_tools(tools, method, segments)
        if not matching:
            raise ToolInputError(
                f"{field}.url",
                f"{method} {parts.path} does not match any enabled tool; only enabled tools can be batched",
            )
        usable = [spec for spec in matching if _batchable(spec)]
        if not usable:
            raise ToolInputError(f"{field}.url", f"call {matching[0].name} directly; it can't run inside a v1.0 batch")
        _check_query(usable, parts.query, f"{field}.url")
        spec = usable[0]
        headers = _check_headers(request.get("headers"), f"{field}.headers")
        entry: dict[str, Any] = {"id": rid, "method": method, "url": url}
        if "body" in request and request["body"] is not None:
            if spec.body is None:
                raise ToolInputError(f"{field}.body", f"{spec.name} takes no body")
            entry["body"] = request["body"]
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        elif spec.body is not None and spec.body_required:
            raise ToolInputError(f"{field}.body", f"{spec.name} needs a body")
        if headers:
            entry["headers"] = headers
        depends = request.get("dependsOn")
        if depends is not None:
            if isinstance(depends, str):
                depends = [depends]
            if not isinstance(depends, list) or any(str(d) not in seen for d in depends):
                raise ToolInputError(f"{field}.dependsOn", "must list ids of earlier requests in this batch")
            entry["dependsOn"] = [str(d) for d in depends]
        seen.add(rid)
        out.append(entry)
    return out


def _summary(responses: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for response in responses:
        status = str(response.get("status", "?"))
        counts[status] = counts.get(status, 0) + 1
    return counts


async def run_batch(call: Any) -> dict[str, Any]:
    """Send the checked batch and hand back the answers in request order."""
    body = call.args.get("body") or {}
    requests = check_requests(call.runtime.tools, body.get("requests"))
    response = await call.send(GraphRequest("POST", "/$batch", json={"requests": requests}))
    if response.status_code >= 400:
        raise graph_error(response, call.spec, org_mode=call.runtime.settings.org_mode)
    try:
        answers = response.json().get("responses", [])
    except (ValueError, AttributeError):
        raise ToolError("Graph answered the batch with something that is not JSON") from None
    order = {r["id"]: i for i, r in enumerate(requests)}
    answers = sorted(answers, key=lambda a: order.get(str(a.get("id")), len(order)))
    shaped = []
    for answer in answers:
        item: dict[str, Any] = {"id": answer.get("id"), "status": answer.get("status")}
        if answer.get("body") is not None:
            item["body"] = strip_odata(answer["body"])
        shaped.append(item)
    return {"responses": shaped, "statusCounts": _summary(shaped)}
