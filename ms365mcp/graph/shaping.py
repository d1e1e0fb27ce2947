"""Compact answers: Graph's JSON without OData noise, and non-JSON bodies as text or bytes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

# Annotations worth keeping, renamed to plain keys the model reads easily.
_RENAMED = {"@odata.nextLink": "nextLink", "@odata.deltaLink": "deltaLink", "@odata.count": "count"}
_DROPPED_PREFIXES = ("@odata.",)
_KEPT = {"@odata.type"}
_TEXT_TYPES = ("text/", "application/json", "application/xml", "message/rfc822")

#: Above this many bytes a binary answer is not inlined.
MAX_INLINE_BYTES = 4 * 1024 * 1024


def strip_odata(value: Any) -> Any:
    """Remove @odata.* annotations (etag, context, ...) recursively, keeping paging links and types."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _RENAMED:
                out[_RENAMED[key]] = item
            elif key in _KEPT or not key.startswith(_DROPPED_PREFIXES):
                out[key] = strip_odata(item)
        return out
    if isinstance(value, list):
        return [strip_odata(v) for v in value]
    return value


def shape_response(response: httpx.Response) -> dict[str, Any]:
    """Turn a successful Graph response into the structured content of a tool result."""
    if response.status_code == 204 or not response.content:
        shaped: dict[str, Any] = {"ok": True, "status": response.status_code}
        # 202 Accepted (copy, long-running jobs) points at where to watch the work: the model needs it.
        location = response.headers.get("location")
        if location:
            shaped["location"] = location
        return shaped
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.endswith("json"):
        try:
            data = response.json()
        except ValueError:
            return {"contentType": content_type, "content": response.text}
        data = strip_odata(data)
        return data if isinstance(data, dict) else {"value": data}
    if content_type.startswith(_TEXT_TYPES) or content_type.endswith(("+xml", "+json")):
        return {"contentType": content_type, "content": response.text}
    size = len(response.content)
    if size > MAX_INLINE_BYTES:
        return {
            "contentType": content_type,
            "size": size,
            "note": f"{size} bytes is too large to return inline; use a download tool instead",
        }
    return {
        "contentType": content_type,
        "size": size,
        "contentBytes": base64.b64encode(response.content).decode("ascii"),
    }


def compact_json(data: Any) -> str:
    """The text form of a result: JSON without spaces, non-ASCII kept readable."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
