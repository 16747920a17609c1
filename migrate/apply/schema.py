"""Phase one of apply: create the data model the plan found missing, idempotently.

Each step is looked up in the target before it is made (a run killed after the server created an
object but before the journal noted it finds it there), and journaled with the target's id, so
`rollback` can remove exactly what this migration added.
"""

from __future__ import annotations

from typing import Any

from migrate.apply.journal import Journal
from migrate.errors import TwentyValidationError
from migrate.model import ObjectMeta
from migrate.plan.plan import Plan
from migrate.twenty import writes
from migrate.twenty.client import TwentyClient


async def apply_schema(plan: Plan, client: TwentyClient, journal: Journal, notes: list[str]) -> dict[str, ObjectMeta]:
    """Create objects, fields and options; return the target's data model afterwards."""
    objects = {o.name_singular: o for o in await client.objects()}
    for spec in plan.create_objects:
        name = spec["name_singular"]
        if name in objects:
            step = journal.schema_step("object", name, name)
            if step is None or not step[0]:
                # No step: it existed before. A step without an id: this migration asked for it and
                # was killed before the answer was journaled, so it is ours to roll back.
                journal.record_schema_step("object", name, name, objects[name].id, created=step is not None)
            continue
        journal.record_schema_step("object", name, name, "", created=True)
        try:
            object_id = await writes.create_object(client, {"nameSingular": spec["name_singular"], "namePlural": spec["name_plural"],
                                                            "labelSingular": spec["label_singular"], "labelPlural": spec["label_plural"]})
        except TwentyValidationError:
            # The client retried a create whose answer was lost: the first attempt may have landed.
            landed = next((o for o in await client.objects() if o.name_singular == name), None)
            if landed is None:
                raise
            object_id = landed.id
        journal.record_schema_step("object", name, name, object_id, created=True)
        notes.append(f"created object {name}")
    if plan.create_objects:
        objects = {o.name_singular: o for o in await client.objects()}
    for spec in plan.create_fields:
        obj = objects[spec["object"]]
        if obj.field(spec["name"]) is not None:
            step = journal.schema_step("field", spec["object"], spec["name"])
            if step is None or not step[0]:
                journal.record_schema_step("field", spec["object"], spec["name"], obj.field(spec["name"]).id,  # type: ignore[union-attr]
                                           created=step is not None)
            continue
        journal.record_schema_step("field", spec["object"], spec["name"], "", created=True)
        body: dict[str, Any] = {"objectMetadataId": obj.id, "type": spec["type"], "name": spec["name"], "label": spec["label"],
                                "isNullable": spec["is_nullable"], "isUnique": spec["is_unique"]}
        if spec.get("default_value") is not None:
            body["defaultValue"] = spec["default_value"]
        if spec.get("options"):
            body["options"] = [{k: o[k] for k in ("label", "value", "color", "position") if k in o} for o in spec["options"]]
        if spec.get("settings") and spec["type"] != "RELATION":
            body["settings"] = spec["settings"]
        relation = spec.get("relation")
        if relation:
            target = objects[relation["target_object"]]
            body["relationCreationPayload"] = {"targetObjectMetadataId": target.id, "targetFieldLabel": relation["target_field_label"],
                                               "targetFieldIcon": "IconBuildingSkyscraper", "type": "MANY_TO_ONE"}
            body.pop("isUnique")
        try:
            field_id = await writes.create_field(client, body)
        except TwentyValidationError:
            # As above: a retried create whose first attempt landed is refused as a duplicate name.
            owner = next((o for o in await client.objects() if o.name_singular == spec["object"]), None)
            landed_field = owner.field(spec["name"]) if owner else None
            if landed_field is None:
                raise
            field_id = landed_field.id
        journal.record_schema_step("field", spec["object"], spec["name"], field_id, created=True)
        notes.append(f"created field {spec['object']}.{spec['name']}")
        objects = {o.name_singular: o for o in await client.objects()} if relation else objects
    for spec in plan.add_options:
        obj = objects[spec["object"]]
        current = obj.field(spec["field"])
        if current is None:
            continue
        have = {o.get("value") for o in current.options or ()}
        lacking = [o for o in spec["options"] if o.get("value") not in have]
        if lacking:
            merged = [*(current.options or ()), *({k: o[k] for k in ("label", "value", "color") if k in o} for o in lacking)]
            await writes.update_field(client, current.id, {"options": merged})
            notes.append(f"added {len(lacking)} options to {spec['object']}.{spec['field']}")
    return {o.name_singular: o for o in await client.objects()}
