"""The one exception tree of twenty-migrate.

    MigrateError                    every error the library raises on purpose
    ├── ConfigError                 a setting is missing or malformed (names the key and where it was looked for)
    ├── EmulatorError               the emulator was asked for something it cannot do
    ├── InputError                  a file we were given is unreadable (path, row, column)
    ├── SnapshotError               a snapshot could not be taken or read
    │   └── SnapshotFileError       (also an InputError) a file given as a snapshot is not one this version reads
    ├── PlanError                   a plan cannot be carried out as it stands (blocking items, stale snapshot)
    └── TwentyError                 talking to a Twenty server failed
        ├── TwentyUnreachable       no answer: DNS, refused, timeout, dropped connection, not Twenty
        ├── TwentyAuthError         the API key was refused (401/403)
        ├── TwentyRateLimited       429; `retry_after` in seconds when the server said
        ├── TwentyQuotaExhausted    402 or QUOTA_EXHAUSTED: retrying cannot help
        ├── TwentyUnsupportedVersion the server's version is outside the supported range
        └── TwentyAPIError          any other error reply (status, code, messages, method, path)
            ├── TwentyValidationError   400: the server refused the input
            ├── TwentyNotFound          404
            └── TwentyServerError       5xx

Messages are sentences: what failed, for what, and what to do next. Context is in attributes.
No message ever holds an API key: URLs in messages are shown without credentials or query.
"""

from __future__ import annotations


class MigrateError(Exception):
    """Root of every error twenty-migrate raises on purpose; the CLI catches only this."""


class ConfigError(MigrateError):
    """A setting is missing or malformed."""


class EmulatorError(MigrateError):
    """The emulator cannot do what it was asked (an unknown seed name, a bad option)."""


class InputError(MigrateError):
    """A file we were given cannot be read as expected."""

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.row = row
        self.column = column


class SnapshotError(MigrateError):
    """A snapshot could not be taken, or a snapshot file cannot be read."""


class SnapshotFileError(InputError, SnapshotError):
    """A file given as a snapshot is missing, not a snapshot, or of a format this version does not
    read: an input the person must change (exit 2), not a failed run."""


class PlanError(MigrateError):
    """A plan cannot be carried out as it stands: blocking items, or its snapshot changed."""


class TwentyError(MigrateError):
    """Talking to a Twenty server failed."""

    def __init__(self, message: str, *, url: str | None = None, object_name: str | None = None, record_id: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.object_name = object_name
        self.record_id = record_id


class TwentyUnreachable(TwentyError):
    """The server did not answer, or what answered is not a Twenty server."""


class TwentyAuthError(TwentyError):
    """The server refused the API key."""


class TwentyRateLimited(TwentyError):
    """429: too many requests; `retry_after` seconds when the server said so."""

    def __init__(self, message: str, *, retry_after: float | None = None, **context: str | None) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class TwentyQuotaExhausted(TwentyError):
    """402 or QUOTA_EXHAUSTED: the workspace's allowance is used up; retrying cannot help."""


class TwentyUnsupportedVersion(TwentyError):
    """The server runs a Twenty version this tool does not support."""


class TwentyAPIError(TwentyError):
    """An error reply: HTTP status, Twenty's `error` code and `messages`, the request made."""

    def __init__(self, message: str, *, status: int, code: str | None, messages: list[str], method: str, path: str, field: str | None = None,
                 **context: str | None) -> None:
        super().__init__(message, **context)
        self.status = status
        self.code = code
        self.messages = messages
        self.method = method
        self.path = path
        self.field = field


class TwentyValidationError(TwentyAPIError):
    """400: the server refused the input (or, Twenty being Twenty, failed on it)."""


class TwentyNotFound(TwentyAPIError):
    """404: no such record or route."""


class TwentyServerError(TwentyAPIError):
    """5xx: the server failed; worth retrying."""
