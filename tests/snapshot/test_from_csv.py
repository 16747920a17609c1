"""`snapshot_from_csv`: a folder of the UI's exports becomes the same snapshot the API gives,
and every bad input stops the run with a message saying what, where and what to do.

Format references are `../shared/twenty/csv.md` sections; the export itself is written by
`tests/snapshot/twenty_csv_export.py` from `packages/twenty-shared/src/utils/csv/*.ts`.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from migrate.errors import InputError, SnapshotError
from migrate.model import FieldMeta, ObjectMeta
from migrate.snapshot.from_csv import read_records, snapshot_from_csv
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.schema_file import load_schema, save_schema
from migrate.snapshot.tables import record_columns
from migrate.twenty.codecs.columns import encode_record
from tests.snapshot.conftest import Workspace
from tests.snapshot.twenty_csv_export import Era, export_csv, write_export

NOT_IN_ANY_EXPORT = {
    "position": "csv.md §1.3: POSITION is not visible in views, so never exported",
    "deletedAt": "csv.md §1.1: an export lists the view's live records; soft-deleted ones are never in it",
}
"""Columns a CSV export cannot carry: the CSV snapshot holds NULL there."""

OBJECTS_WITHOUT_EXPORT = {
    "noteTarget": "csv.md §1.4/§6.10: note targets have no record index, so no export; notes lose their targets",
    "taskTarget": "csv.md §1.4/§6.10: task targets have no record index, so no export",
    "attachment": "csv.md §1.7/§3: attachments and their files are never in a CSV export",
}
"""Snapshotted objects the UI cannot export: the CSV snapshot keeps their schema, not their records."""

EMPTY_AMOUNT_BECOMES_ZERO: dict[Era, bool] = {"E5": False, "E3": True, "E1": True}
"""csv.md §8.2: json-2-csv eras wrote an empty currency amount as 0 (null ÷ 10⁶); E5 leaves it empty."""


def _export_folder(workspace: Workspace, folder: Path, era: Era) -> Path:
    folder.mkdir()
    for obj in workspace.exportable():
        write_export(folder, obj, workspace.live[obj.name_singular], era)
    return folder


@pytest.mark.parametrize("era", ["E5", "E3", "E1"])
def test_csv_snapshot_holds_every_live_value_the_api_snapshot_holds(workspace: Workspace, tmp_path: Path, era: Era) -> None:
    """Column by column, for every field type of the demo workspace (custom `project` has one of
    each), the CSV snapshot equals the API snapshot's live rows; the listed exceptions are
    asserted to be exactly what CSV cannot carry."""
    out = tmp_path / "csv.duckdb"
    summary = snapshot_from_csv(_export_folder(workspace, tmp_path / "csv", era), workspace.api_snapshot, out)
    exported = {o.name_singular: o for o in workspace.exportable()}
    con = duckdb.connect()
    con.execute(f"ATTACH '{workspace.api_snapshot}' AS api (READ_ONLY)")
    con.execute(f"ATTACH '{out}' AS csv (READ_ONLY)")
    for name, obj in exported.items():
        api_live = f'(SELECT * FROM api.records."{name}" WHERE "deletedAt" IS NULL)'
        csv_rows = f'csv.records."{name}"'
        assert summary.counts[name] == con.execute(f"SELECT count(*) FROM {api_live}").fetchone()[0]  # type: ignore[index]
        api_values, csv_values = [], []
        for column in record_columns(obj):
            col = f'"{column.name}"'
            if column.name in NOT_IN_ANY_EXPORT:
                assert con.execute(f"SELECT count(*) FROM {csv_rows} WHERE {col} IS NOT NULL").fetchone() == (0,), column.name
                continue
            zero = column.sub == "amountMicros" and EMPTY_AMOUNT_BECOMES_ZERO[era]
            api_values.append(f"COALESCE({col}, 0)" if zero else col)
            csv_values.append(col)
        api_select = f"SELECT {', '.join(api_values)} FROM {api_live}"
        csv_select = f"SELECT {', '.join(csv_values)} FROM {csv_rows}"
        for left, right in ((api_select, csv_select), (csv_select, api_select)):
            differing = con.execute(f"{left} EXCEPT ALL {right} LIMIT 1").fetchall()
            assert not differing, f"{name} ({era}): {dict(zip(csv_values, differing[0], strict=True))}"
    types = {f.type for o in exported.values() for f in o.fields if f.is_stored}
    assert {"TEXT", "NUMBER", "NUMERIC", "BOOLEAN", "DATE", "DATE_TIME", "SELECT", "MULTI_SELECT", "RATING", "ARRAY",
            "RAW_JSON", "CURRENCY", "FULL_NAME", "EMAILS", "PHONES", "LINKS", "ADDRESS", "RICH_TEXT_V2", "UUID",
            "ACTOR", "RELATION"} <= types
    with Snapshot(out) as snap:
        flags = dict(snap.con.execute("SELECT name_singular, snapshotted FROM objects").fetchall())
        assert snap.info["origin"] == "csv"
        assert json.loads(snap.info["source_files"]) == sorted(f"{n}.csv" for n in exported)
        with Snapshot(workspace.api_snapshot) as api:
            assert snap.members() == api.members()
            assert snap.objects() == api.objects()
    for name in OBJECTS_WITHOUT_EXPORT:
        assert flags[name] is False, OBJECTS_WITHOUT_EXPORT[name]


def test_soft_deleted_records_are_the_only_rows_a_csv_snapshot_lacks(workspace: Workspace, tmp_path: Path) -> None:
    """csv.md §1.1: the export holds live records only; the API snapshot's deleted_count says how many."""
    out = tmp_path / "csv.duckdb"
    snapshot_from_csv(_export_folder(workspace, tmp_path / "csv", "E5"), workspace.api_snapshot, out)
    with Snapshot(workspace.api_snapshot) as api, Snapshot(out) as csv_snap:
        api_counts, csv_counts = api.counts(), csv_snap.counts()
    for obj in workspace.exportable():
        records, deleted = api_counts[obj.name_plural]
        assert csv_counts[obj.name_plural] == (records - deleted, 0), obj.name_singular


# --- file names and headers -------------------------------------------------------------------


@pytest.fixture(scope="session")
def schema(workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace's schema as a schema.json (so these tests also read that form)."""
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    objects, members = load_schema(workspace.api_snapshot)
    save_schema(path, objects, members)
    return path


def _one_company_folder(tmp_path: Path, text: str, name: str = "company.csv") -> Path:
    folder = tmp_path / "csv"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


ACME = "5b0c8a54-7e1f-4f63-9c2e-1d4a6b2f9e01"


@pytest.mark.parametrize("name", ["company.csv", "companies.csv", "Companies.csv", "COMPANY.CSV", "company (1).csv"])
def test_a_file_named_after_the_object_singular_plural_or_label_is_read_as_that_object(
        schema: Path, tmp_path: Path, name: str) -> None:
    """csv.md §1.5: the UI names the file `<nameSingular>.csv`; plural, label and a browser's copy suffix are accepted too."""
    folder = _one_company_folder(tmp_path, f"Id,Name\n{ACME},Acme\n", name)
    summary = snapshot_from_csv(folder, schema, tmp_path / "out.duckdb")
    assert summary.counts == {"company": 1}


@pytest.mark.parametrize("header, value, column, expected", [
    ("Name", "Acme", "name", "Acme"),
    ("name", "Acme", "name", "Acme"),
    ("Domain / Link URL", "acme.com", "domainName_primaryLinkUrl", "acme.com"),
    ("Domain PrimaryLinkUrl", "acme.com", "domainName_primaryLinkUrl", "acme.com"),
    ("domainName.primaryLinkUrl", "acme.com", "domainName_primaryLinkUrl", "acme.com"),
    ("domainName_primaryLinkUrl", "acme.com", "domainName_primaryLinkUrl", "acme.com"),
    ("ARR / Amount", "1.5", "annualRecurringRevenue_amountMicros", 1_500_000),
    ("ARR AmountMicros", "1.5", "annualRecurringRevenue_amountMicros", 1_500_000),
    ("annualRecurringRevenue_amountMicros", "1500000", "annualRecurringRevenue_amountMicros", 1_500_000),
    ("ARR / Amount", "1e-6", "annualRecurringRevenue_amountMicros", 1),
    ("Employees", "1e+3", "employees", 1000),
    ("Account Owner Id", ACME, "accountOwnerId", ACME),
    ("Account Owner", ACME, "accountOwnerId", ACME),
    ("Account Owner / Id", ACME.upper(), "accountOwnerId", ACME),
    ("accountOwnerId", ACME, "accountOwnerId", ACME),
    ("Created by / Workspace Member ID", ACME, "createdBy_workspaceMemberId", ACME),
    ("Created by WorkspaceMemberId", ACME, "createdBy_workspaceMemberId", ACME),
    ("Name", "\u200d=SUM(A1)", "name", "=SUM(A1)"),
    ("Name", "\u200dplain", "name", "\u200dplain"),
    ("ICP", "TRUE", "idealCustomerProfile", True),
    ("Tier", "Mid Market", "tier", "MID_MARKET"),
    ("Creation date", "2025-11-03T09:15:22.481Z", "createdAt", "2025-11-03 09:15:22.481000"),
    ("Creation date", "2025-11-03T10:15:22.481+01:00", "createdAt", "2025-11-03 09:15:22.481000"),
])
def test_each_era_s_header_and_value_land_in_their_column(workspace: Workspace, tmp_path: Path, header: str, value: str, column: str,
                                                         expected: object) -> None:
    """csv.md §1.2 (E2–E5 `Label / Sub`, E1 `Label SubKey`, `<label> Id`), §2.2 (`Company / Id`),
    §8 (E2 `Workspace Member ID`), §1.6 (U+200D guard), §8.6 (exponent form), §2.4 (option labels)."""
    cell = f'"{value}"' if "," in value else value
    path = _one_company_folder(tmp_path, f"Id,{header}\n{ACME},{cell}\n") / "company.csv"
    company = workspace.objects["company"]
    [record] = list(read_records(path, company))
    row = encode_record(record_columns(company), {f.name: f for f in company.fields}, record)
    assert row[column] == expected


def test_bom_crlf_line_breaks_in_cells_and_a_missing_last_newline_are_read(schema: Path, tmp_path: Path) -> None:
    """csv.md §1.5 and §8.1: U+FEFF since E4, no final line break before E5; quoted cells keep CR LF."""
    text = f'\ufeffId,Name\r\n{ACME},"line one\r\nline ""two"", end"'
    out = tmp_path / "out.duckdb"
    snapshot_from_csv(_one_company_folder(tmp_path, text), schema, out)
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT name FROM records.company").fetchone() == ('line one\r\nline "two", end',)


def test_e3_lists_and_twice_escaped_sub_headers_are_read(tmp_path: Path) -> None:
    """csv.md §8 (E3: lists as `{"0":"A"}`, composite sub-headers escaped twice, guard one level down)."""
    obj = ObjectMeta("deal", "deals", (
        FieldMeta("id", "UUID", "Id"), FieldMeta("tags", "ARRAY", "Tags"),
        FieldMeta("value", "CURRENCY", 'Value, "net"'), FieldMeta("empty", "ARRAY", "Empty")))
    schema = tmp_path / "schema.json"
    save_schema(schema, [obj], [])
    text = f'Id,Tags,"""Value, """"net"""""" / Amount",Empty\n{ACME},"{{""0"":""\u200d+33"",""1"":""B""}}",2.5,{{}}'
    out = tmp_path / "out.duckdb"
    snapshot_from_csv(_one_company_folder(tmp_path, text, "deal.csv"), schema, out)
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT tags, value_amountMicros, empty FROM records.deal").fetchone() == (["+33", "B"], 2_500_000, None)


def test_an_e1_label_with_a_comma_split_over_two_header_cells_is_rejoined(tmp_path: Path) -> None:
    """csv.md §8.3: E1 wrote labels raw, so `Size, approx.` became two header cells."""
    obj = ObjectMeta("deal", "deals", (FieldMeta("id", "UUID", "Id"), FieldMeta("size", "NUMBER", "Size, approx.")))
    schema = tmp_path / "schema.json"
    save_schema(schema, [obj], [])
    out = tmp_path / "out.duckdb"
    snapshot_from_csv(_one_company_folder(tmp_path, f"Id,Size, approx.\n{ACME},12", "deal.csv"), schema, out)
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT size FROM records.deal").fetchone() == (12.0,)


def test_mid_2024_exports_with_raw_micros_are_read_when_asked(schema: Path, tmp_path: Path) -> None:
    """csv.md §8.2: some E1 builds wrote raw micros under `AmountMicros`; `e1_amount_unit="micros"` reads them."""
    out = tmp_path / "out.duckdb"
    folder = _one_company_folder(tmp_path, f"Id,ARR AmountMicros\n{ACME},1500000\n")
    snapshot_from_csv(folder, schema, out, e1_amount_unit="micros")
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute('SELECT "annualRecurringRevenue_amountMicros" FROM records.company').fetchone() == (1_500_000,)


# --- bad input: one error, the right words, no snapshot left ----------------------------------


def _fails(folder: Path, schema: Path, tmp_path: Path, *words: str) -> InputError:
    out = tmp_path / "out.duckdb"
    with pytest.raises(InputError) as caught:
        snapshot_from_csv(folder, schema, out)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("twenty-snapshot-")) == []
    return caught.value


def test_a_file_no_object_matches_is_refused_with_the_objects_listed(schema: Path, tmp_path: Path) -> None:
    error = _fails(_one_company_folder(tmp_path, f"Id\n{ACME}\n", "clients.csv"), schema, tmp_path,
                   "clients.csv matches no object", "company.csv", "person.csv", "project.csv")
    assert error.path and error.path.endswith("clients.csv")


def test_an_unknown_header_names_the_file_suggests_a_label_and_lists_the_known_ones(schema: Path, tmp_path: Path) -> None:
    error = _fails(_one_company_folder(tmp_path, f"Id,Nme\n{ACME},Acme\n"), schema, tmp_path,
                   "Header 'Nme'", "company.csv", "matches no field of company", "did you mean 'Name'?",
                   "Known headers: Id,", "ARR / Amount", "Account Owner Id")
    assert (error.row, error.column) == (1, "Nme")


def test_a_file_cut_inside_a_quoted_cell_is_reported_as_truncated(schema: Path, tmp_path: Path) -> None:
    _fails(_one_company_folder(tmp_path, f'Id,Name\n{ACME},Acme\n{ACME[:-1]}2,"Acme\nInc'), schema, tmp_path,
           "company.csv ends inside a quoted cell that starts on line 3", "cut short", "Export the view again")


def test_utf16_files_are_refused_with_the_encoding_to_convert_from(schema: Path, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "company.csv").write_bytes(f"Id,Name\n{ACME},Acme\n".encode("utf-16"))
    _fails(folder, schema, tmp_path, "company.csv is UTF-16LE text", "iconv -f UTF-16LE -t UTF-8")


def test_latin1_bytes_are_refused_not_turned_into_mojibake(schema: Path, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "company.csv").write_bytes(f"Id,Name\n{ACME},Café\n".encode("latin-1"))
    error = _fails(folder, schema, tmp_path, "company.csv is not UTF-8", "byte e9", "line 2", "WINDOWS-1252")
    assert "Ã" not in str(error) and error.row == 2


@pytest.mark.parametrize("headers", ["Id,Name,Name", "Id,Name,name", "Id,Account Owner Id,accountOwnerId"])
def test_two_headers_for_one_column_are_refused(schema: Path, tmp_path: Path, headers: str) -> None:
    first, second = headers.split(",")[1:]
    _fails(_one_company_folder(tmp_path, f"{headers}\n{ACME},a,b\n"), schema, tmp_path,
           f"Headers '{first}' and '{second}' of company.csv both hold company.", "remove one")


def test_a_row_with_more_cells_than_headers_is_refused(schema: Path, tmp_path: Path) -> None:
    error = _fails(_one_company_folder(tmp_path, f"Id,Name\n{ACME},Acme, Inc.\n"), schema, tmp_path,
                   "Row 1 (line 2) of company.csv has 3 cells but the header has 2", "unquoted comma")
    assert error.row == 1


@pytest.mark.parametrize("header, cell, expected", [
    ("Employees", "many", "is not a number"),
    ("Employees", "12.5", "is not a whole number"),
    ("ICP", "maybe", "is not a boolean (expected true or false)"),
    ("Creation date", "03/11/2025", "is not a date and time"),
    ("Creation date", "2025-11-03T09:15:22", "has no time zone"),
    ("Tier", "GOLD", "is not an option of tier (options: STRATEGIC, ENTERPRISE, MID_MARKET, SMB;"),
    ("Account Owner Id", "Jane Doe", "is not a UUID"),
    ("Domain / Secondary Links", "[{", "is not valid JSON"),
    ("ARR / Amount", "1,5", "is not a number"),
])
def test_a_cell_that_cannot_be_read_as_its_type_stops_the_run_naming_row_column_and_value(
        schema: Path, tmp_path: Path, header: str, cell: str, expected: str) -> None:
    quoted = f'"{cell}"' if "," in cell else cell
    text = f"Id,Name,{header}\n{ACME},Acme,\n{ACME[:-1]}2,Beta,{quoted}\n"
    error = _fails(_one_company_folder(tmp_path, text), schema, tmp_path,
                   f"Row 2 (line 3) of company.csv, column '{header}'", repr(cell), expected)
    assert (error.row, error.column) == (2, header)


@pytest.mark.parametrize("text, words", [
    ("", ("company.csv is empty",)),
    ("Name\nAcme\n", ("company.csv has no Id column",)),
    (f"Id,Name\n{ACME},Acme\n{ACME},Again\n", ("repeats id", "of row 1")),
    ("Id,Name\n,Acme\n", ("has an empty Id",)),
    (f'Id,Name\n{ACME},"Acme"x\n', ("broken quoting on line 2",)),
])
def test_empty_idless_and_malformed_files_are_refused(schema: Path, tmp_path: Path, text: str, words: tuple[str, ...]) -> None:
    _fails(_one_company_folder(tmp_path, text), schema, tmp_path, *words)


def test_two_files_for_one_object_are_refused(schema: Path, tmp_path: Path) -> None:
    folder = _one_company_folder(tmp_path, f"Id\n{ACME}\n")
    (folder / "Companies.csv").write_text(f"Id\n{ACME}\n", encoding="utf-8")
    _fails(folder, schema, tmp_path, "Companies.csv and company.csv both hold company records")


def test_a_folder_without_csv_files_is_refused(schema: Path, tmp_path: Path) -> None:
    (tmp_path / "csv").mkdir()
    _fails(tmp_path / "csv", schema, tmp_path, "holds no .csv file")


def test_a_bad_cell_late_in_a_big_file_leaves_no_snapshot(workspace: Workspace, schema: Path, tmp_path: Path) -> None:
    """A failure after other objects were streamed still removes everything (SnapshotWriter.abort)."""
    folder = _export_folder(workspace, tmp_path / "csv", "E5")
    person = workspace.objects["person"]
    text = export_csv(person, workspace.live["person"]).rstrip("\n").rsplit("\n", 1)
    (folder / "person.csv").write_text(text[0] + "\n" + text[1].replace(",", ",not-a-uuid-", 1) + "\n", encoding="utf-8")
    _fails(folder, schema, tmp_path, "of person.csv, column 'Creation date'", "is not a date and time")


# --- schema files -----------------------------------------------------------------------------


def test_a_schema_json_loads_the_same_objects_and_members_as_the_snapshot_it_came_from(workspace: Workspace, schema: Path) -> None:
    assert load_schema(schema) == load_schema(workspace.api_snapshot)


@pytest.mark.parametrize("content, error, words", [
    ("{", InputError, ("is not valid JSON (line 1",)),
    ('{"format": "other"}', InputError, ("is not a twenty-migrate schema file",)),
    ('{"format": "twenty-migrate-schema", "version": 9, "objects": []}', SnapshotError, ("version 9", "reads version 1")),
    ('{"format": "twenty-migrate-schema", "version": 1, "objects": [{"name_singular": "a", "name_plural": "as", '
     '"fields": [{"name": "x", "type": "TEXT", "colour": 1}]}]}', InputError, ("unknown key(s) colour in a field (x)",)),
])
def test_a_bad_schema_json_is_refused_with_a_clear_message(tmp_path: Path, content: str, error: type[Exception],
                                                           words: tuple[str, ...]) -> None:
    path = tmp_path / "schema.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(error) as caught:
        load_schema(path)
    for word in words:
        assert word in str(caught.value)


def test_a_missing_or_foreign_schema_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_schema(tmp_path / "nope.duckdb")
    (tmp_path / "x.duckdb").write_bytes(b"not a database at all")
    with pytest.raises(SnapshotError, match="is not a twenty-migrate snapshot"):
        load_schema(tmp_path / "x.duckdb")
