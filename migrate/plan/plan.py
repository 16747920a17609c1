"""The Plan: everything `apply` will do, computed without writing anything, saved as JSON.

Built from a source snapshot and the target's live data model and members. `plan.json` is
what a person reviews and what `apply` carries out; `apply` refuses a plan with blocking items.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate import __version__
from migrate.errors import InputError
from migrate.model import FieldMeta, Member, ObjectMeta
from migrate.plan.config_plan import plan_configuration
from migrate.plan.members import MemberMatch, map_members
from migrate.plan.order import creation_order
from migrate.plan.record_checks import amounts_without_currency, dangling_references, explain_dangling, unique_twins
from migrate.plan.schema_diff import diff_schema
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_table, snapshotted

PLAN_FORMAT = 1
MEMBER_OBJECT = "workspaceMember"


@dataclass(slots=True)
class Plan:
    source_snapshot: str
    source_url: str | None
    source_sha256: str
    target_url: str
    target_version: str | None
    order: list[str]
    deferred: list[dict[str, str]]
    create_objects: list[dict[str, Any]]
    create_fields: list[dict[str, Any]]
    add_options: list[dict[str, Any]]
    conflicts: list[dict[str, str]]
    missing: list[dict[str, str]]
    field_map: dict[str, dict[str, str]]
    members: list[dict[str, Any]]
    unmapped_references: list[dict[str, Any]]
    counts: dict[str, dict[str, int]]
    warnings: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    fallback_owner: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    """Views, workflows, roles, webhooks and manual items (config_plan.py); empty in older plans."""
    created_at: str = ""
    tool_version: str = __version__
    format: int = PLAN_FORMAT

    def member_map(self) -> dict[str, str | None]:
        return {m["source_id"]: m["target_id"] for m in self.members}

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=False)


def _field_dict(obj: str, f: FieldMeta, relation: dict[str, Any] | None) -> dict[str, Any]:
    return {"object": obj, "name": f.name, "label": f.label or f.name, "type": f.type, "is_nullable": f.is_nullable,
            "is_unique": f.is_unique, "default_value": f.default_value, "options": list(f.options) if f.options else None,
            "settings": f.settings, "relation": relation}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def member_references(snap: Snapshot, objects: list[ObjectMeta], member_ids: list[str]) -> list[dict[str, Any]]:
    """Records that point at the given members: per member, object and field, a count and samples."""
    if not member_ids:
        return []
    out = []
    for obj in objects:
        columns = [(f.name, f.join_column) for f in obj.fields if f.join_column and f.target_object == MEMBER_OBJECT]
        if obj.field("createdBy") is not None:
            columns.append(("createdBy", "createdBy_workspaceMemberId"))
        for field_name, column in columns:
            rows = snap.con.execute(
                f'SELECT CAST("{column}" AS VARCHAR) AS m, count(*), list(CAST(id AS VARCHAR) ORDER BY id)[1:5] FROM {record_table(obj.name_singular)} '
                f'WHERE CAST("{column}" AS VARCHAR) IN (SELECT unnest(?)) GROUP BY m ORDER BY m', [member_ids]).fetchall()
            for member_id, count, sample in rows:
                out.append({"member_id": member_id, "object": obj.name_singular, "field": field_name, "records": int(count), "sample": sample})
    return out


def build_plan(snapshot_path: Path, target_objects: list[ObjectMeta], target_members: list[Member], *, target_url: str,
               target_version: str | None = None, target_counts: dict[str, int] | None = None, overrides: dict[str, str] | None = None,
               fallback_owner: str | None = None) -> Plan:
    """Compare a source snapshot with the target; list every action, warning and blocking item."""
    with Snapshot(snapshot_path) as snap:
        source_objects = snap.objects()
        held = snap.counts()  # a CSV snapshot holds only the objects that had a file
        migrated = [o for o in snapshotted(source_objects) if o.name_plural in held]
        names = {o.name_singular for o in migrated}
        diff = diff_schema(source_objects, target_objects, names)
        skipped_objects = {c.object for c in diff.missing if c.field == "*"}
        order, deferred = creation_order([o for o in migrated if o.name_singular not in skipped_objects])
        matches = map_members(snap.members(), target_members, overrides=overrides, fallback_email=fallback_owner)
        unmapped = [m.source_id for m in matches if m.via == "unmapped"]
        references = member_references(snap, migrated, unmapped)
        written = [o for o in migrated if o.name_singular not in skipped_objects]
        record_warnings = [explain_dangling(ref) for ref in dangling_references(snap, written)]
        record_warnings += unique_twins(snap, written) + amounts_without_currency(snap, written)
        counts = {name: {"records": records, "deleted": deleted} for name, (records, deleted) in
                  ((o.name_singular, held[o.name_plural]) for o in migrated)}
        source_url = snap.info.get("url")
        create_objects = [{"name_singular": o.name_singular, "name_plural": o.name_plural, "label_singular": o.label_singular or o.name_singular,
                           "label_plural": o.label_plural or o.name_plural} for o in diff.create_objects]
        create_fields = [_field_dict(obj, f, rel) for obj, f, rel in diff.create_fields]
        config, config_warnings = plan_configuration(snap, target_objects, matches, create_objects=create_objects, create_fields=create_fields)
    for name, existing in (target_counts or {}).items():
        if name in counts:
            counts[name]["target_existing"] = existing
    plan = Plan(
        source_snapshot=str(Path(snapshot_path).resolve()), source_url=source_url, source_sha256=file_sha256(snapshot_path),
        target_url=target_url, target_version=target_version, order=order,
        deferred=[{"object": d.object, "field": d.field, "join_column": d.join_column, "target": d.target} for d in deferred],
        create_objects=create_objects, create_fields=create_fields, config=config,
        add_options=[{"object": obj, "field": f, "options": opts} for obj, f, opts in diff.add_options],
        conflicts=[asdict(c) for c in diff.conflicts], missing=[asdict(c) for c in diff.missing], field_map=diff.field_map,
        members=[asdict(m) for m in matches], unmapped_references=references, counts=counts, fallback_owner=fallback_owner,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    _explain(plan, matches)
    plan.warnings += record_warnings
    plan.warnings += config_warnings
    return plan


def _explain(plan: Plan, matches: list[MemberMatch]) -> None:
    """Turn the diff into sentences: warnings to read, blocking items to resolve first."""
    emails: dict[str, list[str]] = {}
    for m in matches:
        if m.email:
            emails.setdefault(m.email.lower(), []).append(m.email)
    for key, spellings in emails.items():
        if len(spellings) > 1:
            plan.warnings.append(f"{len(spellings)} source members share the e-mail {key} ({', '.join(spellings)}); they map to one target member.")
    for m in matches:
        if m.via == "fallback" and not m.email:
            plan.warnings.append(f"Member {m.source_id} has no e-mail in the source, so it cannot be matched by e-mail; their records go to "
                                 f"the fallback owner {m.target_email} (map \"{m.source_id}\" in members.toml to choose another).")
        elif m.via == "fallback":
            plan.warnings.append(f"Member {m.email} is not in the target; their records go to the fallback owner {m.target_email}.")
    for ref in plan.unmapped_references:
        email = next((m.email for m in matches if m.source_id == ref["member_id"]), None) or "(no e-mail)"
        sentence = (f"{ref['records']} {ref['object']} records have {ref['field']} = member {email} ({ref['member_id']}), who is not in the "
                    f"target (e.g. {', '.join(ref['sample'][:3])})")
        if ref["field"] == "createdBy":
            plan.warnings.append(sentence + "; their createdBy keeps the name and loses the member link.")
        else:
            fix = (f"map \"{ref['member_id']}\" = \"<target e-mail>\" in members.toml (it has no e-mail to match)" if email == "(no e-mail)"
                   else "invite them to the target, map them in members.toml")
            plan.blocking.append(f"{sentence}: {fix}, or pass --fallback-owner EMAIL.")
    for c in plan.conflicts:
        plan.warnings.append(f"{c['object']}.{c['field']}: {c['detail']}; to bring them, give the target's field the source's type "
                             "(or remove it, and the plan creates it) and plan again.")
    for c in plan.missing:
        if c["field"] == "*":
            records = plan.counts.get(c["object"], {}).get("records", 0)
            plan.warnings.append(f"{c['object']}: {c['detail']}: {records} records stay behind. Activate or create {c['object']} in the target "
                                 "(Settings → Data model) and plan again to bring them.")
        else:
            plan.warnings.append(f"{c['object']}.{c['field']}: {c['detail']}.")
    for d in plan.deferred:
        plan.warnings.append(f"{d['object']}.{d['field']} points at {d['target']} in a cycle: created empty, set in a second pass.")


def save_plan(plan: Plan, path: Path) -> None:
    tmp = Path(path).with_name(Path(path).name + ".partial")
    tmp.write_text(plan.to_json(), encoding="utf-8")
    tmp.replace(path)


def load_plan(path: Path) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} does not exist; write one with `twenty-migrate plan`.", path=str(path)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not a plan file ({exc}).", path=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise InputError(f"{path} is not a plan of format {PLAN_FORMAT}; run `twenty-migrate plan` again.", path=str(path))
    try:
        return Plan(**data)
    except TypeError as exc:
        raise InputError(f"{path} is not a complete plan ({exc}); run `twenty-migrate plan` again.", path=str(path)) from None
