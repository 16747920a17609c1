"""The one exception tree of twenty-migrate.

    MigrateError                 every error the library raises on purpose
    ├── ConfigError              a setting is missing or malformed (names the key and where it was looked for)
    └── EmulatorError            the emulator was asked for something it cannot do (bad seed, bad port)

Later issues add the client (`TwentyError` and its children), snapshot, plan and apply errors
here, each only when some caller catches it differently. Messages are sentences: what failed,
for what, and what to do next. No message ever holds an API key.
"""

from __future__ import annotations


class MigrateError(Exception):
    """Root of every error twenty-migrate raises on purpose; the CLI catches only this."""


class ConfigError(MigrateError):
    """A setting is missing or malformed."""


class EmulatorError(MigrateError):
    """The emulator cannot do what it was asked (an unknown seed name, a bad option)."""
