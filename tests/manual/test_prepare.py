"""`prepare-csv` on the demo's exports: member columns in every era's header form, unmapped ids,
the fallback owner, formula safety of changes.csv, untouched cells, and the commands' exit codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.emulator.server import serve_in_thread
from migrate.errors import InputError
from migrate.manual.cells import format_row, read_raw
from migrate.manual.prepare import prepare_csv
from migrate.manual.source_model import SourceModel, model_from_file
from migrate.snapshot.schema_file import save_schema
from tests.manual.conftest import Source
from tests.plan.workspaces import SOURCE_KEY, new_source
from tests.snapshot.twenty_csv_export import Era, write_export

runner = CliRunner()
ZWJ = "\u200d"


def _model_without(demo: Source, email: str) -> SourceModel:
    model = model_from_file(demo.snapshot)
    return SourceModel(model.objects, [m for m in model.members if m.email != email], model.live, model.deleted)


def test_cells_other_than_the_added_email_columns_are_byte_for_byte_the_export(demo: Source, tmp_path: Path) -> None:
    """The export's own U+200D guard, quoting and line breaks stay as written; the only other cells
    changed are references to records in no export file, emptied and listed in changes.csv."""
    result = prepare_csv(demo.exports, model_from_file(demo.snapshot), tmp_path / "import")
    with (tmp_path / "import" / "changes.csv").open(encoding="utf-8", newline="") as handle:
        emptied = [r for r in csv.DictReader(handle) if r["reason"].startswith("emptied:")]
    for f in result.files:
        if f.second_pass:
            continue
        keep = [i for i, c in enumerate(f.columns) if not c.header.endswith(" / User Email")]
        raw = read_raw(tmp_path / "import" / f.file)
        export = read_raw(demo.exports / f"{f.object}.csv")
        for change in (c for c in emptied if c["file"] == f"{f.object}.csv"):
            assert export.rows[int(change["row"]) - 1][export.header.index(change["column"])] == change["old"]
            export.rows[int(change["row"]) - 1][export.header.index(change["column"])] = ""
        text = "\ufeff" + format_row([raw.header[i] for i in keep]) + "".join(format_row([r[i] for i in keep]) for r in raw.rows)
        expected = "\ufeff" + format_row(export.header) + "".join(format_row(r) for r in export.rows)
        assert text == expected, f.file
        if not any(c["file"] == f"{f.object}.csv" for c in emptied):
            assert text.encode() == (demo.exports / f"{f.object}.csv").read_bytes(), f.file
    phones = (demo.exports / "person.csv").read_text(encoding="utf-8")
    assert f",{ZWJ}+" in phones, "the demo has guarded calling codes, so the check above covers the guard"


def test_a_reference_to_a_soft_deleted_record_is_emptied_listed_and_named(demo: Source, tmp_path: Path) -> None:
    """A relation cell naming a record no export holds (soft-deleted) would fail its whole batch of
    200 in the UI's import (csv.md §2.7): it is emptied, listed in changes.csv and named in README."""
    result = prepare_csv(demo.exports, model_from_file(demo.snapshot), tmp_path / "import")
    with (tmp_path / "import" / "changes.csv").open(encoding="utf-8", newline="") as handle:
        emptied = [r for r in csv.DictReader(handle) if r["reason"].startswith("emptied:")]
    deleted = {str(r["id"]) for r in demo.live["person"]}
    assert emptied and all(r["old"] and r["old"] not in deleted for r in emptied)
    [loss] = [x for x in result.losses if x.field == "pointOfContactId"]
    assert loss.object == "opportunity" and loss.count == len([r for r in emptied if r["file"] == "opportunity.csv"])
    assert loss.what in (tmp_path / "import" / "README.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("era", ["E1", "E3", "E5"])
def test_member_columns_are_found_in_every_era_s_header_form(demo: Source, tmp_path: Path, era: Era) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    company = demo.objects["company"]
    write_export(folder, company, demo.live["company"], era)
    result = prepare_csv(folder, model_from_file(demo.snapshot), tmp_path / "import")
    [f] = result.files
    headers = [c.header for c in f.columns]
    owner = headers.index("Account Owner Id")
    assert headers[owner + 1] == "Account Owner / User Email"
    emails = {m.id: m.email for m in model_from_file(demo.snapshot).members}
    raw = read_raw(tmp_path / "import" / f.file)
    assert raw.bom == (era == "E5")
    for row, record in zip(raw.rows, demo.live["company"], strict=True):
        assert row[owner + 1] == (emails[record["accountOwnerId"]] if record["accountOwnerId"] else "")


def test_ids_without_a_member_are_listed_with_their_rows_and_the_command_fails(demo: Source, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    model = _model_without(demo, "zoe.angstrom@apple.dev")
    save_schema(schema, model.objects, model.members)
    out = tmp_path / "import"
    result = runner.invoke(app, ["prepare-csv", "--csv-dir", str(demo.exports), "--source", str(schema), "--out", str(out), "--quiet"])
    assert result.exit_code == 1, result.output
    assert "ids no source member has" in result.output and "--fallback-owner" in result.output
    zoe = next(m.id for m in model_from_file(demo.snapshot).members if m.email == "zoe.angstrom@apple.dev")
    listed = list(csv.DictReader(io.StringIO((out / "unmapped-members.csv").read_text(encoding="utf-8"))))
    expected = [(f"{name}.csv", str(n), header) for name, header, key in
                (("company", "Account Owner Id", "accountOwnerId"), ("opportunity", "Owner Id", "ownerId"),
                 ("project", "Manager Id", "managerId"), ("task", "Assignee Id", "assigneeId"))
                for n, r in enumerate(demo.live[name], start=1) if r.get(key) == zoe]
    assert sorted((r["file"], r["row"], r["column"]) for r in listed) == sorted(expected) and expected
    assert {r["member_id"] for r in listed} == {zoe}
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert "MEMBER IDS WITHOUT AN E-MAIL" in readme
    assert "- an unknown number of records (noteTarget): the links of notes" in readme, "a schema.json holds no counts"

    again = runner.invoke(app, ["prepare-csv", "--csv-dir", str(demo.exports), "--source", str(schema), "--out", str(out),
                                "--fallback-owner", "tim@apple.dev", "--quiet"])
    assert again.exit_code == 0, again.output
    changes = list(csv.DictReader(io.StringIO((out / "changes.csv").read_text(encoding="utf-8"))))
    fallback = [c for c in changes if "--fallback-owner" in c["reason"]]
    assert len(fallback) == len(expected) and {c["new"] for c in fallback} == {"tim@apple.dev"}
    assert not (out / "unmapped-members.csv").exists()


def test_changes_csv_is_safe_against_formula_injection_while_data_files_keep_twenty_s_guard(demo: Source, tmp_path: Path) -> None:
    members = tmp_path / "members.toml"
    members.write_text('[members]\n"tim@apple.dev" = "=HYPERLINK(1)@evil.dev"\n', encoding="utf-8")
    out = tmp_path / "import"
    result = runner.invoke(app, ["prepare-csv", "--csv-dir", str(demo.exports), "--source", str(demo.snapshot), "--out", str(out),
                                 "--members", str(members), "--quiet"])
    assert result.exit_code == 0, result.output
    text = (out / "changes.csv").read_text(encoding="utf-8")
    assert ",'=hyperlink(1)@evil.dev," in text
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in csv.reader(io.StringIO(text)) for cell in row)
    company = (out / "01-company.csv").read_text(encoding="utf-8")
    assert f",{ZWJ}=hyperlink(1)@evil.dev" in company


def test_a_folder_holding_other_files_is_not_written_into(demo: Source, tmp_path: Path) -> None:
    out = tmp_path / "import"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="not empty and was not written by prepare-csv"):
        prepare_csv(demo.exports, model_from_file(demo.snapshot), out)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve_in_thread(new_source()) as url:
        yield url


def test_the_commands_read_a_live_source_by_url(served: str, demo: Source, tmp_path: Path) -> None:
    env = {"TWENTY_SOURCE_API_KEY": SOURCE_KEY}
    exported = runner.invoke(app, ["export-csv", "--source", served, "--out", str(tmp_path / "exports"), "--quiet", "--rate", "1000000"], env=env)
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == sorted({*demo.summary.files, "schema.json"})
    assert f"{len(demo.summary.files)} files, {demo.summary.records} records" in exported.output
    assert f"{tmp_path / 'exports' / 'schema.json'}: the data model and members" in exported.output
    prepared = runner.invoke(app, ["prepare-csv", "--csv-dir", str(tmp_path / "exports"), "--source", served, "--out",
                                   str(tmp_path / "import"), "--quiet", "--rate", "1000000"], env=env)
    assert prepared.exit_code == 0, prepared.output
    assert "The UI's import cannot carry:" in prepared.output and "(noteTarget)" in prepared.output
    assert SOURCE_KEY not in prepared.output + exported.output
    assert (tmp_path / "import" / "01-company.csv").exists()


def test_a_missing_export_and_a_file_cut_short_are_named_with_what_to_do(demo: Source, tmp_path: Path) -> None:
    """csv.md §1.7: the UI's export stops silently near 20 000 rows; a forgotten object loses all."""
    folder = tmp_path / "exports"
    folder.mkdir()
    for path in demo.exports.iterdir():
        if path.name != "opportunity.csv":
            (folder / path.name).write_bytes(path.read_bytes())
    text = (folder / "person.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "person.csv").write_text("".join(text[:-3]), encoding="utf-8")
    result = prepare_csv(folder, model_from_file(demo.snapshot), tmp_path / "import")
    named = {(x.object, x.field): x for x in result.losses}
    assert named[("opportunity", None)].count == len(demo.live["opportunity"])
    assert named[("person", "rows")].count == 3
    readme = (tmp_path / "import" / "README.txt").read_text(encoding="utf-8")
    assert "records of an object with no file in the exports folder" in readme and "put opportunity.csv beside" in readme
    assert f"it has {len(demo.live['person']) - 3} rows" in readme
