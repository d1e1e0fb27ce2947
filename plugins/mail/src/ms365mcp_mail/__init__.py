"""Outlook mail for ms365mcp: the mail tools, the ``mail`` preset and the sandbox mailbox."""
