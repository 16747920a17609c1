"""Twenty's rules for record writes: validation, defaults, actors, positions, uniqueness.

Follows `packages/twenty-server/src/engine/api/common/common-args-processors/data-arg-processor/
data-arg-processor.service.ts` (input validation), `core-modules/actor/services/
created-by-from-auth-context.service.ts` (createdBy), `core-modules/record-position/services/
record-position.service.ts` (position) and the query-runner exception handler that words
duplicate entries (api.md §3.4-§3.6, §3.10).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from migrate.emulator.datamodel import FieldDef, ObjectDef
from migrate.emulator.envelopes import TwentyHTTPError, bad_request
from migrate.emulator.values import check_uuid_field, inspect_value, to_stored
from migrate.model import ACTOR_SOURCES, COMPOSITE_SUBFIELDS

READ_ONLY_ON_WRITE = frozenset({"updatedAt", "deletedAt", "searchVector"})


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a request: an API key's name becomes the `createdBy` of what it creates."""

    api_key_id: str
    api_key_name: str
    user_session: bool = False

    def actor(self, source: str = "API") -> dict[str, Any]:
        return {"source": source, "workspaceMemberId": None, "name": self.api_key_name, "context": {}}


def parse_default(field: FieldDef, now: str) -> Any:
    """Turn a metadata `defaultValue` (quoted-literal form, api.md §5.4) into a stored value."""
    raw = field.default_value
    if raw is None:
        return None
    if raw == "now":
        return now
    if raw == "uuid":
        return str(uuid.uuid4())
    if isinstance(raw, str) and len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1] or None
    if isinstance(raw, dict):
        return {k: parse_default(FieldDef("", k, k, "TEXT", default_value=v), now) for k, v in raw.items()}
    return raw


def actor_to_stored(field: FieldDef, value: Any, caller: Caller) -> dict[str, Any]:
    """createdBy: kept as sent only when it carries a non-empty `name`; else the API key."""
    if value is None:
        return caller.actor()
    if not isinstance(value, dict):  # validateRawJsonFieldOrThrow comes first
        raise bad_request(f'Invalid object value {inspect_value(value)} for field "{field.name}"')
    allowed = {s.name for s in COMPOSITE_SUBFIELDS["ACTOR"]}
    unknown = [k for k in value if k not in allowed]
    if unknown:  # validate-actor-field-or-throw.util.ts
        raise bad_request(f'Invalid subfield {unknown[0]} for actor field "{field.name}"')
    source = value.get("source", "API")
    if not isinstance(source, str):
        raise bad_request(f'Invalid string value {inspect_value(source)} for text field "{field.name}.source"')
    if source not in ACTOR_SOURCES:
        raise bad_request(f'Invalid value {inspect_value(source)} for field "{field.name}.source"')
    if not value.get("name"):
        return caller.actor(source)
    member = value.get("workspaceMemberId")
    if member is not None:
        member = check_uuid_field(f"{field.name}.workspaceMemberId", member)
    return {"source": source, "workspaceMemberId": member, "name": value["name"], "context": value.get("context") or {}}


def constraint_name(obj: ObjectDef, field_name: str) -> str:
    """A Postgres-like constraint name (`IDX_UNIQUE_…`, `PK_…`), stable per object and field."""
    digest = hashlib.md5(f"{obj.name_singular}.{field_name}".encode()).hexdigest()[:27].upper()
    return f"PK_{digest}" if field_name == "id" else f"IDX_UNIQUE_{digest}"


def duplicate_error(obj: ObjectDef, exc: sqlite3.IntegrityError) -> TwentyHTTPError:
    """Word a unique clash as the newest Twenty does: the Postgres table and constraint names,
    not the field (`srv/engine/twenty-orm/utils/` exception mapping; research note §2)."""
    match = re.search(r"ux__\w+?__(\w+)", str(exc))
    field_name = match.group(1) if match else "id"
    return bad_request(f"A duplicate entry was detected: unique constraint {obj.name_singular}.{constraint_name(obj, field_name)} was violated")


class RecordWriter:
    """Builds stored rows from create/update inputs for one object."""

    def __init__(self, obj: ObjectDef, caller: Caller, now: str) -> None:
        self.obj = obj
        self.caller = caller
        self.now = now
        self.join_columns = {f.join_column: f for f in obj.fields if f.join_column}

    def _field_for_key(self, key: str) -> FieldDef:
        field = self.obj.by_name.get(key)
        if field is None:
            if key in self.join_columns:
                return self.join_columns[key]
            raise bad_request(f'Object {self.obj.name_singular} doesn\'t have any "{key}" field.')
        if field.relation_type == "ONE_TO_MANY":
            raise bad_request(f"One-to-many relation {key} field does not support write operations.")
        return field

    def build(self, data: Any, previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """A stored row from an input object: a new row, or `previous` with `data` merged in."""
        if not isinstance(data, dict):
            raise bad_request("Invalid input: a record must be a JSON object")
        creating = previous is None
        row: dict[str, Any] = {} if creating else dict(previous)
        for key, value in data.items():
            if key == "id":
                if creating and value is not None:
                    row["id"] = check_uuid_field("id", value)
                continue
            if key in READ_ONLY_ON_WRITE:
                continue
            field = self._field_for_key(key)
            if field.join_column == key:
                row[key] = None if value is None else check_uuid_field(key, value)
            elif field.relation_type == "MANY_TO_ONE":
                if value is not None:
                    raise bad_request(f'Relation "{key}" requires connect or disconnect operation')
                row[f"{key}Id"] = None
            elif field.type == "ACTOR":
                if field.name == "createdBy" and creating:
                    row[key] = actor_to_stored(field, value, self.caller)
            elif field.type == "POSITION":
                if value is None:  # data-arg-processor snapshot: a null position is Number(null) -> NaN
                    raise bad_request('Invalid position value NaN for field "position"')
                row[key] = value  # resolved by the caller, which knows the table's bounds
            elif key == "createdAt":
                row[key] = to_stored(field, value) if value is not None else None
            else:
                stored = to_stored(field, value, row.get(key) if not creating else None)
                if stored is None and not field.is_nullable and value is None:
                    raise bad_request(f"Field {field.name} is not nullable and has no default value.")
                row[key] = stored
        if creating:
            row.setdefault("id", str(uuid.uuid4()))
            self._apply_defaults(row)
        row["updatedAt"] = self.now
        if "updatedBy" in self.obj.by_name:
            row["updatedBy"] = self.caller.actor()
        return row

    def _apply_defaults(self, row: dict[str, Any]) -> None:
        for field in self.obj.fields:
            if field.relation_type == "ONE_TO_MANY":
                continue
            key = field.join_column or field.name
            if row.get(key) is not None or key in ("position", "updatedBy", "deletedAt"):
                continue
            if field.name == "createdBy":
                row[key] = self.caller.actor()
                continue
            default = parse_default(field, self.now)
            if default is None and not field.is_nullable and field.type not in COMPOSITE_SUBFIELDS:
                raise bad_request(f"Field {field.name} is not nullable and has no default value.")
            row[key] = default
        row["deletedAt"] = None


def resolve_positions(rows: list[dict[str, Any]], current_min: float | None, current_max: float | None) -> None:
    """Absent or "first" puts a record first (min - 1), "last" after the max; numbers stay."""
    # record-position.service.ts: an empty table counts as min = max = 1, and numeric positions
    # sent in the same batch take part in the min/max (so "first" in an empty table is 0).
    numbers = [v for r in rows if isinstance(v := r.get("position"), int | float) and not isinstance(v, bool)]
    low = min([*numbers, current_min if current_min is not None else 1])
    high = max([*numbers, current_max if current_max is not None else 1])
    for row in rows:
        value = row.get("position")
        if value is None or value == "first":
            low -= 1
            row["position"] = low
        elif value == "last":
            high += 1
            row["position"] = high
        elif isinstance(value, int | float) and not isinstance(value, bool):
            row["position"] = value
        else:
            raise bad_request(f'Invalid position value {inspect_value(value)} for field "position"')
