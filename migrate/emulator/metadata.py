"""Metadata: the wire shape of objects and fields, and creating custom ones.

Shapes follow `packages/twenty-server/src/engine/metadata-modules/object-metadata/dtos/
object-metadata.dto.ts` and `field-metadata/dtos/field-metadata.dto.ts`; creation follows
`create-object.input.ts` / `create-field.input.ts` with `relationCreationPayload` making both
sides of a relation (api.md §7). A new custom object gets the standard fields and a morph arm
on note targets, task targets and attachments, as Twenty adds them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from migrate.emulator.datamodel import (
    ACTIVITY_LINKS,
    DEFAULT_TIME,
    FieldDef,
    IdMaker,
    ObjectDef,
    morph_target,
    one_to_many,
    system_fields,
)
from migrate.emulator.envelopes import TwentyHTTPError, bad_request, not_found
from migrate.emulator.workspace import Workspace
from migrate.model import FieldType

NAME_PATTERN = re.compile(r"^[a-z][a-zA-Z0-9]*$")
OPTION_VALUE_PATTERN = re.compile(r"^[A-Z0-9]+(_[A-Z0-9]+)*$")
RESERVED_NAMES = frozenset({"id", "and", "or", "not", "type", "object", "objects", "field", "fields"})
CREATABLE_TYPES: frozenset[str] = frozenset(FieldType.__args__) - {"TS_VECTOR", "MORPH_RELATION"}  # type: ignore[attr-defined]


def _ref(obj: ObjectDef) -> dict[str, Any]:
    return {"id": obj.id, "nameSingular": obj.name_singular, "namePlural": obj.name_plural}


def field_to_wire(obj: ObjectDef, field: FieldDef, objects: dict[str, ObjectDef]) -> dict[str, Any]:
    """A field as `GET /rest/metadata/fields` and the metadata GraphQL API return it."""
    relation = None
    target = objects.get(field.target_object or "")
    if field.relation_type and target is not None:
        inverse = target.by_name.get(field.target_field or "")
        relation = {
            "type": field.relation_type,
            "sourceObjectMetadata": _ref(obj),
            "targetObjectMetadata": _ref(target),
            "sourceFieldMetadata": {"id": field.id, "name": field.name},
            "targetFieldMetadata": {"id": inverse.id, "name": inverse.name} if inverse else None,
        }
    return {
        "id": field.id,
        "objectMetadataId": obj.id,
        "name": field.name,
        "label": field.label,
        "type": field.type,
        "description": field.description,
        "icon": field.icon,
        "defaultValue": field.default_value,
        "options": list(field.options) if field.options is not None else None,
        "settings": field.settings,
        "isCustom": field.is_custom,
        "isActive": field.is_active,
        "isSystem": field.is_system,
        "isNullable": field.is_nullable,
        "isUnique": field.is_unique,
        "isLabelSyncedWithName": False,
        "morphId": field.morph_id,
        "relation": relation,
        "createdAt": obj.created_at,
        "updatedAt": obj.created_at,
    }


def object_to_wire(obj: ObjectDef, objects: dict[str, ObjectDef], *, with_fields: bool = True) -> dict[str, Any]:
    identifier = obj.by_name.get(obj.label_identifier or "")
    wire: dict[str, Any] = {
        "id": obj.id,
        "nameSingular": obj.name_singular,
        "namePlural": obj.name_plural,
        "labelSingular": obj.label_singular,
        "labelPlural": obj.label_plural,
        "description": obj.description,
        "icon": obj.icon,
        "isCustom": obj.is_custom,
        "isRemote": False,
        "isActive": obj.is_active,
        "isSystem": obj.is_system,
        "isSearchable": not obj.is_system,
        "labelIdentifierFieldMetadataId": identifier.id if identifier else None,
        "imageIdentifierFieldMetadataId": None,
        "isLabelSyncedWithName": False,
        "createdAt": obj.created_at,
        "updatedAt": obj.created_at,
    }
    if with_fields:
        wire["fields"] = [field_to_wire(obj, f, objects) for f in obj.fields]
    return wire


_LODASH_WORDS = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|[^A-Za-z]|$)|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def _camel(label: str) -> str:
    """`computeMetadataNameFromLabel` (research note §4): transliterate and slugify, prefix `n_`
    before a leading digit, then lodash `camelCase` (words split at humps and digits, lower-cased)."""
    import unicodedata

    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().strip()
    slug = "_".join(re.findall(r"[A-Za-z0-9]+", ascii_label))
    if slug[:1].isdigit():
        slug = "n_" + slug
    words = [w.lower() for w in _LODASH_WORDS.findall(slug)]
    name = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else ""
    return name + "Custom" if name in RESERVED_NAMES else name


def _require_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        # `validate-metadata-name-is-camel-case.utils.ts`: t`${name} should be in camelCase`
        raise bad_request(f"{value} should be in camelCase")
    if value in RESERVED_NAMES:
        raise bad_request(f"The name '{value}' is not available")
    return value


def create_object(ws: Workspace, data: Any) -> ObjectDef:
    """`createOneObject`: a custom object with the standard fields and activity links."""
    if not isinstance(data, dict):
        raise bad_request("Invalid input: an object must be a JSON object")
    singular = _require_name(data.get("nameSingular"), "nameSingular")
    plural = _require_name(data.get("namePlural"), "namePlural")
    if singular == plural:
        raise bad_request("The singular and plural name cannot be the same for an object")
    for other in ws.objects.values():
        if {singular, plural} & {other.name_singular, other.name_plural}:
            # OBJECT_ALREADY_EXISTS → ConflictError (`object-metadata-graphql-api-exception-handler.util.ts`)
            raise TwentyHTTPError(409, "ConflictException", ["Object already exists"])
    for key in ("labelSingular", "labelPlural"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise bad_request(f"{key} should not be empty")
    ids = IdMaker(ws.workspace_id)
    name_field = FieldDef(ids(singular, "name"), "name", "Name", "TEXT", default_value="'Untitled'")
    links = [one_to_many(ids, singular, inverse, inverse[0].upper() + inverse[1:], link, "target" + singular[0].upper() + singular[1:])
             for link, inverse in ACTIVITY_LINKS.items()]
    obj = ObjectDef(
        ids(singular), singular, plural, data["labelSingular"], data["labelPlural"],
        (*system_fields(ids, singular), name_field, *links), is_custom=True,
        description=data.get("description"), icon=data.get("icon"), created_at=DEFAULT_TIME,
    )
    objects = dict(ws.objects)
    for link, inverse in ACTIVITY_LINKS.items():
        owner = objects[link]
        objects[link] = owner.with_fields((*owner.fields, morph_target(ids, link, singular, inverse)))
    objects[singular] = obj
    ws.set_objects(list(objects.values()))
    from migrate.emulator import views  # the INDEX view comes with the object (config.md §1.2)

    views.create_index_view(ws, obj)
    return obj


def _options(data: dict[str, Any], field_type: str, ids: IdMaker, owner: str) -> tuple[dict[str, Any], ...] | None:
    raw = data.get("options")
    if field_type not in ("SELECT", "MULTI_SELECT", "RATING"):
        return None
    if field_type == "RATING" and raw is None:
        raw = [{"label": str(n), "value": f"RATING_{n}", "position": n - 1} for n in range(1, 6)]
    if not isinstance(raw, list) or not raw:
        raise bad_request("Options are required for enum fields")
    out = []
    for position, option in enumerate(raw):
        value = option.get("value") if isinstance(option, dict) else None
        if not isinstance(value, str) or not OPTION_VALUE_PATTERN.match(value):
            raise bad_request("Value must be in UPPER_CASE and follow snake_case")
        out.append({"id": option.get("id") or ids(owner, "option", value), "label": option.get("label", value),
                    "value": value, "color": option.get("color", "gray"), "position": option.get("position", position)})
    if len({o["value"] for o in out}) != len(out):
        raise bad_request("Options must have unique values")
    return tuple(out)


def create_field(ws: Workspace, data: Any) -> FieldDef:
    """`createOneField`; a RELATION also creates its inverse on the target object."""
    if not isinstance(data, dict):
        raise bad_request("Invalid input: a field must be a JSON object")
    obj = ws.object_by_id(str(data.get("objectMetadataId")))
    if obj is None:
        raise not_found("Object metadata does not exist")
    name = _require_name(data.get("name"), "name")
    field_type = data.get("type")
    if field_type not in CREATABLE_TYPES:
        raise bad_request(f"Invalid field type: {field_type}")
    if name in obj.by_name or f"{name}Id" in {f.join_column for f in obj.fields}:
        raise bad_request(f"Name \"{name}\" is not available, check that it is not duplicating another field's name")
    if not isinstance(data.get("label"), str) or not data["label"].strip():
        raise bad_request("label should not be empty")
    ids = IdMaker(ws.workspace_id)
    objects = dict(ws.objects)
    common = {"label": data["label"], "description": data.get("description"), "icon": data.get("icon"), "is_custom": True}
    if field_type == "RELATION":
        payload = data.get("relationCreationPayload")
        if not isinstance(payload, dict):
            raise bad_request("relationCreationPayload is required for a RELATION field")
        target = ws.object_by_id(str(payload.get("targetObjectMetadataId")))
        if target is None:
            raise not_found("Target object metadata does not exist")
        kind = payload.get("type")
        if kind not in ("MANY_TO_ONE", "ONE_TO_MANY"):
            raise bad_request(f"Invalid relation type: {kind}")
        inverse_name = _camel(str(payload.get("targetFieldLabel") or ""))
        _require_name(inverse_name, "targetFieldLabel")
        if inverse_name in target.by_name:
            raise bad_request(f"Name \"{inverse_name}\" is not available on {target.name_singular}")
        inverse_kind = "ONE_TO_MANY" if kind == "MANY_TO_ONE" else "MANY_TO_ONE"
        on_delete = "SET_NULL"
        field = FieldDef(ids(obj.name_singular, name), name, relation_type=kind, target_object=target.name_singular,
                         target_field=inverse_name, type="RELATION", on_delete=on_delete if kind == "MANY_TO_ONE" else None,
                         settings={"relationType": kind, **({"joinColumnName": f"{name}Id", "onDelete": on_delete} if kind == "MANY_TO_ONE" else {})},
                         **common)
        inverse = FieldDef(ids(target.name_singular, inverse_name), inverse_name, str(payload.get("targetFieldLabel")), "RELATION",
                           icon=payload.get("targetFieldIcon"), is_custom=True, relation_type=inverse_kind,
                           target_object=obj.name_singular, target_field=name,
                           on_delete=on_delete if inverse_kind == "MANY_TO_ONE" else None,
                           settings={"relationType": inverse_kind, **({"joinColumnName": f"{inverse_name}Id", "onDelete": on_delete} if inverse_kind == "MANY_TO_ONE" else {})})
        objects[obj.name_singular] = obj.with_fields((*obj.fields, field))
        if target.name_singular == obj.name_singular:
            objects[obj.name_singular] = objects[obj.name_singular].with_fields((*objects[obj.name_singular].fields, inverse))
        else:
            objects[target.name_singular] = target.with_fields((*target.fields, inverse))
    else:
        field = FieldDef(
            ids(obj.name_singular, name), name, type=field_type, is_nullable=data.get("isNullable", True) is not False,
            is_unique=bool(data.get("isUnique")), default_value=data.get("defaultValue"),
            options=_options(data, field_type, ids, f"{obj.name_singular}.{name}"), settings=data.get("settings"), **common,
        )
        if field.is_unique and _has_clash(ws, obj, field):
            raise bad_request(f"Cannot make field {name} unique: existing records hold duplicate values")
        objects[obj.name_singular] = obj.with_fields((*obj.fields, field))
    ws.set_objects(list(objects.values()))
    return field


def _has_clash(ws: Workspace, obj: ObjectDef, field: FieldDef) -> bool:
    expr = f"json_extract(data, '$.\"{field.name}\"')"
    row = ws.store.conn.execute(
        f'SELECT 1 FROM "r_{obj.name_singular}" WHERE {expr} IS NOT NULL GROUP BY {expr} HAVING count(*) > 1 LIMIT 1'
    ).fetchone()
    return row is not None


def find_field(ws: Workspace, field_id: str) -> tuple[ObjectDef, FieldDef]:
    for obj in ws.objects.values():
        for field in obj.fields:
            if field.id == field_id:
                return obj, field
    raise bad_request("Field does not exist")


UPDATABLE_FIELD_KEYS = {"label": "label", "description": "description", "icon": "icon", "isActive": "is_active",
                        "defaultValue": "default_value", "options": "options"}


def update_field(ws: Workspace, field_id: str, update: Any) -> FieldDef:
    """`updateOneField`: labels, icon, description, options, default and isActive can change."""
    obj, field = find_field(ws, field_id)
    if not isinstance(update, dict):
        raise bad_request("Invalid input: an update must be a JSON object")
    changes: dict[str, Any] = {}
    for key, value in update.items():
        if key == "name" and value != field.name:
            if not field.is_custom:
                raise bad_request("Standard field name cannot be updated")
            changes["name"] = _require_name(value, "name")
        elif key == "options":
            changes["options"] = _options(update, field.type, IdMaker(ws.workspace_id), f"{obj.name_singular}.{field.name}")
        elif key in UPDATABLE_FIELD_KEYS:
            changes[UPDATABLE_FIELD_KEYS[key]] = value
    new_field = replace(field, **changes)
    objects = dict(ws.objects)
    objects[obj.name_singular] = obj.with_fields(tuple(new_field if f.id == field.id else f for f in obj.fields))
    ws.set_objects(list(objects.values()))
    return new_field


def delete_object(ws: Workspace, object_id: str) -> ObjectDef:
    """`deleteOneObject`: custom objects only; relations pointing at it go with it."""
    obj = ws.object_by_id(object_id)
    if obj is None:
        raise not_found("Object does not exist")
    if not obj.is_custom:
        raise bad_request("Standard objects cannot be deleted")
    objects = {k: v.with_fields(tuple(f for f in v.fields if f.target_object != obj.name_singular))
               for k, v in ws.objects.items() if k != obj.name_singular}
    ws.store.drop_table(obj)
    ws.set_objects(list(objects.values()))
    return obj
