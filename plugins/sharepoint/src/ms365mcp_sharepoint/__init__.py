"""Sharepoint workload for ms365mcp."""
