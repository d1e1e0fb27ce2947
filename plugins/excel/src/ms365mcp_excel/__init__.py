"""Excel workload for ms365mcp."""
