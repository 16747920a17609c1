"""SQLite storage of one emulated workspace: a table per object, metadata as JSON.

Each object's records live in `r_<nameSingular>(id, deleted_at, data)`, `data` being the
record as Twenty stores it (composites nested, empty values NULL). Unique fields get partial
unique indexes over all rows, soft-deleted ones included, as Twenty's Postgres indexes do
(api.md §11.7); join columns get indexes so relation look-ups stay fast at 1 000 000 records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from migrate.emulator.datamodel import FieldDef, ObjectDef
from migrate.model import is_composite

UNIQUE_SUBFIELD = {"EMAILS": "primaryEmail", "LINKS": "primaryLinkUrl", "PHONES": "primaryPhoneNumber"}
"""The sub-field a unique composite is unique on (`isIncludedInUniqueConstraint`, api.md §3.3)."""


def table_name(obj: ObjectDef) -> str:
    return f"r_{obj.name_singular}"


def json_path(path: tuple[str, ...]) -> str:
    return "$." + ".".join(f'"{p}"' for p in path)


def unique_path(field: FieldDef) -> tuple[str, ...] | None:
    """The stored path a unique field is unique on, or None if the field is not unique."""
    if not field.is_unique:
        return None
    if is_composite(field.type):
        sub = UNIQUE_SUBFIELD.get(field.type)
        return (field.name, sub) if sub else None
    return (field.name,)


def unique_index_name(obj: ObjectDef, field: FieldDef) -> str:
    return f"ux__{obj.name_singular}__{field.name}"


class Store:
    """Rows and metadata of one workspace; knows SQL, not Twenty's rules."""

    def __init__(self, path: str = ":memory:") -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _files (id TEXT PRIMARY KEY, path TEXT UNIQUE, name TEXT, mime TEXT, bytes BLOB NOT NULL)")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing, as one Twenty query runner call is one Postgres transaction."""
        self.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # metadata -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        self.conn.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", (key, json.dumps(value)))

    def save_objects(self, objects: Iterable[ObjectDef]) -> None:
        """Persist the data model (shallow copies: `asdict` would also walk each `by_name` index)."""
        object_keys = [f.name for f in fields(ObjectDef) if f.name not in ("by_name", "fields")]
        field_keys = [f.name for f in fields(FieldDef)]
        payload = [
            {**{k: getattr(o, k) for k in object_keys}, "fields": [{k: getattr(fd, k) for k in field_keys} for fd in o.fields]}
            for o in objects
        ]
        self.set_meta("objects", payload)

    def load_objects(self) -> list[ObjectDef] | None:
        payload = self.get_meta("objects")
        if payload is None:
            return None
        objects = []
        for raw in payload:
            fields = tuple(
                FieldDef(**{**f, "options": tuple(f["options"]) if f["options"] is not None else None})
                for f in raw.pop("fields")
            )
            objects.append(ObjectDef(**raw, fields=fields))
        return objects

    # tables -------------------------------------------------------------------------------
    def ensure_table(self, obj: ObjectDef) -> None:
        table = table_name(obj)
        self.conn.execute(f'CREATE TABLE IF NOT EXISTS "{table}" (id TEXT PRIMARY KEY, deleted_at TEXT, data TEXT NOT NULL)')
        # (deleted_at, id): a page of live rows in id order is an index range, not a sort of the table.
        self.conn.execute(f'CREATE INDEX IF NOT EXISTS "ix__{table}__live" ON "{table}"(deleted_at, id)')
        for field in obj.fields:
            path = unique_path(field)
            if path and field.name != "id":
                expr = f"json_extract(data, '{json_path(path)}')"
                self.conn.execute(
                    f'CREATE UNIQUE INDEX IF NOT EXISTS "{unique_index_name(obj, field)}" ON "{table}"({expr}) WHERE {expr} IS NOT NULL'
                )
            if field.join_column:
                expr = f"json_extract(data, '$.\"{field.join_column}\"')"
                self.conn.execute(f'CREATE INDEX IF NOT EXISTS "ix__{table}__{field.join_column}" ON "{table}"({expr})')

    def drop_unique_index(self, obj: ObjectDef, field: FieldDef) -> None:
        self.conn.execute(f'DROP INDEX IF EXISTS "{unique_index_name(obj, field)}"')

    def drop_table(self, obj: ObjectDef) -> None:
        self.conn.execute(f'DROP TABLE IF EXISTS "{table_name(obj)}"')

    # rows ---------------------------------------------------------------------------------
    def insert(self, obj: ObjectDef, rows: Iterable[dict[str, Any]]) -> None:
        """Insert stored-form rows; raises sqlite3.IntegrityError on an id or unique clash."""
        self.conn.executemany(
            f'INSERT INTO "{table_name(obj)}" (id, deleted_at, data) VALUES (?, ?, ?)',
            ((r["id"], r.get("deletedAt"), json.dumps(r, ensure_ascii=False)) for r in rows),
        )

    def replace(self, obj: ObjectDef, row: dict[str, Any]) -> None:
        self.conn.execute(
            f'UPDATE "{table_name(obj)}" SET deleted_at = ?, data = ? WHERE id = ?',
            (row.get("deletedAt"), json.dumps(row, ensure_ascii=False), row["id"]),
        )

    def delete(self, obj: ObjectDef, ids: list[str]) -> None:
        self.conn.executemany(f'DELETE FROM "{table_name(obj)}" WHERE id = ?', ((i,) for i in ids))

    def fetch(self, obj: ObjectDef, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Rows by id, soft-deleted ones included."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for (data,) in self.conn.execute(f'SELECT data FROM "{table_name(obj)}" WHERE id IN ({marks})', chunk):
                row = json.loads(data)
                found[row["id"]] = row
        return found

    def select(self, obj: ObjectDef, where: str, params: list[Any], order: str, limit: int | None = None) -> list[dict[str, Any]]:
        sql = f'SELECT data FROM "{table_name(obj)}" WHERE {where} ORDER BY {order}'
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [json.loads(data) for (data,) in self.conn.execute(sql, params)]

    def count(self, obj: ObjectDef, where: str, params: list[Any]) -> int:
        return int(self.conn.execute(f'SELECT count(*) FROM "{table_name(obj)}" WHERE {where}', params).fetchone()[0])

    def find_by_path(self, obj: ObjectDef, path: tuple[str, ...], values: list[Any]) -> list[dict[str, Any]]:
        """Rows (soft-deleted included) whose value at `path` is one of `values`."""
        if not values:
            return []
        expr = "id" if path == ("id",) else f"json_extract(data, '{json_path(path)}')"
        out: list[dict[str, Any]] = []
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out += [json.loads(d) for (d,) in self.conn.execute(f'SELECT data FROM "{table_name(obj)}" WHERE {expr} IN ({marks})', chunk)]
        return out

    def min_position(self, obj: ObjectDef) -> float | None:
        row = self.conn.execute(f"""SELECT min(json_extract(data, '$.position')) FROM "{table_name(obj)}" """).fetchone()
        return None if row[0] is None else float(row[0])

    def max_position(self, obj: ObjectDef) -> float | None:
        row = self.conn.execute(f"""SELECT max(json_extract(data, '$.position')) FROM "{table_name(obj)}" """).fetchone()
        return None if row[0] is None else float(row[0])

    # files --------------------------------------------------------------------------------
    def put_file(self, file_id: str, path: str, name: str, mime: str, data: bytes) -> None:
        self.conn.execute("INSERT OR REPLACE INTO _files VALUES (?, ?, ?, ?, ?)", (file_id, path, name, mime, data))

    def get_file(self, *, file_id: str | None = None, path: str | None = None) -> tuple[str, str, str, str, bytes] | None:
        if file_id is not None:
            row = self.conn.execute("SELECT id, path, name, mime, bytes FROM _files WHERE id = ?", (file_id,)).fetchone()
        else:
            row = self.conn.execute("SELECT id, path, name, mime, bytes FROM _files WHERE path = ?", (path,)).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], bytes(row[4]))
