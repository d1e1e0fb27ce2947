"""Files workload for ms365mcp."""
