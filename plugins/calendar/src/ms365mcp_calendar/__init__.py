"""Calendar workload for ms365mcp."""
