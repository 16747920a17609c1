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
    diff = audit.diff(object_name)
    wrong = {c: n for c, counts in diff.fields.items() if c in columns and (n := counts["conflicting"] + counts["null_in_target"] + counts["null_in_source"])}
    for sample in diff.samples:
        if sample["field"] in columns:
            evidence.add(object=object_name, source_id=sample["source_id"], target_id=sample["target_id"], field=sample["field"],
                         source=sample["source"], target=sample["target"])
    evidence.set(observed=", ".join(f"{c}: {n}" for c, n in wrong.items()) or "same people", expected="same people")
    assert not wrong, f"{object_name}: member references differ: {wrong}"
