"""What Twenty does to a value before it stores it.

Sources (twentyhq/twenty): e-mails, `packages/twenty-server/src/engine/api/common/
common-args-processors/data-arg-processor/` (lower-case, punycode domain, full-width dots,
trailing dot; api.md §14.6); links, the same processor's LINKS transform (scheme and host
lower-cased, trailing slash dropped; api.md §5.2); DATE_TIME to UTC ISO-8601 with `Z`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit, urlunsplit

_FULLWIDTH_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidValue(ValueError):
    """A value that cannot be read as its field type; the caller words the server's message."""


def normalize_email(value: str) -> str:
    """Lower-case an e-mail, punycode its domain, fold full-width dots, drop a trailing dot."""
    text = value.strip().translate(_FULLWIDTH_DOTS).lower()
    if "@" not in text:
        return text.rstrip(".")
    local, _, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii") if domain else domain
    except UnicodeError:
        pass  # keep a domain IDNA cannot encode as given, as the server does not reject it
    return f"{local}@{domain}"


def normalize_link_url(value: str) -> str:
    """Lower-case the scheme and host of a URL and drop one trailing slash."""
    text = value.strip()
    if not text:
        return text
    parts = urlsplit(text)
    if parts.netloc:
        text = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))
    elif not parts.scheme and "/" in text:
        host, _, rest = text.partition("/")
        text = f"{host.lower()}/{rest}"
    elif not parts.scheme:
        text = text.lower()
    return text[:-1] if text.endswith("/") else text


def normalize_datetime(value: str) -> str:
    """Read an ISO-8601 timestamp (no zone means UTC, a bare date means midnight UTC) and
    write it as Twenty returns it: `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    text = value.strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidValue(value) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def normalize_date(value: str) -> str:
    """Read a date (or the date part of a timestamp) and write `YYYY-MM-DD`."""
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            return date.fromisoformat(text).isoformat()
        return normalize_datetime(text)[:10]
    except ValueError as exc:
        raise InvalidValue(value) from exc
