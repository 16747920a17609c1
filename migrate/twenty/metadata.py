"""Reading a workspace's data model from Twenty's metadata GraphQL API (`POST /metadata`).

GraphQL is used because the REST field DTO lacks the relation's target (api.md §7.1-§7.2).
Objects come from `objects(paging: {first: 1000})` (nestjs-query pages at 10 by default) with
`fieldsList` (newer servers) or the older `fields` connection.
"""

from __future__ import annotations

from typing import Any

from migrate.model import FieldMeta, ObjectMeta

FIELD_SELECTION = """
  id name label type isCustom isSystem isActive isNullable isUnique defaultValue options settings
  relation {
    type
    targetObjectMetadata { nameSingular }
    targetFieldMetadata { name }
  }
"""

OBJECTS_QUERY = """
query Objects($after: String) {
  objects(paging: {first: 1000, after: $after}) {
    edges { node {
      id nameSingular namePlural labelSingular labelPlural isCustom isSystem isActive
      fieldsList { %s }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
""" % FIELD_SELECTION

OBJECTS_QUERY_CONNECTION = """
query Objects($after: String) {
  objects(paging: {first: 1000, after: $after}) {
    edges { node {
      id nameSingular namePlural labelSingular labelPlural isCustom isSystem isActive
      fields(paging: {first: 1000}) { edges { node { %s } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
""" % FIELD_SELECTION


def parse_field(node: dict[str, Any]) -> FieldMeta:
    relation = node.get("relation") or None
    relation_type = relation.get("type") if relation else None
    settings = node.get("settings") if isinstance(node.get("settings"), dict) else None
    join_column = None
    if relation_type == "MANY_TO_ONE":
        join_column = (settings or {}).get("joinColumnName") or f"{node['name']}Id"
    options = node.get("options")
    return FieldMeta(
        name=node["name"],
        type=node["type"],
        label=node.get("label") or "",
        id=node.get("id") or "",
        is_nullable=node.get("isNullable", True) is not False,
        is_unique=bool(node.get("isUnique")),
        is_custom=bool(node.get("isCustom")),
        is_system=bool(node.get("isSystem")),
        is_active=node.get("isActive", True) is not False,
        default_value=node.get("defaultValue"),
        options=tuple(options) if isinstance(options, list) else None,
        settings=settings,
        relation_type=relation_type,
        target_object=((relation or {}).get("targetObjectMetadata") or {}).get("nameSingular"),
        target_field=((relation or {}).get("targetFieldMetadata") or {}).get("name"),
        join_column=join_column,
    )


def parse_object(node: dict[str, Any]) -> ObjectMeta:
    if "fieldsList" in node:
        raw_fields = node["fieldsList"] or []
    else:
        raw_fields = [edge["node"] for edge in (node.get("fields") or {}).get("edges", [])]
    return ObjectMeta(
        name_singular=node["nameSingular"],
        name_plural=node["namePlural"],
        label_singular=node.get("labelSingular") or "",
        label_plural=node.get("labelPlural") or "",
        id=node.get("id") or "",
        is_custom=bool(node.get("isCustom")),
        is_system=bool(node.get("isSystem")),
        is_active=node.get("isActive", True) is not False,
        fields=tuple(parse_field(f) for f in raw_fields),
    )
