"""Hook implementations of the excel plugin."""
