"""Teams workload for ms365mcp."""
