"""What a migrated workspace holds, read through REST, and how it compares with its source.

`differences` is the end-to-end comparison: every source record (live and soft-deleted) must be
in the target exactly once under its mapped id, with every written field equal once member
references go through the plan's member map and relations through the journal's id map. The
differences it allows are the announced ones:

- fields the server sets on every write: `updatedAt`, `updatedBy`, and the time in `deletedAt`
  (a soft delete is stamped when the migration makes it; that the record is deleted must match);
- a member absent from the target: the plan's warning says their records go to the fallback owner
  (handled by the member map itself, since it maps them to the fallback);
- `createdBy` of a record whose actor had no name (the server keeps an actor only with a name);
- a field the plan lists as a conflict (its values are not written);
- a matched record keeps the target's own values (the journal counts it as matched);
- attachments: the file is uploaded again, so `file[].fileId`, its signed `url` and the legacy
  `fullPath` are the target's; labels must match, and the bytes are compared by download.
"""

from __future__ import annotations

from typing import Any

from migrate.model import ObjectMeta
from migrate.plan.plan import Plan
from migrate.twenty.client import TwentyClient
from tests.plan.workspaces import read_all

SERVER_SET = frozenset({"updatedAt", "updatedBy", "deletedAt"})
MEMBER = "workspaceMember"


def records_of(live: dict[str, dict[str, Any]], deleted: dict[str, dict[str, Any]], plural: str) -> dict[str, dict[str, Any]]:
    overlap = set(live) & set(deleted)
    assert not overlap, f"{plural}: {sorted(overlap)[:3]} are listed both live and deleted"
    return {**live, **deleted}


async def dump(client: TwentyClient, names: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """A workspace's records, per object, without what differs between two clean runs of one plan
    (server stamps, uploaded file ids): two targets of one plan must dump equal."""
    objects = {o.name_singular: o for o in await client.objects()}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in names:
        live, deleted = await read_all(client, objects[name].name_plural)
        out[name] = {}
        for record_id, record in records_of(live, deleted, name).items():
            kept = {k: v for k, v in record.items() if k not in SERVER_SET | {"file", "fullPath"}}
            kept["deleted"] = bool(record.get("deletedAt"))
            kept["files"] = [item["label"] for item in record.get("file") or ()]
            out[name][record_id] = kept
    return out


def _fields(obj: ObjectMeta) -> tuple[set[str], dict[str, str]]:
    members = {f.join_column for f in obj.fields if f.join_column and f.target_object == MEMBER}
    relations = {f.join_column: f.target_object for f in obj.fields if f.join_column and f.target_object != MEMBER}
    return members, relations  # type: ignore[return-value]


async def differences(plan: Plan, id_map: dict[tuple[str, str], tuple[str, str]], source: TwentyClient, target: TwentyClient,
                      *, expect_no_extra: bool = True) -> list[str]:
    """Every difference between source and target that the plan did not announce (empty: none)."""
    members = plan.member_map()
    conflicts = {(c["object"], c["field"]) for c in plan.conflicts}
    by_source_id = {sid: tid for (_, sid), (tid, _) in id_map.items()}
    objects = {o.name_singular: o for o in await source.objects()}
    target_objects = {o.name_singular: o for o in await target.objects()}
    problems: list[str] = []
    for name in plan.order:
        obj = objects[name]
        member_columns, relation_columns = _fields(obj)
        source_records = records_of(*await read_all(source, obj.name_plural), obj.name_plural)
        target_records = records_of(*await read_all(target, target_objects[name].name_plural), obj.name_plural)
        landed: set[str] = set()
        for source_id, record in source_records.items():
            mapped = id_map.get((name, source_id))
            if mapped is None:
                problems.append(f"{name} {source_id}: not in the id map")
                continue
            target_id, status = mapped
            there = target_records.get(target_id)
            if there is None:
                problems.append(f"{name} {source_id}: not in the target under {target_id}")
                continue
            if target_id in landed:
                problems.append(f"{name} {target_id}: two source records landed on it")
            landed.add(target_id)
            if bool(record.get("deletedAt")) != bool(there.get("deletedAt")):
                problems.append(f"{name} {source_id}: deleted in the source {bool(record.get('deletedAt'))}, in the target {bool(there.get('deletedAt'))}")
            if status == "matched":
                continue
            for key, value in record.items():
                if key in SERVER_SET or (name, key) in conflicts or (name, key.removesuffix("Id")) in conflicts:
                    continue
                expected = value
                if key in member_columns:
                    expected = members.get(value) if value else None
                elif key in relation_columns:
                    expected = by_source_id.get(value, value) if value else None
                elif key == "createdBy" and isinstance(value, dict):
                    if not value.get("name"):
                        continue
                    member = value.get("workspaceMemberId")
                    expected = {**value, "workspaceMemberId": members.get(member) if member else None}
                elif name == "attachment" and key == "fullPath":
                    continue
                elif name == "attachment" and key == "file":
                    expected = [item["label"] for item in value or ()]
                    actual = [item["label"] for item in there.get("file") or ()]
                    if actual != expected:
                        problems.append(f"{name} {source_id}.file labels: {expected!r} in the source, {actual!r} in the target")
                    continue
                if there.get(key) != expected:
                    problems.append(f"{name} {source_id}.{key}: {expected!r} expected, {there.get(key)!r} in the target")
        if expect_no_extra:
            extra = set(target_records) - landed
            if extra:
                problems.append(f"{name}: {len(extra)} target records no source record maps to, e.g. {sorted(extra)[:3]}")
    return problems
