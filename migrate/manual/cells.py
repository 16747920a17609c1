"""CSV text the way Twenty writes it, and raw rows read back without touching a cell.

Writing follows `packages/twenty-shared/src/utils/csv/formatValueForCSV.ts` (a cell is quoted
only when it holds `,` `"` CR or LF; inner quotes doubled) and `sanitizeValueForCSVExport.ts`
(a U+200D before a string starting with `= + - @ TAB CR`, so a spreadsheet never runs it as a
formula; the import strips it again, `cleanZWJFromImportedValue.ts`). Rows end with LF.

Reading keeps every cell exactly as written (the U+200D guard included), so a prepared file
differs from its export only where the tool says it changed something.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from migrate.errors import InputError
from migrate.snapshot.from_csv import check_utf8

BOM = "\ufeff"
ZWJ = "\u200d"
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    """Twenty's formula guard: U+200D before text a spreadsheet would run."""
    return ZWJ + text if text.startswith(DANGEROUS_FIRST) else text


def quote(text: str) -> str:
    """Quote a cell only when it must be (`,` `"` CR LF), doubling inner quotes."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def format_row(cells: Iterable[str]) -> str:
    """One CSV line of already-final cell texts, LF-terminated."""
    return ",".join(quote(c) for c in cells) + "\n"


@dataclass(frozen=True, slots=True)
class RawFile:
    """A CSV file as rows of untouched cell texts; `bom` says whether it started with U+FEFF."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    bom: bool


def read_raw(path: Path) -> RawFile:
    """Every row of a CSV export as cell texts (blank lines skipped, as the import skips them)."""
    check_utf8(path)
    with path.open("r", encoding="utf-8", newline="") as handle:
        text = handle.read()
    bom = text.startswith(BOM)
    rows = list(_rows(path, text[1:] if bom else text))
    if not rows:
        raise InputError(f"{path.name} is empty; expected a header row. Export the view again.", path=str(path))
    return RawFile(path, rows[0], rows[1:], bom)


def _rows(path: Path, text: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            if cells:
                yield cells
    except csv.Error as exc:
        raise InputError(f"{path.name} has broken quoting near line {reader.line_num} ({exc}); export the view again.",
                         path=str(path), row=reader.line_num) from None


class RawReader:
    """A CSV export read row by row, cells untouched: `header`, `bom`, then `rows()` once."""

    def __init__(self, path: Path) -> None:
        check_utf8(path)
        self.path = path
        self.handle = path.open("r", encoding="utf-8", newline="")
        self.bom = self.handle.read(1) == BOM
        if not self.bom:
            self.handle.seek(0)
        self.reader = csv.reader(self.handle, strict=True)
        first = next(self._cells(), None)
        if first is None:
            self.handle.close()
            raise InputError(f"{path.name} is empty; expected a header row. Export the view again.", path=str(path))
        self.header: list[str] = first

    def _cells(self) -> Iterator[list[str]]:
        try:
            for cells in self.reader:
                if cells:
                    yield cells
        except csv.Error as exc:
            raise InputError(f"{self.path.name} has broken quoting near line {self.reader.line_num} ({exc}); export the view "
                             "again.", path=str(self.path), row=self.reader.line_num) from None

    def rows(self) -> Iterator[list[str]]:
        return self._cells()

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RawWriter:
    """A CSV file written row by row under a `.partial` name, renamed into place by `close()`."""

    def __init__(self, path: Path, header: list[str], *, bom: bool) -> None:
        self.path = path
        self.header = header
        self.partial = path.with_name(path.name + ".partial")
        self.handle = self.partial.open("w", encoding="utf-8", newline="")
        self.handle.write((BOM if bom else "") + format_row(header))
        self.count = 0

    def add(self, row: list[str]) -> None:
        self.handle.write(format_row(row))
        self.count += 1

    def close(self) -> int:
        self.handle.close()
        self.partial.replace(self.path)
        return self.count


def write_text(path: Path, header: list[str], rows: Iterable[list[str]], *, bom: bool) -> int:
    """Write a CSV file (written whole, then renamed); returns the number of data rows."""
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="") as handle:
        handle.write((BOM if bom else "") + format_row(header))
        for row in rows:
            handle.write(format_row(row))
            count += 1
    partial.replace(path)
    return count
