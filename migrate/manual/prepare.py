"""`prepare-csv`: a folder of the UI's exports becomes files ready for the UI's "Import records".

For each exported object, in the dependency order of the relation graph (`plan/order.py`,
Tarjan: parents first; a relation inside a cycle or to its own object is deferred):
- an e-mail column beside every member column (`member_columns.py`);
- the file named `NN-<object>.csv`, cut into parts above the import's row cap (`split.py`);
- for deferred relations, a second-pass file `NN-<object>-second-pass.csv` (Id and those columns)
  imported after all the others: the import updates records matched by id (upsert).
Then `README.txt` (what to import, in which order, which column to map to which field, what the
import cannot carry), `changes.csv` (every change), `manifest.json` (the same, for programs) and,
if some member ids have no e-mail, `unmapped-members.csv`. No cell other than the added e-mail
cells is touched; the export's U+200D guard stays as written.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from migrate.errors import InputError
from migrate.manual.cells import read_raw, write_text
from migrate.manual.changes import Change, safe_cell, write_changes
from migrate.manual.losses import Loss, column_losses, deleted_losses, link_object_losses
from migrate.manual.mapping import ColumnMapping, email_mapping, map_column
from migrate.manual.member_columns import (
    MEMBER_OBJECT,
    USER_EMAIL_LABEL,
    Unmapped,
    add_member_emails,
    find_member_columns,
    member_directory,
)
from migrate.manual.source_model import SourceModel
from migrate.manual.split import IMPORT_ROW_CAP, part_name, split_rows
from migrate.model import ObjectMeta
from migrate.plan.order import creation_order
from migrate.progress import NULL_PROGRESS, Progress
from migrate.snapshot.from_csv import bind_headers, match_files
from migrate.snapshot.tables import snapshotted

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "twenty-migrate-import"
OWN_FILES = ("README.txt", "changes.csv", MANIFEST, "unmapped-members.csv")


@dataclass(frozen=True, slots=True)
class PreparedFile:
    """One file to import: into which object, at which step, and how to map each column."""

    file: str
    object: str
    label_plural: str
    step: int
    part: int
    parts: int
    rows: int
    second_pass: bool
    columns: list[ColumnMapping]


@dataclass(slots=True)
class PrepareResult:
    out: Path
    files: list[PreparedFile] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    changes: int = 0
    fallback: str | None = None
    max_rows: int = IMPORT_ROW_CAP


def prepare_csv(csv_dir: Path, model: SourceModel, out: Path, *, overrides: dict[str, str] | None = None,
                fallback: str | None = None, max_rows: int = IMPORT_ROW_CAP, progress: Progress = NULL_PROGRESS) -> PrepareResult:
    """Write the import-ready files of the exports in `csv_dir` to `out` (see the module docstring)."""
    if max_rows < 1:
        raise InputError(f"--max-rows must be at least 1, not {max_rows}.")
    pairs = {obj.name_singular: (path, obj) for path, obj in match_files(Path(csv_dir), snapshotted(model.objects))}
    order, deferred = creation_order([obj for _, obj in pairs.values()])
    deferred_fields: dict[str, set[str]] = {}
    for d in deferred:
        deferred_fields.setdefault(d.object, set()).add(d.field)
    out = _clean_out(Path(out))
    directory = member_directory(model.members, overrides, fallback)
    email_label = _user_email_label(model.objects)
    steps = len(order) + sum(1 for name in order if deferred_fields.get(name))
    width = max(2, len(str(steps)))
    result = PrepareResult(out, fallback=fallback, max_rows=max_rows)
    result.losses = link_object_losses(model.live) + deleted_losses(model.deleted, order)
    changes: list[Change] = []
    second: list[tuple[ObjectMeta, str, list[str], list[list[str]], list[ColumnMapping], bool]] = []
    for step, name in enumerate(order, start=1):
        path, obj = pairs[name]
        stem = f"{step:0{width}d}-{name}"
        pending = deferred_fields.get(name, set())
        second_name = f"{len(order) + len(second) + 1:0{width}d}-{name}-second-pass.csv" if pending else None
        task = progress.start(obj.name_plural, None)
        raw = read_raw(path)
        bound = bind_headers(path, obj, raw.header, "units")
        header = [c.header for c in bound]
        if header != raw.header:
            changes.append(Change(path.name, 0, "", ",".join(raw.header), ",".join(header),
                                  "header cells of one label rejoined (an E1 export wrote a comma in a label unquoted)"))
        for number, row in enumerate(raw.rows, start=1):
            if len(row) != len(header):
                raise InputError(f"Row {number} of {path.name} has {len(row)} cells but the header has {len(header)}; fix the "
                                 "row or export the view again.", path=str(path), row=number)
        mappings = [map_column(c.header, c.target, pending, second_name) for c in bound]
        result.losses += column_losses(obj, [c.target for c in bound], mappings, raw.rows)
        member_columns = find_member_columns(obj, header, email_label)
        new_header, rows, added, unmapped = add_member_emails(path.name, header, raw.rows, member_columns, directory)
        changes += added
        result.unmapped += unmapped
        emails = {c.index for c in member_columns}
        final: list[ColumnMapping] = []
        for index, mapping in enumerate(mappings):
            final.append(mapping)
            if index in emails:
                final.append(email_mapping(next(c.email_header for c in member_columns if c.index == index)))
        parts = split_rows(rows, max_rows)
        for number, part in enumerate(parts, start=1):
            file = part_name(stem, number, len(parts))
            write_text(out / file, new_header, part, bom=raw.bom)
            result.files.append(PreparedFile(file, name, obj.label_plural or obj.name_plural, step, number, len(parts), len(part),
                                             False, final))
        changes.append(Change(path.name, 0, "", path.name, ", ".join(part_name(stem, n, len(parts)) for n in range(1, len(parts) + 1)),
                              "renamed: the number gives the import order" + (
                                  f"; split: the import takes at most {max_rows} rows a file" if len(parts) > 1 else "")))
        if pending and second_name:
            indexes = [i for i, c in enumerate(bound) if c.target.join and c.target.field.name in pending]
            id_index = next(i for i, c in enumerate(bound) if c.target.field.name == "id" and not c.target.join)
            second_rows = [[row[id_index], *(row[i] for i in indexes)] for row in raw.rows if any(row[i] for i in indexes)]
            second_map = [map_column(header[id_index], bound[id_index].target, set())]
            second_map += [map_column(header[i], bound[i].target, set()) for i in indexes]
            second.append((obj, second_name, [header[i] for i in (id_index, *indexes)], second_rows, second_map, raw.bom))
        progress.set_total(task, len(raw.rows))
        progress.advance(task, len(raw.rows))
    for offset, (obj, file, header, rows, mappings, bom) in enumerate(second, start=len(order) + 1):
        write_text(out / file, header, rows, bom=bom)
        result.files.append(PreparedFile(file, obj.name_singular, obj.label_plural or obj.name_plural, offset, 1, 1, len(rows),
                                         True, mappings))
        changes.append(Change(file, 0, "", "", file, f"new file: {', '.join(h for h in header[1:])} of {obj.name_singular}, set "
                                                  "once every record exists (cycle or self-reference)"))
    result.changes = write_changes(out / "changes.csv", changes)
    if result.unmapped:
        _write_unmapped(out / "unmapped-members.csv", result.unmapped)
    _write_manifest(out / MANIFEST, result)
    from migrate.manual.readme import write_readme

    write_readme(out / "README.txt", result, model)
    return result


def _user_email_label(objects: list[ObjectMeta]) -> str:
    member = next((o for o in objects if o.name_singular == MEMBER_OBJECT), None)
    email = member.field("userEmail") if member else None
    return email.label if email is not None and email.label else USER_EMAIL_LABEL


def _clean_out(out: Path) -> Path:
    """An empty folder to write into; only a previous run's own files are removed."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; --out must be a folder.", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    present = [p for p in out.iterdir()]
    if not present:
        return out
    manifest = out / MANIFEST
    if not manifest.exists():
        raise InputError(f"{out} is not empty and was not written by prepare-csv; choose an empty --out folder.", path=str(out))
    try:
        listed = {f["file"] for f in json.loads(manifest.read_text(encoding="utf-8"))["files"]}
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{manifest} is not readable; remove {out} or choose another --out folder.", path=str(manifest)) from None
    strangers = [p.name for p in present if p.name not in listed and p.name not in OWN_FILES]
    if strangers:
        raise InputError(f"{out} holds files prepare-csv did not write ({', '.join(sorted(strangers)[:5])}); choose an empty "
                         "--out folder.", path=str(out))
    for p in present:
        p.unlink() if p.is_file() else shutil.rmtree(p)
    return out


def _write_unmapped(path: Path, unmapped: list[Unmapped]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["file", "row", "column", "member_id"])
        for u in unmapped:
            out.writerow([safe_cell(v) for v in (u.file, u.row, u.column, u.member_id)])


def _write_manifest(path: Path, result: PrepareResult) -> None:
    document = {"format": MANIFEST_FORMAT, "version": 1, "max_rows": result.max_rows, "fallback_owner": result.fallback,
                "files": [asdict(f) for f in result.files], "losses": [asdict(x) for x in result.losses],
                "unmapped": [asdict(u) for u in result.unmapped]}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
