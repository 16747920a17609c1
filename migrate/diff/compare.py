"""The keyed diff of two snapshots: DuckDB SQL over both files ATTACHed read-only.

Records are keyed by their target id: the journal's id map when there is one (source id ->
target id), else the source id itself. Values are normalised the same way on both sides before
they are compared (api.md §11.8): timestamps to the millisecond, e-mails lower-cased, link URLs
without case or trailing slash, "" and [] as NULL; member references compared by e-mail (member
ids differ between workspaces); relations compared through the id map. Fields the server sets
on every write (`updatedAt`, `updatedBy`), file references (compared by sha256 elsewhere) and
`createdBy` of records whose actor had no name are left out, as the plan announces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migrate.errors import SnapshotError
from migrate.model import FieldMeta, ObjectMeta
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_columns
from migrate.twenty.codecs.columns import Column

IGNORED = ("updatedAt", "updatedBy", "deletedAt", "searchVector")
MEMBER_OBJECT = "workspaceMember"
SAMPLES_PER_FIELD = 20


@dataclass(slots=True)
class ObjectDiff:
    """One object's diff: record statuses, per-field counts, samples of differences."""

    object: str
    status: dict[str, int] = field(default_factory=dict)
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    only_source: list[str] = field(default_factory=list)
    only_target: list[str] = field(default_factory=list)

    @property
    def differing(self) -> int:
        return self.status.get("changed", 0) + self.status.get("only_source", 0) + self.status.get("only_target", 0)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Differ:
    """Compares a source and a target snapshot (and, optionally, the journal of the migration)."""

    def __init__(self, source: Path, target: Path, state: Path | None = None) -> None:
        self.paths = {"s": Path(source), "t": Path(target)}
        with Snapshot(self.paths["s"]) as s, Snapshot(self.paths["t"]) as t:
            self.source_objects = {o.name_singular: o for o in s.objects()}
            self.target_objects = {o.name_singular: o for o in t.objects()}
            self.source_counts = {name: counts for name, counts in s.counts().items()}
        self.con = duckdb.connect()
        try:
            self.con.execute(f"ATTACH '{self.paths['s']}' AS s (READ_ONLY)")
            self.con.execute(f"ATTACH '{self.paths['t']}' AS t (READ_ONLY)")
            self.has_journal = state is not None and Path(state).exists()
            if self.has_journal:
                self.con.execute(f"ATTACH '{state}' AS j (READ_ONLY)")
        except duckdb.Error as exc:
            raise SnapshotError(f"Cannot open the snapshots for the diff: {exc}") from None
        self._member_views()

    def close(self) -> None:
        self.con.close()

    def _member_views(self) -> None:
        for side in ("s", "t"):
            self.con.execute(f"CREATE TEMP TABLE {side}_member AS SELECT id, lower(trim(email)) AS email FROM {side}.members")
        # A source member is expected to become the target member the plan mapped it to (a
        # fallback owner or an override is announced, not a difference); without a journal, the
        # member with the same e-mail.
        if self.has_journal:
            self.con.execute("CREATE TEMP TABLE expected_member AS SELECT m.id, coalesce(lower(j.target_email), m.email) AS email "
                             "FROM s_member m LEFT JOIN j.member_map j ON j.source_id = CAST(m.id AS VARCHAR)")
        else:
            self.con.execute("CREATE TEMP TABLE expected_member AS SELECT id, email FROM s_member")
        id_map = ("SELECT object, source_id, target_id FROM j.id_map" if self.has_journal
                  else "SELECT NULL::VARCHAR AS object, NULL::VARCHAR AS source_id, NULL::VARCHAR AS target_id WHERE false")
        self.con.execute(f"CREATE TEMP TABLE id_map AS {id_map}")
        self.con.execute("CREATE TEMP TABLE any_map AS SELECT source_id, any_value(target_id) AS target_id FROM id_map GROUP BY source_id")

    def compared_objects(self) -> list[str]:
        with Snapshot(self.paths["s"]) as s:
            snapshotted = {r[0] for r in s.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
        return sorted(n for n in snapshotted if n in self.target_objects)

    # normalisation ---------------------------------------------------------------------------
    def _expression(self, side: str, column: Column, meta: FieldMeta | None) -> str | None:
        """A normalised SQL expression for one column on one side, or None to leave it out."""
        ref = f"r.{_quote(column.name)}"
        if column.field in IGNORED or column.name.startswith(("updatedBy_", "createdBy_context")):
            return None
        if meta is not None and meta.type == "FILES":
            return None
        if column.name in ("fullPath",):
            return None
        if column.kind == "join" and meta is not None:
            if meta.target_object == MEMBER_OBJECT:
                return f"(SELECT email FROM {'expected' if side == 's' else 't'}_member m WHERE m.id = {ref})"
            if side == "s":
                return f"coalesce((SELECT target_id FROM any_map WHERE source_id = CAST({ref} AS VARCHAR)), CAST({ref} AS VARCHAR))"
            return f"CAST({ref} AS VARCHAR)"
        if column.name == "createdBy_workspaceMemberId":
            return f"(SELECT email FROM {'expected' if side == 's' else 't'}_member m WHERE m.id = {ref})"
        sql_type = column.sql_type
        if sql_type == "TIMESTAMP":
            return f"date_trunc('millisecond', {ref})"
        if sql_type == "VARCHAR":
            if column.sub == "primaryEmail":
                return f"nullif(lower(trim({ref})), '')"
            if column.sub == "primaryLinkUrl":
                return f"nullif(lower(rtrim(trim({ref}), '/')), '')"
            return f"nullif({ref}, '')"
        if sql_type == "VARCHAR[]":
            if column.sub == "additionalEmails":
                return f"CASE WHEN len({ref}) = 0 THEN NULL ELSE list_transform({ref}, lambda x: lower(x)) END"
            return f"CASE WHEN len({ref}) = 0 THEN NULL ELSE {ref} END"
        if sql_type == "DOUBLE":
            return f"round({ref}, 6)"
        if sql_type == "JSON":
            return f"nullif(nullif(CAST({ref} AS VARCHAR), '[]'), '{{}}')"
        return f"CAST({ref} AS VARCHAR)" if sql_type == "UUID" else ref

    # the diff --------------------------------------------------------------------------------
    def diff_object(self, name: str) -> ObjectDiff:
        source = self.source_objects[name]
        target = self.target_objects[name]
        target_columns = {c.name: c for c in record_columns(target)}
        source_meta = {f.name: f for f in source.fields}
        pairs: list[tuple[str, str, str]] = []
        for column in record_columns(source):
            if column.name == "id" or column.name not in target_columns:
                continue
            meta = source_meta.get(column.field)
            s_expr = self._expression("s", column, meta)
            t_expr = self._expression("t", target_columns[column.name], {f.name: f for f in target.fields}.get(column.field))
            if s_expr is None or t_expr is None:
                continue
            pairs.append((column.name, s_expr, t_expr))
        table = f'records."{name}"'
        named_source = "CASE WHEN r.\"createdBy_name\" IS NULL OR r.\"createdBy_name\" = '' THEN NULL ELSE 1 END" if "createdBy_name" in target_columns else "1"
        src_cols = ", ".join(f"{expr} AS {_quote('c_' + col)}" for col, expr, _ in pairs)
        tgt_cols = ", ".join(f"{expr} AS {_quote('c_' + col)}" for col, _, expr in pairs)
        key = "coalesce((SELECT target_id FROM id_map WHERE object = ? AND source_id = CAST(r.id AS VARCHAR)), CAST(r.id AS VARCHAR))"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE src AS SELECT {key} AS k, CAST(r.id AS VARCHAR) AS source_id, "
                         f"(r.\"deletedAt\" IS NOT NULL) AS deleted, {named_source} AS named{', ' + src_cols if src_cols else ''} FROM s.{table} r", [name])
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE tgt AS SELECT CAST(r.id AS VARCHAR) AS k, (r.\"deletedAt\" IS NOT NULL) AS deleted"
                         f"{', ' + tgt_cols if tgt_cols else ''} FROM t.{table} r")
        diffs = [f"(s.{_quote('c_' + col)} IS DISTINCT FROM t.{_quote('c_' + col)}"
                 + (" AND s.named IS NOT NULL" if col.startswith("createdBy_") else "") + ")" for col, _, _ in pairs]
        changed = " OR ".join(["s.deleted IS DISTINCT FROM t.deleted", *diffs])
        self.con.execute(f"""CREATE OR REPLACE TEMP TABLE joined AS SELECT s.k AS sk, t.k AS tk, s.source_id,
            CASE WHEN t.k IS NULL THEN 'only_source' WHEN s.k IS NULL THEN 'only_target'
                 WHEN {changed} THEN 'changed' ELSE 'matched' END AS status
            FROM src s FULL OUTER JOIN tgt t ON s.k = t.k""")
        out = ObjectDiff(name)
        out.status = dict(self.con.execute("SELECT status, count(*) FROM joined GROUP BY status").fetchall())
        out.only_source = [r[0] for r in self.con.execute("SELECT source_id FROM joined WHERE status = 'only_source' ORDER BY source_id LIMIT 50").fetchall()]
        out.only_target = [r[0] for r in self.con.execute("SELECT tk FROM joined WHERE status = 'only_target' ORDER BY tk LIMIT 50").fetchall()]
        for col, _, _ in pairs:
            c = _quote("c_" + col)
            guard = " AND s.named IS NOT NULL" if col.startswith("createdBy_") else ""
            row = self.con.execute(f"""SELECT
                count(*) FILTER (WHERE s.{c} IS NOT DISTINCT FROM t.{c} OR (true {'AND s.named IS NULL' if guard else 'AND false'})),
                count(*) FILTER (WHERE s.{c} IS NULL AND t.{c} IS NOT NULL{guard}),
                count(*) FILTER (WHERE s.{c} IS NOT NULL AND t.{c} IS NULL{guard}),
                count(*) FILTER (WHERE s.{c} IS NOT NULL AND t.{c} IS NOT NULL AND s.{c} <> t.{c}{guard})
                FROM src s JOIN tgt t ON s.k = t.k""").fetchone()
            out.fields[col] = {"equal": row[0], "null_in_source": row[1], "null_in_target": row[2], "conflicting": row[3]}
            if any(row[1:]):
                for source_id, key, sv, tv in self.con.execute(
                        f"SELECT s.source_id, s.k, CAST(s.{c} AS VARCHAR), CAST(t.{c} AS VARCHAR) FROM src s JOIN tgt t ON s.k = t.k "
                        f"WHERE s.{c} IS DISTINCT FROM t.{c}{guard} ORDER BY s.source_id LIMIT {SAMPLES_PER_FIELD}").fetchall():
                    out.samples.append({"field": col, "source_id": source_id, "target_id": key, "source": sv, "target": tv})
        return out

    def diff_all(self) -> dict[str, ObjectDiff]:
        return {name: self.diff_object(name) for name in self.compared_objects()}


def object_fields(obj: ObjectMeta) -> dict[str, FieldMeta]:
    return {f.name: f for f in obj.fields}
