"""The diff's fast paths change its cost, never its answer.

- The trim guard (`normalise._may_trim`) skips `trim()` only where it cannot change the value:
  property-tested against the plain expressions on strings full of spaces, Unicode space
  separators, tabs, slashes and mixed case.
- The hash pass: records equal once normalised (an e-mail in capitals, a URL with a trailing
  slash) stay matched; a record changed in one field is found, with exact per-field counts.
- Objects diffed side by side (`diff_all`, one cursor each) give what one at a time gives.
- The journal is read in place (read-only, never copied, left byte for byte as it was), and from
  a copy only while another process holds it (an `apply` still running).
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.audit.session import AuditInputs, AuditSession, JournalReader
from migrate.diff.compare import Differ
from migrate.diff.normalise import expression
from migrate.twenty.codecs.columns import Column
from tests.checks.conftest import MigrationFiles

CHARACTERS = st.sampled_from([" ", "  ", "\t", "\n", "/", "//", "\u00a0", "\u2003", "\u3000", "\u200b", "A", "b", "É", "é", "ß",
                              "x@Y.org", "https://Example.com", ".", "\u0130"])
TEXT = st.one_of(st.none(), st.lists(CHARACTERS, max_size=8).map("".join))
REFERENCE = {
    "primaryEmail": "nullif(lower(trim(r.\"c\")), '')",
    "primaryLinkUrl": "nullif(lower(rtrim(trim(r.\"c\"), '/')), '')",
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=300, deadline=None)
@given(value=TEXT, sub=st.sampled_from(sorted(REFERENCE)))
def test_the_trim_guard_gives_what_trim_gives(con: duckdb.DuckDBPyConnection, value: str | None, sub: str) -> None:
    column = Column("c", "VARCHAR", "field", sub, "text")
    fast = expression("s", column, None, lambda *_: pytest.fail("no lookup for a text column"))
    got, want = con.execute(f"SELECT {fast}, {REFERENCE[sub]} FROM (SELECT ?::VARCHAR AS c) r", [value]).fetchone()  # type: ignore[misc]
    assert got == want


def _person_with(files: MigrationFiles, column: str) -> str:
    return str(files.one("target", f'SELECT CAST(id AS VARCHAR) FROM records.person WHERE "{column}" IS NOT NULL AND "{column}" <> \'\' '
                                   "ORDER BY id LIMIT 1"))


def test_normalised_equal_records_stay_matched_and_a_change_is_counted_exactly(migration: MigrationFiles) -> None:
    before = Differ(migration.source, migration.target, migration.state)
    try:
        clean = before.diff_object("person")
    finally:
        before.close()
    assert set(clean.status) == {"matched"}, clean.status
    shouted = _person_with(migration, "emails_primaryEmail")
    slashed = _person_with(migration, "linkedinLink_primaryLinkUrl")
    edited = str(migration.one("target", "SELECT CAST(id AS VARCHAR) FROM records.person WHERE CAST(id AS VARCHAR) NOT IN (?, ?) "
                                         "ORDER BY id LIMIT 1", [shouted, slashed]))
    migration.sql("target", 'UPDATE records.person SET "emails_primaryEmail" = \'  \' || upper("emails_primaryEmail") WHERE CAST(id AS VARCHAR) = ?',
                  [shouted])
    migration.sql("target", 'UPDATE records.person SET "linkedinLink_primaryLinkUrl" = upper("linkedinLink_primaryLinkUrl") || \'/\' '
                            "WHERE CAST(id AS VARCHAR) = ?", [slashed])
    migration.sql("target", 'UPDATE records.person SET "jobTitle" = coalesce("jobTitle", \'\') || \' (edited)\' WHERE CAST(id AS VARCHAR) = ?',
                  [edited])
    differ = Differ(migration.source, migration.target, migration.state)
    try:
        diff = differ.diff_object("person")
    finally:
        differ.close()
    matched = clean.status["matched"]
    assert diff.status == {"matched": matched - 1, "changed": 1}
    assert diff.fields["jobTitle"] == {"equal": matched - 1, "null_in_source": diff.fields["jobTitle"]["null_in_source"],
                                       "null_in_target": 0, "conflicting": 1 - diff.fields["jobTitle"]["null_in_source"]}
    assert {f for f, c in diff.fields.items() if c["equal"] != matched} == {"jobTitle"}
    assert [(s["field"], s["target_id"]) for s in diff.samples] == [("jobTitle", edited)]


def test_objects_diffed_side_by_side_equal_one_at_a_time(migration: MigrationFiles) -> None:
    migration.sql("target", "DELETE FROM records.company WHERE id = (SELECT min(id) FROM records.company)")
    migration.sql("target", 'UPDATE records.opportunity SET "name" = \'renamed\' WHERE id = (SELECT min(id) FROM records.opportunity)')
    differ = Differ(migration.source, migration.target, migration.state)
    try:
        together = differ.diff_all(workers=3)
    finally:
        differ.close()
    differ = Differ(migration.source, migration.target, migration.state)
    try:
        alone = {name: differ.diff_object(name) for name in differ.compared_objects()}
    finally:
        differ.close()
    assert {n: dataclasses.asdict(d) for n, d in together.items()} == {n: dataclasses.asdict(d) for n, d in alone.items()}
    assert together["company"].status.get("only_source") == 1 and together["opportunity"].status.get("changed") == 1


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_journal_is_read_in_place_and_left_as_it_was(migration: MigrationFiles, tmp_path: Path) -> None:
    digest = _digest(migration.state)
    session = AuditSession(AuditInputs(migration.source, migration.target, migration.state, tmp_path / "reports"))
    try:
        assert session.journal is not None and session.journal.copy is None
        assert session.diff("person").status.get("matched")
        assert session.journal.rejected("person") == set()
    finally:
        session.close()
    assert _digest(migration.state) == digest
    assert not migration.state.with_name("state.duckdb.wal").exists()


def test_a_journal_held_by_a_running_apply_is_read_from_a_copy(migration: MigrationFiles) -> None:
    migration.sql("state", "INSERT INTO rejects VALUES ('person', 'some-source-id', 'create', NULL, 'refused', 'none')")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(migration.state)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        reader = JournalReader(migration.state)
        try:
            assert reader.copy is not None and reader.copy != migration.state
            assert reader.rejected("person") == {"some-source-id"}
        finally:
            reader.close()
        assert not reader.copy.exists()
    finally:
        holder.communicate("")


def test_a_parent_mapped_to_null_is_expected_empty_and_ignored_fields_are_left_out(migration: MigrationFiles) -> None:
    """The journal-shaped id map may send a parent to NULL (a record the target cannot hold): the
    reference is then expected empty. `ignore` leaves fields out of the comparison altogether."""
    person, company = migration.one("source", 'SELECT CAST(id AS VARCHAR), CAST("companyId" AS VARCHAR) FROM records.person '
                                              'WHERE "companyId" IS NOT NULL ORDER BY id LIMIT 1')
    target_company = migration.target_id("company", company)
    migration.sql("state", "UPDATE id_map SET target_id = NULL WHERE object = 'company' AND source_id = ?", [company])
    migration.sql("target", 'UPDATE records.person SET "companyId" = NULL WHERE CAST("companyId" AS VARCHAR) = ?', [target_company])
    migration.sql("target", 'UPDATE records.person SET "jobTitle" = \'ignored\' WHERE CAST(id AS VARCHAR) = ?', [migration.target_id("person", person)])
    differ = Differ(migration.source, migration.target, migration.state, ignore=("jobTitle",))
    try:
        diff = differ.diff_object("person")
    finally:
        differ.close()
    assert "jobTitle" not in diff.fields
    assert diff.status == {"matched": diff.status["matched"]} and diff.fields["companyId"]["conflicting"] == 0
