"""Field values in and out: what Twenty accepts on write, stores, and returns on read.

Write rules follow `packages/twenty-server/src/engine/api/common/common-args-processors/
data-arg-processor/` (its `__tests__` constants list accepted and refused inputs per type);
read rules follow `src/engine/twenty-orm/utils/format-result.util.ts` (NULL text comes back as
`""`, NULL lists as `[]`, `amountMicros` as a number). api.md §5.2 and §2.6.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import Any

from migrate.emulator.datamodel import FieldDef
from migrate.emulator.envelopes import bad_request, inspect_value
from migrate.model import COMPOSITE_SUBFIELDS, RATING_VALUES, SubField
from migrate.twenty.codecs import (
    InvalidValue,
    normalize_date,
    normalize_datetime,
    normalize_email,
    normalize_link_url,
)


_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+$")
_STRICT_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|z|[+-]\d{2}:?\d{2})?$")


def invalid(field: FieldDef, value: Any) -> Exception:
    """The generic refusal, `Invalid value 'FOO' for field "stage"` (SELECT's wording)."""
    return bad_request(f'Invalid value {inspect_value(value)} for field "{field.name}"')


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_uuid(value: Any) -> str:
    """An id in a path or body; Twenty's path parser says `'abc' is not a valid UUID`."""
    if not is_uuid(value):
        raise bad_request(f"'{value}' is not a valid UUID")
    return str(value).lower()


def check_uuid_field(key: str, value: Any) -> str:
    if not is_uuid(value):
        raise bad_request(f'Invalid UUID value {inspect_value(value)} for field "{key}"')
    return str(value).lower()


def _number(key: str, value: Any, *, numeric: bool = False) -> int | float:
    """NUMBER refuses anything but a finite number; NUMERIC applies `Number(value)` first."""
    if numeric and isinstance(value, str):
        try:
            value = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise bad_request(f'Invalid number value NaN for field "{key}"') from None
    if isinstance(value, bool) or not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        shown = "NaN" if numeric else inspect_value(value)
        raise bad_request(f'Invalid number value {shown} for field "{key}"')
    return value


def _text(key: str, value: Any, what: str = "text") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f'Invalid string value {inspect_value(value)} for {what} field "{key}"')
    return value or None


def _string_list(key: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f'Invalid value {inspect_value(value)} for field "{key} - Array values need to be string"')
    return list(value) or None


def _email(key: str, value: str) -> str:
    if not _EMAIL.match(value.strip()):
        raise bad_request(f'Invalid string value {inspect_value(value)} for email field "{key}"')
    return normalize_email(value)


def _sub_value(field: FieldDef, sub: SubField, value: Any) -> Any:
    key = f"{field.name}.{sub.name}"
    if value is None:
        return None
    if sub.kind == "text":
        text = _text(key, value, "email" if sub.name == "primaryEmail" else "text")
        if text and sub.name == "primaryEmail":
            return _email(key, text)
        if text and sub.name == "primaryLinkUrl":
            return normalize_link_url(text)
        return text
    if sub.kind == "number":
        number = _number(key, value, numeric=True)
        return int(number) if sub.name == "amountMicros" else number
    if sub.kind == "uuid":
        return check_uuid_field(key, value)
    if sub.kind == "string_list":
        items = _string_list(key, value)
        return [_email(key, v) for v in items] if items and sub.name == "additionalEmails" else items
    if sub.name == "secondaryLinks":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise bad_request(f'Invalid object value {inspect_value(value)} for field "{key}"')
        return [{**v, "url": normalize_link_url(v["url"])} if isinstance(v.get("url"), str) else v for v in value] or None
    if sub.name == "additionalPhones" and not isinstance(value, list):
        raise bad_request(f'Invalid object value {inspect_value(value)} for field "{key}"')
    return value or None


def composite_to_stored(field: FieldDef, value: Any, previous: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """A composite as stored: every sub-field present; on update, sub-fields not sent are kept."""
    subs = COMPOSITE_SUBFIELDS[field.type]
    if value is None:
        return None
    if not isinstance(value, dict):
        if field.type == "RICH_TEXT_V2":
            raise bad_request(f'Invalid rich text v2 value {inspect_value(value)} for field "{field.name}" - Should be an object')
        raise bad_request(f'Invalid object value {inspect_value(value)} for field "{field.name}"')
    known = {s.name: s for s in subs}
    for key in value:
        if key not in known:
            kind = field.type.lower().replace("_", " ")
            raise bad_request(f'Invalid subfield {key} for {kind} field "{field.name}"')
    stored = dict(previous or {s.name: None for s in subs})
    for key, raw in value.items():
        stored[key] = _sub_value(field, known[key], raw)
    return stored


def _files(field: FieldDef, value: Any) -> list[dict[str, Any]] | None:
    """FILES takes `[{fileId, label}]` (or that array as a JSON string) and nothing else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(f'Invalid value "{inspect_value(value)}" for FILES field "{field.name}" - It should be an array of objects with "fileId" and "label" properties.') from None
    ok = isinstance(value, list) and all(
        isinstance(v, dict) and set(v) == {"fileId", "label"} and is_uuid(v["fileId"]) and isinstance(v["label"], str) for v in value
    )
    if not ok:
        raise bad_request(f'Invalid value "{inspect_value(value)}" for FILES field "{field.name}" - each item needs exactly "fileId" (a UUID) and "label"')
    return [dict(v) for v in value] or None


def to_stored(field: FieldDef, value: Any, previous: Any = None) -> Any:
    """Validate one written value and return what the store keeps (None for Twenty's empties)."""
    kind, key = field.type, field.name
    if kind in COMPOSITE_SUBFIELDS:
        return composite_to_stored(field, value, previous)
    if value is None:
        return None
    if kind in ("TEXT", "RICH_TEXT"):
        return _text(key, value)
    if kind in ("NUMBER", "NUMERIC"):
        return _number(key, value, numeric=kind == "NUMERIC")
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise bad_request(f'Invalid boolean value {inspect_value(value)} for field "{key}"')
        return value
    if kind == "DATE_TIME":
        try:
            if not isinstance(value, str) or not _STRICT_DATE_TIME.match(value.strip()):
                raise InvalidValue(value)
            return normalize_datetime(value)
        except InvalidValue:
            raise bad_request(f"Invalid value {inspect_value(value)} for date-time field \"{key}\". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'") from None
    if kind == "DATE":
        try:
            if not isinstance(value, str):
                raise InvalidValue(value)
            return normalize_date(value)
        except InvalidValue:
            raise bad_request(f"Invalid value {inspect_value(value)} for date field \"{key}\". Expected format: 'YYYY-MM-DD'") from None
    if kind == "UUID":
        return check_uuid_field(key, value)
    if kind in ("SELECT", "RATING"):
        if not isinstance(value, str):
            raise bad_request(f'Invalid string value {inspect_value(value)} for text field "{key}"')
        allowed = field.option_values or (RATING_VALUES if kind == "RATING" else ())
        if value not in allowed:
            raise invalid(field, value)
        return value
    if kind == "MULTI_SELECT":
        items = _string_list(key, value)
        for item in items or ():
            if item not in field.option_values:
                raise bad_request(f'Invalid value {inspect_value(item)} for multi select field "{key}"')
        return items
    if kind == "ARRAY":
        return _string_list(key, value)
    if kind == "RAW_JSON":
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f'Invalid object value {inspect_value(value)} for field "{key}"') from None
        if not isinstance(value, dict | list):
            raise bad_request(f'Invalid object value {inspect_value(value)} for field "{key}"')
        return value or None
    if kind == "FILES":
        return _files(field, value)
    raise invalid(field, value)


_EMPTY_SUB = {"text": "", "string_list": [], "number": None, "uuid": None}


def composite_to_wire(field_type: str, stored: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sub in COMPOSITE_SUBFIELDS[field_type]:
        value = (stored or {}).get(sub.name)
        if value is None:
            value = ({} if sub.name == "context" else []) if sub.kind == "json" else _EMPTY_SUB[sub.kind]
            if field_type == "RICH_TEXT_V2" and sub.name == "blocknote":
                value = None
        out[sub.name] = value
    return out


def to_wire(field: FieldDef, stored: Any) -> Any:
    """What a REST read returns for a stored value."""
    kind = field.type
    if kind in COMPOSITE_SUBFIELDS:
        return composite_to_wire(kind, stored)
    if stored is None:
        if kind in ("TEXT", "RICH_TEXT"):
            return ""
        if kind in ("ARRAY", "MULTI_SELECT", "FILES"):
            return []
    return stored
