"""Views and their children (fields, filters, filter groups, sorts, groups): state and rules.

Era C, views as core metadata (config.md §1.2-§1.5): `metadata-modules/view/entities/view.entity.ts`,
`view-field/entities/view-field.entity.ts`, `view-filter/…`, `view-sort/…`, `view-group/…`,
`view/services/view.service.ts` (INDEX view per object, `isCustom` forced true on create, private
views kept from other callers), `view/exceptions/view.exception.ts` (wording).
"""

from __future__ import annotations

import re
from typing import Any

from migrate.emulator.config_rows import ConfigRows, config_rows, new_id
from migrate.emulator.datamodel import ObjectDef
from migrate.emulator.envelopes import TwentyHTTPError, bad_request, not_found
from migrate.emulator.records import Caller
from migrate.emulator.workspace import Workspace, utc_now

VIEW_TYPES = ("TABLE", "KANBAN", "CALENDAR", "FIELDS_WIDGET", "TABLE_WIDGET", "CALENDAR_WIDGET")
VISIBILITIES = ("WORKSPACE", "UNLISTED", "USER")
CALENDAR_LAYOUTS = ("DAY", "WEEK", "MONTH")
OPEN_RECORD_IN = ("SIDE_PANEL", "RECORD_PAGE")
AGGREGATES = ("AVG", "COUNT", "MAX", "MIN", "SUM", "COUNT_EMPTY", "COUNT_NOT_EMPTY", "COUNT_UNIQUE_VALUES",
              "PERCENTAGE_EMPTY", "PERCENTAGE_NOT_EMPTY", "COUNT_TRUE", "COUNT_FALSE")
OPERANDS = ("IS", "IS_NOT", "CONTAINS", "DOES_NOT_CONTAIN", "IS_EMPTY", "IS_NOT_EMPTY", "GREATER_THAN_OR_EQUAL",
            "LESS_THAN_OR_EQUAL", "GREATER_THAN", "LESS_THAN", "IS_BEFORE", "IS_AFTER", "IS_RELATIVE", "IS_IN_PAST",
            "IS_IN_FUTURE", "IS_TODAY", "VECTOR_SEARCH", "IS_NOT_NULL")
"""`ViewFilterOperand` of twenty-shared (UPPER_SNAKE in core; config.md §1.1-§1.3)."""
LOGICAL_OPERATORS = ("AND", "OR", "NOT")
DIRECTIONS = ("ASC", "DESC")
INDEX_NAME = "All {objectLabelPlural}"
"""`view/constants/index-view-name.constant.ts`: the stored INDEX name, translated on read."""
_BAD_NAME = re.compile(r"['\"\\;.=*/]")
_RESERVED = frozenset({"not", "or", "and", "Int", "Float", "Boolean", "String", "ID"})

VIEW_KEYS: dict[str, Any] = {
    "name": None, "objectMetadataId": None, "type": "TABLE", "key": None, "icon": "IconList", "position": 0,
    "isCompact": False, "openRecordIn": "SIDE_PANEL", "kanbanAggregateOperation": None,
    "kanbanAggregateOperationFieldMetadataId": None, "mainGroupByFieldMetadataId": None, "calendarLayout": None,
    "calendarFieldMetadataId": None, "shouldHideEmptyGroups": False, "kanbanColumnWidth": None,
    "anyFieldFilterValue": None, "visibility": "WORKSPACE",
}
CHILD_KEYS: dict[str, dict[str, Any]] = {
    "viewField": {"fieldMetadataId": None, "isVisible": True, "size": 0, "position": 0, "aggregateOperation": None},
    "viewFilter": {"fieldMetadataId": None, "operand": "IS", "value": "", "viewFilterGroupId": None,
                   "positionInViewFilterGroup": None, "subFieldName": None},
    "viewFilterGroup": {"parentViewFilterGroupId": None, "logicalOperator": "AND", "positionInViewFilterGroup": None},
    "viewSort": {"fieldMetadataId": None, "direction": "ASC"},
    "viewGroup": {"fieldMetadataId": None, "fieldValue": "", "isVisible": True, "position": 0},
}
CHILD_LISTS = {"viewFields": "viewField", "viewFilters": "viewFilter", "viewFilterGroups": "viewFilterGroup",
               "viewSorts": "viewSort", "viewGroups": "viewGroup"}


def view_not_found(view_id: str | None = None) -> TwentyHTTPError:
    return not_found(f"View{f' (id: {view_id})' if view_id else ''} not found")


def rows(ws: Workspace) -> ConfigRows:
    """The configuration rows, with every object's INDEX view made on first use."""
    table = config_rows(ws)
    if not ws.store.get_meta("views_initialised"):
        ws.store.set_meta("views_initialised", True)
        for obj in list(ws.objects.values()):
            create_index_view(ws, obj)
    return table


# views ------------------------------------------------------------------------------------------
def create_index_view(ws: Workspace, obj: ObjectDef) -> dict[str, Any]:
    """The INDEX view Twenty makes with every object, standard or custom (`object-metadata` service
    calls `createViewWithViewFields` / `seed-object-default-view.service.ts`)."""
    table = rows(ws)
    existing = [v for v in table.all("view") if v["objectMetadataId"] == obj.id and v["key"] == "INDEX"]
    if existing:
        return existing[0]
    now = utc_now()
    view = {"id": new_id(), **VIEW_KEYS, "name": INDEX_NAME, "objectMetadataId": obj.id, "key": "INDEX", "isCustom": False,
            "createdByUserWorkspaceId": None, "workspaceId": ws.workspace_id, "createdAt": now, "updatedAt": now, "deletedAt": None}
    table.insert("view", view)
    shown = [f for f in obj.fields if not f.is_system and f.name not in ("deletedAt", "updatedAt") and f.relation_type != "ONE_TO_MANY"]
    shown.sort(key=lambda f: f.name != obj.label_identifier)
    for position, field in enumerate(shown):
        table.insert("viewField", {"id": new_id(), **CHILD_KEYS["viewField"], "viewId": view["id"], "fieldMetadataId": field.id,
                                   "size": 180 if position == 0 else 150, "position": position, "isVisible": position < 8,
                                   "workspaceId": ws.workspace_id, "createdAt": now, "updatedAt": now, "deletedAt": None})
    return view


def _owner(caller: Caller) -> str | None:
    """`createdByUserWorkspaceId`: the calling user; an API key has none (config.md §1.5)."""
    return caller.api_key_id if caller.user_session else None


def is_visible(view: dict[str, Any], caller: Caller) -> bool:
    """`ViewService.findByWorkspaceId`: WORKSPACE views, plus private ones the caller created."""
    if view.get("deletedAt"):
        return False
    return view["visibility"] == "WORKSPACE" or (view["createdByUserWorkspaceId"] is not None and view["createdByUserWorkspaceId"] == _owner(caller))


def view_to_wire(ws: Workspace, view: dict[str, Any]) -> dict[str, Any]:
    obj = ws.object_by_id(view["objectMetadataId"])
    label = obj.label_plural if obj else ""
    return {**view, "name": view["name"].replace("{objectLabelPlural}", label)}


def list_views(ws: Workspace, caller: Caller, object_metadata_id: str | None = None) -> list[dict[str, Any]]:
    views = rows(ws).all("view", lambda v: is_visible(v, caller) and ws.object_by_id(v["objectMetadataId"]) is not None)
    if object_metadata_id:
        views = [v for v in views if v["objectMetadataId"] == object_metadata_id]
    return [view_to_wire(ws, v) for v in views]


def get_view(ws: Workspace, view_id: str) -> dict[str, Any]:
    """`getCoreView(id)`: any live view by id, private ones included (config.md §1.5)."""
    return view_to_wire(ws, rows(ws).one("view", view_id, view_not_found(view_id)))


def _check_name(name: Any) -> str:
    """`is-valid-metadata-name.decorator.ts` on `CreateViewInput.name`."""
    if not isinstance(name, str) or not name.strip():
        raise bad_request("name should not be empty")
    if _BAD_NAME.search(name) or name in _RESERVED:
        raise bad_request(f"{name} is not a valid name")
    return name


def _check_enum(key: str, value: Any, allowed: tuple[str, ...], nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if value not in allowed:
        raise bad_request(f"{key} must be one of the following values: {', '.join(allowed)}")


def _check_field(ws: Workspace, obj: ObjectDef | None, field_id: Any, key: str = "fieldMetadataId") -> None:
    if field_id is None:
        return
    if obj is None or all(f.id != field_id for f in obj.fields):
        raise bad_request(f"Field metadata not found for {key} {field_id}")


def _check_view(ws: Workspace, view: dict[str, Any]) -> None:
    obj = ws.object_by_id(str(view.get("objectMetadataId")))
    if obj is None:
        raise bad_request("ObjectMetadataId is required" if not view.get("objectMetadataId") else "Object metadata not found")
    _check_name(view["name"])
    _check_enum("type", view["type"], VIEW_TYPES)
    _check_enum("visibility", view["visibility"], VISIBILITIES)
    _check_enum("key", view["key"], ("INDEX",), nullable=True)
    _check_enum("calendarLayout", view["calendarLayout"], CALENDAR_LAYOUTS, nullable=True)
    _check_enum("openRecordIn", view["openRecordIn"], OPEN_RECORD_IN, nullable=True)
    _check_enum("kanbanAggregateOperation", view["kanbanAggregateOperation"], AGGREGATES, nullable=True)
    for key in ("kanbanAggregateOperationFieldMetadataId", "mainGroupByFieldMetadataId", "calendarFieldMetadataId"):
        _check_field(ws, obj, view.get(key), key)
    if view["type"] == "CALENDAR" and not (view["calendarLayout"] and view["calendarFieldMetadataId"]):
        raise bad_request('new row for relation "view" violates check constraint "CHK_VIEW_CALENDAR_INTEGRITY"')


def create_view(ws: Workspace, data: Any, caller: Caller) -> dict[str, Any]:
    """`createCoreView` / `POST /rest/metadata/views`: id may be given; `isCustom` is true."""
    if not isinstance(data, dict):
        raise bad_request("Invalid input: a view must be a JSON object")
    table = rows(ws)
    now = utc_now()
    view = {"id": new_id(data.get("id")), **{k: data.get(k, d) for k, d in VIEW_KEYS.items()}, "isCustom": True,
            "createdByUserWorkspaceId": _owner(caller), "workspaceId": ws.workspace_id, "createdAt": now, "updatedAt": now, "deletedAt": None}
    _check_view(ws, view)
    if view["key"] == "INDEX" and any(v["objectMetadataId"] == view["objectMetadataId"] and v["key"] == "INDEX" and not v["deletedAt"]
                                      for v in table.all("view")):
        raise bad_request("An INDEX view already exists for this object")
    return view_to_wire(ws, table.insert("view", view))


def update_view(ws: Workspace, view_id: str, update: Any) -> dict[str, Any]:
    """`updateCoreView(id, input)` / `PATCH /rest/metadata/views/:id`; objectMetadataId and key stay."""
    table = rows(ws)
    view = table.one("view", view_id, view_not_found(view_id))
    if not isinstance(update, dict):
        raise bad_request(f"Invalid view data for view id: {view_id}")
    changed = {**view, **{k: v for k, v in update.items() if k in VIEW_KEYS and k not in ("objectMetadataId", "key")}}
    _check_view(ws, changed)
    changed["updatedAt"] = utc_now()
    return view_to_wire(ws, table.save("view", changed))


def delete_view(ws: Workspace, view_id: str, *, destroy: bool = False) -> dict[str, Any]:
    """`deleteCoreView` (soft) and `destroyCoreView`; an INDEX view cannot go."""
    table = rows(ws)
    view = table.get("view", view_id) if destroy else table.one("view", view_id, view_not_found(view_id))
    if view is None:
        raise view_not_found(view_id)
    if view["key"] == "INDEX":
        raise bad_request("Cannot delete INDEX view")
    if destroy:
        for kind in CHILD_KEYS:
            for child in table.all(kind, lambda c: c["viewId"] == view_id):
                table.delete(kind, child["id"])
        table.delete("view", view_id)
    else:
        view = table.save("view", {**view, "deletedAt": utc_now()})
    return view_to_wire(ws, view)


# children ---------------------------------------------------------------------------------------
def child_not_found(kind: str, row_id: str) -> TwentyHTTPError:
    return not_found(f"{kind[0].upper()}{kind[1:]} (id: {row_id}) not found")


def list_children(ws: Workspace, kind: str, view_id: str | None = None) -> list[dict[str, Any]]:
    table = rows(ws)
    return table.all(kind, lambda c: not c["deletedAt"] and (view_id is None or c["viewId"] == view_id))


def get_child(ws: Workspace, kind: str, row_id: str) -> dict[str, Any]:
    return rows(ws).one(kind, row_id, child_not_found(kind, row_id))


def _check_child(ws: Workspace, kind: str, row: dict[str, Any], table: ConfigRows) -> None:
    view = table.get("view", str(row.get("viewId")))
    if view is None or view["deletedAt"]:
        raise view_not_found(row.get("viewId"))
    obj = ws.object_by_id(view["objectMetadataId"])
    if "fieldMetadataId" in CHILD_KEYS[kind]:
        if not row.get("fieldMetadataId"):
            raise bad_request("fieldMetadataId should not be empty")
        _check_field(ws, obj, row["fieldMetadataId"])
    siblings = [c for c in table.all(kind, lambda c: c["viewId"] == row["viewId"] and not c["deletedAt"]) if c["id"] != row["id"]]
    if kind in ("viewField", "viewSort", "viewGroup") and any(
            c["fieldMetadataId"] == row["fieldMetadataId"] and (kind != "viewGroup" or c["fieldValue"] == row["fieldValue"]) for c in siblings):
        # IDX_…_FIELD_METADATA_ID_VIEW_ID_UNIQUE (view-field.entity.ts, view-sort.entity.ts): among live rows
        raise bad_request(f'duplicate key value violates unique constraint "IDX_{kind.upper()}_FIELD_METADATA_ID_VIEW_ID_UNIQUE"')
    if kind == "viewFilter":
        _check_enum("operand", row["operand"], OPERANDS)
    if kind == "viewSort":
        _check_enum("direction", row["direction"], DIRECTIONS)
    if kind == "viewFilterGroup":
        _check_enum("logicalOperator", row["logicalOperator"], LOGICAL_OPERATORS)
    group_key = "parentViewFilterGroupId" if kind == "viewFilterGroup" else "viewFilterGroupId" if kind == "viewFilter" else None
    if group_key and row.get(group_key):
        group = table.get("viewFilterGroup", row[group_key])
        if group is None or group["deletedAt"] or group["viewId"] != row["viewId"] or group["id"] == row["id"]:
            raise bad_request(f"{group_key} {row[group_key]} is not a filter group of view {row['viewId']}")


def create_child(ws: Workspace, kind: str, data: Any) -> dict[str, Any]:
    """`createCoreViewField` and the like (ids accepted, `CreateViewFieldInput.id`)."""
    if not isinstance(data, dict):
        raise bad_request(f"Invalid input: a {kind} must be a JSON object")
    table = rows(ws)
    now = utc_now()
    row = {"id": new_id(data.get("id")), "viewId": data.get("viewId"), **{k: data.get(k, d) for k, d in CHILD_KEYS[kind].items()},
           "workspaceId": ws.workspace_id, "createdAt": now, "updatedAt": now, "deletedAt": None}
    _check_child(ws, kind, row, table)
    return table.insert(kind, row)


def update_child(ws: Workspace, kind: str, row_id: str, update: Any) -> dict[str, Any]:
    table = rows(ws)
    row = table.one(kind, row_id, child_not_found(kind, row_id))
    if not isinstance(update, dict):
        raise bad_request(f"Invalid input: an update of a {kind} must be a JSON object")
    changed = {**row, **{k: v for k, v in update.items() if k in CHILD_KEYS[kind] and k != "fieldMetadataId"}, "updatedAt": utc_now()}
    _check_child(ws, kind, changed, table)
    return table.save(kind, changed)


def delete_child(ws: Workspace, kind: str, row_id: str, *, destroy: bool = False) -> dict[str, Any]:
    table = rows(ws)
    row = table.get(kind, row_id) if destroy else table.one(kind, row_id, child_not_found(kind, row_id))
    if row is None:
        raise child_not_found(kind, row_id)
    if destroy:
        table.delete(kind, row_id)
        return row
    return table.save(kind, {**row, "deletedAt": utc_now()})
