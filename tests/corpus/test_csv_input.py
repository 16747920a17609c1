"""Bad CSV exports through `twenty-migrate snapshot --csv-dir`: refused with one sentence saying
what, where (file, row and line, column) and what to do, exit 2 and no snapshot left; or read
with every row in the snapshot, value for value.

The library-level twins of several classes (more variants, each era's headers) are in
`tests/snapshot/test_from_csv.py`; here each class is fed to the command a person runs.
Format facts: `../shared/twenty/csv.md` (§1.5 BOM, §1.6 formula guard, §8 eras).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.corpus.conftest import CORPUS, cli, data_rows

REFUSED = [
    pytest.param("utf16", ["company.csv is UTF-16LE text", "Twenty exports UTF-8", "iconv -f UTF-16LE -t UTF-8"], id="utf16"),
    pytest.param("latin1", ["company.csv is not UTF-8: byte e9", "(line 3)", "Latin-1", "iconv -f WINDOWS-1252 -t UTF-8"], id="latin1"),
    pytest.param("unbalanced-quotes/unclosed", ["company.csv ends inside a quoted cell that starts on line 3", "Export the view again"],
                 id="unbalanced-quotes-unclosed"),
    pytest.param("unbalanced-quotes/stray", ["company.csv has broken quoting on line 3", 'must be doubled ("")', "Export the view again"],
                 id="unbalanced-quotes-stray"),
    pytest.param("duplicate-headers", ["Headers 'Name' and 'Name' of company.csv both hold company.name", "remove one of the two columns"],
                 id="duplicate-headers"),
    pytest.param("unknown-headers", ["Header 'Nmae' (column 2) of company.csv matches no field of company", "did you mean 'Name'?",
                                     "Rename the column, or remove it"], id="unknown-headers"),
    pytest.param("missing-id-column", ["company.csv has no Id column", "Export the view again"], id="missing-id-column"),
    pytest.param("empty-file/zero-bytes", ["company.csv is empty; expected a header row", "Export it again"], id="empty-file"),
    pytest.param("invalid-uuid", ["Row 2 (line 3) of company.csv, column 'Account Owner Id' (company.accountOwnerId): 'Jane Doe' is not a "
                                  "UUID (expected 8-4-4-4-12 hexadecimal digits)", "Fix the cell"], id="invalid-uuid"),
    pytest.param("date-formats/day-first", ["Row 2 (line 3) of company.csv, column 'Creation date' (company.createdAt): '03/11/2025' is not "
                                            "a date and time", "are ambiguous", "Fix the cell"], id="dates-day-first"),
    pytest.param("date-formats/no-time-zone", ["Row 1 (line 2) of company.csv, column 'Creation date'", "has no time zone",
                                               "Twenty exports UTC with a trailing Z"], id="dates-no-time-zone"),
    pytest.param("date-formats/date-only", ["Row 1 (line 2) of company.csv, column 'Creation date'", "'2025-11-03' is a date without a time"],
                 id="dates-date-only"),
    pytest.param("date-formats/words", ["Row 1 (line 2) of company.csv, column 'Creation date'", "'Nov 3, 2025' is not a date and time"],
                 id="dates-in-words"),
    pytest.param("wrong-types/number", ["Row 2 (line 3) of company.csv, column 'Employees' (company.employees): 'many' is not a number"],
                 id="wrong-type-number"),
    pytest.param("wrong-types/whole-number", ["column 'Employees' (company.employees): '12.5' is not a whole number"], id="wrong-type-integer"),
    pytest.param("wrong-types/boolean", ["column 'ICP' (company.idealCustomerProfile): 'maybe' is not a boolean (expected true or false)"],
                 id="wrong-type-boolean"),
    pytest.param("wrong-types/amount-with-comma", ["column 'ARR / Amount' (company.annualRecurringRevenue_amountMicros): '1,5' is not a number",
                                                   "'.' as decimal point"], id="wrong-type-amount"),
    pytest.param("wrong-types/markup-in-cell", ["column 'Employees' (company.employees): '[/b] [bold]12' is not a number"],
                 id="wrong-type-with-markup"),
    pytest.param("unknown-select-value", ["Row 2 (line 3) of opportunity.csv, column 'Stage' (opportunity.stage): 'WON' is not an option of "
                                          "stage (options: NEW, SCREENING, MEETING, PROPOSAL, CUSTOMER;", "add it to the field in Twenty", "Fix the cell"],
                 id="unknown-select-value"),
]


def snapshot_csv(case: str, schema_for: object, tmp_path: Path) -> tuple[Path, object]:
    folder = CORPUS / case
    out = tmp_path / "source.duckdb"
    run = cli("snapshot", "--csv-dir", str(folder), "--schema", str(schema_for(folder)), "--out", str(out), "--quiet", "--json")  # type: ignore[operator]
    return out, run


@pytest.mark.parametrize("case, words", REFUSED)
def test_a_bad_export_is_refused_with_what_where_and_what_to_do(case: str, words: list[str], schema_for: object, tmp_path: Path) -> None:
    """Exit 2 (an input to fix), one message naming the file and the row, line or column, and
    no snapshot: nothing is half-read, so no row can be lost without the run saying so."""
    out, run = snapshot_csv(case, schema_for, tmp_path)
    assert run.code == 2, run.output  # type: ignore[attr-defined]
    assert run.text.startswith("error: "), run.output  # type: ignore[attr-defined]
    for phrase in words:
        assert phrase in run.text, run.output  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []


def _read(out: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(out), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_utf8_bom_is_not_part_of_the_first_header_and_every_row_is_read(schema_for: object, tmp_path: Path) -> None:
    """csv.md §1.5: exports since April 2026 start with U+FEFF; accents survive."""
    out, run = snapshot_csv("utf8-bom", schema_for, tmp_path)
    assert run.code == 0, run.output  # type: ignore[attr-defined]
    assert run.json()["counts"] == {"company": data_rows(CORPUS / "utf8-bom/company.csv")} == {"company": 3}  # type: ignore[attr-defined]
    assert _read(out, "SELECT name, employees FROM records.company ORDER BY id") == [("Acme", 120.0), ("Globex", 40.0), ("Café Crème", None)]


def test_a_cell_with_line_breaks_keeps_them_exactly(schema_for: object, tmp_path: Path) -> None:
    """A quoted cell may hold LF, CR LF, commas and doubled quotes; the row count is the file's records, not its lines."""
    out, run = snapshot_csv("newline-in-cell", schema_for, tmp_path)
    assert run.code == 0, run.output  # type: ignore[attr-defined]
    assert run.json()["counts"] == {"company": 2}  # type: ignore[attr-defined]
    assert _read(out, "SELECT name FROM records.company ORDER BY id") == [('Acme\nWest, "Inc."',), ("Globex\r\nEast",)]


def test_a_header_only_file_is_an_object_with_no_records(schema_for: object, tmp_path: Path) -> None:
    """An export of an empty view: read as zero records (not an error, nothing invented)."""
    out, run = snapshot_csv("empty-file/header-only", schema_for, tmp_path)
    assert run.code == 0, run.output  # type: ignore[attr-defined]
    assert run.json()["counts"] == {"company": 0}  # type: ignore[attr-defined]


def test_iso_dates_with_a_zone_in_several_spellings_are_read_as_the_same_utc_instant(schema_for: object, tmp_path: Path) -> None:
    """`Z`, `+01:00`, a space instead of `T`, with or without milliseconds: unambiguous, so read."""
    out, run = snapshot_csv("date-formats/accepted", schema_for, tmp_path)
    assert run.code == 0, run.output  # type: ignore[attr-defined]
    stamps = [str(r[0]) for r in _read(out, 'SELECT "createdAt" FROM records.company ORDER BY id')]
    assert stamps == ["2025-11-03 09:15:22.481000", "2025-11-03 09:15:22", "2025-11-03 09:15:22", "2025-11-03 09:15:22"]
