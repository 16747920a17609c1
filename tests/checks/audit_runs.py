"""Running `pytest checks/` in-process on two snapshots without a journal, and reading audit.json:
shared by the pass-by-pass audit tests (`tests/checks/test_passes.py`, `tests/manual/test_manual_audit.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrate.audit.passes import NOT_CARRIED
from migrate.audit.run import CHECKS
from tests.checks.conftest import AuditRun

MATCH = "checks/test_matching.py::test_every_source_record_matches_one_target_record[{}]"
COUNTS = "checks/test_counts.py::test_record_count_is_explained[{}]"
PRESENT = "checks/test_records.py::test_every_source_record_is_in_the_target[{}]"
VALUES = "checks/test_records.py::test_every_field_holds_the_source_value[{}]"
PARENT = "checks/test_relations.py::test_references_point_at_the_mapped_parent[{}]"
OWNERS = "checks/test_owners.py::test_owners_and_assignees_are_the_same_people[{}]"
ATTACHMENTS = "checks/test_attachments.py::test_attachment_files_are_identical"
LINKS = "checks/test_targets.py::test_every_link_of_every_note_and_task_arrived[{}]"
MANUAL = "checks/test_manual_items.py::"
NOT_CARRIED_FAILURES = {ATTACHMENTS, LINKS.format("noteTarget"), LINKS.format("taskTarget"),
                        *(check.format(name) for name in NOT_CARRIED for check in (MATCH, COUNTS, PRESENT))}
"""What the final pass fails on after a faithful import: what the UI's import cannot carry."""


def audit_in_process(pytester: pytest.Pytester, source: Path, target: Path, report_dir: Path, *extra: str) -> AuditRun:
    """`pytest checks/ --source S --target T --report-dir R *extra` (no --state), in-process."""
    result = pytester.runpytest(str(CHECKS), "-p", "no:cacheprovider", "--source", str(source), "--target", str(target),
                                "--report-dir", str(report_dir), *extra)
    out = AuditRun(result, report_dir)
    reprec = getattr(result, "reprec", None)
    if reprec is not None and result.ret in (0, 1):
        passed, _, failed = reprec.listoutcomes()
        out.passed, out.failed = {r.nodeid for r in passed}, {r.nodeid for r in failed}
    out.data = json.loads((report_dir / "audit.json").read_text(encoding="utf-8"))
    return out


def outcomes(run: AuditRun) -> dict[str, str]:
    return {r["nodeid"]: r["outcome"] for r in run.data["results"]}


def not_passed(run: AuditRun) -> dict[str, str]:
    """Every check that did not pass, the manual items (to confirm, no sign-off file) left out."""
    return {n: o for n, o in outcomes(run).items() if o != "passed" and not n.startswith(MANUAL)}


def samples(run: AuditRun, nodeid: str) -> list[dict[str, Any]]:
    return run.outcome(nodeid)["evidence"]["samples"]  # type: ignore[no-any-return]
