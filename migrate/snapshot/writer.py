"""Writing a snapshot file: to a temporary name, renamed only when complete.

Rows are streamed to newline-delimited JSON files in a scratch folder and loaded with DuckDB's
`read_json` (its bulk path), so memory stays flat however large the workspace is. Attachment
bytes go beside the snapshot, in `<name>.files/`, named by their sha256.

A process killed at any moment (SIGKILL, power cut) leaves either the previous snapshot or the
new one under the final name, each with all of its files: the database is written as
`<name>.partial` and renamed last; file bytes are moved into `<name>.files/` one by one before
that rename (content-addressed, so a file already there is the same file) and the files only
the old snapshot needed are pruned after it. A `.partial` left behind is never read
(`reader.Snapshot` refuses it) and the next run starts it afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from migrate.errors import SnapshotError
from migrate.model import FieldMeta, Member, ObjectMeta
from migrate.snapshot.tables import BASE_DDL, create_record_table_sql, record_columns, record_table
from migrate.twenty.codecs.columns import Column, encode_record


def files_dir(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".files")


def _json_type(sql_type: str) -> str:
    """The type read_json reads a column as (JSON columns arrive as text and are cast)."""
    return "VARCHAR" if sql_type == "JSON" else sql_type


class RecordSink:
    """Streams one object's records to disk as encoded rows; `load` bulk-inserts them."""

    def __init__(self, obj: ObjectMeta, folder: Path) -> None:
        self.obj = obj
        self.columns = record_columns(obj)
        self.fields = {f.name: f for f in obj.fields}
        self.path = folder / f"{obj.name_singular}.ndjson"
        self._file = self.path.open("w", encoding="utf-8")
        self.count = 0
        self.deleted = 0

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            row = encode_record(self.columns, self.fields, record)
            if record.get("deletedAt"):
                self.deleted += 1
            self._file.write(json.dumps(row, ensure_ascii=False, default=str))
            self._file.write("\n")
            self.count += 1

    def close(self) -> None:
        self._file.close()


def load_ndjson(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[Column], path: Path) -> None:
    """INSERT the rows of an NDJSON file into `table` through read_json with explicit types."""
    if path.stat().st_size == 0:
        return
    spec = "{" + ", ".join(f"'{c.name}': '{_json_type(c.sql_type)}'" for c in columns) + "}"
    select = ", ".join(f'CAST("{c.name}" AS JSON)' if c.sql_type == "JSON" else f'"{c.name}"' for c in columns)
    try:
        con.execute(f"INSERT INTO {table} SELECT {select} FROM read_json(?, format='newline_delimited', columns={spec}, "
                    f"maximum_object_size=16777216)", [str(path)])
    except duckdb.Error as exc:
        raise SnapshotError(f"Cannot load {table} into the snapshot: {exc}. This is a bug of twenty-migrate or an unexpected "
                            "server reply; run again with --debug and report it.") from exc


class SnapshotWriter:
    """A snapshot being written; `finish()` makes it visible under its final name."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.partial = self.out.with_name(self.out.name + ".partial")
        self.files_partial = files_dir(self.out).with_name(files_dir(self.out).name + ".partial")
        self.sinks: dict[str, RecordSink] = {}
        self.file_rows: list[dict[str, Any]] = []
        for stale in (self.partial, self.partial.with_name(self.partial.name + ".wal")):
            stale.unlink(missing_ok=True)
        shutil.rmtree(self.files_partial, ignore_errors=True)
        if self.out.parent.exists():  # one scratch folder per output: what a killed run left is cleared here
            self.scratch = self.out.with_name(f"twenty-snapshot-{self.out.name}.scratch")
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch.mkdir()
        else:
            self.scratch = Path(tempfile.mkdtemp(prefix="twenty-snapshot-"))
        try:
            # Bounded memory: a load spills to disk rather than growing with the workspace.
            self.con = duckdb.connect(str(self.partial), config={"memory_limit": "128MB", "preserve_insertion_order": False, "threads": 1})
        except duckdb.Error as exc:
            raise SnapshotError(f"Cannot create {self.partial}: {exc}") from exc
        self.con.execute(BASE_DDL)

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()

    def abort(self) -> None:
        """Leave nothing that looks like a snapshot behind."""
        for sink in self.sinks.values():
            sink.close()
        try:
            self.con.close()
        except duckdb.Error:
            pass
        self.partial.unlink(missing_ok=True)
        self.partial.with_name(self.partial.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(self.files_partial, ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _load_rows(self, table: str, columns: list[Column], rows: Iterable[dict[str, Any]]) -> None:
        path = self.scratch / f"_{table}.ndjson"
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        load_ndjson(self.con, table, columns, path)
        path.unlink()

    def write_schema(self, objects: Sequence[ObjectMeta], snapshotted: set[str]) -> None:
        object_columns = [Column(n, t, n) for n, t in (
            ("name_singular", "VARCHAR"), ("name_plural", "VARCHAR"), ("label_singular", "VARCHAR"), ("label_plural", "VARCHAR"),
            ("metadata_id", "VARCHAR"), ("is_custom", "BOOLEAN"), ("is_system", "BOOLEAN"), ("is_active", "BOOLEAN"),
            ("snapshotted", "BOOLEAN"), ("record_count", "BIGINT"), ("deleted_count", "BIGINT"))]
        self._load_rows("objects", object_columns, (
            {"name_singular": o.name_singular, "name_plural": o.name_plural, "label_singular": o.label_singular,
             "label_plural": o.label_plural, "metadata_id": o.id, "is_custom": o.is_custom, "is_system": o.is_system,
             "is_active": o.is_active, "snapshotted": o.name_singular in snapshotted, "record_count": None, "deleted_count": None}
            for o in objects))
        field_columns = [Column(n, t, n) for n, t in (
            ("object", "VARCHAR"), ("name", "VARCHAR"), ("label", "VARCHAR"), ("type", "VARCHAR"), ("metadata_id", "VARCHAR"),
            ("is_nullable", "BOOLEAN"), ("is_unique", "BOOLEAN"), ("is_custom", "BOOLEAN"), ("is_system", "BOOLEAN"),
            ("is_active", "BOOLEAN"), ("default_value", "JSON"), ("options", "JSON"), ("settings", "JSON"),
            ("relation_type", "VARCHAR"), ("target_object", "VARCHAR"), ("target_field", "VARCHAR"), ("join_column", "VARCHAR"))]
        self._load_rows("fields", field_columns, (_field_row(o, f) for o in objects for f in o.fields))
        for obj in objects:
            if obj.name_singular in snapshotted:
                self.con.execute(create_record_table_sql(obj))

    def write_members(self, members: Iterable[Member]) -> None:
        columns = [Column("id", "UUID", "id"), Column("email", "VARCHAR", "email"), Column("first_name", "VARCHAR", "first_name"),
                   Column("last_name", "VARCHAR", "last_name"), Column("user_id", "VARCHAR", "user_id")]
        self._load_rows("members", columns, ({"id": m.id, "email": m.email, "first_name": m.first_name, "last_name": m.last_name,
                                              "user_id": m.user_id} for m in members))

    def write_table(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Bulk-load rows into one of the fixed tables (configuration), typed by its DDL."""
        described = self.con.execute(f"DESCRIBE {table}").fetchall()
        self._load_rows(table, [Column(r[0], str(r[1]), r[0]) for r in described], rows)

    def sink(self, obj: ObjectMeta) -> RecordSink:
        sink = RecordSink(obj, self.scratch)
        self.sinks[obj.name_singular] = sink
        return sink

    def add_file(self, attachment_id: str, file_id: str | None, label: str | None, data: bytes) -> str:
        """Keep an attachment's bytes beside the snapshot; returns their sha256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.files_partial / digest[:2] / digest
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self.file_rows.append({"attachment_id": attachment_id, "file_id": file_id, "label": label, "size": len(data),
                               "sha256": digest, "stored_as": f"{digest[:2]}/{digest}"})
        return digest

    def finish(self, info: dict[str, Any]) -> None:
        """Load every record table, write the counts and the info row, then rename into place."""
        for name, sink in self.sinks.items():
            sink.close()
            load_ndjson(self.con, record_table(name), sink.columns, sink.path)
            sink.path.unlink()
            self.con.execute("UPDATE objects SET record_count = ?, deleted_count = ? WHERE name_singular = ?", [sink.count, sink.deleted, name])
        self._load_rows("attachment_files", [Column("attachment_id", "UUID", "a"), Column("file_id", "VARCHAR", "f"),
                                             Column("label", "VARCHAR", "l"), Column("size", "BIGINT", "s"),
                                             Column("sha256", "VARCHAR", "h"), Column("stored_as", "VARCHAR", "p")], self.file_rows)
        info_columns = [Column(n, t, n) for n, t in (("format_version", "INTEGER"), ("origin", "VARCHAR"), ("url", "VARCHAR"),
                        ("taken_at", "TIMESTAMP"), ("tool_version", "VARCHAR"), ("twenty_version", "VARCHAR"), ("source_files", "VARCHAR"))]
        self._load_rows("snapshot_info", info_columns, [info])
        self.con.execute("CHECKPOINT")
        self.con.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        self._publish()

    def _publish(self) -> None:
        """Files first (each an atomic rename into the content-addressed folder), then the
        database in one rename, then the old snapshot's files nobody refers to any more."""
        final_files = files_dir(self.out)
        kept = {row["stored_as"] for row in self.file_rows}
        if self.files_partial.exists():
            for path in sorted(self.files_partial.rglob("*")):
                if path.is_file():
                    moved = final_files / path.relative_to(self.files_partial)
                    moved.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, moved)
            shutil.rmtree(self.files_partial, ignore_errors=True)
        os.replace(self.partial, self.out)
        if final_files.exists():
            for path in sorted(final_files.rglob("*")):
                if path.is_file() and path.relative_to(final_files).as_posix() not in kept:
                    path.unlink()
            for folder in sorted((p for p in final_files.iterdir() if p.is_dir()), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()
            if not any(final_files.iterdir()):
                final_files.rmdir()


def _field_row(obj: ObjectMeta, field: FieldMeta) -> dict[str, Any]:
    def as_json(value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return {
        "object": obj.name_singular, "name": field.name, "label": field.label, "type": field.type, "metadata_id": field.id,
        "is_nullable": field.is_nullable, "is_unique": field.is_unique, "is_custom": field.is_custom, "is_system": field.is_system,
        "is_active": field.is_active, "default_value": as_json(field.default_value),
        "options": as_json(list(field.options) if field.options is not None else None), "settings": as_json(field.settings),
        "relation_type": field.relation_type, "target_object": field.target_object, "target_field": field.target_field,
        "join_column": field.join_column,
    }
