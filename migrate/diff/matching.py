"""Matching the records of two snapshots without a journal (the manual path: the UI's import).

An import through Twenty's UI gives every record a new id and keeps no journal, so the audit has to
find each source record's counterpart itself. Per object, a source record is matched:

1. by id, where the target holds a record with the same id (an API migration kept it);
2. else by each key the server enforces as unique (person primary e-mail, company domain, custom
   `isUnique` fields, read from the source's field metadata);
3. else by the object's key from the audit config (`[match] opportunity = ["name", "company"]`);
   a relation field in a key compares the parent through the parents already matched, a member
   field compares e-mails.

A key matches when it is one-to-one: a source record whose key finds several target records (or
whose target record is claimed by several source records) is *ambiguous*, and one that finds none
is *unmatched*; both are evidence for the audit, never guesses, and no weaker key is tried after an
ambiguity. A target record left over that a key finds for a source record already matched (by id,
say) is a *twin* of that record's counterpart (a file imported twice without its Id column): the
source record counts as ambiguous. Members are matched by e-mail on both sides (the target's member ids differ).

The result is written as a journal-shaped DuckDB file (`id_map`, `member_map`), so the `Differ`
uses it unchanged. Only pairs whose ids differ are written: the Differ keys a source record by its
own id when the map has no row for it. A soft-deleted source record the target lacks (the UI's
export leaves those out) is written with a NULL target id: what pointed at it is expected empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migrate.errors import InputError, SnapshotError
from migrate.model import FieldMeta, ObjectMeta
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_columns
from migrate.twenty.codecs.columns import Column

MEMBER_OBJECT = "workspaceMember"
PRIMARY_SUB = {"EMAILS": "primaryEmail", "LINKS": "primaryLinkUrl", "PHONES": "primaryPhoneNumber"}
"""The sub-field Twenty's uniqueness applies to, for composite fields."""
SAMPLES = 50
"""How many ambiguous or unmatched records an ObjectMatching names (its counts are exact)."""
METHOD_ID = "id"
MAP_DDL = """
CREATE TABLE m.id_map (object VARCHAR, source_id VARCHAR, target_id VARCHAR, status VARCHAR, source_updated_at VARCHAR,
    PRIMARY KEY (object, source_id));
CREATE TABLE m.member_map (source_id VARCHAR PRIMARY KEY, source_email VARCHAR, target_id VARCHAR, target_email VARCHAR, via VARCHAR);
CREATE TABLE m.matching (object VARCHAR, method VARCHAR, matched BIGINT);
"""


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One column of a matching key, and how its values compare."""

    column: str
    kind: str
    """`text`, `email`, `url`, `relation` (through the id map), `member` (through e-mails) or `value`."""
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class MatchKey:
    label: str
    """How the report names it: `unique emails`, `key name, company`."""
    parts: tuple[KeyPart, ...]


@dataclass(slots=True)
class ObjectMatching:
    """How one object's records were matched, with the records that could not be."""

    object: str
    source_records: int = 0
    target_records: int = 0
    by: dict[str, int] = field(default_factory=dict)
    """Records matched, per method (`id`, `unique emails`, `key name, company`), in the order tried."""
    keys: list[str] = field(default_factory=list)
    """Every method tried, even those that matched nothing."""
    ambiguous: int = 0
    unmatched_source: int = 0
    unmatched_target: int = 0
    deleted_unmatched: int = 0
    """Unmatched source records that are soft-deleted (the UI's export leaves them out)."""
    samples: list[dict[str, Any]] = field(default_factory=list)
    """Bounded: `{"problem": "ambiguous"|"twin"|"unmatched", "source_id", "key", "candidates"}` (a twin's
    candidates: the target record matched first, then its twins)."""
    unmatched_ids: list[str] = field(default_factory=list)
    """Up to SAMPLES unmatched source ids, soft-deleted ones excluded."""
    deleted_ids: list[str] = field(default_factory=list)
    """Every soft-deleted unmatched source id (the audit excuses them: few, and the UI's export has none)."""

    @property
    def matched(self) -> int:
        return sum(self.by.values())

    @property
    def method(self) -> str:
        """One line for the report: `id (12)`, `unique emails (64), key name, company (4)`, `none`."""
        used = [f"{name} ({n})" for name, n in self.by.items() if n]
        return ", ".join(used) or "none"


@dataclass(slots=True)
class MemberMatching:
    matched: int = 0
    unmatched: list[str] = field(default_factory=list)
    """E-mails of source members no target member has."""
    ambiguous: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Matching:
    """The matching of two snapshots, and the journal-shaped file holding its id and member maps."""

    path: Path
    objects: dict[str, ObjectMatching] = field(default_factory=dict)
    members: MemberMatching = field(default_factory=MemberMatching)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _kind(column: Column) -> str:
    if column.sub == "primaryEmail":
        return "email"
    if column.sub == "primaryLinkUrl":
        return "url"
    if column.sql_type == "VARCHAR":
        return "text"
    return "value"


def _part(column: Column, meta: FieldMeta) -> KeyPart:
    if column.kind == "join":
        return KeyPart(column.name, "member" if meta.target_object == MEMBER_OBJECT else "relation", meta.target_object)
    return KeyPart(column.name, _kind(column))


def key_parts(obj: ObjectMeta, names: Sequence[str], *, where: str = "") -> tuple[KeyPart, ...]:
    """The columns of a key given by field names (`name`, `company`, `emails`) or column names
    (`name_firstName`). A composite field counts by its primary sub-field where Twenty has one, else by
    all its sub-fields; a relation by its join column. An unknown name is an InputError naming the fields."""
    columns = record_columns(obj)
    metas = {f.name: f for f in obj.fields}
    parts: list[KeyPart] = []
    for name in names:
        meta = metas.get(name)
        chosen = [c for c in columns if c.field == name] if meta is not None else [c for c in columns if c.name == name]
        if meta is not None and meta.type in PRIMARY_SUB:
            chosen = [c for c in chosen if c.sub == PRIMARY_SUB[meta.type]]
        chosen = [c for c in chosen if c.sql_type not in ("JSON", "VARCHAR[]")]
        if not chosen:
            known = ", ".join(sorted(f.name for f in obj.fields if f.is_stored))
            raise InputError(f"{where}[match] {obj.name_singular}: {name!r} is not a stored field of {obj.name_singular}; "
                             f"fields: {known}.")
        parts += [_part(c, metas.get(c.field) or FieldMeta(c.field, "TEXT")) for c in chosen]
    return tuple(parts)


def unique_keys(obj: ObjectMeta) -> list[MatchKey]:
    """The keys the server enforces on an object (its `isUnique` fields other than id), one key each."""
    out = []
    for meta in sorted(obj.fields, key=lambda f: f.name):
        if meta.is_unique and meta.name != "id" and meta.is_stored and not meta.join_column:
            out.append(MatchKey(f"unique {meta.name}", key_parts(obj, [meta.name])))
    return out


def load_match_keys(data: Mapping[str, Any], where: str = "") -> dict[str, list[str]]:
    """The `[match]` table of an audit config: `object = ["field", ...]`; InputError when malformed."""
    table = data.get("match", {})
    if not isinstance(table, dict):
        raise InputError(f'{where}[match] must be a table of object = ["field", ...].')
    out = {}
    for name, value in table.items():
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise InputError(f'{where}[match] {name} must be a list of field names, e.g. {name} = ["name", "company"].')
        out[str(name)] = list(value)
    return out


class _Matcher:
    """One DuckDB connection over both snapshots and the output map file."""

    def __init__(self, source: Path, target: Path, out: Path) -> None:
        self.con = duckdb.connect()
        try:
            self.con.execute(f"ATTACH '{_sql_path(source)}' AS s (READ_ONLY)")
            self.con.execute(f"ATTACH '{_sql_path(target)}' AS t (READ_ONLY)")
            self.con.execute(f"ATTACH '{_sql_path(out)}' AS m")
        except duckdb.Error as exc:
            self.con.close()
            raise SnapshotError(f"Cannot open the snapshots to match their records: {exc}") from None
        self.con.execute(MAP_DDL)
        self.con.execute("CREATE TEMP TABLE pairs (object VARCHAR, sid VARCHAR, tid VARCHAR)")
        self.con.execute("CREATE TEMP TABLE s_member AS SELECT CAST(id AS VARCHAR) AS id, nullif(lower(trim(email)), '') AS email FROM s.members")
        self.con.execute("CREATE TEMP TABLE t_member AS SELECT CAST(id AS VARCHAR) AS id, nullif(lower(trim(email)), '') AS email FROM t.members")

    def close(self) -> None:
        self.con.close()

    def members(self) -> MemberMatching:
        out = MemberMatching()
        self.con.execute("""INSERT INTO m.member_map
            SELECT s.id, s.email, any_value(t.id), any_value(t.email), 'email' FROM s_member s JOIN t_member t ON s.email = t.email
            GROUP BY s.id, s.email HAVING count(*) = 1""")
        out.matched = self.con.execute("SELECT count(*) FROM m.member_map").fetchone()[0]  # type: ignore[index]
        out.unmatched = [r[0] or f"(member {r[1]} without e-mail)" for r in self.con.execute(
            "SELECT s.email, s.id FROM s_member s WHERE s.email IS NULL OR s.email NOT IN (SELECT email FROM t_member WHERE email IS NOT NULL) "
            "ORDER BY 1, 2").fetchall()]
        out.ambiguous = [r[0] for r in self.con.execute(
            "SELECT email FROM t_member WHERE email IN (SELECT email FROM s_member) GROUP BY email HAVING count(*) > 1 ORDER BY 1").fetchall()]
        return out

    def _expr(self, side: str, part: KeyPart, joins: list[str]) -> str:
        ref = f"r.{_quote(part.column)}"
        if part.kind == "member":
            alias = f"k{len(joins)}"
            joins.append(f"LEFT JOIN {side}_member {alias} ON {alias}.id = CAST({ref} AS VARCHAR)")
            return f"{alias}.email"
        if part.kind == "relation":
            if side == "t":
                return f"CAST({ref} AS VARCHAR)"
            alias = f"k{len(joins)}"
            joins.append(f"LEFT JOIN (SELECT sid, tid FROM pairs WHERE object = {_literal(part.parent or '')}) {alias} "
                         f"ON {alias}.sid = CAST({ref} AS VARCHAR)")
            return f"CASE WHEN {alias}.sid IS NULL THEN CAST({ref} AS VARCHAR) ELSE {alias}.tid END"
        if part.kind == "email":
            return f"nullif(lower(trim({ref})), '')"
        if part.kind == "url":
            return rf"nullif(rtrim(regexp_replace(lower(trim({ref})), '^https?://(www\.)?', ''), '/'), '')"
        if part.kind == "text":
            return f"nullif(trim({ref}), '')"
        return f"CAST({ref} AS VARCHAR)"

    def _keyed(self, side: str, name: str, key: MatchKey, among: str | None = None) -> str:
        """Each record's key, for the records of `among` (a query of ids; default: those not matched yet)."""
        joins: list[str] = []
        exprs = [self._expr(side, part, joins) for part in key.parts]
        keys = ", ".join(f"{e} AS k{n}" for n, e in enumerate(exprs))
        return (f"SELECT CAST(r.id AS VARCHAR) AS id, {keys} FROM {side}.records.{_quote(name)} r {' '.join(joins)} "
                f"WHERE CAST(r.id AS VARCHAR) IN ({among or f'SELECT id FROM rem_{side}'})")

    def _twins(self, name: str, keys: list[MatchKey], out: ObjectMatching) -> None:
        """Target records left over that a key finds for a source record already matched: twins (a
        file imported twice without its Id column). Each such source record is ambiguous."""
        twins: dict[str, tuple[str, list[str]]] = {}
        for key in keys:
            if not self._count("rem_t"):
                break
            on = " AND ".join(f"s.k{n} IS NOT DISTINCT FROM t.k{n}" for n in range(len(key.parts)))
            on += " AND (" + " OR ".join(f"s.k{n} IS NOT NULL" for n in range(len(key.parts))) + ")"
            matched = f"SELECT sid FROM pairs WHERE object = {_literal(name)} AND tid IS NOT NULL"
            rows = self.con.execute(f"""WITH s AS ({self._keyed('s', name, key, matched)}), t AS ({self._keyed('t', name, key)})
                SELECT s.id, any_value(p.tid), list(DISTINCT t.id ORDER BY t.id),
                       concat_ws(' | ', {', '.join(f'any_value(s.k{n})' for n in range(len(key.parts)))})
                FROM s JOIN t ON {on} JOIN pairs p ON p.object = {_literal(name)} AND p.sid = s.id GROUP BY s.id ORDER BY s.id""").fetchall()
            for sid, tid, extra, value in rows:
                twins.setdefault(sid, (f"{key.label}: {value}", [tid, *extra]))
            self.con.execute("DELETE FROM rem_t WHERE id IN (SELECT unnest(?))", [[t for _, (_, ts) in twins.items() for t in ts[1:]]])
        out.ambiguous += len(twins)
        for sid, (value, candidates) in list(twins.items())[:max(0, SAMPLES - len(out.samples))]:
            out.samples.append({"problem": "twin", "source_id": sid, "key": value, "candidates": candidates})

    def match_object(self, obj: ObjectMeta, keys: list[MatchKey]) -> ObjectMatching:
        name = obj.name_singular
        table = f"records.{_quote(name)}"
        out = ObjectMatching(name, keys=[METHOD_ID, *(k.label for k in keys)])
        deleted = '"deletedAt" IS NOT NULL' if any(c.name == "deletedAt" for c in record_columns(obj)) else "false"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE rem_s AS SELECT CAST(id AS VARCHAR) AS id, ({deleted}) AS deleted FROM s.{table}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE rem_t AS SELECT CAST(id AS VARCHAR) AS id FROM t.{table}")
        out.source_records = self._count("rem_s")
        out.target_records = self._count("rem_t")
        self.con.execute("CREATE OR REPLACE TEMP TABLE found AS SELECT s.id AS sid, t.id AS tid FROM rem_s s JOIN rem_t t USING (id)")
        self._take(name, METHOD_ID, out)
        for key in keys:
            if not self._count("rem_s") or not self._count("rem_t"):
                out.by.setdefault(key.label, 0)
                continue
            # An empty part equals an empty part (an opportunity without company), but a record whose
            # key is empty throughout matches nothing.
            on = " AND ".join(f"s.k{n} IS NOT DISTINCT FROM t.k{n}" for n in range(len(key.parts)))
            on += " AND (" + " OR ".join(f"s.k{n} IS NOT NULL" for n in range(len(key.parts))) + ")"
            self.con.execute(f"""CREATE OR REPLACE TEMP TABLE cand AS
                WITH s AS ({self._keyed('s', name, key)}), t AS ({self._keyed('t', name, key)}),
                     c AS (SELECT s.id AS sid, t.id AS tid, concat_ws(' | ', {', '.join(f's.k{n}' for n in range(len(key.parts)))}) AS key
                           FROM s JOIN t ON {on})
                SELECT *, count(*) OVER (PARTITION BY sid) AS per_source, count(*) OVER (PARTITION BY tid) AS per_target FROM c""")
            self.con.execute("CREATE OR REPLACE TEMP TABLE found AS SELECT sid, tid FROM cand WHERE per_source = 1 AND per_target = 1")
            unclear = self.con.execute("""SELECT sid, any_value(key), list(DISTINCT tid ORDER BY tid) FROM cand
                WHERE per_source > 1 OR per_target > 1 GROUP BY sid ORDER BY sid""").fetchall()
            out.ambiguous += len(unclear)
            for sid, value, candidates in unclear[:max(0, SAMPLES - len(out.samples))]:
                out.samples.append({"problem": "ambiguous", "source_id": sid, "key": f"{key.label}: {value}", "candidates": list(candidates)})
            # An ambiguous record is evidence: neither it nor its candidates are tried by a weaker key.
            self.con.execute("DELETE FROM rem_s WHERE id IN (SELECT sid FROM cand WHERE per_source > 1 OR per_target > 1)")
            self.con.execute("DELETE FROM rem_t WHERE id IN (SELECT tid FROM cand WHERE per_source > 1 OR per_target > 1)")
            self._take(name, key.label, out)
        self._twins(name, keys, out)
        out.unmatched_source = self.con.execute("SELECT count(*) FILTER (WHERE NOT deleted) FROM rem_s").fetchone()[0]  # type: ignore[index]
        out.deleted_unmatched = self.con.execute("SELECT count(*) FILTER (WHERE deleted) FROM rem_s").fetchone()[0]  # type: ignore[index]
        out.unmatched_target = self._count("rem_t")
        out.unmatched_ids = [r[0] for r in self.con.execute(f"SELECT id FROM rem_s WHERE NOT deleted ORDER BY id LIMIT {SAMPLES}").fetchall()]
        out.deleted_ids = [r[0] for r in self.con.execute("SELECT id FROM rem_s WHERE deleted ORDER BY id").fetchall()]
        # A soft-deleted record the target lacks maps to NULL: what pointed at it is expected empty there.
        self.con.execute("INSERT INTO pairs SELECT ?, id, NULL FROM rem_s WHERE deleted", [name])
        self.con.execute("INSERT INTO m.id_map SELECT ?, id, NULL, 'not carried', NULL FROM rem_s WHERE deleted", [name])
        tried = " or ".join(out.keys)
        for sid in out.unmatched_ids[:max(0, SAMPLES - len(out.samples))]:
            out.samples.append({"problem": "unmatched", "source_id": sid, "key": f"no target record by {tried}", "candidates": []})
        self.con.execute("INSERT INTO m.matching SELECT ?, unnest(?), unnest(?)", [name, list(out.by), list(out.by.values())])
        return out

    def _take(self, name: str, method: str, out: ObjectMatching) -> None:
        """Record the one-to-one pairs of `found` under `method` and remove them from what remains."""
        n = self._count("found")
        out.by[method] = out.by.get(method, 0) + n
        if not n:
            return
        self.con.execute("INSERT INTO pairs SELECT ?, sid, tid FROM found", [name])
        self.con.execute("INSERT INTO m.id_map SELECT ?, sid, tid, 'matched', NULL FROM found WHERE sid <> tid", [name])
        self.con.execute("DELETE FROM rem_s WHERE id IN (SELECT sid FROM found)")
        self.con.execute("DELETE FROM rem_t WHERE id IN (SELECT tid FROM found)")

    def _count(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _order(names: Iterable[str], depends: Mapping[str, set[str]]) -> list[str]:
    """Parents first, so a relation in a key compares through already-matched parents; a cycle is
    broken in name order (its relation then compares raw ids, which match only where ids agree)."""
    left, out = sorted(names), []
    while left:
        ready = [n for n in left if not (depends.get(n, set()) & set(left)) - {n}] or left[:1]
        out += ready
        left = [n for n in left if n not in ready]
    return out


def match_snapshots(source: Path, target: Path, out: Path, keys: Mapping[str, Sequence[str]] | None = None,
                    objects: Iterable[str] | None = None) -> Matching:
    """Match every record of the snapshotted objects both sides have (or of `objects`), write the
    id and member maps to `out` (a new DuckDB file, replaced), and say how each object matched."""
    keys = dict(keys or {})
    with Snapshot(Path(source)) as s, Snapshot(Path(target)) as t:
        source_objects = {o.name_singular: o for o in s.objects()}
        snapshotted_s = {r[0] for r in s.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
        snapshotted_t = {r[0] for r in t.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
    for name in keys:
        if name not in source_objects:
            raise InputError(f"[match] {name}: the source has no object {name}; objects: {', '.join(sorted(source_objects))}.")
    wanted = set(objects) if objects is not None else snapshotted_s
    names = sorted(n for n in wanted if n in snapshotted_s and n in snapshotted_t)
    plans = {n: unique_keys(source_objects[n]) + ([MatchKey("key " + ", ".join(keys[n]), key_parts(source_objects[n], keys[n]))]
                                                  if n in keys else []) for n in names}
    depends = {n: {p.parent for k in plans[n] for p in k.parts if p.kind == "relation" and p.parent} for n in names}
    out = Path(out)
    for leftover in (out, out.with_name(out.name + ".wal")):
        leftover.unlink(missing_ok=True)
    matcher = _Matcher(Path(source), Path(target), out)
    try:
        result = Matching(out, members=matcher.members())
        for name in _order(names, depends):
            result.objects[name] = matcher.match_object(source_objects[name], plans[name])
    finally:
        matcher.close()
    result.objects = dict(sorted(result.objects.items()))
    return result


__all__ = ["Matching", "MemberMatching", "ObjectMatching", "load_match_keys", "match_snapshots", "unique_keys", "key_parts"]
