"""Files above the import's row cap, cut into parts that each keep the header.

Twenty's import refuses a sheet of more than 10 000 rows under the header ("Too many records. Up
to 10000 allowed", `SPREADSHEET_MAX_RECORD_IMPORT_CAPACITY` in
`packages/twenty-front/src/modules/spreadsheet-import/constants/SpreadsheetMaxRecordImportCapacity.ts`,
`exceedsMaxRecords.ts`; csv.md §2.1; docs: "Limit the number of records to 10,000 per file").
"""

from __future__ import annotations

from collections.abc import Sequence

IMPORT_ROW_CAP = 10_000


def part_sizes(total: int, max_rows: int = IMPORT_ROW_CAP) -> list[int]:
    """How many rows each part holds: full parts of `max_rows`, then the rest; one part at least."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, not {max_rows}")
    if total <= 0:
        return [0]
    return [min(max_rows, total - start) for start in range(0, total, max_rows)]


def split_rows(rows: Sequence[list[str]], max_rows: int = IMPORT_ROW_CAP) -> list[list[list[str]]]:
    """Consecutive parts of at most `max_rows` rows, in order; one (possibly empty) part at least."""
    parts, start = [], 0
    for size in part_sizes(len(rows), max_rows):
        parts.append(list(rows[start:start + size]))
        start += size
    return parts


def part_name(stem: str, part: int, parts: int) -> str:
    """`03-person.csv`, or `03-person-part-2-of-3.csv` when cut."""
    return f"{stem}.csv" if parts == 1 else f"{stem}-part-{part}-of-{parts}.csv"
