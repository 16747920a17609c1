"""Views in the configuration phase: every WORKSPACE view of the source with its fields, filter
groups (parents first), filters, sorts and groups, its object and field ids rewritten by API name.

An INDEX view is never created: the target's own INDEX view of the object is updated, its view
fields reconciled (the pair field/view is unique), so a target never shows two "All" views.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from migrate.errors import TwentyError
from migrate.plan.config_plan import rows
from migrate.snapshot.config import VIEW_FIELD_REFS, VIEW_SETTINGS
from migrate.snapshot.reader import Snapshot
from migrate.twenty import config_api
from migrate.twenty.client import TwentyClient

if TYPE_CHECKING:
    from migrate.apply.config import ConfigMap, Remapper

WHAT = {"view_fields": "column", "view_filters": "filter", "view_sorts": "sort", "view_groups": "group"}


class ViewMigrator:
    def __init__(self, client: TwentyClient, snapshot: Snapshot, cmap: ConfigMap, remap: Remapper,
                 manual: Callable[[str, str, str], None], count: Callable[[str], None]) -> None:
        self.client = client
        self.snapshot = snapshot
        self.map = cmap
        self.remap = remap
        self.manual = manual
        self.count = count
        self.children = {t: rows(self.snapshot, t) for t in config_api.VIEW_CHILDREN}

    async def run(self) -> None:
        target_views = await config_api.list_views(self.client)
        for view in rows(self.snapshot, "views", "object, position, name"):
            if view["visibility"] != "WORKSPACE":
                continue
            label = f"{view['name']} ({view['object']})"
            object_id = self.remap.object_ids.get(view["object"])
            if object_id is None:
                self.manual("view", label, f"the target has no object {view['object']}: the view was not migrated")
                continue
            target_id, created = await self._view(view, object_id, target_views, label)
            if target_id is None:
                continue
            await self._children(view, target_id, created, label)

    def _settings(self, view: dict[str, Any], label: str) -> dict[str, Any]:
        settings = json.loads(view["settings"] or "{}")
        out = {k: settings.get(k) for k in VIEW_SETTINGS if settings.get(k) is not None}
        for key in VIEW_FIELD_REFS:
            name = settings.get(key)
            if name:
                field_id = self.remap.field(view["object"], name)
                if field_id is None:
                    self.manual("view", label, f"{key} names {view['object']}.{name}, which the target lacks: set it again by hand")
                else:
                    out[key] = field_id
        return out

    async def _view(self, view: dict[str, Any], object_id: str, target_views: list[dict[str, Any]], label: str) -> tuple[str | None, bool]:
        known = self.map.get("view", view["id"])
        if known:
            return known, self.map.is_created("view", view["id"])
        settings = self._settings(view, label)
        if view["key"] == "INDEX":
            index = next((v for v in target_views if v.get("objectMetadataId") == object_id and v.get("key") == "INDEX"), None)
            if index is None:
                self.manual("view", label, "the target has no INDEX view for this object: recreate its columns by hand")
                return None, False
            changes = {k: v for k, v in settings.items() if k not in ("name", "key")}
            self.map.keep_before("view", index["id"], {k: index.get(k) for k in changes})
            await config_api.update_view(self.client, index["id"], changes)
            self.map.put("view", view["id"], index["id"], False)
            self.count("index view updated")
            return index["id"], False
        planned = self.map.planned_if_any("view", view["id"])
        if planned and any(v.get("id") == planned for v in target_views):  # a killed run created it
            self.map.done("view", view["id"], planned, True)
            return planned, True
        twin = next((v for v in target_views if v.get("objectMetadataId") == object_id and v.get("name") == view["name"] and not v.get("key")), None)
        if twin is not None:
            self.map.put("view", view["id"], twin["id"], False)
            self.manual("view", label, "a view of this name already existed in the target: it was left as it was")
            return None, False
        data = {"id": self.map.planned("view", view["id"]), "name": view["name"], "objectMetadataId": object_id, "type": view["type"],
                "position": view["position"], "visibility": "WORKSPACE", **settings}
        try:
            created = await config_api.create_view(self.client, data)
        except TwentyError as exc:
            self.manual("view", label, f"the target refused the view ({exc}): recreate it by hand")
            return None, False
        self.map.done("view", view["id"], created["id"], True)
        self.count("view")
        return str(created["id"]), True

    async def _children(self, view: dict[str, Any], target_id: str, created: bool, label: str) -> None:
        """Filter groups (parents first), filters, sorts, groups and columns of one view. Their ids
        are journaled together before the first create, and recorded together after the last: a
        run killed in between finds the ones it made among the view's children and adopts them."""
        existing_fields: dict[str, dict[str, Any]] = {}
        if not created:
            existing_fields = {str(r["fieldMetadataId"]): r for r in await config_api.list_view_children(self.client, "view_fields", target_id)}
        groups = [g for g in self.children["view_filter_groups"] if g["view_id"] == view["id"]]
        todo: list[tuple[str, dict[str, Any], str | None]] = [("view_filter_groups", g, None) for g in sorted(groups, key=lambda g: self._depth(g, groups))
                                                              if self.map.get("view_filter_groups", g["id"]) is None]
        entries: list[tuple[str, str, str, bool]] = []
        adopted: list[tuple[str, str]] = []
        for table in ("view_filters", "view_sorts", "view_groups", "view_fields"):
            for child in (c for c in self.children[table] if c["view_id"] == view["id"] and self.map.get(table, c["id"]) is None):
                field_id = self.remap.field(child["object"], child["field"])
                if field_id is None:
                    self.manual("view", label, f"its {WHAT[table]} on {child['object']}.{child['field']} was left out: the target has no such field")
                elif table == "view_fields" and field_id in existing_fields:
                    row = existing_fields[field_id]
                    if str(row.get("id")) == self.map.planned_if_any(table, child["id"]):  # made by a killed run: ours
                        entries.append((table, child["id"], str(row["id"]), True))
                        adopted.append((table, child["id"]))
                        continue
                    entry = await self._update_column(child, row, target_id, field_id, label)
                    entries += [entry] if entry else []
                else:
                    todo.append((table, child, field_id))
        resumed = any(self.map.planned_if_any(table, c["id"]) for table, c, _ in todo)
        planned = self.map.plan_many([(table, c["id"]) for table, c, _ in todo])
        present: dict[str, set[str]] = {}
        if resumed:
            for table in {t for t, _, _ in todo}:
                present[table] = {str(r.get("id")) for r in await config_api.list_view_children(self.client, table, target_id)}
        group_ids = {g["id"]: self.map.get("view_filter_groups", g["id"]) or planned.get(("view_filter_groups", g["id"])) for g in groups}
        done: list[tuple[str, str]] = list(adopted)
        for table, child, field_id in todo:
            new_id = planned[(table, child["id"])]
            done.append((table, child["id"]))
            if new_id not in present.get(table, ()):
                data = self._group(child, target_id, group_ids) if field_id is None else self._child(table, child, field_id, target_id, group_ids, label)
                try:
                    await config_api.create_view_child(self.client, table, {"id": new_id, **data})
                except TwentyError as exc:
                    what = "filter group" if field_id is None else f"{WHAT[table]} on {child['object']}.{child['field']}"
                    self.manual("view", label, f"its {what} was refused by the target ({exc})")
                    continue
                self.count(table)
            entries.append((table, child["id"], new_id, True))
        self.map.write(entries, done)

    async def _update_column(self, child: dict[str, Any], row: dict[str, Any], view_id: str, field_id: str, label: str) -> tuple[str, str, str, bool] | None:
        """A column the target's view already has (an INDEX view): changed in place, its before-image kept."""
        data = self._child("view_fields", child, field_id, view_id, {}, label)
        changes = {k: v for k, v in data.items() if k not in ("viewId", "fieldMetadataId") and row.get(k) != v}
        if not changes:  # already as the source's
            return None
        self.map.keep_before("view_fields", row["id"], {k: row.get(k) for k in changes})
        try:
            await config_api.update_view_child(self.client, "view_fields", row["id"], changes)
        except TwentyError as exc:
            self.manual("view", label, f"its column {child['object']}.{child['field']} was refused by the target ({exc})")
            return None
        return ("view_fields", child["id"], str(row["id"]), False)

    @staticmethod
    def _group(group: dict[str, Any], view_id: str, group_ids: dict[str, str | None]) -> dict[str, Any]:
        return {"viewId": view_id, "logicalOperator": group["logical_operator"], "positionInViewFilterGroup": group["position_in_group"],
                "parentViewFilterGroupId": group_ids.get(group["parent_id"]) if group["parent_id"] else None}

    def _depth(self, group: dict[str, Any], groups: list[dict[str, Any]]) -> int:
        depth, parent = 0, group["parent_id"]
        by_id = {g["id"]: g for g in groups}
        while parent and parent in by_id and depth < len(groups):
            depth, parent = depth + 1, by_id[parent]["parent_id"]
        return depth

    def _child(self, table: str, child: dict[str, Any], field_id: str, view_id: str, group_ids: dict[str, str | None], label: str) -> dict[str, Any]:
        base = {"viewId": view_id, "fieldMetadataId": field_id}
        if table == "view_fields":
            return {**base, "position": child["position"], "isVisible": child["is_visible"], "size": child["size"],
                    "aggregateOperation": child["aggregate_operation"]}
        if table == "view_sorts":
            return {**base, "direction": child["direction"]}
        if table == "view_groups":
            return {**base, "fieldValue": child["field_value"], "isVisible": child["is_visible"], "position": child["position"]}
        group = group_ids.get(child["view_filter_group_id"]) if child["view_filter_group_id"] else None
        return {**base, "operand": child["operand"], "value": self._filter_value(json.loads(child["value"]) if child["value"] else None, label),
                "subFieldName": child["sub_field_name"], "viewFilterGroupId": group, "positionInViewFilterGroup": child["position_in_group"]}

    def _filter_value(self, value: Any, label: str) -> Any:
        """Relation and actor filters hold record and member ids: rewrite them, drop (and list) the lost."""
        if not isinstance(value, dict) or not isinstance(value.get("selectedRecordIds"), list):
            return value
        kept = []
        for source_id in value["selectedRecordIds"]:
            target_id = self.remap.record(str(source_id))
            if target_id is None:
                self.manual("view", label, f"a filter selected the record {source_id}, which is not in the target: it was left out of the filter")
            else:
                kept.append(target_id)
        return {**value, "selectedRecordIds": kept}
