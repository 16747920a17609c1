"""A target snapshot as Twenty's UI "Import records" would leave it, written straight through DuckDB.

`ui_import(source, out, objects)` copies a source snapshot and rewrites it the way a manual
migration by CSV changes a workspace: every member gets a new id (same e-mail), every imported
record a new id, every relation points at the parent's new id, and what the UI's export and import
do not carry is left out (soft-deleted records, note and task targets, attachments and their files,
records of objects not imported yet), every `createdBy` is the importer's (source IMPORT) and
`position` is the target's own, BlockNote bodies and map coordinates are empty. Faults model what goes wrong by hand:

- `drop={"person": 3}`: the last 3 records (by source id) of a file silently did not arrive;
- `wrong_member={"company": "accountOwnerId"}`: a member column mapped to another member;
- `unmapped={"person": "companyId"}`: a relation column left unmapped (empty in the target);
- `twice={"opportunity"}`: a file imported twice (every record has a twin with another id).

Returns {object: {source id: target id}} so a test can name the records it expects in evidence.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb

from migrate.snapshot.reader import Snapshot

NOT_CARRIED = ("noteTarget", "taskTarget", "attachment")
"""What the UI's import cannot carry (csv.md): links of notes and tasks, attachments."""
MEMBER = "workspaceMember"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ui_import(source: Path, out: Path, objects: Iterable[str], *, drop: Mapping[str, int] | None = None,
              wrong_member: Mapping[str, str] | None = None, unmapped: Mapping[str, str] | None = None,
              twice: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    imported = set(objects)
    with Snapshot(source) as snap:
        metas = {o.name_singular: o for o in snap.objects()}
        tables = [r[0] for r in snap.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()]
    shutil.copyfile(source, out)
    with duckdb.connect(str(out)) as con:
        con.execute("CREATE TEMP TABLE member_ids AS SELECT id AS old, uuid() AS new FROM members")
        con.execute("CREATE OR REPLACE TABLE members AS SELECT i.new AS id, m.* EXCLUDE (id) FROM members m JOIN member_ids i ON i.old = m.id")
        con.execute("CREATE TEMP TABLE ids (object VARCHAR, old UUID, new UUID)")
        for name in tables:
            if name in NOT_CARRIED or name not in imported:
                con.execute(f"DELETE FROM records.{_q(name)}")
            con.execute(f'DELETE FROM records.{_q(name)} WHERE "deletedAt" IS NOT NULL')
            con.execute(f"INSERT INTO ids SELECT ?, id, uuid() FROM records.{_q(name)}", [name])
        con.execute("DELETE FROM attachment_files")
        for name in tables:
            table = f"records.{_q(name)}"
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            for meta in metas[name].fields:
                column = meta.join_column
                if not column or column not in columns:
                    continue
                if meta.target_object == MEMBER:
                    con.execute(f"UPDATE {table} SET {_q(column)} = i.new FROM member_ids i WHERE i.old = {table}.{_q(column)}")
                else:  # a parent not imported (yet) leaves the cell empty, as the UI's import does
                    con.execute(f"UPDATE {table} SET {_q(column)} = (SELECT new FROM ids WHERE object = ? AND old = {table}.{_q(column)})",
                                [meta.target_object])
            for column in ("createdBy_workspaceMemberId", "updatedBy_workspaceMemberId"):
                if column in columns:
                    con.execute(f"UPDATE {table} SET {_q(column)} = i.new FROM member_ids i WHERE i.old = {table}.{_q(column)}")
            con.execute(f"UPDATE {table} SET id = i.new FROM ids i WHERE i.object = ? AND i.old = {table}.id", [name])
            if "createdBy_source" in columns:  # buildRecordFromImportedStructuredRow.ts: every ACTOR field is the importer's
                con.execute(f"""UPDATE {table} SET "createdBy_source" = 'IMPORT', "createdBy_name" = m.first_name || ' ' || m.last_name,
                                "createdBy_workspaceMemberId" = m.id FROM (SELECT * FROM members ORDER BY email LIMIT 1) m""")
            if "position" in columns:  # POSITION is never imported: the target numbers the records itself
                con.execute(f'UPDATE {table} SET "position" = -1')
            unoffered = [c for c in columns if c.endswith(("_blocknote", "_addressLat", "_addressLng"))]  # not offered by the import
            if unoffered:
                con.execute(f"UPDATE {table} SET {', '.join(f'{_q(c)} = NULL' for c in unoffered)}")
        mapping: dict[str, dict[str, str]] = {}
        for name, old, new in con.execute("SELECT object, CAST(old AS VARCHAR), CAST(new AS VARCHAR) FROM ids ORDER BY object, old").fetchall():
            mapping.setdefault(name, {})[old] = new
        _faults(con, mapping, drop or {}, wrong_member or {}, unmapped or {}, twice)
    return mapping


def _faults(con: duckdb.DuckDBPyConnection, mapping: dict[str, dict[str, str]], drop: Mapping[str, int], wrong_member: Mapping[str, str],
            unmapped: Mapping[str, str], twice: Iterable[str]) -> None:
    for name, n in drop.items():
        lost = sorted(mapping[name])[-n:]
        con.execute(f"DELETE FROM records.{_q(name)} WHERE CAST(id AS VARCHAR) IN (SELECT unnest(?))", [[mapping[name][s] for s in lost]])
    for name, column in wrong_member.items():  # every member moves to the next one by e-mail
        con.execute("CREATE OR REPLACE TEMP TABLE shifted AS SELECT id, coalesce(lead(id) OVER (ORDER BY email), "
                    "(SELECT id FROM members ORDER BY email LIMIT 1)) AS other FROM members")
        con.execute(f"UPDATE records.{_q(name)} SET {_q(column)} = s.other FROM shifted s WHERE s.id = records.{_q(name)}.{_q(column)}")
    for name, column in unmapped.items():
        con.execute(f"UPDATE records.{_q(name)} SET {_q(column)} = NULL")
    for name in twice:
        con.execute(f"INSERT INTO records.{_q(name)} SELECT uuid() AS id, * EXCLUDE (id) FROM records.{_q(name)}")
