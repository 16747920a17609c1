"""Record counts: the target holds every source record, and the journal explains any difference."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import MAX_SAMPLES_IN_REPORT, Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("counts")


def test_record_count_is_explained(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """The target holds as many records as the source, less those the journal lists as rejected or skipped."""
    source = audit.source.con.execute(f'SELECT count(*) FROM records."{object_name}"').fetchone()[0]
    target = audit.target.con.execute(f'SELECT count(*) FROM records."{object_name}"').fetchone()[0] if object_name in audit.target_objects else 0
    skipped = 0
    rejected_ids = audit.excused(object_name)  # without a journal: soft-deleted records the UI's export leaves out
    rejected = len(rejected_ids)
    diff = audit.diff(object_name) if object_name in audit.target_objects else None
    only_target = diff.status.get("only_target", 0) if diff else 0
    expected = source - rejected - skipped
    evidence.set(observed=f"{target} in the target ({only_target} not from the source)",
                 expected=f"{expected} = {source} in the source - {rejected} rejected - {skipped} skipped")
    if target - only_target != expected and diff is not None:
        # Name the records the count cannot explain: missing but not rejected, or rejected yet arrived.
        for source_id in [i for i in diff.only_source if i not in rejected_ids][:MAX_SAMPLES_IN_REPORT]:
            evidence.add(object=object_name, source_id=source_id, target="missing", note="not rejected in the journal")
        mapped = audit.journal.mapped_rejects(object_name) if audit.journal is not None else {}
        present = {r[0] for r in audit.target.con.execute(
            f'SELECT CAST(id AS VARCHAR) FROM records."{object_name}" WHERE id IN (SELECT TRY_CAST(unnest(?::VARCHAR[]) AS UUID))',
            [list(mapped.values())]).fetchall()} if mapped else set()
        arrived = [(s, t) for s, t in sorted(mapped.items()) if t in present]
        for source_id, target_id in arrived[:MAX_SAMPLES_IN_REPORT]:
            evidence.add(object=object_name, source_id=source_id, target_id=target_id, note="rejected in the journal, yet in the target")
    assert target - only_target == expected, f"{object_name}: {target - only_target} source records in the target, expected {expected}"
