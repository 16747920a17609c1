"""What the target's data model lacks, and where the two disagree.

Objects and fields are matched by API name. Custom objects and custom fields the target lacks
are created (a relation once, from its many-to-one side: the inverse comes with it, api.md §7.4);
SELECT options the target lacks are added; a field whose type differs is a conflict whose values
are not written. Link objects renamed between versions (`noteTarget.personId` before v1.17,
`targetPersonId` after) are matched by the object their relation points at (api.md §6.6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from migrate.model import FieldMeta, ObjectMeta

AUTOMATIC_FIELDS = frozenset({"id", "name", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position", "searchVector"})
"""Fields Twenty gives every new custom object itself."""

NOT_WRITTEN = frozenset({"updatedAt", "updatedBy", "deletedAt", "searchVector"})
"""Fields the server sets on every write (research note §8: updatedBy is always the caller)."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    object: str
    field: str
    detail: str


@dataclass(slots=True)
class SchemaDiff:
    create_objects: list[ObjectMeta] = field(default_factory=list)
    create_fields: list[tuple[str, FieldMeta, dict[str, Any] | None]] = field(default_factory=list)
    add_options: list[tuple[str, str, list[dict[str, Any]]]] = field(default_factory=list)
    conflicts: list[FieldChange] = field(default_factory=list)
    missing: list[FieldChange] = field(default_factory=list)
    field_map: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per object: source column or field name -> target one, for every field that is written."""


def _options(f: FieldMeta) -> dict[str, dict[str, Any]]:
    return {str(o.get("value")): o for o in f.options or () if isinstance(o, dict)}


def _relation_payload(obj: ObjectMeta, f: FieldMeta, source: dict[str, ObjectMeta]) -> dict[str, Any]:
    target = source.get(f.target_object or "")
    inverse = target.field(f.target_field or "") if target else None
    return {"type": "MANY_TO_ONE", "target_object": f.target_object,
            "target_field_label": inverse.label if inverse and inverse.label else (f.target_field or f"{obj.name_plural}"),
            "target_field_name": f.target_field}


def diff_schema(source_objects: Iterable[ObjectMeta], target_objects: Iterable[ObjectMeta], migrated: Iterable[str]) -> SchemaDiff:
    """Compare the objects in `migrated` (singular names) with the target's data model."""
    source = {o.name_singular: o for o in source_objects}
    target = {o.name_singular: o for o in target_objects}
    out = SchemaDiff()
    for name in sorted(migrated):
        obj = source[name]
        existing = target.get(name)
        if existing is None:
            if not obj.is_custom:
                out.missing.append(FieldChange(name, "*", f"the target has no object {name}; its records cannot be migrated"))
                continue
            out.create_objects.append(obj)
        mapping: dict[str, str] = {}
        for f in obj.fields:
            if not f.is_stored or f.name in NOT_WRITTEN:
                continue
            there = existing.field(f.name) if existing else None
            if there is None and existing is not None and f.join_column:
                there = next((t for t in existing.fields if t.join_column and t.target_object == f.target_object
                              and t.relation_type == "MANY_TO_ONE" and t.name not in {g.name for g in obj.fields}), None)
            if there is None:
                if existing is None and f.name in AUTOMATIC_FIELDS:
                    mapping[f.join_column or f.name] = f.join_column or f.name
                    continue
                if f.type == "MORPH_RELATION" and f.target_object in source:
                    # Twenty adds a morph arm to note/task targets and attachments for each new object.
                    mapping[f.join_column or f.name] = f.join_column or f.name
                    continue
                if not f.is_custom:
                    out.missing.append(FieldChange(name, f.name, f"the target's {name} has no field {f.name} ({f.type}); its values cannot be written"))
                    continue
                if f.relation_type == "MANY_TO_ONE" and f.target_object not in target and f.target_object not in source:
                    out.missing.append(FieldChange(name, f.name, f"relation to {f.target_object}, which the target lacks"))
                    continue
                payload = _relation_payload(obj, f, source) if f.relation_type == "MANY_TO_ONE" else None
                out.create_fields.append((name, f, payload))
                mapping[f.join_column or f.name] = f.join_column or f.name
                continue
            if there.type != f.type and not ({there.type, f.type} <= {"RELATION", "MORPH_RELATION"}):
                out.conflicts.append(FieldChange(name, f.name, f"type {f.type} in the source, {there.type} in the target; values are not written"))
                continue
            if f.type in ("SELECT", "MULTI_SELECT"):
                lacking = [o for value, o in _options(f).items() if value not in _options(there)]
                if lacking:
                    out.add_options.append((name, f.name, lacking))
            mapping[f.join_column or f.name] = there.join_column or there.name
        out.field_map[name] = mapping
    return out
