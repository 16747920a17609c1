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


def write_changes(path: Path, changes: Iterable[Change]) -> int:
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for c in changes:
            out.writerow([safe_cell(v) for v in (c.file, c.row, c.column, c.old, c.new, c.reason)])
            count += 1
    partial.replace(path)
    return count
