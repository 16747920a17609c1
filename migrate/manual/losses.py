"""What the UI's import cannot carry, or carries changed, and what to do about each.

Counted from the files themselves and the source's record counts, so README.txt and stdout name
real numbers:
- objects the export never holds (csv.md §3; `capabilities/import-relations.mdx`: note and task
  targets "not yet supported for import/export", issue #14694): note targets, task targets,
  attachments (their files: migration guide FAQ "re-upload ... or migrate them via API"), and
  soft-deleted records (an export lists live records only, csv.md §1.1);
- columns the import does not offer (`mapping.py`): created/updated by, last update, BlockNote,
  latitude/longitude, files;
- values the import rewrites (`packages/twenty-shared/src/utils/spreadsheet-import/`
  `normalizeSpreadsheetImportRows.ts`: an empty checkbox cell becomes false;
  `buildRecordFromImportedStructuredRow.ts`: primary e-mails lower-cased, link URLs through
  `normalizeUrlOrigin`, which lower-cases scheme and host and drops a trailing slash).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from migrate.manual.mapping import ColumnMapping
from migrate.model import ObjectMeta
from migrate.snapshot.csv_format import Target

Kind = Literal["not carried", "rewritten"]
_ORIGIN = re.compile(r"^[a-zA-Z][a-zA-Z\d+.-]*://[^/?#]+")

LINK_OBJECT_LOSSES = {
    "noteTarget": ("the links of notes to people, companies, opportunities and custom records (note targets)",
                   "re-link each note from its record page, or carry them with `twenty-migrate apply` (API)"),
    "taskTarget": ("the links of tasks to people, companies, opportunities and custom records (task targets)",
                   "re-link each task from its record page, or carry them with `twenty-migrate apply` (API)"),
    "attachment": ("attachments and their files",
                   ("download them from the source and upload them again on each record, or carry them with "
                   "`twenty-migrate apply` (API)")),
}
COLUMN_TODO = {
    "createdBy": "none by CSV: the import records itself as creator; the API path (`twenty-migrate apply`) keeps it",
    "updatedBy": "none by CSV: the server records the importing user",
    "updatedAt": "none by CSV: the server sets it on every write",
    "blocknote": "formatting is rebuilt from the Markdown column; check long or formatted notes by eye",
    "addressLat": "the map position is recomputed by Twenty if at all; re-enter it if you rely on it",
    "addressLng": "the map position is recomputed by Twenty if at all; re-enter it if you rely on it",
}


@dataclass(frozen=True, slots=True)
class Loss:
    """One thing the UI path loses or changes: on which object (and field), how many records."""

    kind: Kind
    object: str
    field: str | None
    count: int
    what: str
    todo: str


def normalize_link_url(url: str) -> str:
    """`normalizeUrlOrigin`: scheme and host lower-cased, one trailing slash dropped; text that is
    not an absolute URL stays as it is."""
    match = _ORIGIN.match(url)
    if match is None:
        return url
    text = match.group(0).lower() + url[match.end():]
    return text.removesuffix("/")


def link_object_losses(live: dict[str, int] | None) -> list[Loss]:
    """Note targets, task targets and attachments the source holds; with no counts (a schema.json
    source) all three are named with an unknown count (-1)."""
    if live is None:
        return [Loss("not carried", name, None, -1, *LINK_OBJECT_LOSSES[name]) for name in LINK_OBJECT_LOSSES]
    return [Loss("not carried", name, None, live[name], *LINK_OBJECT_LOSSES[name])
            for name in LINK_OBJECT_LOSSES if live.get(name)]


def deleted_losses(deleted: dict[str, int], exported: Iterable[str]) -> list[Loss]:
    return [Loss("not carried", name, "deletedAt", deleted[name], "soft-deleted records (an export lists live records only)",
                 "restore them in the source before exporting if they must move; else nothing to do")
            for name in exported if deleted.get(name)]


def missing_file_losses(live: dict[str, int], candidates: Iterable[str], exported: Iterable[str]) -> list[Loss]:
    """Objects holding live records in the source that have no file among the exports."""
    have = set(exported)
    return [Loss("not carried", name, None, live[name], "records of an object with no file in the exports folder",
                 f"export it (\u22ee -> Export view, or `twenty-migrate export-csv`), put {name}.csv beside the others and run "
                 "prepare-csv again")
            for name in sorted(candidates) if live.get(name) and name not in have]


def short_file_loss(name: str, rows: int, live: int) -> Loss | None:
    """A file with fewer rows than the source's live records: the UI's export stops silently near
    20 000 rows (csv.md §1.7: `EXPORT_TABLE_DATA_DEFAULT_PAGE_SIZE` x `maximumRequests`), or the view
    was filtered, or records were added since."""
    if rows >= live:
        return None
    return Loss("not carried", name, "rows", live - rows, f"records missing from {name}.csv: it has {rows} rows, the source "
                f"{live} live records (the UI's export stops near 20 000 rows, or the view was filtered)",
                "export the missing records (several filtered views, or `twenty-migrate export-csv`) and run prepare-csv again")


class ColumnLosses:
    """Per snapshot column (`createdBy`, `bodyV2_blocknote`, `emails_primaryEmail`, ...), counted
    row by row: cells in columns left out of the import, and cells the import will rewrite."""

    def __init__(self, obj: ObjectMeta, targets: list[Target], mappings: list[ColumnMapping]) -> None:
        self.obj = obj
        self.rules: list[tuple[int, Kind, str, str, str, Callable[[str], bool]]] = []
        self.counts: dict[tuple[Kind, str], int] = {}
        self.texts: dict[tuple[Kind, str], tuple[str, str]] = {}
        for index, (target, mapping) in enumerate(zip(targets, mappings, strict=True)):
            rule = _rule(target, mapping)
            if rule is not None:
                self.rules.append((index, *rule))

    def add(self, row: list[str]) -> None:
        hit: set[tuple[Kind, str]] = set()
        for index, kind, column, what, todo, counts in self.rules:
            if (kind, column) not in hit and counts(row[index]):
                hit.add((kind, column))
                self.counts[(kind, column)] = self.counts.get((kind, column), 0) + 1
            self.texts.setdefault((kind, column), (what, todo))

    def losses(self) -> list[Loss]:
        return [Loss(kind, self.obj.name_singular, column, n, *self.texts[(kind, column)])
                for (kind, column), n in self.counts.items() if n]


def _rule(target: Target, mapping: ColumnMapping) -> tuple[Kind, str, str, str, Callable[[str], bool]] | None:
    field = target.field
    label = field.label or field.name
    if mapping.map_to is None and not target.join:
        partial = target.sub in ("blocknote", "addressLat", "addressLng")
        column = f"{field.name}_{target.sub}" if partial else field.name
        what = f"{label}{' / ' + mapping.header.rsplit(' / ', 1)[-1] if partial else ''}: {mapping.note}"
        todo = COLUMN_TODO.get((target.sub or "") if partial else field.name, "re-enter the values by hand if you need them")
        return "not carried", column, what, todo, bool
    if mapping.map_to is not None and field.type == "BOOLEAN" and not target.join:
        return ("rewritten", field.name, f"{label}: empty cells become false",
                "nothing to do if false is right; else clear the values in the target", lambda c: not c)
    if target.sub == "primaryEmail":
        return ("rewritten", f"{field.name}_primaryEmail", f"{label}: primary e-mails are lower-cased",
                "nothing to do: e-mail addresses compare without case", lambda c: c != c.lower())
    if target.sub == "primaryLinkUrl":
        return ("rewritten", f"{field.name}_primaryLinkUrl",
                f"{label}: URLs get a lower-case scheme and host and lose a trailing slash", "nothing to do: the link is the same",
                lambda c: bool(c) and normalize_link_url(c) != c)
    return None
