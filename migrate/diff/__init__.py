"""The keyed diff of two snapshots (DuckDB SQL over both files)."""
