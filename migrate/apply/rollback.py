"""`rollback`: delete exactly what the journal says this migration created.

Records are destroyed (a plain DELETE, api.md §3.8) children first, 200 at a time; then the
custom fields and objects the migration created. Matched records, which existed before, are
never touched. The journal forgets each batch once it is gone, so a rollback can resume too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate.apply.config import rollback_configuration
from migrate.apply.journal import Journal
from migrate.plan.plan import Plan
from migrate.twenty import writes
from migrate.twenty.client import TwentyClient


@dataclass(slots=True)
class RollbackSummary:
    deleted: dict[str, int] = field(default_factory=dict)
    objects_removed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    configuration: list[str] = field(default_factory=list)


async def rollback(plan: Plan, client: TwentyClient, journal: Journal, *, user_client: TwentyClient | None = None) -> RollbackSummary:
    """`user_client` (a user session of the target) gives members back the roles apply changed."""
    summary = RollbackSummary()
    summary.configuration, left = await rollback_configuration(client, journal, user_client=user_client)
    summary.left += left
    targets = {o.name_singular: o for o in await client.objects()}
    for name in reversed(plan.order):
        target = targets.get(name)
        ids = journal.created_ids(name)
        if target is None or not ids:
            continue
        for start in range(0, len(ids), 200):
            batch = ids[start : start + 200]
            await writes.delete_by_ids(client, target.name_plural, batch, soft=False)
            journal.forget_ids(name, batch)
            summary.deleted[name] = summary.deleted.get(name, 0) + len(batch)
    for kind, obj, name, target_id in journal.created_schema():
        if kind == "object":
            await writes.delete_object(client, target_id)
            summary.objects_removed.append(obj)
        elif obj not in {o for k, o, _, _ in journal.created_schema() if k == "object"}:
            summary.left.append(f"field {obj}.{name}: deactivate and delete it in Settings > Data model (an API key cannot delete a field).")
    journal.con.execute("DELETE FROM schema_steps WHERE created AND kind = 'object'")
    journal.con.execute("DELETE FROM steps_done")
    journal.con.execute("DELETE FROM uploaded_files")
    return summary
