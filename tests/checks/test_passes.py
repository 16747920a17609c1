"""The audit of a migration by hand, pass by pass, without a journal (issue 9).

The source is the clean migration's source snapshot (the emulator's demo workspace). Each target
is written by `ui_import` as Twenty's UI "Import records" leaves a workspace: new ids for members
and records, relations through the new ids, no soft-deleted records, no note or task targets, no
attachments, only the objects imported so far. `pytest checks/` then runs with no `--state`:
records are matched by id, by the server's unique keys and by the `[match]` keys of AUDIT_TOML.

- after the first pass (companies), companies pass and every other object is pending;
- `--objects company,person` limits a pass to those two;
- the final pass, with `--final`, passes except the links the UI cannot carry, which it names;
- each fault of a pass done by hand fails the check guarding against it, with evidence naming
  the records, and nothing else (beyond the links the UI cannot carry).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.checks.audit_runs import (
    ATTACHMENTS,
    COUNTS,
    LINKS,
    MATCH,
    NOT_CARRIED_FAILURES,
    OWNERS,
    PARENT,
    PRESENT,
    VALUES,
    audit_in_process,
    not_passed,
    outcomes,
    samples,
)
from tests.checks.conftest import AuditRun, MigrationFiles
from tests.checks.ui_import import ui_import

pytest_plugins = ["pytester"]

AUDIT_TOML = """
[match]
company = ["name"]
person = ["name", "company"]
opportunity = ["name", "company"]
note = ["title", "createdAt"]
task = ["title", "createdAt"]
contract = ["name", "company"]
invoice = ["name", "contract"]
project = ["name", "createdAt"]
"""
IMPORTED = ("company", "person", "opportunity", "note", "task", "contract", "invoice", "project")

Run = Callable[..., AuditRun]


@pytest.fixture
def audit_pass(pytester: pytest.Pytester, clean_migration: MigrationFiles, tmp_path: Path) -> Run:
    """`audit_pass(target, *extra)`: `pytest checks/ --source <demo source> --target <target>` with the
    [match] config and no journal, every run into the same report folder."""
    config = tmp_path / "audit.toml"
    config.write_text(AUDIT_TOML, encoding="utf-8")

    def run(target: Path, *extra: str) -> AuditRun:
        return audit_in_process(pytester, clean_migration.source, target, tmp_path / "reports", "--audit-config", str(config), *extra)

    return run


def live(files: MigrationFiles, name: str) -> int:
    return int(files.one("source", f'SELECT count(*) FROM records."{name}" WHERE "deletedAt" IS NULL'))


def imported(tmp_path: Path, clean_migration: MigrationFiles, name: str, objects: tuple[str, ...] = IMPORTED, **faults: Any) -> tuple[Path, dict[str, dict[str, str]]]:
    target = tmp_path / f"{name}.duckdb"
    return target, ui_import(clean_migration.source, target, objects, **faults)


# the passes ------------------------------------------------------------------------------------
def test_passes_progress_from_pending_to_final(audit_pass: Run, clean_migration: MigrationFiles, tmp_path: Path) -> None:
    """Pass 1 (companies imported): companies pass, every other object is pending, the verdict is
    PASS WITH WARNINGS. Pass 2 with --objects company,person: only those two are checked. Final pass
    with --final: everything passes except what the UI cannot carry, named with what to do. Each
    pass has its folder, reports/audit.html is the latest, and index.html lists all three."""
    first, _ = imported(tmp_path, clean_migration, "pass1", ("company",))
    run = audit_pass(first)
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert not {n for n, o in not_passed(run).items() if o != "pending"}
    company = {n for n in outcomes(run) if n.endswith("[company]")}
    assert len(company) >= 8 and all(outcomes(run)[n] == "passed" for n in company)
    pending = {r["item"] or r["nodeid"] for r in run.data["results"] if r["outcome"] == "pending"}
    assert pending >= {"person", "opportunity", "note", "noteTarget", "taskTarget"} and "company" not in pending
    assert outcomes(run)[ATTACHMENTS] == "pending" and outcomes(run)[LINKS.format("noteTarget")] == "pending"
    assert run.data["verdict"] == "PASS WITH WARNINGS" and run.data["counts"]["pending"] == len(not_passed(run))
    company_matching = run.data["matching"]["objects"]["company"]
    assert re.fullmatch(r"unique domainName \(\d+\), key name \(\d+\)", company_matching["method"])  # domains first, then names
    assert sum(company_matching["by"].values()) == company_matching["source_records"] == live(clean_migration, "company")
    assert run.outcome(MATCH.format("person"))["message"].startswith("Skipped: pending: the target has no person records yet")
    assert company_matching["method"] in run.html and ">pending<" in run.html

    second, _ = imported(tmp_path, clean_migration, "pass2", ("company", "person"))
    run = audit_pass(second, "--objects", "company,person")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    items = {r["item"] for r in run.data["results"] if r["item"]}
    assert items == {"company", "person"}
    assert {outcomes(run)[LINKS.format(n)] for n in ("noteTarget", "taskTarget")} | {outcomes(run)[ATTACHMENTS]} == {"pending"}
    assert "not in this pass (--objects company,person)" in run.outcome(ATTACHMENTS)["message"]
    assert all(o == "passed" for n, o in outcomes(run).items() if n.endswith(("[company]", "[person]")))
    person_matching = run.data["matching"]["objects"]["person"]
    assert re.fullmatch(r"unique emails \(\d+\), key name, company \(\d+\)", person_matching["method"])
    assert sum(person_matching["by"].values()) == live(clean_migration, "person") and person_matching["ambiguous"] == 0
    assert run.data["pass"]["objects"] == ["company", "person"]

    final, _ = imported(tmp_path, clean_migration, "final")
    run = audit_pass(final, "--final")
    assert run.result.ret == 1
    assert set(not_passed(run)) == NOT_CARRIED_FAILURES and set(not_passed(run).values()) == {"failed"}
    assert "cannot carry note targets" in run.outcome(LINKS.format("noteTarget"))["message"]
    assert "cannot carry task targets" in run.outcome(MATCH.format("taskTarget"))["message"]
    assert "carry no attachments" in run.outcome(ATTACHMENTS)["message"]
    assert any("soft-deleted source records" in n for n in run.outcome(MATCH.format("person"))["evidence"]["notes"])
    assert set(run.data["not_compared"]) >= {"createdBy", "position", "bodyV2_blocknote", "address_addressLat"}  # what the import cannot carry
    assert "bodyV2_markdown" not in run.data["not_compared"]

    folders = sorted(p.name for p in run.report_dir.iterdir() if p.is_dir())
    assert len(folders) == 3 and all((run.report_dir / f / "audit.json").is_file() for f in folders)
    assert json.loads((run.report_dir / folders[-1] / "audit.json").read_text(encoding="utf-8"))["verdict"] == "FAIL"
    index = (run.report_dir / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<a href="([^"]+)/audit.html">', index)
    assert rows == list(reversed(folders))
    verdicts = re.findall(r'<td class="verdict [A-Z]+">([^<]+)</td>', index)
    assert verdicts == ["FAIL", "PASS WITH WARNINGS", "PASS WITH WARNINGS"]


# the faults ------------------------------------------------------------------------------------
FAULTS = {
    "dropped rows": ({"drop": {"opportunity": 3}}, {MATCH, PRESENT, COUNTS}),
    "member mapped to the wrong member": ({"wrong_member": {"company": "accountOwnerId"}}, {OWNERS, VALUES}),
    "relation column left unmapped": ({"unmapped": {"opportunity": "pointOfContactId"}}, {PARENT, VALUES}),
    "file imported twice": ({"twice": ["opportunity"]}, {MATCH, PRESENT, COUNTS}),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_of_a_pass_fails_the_check_guarding_against_it(fault: str, audit_pass: Run, clean_migration: MigrationFiles,
                                                               tmp_path: Path) -> None:
    """Each fault fails exactly its checks, on the faulty object alone, with evidence naming the
    records (besides the links the UI cannot carry, which fail in every final pass)."""
    faults, checks = FAULTS[fault]
    name = next(iter(next(iter(faults.values()))))
    target, mapping = imported(tmp_path, clean_migration, "faulty", **faults)
    run = audit_pass(target, "--final")
    expected = {check.format(name) for check in checks}
    assert set(not_passed(run)) == NOT_CARRIED_FAILURES | expected, sorted(set(not_passed(run)) ^ (NOT_CARRIED_FAILURES | expected))
    live = mapping[name]
    if fault == "dropped rows":
        lost = sorted(live)[-3:]
        assert {(s["problem"], s["source_id"]) for s in samples(run, MATCH.format(name))} == {("unmatched", i) for i in lost}
        assert {s["source_id"] for s in samples(run, PRESENT.format(name))} == set(lost)
    elif fault == "file imported twice":
        found = samples(run, MATCH.format(name))
        assert {s["source_id"] for s in found} == set(live) and {s["problem"] for s in found} == {"ambiguous"}
        assert all(live[s["source_id"]] in s["candidates"].split(", ") and len(s["candidates"].split(", ")) == 2 for s in found)
    else:
        column = next(iter(next(iter(faults.values())).values()))
        check = (OWNERS if fault.startswith("member") else PARENT).format(name)
        parent = clean_migration.one("source", "SELECT target_object FROM fields WHERE object = ? AND join_column = ?", [name, column])
        live_parent = "" if parent == "workspaceMember" else (  # a soft-deleted parent is not carried: expected empty, not named
            f' AND "{column}" IN (SELECT id FROM records."{parent}" WHERE "deletedAt" IS NULL)')
        holders = {r[0] for r in clean_migration.sql(
            "source", f'SELECT CAST(id AS VARCHAR) FROM records."{name}" WHERE "deletedAt" IS NULL AND "{column}" IS NOT NULL{live_parent}')}
        named = {(s["source_id"], s["target_id"], s["field"]) for s in samples(run, check)}
        assert named and {s for s, _, _ in named} <= holders and len(named) == min(20, len(holders))
        assert all(target_id == live[source_id] and field == column for source_id, target_id, field in named)


def test_what_an_import_cannot_carry_is_left_out_only_without_a_journal(clean_migration: MigrationFiles, tmp_path: Path) -> None:
    """createdBy and position are not compared when the target's records were re-created by an
    import (some created by IMPORT, or matched under new ids), never with a journal or after an
    `apply` that kept the ids."""
    from migrate.audit.passes import IMPORT_REWRITES, NOT_IMPORTED, not_compared
    from migrate.snapshot.reader import Snapshot

    target, _ = imported(tmp_path, clean_migration, "carried", ("company",))
    with Snapshot(clean_migration.source) as source, Snapshot(target) as ui, Snapshot(clean_migration.target) as applied:
        left_out = not_compared(source, ui, has_journal=False)
        assert set(left_out) == {*NOT_IMPORTED, *IMPORT_REWRITES, "bodyV2_blocknote", "brief_blocknote", "address_addressLat", "address_addressLng",
                                 "site_addressLat", "site_addressLng"}
        assert not_compared(source, ui, has_journal=True) == {}
        assert not_compared(source, applied, has_journal=False) == {}
        assert not_compared(source, applied, has_journal=False, recreated=True) == left_out
