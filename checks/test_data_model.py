"""Data model: every migrated object and field exists in the target, with the same type."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession
from migrate.diff.compare import IGNORED

pytestmark = pytest.mark.checklist("data model")


def test_object_exists_in_the_target(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every object of the source exists in the target."""
    present = object_name in audit.target_objects
    evidence.set(observed="present" if present else "missing", expected="present")
    assert present, f"the target has no object {object_name}"


def test_fields_exist_with_the_same_type(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every stored field of the source object exists in the target with the same type and its select options."""
    source = audit.source_objects[object_name]
    target = audit.target_objects.get(object_name)
    if target is None:
        pytest.fail(f"the target has no object {object_name}")
    problems = 0
    for field in source.fields:
        if not field.is_stored or field.name in IGNORED:
            continue
        there = target.field(field.name)
        if there is None and field.join_column:
            there = next((t for t in target.fields if t.join_column and t.target_object == field.target_object), None)
        if there is None:
            evidence.add(object=object_name, field=field.name, source=field.type, target="missing")
            problems += 1
        elif there.type != field.type and {there.type, field.type} != {"RELATION", "MORPH_RELATION"}:
            evidence.add(object=object_name, field=field.name, source=field.type, target=there.type)
            problems += 1
        elif field.options:
            lacking = {o.get("value") for o in field.options} - {o.get("value") for o in there.options or ()}
            if lacking:
                evidence.add(object=object_name, field=field.name, source="options " + ", ".join(sorted(map(str, lacking))), target="missing")
                problems += 1
    evidence.set(observed=f"{problems} fields missing or different", expected="0")
    assert problems == 0, f"{problems} fields of {object_name} are missing or differ in the target"
