"""Relations: every reference in the target resolves, to the parent the source record pointed at."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("relations")
MEMBER = "workspaceMember"


def test_every_reference_resolves_in_the_target(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every join column of every target record names a record that exists in the target."""
    if object_name not in audit.target_objects:
        pytest.fail(f"the target has no object {object_name}")
    dangling, samples = audit.dangling(object_name)
    for column, parent, record_id, value in samples:
        evidence.add(object=object_name, target_id=record_id, field=column, target=value, note=f"no such {parent}")
    evidence.set(observed=f"{dangling} dangling references", expected="0")
    assert dangling == 0, f"{object_name}: {dangling} references point at records that are not in the target"


def test_references_point_at_the_mapped_parent(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every relation of a migrated record points at the target record mapped from the source record's parent."""
    source = audit.source_objects[object_name]
    joins = {f.join_column for f in source.fields if f.join_column and f.target_object != MEMBER}
    wrong = audit.mismatches(object_name, joins, evidence)  # type: ignore[arg-type]
    evidence.set(observed=", ".join(f"{c}: {n}" for c, n in wrong.items()) or "all relations equal", expected="all relations equal")
    assert not wrong, f"{object_name}: relations point elsewhere than the source's: {wrong}"
