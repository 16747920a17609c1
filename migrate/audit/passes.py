"""Audits of a migration done in passes, without a journal (the manual path through the UI's import).

Between two imports the target holds some objects and not yet others: an object with no records in
the target is *pending* (its checks are skipped with the reason, the report counts them as pending)
until `--final` (or `final = true` in the audit config) says the import is complete. `--objects
company,person` limits a run to what has been imported so far; the others are pending too.

Without a journal, records are matched by `migrate.diff.matching` (id, the server's unique keys,
the config's `[match]` keys); the links the UI's import cannot carry are named with what to do.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.diff.matching import load_match_keys
from migrate.errors import InputError

NOT_CARRIED = {
    "noteTarget": "the UI's import cannot carry note targets (csv.md): link each note to its records by hand in the target, "
                  "or migrate them with `twenty-migrate apply`",
    "taskTarget": "the UI's import cannot carry task targets (csv.md): link each task to its records by hand in the target, "
                  "or migrate them with `twenty-migrate apply`",
    "attachment": "the UI's export and import carry no attachments: upload the files again by hand in the target, "
                  "or migrate them with `twenty-migrate apply`",
}
"""What Twenty's CSV export and import leave out, and what a person does about it."""
PENDING = "pending: "
NOT_IN_CSV = {"position": "a CSV export never holds it (csv.md §1.3: not visible in views)"}
"""Fields not compared when either side is a folder of CSV exports."""
NOT_IMPORTED = {
    "position": "an import does not carry it: the target orders re-created records itself (the UI's import skips POSITION)",
    "createdBy": "an import sets it to the importer (the UI's import: source IMPORT)",
}
"""Fields not compared, without a journal, when the target's records were re-created by an import
(twenty-front buildRecordFromImportedStructuredRow.ts: ACTOR fields become {source: IMPORT}, POSITION
is skipped)."""
EMPTY_CHECKBOXES = "empty checkboxes"
IMPORT_REWRITES = {EMPTY_CHECKBOXES: "compared as false: the UI's import writes false for an empty checkbox cell "
                                     "(twenty-shared normalizeSpreadsheetImportRows.ts)"}
"""Values the UI's import rewrites, compared as the import writes them when the target was re-created by one
(link URLs and e-mails are compared without case on every audit)."""
UNOFFERED_SUBS = {"RICH_TEXT_V2": ("blocknote",), "ADDRESS": ("addressLat", "addressLng")}
"""Sub-fields the UI's import does not offer (the BlockNote JSON, map coordinates)."""


@dataclass(frozen=True, slots=True)
class PassOptions:
    """What a run of the audit covers: the whole import (`final`) or a pass of it."""

    final: bool = False
    objects: tuple[str, ...] | None = None
    match: dict[str, list[str]] = field(default_factory=dict)


def read_config(path: Path | None) -> dict[str, Any]:
    """The audit config (`audit.toml`) as a dict; {} without one."""
    if path is None:
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the audit config {path}: {exc}", path=str(path)) from None


def pass_options(config: Path | None, *, final: bool = False, objects: str | None = None) -> PassOptions:
    """The options of `--final`, `--objects a,b` and the config's `final = true` and `[match]`."""
    data = read_config(config)
    where = f"{config}: " if config else ""
    configured = data.get("final", False)
    if not isinstance(configured, bool):
        raise InputError(f"{where}final must be true or false.")
    names = tuple(sorted({n.strip() for n in objects.split(",") if n.strip()})) if objects is not None else None
    if names is not None and not names:
        raise InputError("--objects needs at least one object name, e.g. --objects company,person.")
    return PassOptions(final=final or configured, objects=names, match=load_match_keys(data, where))


def not_carried(name: str) -> str | None:
    return NOT_CARRIED.get(name)


def not_compared(source: Any, target: Any, has_journal: bool, recreated: bool = False) -> dict[str, str]:
    """Fields the diff leaves out for this pair of snapshots (`reader.Snapshot`s), with the reason:
    what a CSV export cannot hold, and, without a journal, what an import cannot carry when the
    target's records were re-created by one: more hold `createdBy` source IMPORT than in the source, or `recreated`
    (the matching found records under new ids, which `apply` never gives)."""
    out: dict[str, str] = {}
    if "csv" in (source.info.get("origin"), target.info.get("origin")):
        out.update(NOT_IN_CSV)
    if not has_journal and (recreated or _imported_by_ui(source, target)):
        out.update(NOT_IMPORTED)
        out.update(IMPORT_REWRITES)
        for obj in source.objects():  # sub-fields the import does not offer (CompositeFieldSubFieldLabels.ts)
            for f in obj.fields:
                for sub in UNOFFERED_SUBS.get(f.type, ()):
                    out[f"{f.name}_{sub}"] = f"the UI's import does not offer the {sub} of {f.type} fields"
    return out


def _imported_by_ui(source: Any, target: Any) -> bool:
    """Whether the target holds more records created by IMPORT than the source, for some object
    (the source may hold some of its own: a count, not a presence)."""
    def counts(snapshot: Any) -> dict[str, int]:
        names = [r[0] for r in snapshot.con.execute(
            "SELECT DISTINCT object FROM fields WHERE name = 'createdBy' AND object IN "
            "(SELECT name_singular FROM objects WHERE snapshotted)").fetchall()]
        return {name: snapshot.con.execute(f'SELECT count(*) FROM records."{name}" WHERE "createdBy_source" = \'IMPORT\'').fetchone()[0]
                for name in names}

    before = counts(source)
    return any(n > before.get(name, 0) for name, n in counts(target).items())
