"""Hook implementations of the files plugin."""
