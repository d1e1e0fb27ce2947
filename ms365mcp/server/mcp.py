"""The low-level MCP server: tools/list built once, tools/call through the executor."""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from ms365mcp import __version__
from ms365mcp.executor import INTERNAL_ERROR_MESSAGE, ToolOutcome, UnknownTool, execute
from ms365mcp.graph.shaping import compact_json
from ms365mcp.progress import CURRENT_REPORTER
from ms365mcp.runtime import Runtime

log = logging.getLogger("ms365mcp.server")

SERVER_NAME = "ms365mcp"

INSTRUCTIONS = (
    "Tools call Microsoft Graph as the signed-in Microsoft 365 user. Take ids from list/get results; "
    "never invent ids or addresses. List tools take OData options (select: comma-separated fields); keep top "
    "small and use select. Pass a result's nextLink back as nextLink for the next page; fetchAllPages follows "
    "it within server caps."
)
#: The instructions are sent on every connection; keep the whole text below this.
MAX_INSTRUCTIONS_CHARS = 700


def instructions_for(runtime: Runtime) -> str:
    """The base text plus only the sentences that are true for this server's settings and tools."""
    parts = [INSTRUCTIONS]
    paths = [spec.path for spec in runtime.tools.values()]
    if any(path.endswith("/messages") for path in paths):
        parts.append("Mail search is KQL (from:ann subject:budget), without filter, orderby or skip.")
    if runtime.settings.body_format == "text" and any("/messages" in p or "/events" in p for p in paths):
        parts.append("Mail and event bodies come back as plain text.")
    if runtime.settings.read_only:
        parts.append("Read-only: nothing can be sent, changed or deleted.")
    if runtime.account_names:
        # Said once here rather than in every schema: cheaper, and no address list in each tool.
        parts.append("Several accounts are signed in: pass `account` (a username from list-accounts) to pick one.")
    if not runtime.settings.org_mode:
        parts.append("Work-only tools (shared mailboxes, Teams, directory) need --org-mode.")
    return " ".join(parts)


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
        except Exception:  # execute() already turns tool failures into results; this is the last backstop
            log.error("tool call %s failed outside the tool", params.name[:100])
            outcome = ToolOutcome(
                {"error": {"code": "internal_error", "type": "internal", "message": INTERNAL_ERROR_MESSAGE}},
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
