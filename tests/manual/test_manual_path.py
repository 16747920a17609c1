"""End to end, the manual path of Twenty's guide on two emulators: the demo source exported with
`export-csv`, made ready with `prepare-csv`, imported file by file into an empty target the way
the UI's import does (`ui_import.py`), then the target compared with the source.

The target holds every live record of every exported object (ids kept by mapping `Id`, members
matched by e-mail), and the only differences are exactly the ones README.txt names.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migrate.emulator.app import Emulator
from migrate.emulator.seed import DEMO_MEMBERS
from migrate.manual.prepare import prepare_csv
from migrate.manual.source_model import model_from_file
from migrate.snapshot.from_api import snapshot_from_api
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_columns
from tests.manual.conftest import Prepared, Source, import_into, new_target
from tests.manual.ui_import import FileResult, ImportFaults, ImportRefused, ui_import
from tests.plan.workspaces import connect

NOT_EXPORTED_COLUMNS = {"position", "deletedAt"}


@dataclass(frozen=True)
class Imported:
    folder: Path
    manifest: dict[str, Any]
    results: list[FileResult]
    target: Path


def _import(folder: Path, target: Emulator, out: Path, faults: ImportFaults | None = None) -> tuple[list[FileResult], Path]:
    return asyncio.run(import_into(folder, target, out, faults))


@pytest.fixture(scope="module")
def imported(prepared: Prepared, tmp_path_factory: pytest.TempPathFactory) -> Imported:
    results, target = _import(prepared.folder, new_target(), tmp_path_factory.mktemp("manual-path") / "target.duckdb")
    return Imported(prepared.folder, prepared.manifest, results, target)


def test_every_file_imports_whole_in_the_written_order(imported: Imported) -> None:
    assert [r.file for r in imported.results] == [f["file"] for f in imported.manifest["files"]]
    assert [r.error for r in imported.results] == [None] * len(imported.results)
    assert [r.sent for r in imported.results] == [f["rows"] for f in imported.manifest["files"]]
    names = [f["file"] for f in imported.manifest["files"]]
    assert names == sorted(names), "the numbers give the order"
    assert any("-part-2-of-" in n for n in names) and any(n.endswith("-second-pass.csv") for n in names)


def _rows(path: Path, name: str) -> dict[str, dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(f'SELECT * FROM records."{name}" WHERE "deletedAt" IS NULL')
        names = [d[0] for d in cursor.description]
        return {str(r[0]): dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def _member_emails(path: Path) -> dict[str, str]:
    with Snapshot(path) as snap:
        return {m.id: (m.email or "") for m in snap.members()}


def _differences(demo: Source, imported: Imported) -> Iterator[tuple[str, str | None]]:
    """(object, column) for every value that differs between the source's live records and the
    target's; (object, None) for an object whose records are missing from the target."""
    source_members, target_members = _member_emails(demo.snapshot), _member_emails(imported.target)
    exported = {f["object"] for f in imported.manifest["files"]}
    with Snapshot(demo.snapshot) as snap:
        objects = {o.name_singular: o for o in snap.objects()}
        counts = {name: snap_count for name, snap_count in ((o.name_singular, _rows(demo.snapshot, o.name_singular))
                                                             for o in objects.values() if o.name_singular in (*exported, "noteTarget",
                                                                                                              "taskTarget", "attachment"))}
    for name, before in counts.items():
        after = _rows(imported.target, name)
        if name not in exported:
            if before and not after:
                yield name, None
            continue
        assert sorted(after) == sorted(before), f"{name}: the target holds other records than the source's live ones"
        for column in record_columns(objects[name]):
            if column.name in NOT_EXPORTED_COLUMNS:
                continue
            field = objects[name].field(column.field)
            member = field is not None and field.target_object == "workspaceMember" and column.kind == "join"
            for record_id, old in before.items():
                left, right = old[column.name], after[record_id][column.name]
                if member:
                    left = source_members.get(str(left)) if left is not None else None
                    right = target_members.get(str(right)) if right is not None else None
                if _normal(left) != _normal(right):
                    yield name, column.name
                    break


def _normal(value: Any) -> Any:
    return None if value in ("", [], {}) else value


def _explained(losses: list[dict[str, Any]], name: str, column: str | None) -> bool:
    for loss in losses:
        if loss["object"] != name:
            continue
        if column is None and loss["field"] is None:
            return True
        if column is not None and loss["field"] and (column == loss["field"] or column.startswith(loss["field"] + "_")):
            return True
    return False


def test_the_target_holds_every_record_and_differs_exactly_where_readme_says(demo: Source, imported: Imported) -> None:
    differences = set(_differences(demo, imported))
    losses = imported.manifest["losses"]
    unexplained = sorted((n, c) for n, c in differences if not _explained(losses, n, c))
    assert unexplained == [], "differences README.txt does not name"
    named = {(x["object"], x["field"]) for x in losses if x["field"] != "deletedAt"}
    silent = sorted((n, f) for n, f in named if not any(n == dn and (f is None and dc is None or dc and f and
                                                                  (dc == f or dc.startswith(f + "_"))) for dn, dc in differences))
    assert silent == [], "README.txt names losses the import did not cause"
    assert {("noteTarget", None), ("taskTarget", None), ("attachment", None), ("company", "createdBy_source"),
            ("note", "bodyV2_blocknote")} <= differences


def test_readme_names_every_loss_and_every_mapping_of_the_manifest(imported: Imported) -> None:
    text = (imported.folder / "README.txt").read_text(encoding="utf-8")
    for loss in imported.manifest["losses"]:
        assert loss["what"] in text and loss["todo"] in text, loss
    for entry in imported.manifest["files"]:
        assert f"upload {entry['file']} ({entry['rows']} rows)" in text
        lines = [line for line in text.splitlines() if line.startswith("    ")]
        for column in entry["columns"]:
            right = column["map_to"] or "Do not import"
            assert any(line.split("->")[0].strip() == column["header"] and line.split("->", 1)[1].strip().startswith(right)
                       for line in lines), (entry["file"], column)


def test_a_readme_mapping_the_import_does_not_offer_is_refused(demo: Source, tmp_path: Path) -> None:
    """The helper checks README's right-hand side against the target's offered fields."""
    folder = tmp_path / "import"
    prepare_csv(demo.exports, model_from_file(demo.snapshot), folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][0]["columns"][1]["map_to"] = "Creation date / Year"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ImportRefused, match="which the import does not offer"):
        _import(folder, new_target(), tmp_path / "t.duckdb")


def test_an_unknown_member_e_mail_fails_its_batch_and_stops_the_file(demo: Source, tmp_path: Path) -> None:
    """csv.md §2.7: a connect to a member the target lacks fails the whole batch of 200."""
    folder = tmp_path / "import"
    prepare_csv(demo.exports, model_from_file(demo.snapshot), folder)
    owner = next(m.email for m in DEMO_MEMBERS if m.email == "tim@apple.dev")
    results, _ = _import(folder, new_target(), tmp_path / "t.duckdb",
                         ImportFaults(swap_member={owner: "nobody@example.com"}))
    assert results[-1].object == "company" and results[-1].sent == 0
    assert "No unique record found with condition: userEmail = nobody@example.com" in (results[-1].error or "")


def test_soft_deleted_records_are_the_named_loss_and_the_target_has_none(demo: Source, imported: Imported) -> None:
    with Snapshot(demo.snapshot) as before, Snapshot(imported.target) as after:
        source_deleted = {name: deleted for name, (_, deleted) in before.counts().items() if deleted}
        target_deleted = {name: deleted for name, (_, deleted) in after.counts().items() if deleted}
        plural = {o.name_singular: o.name_plural for o in before.objects()}
    named = {plural[x["object"]]: x["count"] for x in imported.manifest["losses"] if x["field"] == "deletedAt"}
    exported = {plural[f["object"]] for f in imported.manifest["files"]}
    assert named == {p: n for p, n in source_deleted.items() if p in exported} and named
    assert target_deleted == {}


def test_a_pass_that_silently_dropped_rows_is_caught_by_the_comparison(demo: Source, imported: Imported, tmp_path: Path) -> None:
    """The comparison above can fail: the same import with two company rows dropped."""
    results, target = _import(imported.folder, new_target(), tmp_path / "t.duckdb",
                              ImportFaults(drop_rows={"01-company.csv": {2, 5}}))
    assert results[0].sent == imported.results[0].sent - 2
    broken = Imported(imported.folder, imported.manifest, results, target)
    with pytest.raises(AssertionError, match="company: the target holds other records"):
        set(_differences(demo, broken))


def test_without_the_id_column_records_get_new_ids_and_relations_by_id_cannot_connect(demo: Source, imported: Imported,
                                                                                      tmp_path: Path) -> None:
    """Why README.txt maps `Id`: with new ids, the first `<Relation> / Id` column points at a
    source id the target does not have, and the UI's import drops that batch and stops."""
    results, _ = _import(imported.folder, new_target(), tmp_path / "t.duckdb", ImportFaults(no_ids=True))
    assert results[0].error is None and results[0].sent == imported.results[0].sent
    assert results[-1].file == "02-contract.csv" and results[-1].sent == 0
    assert "Can't connect to company. No unique record found with condition: id = " in (results[-1].error or "")


def test_an_import_in_passes_leaves_later_objects_empty_until_their_step(demo: Source, imported: Imported, tmp_path: Path) -> None:
    """`steps` imports a pass at a time, as a person does between two audits."""
    target = new_target()

    async def passes() -> tuple[list[FileResult], dict[str, tuple[int, int]], list[FileResult]]:
        async with connect(target) as client:
            first = await ui_import(imported.folder, client, steps={1})
            await snapshot_from_api(client, tmp_path / "pass1.duckdb")
            rest = await ui_import(imported.folder, client, steps=set(range(2, 100)))
        with Snapshot(tmp_path / "pass1.duckdb") as snap:
            return first, snap.counts(), rest

    first, counts, rest = asyncio.run(passes())
    assert [r.file for r in first] == ["01-company.csv"] and first[0].error is None
    assert counts["companies"][0] == first[0].sent and counts["people"][0] == 0
    assert [r.error for r in rest] == [None] * len(rest) and len(first) + len(rest) == len(imported.results)
