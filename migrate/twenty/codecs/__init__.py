"""Field-value codecs shared by the client and the emulator.

`normalize` holds what Twenty's server does to a value when it stores it (lower-cased e-mails,
normalised link URLs, UTC timestamps), so the emulator stores what Twenty stores and a diff can
compare two workspaces the same way.
"""

from __future__ import annotations

from migrate.twenty.codecs.normalize import (
    InvalidValue,
    normalize_date,
    normalize_datetime,
    normalize_email,
    normalize_link_url,
)

__all__ = [
    "InvalidValue",
    "normalize_date",
    "normalize_datetime",
    "normalize_email",
    "normalize_link_url",
]
