"""Every check is shown to fail on a migration broken the way it guards against (DESIGN, Checks).

Each test takes its own copy of one clean migration (`migration`, see conftest), breaks it with a
DuckDB statement on the target snapshot or the journal, runs `pytest checks/` on it through
pytester, and asserts three things:

- the exact set of failing checks (node ids) is the one the fault should trip; where one fault
  trips several checks by design, the test's docstring says why;
- the failing check's evidence in audit.json names the record (source or target id) and, where
  relevant, the field; its message is in pytest's short summary;
- every other check passed (nothing errored or xfailed; only the manual items are skipped, "to
  confirm" without a sign-off file).

A clean copy passes every check (verdict PASS WITH WARNINGS: the manual items await their
sign-off), and a record the journal lists as rejected is explained, so the faults are not
failing a checklist that fails anyway.

The configuration faults (a view deleted, a workflow's state changed, a role assignment removed)
are in test_configuration_checks.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import duckdb

from tests.checks.conftest import AuditRun, MigrationFiles

pytest_plugins = ["pytester"]

Audit = Callable[..., AuditRun]

COUNTS = "checks/test_counts.py::test_record_count_is_explained[{}]"
PRESENT = "checks/test_records.py::test_every_source_record_is_in_the_target[{}]"
VALUES = "checks/test_records.py::test_every_field_holds_the_source_value[{}]"
RESOLVE = "checks/test_relations.py::test_every_reference_resolves_in_the_target[{}]"
PARENT = "checks/test_relations.py::test_references_point_at_the_mapped_parent[{}]"
OWNERS = "checks/test_owners.py::test_owners_and_assignees_are_the_same_people[{}]"
OBJECT = "checks/test_data_model.py::test_object_exists_in_the_target[{}]"
FIELDS = "checks/test_data_model.py::test_fields_exist_with_the_same_type[{}]"
MEMBERS = "checks/test_members.py::test_every_referenced_member_has_a_counterpart_in_the_target"
ATTACHMENTS = "checks/test_attachments.py::test_attachment_files_are_identical"
LINKS = "checks/test_targets.py::test_every_link_of_every_note_and_task_arrived[{}]"
MANUAL = "checks/test_manual_items.py::test_manual_item_is_confirmed["
MATCH = "checks/test_matching.py::test_every_source_record_matches_one_target_record[{}]"
PER_OBJECT = (COUNTS, PRESENT, VALUES, RESOLVE, PARENT, OWNERS, OBJECT, FIELDS, MATCH)


# helpers ---------------------------------------------------------------------------------------
def assert_only(run: AuditRun, failing: dict[str, str]) -> None:
    """Exactly the checks in `failing` failed, each with an assertion message matching its regex
    (in pytest's output and in audit.json); every other check passed; the verdict is FAIL."""
    assert run.result.ret == 1, run.result.stdout.str()[-3000:]
    assert run.failed == set(failing), f"failed: {sorted(run.failed)}\nexpected: {sorted(failing)}"
    total = len(run.data["results"])
    manual = to_confirm(run)
    run.result.assert_outcomes(passed=total - len(failing) - len(manual), failed=len(failing), skipped=len(manual))
    assert {r["nodeid"]: r["outcome"] for r in run.data["results"] if r["outcome"] != "passed" and r["nodeid"] not in manual} == \
        dict.fromkeys(failing, "failed")
    assert run.data["verdict"] == "FAIL"
    for nodeid, message in failing.items():
        said = run.outcome(nodeid)["message"].splitlines()[0]
        assert re.fullmatch(message, said), (nodeid, said)
        run.result.stdout.re_match_lines([rf"{message}"], consecutive=False)


def to_confirm(run: AuditRun) -> set[str]:
    """The manual items skipped "to confirm" (no sign-off file): the only checks allowed to skip."""
    return {r["nodeid"] for r in run.data["results"]
            if r["outcome"] == "skipped" and r["nodeid"].startswith(MANUAL) and "to confirm: " in r["message"]}


def samples(run: AuditRun, nodeid: str) -> list[dict[str, Any]]:
    found = run.outcome(nodeid)["evidence"]["samples"]
    assert found, f"{nodeid} failed without evidence: {run.outcome(nodeid)}"
    return found  # type: ignore[no-any-return]


def assert_named(run: AuditRun, nodeid: str, **wanted: str) -> dict[str, Any]:
    """One evidence sample of `nodeid` carries every wanted key/value (a record id, a field)."""
    found = samples(run, nodeid)
    matching = [s for s in found if all(str(s.get(k)) == str(v) for k, v in wanted.items())]
    assert matching, f"no evidence sample of {nodeid} with {wanted}: {found}"
    return matching[0]


def live_ids(files: MigrationFiles, object_name: str) -> list[str]:
    return [r[0] for r in files.sql("target", f'SELECT CAST(id AS VARCHAR) FROM records."{object_name}" WHERE "deletedAt" IS NULL ORDER BY id')]


def references_to(con: duckdb.DuckDBPyConnection, object_name: str, ids: list[str] | None = None) -> dict[str, set[str]]:
    """{referring object: target ids of `object_name` it points at} over every join column of the
    target snapshot `con` whose target is `object_name` (a member join column when it is
    workspaceMember); restricted to `ids` when given."""
    snapshotted = {r[0] for r in con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
    found: dict[str, set[str]] = {}
    for owner, column in con.execute("SELECT object, join_column FROM fields WHERE target_object = ? AND join_column IS NOT NULL",
                                     [object_name]).fetchall():
        if owner in snapshotted:
            values = {r[0] for r in con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM records."{owner}" '
                                                f'WHERE "{column}" IS NOT NULL').fetchall()}
            hit = values if ids is None else values & set(ids)
            if hit:
                found.setdefault(owner, set()).update(hit)
    return found


def unreferenced_record(files: MigrationFiles, objects: tuple[str, ...] = ("company", "person", "opportunity", "project")) -> tuple[str, str]:
    """A live target record nothing points at (object, target id): dropping it breaks nothing but
    its own arrival. The first of `objects` that has one (the demo seed decides which)."""
    with files.connect("target") as con:
        for object_name in objects:
            referenced = set().union(*references_to(con, object_name).values())
            free = [r[0] for r in con.execute(f'SELECT CAST(id AS VARCHAR) FROM records."{object_name}" WHERE "deletedAt" IS NULL '
                                              "ORDER BY id").fetchall() if r[0] not in referenced]
            if free:
                return object_name, free[0]
    raise AssertionError(f"every record of {objects} is referenced")


def member_ids(files: MigrationFiles) -> dict[str, str]:
    return {email: str(i) for i, email in files.sql("target", "SELECT id, email FROM members ORDER BY email")}


# the clean migration ---------------------------------------------------------------------------
def test_a_clean_migration_passes_every_check(migration: MigrationFiles, run_checks: Audit) -> None:
    """The baseline the faults break: every check of every object passes; only the manual items
    are "to confirm" (no sign-off file), so the verdict is PASS WITH WARNINGS."""
    run = run_checks(migration)
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    results = run.data["results"]
    manual = to_confirm(run)
    assert manual
    run.result.assert_outcomes(passed=len(results) - len(manual), skipped=len(manual))
    assert run.data["verdict"] == "PASS WITH WARNINGS"
    assert {r["outcome"] for r in results if r["nodeid"] not in manual} == {"passed"}
    objects = {r[0] for r in migration.sql("source", "SELECT name_singular FROM objects WHERE snapshotted")}
    assert {"company", "person", "noteTarget", "attachment"} <= objects
    ran = {r["nodeid"] for r in results}
    missing = {template.format(o) for template in PER_OBJECT for o in objects} - ran
    assert not missing, f"checks that did not run on every object: {sorted(missing)}"
    assert {MEMBERS, ATTACHMENTS, LINKS.format("noteTarget"), LINKS.format("taskTarget")} <= ran


def test_a_record_the_journal_rejected_is_explained(migration: MigrationFiles, run_checks: Audit) -> None:
    """A record missing from the target but listed in the journal's rejects is not a failure:
    the counts and the record check read the journal, so the faults below are real faults."""
    object_name, record = unreferenced_record(migration)
    source_id = migration.source_id(object_name, record)
    migration.sql("target", f'DELETE FROM records."{object_name}" WHERE CAST(id AS VARCHAR) = ?', [record])
    migration.sql("state", "DELETE FROM id_map WHERE object = ? AND source_id = ?", [object_name, source_id])
    migration.sql("state", "INSERT INTO rejects (object, source_id, phase, field, message, hint) "
                           "VALUES (?, ?, 'create', NULL, 'refused by Twenty', NULL)", [object_name, source_id])
    run = run_checks(migration)
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert run.data["verdict"] == "PASS WITH WARNINGS" and not {r["nodeid"] for r in run.data["results"] if r["outcome"] != "passed"} - to_confirm(run)
    count = run.outcome(COUNTS.format(object_name))["evidence"]
    assert "1 rejected" in count["expected"], count


# record faults ---------------------------------------------------------------------------------
def test_a_record_dropped_from_the_target(migration: MigrationFiles, run_checks: Audit) -> None:
    """Drop a record nothing points at (a company, or a person if every company is referenced).
    Two checks guard this by design: the record check (that record is missing, by id) and the
    count check (one record fewer than the source, and the journal does not explain it)."""
    object_name, record = unreferenced_record(migration)
    source_id = migration.source_id(object_name, record)
    migration.sql("target", f'DELETE FROM records."{object_name}" WHERE CAST(id AS VARCHAR) = ?', [record])
    run = run_checks(migration)
    assert_only(run, {PRESENT.format(object_name): rf"{object_name}: 1 source records are not in the target",
                      COUNTS.format(object_name): rf"{object_name}: \d+ source records in the target, expected \d+"})
    assert_named(run, PRESENT.format(object_name), object=object_name, source_id=source_id, target="missing")
    assert_named(run, COUNTS.format(object_name), source_id=source_id)


def test_two_source_records_merged_into_one(migration: MigrationFiles, run_checks: Audit) -> None:
    """Two source companies end as one target record (a re-run that adopted one record for both,
    or two records sharing a unique key): the journal maps both to it, the other is not in the
    target. The matching check fails, naming the target record and both source ids; by design the
    count check fails (one record fewer) and so does the field check (the second company's values
    are compared with the first's record), and the owner check when their owners or creators differ."""
    first, second = live_ids(migration, "company")[:2]
    _, record = unreferenced_record(migration, ("company",))
    kept = first if record != first else second
    source_record, source_kept = migration.source_id("company", record), migration.source_id("company", kept)
    owners = {migration.one("target", 'SELECT ["accountOwnerId", "createdBy_workspaceMemberId"]::VARCHAR FROM records.company '
                                      "WHERE CAST(id AS VARCHAR) = ?", [i]) for i in (record, kept)}
    migration.sql("target", 'DELETE FROM records."company" WHERE CAST(id AS VARCHAR) = ?', [record])
    migration.sql("state", "UPDATE id_map SET target_id = ? WHERE object = 'company' AND source_id = ?", [kept, source_record])
    run = run_checks(migration)
    failing = {MATCH.format("company"): r"company: 1 target records stand for several source records in the journal",
               COUNTS.format("company"): r"company: \d+ source records in the target, expected \d+",
               VALUES.format("company"): r"company: 1 records differ from the source \(.*\)"}
    if len(owners) > 1:
        failing[OWNERS.format("company")] = r"company: member references differ: .*"
    assert_only(run, failing)
    sample = assert_named(run, MATCH.format("company"), object="company", target_id=kept)
    assert set(sample["source"].split(", ")) == {source_record, source_kept}


def test_a_field_value_changed(migration: MigrationFiles, run_checks: Audit) -> None:
    """Change one company's name: only the field check fails, naming the record and the field."""
    company = live_ids(migration, "company")[0]
    migration.sql("target", "UPDATE records.company SET name = 'Renamed in transit' WHERE CAST(id AS VARCHAR) = ?", [company])
    run = run_checks(migration)
    assert_only(run, {VALUES.format("company"): r"company: 1 records differ from the source \(name\)"})
    sample = assert_named(run, VALUES.format("company"), source_id=migration.source_id("company", company), target_id=company, field="name")
    assert sample["target"] == "Renamed in transit"


def test_an_owner_swapped(migration: MigrationFiles, run_checks: Audit) -> None:
    """Give a company another account owner. The owner check fails, and so does the field
    check by design: it compares every field, and the owner is one (by e-mail)."""
    members = member_ids(migration)
    company, owner = migration.one("target", "SELECT CAST(id AS VARCHAR), CAST(\"accountOwnerId\" AS VARCHAR) FROM records.company "
                                              "WHERE \"accountOwnerId\" IS NOT NULL AND \"deletedAt\" IS NULL ORDER BY id LIMIT 1")
    other_email, other = next((e, i) for e, i in members.items() if i != owner)
    migration.sql("target", "UPDATE records.company SET \"accountOwnerId\" = ? WHERE CAST(id AS VARCHAR) = ?", [other, company])
    run = run_checks(migration)
    assert_only(run, {OWNERS.format("company"): r"company: member references differ: \{'accountOwnerId': 1\}",
                      VALUES.format("company"): r"company: 1 records differ from the source \(accountOwnerId\)"})
    sample = assert_named(run, OWNERS.format("company"), source_id=migration.source_id("company", company), target_id=company,
                          field="accountOwnerId")
    assert sample["target"] == other_email


def test_a_relation_pointed_elsewhere(migration: MigrationFiles, run_checks: Audit) -> None:
    """Point a person at another (existing) company. The relation check fails, and the field
    check by design (companyId is a field of the person); every reference still resolves."""
    person, company = migration.one("target", 'SELECT CAST(id AS VARCHAR), CAST("companyId" AS VARCHAR) FROM records.person '
                                              'WHERE "companyId" IS NOT NULL AND "deletedAt" IS NULL ORDER BY id LIMIT 1')
    elsewhere = next(c for c in live_ids(migration, "company") if c != company)
    migration.sql("target", 'UPDATE records.person SET "companyId" = ? WHERE CAST(id AS VARCHAR) = ?', [elsewhere, person])
    run = run_checks(migration)
    assert_only(run, {PARENT.format("person"): r"person: relations point elsewhere than the source's: \{'companyId': 1\}",
                      VALUES.format("person"): r"person: 1 records differ from the source \(companyId\)"})
    sample = assert_named(run, PARENT.format("person"), source_id=migration.source_id("person", person), target_id=person, field="companyId")
    assert (sample["source"], sample["target"]) == (company, elsewhere)


def test_a_note_target_dropped(migration: MigrationFiles, run_checks: Audit) -> None:
    """Drop one link of a note. The note-target check fails, naming the link and its note; by
    design the record and count checks of noteTarget fail too (a link is a record)."""
    link = live_ids(migration, "noteTarget")[0]
    source_id = migration.source_id("noteTarget", link)
    note = migration.one("source", 'SELECT CAST("noteId" AS VARCHAR) FROM records."noteTarget" WHERE CAST(id AS VARCHAR) = ?', [source_id])
    migration.sql("target", 'DELETE FROM records."noteTarget" WHERE CAST(id AS VARCHAR) = ?', [link])
    run = run_checks(migration)
    assert_only(run, {LINKS.format("noteTarget"): r"noteTarget: 1 links lost, 0 changed",
                      PRESENT.format("noteTarget"): r"noteTarget: 1 source records are not in the target",
                      COUNTS.format("noteTarget"): r"noteTarget: \d+ source records in the target, expected \d+"})
    assert_named(run, LINKS.format("noteTarget"), source_id=source_id, parent=note, target="missing")


def test_an_attachment_corrupted(migration: MigrationFiles, run_checks: Audit) -> None:
    """Change the sha256 of one attachment's bytes in the target: only the attachment check fails."""
    attachment = migration.one("target", "SELECT CAST(attachment_id AS VARCHAR) FROM attachment_files ORDER BY attachment_id LIMIT 1")
    migration.sql("target", "UPDATE attachment_files SET sha256 = ? WHERE CAST(attachment_id AS VARCHAR) = ?", ["0" * 64, attachment])
    run = run_checks(migration)
    assert_only(run, {ATTACHMENTS: r"1 attachment files are missing or differ in the target"})
    sample = assert_named(run, ATTACHMENTS, object="attachment", source_id=migration.source_id("attachment", attachment), target_id=attachment)
    assert sample["target"] == "0" * 64


def test_a_dangling_reference(migration: MigrationFiles, run_checks: Audit) -> None:
    """Point a person's companyId at an id no company has. The resolve check fails, naming the
    record, the column and the id; by design the relation and field checks fail too (the value
    also differs from the source's mapped parent)."""
    person = migration.one("target", 'SELECT CAST(id AS VARCHAR) FROM records.person WHERE "companyId" IS NOT NULL ORDER BY id LIMIT 1')
    nowhere = str(uuid.UUID(int=0xDEAD))
    migration.sql("target", 'UPDATE records.person SET "companyId" = ? WHERE CAST(id AS VARCHAR) = ?', [nowhere, person])
    run = run_checks(migration)
    assert_only(run, {RESOLVE.format("person"): r"person: 1 references point at records that are not in the target",
                      PARENT.format("person"): r"person: relations point elsewhere than the source's: \{'companyId': 1\}",
                      VALUES.format("person"): r"person: 1 records differ from the source \(companyId\)"})
    assert_named(run, RESOLVE.format("person"), target_id=person, field="companyId", target=nowhere, note="no such company")


def test_a_custom_field_missing(migration: MigrationFiles, run_checks: Audit) -> None:
    """Remove the custom field company.tier from the target's data model: only the data-model
    check fails (the diff compares the fields both sides have)."""
    assert migration.one("source", "SELECT is_custom FROM fields WHERE object = 'company' AND name = 'tier'")
    migration.sql("target", "DELETE FROM fields WHERE object = 'company' AND name = 'tier'")
    run = run_checks(migration)
    assert_only(run, {FIELDS.format("company"): r"1 fields of company are missing or differ in the target"})
    assert_named(run, FIELDS.format("company"), object="company", field="tier", target="missing")


def test_a_member_missing(migration: MigrationFiles, run_checks: Audit) -> None:
    """Remove Phil from the target's members. The member check fails, naming him. By design every
    record that points at him fails too, and the test derives which from the target: each
    object with a member join column (accountOwnerId, ownerId, assigneeId, managerId) naming him
    fails the resolve check (a reference to no member), and each object where he is named by a
    member reference or createdBy fails the owner and field checks (his e-mail is gone)."""
    email = "phil.schiler@apple.dev"
    phil = member_ids(migration)[email]
    source_phil = migration.one("source", "SELECT CAST(id AS VARCHAR) FROM members WHERE email = ?", [email])
    with migration.connect("target") as con:
        joins = set(references_to(con, "workspaceMember", [phil]))
        named = set()
        for (object_name,) in con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall():
            columns = {r[0] for r in con.execute(f'SELECT * FROM records."{object_name}" LIMIT 0').description}
            if {"createdBy_workspaceMemberId", "createdBy_name"} <= columns and con.execute(
                    f'SELECT 1 FROM records."{object_name}" WHERE CAST("createdBy_workspaceMemberId" AS VARCHAR) = ? '
                    "AND coalesce(\"createdBy_name\", '') <> '' LIMIT 1", [phil]).fetchone():
                named.add(object_name)
    assert joins, "Phil owns nothing in the demo: choose another member"
    migration.sql("target", "DELETE FROM members WHERE CAST(id AS VARCHAR) = ?", [phil])
    run = run_checks(migration)
    failing = {MEMBERS: r"1 source members have no counterpart in the target"}
    failing |= {RESOLVE.format(o): rf"{o}: \d+ references point at records that are not in the target" for o in joins}
    failing |= {OWNERS.format(o): rf"{o}: member references differ: .*" for o in joins | named}
    failing |= {VALUES.format(o): rf"{o}: \d+ records differ from the source .*" for o in joins | named}
    assert_only(run, failing)
    assert_named(run, MEMBERS, member_id=source_phil, source=email)


def test_a_count_the_journal_does_not_explain(migration: MigrationFiles, run_checks: Audit) -> None:
    """Add a reject row for a company that did arrive: the journal now explains a difference that
    is not there, so only the count check fails, naming the record the journal says it rejected."""
    company = live_ids(migration, "company")[0]
    source_id = migration.source_id("company", company)
    migration.sql("state", "INSERT INTO rejects (object, source_id, phase, field, message, hint) "
                           "VALUES ('company', ?, 'create', NULL, 'refused by Twenty', NULL)", [source_id])
    run = run_checks(migration)
    assert_only(run, {COUNTS.format("company"): r"company: \d+ source records in the target, expected \d+"})
    assert_named(run, COUNTS.format("company"), source_id=source_id)

