"""`rejects.csv`: every record the target refused, for a person to fix.

Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR)
are prefixed with a quote, so opening the file never executes record data.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from migrate.apply.journal import Reject

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rejects(path: Path, rejects: Iterable[Reject]) -> int:
    count = 0
    tmp = Path(path).with_name(Path(path).name + ".partial")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["object", "source_id", "phase", "field", "message", "hint"])
        for r in rejects:
            out.writerow([safe_cell(v) for v in (r.object, r.source_id, r.phase, r.field, r.message, r.hint)])
            count += 1
    tmp.replace(path)
    return count
