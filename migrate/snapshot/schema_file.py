"""A workspace's data model and members on their own: what a CSV snapshot is typed by.

`load_schema` reads either a snapshot file (`.duckdb`, through `reader.Snapshot`) or a
`schema.json` written by `save_schema`. The JSON layout, version 1:

    {"format": "twenty-migrate-schema", "version": 1,
     "objects": [{"name_singular": "company", "name_plural": "companies", "label_singular": "Company",
                  "label_plural": "Companies", "id": "…", "is_custom": false, "is_system": false,
                  "is_active": true,
                  "fields": [{"name": "name", "type": "TEXT", "label": "Name", …every FieldMeta attribute…}]}],
     "members": [{"id": "…", "email": "tim@apple.dev", "first_name": "Tim", "last_name": "Apple", "user_id": null}]}

Keys are the attribute names of `model.ObjectMeta`, `FieldMeta` and `Member`; a missing optional
key takes the attribute's default, an unknown key is refused (a typo would silently lose data).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import Any

from migrate.errors import InputError, SnapshotError
from migrate.model import FieldMeta, Member, ObjectMeta
from migrate.snapshot.reader import Snapshot

SCHEMA_FORMAT = "twenty-migrate-schema"
SCHEMA_VERSION = 1
_DUCKDB_MAGIC = b"DUCK"
"""DuckDB files hold these bytes at offset 8."""


def save_schema(path: Path, objects: list[ObjectMeta], members: list[Member]) -> None:
    """Write objects, fields and members as a versioned `schema.json` (written whole, then renamed)."""
    path = Path(path)
    document = {
        "format": SCHEMA_FORMAT,
        "version": SCHEMA_VERSION,
        "objects": [{**{k: v for k, v in asdict(o).items() if k != "fields"},
                     "fields": [_field_json(f) for f in o.fields]} for o in objects],
        "members": [asdict(m) for m in members],
    }
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)


def _field_json(field: FieldMeta) -> dict[str, Any]:
    out = asdict(field)
    out["options"] = list(field.options) if field.options is not None else None
    return out


def load_schema(path: Path) -> tuple[list[ObjectMeta], list[Member]]:
    """Objects and members from a snapshot (`.duckdb`) or a `schema.json`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Schema file {path} does not exist; pass a snapshot taken through the API (source.duckdb) "
                         "or a schema.json saved from one.", path=str(path))
    with path.open("rb") as handle:
        head = handle.read(16)
    if head[8:12] == _DUCKDB_MAGIC or path.suffix.lower() in (".duckdb", ".db"):
        with Snapshot(path) as snapshot:
            return snapshot.objects(), snapshot.members()
    return _load_json(path)


def _load_json(path: Path) -> tuple[list[ObjectMeta], list[Member]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path} is neither a snapshot nor UTF-8 JSON; pass source.duckdb or a schema.json.", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); pass a snapshot "
                         "or a schema.json written by twenty-migrate.", path=str(path), row=exc.lineno) from None
    if not isinstance(document, dict) or document.get("format") != SCHEMA_FORMAT:
        raise InputError(f"{path} is not a twenty-migrate schema file (no \"format\": \"{SCHEMA_FORMAT}\"); pass a snapshot "
                         "or a schema.json written by twenty-migrate.", path=str(path))
    if document.get("version") != SCHEMA_VERSION:
        raise SnapshotError(f"{path} is schema format version {document.get('version')}; this twenty-migrate reads version "
                            f"{SCHEMA_VERSION}. Save the schema again with this version.")
    try:
        objects = [_object(raw) for raw in document["objects"]]
        members = [_build(Member, raw, "member") for raw in document.get("members", [])]
    except (KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a valid schema file: {exc}. Save it again with `save_schema`.", path=str(path)) from None
    return objects, members


def _build(cls: Any, raw: Any, what: str) -> Any:
    if not isinstance(raw, dict):
        raise TypeError(f"a {what} must be a JSON object, got {type(raw).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise TypeError(f"unknown key(s) {', '.join(unknown)} in a {what} (known: {', '.join(sorted(names))})")
    missing = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING and f.name not in raw]
    if missing:
        raise TypeError(f"a {what} lacks {', '.join(missing)}")
    return cls(**raw)


def _object(raw: Any) -> ObjectMeta:
    if not isinstance(raw, dict):
        raise TypeError("an object must be a JSON object")
    field_list = [_field(f) for f in raw.get("fields", [])]
    return _build(ObjectMeta, {**raw, "fields": tuple(field_list)}, f"object ({raw.get('name_singular')})")


def _field(raw: Any) -> FieldMeta:
    if isinstance(raw, dict) and isinstance(raw.get("options"), list):
        raw = {**raw, "options": tuple(raw["options"])}
    return _build(FieldMeta, raw, f"field ({raw.get('name') if isinstance(raw, dict) else raw})")
