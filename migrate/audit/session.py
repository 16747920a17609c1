"""The audit's inputs and results for one pytest session: snapshots, journal, diff, outcomes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.apply.journal import Journal
from migrate.audit.evidence import CheckResult
from migrate.audit.passes import EMPTY_CHECKBOXES, PENDING, PassOptions, not_compared
from migrate.diff.compare import Differ, ObjectDiff
from migrate.diff.matching import Matching, ObjectMatching, match_snapshots
from migrate.snapshot.reader import Snapshot


def load_thresholds(path: Path) -> dict[str, Any]:
    """`audit.toml`: `[thresholds]` with `check_name = N` or `check_name = {object = N, default = N}`."""
    import tomllib

    from migrate.errors import InputError

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
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


@dataclass
class AuditSession:
    """Opened once per `pytest checks/` run; checks read it through fixtures."""

    inputs: AuditInputs
    results: list[CheckResult] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    _differ: Differ | None = None
    _diffs: dict[str, ObjectDiff] = field(default_factory=dict)
    _journal: Journal | None = None
    _matching: Matching | None = None
    _has_records: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import shutil
        import tempfile

        self.thresholds = load_thresholds(self.inputs.config) if self.inputs.config else {}
        # The journal is read from a copy: an audit never locks or changes a migration's state.
        self.state_copy: Path | None = None
        if self.inputs.state is not None:
            self.state_copy = Path(tempfile.mkdtemp(prefix="twenty-audit-")) / "state.duckdb"
            shutil.copyfile(self.inputs.state, self.state_copy)
        self.source = Snapshot(self.inputs.source)
        self.target = Snapshot(self.inputs.target)
        self.source_objects = {o.name_singular: o for o in self.source.objects()}
        self.target_objects = {o.name_singular: o for o in self.target.objects()}
        migrated = {r[0] for r in self.source.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
        self.migrated = sorted(migrated)
        wanted = self.inputs.passes.objects
        if wanted is not None and (unknown := sorted(set(wanted) - migrated)):
            from migrate.errors import InputError

            raise InputError(f"--objects: the source has no records of {', '.join(unknown)}; objects: {', '.join(self.migrated)}.")
        self.objects = [n for n in self.migrated if wanted is None or n in wanted]

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
            left_out = self.not_compared
            self._differ = Differ(self.inputs.source, self.inputs.target, self.state_copy or self.matching.path,  # type: ignore[union-attr]
                                  ignore=tuple(left_out), empty_boolean_is_false=EMPTY_CHECKBOXES in left_out)
        return self._differ

    @property
    def not_compared(self) -> dict[str, str]:
        """Fields the diff leaves out here, with why (the report lists them)."""
        recreated = self._matching is not None and any(m.matched > m.by.get("id", 0) for m in self._matching.objects.values())
        return not_compared(self.source, self.target, self.inputs.state is not None, recreated)

    def diff(self, name: str) -> ObjectDiff:
        if name not in self._diffs:
            self._diffs[name] = self.differ.diff_object(name)
        return self._diffs[name]

    @property
    def matching(self) -> Matching | None:
        """How records were matched without a journal (id, unique keys, the config's keys); None with one."""
        if self.state_copy is None and self._matching is None:
            import shutil
            import tempfile

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
    def journal(self) -> Journal | None:
        """The apply journal, opened on a copy so an audit never locks or changes it."""
        if self.state_copy is None:
            return None
        if self._journal is None:
            import shutil

            # DuckDB attaches one file once per process: the diff holds `state_copy`, this a second copy.
            second = self.state_copy.with_name("journal.duckdb")
            shutil.copyfile(self.state_copy, second)
            self._journal = Journal(second)
        return self._journal

    def metadata(self) -> dict[str, Any]:
        from migrate import __version__

        return {
            "source": {k: str(v) if v is not None else None for k, v in self.source.info.items()},
            "target": {k: str(v) if v is not None else None for k, v in self.target.info.items()},
            "source_file": str(self.inputs.source), "source_sha256": file_digest(self.inputs.source),
            "target_file": str(self.inputs.target), "target_sha256": file_digest(self.inputs.target),
            "journal": str(self.inputs.state) if self.inputs.state else None,
            "tool_version": __version__, "command": self.inputs.command,
        }

    def close(self) -> None:
        import shutil

        for resource in (self.source, self.target, self._differ, self._journal):
            if resource is not None:
                resource.close()
        if self.state_copy is not None:  # the journal's copies go with the audit
            shutil.rmtree(self.state_copy.parent, ignore_errors=True)
        if self._matching is not None:
            shutil.rmtree(self._matching.path.parent, ignore_errors=True)
