"""`apply_plan`: carry out a plan, phase by phase, resumably.

Phases: the data model; the records, parents first, with join columns in cycles left empty;
the second pass that sets them; soft deletes of records deleted in the source; the configuration
(views, roles, workflows, webhooks: config.py), last, so that no workflow it activates fires on the
migration's own writes. Every phase
consults the journal first, so running `apply` again after a crash or a Ctrl-C finishes the job,
and running it after success writes nothing.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.apply.batches import RecordCreator, Tally, hint_for
from migrate.apply.config import ConfigSummary, WorkflowMode, apply_configuration
from migrate.apply.journal import Journal, Reject
from migrate.apply.payloads import PayloadBuilder
from migrate.apply.schema import apply_schema
from migrate.errors import PlanError, TwentyValidationError
from migrate.model import ObjectMeta
from migrate.plan.plan import Plan, file_sha256
from migrate.progress import NULL_PROGRESS, Progress
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.writer import files_dir
from migrate.twenty import writes
from migrate.twenty.client import TwentyClient

CHUNK = 1000


@dataclass(slots=True)
class ApplySummary:
    """What a run did, per object, and the counts that explain every difference."""

    objects: dict[str, Tally] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    second_pass: int = 0
    soft_deleted: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)
    config: ConfigSummary = field(default_factory=ConfigSummary)
    would_create: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0

    def total(self, key: str) -> int:
        return sum(getattr(t, key) for t in self.objects.values())


def _chunks(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_plan(plan: Plan, *, delta: bool = False) -> None:
    if plan.blocking:
        raise PlanError(f"The plan has {len(plan.blocking)} blocking items; resolve them and run `twenty-migrate plan` again. First: {plan.blocking[0]}")
    snapshot = Path(plan.source_snapshot)
    if not snapshot.exists():
        raise PlanError(f"The plan's source snapshot {snapshot} is gone; run `twenty-migrate plan` again.")
    if not delta and file_sha256(snapshot) != plan.source_sha256:
        raise PlanError(f"{snapshot} changed since the plan was made; run `twenty-migrate plan` again (or `apply --delta` for new changes).")


class Applier:
    """One run of `apply` over one plan."""

    def __init__(self, plan: Plan, client: TwentyClient, journal: Journal, snapshot: Snapshot, *, progress: Progress = NULL_PROGRESS,
                 batch_size: int | None = None, skip_deleted: bool = False, user_client: TwentyClient | None = None,
                 workflows: WorkflowMode = "draft") -> None:
        self.skip_deleted = skip_deleted
        self.user_client = user_client
        self.workflows = workflows
        self.plan = plan
        self.client = client
        self.journal = journal
        self.snapshot = snapshot
        self.progress = progress
        self.batch_size = min(batch_size or client.settings.batch_size, 200)
        self.summary = ApplySummary()
        self.member_map = plan.member_map()
        self.source = {o.name_singular: o for o in snapshot.objects()}
        self.deferred: dict[str, set[str]] = {}
        for d in plan.deferred:
            self.deferred.setdefault(d["object"], set()).add(d["join_column"])

    def builder(self, name: str, target: ObjectMeta) -> PayloadBuilder:
        skip = {"file", "fullPath"} if name == "attachment" and target.field("file") is not None else set()
        return PayloadBuilder.for_object(self.source[name], self.plan.field_map.get(name, {}), self.member_map, self.deferred.get(name, set()), skip)

    async def run(self, *, delta: bool = False) -> ApplySummary:
        started = time.monotonic()
        self.journal.bind(target=self.plan.target_url, source=self.plan.source_url or self.plan.source_snapshot)
        self.journal.record_member_map(self.plan.members)
        targets = await apply_schema(self.plan, self.client, self.journal, self.summary.notes)
        for name in self.plan.order:
            await self._records(name, targets[name], delta)
        for name in self.plan.order:
            await self._second_pass(name, targets[name])
        for name in self.plan.order:
            await self._soft_deletes(name, targets[name])
        # Last, so that a workflow it activates (record-deleted trigger) never fires on the migration's own writes.
        self.summary.config = await apply_configuration(self.plan, self.client, self.journal, self.snapshot, user_client=self.user_client,
                                                        workflows=self.workflows)
        self.summary.requests = self.client.requests_made
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # records ------------------------------------------------------------------------------
    async def _records(self, name: str, target: ObjectMeta, delta: bool) -> None:
        source = self.source[name]
        builder = self.builder(name, target)
        total = self.plan.counts.get(name, {}).get("records", 0)
        task = self.progress.start(target.name_plural, total)
        creator = RecordCreator(self.client, self.journal, target, batch_size=self.batch_size, on_settled=lambda n: self.progress.advance(task, n))
        self.summary.objects[name] = creator.tally
        await creator.recover_in_flight()
        updated_before = self.journal.updated_at(name) if delta else {}
        for chunk in _chunks(self.snapshot.records(source), CHUNK):
            mapped = self.journal.mapped(name, [r["id"] for r in chunk])
            done = [r for r in chunk if r["id"] in mapped]
            self.progress.advance(task, len(done))
            if delta:
                await self._update_changed(name, target, builder, [r for r in done if r.get("updatedAt") != updated_before.get(r["id"])], mapped)
            todo = [r for r in chunk if r["id"] not in mapped]
            if self.skip_deleted:
                skipped = [r for r in todo if r.get("deletedAt")]
                creator.tally.skipped += len(skipped)
                self.progress.advance(task, len(skipped))
                todo = [r for r in todo if not r.get("deletedAt")]
            if not todo:
                continue
            remap = self.journal.remapped(v for r in todo for c in builder.relation_columns if (v := r.get(c)))
            items = []
            for record in todo:
                body = builder.build(record, remap)
                if name == "attachment" and "file" in builder.skip:
                    body["file"] = await self._upload_files(record, target)
                items.append((record["id"], body, record.get("updatedAt")))
            await creator.send(items)
            self.journal.clear_rejects(name, "create", list(self.journal.mapped(name, [i[0] for i in items])))

    async def _update_changed(self, name: str, target: ObjectMeta, builder: PayloadBuilder, records: list[dict[str, Any]], mapped: dict[str, str]) -> None:
        """Delta: records changed in the source since they were copied are patched in the target
        (one PATCH each: Twenty has no per-record batch update); the journal is updated once."""
        remap = self.journal.remapped(v for r in records for c in builder.relation_columns if (v := r.get(c)))
        patched: list[tuple[str, str | None]] = []
        for record in records:
            body = {k: v for k, v in builder.build(record, remap).items() if k not in ("id", "createdBy", "file")}
            try:
                await writes.update_one(self.client, target.name_plural, mapped[record["id"]], body)
            except TwentyValidationError as exc:
                message = exc.messages[0] if exc.messages else str(exc)
                self.journal.reject(Reject(name, record["id"], "update", exc.field, message, hint_for(message)))
                continue
            patched.append((record["id"], record.get("updatedAt")))
        self.journal.record_source_updated(name, patched)
        if patched:
            self.summary.updated[name] = self.summary.updated.get(name, 0) + len(patched)

    async def _upload_files(self, record: dict[str, Any], target: ObjectMeta) -> list[dict[str, str]]:
        """Upload an attachment's bytes (kept beside the snapshot) and reference the new files."""
        out = []
        field = target.field("file")
        rows = self.snapshot.con.execute("SELECT file_id, label, stored_as FROM attachment_files WHERE CAST(attachment_id AS VARCHAR) = ?",
                                         [record["id"]]).fetchall()
        for file_id, label, stored_as in rows:
            key = file_id or stored_as
            new_id = self.journal.uploaded(record["id"], key)
            if new_id is None:
                data = (files_dir(self.snapshot.path) / stored_as).read_bytes()
                name = label or record.get("name") or "file"
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                new_id = await writes.upload_file(self.client, field.id if field else "", name, data, content_type)
                self.journal.record_upload(record["id"], key, new_id)
                self.summary.files += 1
            out.append({"fileId": new_id, "label": label or record.get("name") or "file"})
        return out

    # second pass and soft deletes ------------------------------------------------------------
    async def _second_pass(self, name: str, target: ObjectMeta) -> None:
        columns = self.deferred.get(name)
        if not columns:
            return
        builder = self.builder(name, target)
        done = self.journal.done(name, "second-pass")
        for chunk in _chunks(self.snapshot.records(self.source[name]), CHUNK):
            wanted = [r for r in chunk if r["id"] not in done and any(r.get(c) for c in columns)]
            mapped = self.journal.mapped(name, [r["id"] for r in wanted])
            refs = [r.get(c) for r in wanted for c in columns if r.get(c)]
            remap = self.journal.remapped(refs)
            for record in wanted:
                if record["id"] not in mapped:
                    continue  # the record itself was refused: it is in rejects already
                body = builder.deferred_values(record, remap)
                try:
                    await writes.update_one(self.client, target.name_plural, mapped[record["id"]], body)
                except TwentyValidationError as exc:
                    message = exc.messages[0] if exc.messages else str(exc)
                    self.journal.reject(Reject(name, record["id"], "second-pass", ",".join(body), message, hint_for(message)))
                    continue
                self.journal.mark_done(name, "second-pass", [record["id"]])
                self.summary.second_pass += 1

    async def _soft_deletes(self, name: str, target: ObjectMeta) -> None:
        """Records soft-deleted in the source are created, then soft-deleted (create cannot set deletedAt)."""
        done = self.journal.done(name, "soft-delete")
        deleted = [r[0] for r in self.snapshot.con.execute(
            f'SELECT CAST(id AS VARCHAR) FROM records."{name}" WHERE "deletedAt" IS NOT NULL ORDER BY id').fetchall()]
        wanted = [i for i in deleted if i not in done]
        created = set(self.journal.created_ids(name)) if wanted else set()
        ids = [i for i in wanted if i in created]  # only records this migration created: matched ones are not ours
        for start in range(0, len(ids), 200):
            batch = ids[start : start + 200]
            await writes.delete_by_ids(self.client, target.name_plural, batch, soft=True)
            self.journal.mark_done(name, "soft-delete", batch)
            self.summary.soft_deleted += len(batch)


async def apply_plan(plan: Plan, client: TwentyClient, journal: Journal, *, progress: Progress = NULL_PROGRESS, skip_deleted: bool = False,
                     batch_size: int | None = None, delta: bool = False, snapshot_path: Path | None = None,
                     user_client: TwentyClient | None = None, workflows: WorkflowMode = "draft") -> ApplySummary:
    """Carry out `plan` against the client's workspace, recording everything in `journal`.
    `user_client` (a user token of the target, optional) makes the calls Twenty keeps for a user
    session: workflow steps and activation, member roles; without it they become manual steps.
    `workflows`: "draft" leaves every workflow a draft, "as-source" activates those active in the source."""
    check_plan(plan, delta=delta)
    with Snapshot(snapshot_path or Path(plan.source_snapshot)) as snapshot:
        applier = Applier(plan, client, journal, snapshot, progress=progress, batch_size=batch_size, skip_deleted=skip_deleted,
                          user_client=user_client, workflows=workflows)
        return await applier.run(delta=delta)


async def dry_run(plan: Plan, journal: Journal) -> ApplySummary:
    """What `apply` would write, without a single request to the target."""
    check_plan(plan)
    summary = ApplySummary()
    summary.notes += [f"would create object {o['name_singular']}" for o in plan.create_objects]
    summary.notes += [f"would create field {f['object']}.{f['name']} ({f['type']})" for f in plan.create_fields]
    summary.notes += [f"would add {len(o['options'])} options to {o['object']}.{o['field']}" for o in plan.add_options]
    with Snapshot(Path(plan.source_snapshot)) as snapshot:
        for obj in snapshot.objects():
            if obj.name_singular not in plan.order:
                continue
            ids = [r[0] for r in snapshot.con.execute(f'SELECT CAST(id AS VARCHAR) FROM records."{obj.name_singular}"').fetchall()]
            mapped = journal.mapped(obj.name_singular, ids)
            summary.would_create[obj.name_singular] = len(ids) - len(mapped)
    return summary


__all__ = ["ApplySummary", "apply_plan", "dry_run"]
