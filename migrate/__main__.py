"""`python -m migrate` runs the `twenty-migrate` command."""

from migrate.cli import app

app()
