"""Matching: every source record has exactly one counterpart in the target.

With a journal, its id map is the matching (one target record per source record). Without one
(the UI's import gives new ids), records are matched by id, by the keys the server enforces, or by
the audit config's `[match]` keys; an ambiguous record (a twin, a duplicated key) or one no key
finds is named here.
"""

from __future__ import annotations

import pytest

from migrate.audit.evidence import MAX_SAMPLES_IN_REPORT, Evidence
from migrate.audit.passes import not_carried
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("matching")


def test_every_source_record_matches_one_target_record(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every source record matches exactly one target record (through the journal, by id, by a unique key or by the config's key)."""
    if object_name not in audit.target_objects:
        pytest.fail(f"the target has no object {object_name}")
    if audit.journal is not None:
        diff = audit.diff(object_name)  # the diff keys records by the journal's id map, and counts its shared targets
        for shared in diff.shared[:MAX_SAMPLES_IN_REPORT]:
            evidence.add(object=object_name, target_id=shared["target_id"], source=", ".join(shared["source_ids"]),
                         note="one target record for several source records")
        evidence.set(observed=f"journal id map, {diff.shared_targets} target records mapped twice", expected="journal id map, one to one")
        assert not diff.shared_targets, f"{object_name}: {diff.shared_targets} target records stand for several source records in the journal"
        return
    found = audit.matching_of(object_name)
    if found is None:
        pytest.fail(f"the target has no object {object_name}")
    for sample in found.samples[:MAX_SAMPLES_IN_REPORT]:
        evidence.add(object=object_name, problem=sample["problem"], source_id=sample["source_id"], key=sample["key"],
                     candidates=", ".join(sample["candidates"]) or None)
    if found.deleted_unmatched:
        evidence.note(f"{found.deleted_unmatched} soft-deleted source records are not in the target: the UI's export leaves them out")
    if found.unmatched_target:
        evidence.note(f"{found.unmatched_target} target records match no source record")
    reason = not_carried(object_name)
    if reason and found.unmatched_source:
        evidence.note(f"{object_name}: {reason}")
    evidence.set(observed=f"by {found.method}; {found.ambiguous} ambiguous, {found.unmatched_source} unmatched",
                 expected="every source record matched once")
    assert not found.ambiguous and not found.unmatched_source, (
        f"{object_name}: {found.ambiguous} source records match several target records, {found.unmatched_source} match none"
        + (f"; {reason}" if reason and found.unmatched_source else ""))
