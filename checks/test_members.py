"""Members: every member a record points at has a counterpart in the target."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("members")


def test_every_referenced_member_has_a_counterpart_in_the_target(audit: AuditSession, evidence: Evidence) -> None:
    """Every source member that records point at is a target member (same e-mail), or was mapped by the plan."""
    target_emails = {(m.email or "").lower() for m in audit.target.members()}
    mapped = {}
    if audit.journal is not None:
        mapped = {r[0]: r[1] for r in audit.journal.con.execute("SELECT source_id, lower(target_email) FROM member_map").fetchall()}
    missing = 0
    for member in audit.source.members():
        email = (mapped.get(member.id) or member.email or "").lower()
        if email not in target_emails:
            evidence.add(member_id=member.id, source=member.email, target="no member with this e-mail")
            missing += 1
    evidence.set(observed=f"{missing} members without a counterpart", expected="0")
    assert missing == 0, f"{missing} source members have no counterpart in the target"
