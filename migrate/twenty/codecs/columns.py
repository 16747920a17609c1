"""Wire records <-> typed columns: how a snapshot stores every field type.

One column per stored field; composite sub-fields get their own column named
`<field>_<subField>` (`name_firstName`, `amount_amountMicros`); many-to-one relations are their
join column (`companyId`). Empty text and empty lists are stored as NULL, because Twenty treats
`""`/null and `[]`/null as the same value (api.md §5.2, §11.8): decoding gives back `""` and
`[]`, so `decode(encode(x)) == normalise(x)`. A FILES item's signed `url` is transient (it
expires, and carries a token), so it is not stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from migrate.model import COMPOSITE_SUBFIELDS, FieldMeta

_SUB_SQL = {"text": "VARCHAR", "number": "DOUBLE", "uuid": "UUID", "string_list": "VARCHAR[]", "json": "JSON"}
_SCALAR_SQL = {
    "UUID": "UUID", "TEXT": "VARCHAR", "RICH_TEXT": "VARCHAR", "NUMERIC": "DOUBLE", "BOOLEAN": "BOOLEAN",
    "DATE": "DATE", "DATE_TIME": "TIMESTAMP", "SELECT": "VARCHAR", "RATING": "VARCHAR", "MULTI_SELECT": "VARCHAR[]",
    "ARRAY": "VARCHAR[]", "RAW_JSON": "JSON", "POSITION": "DOUBLE", "FILES": "JSON",
}
_JSON_EMPTY_LIST = frozenset({"additionalPhones", "secondaryLinks"})


@dataclass(frozen=True, slots=True)
class Column:
    """One snapshot column: its name, DuckDB type, and the field (and sub-field) it holds."""

    name: str
    sql_type: str
    field: str
    sub: str | None = None
    kind: str = "scalar"


def _number_sql(field: FieldMeta) -> str:
    data_type = (field.settings or {}).get("dataType") if isinstance(field.settings, dict) else None
    return "BIGINT" if data_type in ("int", "bigint") else "DOUBLE"


def columns_for(field: FieldMeta) -> list[Column]:
    """The columns a field occupies in a snapshot table (none for one-to-many relations)."""
    if not field.is_stored:
        return []
    if field.join_column:
        return [Column(field.join_column, "UUID", field.name, kind="join")]
    if field.type in COMPOSITE_SUBFIELDS:
        return [
            Column(f"{field.name}_{sub.name}", "BIGINT" if sub.name == "amountMicros" else _SUB_SQL[sub.kind], field.name, sub.name, sub.kind)
            for sub in COMPOSITE_SUBFIELDS[field.type]
        ]
    if field.type == "NUMBER":
        return [Column(field.name, _number_sql(field), field.name)]
    sql = _SCALAR_SQL.get(field.type)
    return [Column(field.name, sql, field.name)] if sql else []


def table_columns(fields: Iterable[FieldMeta]) -> list[Column]:
    return [c for f in fields for c in columns_for(f)]


def _empty_to_none(value: Any) -> Any:
    if value == "" or value == [] or value == {}:
        return None
    return value


def _timestamp(value: Any) -> str | None:
    """An ISO timestamp as naive UTC text DuckDB reads as TIMESTAMP."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


def _encode_scalar(field_type: str, value: Any) -> Any:
    if value is None:
        return None
    if field_type == "DATE_TIME":
        return _timestamp(value)
    if field_type == "FILES":
        value = [{k: v for k, v in item.items() if k != "url"} for item in value or () if isinstance(item, dict)]
    if field_type in ("RAW_JSON", "FILES"):
        value = _empty_to_none(value)
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if field_type in ("TEXT", "RICH_TEXT", "SELECT", "RATING", "MULTI_SELECT", "ARRAY"):
        return _empty_to_none(value)
    return value


def _encode_sub(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "json":
        value = _empty_to_none(value)
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if column.kind in ("text", "string_list"):
        return _empty_to_none(value)
    if column.sub == "amountMicros":
        return int(value)
    if column.kind == "number":
        return float(value)
    return value


def encode_record(columns: Sequence[Column], fields: dict[str, FieldMeta], record: dict[str, Any]) -> dict[str, Any]:
    """A wire record (depth 0) as a row of typed column values."""
    row: dict[str, Any] = {}
    for column in columns:
        if column.kind == "join":
            row[column.name] = record.get(column.name)
        elif column.sub is not None:
            row[column.name] = _encode_sub(column, (record.get(column.field) or {}).get(column.sub))
        else:
            row[column.name] = _encode_scalar(fields[column.field].type, record.get(column.field))
    return row


def _decode_scalar(field_type: str, value: Any) -> Any:
    if field_type in ("TEXT", "RICH_TEXT"):
        return "" if value is None else value
    if field_type in ("MULTI_SELECT", "ARRAY"):
        return [] if value is None else list(value)
    if field_type == "FILES":
        return [] if value is None else (json.loads(value) if isinstance(value, str) else value)
    if value is None:
        return None
    if field_type == "DATE_TIME":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if field_type == "DATE":
        return value.isoformat() if isinstance(value, date) else str(value)
    if field_type == "RAW_JSON":
        return json.loads(value) if isinstance(value, str) else value
    if field_type == "UUID":
        return str(value)
    return value


def _decode_sub(column: Column, value: Any) -> Any:
    if column.kind == "text":
        if value is None and column.sub == "blocknote":
            return None  # only RICH_TEXT_V2's markdown comes back as "" (format-result.util.ts, api.md §2.6)
        return "" if value is None else value
    if column.kind == "string_list":
        return [] if value is None else list(value)
    if column.kind == "json":
        if value is None:
            return [] if column.sub in _JSON_EMPTY_LIST else {}
        return json.loads(value) if isinstance(value, str) else value
    if column.kind == "uuid":
        return None if value is None else str(value)
    if column.sub == "amountMicros":
        return None if value is None else int(value)
    return value


def decode_row(columns: Sequence[Column], fields: dict[str, FieldMeta], row: dict[str, Any]) -> dict[str, Any]:
    """A snapshot row back as a wire record (the shape a REST read returns, normalised)."""
    record: dict[str, Any] = {}
    for column in columns:
        value = row.get(column.name)
        if column.kind == "join":
            record[column.name] = None if value is None else str(value)
        elif column.sub is not None:
            record.setdefault(column.field, {})[column.sub] = _decode_sub(column, value)
        else:
            record[column.field] = _decode_scalar(fields[column.field].type, value)
    return record

