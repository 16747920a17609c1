"""Where a Twenty server is and how to authenticate: built once, passed down as arguments.

No other module reads `os.environ`. An API key lives in a `Secret`, whose repr and str are
masked; `reveal()` is called in one place, the `httpx.Auth` that sets the bearer header
(`migrate/twenty/auth.py`). URLs are checked here and stored without credentials.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from migrate.errors import ConfigError


class Secret:
    """A value that never shows itself in a repr, a str, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")


def public_url(url: str) -> str:
    """A URL as it may appear in a log, a snapshot or a report: no credentials, no query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def check_base_url(url: str, *, name: str = "--url") -> str:
    """A Twenty base URL: http(s), a host, no credentials, no query; returned without a trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be a URL such as https://api.twenty.com or http://localhost:3000, got {public_url(url)!r}.")
    if parts.username or parts.password:
        raise ConfigError(f"{name} must not carry credentials; put the API key in the environment instead.")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not carry a query string or fragment ({public_url(url)}).")
    return public_url(url)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A Twenty server and the key to reach it."""

    url: str
    api_key: Secret

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", check_base_url(self.url))


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How hard to push a server. The rate sits below Twenty's documented 100 requests a
    minute (Cloud held some workspaces to 50 in 2026: lower it with --rate)."""

    requests_per_minute: float = 90.0
    max_in_flight: int = 4
    page_size: int = 200
    batch_size: int = 200
    timeout_seconds: float = 60.0
    max_attempts: int = 8
    max_retry_seconds: float = 600.0


def api_key_from_env(variable: str, environ: Mapping[str, str] | None = None) -> Secret:
    """The API key held by an environment variable, or a ConfigError naming it."""
    value = (os.environ if environ is None else environ).get(variable, "").strip()
    if not value:
        raise ConfigError(f"No API key: set the environment variable {variable} (Settings > APIs & Webhooks in Twenty creates one).")
    return Secret(value)
