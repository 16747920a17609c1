"""`changes.csv`: every change `prepare-csv` made to the exported files, one row each.

A person opens this file in a spreadsheet, so a cell a spreadsheet would run as a formula
(starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, as `rejects.csv` does
(`migrate/apply/rejects.py`). The data files keep the export's own guard (U+200D) instead,
because that is what Twenty's import strips (`cleanZWJFromImportedValue.ts`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ("file", "row", "column", "old", "new", "reason")


@dataclass(frozen=True, slots=True)
class Change:
    """One change: `row` is the data row (1 = first row under the header), 0 for the header or the file."""

    file: str
    row: int
    column: str
    old: str
    new: str
    reason: str


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeCsv:
    """A CSV file for people (changes.csv, unmapped-members.csv): formula-safe cells, written as
    rows come, renamed into place by `close()`."""

    def __init__(self, path: Path, header: Iterable[str]) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.handle = self.partial.open("w", encoding="utf-8", newline="")
        self.out = csv.writer(self.handle)
        self.out.writerow(list(header))
        self.count = 0

    def add(self, values: Iterable[object]) -> None:
        self.out.writerow([safe_cell(v) for v in values])
        self.count += 1

    def close(self) -> int:
        self.handle.close()
        self.partial.replace(self.path)
        return self.count


def change_row(c: Change) -> tuple[object, ...]:
    return (c.file, c.row, c.column, c.old, c.new, c.reason)


def write_changes(path: Path, changes: Iterable[Change]) -> int:
    out = SafeCsv(path, HEADER)
    for c in changes:
        out.add(change_row(c))
    return out.close()
