"""`export-csv`: every object of a workspace as the UI's newest "Export view" writes it (E5).

Written from Twenty's server export (`../shared/twenty/csv.md` §1, §8), not from our test fixture:
- columns: `packages/twenty-shared/src/utils/csv/buildRecordExportColumns.ts` (an `Id` column
  first; a composite field becomes `<label> / <sub label>` in the order of
  `packages/twenty-shared/src/constants/CompositeFieldSubFieldLabels.ts`; a many-to-one relation
  `<label> Id` holding the join column; one-to-many relations nothing);
- header: `formatRecordExportHeader.ts` (U+FEFF, guarded and quoted labels, LF);
- rows: `formatRecordExportRow.ts` (amounts ÷ 10⁶, dates through `toISOString`, a RAW_JSON string
  encoded once more, LF after every row), `formatValueForCSV.ts`, `sanitizeValueForCSVExport.ts`.

"Every field" is a view showing all of them: what views never show (`position`, `deletedAt`,
search vectors; csv.md §1.3) stays out. Objects are those with a record index page (business and
custom objects; not note/task targets or attachments, which the UI cannot export, csv.md §3),
and only those holding live records get a file, named `<nameSingular>.csv` (csv.md §1.5).

Beside the files, `schema.json` (`snapshot/schema_file.py`): the source's data model and members,
so that `pytest checks/ --source exports/` and `snapshot --csv-dir exports/` type the CSVs with the
source's model and resolve the source's member ids, not the target's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.manual.cells import BOM, format_row, guard
from migrate.manual.js_text import json_text
from migrate.model import COMPOSITE_SUBFIELDS, FieldMeta, ObjectMeta
from migrate.progress import NULL_PROGRESS, Progress
from migrate.snapshot.csv_format import SUBFIELD_LABELS
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.schema_file import save_schema
from migrate.snapshot.tables import is_snapshotted
from migrate.twenty.client import TwentyClient

NEVER_IN_A_VIEW = frozenset({"id", "position", "deletedAt"})
SCHEMA_FILE = "schema.json"


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column of an export: its header label, and where its value comes from."""

    label: str
    field: FieldMeta | None
    sub: str | None = None

    def value(self, record: dict[str, Any]) -> Any:
        if self.field is None:
            return record.get("id")
        if self.field.join_column:
            return record.get(self.field.join_column)
        value = record.get(self.field.name)
        if self.sub is not None:
            return value.get(self.sub) if isinstance(value, dict) else None
        return value


@dataclass(slots=True)
class ExportSummary:
    """What `export-csv` wrote: rows per file, and the objects left out for having no records."""

    folder: Path
    files: dict[str, int] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(self.files.values())


def exportable_objects(objects: Iterable[ObjectMeta]) -> list[ObjectMeta]:
    """Objects with a record index page, hence an "Export view", sorted by name."""
    return sorted((o for o in objects if is_snapshotted(o) and not o.is_system), key=lambda o: o.name_singular)


def exported_fields(obj: ObjectMeta) -> list[FieldMeta]:
    return [f for f in obj.fields if f.is_stored and f.is_active and f.name not in NEVER_IN_A_VIEW
            and f.type not in ("TS_VECTOR", "POSITION")]


def export_columns(obj: ObjectMeta) -> list[ExportColumn]:
    columns = [ExportColumn("Id", None)]
    for f in exported_fields(obj):
        label = f.label or f.name
        if f.join_column:
            columns.append(ExportColumn(f"{label} Id", f))
        elif f.type in COMPOSITE_SUBFIELDS:
            columns += [ExportColumn(f"{label} / {labels[0]}", f, sub) for sub, labels in SUBFIELD_LABELS[f.type].items()]
        else:
            columns.append(ExportColumn(label, f))
    return columns


def header_line(columns: list[ExportColumn]) -> str:
    return BOM + format_row(guard(c.label) for c in columns)


def _iso_instant(text: str) -> str:
    """`Date.prototype.toISOString()` of a stored instant: UTC, milliseconds, `Z`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def cell_text(column: ExportColumn, record: dict[str, Any]) -> str:
    """One cell: the value as `formatRecordExportRow.ts` turns it into text (before quoting)."""
    value = column.value(record)
    kind = column.field.type if column.field is not None and not column.field.join_column else "UUID"
    if value is None:
        return ""
    if kind == "CURRENCY" and column.sub == "amountMicros":
        value = float(value) / 1_000_000
    elif kind == "DATE_TIME" and isinstance(value, str):
        value = _iso_instant(value)
    elif kind == "RAW_JSON" and isinstance(value, str):
        value = json_text(value)
    if isinstance(value, str):
        return guard(value)
    return json_text(value)


def record_line(columns: list[ExportColumn], record: dict[str, Any]) -> str:
    return format_row(cell_text(c, record) for c in columns)


class ObjectFile:
    """`<nameSingular>.csv` being written: rows are streamed to a `.partial` file, renamed into
    place when complete, and removed if the object had no live records."""

    def __init__(self, folder: Path, obj: ObjectMeta) -> None:
        self.columns = export_columns(obj)
        self.path = folder / f"{obj.name_singular}.csv"
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.handle = self.partial.open("w", encoding="utf-8", newline="")
        self.handle.write(header_line(self.columns))
        self.count = 0

    def add(self, records: Iterable[dict[str, Any]]) -> int:
        added = 0
        for record in records:
            if record.get("deletedAt"):
                continue
            self.handle.write(record_line(self.columns, record))
            added += 1
        self.count += added
        return added

    def __enter__(self) -> ObjectFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """A failed or interrupted object leaves no `.partial` behind."""
        if kind is not None:
            self.handle.close()
            self.partial.unlink(missing_ok=True)

    def close(self, summary: ExportSummary) -> None:
        self.handle.close()
        if self.count:
            self.partial.replace(self.path)
            summary.files[self.path.name] = self.count
        else:
            self.partial.unlink()
            self.path.unlink(missing_ok=True)
            summary.empty.append(self.path.stem)


async def export_from_api(client: TwentyClient, out: Path, *, progress: Progress = NULL_PROGRESS) -> ExportSummary:
    """Write one E5 export file per object with live records, read through the REST API."""
    started = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary(out)
    objects = await client.objects()
    save_schema(out / SCHEMA_FILE, objects, await client.members())
    for obj in exportable_objects(objects):
        task = progress.start(obj.name_plural, None)
        with ObjectFile(out, obj) as target:
            async for page, total in client.iter_pages(obj.name_plural):
                progress.set_total(task, total)
                progress.advance(task, target.add(page))
            target.close(summary)
    summary.seconds = time.monotonic() - started
    return summary


def export_from_snapshot(snapshot: Path, out: Path, *, progress: Progress = NULL_PROGRESS) -> ExportSummary:
    """The same files from a snapshot (live records only, in id order)."""
    started = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary(out)
    with Snapshot(snapshot) as snap:
        taken = {r[0] for r in snap.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
        save_schema(out / SCHEMA_FILE, snap.objects(), snap.members())
        for obj in exportable_objects(o for o in snap.objects() if o.name_singular in taken):
            task = progress.start(obj.name_plural, None)
            with ObjectFile(out, obj) as target:
                progress.advance(task, target.add(snap.records(obj)))
                target.close(summary)
    summary.seconds = time.monotonic() - started
    return summary
