"""The audit's inputs and results for one pytest session: snapshots, journal, diff, outcomes."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migrate.audit.evidence import CheckResult
from migrate.audit.passes import EMPTY_CHECKBOXES, PENDING, PassOptions, not_compared
from migrate.diff.compare import Differ, ObjectDiff
from migrate.diff.matching import Matching, ObjectMatching, match_snapshots
from migrate.errors import InputError, SnapshotError
from migrate.snapshot.reader import Snapshot


def load_thresholds(path: Path) -> dict[str, Any]:
    """`audit.toml`: `[thresholds]` with `check_name = N` or `check_name = {object = N, default = N}`."""
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the audit config {path}: {exc}", path=str(path)) from None
    table = data.get("thresholds", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: [thresholds] must be a table of check = N or check = {{object = N}}.", path=str(path))
    for name, value in table.items():
        values = value.values() if isinstance(value, dict) else [value]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            raise InputError(f"{path}: threshold {name} must be whole numbers >= 0.", path=str(path))
    return table


def file_digest(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Digests:
    """The sha256 of the snapshot files, computed in a thread from the session's start: hashlib
    releases the GIL, so hashing ~90 MB a file overlaps the diff instead of following it."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self._values: dict[str, str] = {}
        self._errors: dict[str, OSError] = {}
        self._thread = threading.Thread(target=self._run, args=(paths,), name="audit-sha256", daemon=True)
        self._thread.start()

    def _run(self, paths: dict[str, Path]) -> None:
        for name, path in paths.items():
            try:
                self._values[name] = file_digest(path)
            except OSError as exc:
                self._errors[name] = exc

    def get(self, name: str) -> str:
        self._thread.join()
        if name in self._errors:
            raise self._errors[name]
        return self._values[name]


class JournalReader:
    """The apply journal, read-only: `rejected`, `mapped` and `con` as the checks use them.

    Opened in place with DuckDB's read-only mode, which never writes the file (a journal left with
    a WAL by a killed run is read with it, as `apply` would). Only when the file is locked, by an
    `apply` still running, is it read from a copy, so that an audit never blocks a migration."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.copy: Path | None = None
        try:
            self.con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException:
            self.copy = _copy_journal(self.path)
            self.con = duckdb.connect(str(self.copy), read_only=True)
        except duckdb.Error as exc:
            raise InputError(f"Cannot read the journal {self.path}: {exc}", path=str(self.path)) from None
        self._rejected: dict[tuple[str, str], set[str]] = {}
        self._mapped_rejects: dict[str, dict[str, str]] | None = None

    @property
    def readable_path(self) -> Path:
        """The file to ATTACH next to this reader: the journal itself, or its copy."""
        return self.copy or self.path

    def rejected(self, obj: str, phase: str = "create") -> set[str]:
        if (obj, phase) not in self._rejected:
            rows = self.con.execute("SELECT source_id FROM rejects WHERE object = ? AND phase = ?", [obj, phase]).fetchall()
            self._rejected[(obj, phase)] = {r[0] for r in rows}
        return set(self._rejected[(obj, phase)])

    def mapped_rejects(self, obj: str) -> dict[str, str]:
        """{source id: target id} of the records of `obj` the journal lists as rejected at creation
        yet maps to a target record. The first call reads them for every object in one join."""
        if self._mapped_rejects is None:
            rows = self.con.execute("SELECT m.object, m.source_id, m.target_id FROM id_map m "
                                    "SEMI JOIN rejects r ON r.object = m.object AND r.source_id = m.source_id AND r.phase = 'create' "
                                    "WHERE m.target_id IS NOT NULL").fetchall()
            self._mapped_rejects = {}
            for name, source_id, target_id in rows:
                self._mapped_rejects.setdefault(name, {})[source_id] = target_id
        return dict(self._mapped_rejects.get(obj, {}))

    def close(self) -> None:
        self.con.close()
        if self.copy is not None:
            shutil.rmtree(self.copy.parent, ignore_errors=True)


def _copy_journal(path: Path) -> Path:
    copy = Path(tempfile.mkdtemp(prefix="twenty-audit-")) / "state.duckdb"
    shutil.copyfile(path, copy)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return copy


@dataclass(slots=True)
class AuditInputs:
    source: Path
    target: Path
    state: Path | None
    report_dir: Path
    sign_off: Path | None = None
    command: str = ""
    config: Path | None = None
    passes: PassOptions = field(default_factory=PassOptions)
    run_dir: Path | None = None
    """`reports/<timestamp>/`: this run's own report folder (None: write into report_dir alone)."""


@dataclass(repr=False)
class AuditSession:
    """Opened once per `pytest checks/` run; checks read it through fixtures."""

    inputs: AuditInputs
    results: list[CheckResult] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    _differ: Differ | None = None
    _diff_cache: dict[str, ObjectDiff] = field(default_factory=dict)
    _journal: JournalReader | None = None
    _matching: Matching | None = None
    _has_records: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.thresholds = load_thresholds(self.inputs.config) if self.inputs.config else {}
        self.digests = Digests({"source": self.inputs.source, "target": self.inputs.target})
        self._journal = JournalReader(self.inputs.state) if self.inputs.state is not None else None
        self.source = Snapshot(self.inputs.source)
        self.target = Snapshot(self.inputs.target)
        self.source_objects = {o.name_singular: o for o in self.source.objects()}
        self.target_objects = {o.name_singular: o for o in self.target.objects()}
        migrated = {r[0] for r in self.source.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
        self.migrated = sorted(migrated)
        wanted = self.inputs.passes.objects
        if wanted is not None and (unknown := sorted(set(wanted) - migrated)):
            raise InputError(f"--objects: the source has no records of {', '.join(unknown)}; objects: {', '.join(self.migrated)}.")
        self.objects = [n for n in self.migrated if wanted is None or n in wanted]
        self._dangling: dict[str, tuple[int, list[tuple[str, str, str, str]]]] | None = None
        self._prefetch: list[threading.Thread] = []

    def __repr__(self) -> str:
        # Short: pytest shows a failed check's arguments, and the whole session (every result,
        # every diff) would cost more to print than the check did to run.
        return f"AuditSession(source={str(self.inputs.source)!r}, target={str(self.inputs.target)!r}, state={self.inputs.state and str(self.inputs.state)!r})"

    def prefetch(self) -> None:
        """Start, in threads, what most checks read: the diff of every object, and the dangling
        references. DuckDB releases the GIL, so pytest runs the checks that need neither (data
        model, configuration, members) meanwhile; `diff` and `dangling` wait for them. An error
        is left for the first check that asks, which meets it again and reports it."""
        if not self._prefetch:
            # Built here, in the caller's thread: building it reads the snapshots' own connections
            # (what is not compared, the matching), which the checks use meanwhile; a connection
            # shared across threads gave wrong rows (an IndexError in Snapshot.members, seen once).
            try:
                _ = self.differ
            except Exception:  # noqa: BLE001 - left for the first check that asks, which meets it again and reports it
                return
            self._prefetch = [threading.Thread(target=self._prefetch_diffs, name="audit-diff", daemon=True),
                              threading.Thread(target=self._prefetch_dangling, name="audit-dangling", daemon=True)]
            for thread in self._prefetch:
                thread.start()

    def _prefetch_diffs(self) -> None:
        try:
            self._diff_cache.update(self.differ.diff_all())
        except Exception:  # noqa: BLE001, S110 - surfaced by the check that needs the result (see prefetch)
            pass

    def _prefetch_dangling(self) -> None:
        try:
            cursor = self.target.con.cursor()  # a connection of its own: the checks use `target.con` meanwhile
            try:
                self._dangling = find_dangling(cursor, self.target_objects)
            finally:
                cursor.close()
        except Exception:  # noqa: BLE001, S110 - surfaced by the check that needs the result (see prefetch)
            pass

    def _wait(self) -> None:
        for thread in self._prefetch:
            thread.join()

    def mismatches(self, name: str, columns: set[str], evidence: Any) -> dict[str, int]:
        """Per column of `columns`, the records whose value differs from the source's (conflicting
        or null on one side); the diff's samples for those columns go into `evidence`."""
        diff = self.diff(name)
        wrong = {column: n for column, counts in diff.fields.items()
                 if column in columns and (n := counts["conflicting"] + counts["null_in_target"] + counts["null_in_source"])}
        for sample in diff.samples:
            if sample["field"] in columns:
                evidence.add(object=name, source_id=sample["source_id"], target_id=sample["target_id"], field=sample["field"],
                             source=sample["source"], target=sample["target"])
        return wrong

    def allowed(self, check: str, item: str | None = None) -> int:
        """How many differing records the config file tolerates for a check (and object): 0 by default."""
        table = self.thresholds.get(check, {})
        return int(table.get(item, table.get("default", 0))) if isinstance(table, dict) else int(table)

    def tolerate(self, check: str, item: str | None, count: int, allowed: int) -> None:
        """A check that passed only thanks to a threshold: the verdict says PASS WITH WARNINGS."""
        self.tolerated.append(f"{check}[{item}]: {count} differing records tolerated (threshold {allowed})" if item
                              else f"{check}: {count} tolerated (threshold {allowed})")

    @property
    def differ(self) -> Differ:
        if self._differ is None:
            # Without a journal, the matching's journal-shaped id and member maps stand in for it.
            state = self._journal.readable_path if self._journal else self.matching.path  # type: ignore[union-attr]
            left_out = self.not_compared
            self._differ = Differ(self.inputs.source, self.inputs.target, state, ignore=tuple(left_out),
                                  empty_boolean_is_false=EMPTY_CHECKBOXES in left_out)
        return self._differ

    @property
    def not_compared(self) -> dict[str, str]:
        """Fields the diff leaves out here, with why (the report lists them)."""
        recreated = self._matching is not None and any(m.matched > m.by.get("id", 0) for m in self._matching.objects.values())
        return not_compared(self.source, self.target, self.inputs.state is not None, recreated)

    def diff(self, name: str) -> ObjectDiff:
        """An object's diff. The first call diffs every compared object at once, side by side
        (`Differ.diff_all`): every check of the run reads them."""
        self._wait()
        if not self._diff_cache:
            self._diff_cache.update(self.differ.diff_all())
        if name not in self._diff_cache:
            self._diff_cache[name] = self.differ.diff_object(name)
        return self._diff_cache[name]

    @property
    def _diffs(self) -> dict[str, ObjectDiff]:
        """The diffs computed so far (the report shows them), once any still running has finished."""
        self._wait()
        return self._diff_cache

    @property
    def matching(self) -> Matching | None:
        """How records were matched without a journal (id, unique keys, the config's keys); None with one."""
        if self._journal is None and self._matching is None:
            folder = Path(tempfile.mkdtemp(prefix="twenty-audit-match-"))
            try:
                self._matching = match_snapshots(self.inputs.source, self.inputs.target, folder / "matching.duckdb", self.inputs.passes.match)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        return self._matching

    def matching_of(self, name: str) -> ObjectMatching | None:
        return self.matching.objects.get(name) if self.matching is not None else None

    def pending(self, name: str) -> str | None:
        """Why an object's checks wait for a later pass (a reason starting with "pending: "), or None."""
        if name in self.migrated and name not in self.objects:
            return f"{PENDING}{name} is not in this pass (--objects {','.join(self.inputs.passes.objects or ())})"
        if self.inputs.passes.final or self._imported(name):
            return None
        return f"{PENDING}the target has no {name} records yet; checked once imported, or as missing with --final"

    def _imported(self, name: str) -> bool:
        if name not in self._has_records:
            present = self.target.con.execute("SELECT count(*) FROM objects WHERE snapshotted AND name_singular = ?", [name]).fetchone()[0]
            self._has_records[name] = bool(present and self.target.con.execute(f'SELECT count(*) FROM records."{name}"').fetchone()[0])
        return self._has_records[name]

    def excused(self, name: str) -> set[str]:
        """Source ids not expected in the target: the journal's rejects; without a journal, soft-deleted
        records left unmatched (the UI's export leaves them out)."""
        if self.journal is not None:
            return self.journal.rejected(name)
        found = self.matching_of(name)
        return set(found.deleted_ids) if found is not None else set()

    @property
    def journal(self) -> JournalReader | None:
        """The apply journal, read-only (see JournalReader)."""
        return self._journal

    def dangling(self, name: str) -> tuple[int, list[tuple[str, str, str, str]]]:
        """References of the target's `name` records to records the target lacks: their number,
        and up to 25 per column as (column, object pointed at, record id, value), by record id.
        The first call finds them for every object in one query (one anti-join of every
        reference against every referenced id) instead of one NOT IN per column."""
        self._wait()
        if self._dangling is None:
            self._dangling = find_dangling(self.target.con, self.target_objects)
        if name not in self._dangling:
            raise SnapshotError(f"The target snapshot {self.inputs.target} holds no records of {name}; take it again.")
        return self._dangling[name]

    def metadata(self) -> dict[str, Any]:
        from migrate import __version__

        return {
            "source": {k: str(v) if v is not None else None for k, v in self.source.info.items()},
            "target": {k: str(v) if v is not None else None for k, v in self.target.info.items()},
            "source_file": str(self.inputs.source), "source_sha256": self.digests.get("source"),
            "target_file": str(self.inputs.target), "target_sha256": self.digests.get("target"),
            "journal": str(self.inputs.state) if self.inputs.state else None,
            "tool_version": __version__, "command": self.inputs.command,
        }

    def close(self) -> None:
        self._wait()
        for resource in (self.source, self.target, self._differ, self._journal):
            if resource is not None:
                resource.close()
        if self._matching is not None:
            shutil.rmtree(self._matching.path.parent, ignore_errors=True)


MEMBER_OBJECT = "workspaceMember"
DANGLING_LISTED = 25


def find_dangling(target: duckdb.DuckDBPyConnection, objects: dict[str, Any]) -> dict[str, tuple[int, list[tuple[str, str, str, str]]]]:
    """Per object of the target snapshot (`target`, a connection to it): its dangling references
    (see AuditSession.dangling)."""
    snapshotted = {r[0] for r in target.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
    parents: dict[str, int] = {}
    refs = []
    for name in sorted(snapshotted & set(objects)):
        for order, f in enumerate(objects[name].fields):
            if not f.join_column or f.target_object is None or (f.target_object != MEMBER_OBJECT and f.target_object not in snapshotted):
                continue
            number = parents.setdefault(f.target_object, len(parents))
            refs.append(f"SELECT {_text(name)} AS object, {order} AS ord, {_text(f.join_column)} AS col, {number} AS parent, id, "
                        f"{_ident(f.join_column)} AS value FROM records.{_ident(name)} WHERE {_ident(f.join_column)} IS NOT NULL")
    out: dict[str, tuple[int, list[tuple[str, str, str, str]]]] = {name: (0, []) for name in snapshotted & set(objects)}
    if not refs:
        return out
    ids = [f"SELECT {n} AS parent, id FROM {'members' if p == MEMBER_OBJECT else 'records.' + _ident(p)}" for p, n in parents.items()]
    names = {n: p for p, n in parents.items()}
    rows = target.execute(f"""
        WITH bad AS (SELECT r.* FROM ({' UNION ALL '.join(refs)}) r ANTI JOIN ({' UNION ALL '.join(ids)}) p
                     ON p.parent = r.parent AND p.id = r.value),
             ranked AS (SELECT *, row_number() OVER (PARTITION BY object, ord ORDER BY id) AS n, count(*) OVER (PARTITION BY object) AS total
                        FROM bad)
        SELECT object, col, parent, CAST(id AS VARCHAR), CAST(value AS VARCHAR), total FROM ranked WHERE n <= {DANGLING_LISTED}
        ORDER BY object, ord, id""").fetchall()
    for obj, col, parent, record_id, value, total in rows:
        if not out[obj][1]:
            out[obj] = (total, [])
        out[obj][1].append((col, names[parent], record_id, value))
    return out


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
