"""References to records the exports do not hold, emptied before the import.

A relation cell (`<Relation> Id`) may name a record that is in no export file: soft-deleted in
the source (an export lists live records only, csv.md §1.1) or of an object with no file. The UI's
import connects it by id; a connect that finds nothing fails its whole batch of 200 rows and stops
the file (csv.md §2.7, the server's `CONNECT_RECORD_NOT_FOUND`). So such a cell is emptied, and
each emptied cell is a row of changes.csv: the audit expects a reference to a soft-deleted record
the target lacks to be empty, and names any other.
"""

from __future__ import annotations

from collections.abc import Mapping

from migrate.manual.cells import ZWJ
from migrate.manual.changes import Change
from migrate.manual.losses import Loss
from migrate.snapshot.csv_format import Target

REASON = ("emptied: the {target} {value} is in no export file (soft-deleted in the source, or not exported); "
          "the import would fail this row's batch of 200")


class DanglingReferences:
    """Empties the relation cells of one file whose id the exports of the parent object lack."""

    def __init__(self, file: str, header: list[str], targets: list[Target], exported: Mapping[str, set[str]],
                 skip: frozenset[str] = frozenset()) -> None:
        self.file = file
        self.columns = [(i, header[i], t.field.target_object or "", exported.get(t.field.target_object or "", set()))
                        for i, t in enumerate(targets)
                        if t.join and t.field.target_object and t.field.target_object not in skip]
        self.names = {i: t.column for i, t in enumerate(targets)}
        self.counts: dict[str, int] = {}

    def fix(self, number: int, row: list[str]) -> tuple[list[str], list[Change]]:
        """The row with dangling references emptied, and one change per emptied cell."""
        changes: list[Change] = []
        for index, header, target, ids in self.columns:
            value = row[index].removeprefix(ZWJ)
            if value and value not in ids:
                if not changes:
                    row = list(row)
                row[index] = ""
                changes.append(Change(self.file, number, header, value, "", REASON.format(target=target, value=value)))
                self.counts[self.names[index]] = self.counts.get(self.names[index], 0) + 1
        return row, changes

    def losses(self, name: str) -> list[Loss]:
        """One loss per relation column with emptied cells (`name`: the file's object)."""
        return [Loss("not carried", name, column, count, f"references to records in no export file ({column}: soft-deleted "
                     "in the source, or of an object not exported); emptied, each listed in changes.csv",
                     "restore the record in the source and export again if the link must move; else nothing to do")
                for column, count in sorted(self.counts.items())]
