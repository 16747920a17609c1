"""A source record (as a snapshot decodes it) turned into the body the target accepts.

Ids are kept (the target accepts client ids, api.md §3.4), so relations copy unchanged except
where the journal mapped a record to an existing one; member references go through the member
map; join columns waiting for the second pass are left out; fields the server sets itself
(`updatedAt`, `updatedBy`, `deletedAt`) are not sent; `createdBy` is sent only with a name,
since the server keeps an actor only when it has one (api.md §3.5). An empty `position` or
non-nullable field (a CSV export lacks hidden columns) is left out, so the target's default
applies: Twenty refuses null there (a null position reads as NaN).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.model import ObjectMeta

MEMBER_OBJECT = "workspaceMember"


@dataclass(frozen=True, slots=True)
class PayloadBuilder:
    """Builds target bodies for one object."""

    field_map: Mapping[str, str]
    member_columns: frozenset[str]
    relation_columns: frozenset[str]
    deferred_columns: frozenset[str]
    member_map: Mapping[str, str | None]
    skip: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    """Fields the source declares non-nullable: an empty value there is one the snapshot could not
    read (a column hidden in a CSV export), so it is left out and the target's default applies."""

    @classmethod
    def for_object(cls, obj: ObjectMeta, field_map: Mapping[str, str], member_map: Mapping[str, str | None],
                   deferred_columns: set[str], skip: set[str] | None = None) -> PayloadBuilder:
        members = {f.join_column for f in obj.fields if f.join_column and f.target_object == MEMBER_OBJECT}
        relations = {f.join_column for f in obj.fields if f.join_column and f.target_object != MEMBER_OBJECT}
        required = frozenset(f.join_column or f.name for f in obj.fields if not f.is_nullable) | {"position"}
        return cls(field_map, frozenset(members), frozenset(relations), frozenset(deferred_columns), member_map, frozenset(skip or ()),  # type: ignore[arg-type]
                   required)

    def build(self, record: Mapping[str, Any], remap: Mapping[str, str]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for source_key, target_key in self.field_map.items():
            if source_key in self.deferred_columns or source_key in self.skip or source_key not in record:
                continue
            value = record[source_key]
            if value is None and source_key in self.required:
                continue  # Twenty refuses null there (a null position is NaN); an absent value takes the default
            if source_key in self.member_columns:
                value = self.member_map.get(value) if value else None
            elif source_key in self.relation_columns:
                value = remap.get(value, value) if value else None
            elif source_key == "createdBy":
                if not isinstance(value, dict) or not value.get("name"):
                    continue
                member = value.get("workspaceMemberId")
                value = {**value, "workspaceMemberId": self.member_map.get(member) if member else None}
            body[target_key] = value
        return body

    def deferred_values(self, record: Mapping[str, Any], remap: Mapping[str, str]) -> dict[str, str]:
        """The second-pass body of a record: its deferred join columns that are set."""
        out = {}
        for column in self.deferred_columns:
            value = record.get(column)
            if value and column in self.field_map:
                out[self.field_map[column]] = remap.get(value, value)
        return out
