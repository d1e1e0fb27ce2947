"""Hook implementations of the calendar plugin."""
