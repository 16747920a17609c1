"""The keyed diff of two snapshots: DuckDB SQL over both files ATTACHed read-only.

Records are keyed by their target id: the journal's id map when there is one (source id ->
target id), else the source id itself. Both sides are normalised the same way before they are
compared (`normalise.py`). Records whose creator had no name are not compared on `createdBy`,
as the plan announces.

Two passes per object, so that the cost of a million equal records is about one scan of each side:
1. the target is reduced to narrow rows (key, deleted flag, 64-bit hashes of its normalised
   values); the source is normalised and hashed as it streams through one FULL OUTER JOIN
   against them. That join yields the statuses, the ids only on one side, and the *candidates*:
   records whose hashes differ, of which the source's normalised values are kept;
2. only the candidates' target records are read again, normalised, and compared with the
   source's exactly (IS DISTINCT FROM), field by field: a candidate with every field equal is
   matched after all, so a hash never makes a record differ. It could only hide a difference
   if two different rows hashed alike (probability 2^-64 a record).
`diff_all` runs objects side by side, each on its own cursor.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migrate.diff.normalise import IGNORED, Lookup, expression, is_compared, quote
from migrate.errors import SnapshotError
from migrate.model import FieldMeta, ObjectMeta
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_columns

__all__ = ["IGNORED", "LISTED", "SAMPLES_PER_FIELD", "STATUSES", "Differ", "ObjectDiff", "object_fields"]

SAMPLES_PER_FIELD = 20
LISTED = 50
"""How many ids of records only on one side an ObjectDiff lists (the counts are exact)."""
STATUSES = ("matched", "changed", "only_source", "only_target")
CREATED_BY = "createdBy_"


@dataclass(slots=True)
class ObjectDiff:
    """One object's diff: record statuses, per-field counts, samples of differences."""

    object: str
    status: dict[str, int] = field(default_factory=dict)
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    only_source: list[str] = field(default_factory=list)
    only_target: list[str] = field(default_factory=list)
    shared_targets: int = 0
    """Target records the id map gives to several source records (two records merged into one)."""
    shared: list[dict[str, Any]] = field(default_factory=list)
    """The first LISTED of them, by target id: {"target_id", "source_ids"}."""

    @property
    def differing(self) -> int:
        return self.status.get("changed", 0) + self.status.get("only_source", 0) + self.status.get("only_target", 0)


@dataclass(slots=True)
class _Side:
    """One side's half of an object's query: its normalised expressions and the joins they need."""

    side: str
    lookups: dict[tuple[str, str], str] = field(default_factory=dict)
    joins: list[str] = field(default_factory=list)
    maps: list[str | None] = field(default_factory=list)

    def from_clause(self, table: str) -> str:
        return f"{table} r {' '.join(self.joins)}"


class Differ:
    """Compares a source and a target snapshot through the journal's id and member maps.

    `state` is a DuckDB file with the journal's `id_map (object, source_id, target_id, ...)` and
    `member_map (source_id, ..., target_email, ...)` tables (the apply journal, or any file shaped
    like it); without it, records are keyed by their source id and members by e-mail."""

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
            self.snapshotted = {r[0] for r in s.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
            # A folder of CSV exports holds live records only: a reference to a record it lacks (soft-deleted,
            # not exported) and the target lacks too cannot have been carried, so it is expected empty there.
            self.csv_parents = frozenset(self.snapshotted & {r[0] for r in t.con.execute(
                "SELECT name_singular FROM objects WHERE snapshotted").fetchall()} if s.info.get("origin") == "csv" else ())
        self.con = duckdb.connect(config={"preserve_insertion_order": False})
        try:
            self.con.execute(f"ATTACH '{_literal(self.paths['s'])}' AS s (READ_ONLY)")
            self.con.execute(f"ATTACH '{_literal(self.paths['t'])}' AS t (READ_ONLY)")
            self.has_journal = state is not None and Path(state).exists()
            if self.has_journal:
                self.con.execute(f"ATTACH '{_literal(Path(state))}' AS j (READ_ONLY)")
        except duckdb.Error as exc:
            raise SnapshotError(f"Cannot open the snapshots for the diff: {exc}") from None
        self._maps: dict[str | None, str] = {}
        self._made: set[str] = set()
        self._lock = threading.Lock()
        self._map_locks: dict[str, threading.Lock] = {}
        self._member_tables()

    def close(self) -> None:
        self.con.close()

    def _member_tables(self) -> None:
        # Tables every cursor sees (the in-memory catalog), not TEMP ones, which are per cursor.
        for side in ("s", "t"):
            self.con.execute(f"CREATE TABLE {side}_member AS SELECT id, lower(trim(email)) AS email FROM {side}.members")
        # A source member is expected to become the target member the plan mapped it to (a
        # fallback owner or an override is announced, not a difference); without a journal, the
        # member with the same e-mail.
        if self.has_journal:
            self.con.execute("CREATE TABLE expected_member AS SELECT m.id, coalesce(lower(j.target_email), m.email) AS email "
                             "FROM s_member m LEFT JOIN j.member_map j ON j.source_id = CAST(m.id AS VARCHAR)")
        else:
            self.con.execute("CREATE TABLE expected_member AS SELECT id, email FROM s_member")

    def id_map(self, obj: str | None) -> str:
        """The table mapping the source ids of `obj` (of any object if None) to target ids, as
        UUIDs: each object's records and the relations pointing at it join it. Named here, made by
        `_make_maps` before the queries that join it run."""
        with self._lock:
            if obj not in self._maps:
                self._maps[obj] = f"map_{len(self._maps)}"
            return self._maps[obj]

    def _make_map(self, obj: str | None, con: duckdb.DuckDBPyConnection) -> None:
        name = self._maps[obj]
        with self._lock:
            lock = self._map_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._made:
                self._create_map(name, obj, con)
                self._made.add(name)

    def _create_map(self, name: str, obj: str | None, con: duckdb.DuckDBPyConnection) -> None:
        if not self.has_journal:
            con.execute(f"CREATE TABLE {name} (source_id UUID, target_id UUID)")
        elif obj is None:
            con.execute(f"CREATE TABLE {name} AS SELECT TRY_CAST(source_id AS UUID) AS source_id, "
                        "any_value(TRY_CAST(target_id AS UUID)) AS target_id FROM j.id_map GROUP BY ALL")
        else:
            con.execute(f"CREATE TABLE {name} AS SELECT TRY_CAST(source_id AS UUID) AS source_id, "
                        "TRY_CAST(target_id AS UUID) AS target_id FROM j.id_map WHERE object = $object", {"object": obj})

    def compared_objects(self) -> list[str]:
        return sorted(n for n in self.snapshotted if n in self.target_objects)

    # the queries -----------------------------------------------------------------------------
    def _lookup(self, side: _Side) -> Lookup:
        def lookup(kind: str, target_object: str | None, column: str) -> str:
            if kind == "member":
                table = "expected_member" if side.side == "s" else "t_member"
            elif kind == "held":  # the ids either side holds of `target_object`
                table = f"(SELECT id FROM s.records.{quote(target_object or '')} UNION SELECT id FROM t.records.{quote(target_object or '')})"
            else:
                table = self.id_map(target_object)
                side.maps.append(target_object)
            key = "source_id" if kind == "relation" else "id"
            alias = side.lookups.get((table, column))
            if alias is None:
                alias = side.lookups[(table, column)] = f"j{len(side.lookups)}"
                side.joins.append(f"LEFT JOIN {table} {alias} ON {alias}.{key} = r.{quote(column)}")
            return alias
        return lookup

    def _pairs(self, name: str) -> tuple[list[tuple[str, str, str]], _Side, _Side, bool]:
        """The compared columns of an object with their source and target expressions."""
        source, target = self.source_objects[name], self.target_objects[name]
        target_columns = {c.name: c for c in record_columns(target)}
        source_meta, target_meta = object_fields(source), object_fields(target)
        s_side, t_side = _Side("s"), _Side("t")
        pairs = []
        for column in record_columns(source):
            if column.name == "id" or column.name not in target_columns:
                continue
            s_meta, t_meta = source_meta.get(column.field), target_meta.get(column.field)
            if not is_compared(column, s_meta, self.ignore) or not is_compared(target_columns[column.name], t_meta, self.ignore):
                continue
            options = {"empty_boolean_is_false": self.empty_boolean_is_false, "csv_parents": self.csv_parents}
            pairs.append((column.name, expression("s", column, s_meta, self._lookup(s_side), **options),
                          expression("t", target_columns[column.name], t_meta, self._lookup(t_side), **options)))
        return pairs, s_side, t_side, "createdBy_name" in target_columns

    def diff_object(self, name: str, con: duckdb.DuckDBPyConnection | None = None) -> ObjectDiff:
        """One object's diff; `con` is a cursor of this Differ's connection (diff_all runs
        objects side by side, each on its own cursor, since TEMP tables belong to a cursor)."""
        con = con or self.con
        pairs, s_side, t_side, has_named = self._pairs(name)
        table = f"records.{quote(name)}"
        key_map = self.id_map(name)
        for obj in [name, *s_side.maps]:
            self._make_map(obj, con)
        named = "(r.\"createdBy_name\" IS NOT NULL AND r.\"createdBy_name\" <> '')" if has_named else "true"
        core = [p for p in pairs if not p[0].startswith(CREATED_BY)]
        created = [p for p in pairs if p[0].startswith(CREATED_BY)]

        def digest(items: list[tuple[str, str, str]], index: int) -> str:
            return f"hash({', '.join(p[index] for p in items)})" if items else "0::UBIGINT"

        src_cols = "".join(f", {expr} AS {quote('s_' + col)}" for col, expr, _ in pairs)
        # Pass 1, over every record: the target reduced to narrow rows (key, deleted, hashes), the
        # source normalised and hashed as it streams through one FULL OUTER JOIN against them;
        # the source's values of the candidates are kept, so pass 2 reads only the target again.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE diff_target AS
            SELECT r.id AS k, r."deletedAt" IS NOT NULL AS deleted, {digest(core, 2)} AS h, {digest(created, 2)} AS hc
            FROM {t_side.from_clause('t.' + table)}""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE diff_pass1 AS
            WITH src AS (SELECT coalesce(k.target_id, r.id) AS k, r.id AS sid, r."deletedAt" IS NOT NULL AS s_deleted, {named} AS named,
                                {digest(core, 1)} AS h, {digest(created, 1)} AS hc{src_cols}
                         FROM {s_side.from_clause('s.' + table)} LEFT JOIN {key_map} k ON k.source_id = r.id)
            SELECT count(*) FILTER (WHERE t.k IS NULL) AS only_source, count(*) FILTER (WHERE s.k IS NULL) AS only_target,
                   count(*) FILTER (WHERE s.k IS NOT NULL AND t.k IS NOT NULL) AS both_sides,
                   min_by(s.sid, s.sid, {LISTED}) FILTER (WHERE t.k IS NULL) AS source_ids,
                   min_by(t.k, t.k, {LISTED}) FILTER (WHERE s.k IS NULL) AS target_ids,
                   list(s) FILTER (WHERE s.k IS NOT NULL AND t.k IS NOT NULL
                       AND (s.s_deleted <> t.deleted OR s.h <> t.h OR (s.named AND s.hc <> t.hc))) AS candidates
            FROM src s FULL OUTER JOIN diff_target t ON s.k = t.k""")
        row = con.execute("SELECT only_source, only_target, both_sides, source_ids, target_ids, len(candidates) FROM diff_pass1").fetchone()
        assert row is not None
        only_source, only_target, both, source_ids, target_ids, candidates = row
        out = ObjectDiff(name)
        out.shared_targets, out.shared = self._shared(con, key_map)
        out.only_source = [str(i) for i in source_ids or []]
        out.only_target = [str(i) for i in target_ids or []]
        changed, detail = self._changed(con, name, pairs, t_side) if candidates else (0, {})
        counts = {"matched": both - changed, "changed": changed, "only_source": only_source, "only_target": only_target}
        out.status = {status: n for status, n in counts.items() if n}
        matched = counts["matched"]
        for col, _, _ in pairs:
            equal, null_in_source, null_in_target, conflicting, samples = detail.get(col, (changed, 0, 0, 0, None))
            out.fields[col] = {"equal": matched + equal, "null_in_source": null_in_source, "null_in_target": null_in_target,
                               "conflicting": conflicting}
            for source_id, key, sv, tv in samples or []:
                out.samples.append({"field": col, "source_id": source_id, "target_id": key, "source": sv, "target": tv})
        return out

    def _shared(self, con: duckdb.DuckDBPyConnection, key_map: str) -> tuple[int, list[dict[str, Any]]]:
        """Target ids the object's id map gives to several source ids, and the first LISTED of them
        (found by a plain grouping first: an ordered list over every group would sort the whole map)."""
        shared = [r[0] for r in con.execute(f"SELECT target_id FROM {key_map} WHERE target_id IS NOT NULL GROUP BY target_id "
                                            "HAVING count(*) > 1 ORDER BY target_id").fetchall()]
        if not shared:
            return 0, []
        rows = con.execute(f"SELECT CAST(target_id AS VARCHAR), list(CAST(source_id AS VARCHAR) ORDER BY source_id) FROM {key_map} "
                           "WHERE list_contains($ids, target_id) GROUP BY target_id ORDER BY target_id", {"ids": shared[:LISTED]}).fetchall()
        return len(shared), [{"target_id": t, "source_ids": list(s)} for t, s in rows]

    def _changed(self, con: duckdb.DuckDBPyConnection, name: str, pairs: list[tuple[str, str, str]], t_side: _Side) -> tuple[int, dict[str, tuple[Any, ...]]]:
        """Pass 2, over the candidates of pass 1 only: the target's values read again for them,
        which candidates really differ (exactly, field by field), and per differing field its
        counts and first samples by source id."""
        table = f"records.{quote(name)}"
        con.execute("CREATE OR REPLACE TEMP TABLE diff_candidates AS SELECT unnest(candidates, recursive := true) FROM diff_pass1")
        tgt_cols = "".join(f", {expr} AS {quote('t_' + col)}" for col, _, expr in pairs)
        guards = {col: " AND named" if col.startswith(CREATED_BY) else "" for col, _, _ in pairs}
        differs = {col: f"{quote('s_' + col)} IS DISTINCT FROM {quote('t_' + col)}{guards[col]}" for col, _, _ in pairs}
        changed = " OR ".join(["s_deleted <> t_deleted", *(f"({d})" for d in differs.values())])
        con.execute(f"""CREATE OR REPLACE TEMP TABLE diff_changed AS
            WITH tgt AS (SELECT r.id AS k, r."deletedAt" IS NOT NULL AS t_deleted{tgt_cols}
                         FROM {t_side.from_clause(f'(SELECT * FROM t.{table} WHERE id IN (SELECT k FROM diff_candidates))')})
            SELECT CAST(c.sid AS VARCHAR) AS source_id, CAST(c.k AS VARCHAR) AS sk, c.* EXCLUDE (sid, k, h, hc), tgt.* EXCLUDE (k)
            FROM diff_candidates c JOIN tgt USING (k)
            WHERE {changed}""")
        count = con.execute("SELECT count(*) FROM diff_changed").fetchone()[0]  # type: ignore[index]
        if not count:
            return 0, {}
        flags = con.execute(f"SELECT {', '.join(f'bool_or({differs[col]})' for col, _, _ in pairs)} FROM diff_changed").fetchone()
        assert flags is not None
        differing = [col for (col, _, _), flag in zip(pairs, flags, strict=True) if flag]
        aggregates = []
        for col in differing:
            sc, tc, guard = quote("s_" + col), quote("t_" + col), guards[col]
            aggregates += [
                f"count(*) FILTER (WHERE {sc} IS NOT DISTINCT FROM {tc}{' OR NOT named' if guard else ''})",
                f"count(*) FILTER (WHERE {sc} IS NULL AND {tc} IS NOT NULL{guard})",
                f"count(*) FILTER (WHERE {sc} IS NOT NULL AND {tc} IS NULL{guard})",
                f"count(*) FILTER (WHERE {sc} IS NOT NULL AND {tc} IS NOT NULL AND {sc} <> {tc}{guard})",
                (f"min_by([source_id, sk, CAST({sc} AS VARCHAR), CAST({tc} AS VARCHAR)], source_id, {SAMPLES_PER_FIELD}) "
                 f"FILTER (WHERE {differs[col]})")]
        counts = con.execute(f"SELECT {', '.join(aggregates)} FROM diff_changed").fetchone() if differing else ()
        assert counts is not None
        return count, {col: counts[5 * n:5 * n + 5] for n, col in enumerate(differing)}

    def diff_all(self, workers: int | None = None) -> dict[str, ObjectDiff]:
        """Every compared object, `workers` at a time (default: DuckDB's threads, the cores),
        biggest first. Most objects fit in one row group (122 880 rows), which one DuckDB thread
        scans: running objects side by side is what keeps every core busy. When no object is
        more than its share of the work, each query runs on one thread (threads that split a
        query only add their coordination); otherwise on all of them."""
        names = self.compared_objects()
        threads = int(self.con.execute("SELECT current_setting('threads')").fetchone()[0])  # type: ignore[index]
        workers = threads if workers is None else workers
        if workers <= 1 or len(names) <= 1:
            return {name: self.diff_object(name) for name in names}
        sizes = dict(zip(names, self._sizes(names), strict=True))
        order = sorted(names, key=lambda n: -sizes[n])
        local = threading.local()

        def run(name: str) -> ObjectDiff:
            if not hasattr(local, "con"):
                local.con = self.con.cursor()
            return self.diff_object(name, local.con)

        balanced = max(sizes.values()) * workers <= sum(sizes.values())
        if balanced:
            self.con.execute("SET threads = 1")
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                done = dict(zip(order, pool.map(run, order), strict=True))
        finally:
            if balanced:
                self.con.execute(f"SET threads = {threads}")
        return {name: done[name] for name in names}

    def _sizes(self, names: list[str]) -> list[int]:
        """Records of each object, source and target (the tables' own counts: no scan)."""
        return [sum(self.con.execute(f"SELECT count(*) FROM {side}.records.{quote(n)}").fetchone()[0] for side in "st")  # type: ignore[index]
                for n in names]


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def object_fields(obj: ObjectMeta) -> dict[str, FieldMeta]:
    return {f.name: f for f in obj.fields}

