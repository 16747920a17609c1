"""Reading a snapshot file back: its info, data model, members and records.

Only a complete snapshot is read: the writer's `.partial` files are refused by name, and a file
without its `snapshot_info` row (written last) is refused as incomplete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from migrate import __version__
from migrate.errors import SnapshotError, SnapshotFileError
from migrate.model import FieldMeta, Member, ObjectMeta
from migrate.snapshot.tables import FORMAT_VERSION, record_columns, record_table
from migrate.twenty.codecs.columns import decode_row


def check_format(path: Path, info: dict[str, Any]) -> None:
    """Refuse a snapshot of another format version, saying which tool wrote it and what to do."""
    found = info.get("format_version")
    if found == FORMAT_VERSION:
        return
    tool = info.get("tool_version") or "unknown"
    if isinstance(found, int) and found > FORMAT_VERSION:
        upgrade = f" or upgrade twenty-migrate to {tool} or later to read this one"
    else:
        upgrade = ""
    shown = found if found is not None else "(none recorded)"
    raise SnapshotFileError(
        f"{path} was written in snapshot format {shown} (tool {tool}); this twenty-migrate {__version__} reads format "
        f"{FORMAT_VERSION}. Take the snapshot again with this version (`twenty-migrate snapshot`){upgrade}.", path=str(path))


class Snapshot:
    """A snapshot file opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.name.endswith(".partial"):
            final = self.path.with_name(self.path.name.removesuffix(".partial"))
            raise SnapshotError(f"{self.path} is an unfinished snapshot (the run writing it was interrupted); take the snapshot again "
                                f"with `twenty-migrate snapshot --out {final}`.")
        if not self.path.exists():
            raise SnapshotFileError(f"{self.path} does not exist; take one with `twenty-migrate snapshot`.", path=str(self.path))
        try:
            self.con = duckdb.connect(str(self.path), read_only=True)
            row = self.con.execute("SELECT * FROM snapshot_info").fetchone()
            names = [d[0] for d in self.con.description]
        except duckdb.Error as exc:
            raise SnapshotFileError(f"{self.path} is not a twenty-migrate snapshot ({type(exc).__name__}); take it again.",
                                    path=str(self.path)) from None
        if row is None:
            raise SnapshotError(f"{self.path} is incomplete (no snapshot_info row); take it again.")
        self.info: dict[str, Any] = dict(zip(names, row, strict=True))
        check_format(self.path, self.info)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def objects(self) -> list[ObjectMeta]:
        rows = self.con.execute("SELECT * FROM objects ORDER BY name_singular").fetchall()
        names = [d[0] for d in self.con.description]
        field_rows = self.con.execute("SELECT * FROM fields").fetchall()
        field_names = [d[0] for d in self.con.description]
        by_object: dict[str, list[FieldMeta]] = {}
        for raw in field_rows:
            f = dict(zip(field_names, raw, strict=True))
            options = json.loads(f["options"]) if f["options"] else None
            by_object.setdefault(f["object"], []).append(FieldMeta(
                name=f["name"], type=f["type"], label=f["label"] or "", id=f["metadata_id"] or "", is_nullable=f["is_nullable"],
                is_unique=f["is_unique"], is_custom=f["is_custom"], is_system=f["is_system"], is_active=f["is_active"],
                default_value=json.loads(f["default_value"]) if f["default_value"] else None,
                options=tuple(options) if options is not None else None, settings=json.loads(f["settings"]) if f["settings"] else None,
                relation_type=f["relation_type"], target_object=f["target_object"], target_field=f["target_field"], join_column=f["join_column"]))
        out = []
        for raw in rows:
            o = dict(zip(names, raw, strict=True))
            out.append(ObjectMeta(name_singular=o["name_singular"], name_plural=o["name_plural"], label_singular=o["label_singular"] or "",
                                  label_plural=o["label_plural"] or "", id=o["metadata_id"] or "", is_custom=o["is_custom"],
                                  is_system=o["is_system"], is_active=o["is_active"], fields=tuple(by_object.get(o["name_singular"], ()))))
        return out

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per snapshotted object: (records, of which soft-deleted)."""
        rows = self.con.execute("SELECT name_plural, record_count, deleted_count FROM objects WHERE snapshotted ORDER BY name_plural").fetchall()
        return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in rows}

    def members(self) -> list[Member]:
        rows = self.con.execute("SELECT id, email, first_name, last_name, user_id FROM members ORDER BY email").fetchall()
        return [Member(id=str(r[0]), email=r[1], first_name=r[2] or "", last_name=r[3] or "", user_id=r[4]) for r in rows]

    def records(self, obj: ObjectMeta, *, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Every record of an object as a wire record, streamed."""
        columns = record_columns(obj)
        fields = {f.name: f for f in obj.fields}
        try:
            cursor = self.con.execute(f"SELECT * FROM {record_table(obj.name_singular)} ORDER BY id")
        except duckdb.CatalogException:
            raise SnapshotError(f"{self.path} holds no {obj.name_singular} records (origin {self.info.get('origin')}: that object "
                                "was not read); snapshot it, or plan again from this snapshot so the plan leaves it out.") from None
        names = [d[0] for d in cursor.description]
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            for raw in rows:
                yield {"id": str(raw[0]), **decode_row(columns, fields, dict(zip(names, raw, strict=True)))}
