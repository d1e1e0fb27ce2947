"""The MCP side: the low-level SDK server over stdio (and Streamable HTTP)."""
