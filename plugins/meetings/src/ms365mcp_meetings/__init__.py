"""Meetings workload for ms365mcp."""
