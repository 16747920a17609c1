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
    "position": "the UI's import does not set it (buildRecordFromImportedStructuredRow.ts skips POSITION)",
    "createdBy": "the UI's import sets it to the importer, source IMPORT (buildRecordFromImportedStructuredRow.ts)",
}
"""Fields not compared, without a journal, when the target's records come from the UI's import."""


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


def not_compared(source: Any, target: Any, has_journal: bool) -> dict[str, str]:
    """Fields the diff leaves out for this pair of snapshots (`reader.Snapshot`s), with the reason:
    what a CSV export cannot hold, and, without a journal, what the UI's import cannot carry when
    the target holds records it created (their `createdBy` source is IMPORT)."""
    out: dict[str, str] = {}
    if "csv" in (source.info.get("origin"), target.info.get("origin")):
        out.update(NOT_IN_CSV)
    if not has_journal and _imported_by_ui(target):
        out.update(NOT_IMPORTED)
    return out


def _imported_by_ui(snapshot: Any) -> bool:
    names = [r[0] for r in snapshot.con.execute(
        "SELECT DISTINCT object FROM fields WHERE name = 'createdBy' AND object IN (SELECT name_singular FROM objects WHERE snapshotted)").fetchall()]
    return any(snapshot.con.execute(f'SELECT 1 FROM records."{name}" WHERE "createdBy_source" = \'IMPORT\' LIMIT 1').fetchone()
               for name in names)
