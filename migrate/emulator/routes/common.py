"""Request parsing shared by the REST and metadata routes."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from migrate.emulator.envelopes import bad_request
from migrate.emulator.records import Caller
from migrate.emulator.workspace import Workspace

_LEADING_INT = re.compile(r"^\s*[+-]?\d+")


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace  # type: ignore[no-any-return]


def caller(request: Request) -> Caller:
    return request.scope["state"]["caller"]  # type: ignore[no-any-return]


async def json_body(request: Request) -> Any:
    """The JSON body; malformed JSON is a 400 worded like Node's JSON.parse, as Express does."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        position = getattr(exc, "pos", 0)
        raise bad_request(f"Unexpected token in JSON at position {position}") from None


def parse_limit(raw: str | None) -> int | None:
    """`limit`: JavaScript parseInt; NaN or negative is a 400, above the cap is clamped later."""
    if raw is None:
        return None
    match = _LEADING_INT.match(raw)
    value = int(match.group(0)) if match else None
    if value is None or value < 0:
        raise bad_request(f"limit '{raw}' is invalid. Should be an integer")
    return value


def parse_depth(raw: str | None) -> int:
    """`depth`: 0 (the default in the newest server) or 1."""
    if raw is None:
        return 0
    if raw not in ("0", "1"):
        raise bad_request(f"'depth={raw}' parameter invalid. Allowed values are 0, 1")
    return int(raw)


def flag(raw: str | None) -> bool:
    return (raw or "").lower() == "true"
