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
LISTED = 50
"""How many ids of records only on one side an ObjectDiff lists (the counts are exact)."""
STATUSES = ("matched", "changed", "only_source", "only_target")


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

    def __init__(self, source: Path, target: Path, state: Path | None = None, ignore: tuple[str, ...] = (),
                 empty_boolean_is_false: bool = False) -> None:
        """`ignore`: more fields or columns left out (what one side cannot hold, e.g. `position` of a CSV export).
        `empty_boolean_is_false`: an empty BOOLEAN compares as false (the UI's import writes false
        for an empty checkbox cell)."""
        self.paths = {"s": Path(source), "t": Path(target)}
        self.ignore = ignore
        self.empty_boolean_is_false = empty_boolean_is_false
        with Snapshot(self.paths["s"]) as s, Snapshot(self.paths["t"]) as t:
            self.source_objects = {o.name_singular: o for o in s.objects()}
            self.target_objects = {o.name_singular: o for o in t.objects()}
            self.source_counts = {name: counts for name, counts in s.counts().items()}
            # A folder of CSV exports holds live records only: a reference to a record it lacks (soft-deleted,
            # not exported) and the target lacks too cannot have been carried, so it is expected empty there.
            self.csv_tables = ({r[0] for r in s.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
                               if s.info.get("origin") == "csv" else set())
            self.csv_tables &= {r[0] for r in t.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
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
    def _expression(self, side: str, column: Column, meta: FieldMeta | None, joins: list[str]) -> str | None:
        """A normalised SQL expression for one column on one side, or None to leave it out.

        Member e-mails and mapped ids are looked up through LEFT JOINs appended to `joins`
        (each lookup table is unique on its key, so a join gives what a scalar subquery would),
        not through correlated subqueries: DuckDB runs them as one hash join each."""
        ref = f"r.{_quote(column.name)}"
        if column.field in IGNORED or column.field in self.ignore or column.name in self.ignore \
                or column.name.startswith(("updatedBy_", "createdBy_context")):
            return None
        if meta is not None and meta.type == "FILES":
            return None
        if column.name in ("fullPath",):
            return None
        if (column.kind == "join" and meta is not None and meta.target_object == MEMBER_OBJECT) or column.name == "createdBy_workspaceMemberId":
            alias = f"j{len(joins)}"
            joins.append(f"LEFT JOIN {'expected' if side == 's' else 't'}_member {alias} ON {alias}.id = {ref}")
            return f"{alias}.email"
        if column.kind == "join" and meta is not None:
            if side == "s":
                alias = f"j{len(joins)}"
                joins.append(f"LEFT JOIN any_map {alias} ON {alias}.source_id = CAST({ref} AS VARCHAR)")
                # A parent the map sends to NULL is one the target cannot hold (soft-deleted, not carried): expected empty.
                mapped = f"CASE WHEN {alias}.source_id IS NULL THEN CAST({ref} AS VARCHAR) ELSE {alias}.target_id END"
                if meta.target_object in self.csv_tables:
                    parent = f"p{len(joins)}"
                    table = _quote(meta.target_object or "")
                    joins.append(f"LEFT JOIN (SELECT CAST(id AS VARCHAR) AS id FROM s.records.{table} UNION "
                                 f"SELECT CAST(id AS VARCHAR) FROM t.records.{table}) {parent} ON {parent}.id = CAST({ref} AS VARCHAR)")
                    return f"CASE WHEN {alias}.source_id IS NULL AND {parent}.id IS NULL THEN NULL ELSE {mapped} END"
                return mapped
            return f"CAST({ref} AS VARCHAR)"
        sql_type = column.sql_type
        if self.empty_boolean_is_false and meta is not None and meta.type == "BOOLEAN" and column.sub is None:
            return f"coalesce({ref}, false)"
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
        """Both sides normalised and FULL OUTER JOINed on the key in one pass that keeps only the
        statuses and the changed rows; the per-field counts and bounded, ordered samples
        (`min_by(..., n)`) are then computed over those rows alone. No side is materialised and
        no join is repeated per field."""
        source = self.source_objects[name]
        target = self.target_objects[name]
        target_columns = {c.name: c for c in record_columns(target)}
        source_meta = {f.name: f for f in source.fields}
        target_meta = {f.name: f for f in target.fields}
        pairs: list[tuple[str, str, str]] = []
        s_joins: list[str] = []
        t_joins: list[str] = []
        for column in record_columns(source):
            if column.name == "id" or column.name not in target_columns:
                continue
            s_expr = self._expression("s", column, source_meta.get(column.field), s_joins)
            t_expr = self._expression("t", target_columns[column.name], target_meta.get(column.field), t_joins) if s_expr is not None else None
            if s_expr is None or t_expr is None:
                continue
            pairs.append((column.name, s_expr, t_expr))
        table = f'records."{name}"'
        named_source = "CASE WHEN r.\"createdBy_name\" IS NULL OR r.\"createdBy_name\" = '' THEN NULL ELSE 1 END" if "createdBy_name" in target_columns else "1"
        src_cols = "".join(f", {expr} AS {_quote('s_' + col)}" for col, expr, _ in pairs)
        tgt_cols = "".join(f", {expr} AS {_quote('t_' + col)}" for col, _, expr in pairs)
        guards = {col: " AND named IS NOT NULL" if col.startswith("createdBy_") else "" for col, _, _ in pairs}
        differs = {col: f"{_quote('s_' + col)} IS DISTINCT FROM {_quote('t_' + col)}{guards[col]}" for col, _, _ in pairs}
        changed = " OR ".join(["s.deleted IS DISTINCT FROM t.deleted", *(f"({d})" for d in differs.values())])
        # Pass 1, over every record: the statuses, the ids only on one side, and the changed rows
        # themselves (a matched row has every field equal, so only changed rows need per-field work).
        self.con.execute(f"""CREATE OR REPLACE TEMP TABLE diff_summary AS
            WITH src AS (SELECT coalesce(m.target_id, CAST(r.id AS VARCHAR)) AS k, CAST(r.id AS VARCHAR) AS source_id,
                                (r."deletedAt" IS NOT NULL) AS deleted, {named_source} AS named{src_cols}
                         FROM s.{table} r LEFT JOIN (SELECT source_id, target_id FROM id_map WHERE object = $object) m
                              ON m.source_id = CAST(r.id AS VARCHAR) {' '.join(s_joins)}),
                 tgt AS (SELECT CAST(r.id AS VARCHAR) AS k, (r."deletedAt" IS NOT NULL) AS deleted{tgt_cols} FROM t.{table} r {' '.join(t_joins)}),
                 joined AS (SELECT s.* EXCLUDE (k, deleted), t.* EXCLUDE (k, deleted), s.k AS sk, t.k AS tk,
                                   CASE WHEN t.k IS NULL THEN 'only_source' WHEN s.k IS NULL THEN 'only_target'
                                        WHEN {changed} THEN 'changed' ELSE 'matched' END AS status
                            FROM src s FULL OUTER JOIN tgt t ON s.k = t.k)
            SELECT {', '.join(f"count(*) FILTER (WHERE status = '{status}') AS {status}" for status in STATUSES)},
                   min_by(source_id, source_id, {LISTED}) FILTER (WHERE status = 'only_source') AS only_source_ids,
                   min_by(tk, tk, {LISTED}) FILTER (WHERE status = 'only_target') AS only_target_ids,
                   list(j) FILTER (WHERE status = 'changed') AS changed_rows
            FROM joined j""", {"object": name})
        row = self.con.execute(f"SELECT {', '.join(STATUSES)}, only_source_ids, only_target_ids FROM diff_summary").fetchone()
        assert row is not None
        out = ObjectDiff(name)
        out.status = {status: n for status, n in zip(STATUSES, row, strict=False) if n}
        out.only_source, out.only_target = list(row[4] or []), list(row[5] or [])
        matched = out.status.get("matched", 0)
        if not out.status.get("changed"):
            out.fields = {col: {"equal": matched, "null_in_source": 0, "null_in_target": 0, "conflicting": 0} for col, _, _ in pairs}
            return out
        # Pass 2, over the changed rows only: which fields differ at all, then those fields' counts
        # and their first samples by source id (a field that never differs is equal in every row).
        rows = "(SELECT unnest(r) FROM (SELECT unnest(changed_rows) AS r FROM diff_summary))"
        flags = self.con.execute(f"SELECT {', '.join(f'bool_or({differs[col]})' for col, _, _ in pairs)} FROM {rows}").fetchone()
        assert flags is not None
        differing = [col for (col, _, _), flag in zip(pairs, flags, strict=True) if flag]
        aggregates = []
        for col in differing:
            sc, tc, guard = _quote("s_" + col), _quote("t_" + col), guards[col]
            aggregates += [
                f"count(*) FILTER (WHERE {sc} IS NOT DISTINCT FROM {tc} OR (true {'AND named IS NULL' if guard else 'AND false'}))",
                f"count(*) FILTER (WHERE {sc} IS NULL AND {tc} IS NOT NULL{guard})",
                f"count(*) FILTER (WHERE {sc} IS NOT NULL AND {tc} IS NULL{guard})",
                f"count(*) FILTER (WHERE {sc} IS NOT NULL AND {tc} IS NOT NULL AND {sc} <> {tc}{guard})",
                (f"min_by([source_id, sk, CAST({sc} AS VARCHAR), CAST({tc} AS VARCHAR)], source_id, {SAMPLES_PER_FIELD}) "
                 f"FILTER (WHERE {differs[col]})")]
        counts = self.con.execute(f"SELECT {', '.join(aggregates)} FROM {rows}").fetchone() if differing else ()
        assert counts is not None
        detail = {col: counts[5 * n:5 * n + 5] for n, col in enumerate(differing)}
        changed_rows = out.status.get("changed", 0)
        for col, _, _ in pairs:
            equal, null_in_source, null_in_target, conflicting, samples = detail.get(col, (changed_rows, 0, 0, 0, None))
            out.fields[col] = {"equal": matched + equal, "null_in_source": null_in_source, "null_in_target": null_in_target, "conflicting": conflicting}
            for source_id, key, sv, tv in samples or []:
                out.samples.append({"field": col, "source_id": source_id, "target_id": key, "source": sv, "target": tv})
        return out

    def diff_all(self) -> dict[str, ObjectDiff]:
        return {name: self.diff_object(name) for name in self.compared_objects()}


def object_fields(obj: ObjectMeta) -> dict[str, FieldMeta]:
    return {f.name: f for f in obj.fields}
