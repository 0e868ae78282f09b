"""System checks for the core app (calendar coverage, settings sanity)."""
