"""Attachments: as many files in the target as in the source, byte for byte (sha256)."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.passes import not_carried
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("attachments")


@pytest.mark.audit_objects("attachment")
def test_attachment_files_are_identical(audit: AuditSession, evidence: Evidence) -> None:
    """Every attachment's bytes in the target have the sha256 of the source's."""
    if "attachment" not in audit.objects:
        pytest.skip("the source has no attachments")
    source = dict(audit.source.con.execute("SELECT CAST(attachment_id AS VARCHAR), sha256 FROM attachment_files").fetchall())
    target = dict(audit.target.con.execute("SELECT CAST(attachment_id AS VARCHAR), sha256 FROM attachment_files").fetchall())
    mapped = {}
    if audit.journal is not None:
        mapped = dict(audit.journal.con.execute("SELECT source_id, target_id FROM id_map WHERE object = 'attachment'").fetchall())
    rejected = audit.journal.rejected("attachment") if audit.journal is not None else set()
    bad = 0
    for attachment_id, digest in sorted(source.items()):
        if attachment_id in rejected:
            continue
        target_id = mapped.get(attachment_id, attachment_id)
        there = target.get(target_id)
        if there != digest:
            evidence.add(object="attachment", source_id=attachment_id, target_id=target_id, source=digest, target=there or "missing")
            bad += 1
    reason = not_carried("attachment") if audit.journal is None and bad else None
    if reason:
        evidence.note(reason)
    evidence.set(observed=f"{len(source) - bad} of {len(source)} files identical", expected=f"{len(source)} of {len(source)}")
    assert bad == 0, f"{bad} attachment files are missing or differ in the target" + (f"; {reason}" if reason else "")
