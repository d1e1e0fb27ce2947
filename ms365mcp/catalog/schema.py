"""Compact input schemas and MCP tool definitions built from ToolSpecs.

Every byte here is paid on every turn of every conversation, so the schemas carry no
descriptions for the common OData options (the server instructions explain them once).
"""

from __future__ import annotations

from typing import Any

from ms365mcp.catalog.spec import ODATA_OPTIONS, ToolSpec

_ODATA_SCHEMAS: dict[str, dict[str, Any]] = {
    "top": {"type": "integer", "minimum": 1},
    "skip": {"type": "integer", "minimum": 0},
    "filter": {"type": "string"},
    "search": {"type": "string"},
    "orderby": {"type": "string"},
    "select": {"type": "string"},
    "count": {"type": "boolean"},
    "expand": {"type": "string"},
}


def input_schema(spec: ToolSpec, *, account_param: bool = False) -> dict[str, Any]:
    """The JSON schema of a tool's arguments."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for name in spec.path_params:
        props[name] = {"type": "string"}
        required.append(name)
    for option in ODATA_OPTIONS:
        if option in spec.query:
            props[option] = dict(_ODATA_SCHEMAS[option])
    if spec.is_list:
        props["fetchAllPages"] = {"type": "boolean"}
        props["nextLink"] = {"type": "string"}
    for name, schema in spec.params.items():
        props[name] = dict(schema)
        props[name].pop("in", None)  # where the request builder sends it; not part of the schema
        if schema.get("required") is True:  # a convenience flag on extra params
            props[name].pop("required")
            required.append(name)
    if spec.body is not None:
        props["body"] = dict(spec.body)
        if spec.body_required:
            required.append("body")
    if account_param:
        props["account"] = {"type": "string"}
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def annotations(spec: ToolSpec) -> dict[str, bool]:
    """MCP hints from the method: reads are read-only; DELETE destroys; PUT/PATCH/DELETE repeat safely."""
    if spec.is_read_only:
        return {"readOnlyHint": True}
    return {
        "readOnlyHint": False,
        "destructiveHint": spec.method in ("DELETE", "PATCH", "PUT"),
        "idempotentHint": spec.method in ("DELETE", "PATCH", "PUT"),
    }


def tool_definition(spec: ToolSpec, *, account_param: bool = False) -> dict[str, Any]:
    """The tools/list entry for a spec, in wire (camelCase) form."""
    description = spec.description
    if spec.api_version == "beta":
        description = "[beta] " + description
    return {
        "name": spec.name,
        "description": description,
        "inputSchema": input_schema(spec, account_param=account_param),
        "annotations": annotations(spec),
    }
