"""Snapshots: a whole workspace (from the API or from CSV exports) in one DuckDB file."""
