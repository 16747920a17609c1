"""Relations: every reference in the target resolves, to the parent the source record pointed at."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("relations")
MEMBER = "workspaceMember"


def test_every_reference_resolves_in_the_target(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every join column of every target record names a record that exists in the target."""
    target = audit.target_objects.get(object_name)
    if target is None:
        pytest.fail(f"the target has no object {object_name}")
    dangling = 0
    snapshotted = {r[0] for r in audit.target.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
    for field in target.fields:
        if not field.join_column or field.target_object is None:
            continue
        if field.target_object == MEMBER:
            parent = "(SELECT id FROM members)"
        elif field.target_object in snapshotted:
            parent = f'(SELECT id FROM records."{field.target_object}")'
        else:
            continue
        rows = audit.target.con.execute(
            f'SELECT CAST(id AS VARCHAR), CAST("{field.join_column}" AS VARCHAR) FROM records."{object_name}" '
            f'WHERE "{field.join_column}" IS NOT NULL AND "{field.join_column}" NOT IN {parent} ORDER BY id').fetchall()
        for record_id, value in rows[:25]:
            evidence.add(object=object_name, target_id=record_id, field=field.join_column, target=value, note=f"no such {field.target_object}")
        dangling += len(rows)
    evidence.set(observed=f"{dangling} dangling references", expected="0")
    assert dangling == 0, f"{object_name}: {dangling} references point at records that are not in the target"


def test_references_point_at_the_mapped_parent(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every relation of a migrated record points at the target record mapped from the source record's parent."""
    source = audit.source_objects[object_name]
    joins = {f.join_column for f in source.fields if f.join_column and f.target_object != MEMBER}
    wrong = audit.mismatches(object_name, joins, evidence)  # type: ignore[arg-type]
    evidence.set(observed=", ".join(f"{c}: {n}" for c, n in wrong.items()) or "all relations equal", expected="all relations equal")
    assert not wrong, f"{object_name}: relations point elsewhere than the source's: {wrong}"
