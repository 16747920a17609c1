"""One emulated workspace: its data model and its records, behind Twenty's operations.

Routes parse HTTP and call these methods; these methods apply Twenty's rules and raise
`TwentyHTTPError` with Twenty's status and wording. Reads follow
`packages/twenty-server/src/engine/api/common/common-query-runners/common-find-many-query-runner.service.ts`
(limit + 1 look-ahead, keyset cursors, `totalCount` ignoring the cursor, soft-deleted rows hidden
unless the filter names `deletedAt`); writes follow the create-many, update-one and delete-one
runners (api.md §2-§3).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from migrate.emulator import filters, ordering
from migrate.emulator.datamodel import ObjectDef, standard_objects
from migrate.emulator.envelopes import TwentyHTTPError, bad_request, not_found
from migrate.emulator.records import Caller, RecordWriter, duplicate_error, resolve_positions
from migrate.emulator.store import Store, json_path, unique_path
from migrate.emulator.values import check_uuid, to_wire
from migrate.model import COMPOSITE_SUBFIELDS
from migrate.twenty.codecs import normalize_datetime

MAX_RELATION_ITEMS = 60
"""`QUERY_MAX_RECORDS_FROM_RELATION`: one-to-many arrays at depth 1 are capped here."""

WORKFLOW_OBJECTS = frozenset({"workflow", "workflowVersion"})
"""Objects whose writes pass through `workflows.py` (Twenty's workflow query hooks)."""

_SUB_TYPES = {"text": "TEXT", "number": "NUMBER", "uuid": "UUID", "string_list": "ARRAY", "json": "RAW_JSON"}


def utc_now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _get_path(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = row
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


class Workspace:
    """State and rules of one workspace (records and data model)."""

    def __init__(self, store: Store, workspace_id: str, *, max_records: int = 200, default_limit: int = 60) -> None:
        self.store = store
        self.workspace_id = workspace_id
        self.max_records = max_records
        self.default_limit = default_limit
        filters.register_sql_functions(store.conn)
        loaded = store.load_objects()
        self.objects: dict[str, ObjectDef] = {}
        for obj in loaded if loaded is not None else standard_objects(workspace_id):
            self.objects[obj.name_singular] = obj
            store.ensure_table(obj)
        if loaded is None:
            store.save_objects(self.objects.values())
        self._positions: dict[str, tuple[float | None, float | None]] = {}
        self.file_url: Callable[[str], str] = lambda file_id: f"/file/files-field/{file_id}"

    # data model ---------------------------------------------------------------------------
    def set_objects(self, objects: list[ObjectDef]) -> None:
        """Replace the data model (after a metadata change) and persist it."""
        self.objects = {o.name_singular: o for o in objects}
        for obj in objects:
            self.store.ensure_table(obj)
        self.store.save_objects(objects)

    def object_by_plural(self, plural: str) -> ObjectDef:
        """`/rest/<plural>`: the object, or Twenty's 400 for a singular or unknown name."""
        for obj in self.objects.values():
            if obj.name_plural == plural and obj.is_active:
                return obj
        singular = self.objects.get(plural)
        if singular is not None:
            raise bad_request(f"object '{plural}' not found. Did you mean '{singular.name_plural}'?")
        example = next(iter(o.name_plural for o in self.objects.values() if not o.is_system), "companies")
        raise bad_request(f"object '{plural}' not found. eg: {example}")

    def object_by_id(self, object_id: str) -> ObjectDef | None:
        return next((o for o in self.objects.values() if o.id == object_id), None)

    # reads --------------------------------------------------------------------------------
    def _resolver(self, obj: ObjectDef) -> Any:
        """Map a filter or order-by path to SQL over the stored row (filters.py's contract:
        `(field,)` first, then `(field, sub)` for a composite)."""
        joins = {f.join_column: f for f in obj.fields if f.join_column}

        def resolve(path: tuple[str, ...]) -> filters.FieldRef:
            head = path[0]
            if path == ("id",):
                return filters.FieldRef("id", "UUID")
            if path == ("deletedAt",):
                return filters.FieldRef("deleted_at", "DATE_TIME")
            if head in joins and len(path) == 1:
                return filters.FieldRef(f"json_extract(data, '{json_path(path)}')", "UUID")
            field = obj.by_name.get(head)
            if field is None or field.relation_type is not None:
                raise filters.FilterError(filters.UNKNOWN_FIELD_MESSAGE.format(object=obj.name_singular, field=head))
            if len(path) == 1:
                return filters.FieldRef(f"json_extract(data, '{json_path(path)}')", field.type, field.option_values or None)
            subs = {s.name: s for s in COMPOSITE_SUBFIELDS.get(field.type, ())}
            if len(path) != 2 or path[1] not in subs:
                raise filters.FilterError(filters.UNKNOWN_SUB_FIELD_MESSAGE.format(sub_field=".".join(path[1:]), field_type=field.type))
            return filters.FieldRef(f"json_extract(data, '{json_path(path)}')", _SUB_TYPES[subs[path[1]].kind])

        return resolve

    def _where(self, obj: ObjectDef, filter_text: str | None) -> tuple[str, list[Any]]:
        if not filter_text:
            return "deleted_at IS NULL", []
        try:
            node = filters.parse_filter(filter_text)
            sql, params = filters.compile_filter(node, self._resolver(obj))
        except filters.FilterError as exc:
            raise bad_request(exc.message) from None
        if filters.mentions_field(node, "deletedAt"):
            return f"({sql})", params
        return f"deleted_at IS NULL AND ({sql})", params

    def find_many(self, obj: ObjectDef, *, filter_text: str | None = None, order_by: str | None = None, limit: int | None = None,
                  starting_after: str | None = None, ending_before: str | None = None, depth: int = 0) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
        """One page of records, the total matching the filter, and Twenty's pageInfo."""
        size = self.default_limit if limit is None else min(limit, self.max_records)
        where, params = self._where(obj, filter_text)
        resolve = self._resolver(obj)
        try:
            terms = ordering.parse_order_by(order_by)
            forward = ending_before is None
            order = ordering.compile_order_by(terms, resolve, reverse=not forward)
            cursor_text = starting_after if forward else ending_before
            page_where, page_params = where, list(params)
            if cursor_text:
                values = ordering.decode_cursor(cursor_text)
                key_sql, key_params = ordering.compile_keyset(terms, resolve, values, forward)
                page_where, page_params = f"{where} AND ({key_sql})", params + key_params
        except (filters.FilterError, ordering.CursorError, ordering.OrderByError) as exc:
            raise bad_request(exc.message) from None
        rows = self.store.select(obj, page_where, page_params, order, size + 1)
        has_more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        total = self.store.count(obj, where, params)
        cursors = [ordering.encode_cursor(ordering.cursor_from_record(row, terms)) for row in (rows[0], rows[-1])] if rows else [None, None]
        page_info = {
            "hasNextPage": has_more if forward else False,
            "hasPreviousPage": has_more if not forward else False,
            "startCursor": cursors[0],
            "endCursor": cursors[1],
        }
        return self.to_wire_many(obj, rows, depth), total, page_info

    def get_row(self, obj: ObjectDef, record_id: str, *, include_deleted: bool = False) -> dict[str, Any]:
        check_uuid(record_id)
        row = self.store.fetch(obj, [record_id]).get(record_id)
        if row is None or (row.get("deletedAt") and not include_deleted):
            raise not_found()
        return row

    def find_one(self, obj: ObjectDef, record_id: str, depth: int = 0) -> dict[str, Any]:
        return self.to_wire_many(obj, [self.get_row(obj, record_id)], depth)[0]

    def to_wire_many(self, obj: ObjectDef, rows: list[dict[str, Any]], depth: int) -> list[dict[str, Any]]:
        out = [self._to_wire(obj, row) for row in rows]
        if depth >= 1 and rows:
            self._expand(obj, out)
        return out

    def _to_wire(self, obj: ObjectDef, row: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {"id": row["id"]}
        for field in obj.fields:
            if field.relation_type == "ONE_TO_MANY" or field.name == "id":
                continue
            if field.join_column:
                record[field.join_column] = row.get(field.join_column)
            elif field.type == "FILES":
                record[field.name] = [{**item, "url": self.file_url(item["fileId"])} for item in row.get(field.name) or ()]
            else:
                record[field.name] = to_wire(field, row.get(field.name))
        return record

    def _expand(self, obj: ObjectDef, records: list[dict[str, Any]]) -> None:
        """depth=1: many-to-one as nested objects, one-to-many as arrays capped at 60."""
        ids = [r["id"] for r in records]
        for field in obj.fields:
            target = self.objects.get(field.target_object or "")
            if target is None:
                continue
            if field.join_column:
                wanted = [r[field.join_column] for r in records if r.get(field.join_column)]
                found = self.store.fetch(target, wanted)
                for record in records:
                    row = found.get(record.get(field.join_column) or "")
                    record[field.name] = self._to_wire(target, row) if row and not row.get("deletedAt") else None
            elif field.relation_type == "ONE_TO_MANY" and field.target_field:
                column = f"{field.target_field}Id"
                children = self.store.find_by_path(target, (column,), ids)
                children.sort(key=lambda c: c["id"])
                grouped: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
                for child in children:
                    bucket = grouped.get(child.get(column) or "")
                    if bucket is not None and not child.get("deletedAt") and len(bucket) < MAX_RELATION_ITEMS:
                        bucket.append(self._to_wire(target, child))
                for record in records:
                    record[field.name] = grouped[record["id"]]

    # writes -------------------------------------------------------------------------------
    def _check_references(self, obj: ObjectDef, rows: list[dict[str, Any]]) -> None:
        """A join column must name an existing record, as Postgres' foreign key demands."""
        for field in obj.fields:
            column = field.join_column
            target = self.objects.get(field.target_object or "")
            if not column or target is None:
                continue
            wanted = {r[column] for r in rows if r.get(column)}
            if not wanted:
                continue
            found = self.store.fetch(target, wanted)
            for row in rows:
                value = row.get(column)
                if value and value not in found:
                    raise bad_request(
                        f'insert or update on table "{obj.name_singular}" violates foreign key constraint: '
                        f"{column} '{value}' does not exist in {target.name_singular}"
                    )

    def _attach_files(self, obj: ObjectDef, rows: list[dict[str, Any]]) -> None:
        """A FILES item must name an uploaded file; the server stores its extension beside it."""
        for field in obj.fields:
            if field.type != "FILES":
                continue
            for row in rows:
                items = row.get(field.name) or []
                for item in items:
                    found = self.store.get_file(file_id=item["fileId"])
                    if found is None:
                        raise bad_request(f'File {item["fileId"]} not found for FILES field "{field.name}": upload it first')
                    path = found[1]
                    item["extension"] = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""

    def _positions_for(self, obj: ObjectDef, rows: list[dict[str, Any]]) -> None:
        low, high = self._positions.get(obj.name_singular, (None, None))
        if obj.name_singular not in self._positions:
            low = self.store.min_position(obj)
            high = self.store.max_position(obj)
        resolve_positions(rows, low, high)
        positions = [r["position"] for r in rows if r.get("position") is not None]
        if positions:
            low = min([*positions, low]) if low is not None else min(positions)
            high = max([*positions, high]) if high is not None else max(positions)
        self._positions[obj.name_singular] = (low, high)

    def create_many(self, obj: ObjectDef, inputs: Any, caller: Caller, *, upsert: bool = False, depth: int = 0) -> list[dict[str, Any]]:
        """Create (or upsert) records all or nothing; returns them at `depth`, in input order."""
        if not isinstance(inputs, list):
            raise bad_request("Input must be an array of records")
        if len(inputs) > self.max_records:
            raise bad_request(f"Maximum number of records to upsert is {self.max_records}.")
        if obj.name_singular in WORKFLOW_OBJECTS:
            from migrate.emulator import workflows  # Twenty's workflow query hooks (config.md §2)

            workflows.before_create(self, obj, inputs)
        now = utc_now()
        writer = RecordWriter(obj, caller, now)
        saved = dict(self._positions)
        try:
            with self.store.transaction():
                rows: list[dict[str, Any]] = []
                updates: list[dict[str, Any]] = []
                inserts: list[dict[str, Any]] = []
                for data in inputs:
                    existing = self._upsert_match(obj, writer, data) if upsert else None
                    if existing is not None:
                        row = writer.build({k: v for k, v in data.items() if k != "id"}, previous=existing)
                        row["deletedAt"] = None
                        updates.append(row)
                    else:
                        row = writer.build(data)
                        inserts.append(row)
                    rows.append(row)
                self._positions_for(obj, rows)
                self._check_references(obj, rows)
                self._attach_files(obj, rows)
                for row in updates:
                    self.store.replace(obj, row)
                self.store.insert(obj, inserts)
        except sqlite3.IntegrityError as exc:
            self._positions = saved
            raise duplicate_error(obj, exc) from None
        except TwentyHTTPError:
            self._positions = saved
            raise
        records = self.to_wire_many(obj, rows, depth)
        if obj.name_singular in WORKFLOW_OBJECTS:
            workflows.after_create(self, obj, records, caller)
        return records

    def _upsert_match(self, obj: ObjectDef, writer: RecordWriter, data: Any) -> dict[str, Any] | None:
        """Upsert matches on id and every unique field, soft-deleted rows included (api.md §3.3)."""
        if not isinstance(data, dict):
            return None
        probe = writer.build({k: v for k, v in data.items() if k != "position"})
        matches: dict[str, dict[str, Any]] = {}
        keys: list[str] = []  # `<fullPath>: <value>` of each unique key sent (get-matching-record-id.util.ts)
        if data.get("id"):
            keys.append(f"id: {probe['id']}")
            matches.update({r["id"]: r for r in self.store.find_by_path(obj, ("id",), [probe["id"]])})
        for field in obj.fields:
            path = unique_path(field)
            if not path or field.name == "id":
                continue
            value = _get_path(probe, path)
            if value is not None and (field.name in data):
                keys.append(f"{'.'.join(path)}: {value}")
                matches.update({r["id"]: r for r in self.store.find_by_path(obj, path, [value])})
        if len(matches) > 1:
            raise TwentyHTTPError(400, "BadRequestException", [
                f"Multiple records found with the same unique field values for {', '.join(keys)}. Cannot determine which record to update."
            ], extra={"code": "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT"})
        return next(iter(matches.values()), None)

    def bulk_load(self, obj: ObjectDef, inputs: list[dict[str, Any]], caller: Caller, *, now: str | None = None) -> int:
        """Seed path: the same validation and defaults as a create, no foreign-key look-ups
        (the seed is consistent by construction), one transaction per call. `now` stamps
        `updatedAt` (a fixed value makes seeds byte-identical); `deletedAt` is kept, normalised."""
        writer = RecordWriter(obj, caller, now or utc_now())
        rows = [writer.build(data) for data in inputs]
        for data, row in zip(inputs, rows, strict=True):
            if data.get("deletedAt"):
                row["deletedAt"] = normalize_datetime(data["deletedAt"])
        self._positions_for(obj, rows)
        self._attach_files(obj, rows)
        with self.store.transaction():
            self.store.insert(obj, rows)
        return len(rows)

    def update_one(self, obj: ObjectDef, record_id: str, data: Any, caller: Caller, depth: int = 0) -> dict[str, Any]:
        """Partial update: only the keys sent change, down to composite sub-fields."""
        previous = self.get_row(obj, record_id)
        if obj.name_singular in WORKFLOW_OBJECTS:
            from migrate.emulator import workflows

            workflows.before_update(self, obj, previous, data)
        row = RecordWriter(obj, caller, utc_now()).build(data, previous=previous)
        if "position" in (data or {}):
            self._positions_for(obj, [row])
        self._check_references(obj, [row])
        self._attach_files(obj, [row])
        try:
            with self.store.transaction():
                self.store.replace(obj, row)
        except sqlite3.IntegrityError as exc:
            raise duplicate_error(obj, exc) from None
        return self.to_wire_many(obj, [row], depth)[0]

    def delete_many(self, obj: ObjectDef, ids: list[str], *, soft: bool) -> None:
        """Soft delete sets `deletedAt`; a plain delete destroys and applies each relation's onDelete."""
        with self.store.transaction():
            if soft:
                now = utc_now()
                for row in self.store.fetch(obj, ids).values():
                    row["deletedAt"] = now
                    self.store.replace(obj, row)
                return
            self._destroy(obj, ids)

    def _destroy(self, obj: ObjectDef, ids: list[str]) -> None:
        for other in self.objects.values():
            for field in other.fields:
                if field.target_object != obj.name_singular or not field.join_column:
                    continue
                children = self.store.find_by_path(other, (field.join_column,), ids)
                if not children:
                    continue
                if field.on_delete == "CASCADE":
                    self._destroy(other, [c["id"] for c in children])
                else:
                    for child in children:
                        child[field.join_column] = None
                        self.store.replace(other, child)
        self.store.delete(obj, ids)

    def restore(self, obj: ObjectDef, ids: list[str]) -> list[dict[str, Any]]:
        rows = list(self.store.fetch(obj, ids).values())
        with self.store.transaction():
            for row in rows:
                row["deletedAt"] = None
                self.store.replace(obj, row)
        return self.to_wire_many(obj, rows, 0)

    def matching_ids(self, obj: ObjectDef, filter_text: str) -> list[str]:
        where, params = self._where(obj, filter_text)
        return [r["id"] for r in self.store.select(obj, where, params, "id", None)]

    def save_file(self, name: str, data: bytes, mime: str = "application/octet-stream", *, file_id: str | None = None,
                  folder: str = "files-field") -> dict[str, Any]:
        """Keep uploaded bytes; returns `{id, path, size}` as an upload completion does."""
        new_id = file_id or str(uuid.uuid4())
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        path = f"{folder}/{new_id}" + (f".{extension}" if extension else "")
        self.store.put_file(new_id, path, name, mime, data)
        return {"id": new_id, "path": path, "size": len(data), "name": name, "extension": extension}

    def count_all(self) -> dict[str, int]:
        return {o.name_plural: self.store.count(o, "1=1", []) for o in self.objects.values()}

