"""The low-level MCP server: tools/list built once, tools/call through the executor."""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from ms365mcp import __version__
from ms365mcp.executor import ToolOutcome, UnknownTool, execute
from ms365mcp.graph.shaping import compact_json
from ms365mcp.progress import CURRENT_REPORTER
from ms365mcp.runtime import Runtime

log = logging.getLogger("ms365mcp.server")

SERVER_NAME = "ms365mcp"

INSTRUCTIONS = (
    "Tools call Microsoft Graph for the signed-in Microsoft 365 user. "
    "Ids come from list/get tools; never invent them or e-mail addresses. "
    "List tools take OData options: top (page size), skip, filter, search, orderby, select (comma fields), "
    "count, expand; keep top small and use select. A result's nextLink goes back as nextLink for the next page; "
    "fetchAllPages follows it within server caps. Mail search is KQL (e.g. from:ann subject:budget) and can't be "
    "combined with filter. Bodies of mail and events come back as plain text."
)


def instructions_for(runtime: Runtime) -> str:
    text = INSTRUCTIONS
    if runtime.settings.read_only:
        text += " This server is read-only: nothing can be sent, changed or deleted."
    if runtime.account_names:
        # Said once here rather than in every schema: cheaper, and no address list in each tool.
        text += (
            " Several accounts are signed in: tools take `account` (a username from list-accounts);"
            " without it the selected account is used."
        )
    if not runtime.settings.org_mode:
        text += " Work-only tools (shared mailboxes, Teams, directory) need --org-mode."
    return text


def to_result(outcome: ToolOutcome) -> types.CallToolResult:
    data = outcome.data
    content: list[Any] = []
    resource = data.get("_resource") if isinstance(data, dict) else None
    if isinstance(resource, dict):
        # Binary bytes (download-bytes) travel once, as an embedded blob; the JSON only describes them.
        data = {k: v for k, v in data.items() if k != "_resource"}
        content.append(types.TextContent(type="text", text=compact_json(data)))
        blob = types.BlobResourceContents(
            uri=resource["uri"], mime_type=resource.get("mimeType"), blob=resource["blob"]
        )
        content.append(types.EmbeddedResource(type="resource", resource=blob))
    else:
        content.append(types.TextContent(type="text", text=compact_json(data)))
    return types.CallToolResult(content=content, structured_content=data, is_error=outcome.is_error)


def build_server(runtime: Runtime) -> Server:
    """One Server for the process: its tool list and schemas never change after start-up."""
    list_result = types.ListToolsResult(tools=[types.Tool.model_validate(d) for d in runtime.tool_definitions])
    schemas = {d["name"]: d["inputSchema"] for d in runtime.tool_definitions}

    async def list_tools(ctx: ServerRequestContext, params: types.PaginatedRequestParams | None) -> Any:
        return list_result

    async def call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
        async def progress(done: float, total: float | None, message: str | None) -> None:
            await ctx.session.report_progress(done, total, message)

        reset = CURRENT_REPORTER.set(progress)
        try:
            outcome = await execute(runtime, params.name, params.arguments)
        except UnknownTool:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name[:100]}") from None
        except Exception:  # never leak internals (or Graph text with PII) as a protocol error
            log.exception("tool %s failed unexpectedly", params.name)
            outcome = ToolOutcome(
                {
                    "error": {
                        "code": "internal_error",
                        "type": "internal",
                        "message": "The server hit an unexpected error; see its log.",
                    }
                },
                is_error=True,
            )
        finally:
            CURRENT_REPORTER.reset(reset)
        return to_result(outcome)

    return Server(
        SERVER_NAME,
        version=__version__,
        instructions=instructions_for(runtime),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=schemas.get,
    )
