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

import functools
import itertools
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from migrate.errors import InputError
from migrate.manual.cells import RawReader, RawWriter
from migrate.manual.changes import HEADER, Change, SafeCsv, change_row
from migrate.manual.dangling import DanglingReferences
from migrate.manual.export import exportable_objects
from migrate.manual.losses import (
    ColumnLosses,
    Loss,
    deleted_losses,
    link_object_losses,
    missing_file_losses,
    short_file_loss,
)
from migrate.manual.mapping import ColumnMapping, email_mapping, map_column
from migrate.manual.member_columns import (
    MEMBER_OBJECT,
    USER_EMAIL_LABEL,
    MemberDirectory,
    MemberRewriter,
    Unmapped,
    find_member_columns,
    member_directory,
)
from migrate.manual.source_model import SourceModel
from migrate.manual.split import IMPORT_ROW_CAP, part_name, part_sizes
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
    """What was written. `unmapped` keeps the first `UNMAPPED_KEPT` cells (all are in
    unmapped-members.csv); `unmapped_cells` and `unmapped_ids` count them all."""

    out: Path
    files: list[PreparedFile] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    unmapped_cells: int = 0
    unmapped_ids: set[str] = field(default_factory=set)
    changes: int = 0
    fallback: str | None = None
    max_rows: int = IMPORT_ROW_CAP


UNMAPPED_KEPT = 1_000


@dataclass(slots=True)
class _Run:
    """One prepare run's open outputs: changes.csv, unmapped-members.csv, the result."""

    result: PrepareResult
    changes: SafeCsv
    unmapped: SafeCsv | None = None

    def change(self, change: Change) -> None:
        self.changes.add(change_row(change))

    def missing(self, cell: Unmapped) -> None:
        if self.unmapped is None:
            self.unmapped = SafeCsv(self.result.out / "unmapped-members.csv", ("file", "row", "column", "member_id"))
        self.unmapped.add((cell.file, cell.row, cell.column, cell.member_id))
        self.result.unmapped_cells += 1
        self.result.unmapped_ids.add(cell.member_id)
        if len(self.result.unmapped) < UNMAPPED_KEPT:
            self.result.unmapped.append(cell)


def prepare_csv(csv_dir: Path, model: SourceModel, out: Path, *, overrides: dict[str, str] | None = None,
                fallback: str | None = None, max_rows: int = IMPORT_ROW_CAP, progress: Progress = NULL_PROGRESS) -> PrepareResult:
    """Write the import-ready files of the exports in `csv_dir` to `out` (see the module docstring).

    Files are streamed row by row (read once to count and check, once to write), so memory does
    not grow with their size."""
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
    result.losses = link_object_losses(model.live if model.counted else None) + deleted_losses(model.deleted, order)
    result.losses += missing_file_losses(model.live, (o.name_singular for o in exportable_objects(model.objects)), order)
    run = _Run(result, SafeCsv(out / "changes.csv", HEADER))
    counted = {name: _check_rows(path, obj) for name, (path, obj) in pairs.items()}
    exported = {name: ids for name, (_, ids) in counted.items()}
    second_step = len(order)
    for step, name in enumerate(order, start=1):
        path, obj = pairs[name]
        pending = deferred_fields.get(name, set())
        second_name = f"{second_step + 1:0{width}d}-{name}-second-pass.csv" if pending else None
        second_step += bool(pending)
        task = progress.start(obj.name_plural, None)
        total = counted[name][0]
        short = short_file_loss(name, total, model.live[name]) if model.counted and name in model.live else None
        if short is not None:
            result.losses.append(short)
        progress.set_total(task, total)
        _prepare_file(run, path, obj, f"{step:0{width}d}-{name}", step, total, pending, second_name, directory, email_label,
                      functools.partial(progress.advance, task), exported)
    result.changes = run.changes.close()
    if run.unmapped is not None:
        run.unmapped.close()
    result.files.sort(key=lambda f: (f.step, f.part))
    _write_manifest(out / MANIFEST, result)
    from migrate.manual.readme import write_readme

    write_readme(out / "README.txt", result, model)
    return result


def _check_rows(path: Path, obj: ObjectMeta) -> tuple[int, set[str]]:
    """The number of data rows and the ids they hold; every row must have as many cells as the header."""
    with RawReader(path) as raw:
        bound = bind_headers(path, obj, raw.header, "units")
        width = len(bound)
        id_index = next((i for i, c in enumerate(bound) if c.target.field.name == "id" and not c.target.join), None)
        total, ids = 0, set()
        for total, row in enumerate(raw.rows(), start=1):
            if len(row) != width:
                raise InputError(f"Row {total} of {path.name} has {len(row)} cells but the header has {width}; fix the "
                                 "row or export the view again.", path=str(path), row=total)
            if id_index is not None and row[id_index]:
                ids.add(row[id_index])
    return total, ids


def _prepare_file(run: _Run, path: Path, obj: ObjectMeta, stem: str, step: int, total: int, pending: set[str],
                  second_name: str | None, directory: MemberDirectory, email_label: str, advance: Callable[[int], None],
                  exported: dict[str, set[str]]) -> None:
    result = run.result
    with RawReader(path) as raw:
        bound = bind_headers(path, obj, raw.header, "units")
        header = [c.header for c in bound]
        if header != raw.header:
            run.change(Change(path.name, 0, "", ",".join(raw.header), ",".join(header),
                              "header cells of one label rejoined (an E1 export wrote a comma in a label unquoted)"))
        mappings = [map_column(c.header, c.target, pending, second_name) for c in bound]
        losses = ColumnLosses(obj, [c.target for c in bound], mappings)
        member_columns = find_member_columns(obj, header, email_label)
        rewriter = MemberRewriter(path.name, header, member_columns, directory)
        dangling = DanglingReferences(path.name, header, [c.target for c in bound], exported, frozenset({MEMBER_OBJECT}))
        for change in rewriter.header_changes:
            run.change(change)
        final: list[ColumnMapping] = []
        emails = {c.index: c for c in member_columns}
        for index, mapping in enumerate(mappings):
            final.append(mapping)
            if index in emails:
                final.append(email_mapping(emails[index].email_header))
        sizes = part_sizes(total, result.max_rows)
        names = [part_name(stem, n, len(sizes)) for n in range(1, len(sizes) + 1)]
        second = None
        if second_name:
            indexes = [i for i, c in enumerate(bound) if c.target.join and c.target.field.name in pending]
            id_index = next(i for i, c in enumerate(bound) if c.target.field.name == "id" and not c.target.join)
            second_header = [header[i] for i in (id_index, *indexes)]
            second = RawWriter(result.out / second_name, second_header, bom=raw.bom)
        rows = raw.rows()
        number = 0
        for part, (file, size) in enumerate(zip(names, sizes, strict=True), start=1):
            writer = RawWriter(result.out / file, rewriter.header, bom=raw.bom)
            for row in itertools.islice(rows, size):
                number += 1
                losses.add(row)
                row, emptied = dangling.fix(number, row)
                for change in emptied:
                    run.change(change)
                new_row, changes, unmapped = rewriter.rewrite(number, row)
                writer.add(new_row)
                for change in changes:
                    run.change(change)
                for cell in unmapped:
                    run.missing(cell)
                if second is not None and any(row[i] for i in indexes):
                    second.add([row[id_index], *(row[i] for i in indexes)])
            result.files.append(PreparedFile(file, obj.name_singular, obj.label_plural or obj.name_plural, step, part, len(sizes),
                                             writer.close(), False, final))
            advance(size)
    result.losses += losses.losses() + dangling.losses(obj.name_singular)
    run.change(Change(path.name, 0, "", path.name, ", ".join(names), "renamed: the number gives the import order" + (
        f"; split: the import takes at most {result.max_rows} rows a file" if len(names) > 1 else "")))
    if second is not None and second_name:
        second_map = [ColumnMapping(second.header[0], "Id", f"finds the {obj.name_singular} imported at step {step}")]
        second_map += [map_column(header[i], bound[i].target, set()) for i in indexes]
        second_step = int(second_name.split("-", 1)[0])
        result.files.append(PreparedFile(second_name, obj.name_singular, obj.label_plural or obj.name_plural, second_step, 1, 1,
                                         second.close(), True, second_map))
        run.change(Change(second_name, 0, "", "", second_name, f"new file: {', '.join(second.header[1:])} of {obj.name_singular}, "
                                                                "set once every record exists (cycle or self-reference)"))


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


def _write_manifest(path: Path, result: PrepareResult) -> None:
    document = {"format": MANIFEST_FORMAT, "version": 1, "max_rows": result.max_rows, "fallback_owner": result.fallback,
                "files": [asdict(f) for f in result.files], "losses": [asdict(x) for x in result.losses],
                "unmapped": [asdict(u) for u in result.unmapped], "unmapped_cells": result.unmapped_cells}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
