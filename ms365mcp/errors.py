"""Errors a tool call can end with; each becomes an MCP error result the model can act on."""

from __future__ import annotations


class ToolError(Exception):
    """A failure the model can fix or report; ``code`` goes to the audit log, the message to the model."""

    code = "tool_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ToolInputError(ToolError):
    """Bad input: the message names the field and what was expected."""

    code = "invalid_arguments"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
