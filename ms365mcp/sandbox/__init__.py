"""An offline Microsoft 365 tenant that answers like Graph, for newcomers, tests and benchmarks.

It never replaces Graph in normal runs: it serves only when ``--sandbox`` is given, when
``ms365mcp sandbox --port N`` runs, or when a test builds one.
"""
