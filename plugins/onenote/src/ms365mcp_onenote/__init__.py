"""Onenote workload for ms365mcp."""
