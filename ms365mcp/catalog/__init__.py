"""The tool catalogue: declarative tool specs, their input schemas, filters and permissions."""
