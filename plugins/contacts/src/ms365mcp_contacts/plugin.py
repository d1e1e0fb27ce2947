"""Hook implementations of the contacts plugin."""
