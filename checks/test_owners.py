"""Owners and assignees: member references name the same person (by e-mail) as in the source."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("owners and assignees")
MEMBER = "workspaceMember"


def test_owners_and_assignees_are_the_same_people(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every member reference (owner, assignee, createdBy) names the member the source named, or the one the plan mapped it to."""
    source = audit.source_objects[object_name]
    columns = {f.join_column for f in source.fields if f.join_column and f.target_object == MEMBER} | {"createdBy_workspaceMemberId"}
    wrong = audit.mismatches(object_name, columns, evidence)  # type: ignore[arg-type]
    evidence.set(observed=", ".join(f"{c}: {n}" for c, n in wrong.items()) or "same people", expected="same people")
    assert not wrong, f"{object_name}: member references differ: {wrong}"
