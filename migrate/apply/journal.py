"""The journal (`state.duckdb`): what a migration did, so that it can resume, repeat and undo.

Written before and after every batch: a batch is marked in flight with its source ids before it
is sent, and its records enter the id map once the server answered. A run killed at any moment
leaves at most one batch per object in flight; the next run asks the target which of its ids
exist and records them, so nothing is created twice and nothing is lost. Rows are written a
batch at a time (lists unnested in one statement), not row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from migrate.errors import ConfigError

DDL = """
CREATE TABLE IF NOT EXISTS run_info (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS schema_steps (kind VARCHAR, object VARCHAR, name VARCHAR, target_id VARCHAR, created BOOLEAN,
    PRIMARY KEY (kind, object, name));
CREATE TABLE IF NOT EXISTS id_map (object VARCHAR, source_id VARCHAR, target_id VARCHAR, status VARCHAR, source_updated_at VARCHAR,
    PRIMARY KEY (object, source_id));
CREATE TABLE IF NOT EXISTS in_flight (object VARCHAR, phase VARCHAR, source_id VARCHAR, PRIMARY KEY (object, phase, source_id));
CREATE TABLE IF NOT EXISTS steps_done (object VARCHAR, phase VARCHAR, source_id VARCHAR, PRIMARY KEY (object, phase, source_id));
CREATE TABLE IF NOT EXISTS rejects (object VARCHAR, source_id VARCHAR, phase VARCHAR, field VARCHAR, message VARCHAR, hint VARCHAR,
    PRIMARY KEY (object, source_id, phase));
CREATE TABLE IF NOT EXISTS member_map (source_id VARCHAR PRIMARY KEY, source_email VARCHAR, target_id VARCHAR, target_email VARCHAR,
    via VARCHAR);
CREATE TABLE IF NOT EXISTS uploaded_files (attachment_id VARCHAR, source_file_id VARCHAR, target_file_id VARCHAR,
    PRIMARY KEY (attachment_id, source_file_id));
CREATE TABLE IF NOT EXISTS config_map (kind VARCHAR, source_id VARCHAR, target_id VARCHAR, created BOOLEAN, PRIMARY KEY (kind, source_id));
CREATE TABLE IF NOT EXISTS manual_steps (kind VARCHAR, item VARCHAR, action VARCHAR, PRIMARY KEY (kind, item, action));
CREATE TABLE IF NOT EXISTS config_before (kind VARCHAR, target_id VARCHAR, body JSON, PRIMARY KEY (kind, target_id));
"""
"""`config_map`: each view, view child, role, workflow (and each version, its activation), webhook and
role assignment the configuration phase handled, with the target's id and whether this migration
created it (rollback removes those); `<kind>_pending` rows hold the id of a create sent but not yet
answered; `workflow_version_status` rows hold, instead of an id, the status a rebuilt version must end in. `config_before`: what an existing target item (INDEX view, view column, member role) held
before apply changed it, which rollback puts back. `manual_steps`: what could not move, one sentence each."""


@dataclass(frozen=True, slots=True)
class Reject:
    """A record the target refused: which, in which phase, the server's words, what to do."""

    object: str
    source_id: str
    phase: str
    field: str | None
    message: str
    hint: str


class Journal:
    """One migration's state. Open it with the target URL: a journal of another target is refused."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise ConfigError(f"Cannot open the journal {self.path}: {exc}. Is another `apply` running on it?") from None
        self.con.execute(DDL)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # run ----------------------------------------------------------------------------------
    def info(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM run_info").fetchall())

    def bind(self, **values: str) -> None:
        """Tie the journal to a target and source; refuse to mix two migrations in one file."""
        known = self.info()
        for key, value in values.items():
            if key in known and known[key] != value:
                raise ConfigError(f"The journal {self.path} belongs to another migration ({key}: {known[key]}, not {value}); "
                                  "use --state to choose another file, or `rollback` that migration first.")
        self.con.executemany("INSERT OR IGNORE INTO run_info VALUES (?, ?)", list(values.items()))

    def record_member_map(self, members: Sequence[dict[str, Any]]) -> None:
        """The plan's member mapping, kept so the audit can tell an announced reassignment
        (fallback owner, override) from a swapped owner."""
        self.con.execute("DELETE FROM member_map")
        if members:
            self.con.execute("INSERT INTO member_map SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                             "unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                             [[m["source_id"] for m in members], [m["email"] for m in members], [m["target_id"] for m in members],
                              [m["target_email"] for m in members], [m["via"] for m in members]])

    # schema -------------------------------------------------------------------------------
    def schema_step(self, kind: str, obj: str, name: str) -> tuple[str, bool] | None:
        row = self.con.execute("SELECT target_id, created FROM schema_steps WHERE kind = ? AND object = ? AND name = ?", [kind, obj, name]).fetchone()
        return None if row is None else (row[0], bool(row[1]))

    def record_schema_step(self, kind: str, obj: str, name: str, target_id: str, created: bool) -> None:
        self.con.execute("INSERT OR REPLACE INTO schema_steps VALUES (?, ?, ?, ?, ?)", [kind, obj, name, target_id, created])

    def created_schema(self) -> list[tuple[str, str, str, str]]:
        return [tuple(r) for r in self.con.execute(  # type: ignore[misc]
            "SELECT kind, object, name, target_id FROM schema_steps WHERE created ORDER BY kind DESC, object, name").fetchall()]

    # records ------------------------------------------------------------------------------
    def mark_in_flight(self, obj: str, phase: str, source_ids: Sequence[str]) -> None:
        self.con.execute("INSERT OR IGNORE INTO in_flight SELECT ?, ?, unnest(?::VARCHAR[])", [obj, phase, list(source_ids)])

    def in_flight(self, obj: str, phase: str) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT source_id FROM in_flight WHERE object = ? AND phase = ?", [obj, phase]).fetchall()]

    def clear_in_flight(self, obj: str, phase: str, source_ids: Sequence[str] | None = None) -> None:
        if source_ids is None:
            self.con.execute("DELETE FROM in_flight WHERE object = ? AND phase = ?", [obj, phase])
        else:
            self.con.execute("DELETE FROM in_flight WHERE object = ? AND phase = ? AND source_id IN (SELECT unnest(?::VARCHAR[]))",
                             [obj, phase, list(source_ids)])

    def record_ids(self, obj: str, pairs: Sequence[tuple[str, str]], status: str, updated_at: Sequence[str | None] | None = None) -> None:
        """Source id -> target id, `created` by this migration or `matched` to an existing record."""
        if not pairs:
            return
        stamps = list(updated_at) if updated_at is not None else [None] * len(pairs)
        self.con.execute("BEGIN")
        self.con.execute(
            "INSERT OR REPLACE INTO id_map SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?, unnest(?::VARCHAR[])",
            [obj, [p[0] for p in pairs], [p[1] for p in pairs], status, stamps])
        self.con.execute("DELETE FROM in_flight WHERE object = ? AND phase = 'create' AND source_id IN (SELECT unnest(?::VARCHAR[]))",
                         [obj, [p[0] for p in pairs]])
        self.con.execute("COMMIT")

    def record_source_updated(self, obj: str, stamps: Sequence[tuple[str, str | None]]) -> None:
        """After a delta patch: the source `updatedAt` the target now reflects (status unchanged)."""
        if stamps:
            self.con.execute("UPDATE id_map SET source_updated_at = s.u FROM (SELECT unnest(?::VARCHAR[]) AS i, unnest(?::VARCHAR[]) AS u) s "
                             "WHERE object = ? AND source_id = s.i", [[i for i, _ in stamps], [u for _, u in stamps], obj])

    def mapped(self, obj: str, source_ids: Sequence[str]) -> dict[str, str]:
        if not source_ids:
            return {}
        rows = self.con.execute("SELECT source_id, target_id FROM id_map WHERE object = ? AND source_id IN (SELECT unnest(?::VARCHAR[]))",
                                [obj, list(source_ids)]).fetchall()
        return dict(rows)

    def remapped(self, source_ids: Iterable[str]) -> dict[str, str]:
        """Ids whose target id differs from the source id (matched records), any object."""
        ids = list({i for i in source_ids if i})
        if not ids:
            return {}
        rows = self.con.execute("SELECT source_id, target_id FROM id_map WHERE source_id <> target_id AND source_id IN (SELECT unnest(?::VARCHAR[]))",
                                [ids]).fetchall()
        return dict(rows)

    def id_map_rows(self) -> list[tuple[str, str, str, str]]:
        return [tuple(r) for r in self.con.execute(  # type: ignore[misc]
            "SELECT object, source_id, target_id, status FROM id_map ORDER BY object, source_id").fetchall()]

    def created_ids(self, obj: str) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT target_id FROM id_map WHERE object = ? AND status = 'created' ORDER BY target_id", [obj]).fetchall()]

    def forget_ids(self, obj: str, target_ids: Sequence[str]) -> None:
        self.con.execute("DELETE FROM id_map WHERE object = ? AND target_id IN (SELECT unnest(?::VARCHAR[]))", [obj, list(target_ids)])

    def updated_at(self, obj: str) -> dict[str, str | None]:
        return dict(self.con.execute("SELECT source_id, source_updated_at FROM id_map WHERE object = ?", [obj]).fetchall())

    # other phases -------------------------------------------------------------------------
    def done(self, obj: str, phase: str) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT source_id FROM steps_done WHERE object = ? AND phase = ?", [obj, phase]).fetchall()}

    def mark_done(self, obj: str, phase: str, source_ids: Sequence[str]) -> None:
        if source_ids:
            self.con.execute("INSERT OR IGNORE INTO steps_done SELECT ?, ?, unnest(?::VARCHAR[])", [obj, phase, list(source_ids)])

    def reject(self, reject: Reject) -> None:
        self.con.execute("INSERT OR REPLACE INTO rejects VALUES (?, ?, ?, ?, ?, ?)",
                         [reject.object, reject.source_id, reject.phase, reject.field, reject.message, reject.hint])

    def clear_rejects(self, obj: str, phase: str, source_ids: Sequence[str]) -> None:
        """Records refused by an earlier run that have now landed are no longer rejects."""
        if source_ids:
            self.con.execute("DELETE FROM rejects WHERE object = ? AND phase = ? AND source_id IN (SELECT unnest(?::VARCHAR[]))",
                             [obj, phase, list(source_ids)])

    def rejects(self) -> list[Reject]:
        return [Reject(*r) for r in self.con.execute(
            "SELECT object, source_id, phase, field, message, hint FROM rejects ORDER BY object, source_id, phase").fetchall()]

    def rejected(self, obj: str, phase: str = "create") -> set[str]:
        return {r[0] for r in self.con.execute("SELECT source_id FROM rejects WHERE object = ? AND phase = ?", [obj, phase]).fetchall()}

    def uploaded(self, attachment_id: str, source_file_id: str) -> str | None:
        row = self.con.execute("SELECT target_file_id FROM uploaded_files WHERE attachment_id = ? AND source_file_id = ?",
                               [attachment_id, source_file_id]).fetchone()
        return None if row is None else str(row[0])

    def record_upload(self, attachment_id: str, source_file_id: str, target_file_id: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO uploaded_files VALUES (?, ?, ?)", [attachment_id, source_file_id, target_file_id])

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for obj, status, n in self.con.execute("SELECT object, status, count(*) FROM id_map GROUP BY ALL").fetchall():
            out.setdefault(obj, {})[status] = int(n)
        for obj, n in self.con.execute("SELECT object, count(*) FROM rejects WHERE phase = 'create' GROUP BY ALL").fetchall():
            out.setdefault(obj, {})["rejected"] = int(n)
        return out

    def snapshot(self) -> dict[str, Any]:
        """Everything, for tests and reports."""
        return {"counts": self.counts(), "rejects": len(self.rejects()), "info": self.info()}
