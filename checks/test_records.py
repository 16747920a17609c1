"""Record fields: every record arrived, and every field holds the source's value (normalised, through the maps)."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("record fields")


def test_every_source_record_is_in_the_target(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every source record is in the target under its mapped id, unless the journal lists it as rejected."""
    diff = audit.diff(object_name)
    rejected = audit.excused(object_name)
    missing = [i for i in diff.only_source if i not in rejected]
    unexplained = diff.status.get("only_source", 0) - len([i for i in diff.only_source if i in rejected])
    for source_id in missing:
        evidence.add(object=object_name, source_id=source_id, target="missing")
    allowed = audit.allowed("test_every_source_record_is_in_the_target", object_name)
    evidence.set(observed=f"{unexplained} source records missing", expected=f"at most {allowed}" if allowed else "0")
    assert unexplained <= allowed, f"{object_name}: {unexplained} source records are not in the target"
    if unexplained:
        audit.tolerate("test_every_source_record_is_in_the_target", object_name, unexplained, allowed)


def test_every_field_holds_the_source_value(audit: AuditSession, object_name: str, evidence: Evidence) -> None:
    """Every field of every record equals the source's, once both sides are normalised and mapped."""
    diff = audit.diff(object_name)
    changed = diff.status.get("changed", 0)
    for sample in diff.samples:
        evidence.add(object=object_name, source_id=sample["source_id"], target_id=sample["target_id"], field=sample["field"],
                     source=sample["source"], target=sample["target"])
    fields = sorted(f for f, c in diff.fields.items() if c["conflicting"] or c["null_in_source"] or c["null_in_target"])
    allowed = audit.allowed("test_every_field_holds_the_source_value", object_name)
    evidence.set(observed=f"{changed} records differ" + (f" in {', '.join(fields)}" if fields else ""), expected=f"at most {allowed}" if allowed else "0")
    assert changed <= allowed, f"{object_name}: {changed} records differ from the source ({', '.join(fields) or 'deleted state'})"
    if changed:
        audit.tolerate("test_every_field_holds_the_source_value", object_name, changed, allowed)
