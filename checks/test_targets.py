"""Note and task targets: every link of every note and task arrived."""

from __future__ import annotations

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.passes import not_carried
from migrate.audit.session import AuditSession

pytestmark = pytest.mark.checklist("note and task targets")
LINKS = {"noteTarget": "note", "taskTarget": "task"}


@pytest.mark.parametrize("link", sorted(LINKS))
def test_every_link_of_every_note_and_task_arrived(audit: AuditSession, link: str, evidence: Evidence) -> None:
    """Each note or task links to the same records in the target as in the source."""
    if link not in audit.objects:
        pytest.skip(f"the source has no {link} records")
    diff = audit.diff(link)
    rejected = audit.journal.rejected(link) if audit.journal is not None else set()
    lost = [i for i in diff.only_source if i not in rejected]
    rows = audit.source.con.execute(f'SELECT * FROM records."{link}" WHERE id IN (SELECT unnest(?::UUID[]))', [lost]).fetchall() if lost else []
    names = [d[0] for d in audit.source.con.description] if lost else []
    records = {str(r[0]): dict(zip(names, r, strict=True)) for r in rows}  # one query for every lost link, not one each
    for source_id in lost:
        record = records.get(source_id, {})
        evidence.add(object=link, source_id=source_id, parent=record.get(f"{LINKS[link]}Id"),
                     linked=next((str(v) for k, v in record.items() if k.startswith("target") and v), None), target="missing")
    changed = diff.status.get("changed", 0)
    reason = not_carried(link) if audit.journal is None and lost else None
    if reason:
        evidence.note(f"{link}: {reason}")
    evidence.set(observed=f"{len(lost)} links lost, {changed} links changed", expected="0 lost, 0 changed")
    assert not lost and changed == 0, f"{link}: {len(lost)} links lost, {changed} changed" + (f"; {reason}" if reason else "")
