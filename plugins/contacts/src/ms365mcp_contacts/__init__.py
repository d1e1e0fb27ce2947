"""Contacts workload for ms365mcp."""
