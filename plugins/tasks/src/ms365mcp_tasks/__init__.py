"""Tasks workload for ms365mcp."""
