"""Record counts: the target holds every source record, and the journal explains any difference."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("counts")


def test_record_count_is_explained(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """The target holds as many records as the source, less those the journal lists as rejected or skipped."""
    source = audit.source.con.execute(f'SELECT count(*) FROM records."{object_name}"').fetchone()[0]
    target = audit.target.con.execute(f'SELECT count(*) FROM records."{object_name}"').fetchone()[0] if object_name in audit.target_objects else 0
    rejected = skipped = 0
    if audit.journal is not None:
        rejected = len(audit.journal.rejected(object_name))
    diff = audit.diff(object_name) if object_name in audit.target_objects else None
    only_target = diff.status.get("only_target", 0) if diff else 0
    expected = source - rejected - skipped
    evidence.set(observed=f"{target} in the target ({only_target} not from the source)",
                 expected=f"{expected} = {source} in the source - {rejected} rejected - {skipped} skipped")
    assert target - only_target == expected, f"{object_name}: {target - only_target} source records in the target, expected {expected}"
