"""Directory workload for ms365mcp."""
