"""`export-csv`: the files are byte for byte what the UI's newest export writes, and read back
through `snapshot --csv-dir` they hold the records the API snapshot holds.

The reference writer is the independent fixture `tests/snapshot/twenty_csv_export.py` (E5),
itself written from `packages/twenty-shared/src/utils/csv/*.ts`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from migrate.manual.export import export_from_snapshot, exportable_objects
from migrate.manual.js_text import number_text
from migrate.model import Member, ObjectMeta
from migrate.snapshot.from_csv import snapshot_from_csv
from migrate.snapshot.schema_file import load_schema
from migrate.snapshot.tables import record_columns
from tests.manual.conftest import Source
from tests.snapshot.twenty_csv_export import export_csv, js_number

NOT_IN_ANY_EXPORT = {"position", "deletedAt"}


def test_every_object_with_live_records_gets_one_file_named_after_it(demo: Source) -> None:
    expected = {f"{o.name_singular}.csv" for o in exportable_objects(demo.objects.values()) if demo.live.get(o.name_singular)}
    assert sorted(p.name for p in demo.exports.iterdir()) == sorted({*expected, "schema.json"})
    assert {"company.csv", "person.csv", "opportunity.csv", "note.csv", "task.csv", "project.csv", "contract.csv",
            "invoice.csv"} <= expected
    assert "noteTarget.csv" not in expected and "attachment.csv" not in expected
    assert demo.summary.files == {name: len(demo.live[name[:-4]]) for name in expected}


def test_each_file_is_byte_for_byte_the_ui_s_e5_export(demo: Source) -> None:
    for path in demo.exports.glob("*.csv"):
        obj = demo.objects[path.stem]
        expected = export_csv(obj, demo.live[path.stem], "E5").encode("utf-8")
        actual = path.read_bytes()
        assert actual == expected, f"{path.name}: first difference at byte {_first_difference(actual, expected)}"
    assert (demo.exports / "person.csv").read_bytes().startswith("\ufeffId,".encode())


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


@pytest.mark.parametrize("value", [0.1 + 0.2, 1e-7, 1.5e21, 1e21, 123456.789, -0.000001, 2**53, 5e-324])
def test_numbers_are_written_as_javascript_writes_them(value: float) -> None:
    assert number_text(value) == js_number(value)


def test_the_exports_read_back_through_snapshot_csv_dir_give_the_api_snapshot_s_live_records(demo: Source, tmp_path: Path) -> None:
    out = tmp_path / "csv.duckdb"
    snapshot_from_csv(demo.exports, demo.snapshot, out)
    _assert_same_live_records(demo, out)


def test_the_export_s_schema_json_types_the_folder_as_the_source_snapshot_does(demo: Source, tmp_path: Path) -> None:
    """`schema.json` beside the files holds the source's model and members (with their source ids),
    so a folder read alone (`pytest checks/ --source exports/`) is typed by the source."""
    objects, members = _sorted(load_schema(demo.exports / "schema.json"))
    assert (objects, members) == _sorted(load_schema(demo.snapshot))
    assert {m.id for m in members} and all(m.email for m in members)
    out = tmp_path / "csv.duckdb"
    snapshot_from_csv(demo.exports, demo.exports / "schema.json", out)
    _assert_same_live_records(demo, out)


def test_exporting_from_a_snapshot_gives_the_same_records(demo: Source, tmp_path: Path) -> None:
    """`--source snapshot.duckdb`: rows in id order, values as the snapshot stores them."""
    summary = export_from_snapshot(demo.snapshot, tmp_path / "exports")
    assert summary.files == demo.summary.files
    assert _sorted(load_schema(tmp_path / "exports" / "schema.json")) == _sorted(load_schema(demo.snapshot))
    out = tmp_path / "csv.duckdb"
    snapshot_from_csv(tmp_path / "exports", demo.snapshot, out)
    _assert_same_live_records(demo, out)


def _sorted(schema: tuple[list[ObjectMeta], list[Member]]) -> tuple[list[ObjectMeta], list[Member]]:
    objects, members = schema
    return sorted(objects, key=lambda o: o.name_singular), sorted(members, key=lambda m: m.id)


def _assert_same_live_records(demo: Source, csv_snapshot: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo.snapshot}' AS api (READ_ONLY)")
    con.execute(f"ATTACH '{csv_snapshot}' AS csv (READ_ONLY)")
    for path in demo.exports.glob("*.csv"):
        obj = demo.objects[path.stem]
        columns = [f'"{c.name}"' for c in record_columns(obj) if c.name not in NOT_IN_ANY_EXPORT]
        api = f'SELECT {", ".join(columns)} FROM api.records."{obj.name_singular}" WHERE "deletedAt" IS NULL'
        csv = f'SELECT {", ".join(columns)} FROM csv.records."{obj.name_singular}"'
        for left, right in ((api, csv), (csv, api)):
            assert con.execute(f"{left} EXCEPT ALL {right}").fetchall() == [], obj.name_singular
        assert con.execute(f"SELECT count(*) FROM ({csv})").fetchone() == (len(demo.live[obj.name_singular]),)
