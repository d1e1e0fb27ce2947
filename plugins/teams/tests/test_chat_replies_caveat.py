"""Graph v1.0 documents message replies for channels only; the chat-reply tools must say so plainly."""

from __future__ import annotations

from pathlib import Path

import pytest
from ms365mcp_teams.tools import TOOLS

SPECS = {spec.name: spec for spec in TOOLS}


@pytest.mark.parametrize(
    ("name", "instead"),
    [("list-chat-message-replies", "list-chat-messages"), ("reply-to-chat-message", "send-chat-message")],
)
def test_chat_reply_tools_warn_and_point_elsewhere(name: str, instead: str) -> None:
    description = SPECS[name].description
    assert "may refuse" in description and "chats" in description and instead in description
    assert instead in SPECS  # the tool we point to exists
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/teams.md", root / "plugins/teams/README.md"):
        (row,) = [line for line in doc.read_text().splitlines() if line.startswith(f"| `{name}` |")]
        assert "channel messages only" in row and f"`{instead}`" in row, doc.name
