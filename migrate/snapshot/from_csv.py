"""Snapshot a workspace from a folder of the UI's CSV exports ("⋮ → Export view").

The data model and members come from a schema file (`schema_file.load_schema`: a snapshot taken
through the API, or a `schema.json`), because a CSV carries labels, not types. Each file becomes
one object's record table; every cell is decoded to its wire value and streamed into a
`SnapshotWriter`, so memory stays flat. Nothing is dropped: the first unreadable file, header or
cell stops the run with an `InputError` naming the file, row and column, and no snapshot is left.

File names (csv.md §1.5: the UI names a file `<nameSingular>.csv`): a file belongs to the object
whose API name (singular or plural) or label (singular or plural) equals the file's stem, compared
without case, spaces, `-` or `_`, after dropping a browser's ` (2)` copy suffix: `company.csv`,
`companies.csv`, `Companies.csv`, `Note targets (1).csv`. Files not ending in `.csv` are ignored.

What a CSV cannot carry (csv.md §1.1, §1.3): soft-deleted records, one-to-many relations, columns
hidden in the exported view (often `position`), attachments' bytes; those stay empty.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate import __version__
from migrate.errors import InputError
from migrate.model import ObjectMeta
from migrate.progress import NULL_PROGRESS, Progress
from migrate.snapshot.csv_format import (
    CellError,
    Target,
    Unit,
    closest,
    decoder_for,
    export_headers,
    fold_header,
    header_targets,
)
from migrate.snapshot.from_api import SnapshotSummary
from migrate.snapshot.schema_file import load_schema
from migrate.snapshot.tables import FORMAT_VERSION, snapshotted
from migrate.snapshot.writer import RecordSink, SnapshotWriter

BATCH = 1_000
MAX_CELL = 2**31 - 1
"""Cells may be as long as Twenty's text (Postgres `text`); Python's csv stops at 128 KiB by default."""
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32LE"), (codecs.BOM_UTF32_BE, "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE"),
)


def object_key(text: str) -> str:
    """How file stems and object names are compared: no case, no spaces, `-` or `_`."""
    return re.sub(r"[\s_\-]+", "", _COPY_SUFFIX.sub("", text)).casefold()


def match_files(csv_dir: Path, objects: list[ObjectMeta]) -> list[tuple[Path, ObjectMeta]]:
    """Each `.csv` file of the folder with the object it holds (sorted by file name)."""
    if not csv_dir.is_dir():
        raise InputError(f"{csv_dir} is not a folder; pass the folder holding the CSV files exported from Twenty.", path=str(csv_dir))
    files = sorted(p for p in csv_dir.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise InputError(f"{csv_dir} holds no .csv file; export each object with \"⋮ → Export view\" and put the files there.",
                         path=str(csv_dir))
    by_key: dict[str, list[ObjectMeta]] = {}
    for obj in objects:
        for name in {obj.name_singular, obj.name_plural, obj.label_singular, obj.label_plural}:
            if name and obj not in by_key.setdefault(object_key(name), []):
                by_key[object_key(name)].append(obj)
    chosen: list[tuple[Path, ObjectMeta]] = []
    seen: dict[str, Path] = {}
    for path in files:
        hits = by_key.get(object_key(path.stem), [])
        if len(hits) != 1:
            names = ", ".join(f"{o.name_singular}.csv" for o in objects)
            if hits:
                raise InputError(f"{path.name} could hold {' or '.join(o.name_singular for o in hits)}; rename it to "
                                 f"<object API name>.csv. Objects: {names}.", path=str(path))
            raise InputError(f"{path.name} matches no object of the schema; name each file after its object as Twenty does "
                             f"(e.g. company.csv or Companies.csv), or remove it. Objects: {names}.", path=str(path))
        obj = hits[0]
        if obj.name_singular in seen:
            raise InputError(f"{seen[obj.name_singular].name} and {path.name} both hold {obj.name_singular} records; keep one "
                             "file per object.", path=str(path))
        seen[obj.name_singular] = path
        chosen.append((path, obj))
    return chosen


def check_utf8(path: Path) -> None:
    """Refuse text that is not UTF-8 before reading it, naming the encoding to convert from."""
    with path.open("rb") as handle:
        head = handle.read(4)
        for bom, name in _BOMS:
            if head.startswith(bom):
                raise InputError(f"{path.name} is {name} text; Twenty exports UTF-8. Convert it first, e.g. "
                                 f"`iconv -f {name} -t UTF-8 '{path.name}' > '{path.stem}-utf8.csv'`.", path=str(path))
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset, line = 0, 1
        while True:
            chunk = handle.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                where = offset + exc.start
                bad = chunk[exc.start:exc.start + 1] if exc.start < len(chunk) else b""
                line += chunk[:max(exc.start, 0)].count(b"\n")
                raise InputError(
                    f"{path.name} is not UTF-8: byte {bad.hex(' ') or 'at the end'} at offset {where} (line {line}) is invalid. "
                    "It was probably saved as Latin-1 / Windows-1252 (e.g. by Excel); convert it with "
                    f"`iconv -f WINDOWS-1252 -t UTF-8`, or export it again from Twenty.", path=str(path), row=line) from None
            if not chunk:
                return
            offset += len(chunk)
            line += chunk.count(b"\n")


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column bound to where its cells go."""

    header: str
    target: Target
    decode: Callable[[str], Any]


def bind_headers(path: Path, obj: ObjectMeta, headers: list[str], e1_amount_unit: Unit) -> list[Column]:
    """Map each header to a field, sub-field or join column, or explain which header is wrong."""
    known, ambiguous = header_targets(obj, e1_amount_unit=e1_amount_unit)
    headers = _merge_split_headers(headers, known)
    columns: list[Column] = []
    taken: dict[str, str] = {}
    for index, header in enumerate(headers):
        folded = fold_header(header)
        shown = header.lstrip("\ufeff")
        if folded in ambiguous:
            names = " or ".join(t.column for t in ambiguous[folded])
            raise InputError(f"Header '{shown}' of {path.name} could be {names} of {obj.name_singular}; rename the column "
                             f"to the API name of the one it holds.", path=str(path), row=1, column=shown)
        target = known.get(folded)
        if target is None:
            labels = export_headers(obj)
            guess = closest(shown, labels)
            hint = f"did you mean '{guess}'? " if guess else ""
            raise InputError(f"Header '{shown}' (column {index + 1}) of {path.name} matches no field of {obj.name_singular}; "
                             f"{hint}Known headers: {', '.join(labels)}. Rename the column, or remove it.",
                             path=str(path), row=1, column=shown)
        if target.column in taken:
            raise InputError(f"Headers '{taken[target.column]}' and '{shown}' of {path.name} both hold {obj.name_singular}."
                             f"{target.column}; remove one of the two columns.", path=str(path), row=1, column=shown)
        taken[target.column] = shown
        columns.append(Column(shown, target, decoder_for(target)))
    if "id" not in taken:
        raise InputError(f"{path.name} has no Id column; exports since June 2024 start with one. Export the view again "
                         "from a newer Twenty, or add the records' ids.", path=str(path), row=1, column="Id")
    return columns


def _merge_split_headers(headers: list[str], known: dict[str, Target]) -> list[str]:
    """Rejoin a label with a comma that an E1 export wrote unquoted across header cells (csv.md §8.3).

    Cells are joined only when a later one of them names nothing on its own and the joined text
    names a column, so a file whose headers all match is never touched."""
    out: list[str] = []
    index = 0
    while index < len(headers):
        for end in range(min(index + 4, len(headers)), index + 1, -1):
            span = headers[index:end]
            if any(fold_header(h) not in known for h in span[1:]) and fold_header(",".join(span)) in known:
                out.append(",".join(span))
                index = end
                break
        else:
            out.append(headers[index])
            index += 1
    return out


def read_records(path: Path, obj: ObjectMeta, *, e1_amount_unit: Unit = "units") -> Iterator[dict[str, Any]]:
    """The records of one export file as wire records, in file order."""
    check_utf8(path)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        rows = _rows(path, reader)
        first = next(rows, None)
        if first is None:
            raise InputError(f"{path.name} is empty; expected a header row (Id, then the view's columns). Export it again.",
                             path=str(path))
        _, header_cells = first
        columns = bind_headers(path, obj, header_cells, e1_amount_unit)
        seen_ids: dict[str, int] = {}
        for number, (line, cells) in enumerate(rows, start=1):
            if len(cells) != len(columns):
                more = len(cells) > len(columns)
                why = ("a cell holds an unquoted comma, or the header row lost a column" if more
                       else "the row was cut short, or a cell holds an unquoted line break")
                raise InputError(f"Row {number} (line {line}) of {path.name} has {len(cells)} cells but the header has "
                                 f"{len(columns)}: {why}. Fix the row or export the view again.", path=str(path), row=number)
            record = _record(path, obj, columns, cells, number, line)
            if record["id"] in seen_ids:
                raise InputError(f"Row {number} (line {line}) of {path.name} repeats id {record['id']} of row "
                                 f"{seen_ids[record['id']]}; a record appears once per export. Remove the duplicate row.",
                                 path=str(path), row=number, column=columns[0].header)
            seen_ids[record["id"]] = number
            yield record


def _rows(path: Path, reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on; CSV syntax errors as `InputError`s."""
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(f"{path.name} ends inside a quoted cell that starts on line {line}: the file is cut short "
                                 "(an interrupted download or copy?). Export the view again.", path=str(path), row=line) from None
            raise InputError(f"{path.name} has broken quoting on line {reader.line_num} ({exc}); a quote inside a cell "
                             "must be doubled (\"\"). Export the view again.", path=str(path), row=reader.line_num) from None
        if cells:
            yield line, cells


def _record(path: Path, obj: ObjectMeta, columns: list[Column], cells: list[str], number: int, line: int) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, cell in zip(columns, cells, strict=True):
        try:
            value = column.decode(cell)
        except CellError as exc:
            shown = cell if len(cell) <= 80 else cell[:77] + "…"
            raise InputError(f"Row {number} (line {line}) of {path.name}, column '{column.header}' ({obj.name_singular}."
                             f"{column.target.column}): {shown!r} {exc}. Fix the cell or export the view again.",
                             path=str(path), row=number, column=column.header) from None
        target = column.target
        if target.join:
            record[target.column] = value
        elif target.sub is not None:
            record.setdefault(target.field.name, {})[target.sub] = value
        else:
            record[target.field.name] = value
    if not record.get("id"):
        raise InputError(f"Row {number} (line {line}) of {path.name} has an empty Id; every exported record has one. "
                         "Fix the row or export the view again.", path=str(path), row=number, column=columns[0].header)
    return record


def _load_file(path: Path, obj: ObjectMeta, sink: RecordSink, progress: Progress, e1_amount_unit: Unit) -> None:
    task = progress.start(obj.name_plural, None)
    batch: list[dict[str, Any]] = []
    for record in read_records(path, obj, e1_amount_unit=e1_amount_unit):
        batch.append(record)
        if len(batch) >= BATCH:
            sink.add(batch)
            progress.advance(task, len(batch))
            batch = []
    sink.add(batch)
    progress.advance(task, len(batch))


def snapshot_from_csv(csv_dir: Path, schema: Path, out: Path, *, progress: Progress = NULL_PROGRESS,
                      e1_amount_unit: Unit = "units") -> SnapshotSummary:
    """Write a snapshot of the CSV exports in `csv_dir` to `out`, typed by `schema`.

    `schema` is a snapshot file or a `schema.json` of the same workspace (`schema_file`).
    `e1_amount_unit="micros"` reads `… AmountMicros` columns of mid-2024 exports as raw micros.
    Only objects with a file are marked snapshotted; the others keep their schema and no table.
    """
    started = time.monotonic()
    csv_dir, out = Path(csv_dir), Path(out)
    objects, members = load_schema(Path(schema))
    pairs = match_files(csv_dir, snapshotted(objects))
    summary = SnapshotSummary(path=out, twenty_version=None)
    with SnapshotWriter(out) as writer:
        writer.write_schema(objects, {obj.name_singular for _, obj in pairs})
        writer.write_members(members)
        for path, obj in pairs:
            sink = writer.sink(obj)
            _load_file(path, obj, sink, progress, e1_amount_unit)
            summary.counts[obj.name_singular] = sink.count
            summary.deleted[obj.name_singular] = sink.deleted
        writer.finish({"format_version": FORMAT_VERSION, "origin": "csv", "url": None,
                       "taken_at": datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "), "tool_version": __version__,
                       "twenty_version": None, "source_files": json.dumps([p.name for p, _ in pairs], ensure_ascii=False)})
    summary.seconds = time.monotonic() - started
    return summary


__all__ = ["snapshot_from_csv"]
