"""The configuration part of a seed: views, workflows, roles, API keys, webhooks, connected accounts.

Called at the end of `seed_workspace` (records exist, so filter values can name them). Everything
goes through the same rules the API applies (views.py, roles.py, integrations.py), except the
workflow records, which are loaded in their final state (versions ACTIVE / DEACTIVATED / DRAFT,
`statuses` computed) as a live workspace holds them. Ids come from the seed's RNG.
"""

from __future__ import annotations

import uuid
from random import Random
from typing import Any

from migrate.emulator import integrations, roles, views
from migrate.emulator.records import Caller
from migrate.emulator.workspace import Workspace

CONFIG_RECORDS = {"workflows": 3, "workflowVersions": 5, "workflowAutomatedTriggers": 1, "connectedAccounts": 3}
"""Records the configuration adds (counted inside `SeedSpec.records`)."""


def reserved_records(records: int, with_configuration: bool, members: int) -> int:
    """How many of a seed's records are configuration records (none for tiny seeds)."""
    total = sum(CONFIG_RECORDS.values()) - CONFIG_RECORDS["connectedAccounts"] + min(3, members)
    return total if with_configuration and records >= 10 * total else 0


class _Config:
    def __init__(self, ws: Workspace, rng: Random) -> None:
        self.ws = ws
        self.rng = rng
        self.caller = Caller(self.uid(), "Seed")

    def stamp(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Creation dates from the RNG (a seed is reproducible to the byte)."""
        for row in rows:
            row["createdAt"] = f"2025-{self.rng.randrange(1, 13):02d}-{self.rng.randrange(1, 29):02d}T09:00:00.000Z"
        return rows

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def field(self, obj: str, name: str) -> str:
        return self.ws.objects[obj].by_name[name].id

    def ids(self, obj: str, count: int) -> list[str]:
        return [r["id"] for r in self.ws.store.select(self.ws.objects[obj], "deleted_at IS NULL", [], "id", count)]

    def view(self, obj: str, name: str, *, caller: Caller | None = None, fields: tuple[str, ...] = (), filters: tuple[tuple[Any, ...], ...] = (),
             sorts: tuple[tuple[str, str], ...] = (), **extra: Any) -> dict[str, Any]:
        view = views.create_view(self.ws, {"id": self.uid(), "objectMetadataId": self.ws.objects[obj].id, "name": name, **extra}, caller or self.caller)
        for position, field in enumerate(fields):
            views.create_child(self.ws, "viewField", {"id": self.uid(), "viewId": view["id"], "fieldMetadataId": self.field(obj, field),
                                                      "position": position, "size": 150 + 30 * (position == 0), "isVisible": True,
                                                      "aggregateOperation": "COUNT" if position == 0 else None})
        for item in filters:
            field, operand, value, *rest = item
            data = {"id": self.uid(), "viewId": view["id"], "fieldMetadataId": self.field(obj, field), "operand": operand, "value": value}
            if rest:
                data.update(rest[0])
            views.create_child(self.ws, "viewFilter", data)
        for field, direction in sorts:
            views.create_child(self.ws, "viewSort", {"id": self.uid(), "viewId": view["id"], "fieldMetadataId": self.field(obj, field), "direction": direction})
        return view

    def group(self, view_id: str, operator: str, parent: str | None = None, position: int = 0) -> str:
        return views.create_child(self.ws, "viewFilterGroup", {"id": self.uid(), "viewId": view_id, "logicalOperator": operator,
                                                               "parentViewFilterGroupId": parent, "positionInViewFilterGroup": position})["id"]


def _views(c: _Config, members: list[dict[str, Any]]) -> None:
    ws = c.ws
    companies, people = c.ids("company", 2), c.ids("person", 2)
    relation = {"isCurrentWorkspaceMemberSelected": False, "selectedRecordIds": companies}
    big = c.view("company", "Big accounts", icon="IconBuilding", position=1,
                 fields=("name", "domainName", "employees", "annualRecurringRevenue", "accountOwner"),
                 filters=(("employees", "GREATER_THAN_OR_EQUAL", "100"), ("idealCustomerProfile", "IS", "true"),
                          ("domainName", "IS_NOT_EMPTY", "", {"subFieldName": "primaryLinkUrl"})),
                 sorts=(("employees", "DESC"), ("name", "ASC")))
    outer = c.group(big["id"], "OR")
    inner = c.group(big["id"], "AND", outer, 1)
    for field, operand, value, group, pos in (("name", "CONTAINS", "Labs", outer, 0), ("name", "DOES_NOT_CONTAIN", "GmbH", inner, 0),
                                              ("address", "IS_EMPTY", "", inner, 1), ("accountOwner", "IS",
                                              {"isCurrentWorkspaceMemberSelected": True, "selectedRecordIds": []}, outer, 1)):
        views.create_child(ws, "viewFilter", {"id": c.uid(), "viewId": big["id"], "fieldMetadataId": c.field("company", field), "operand": operand,
                                              "value": value, "viewFilterGroupId": group, "positionInViewFilterGroup": pos,
                                              **({"subFieldName": "addressCity"} if field == "address" else {})})
    c.view("person", "Recent contacts at key accounts", icon="IconUsers", position=1, fields=("name", "emails", "jobTitle", "city", "company"),
           filters=(("company", "IS", relation), ("city", "IS_NOT", "Paris"), ("jobTitle", "IS_NOT_NULL", ""),
                    ("createdAt", "IS_RELATIVE", "PAST_30_DAY"), ("createdAt", "IS_IN_PAST", ""), ("emails", "IS_NOT_EMPTY", "", {"subFieldName": "primaryEmail"})),
           sorts=(("createdAt", "DESC"),), anyFieldFilterValue="apple")
    stage = ws.objects["opportunity"].by_name["stage"]
    kanban = c.view("opportunity", "Pipeline by stage", type="KANBAN", icon="IconLayoutKanban", position=1,
                    mainGroupByFieldMetadataId=stage.id, kanbanAggregateOperation="SUM",
                    kanbanAggregateOperationFieldMetadataId=c.field("opportunity", "amount"), kanbanColumnWidth=280,
                    fields=("name", "amount", "closeDate", "company", "owner", "pointOfContact"),
                    filters=(("amount", "LESS_THAN_OR_EQUAL", "1000000", {"subFieldName": "amountMicros"}), ("closeDate", "IS_AFTER", "2024-01-01"),
                             ("closeDate", "IS_BEFORE", "2027-01-01"), ("closeDate", "IS_IN_FUTURE", ""),
                             ("stage", "IS_NOT", ["CUSTOMER"]), ("pointOfContact", "IS", {"isCurrentWorkspaceMemberSelected": False, "selectedRecordIds": people})),
                    sorts=(("closeDate", "ASC"),))
    for position, option in enumerate(stage.options or ()):
        views.create_child(ws, "viewGroup", {"id": c.uid(), "viewId": kanban["id"], "fieldMetadataId": stage.id, "fieldValue": option["value"],
                                             "isVisible": option["value"] != "CUSTOMER", "position": position})
    c.view("task", "Due this month", type="CALENDAR", calendarLayout="MONTH", calendarFieldMetadataId=c.field("task", "dueAt"), icon="IconCalendar",
           position=1, fields=("title", "dueAt", "status", "assignee"), filters=(("dueAt", "IS_TODAY", ""), ("status", "IS", ["TODO", "IN_PROGRESS"])))
    owner = Caller(members[0]["userId"], "Seed", user_session=True) if members else c.caller
    c.view("task", "My open tasks", visibility="UNLISTED", caller=owner, icon="IconLock", position=2, fields=("title", "status"),
           filters=(("assignee", "IS", {"isCurrentWorkspaceMemberSelected": True, "selectedRecordIds": []}),), sorts=(("dueAt", "ASC"),))
    c.view("note", "Search notes", icon="IconSearch", position=1, fields=("title", "createdAt"),
           filters=(("title", "VECTOR_SEARCH", "contract"), ("title", "IS_NOT_EMPTY", "")), isCompact=True, openRecordIn="RECORD_PAGE")
    if "project" in ws.objects:
        c.view("project", "Scored projects", position=1, fields=("name", "score", "headcount", "status"),
               filters=(("score", "GREATER_THAN", "3"), ("headcount", "LESS_THAN", "50"), ("status", "IS", ["ACTIVE", "PLANNED"])),
               sorts=(("score", "DESC"),))


def _roles(c: _Config, members: list[dict[str, Any]]) -> dict[str, str]:
    ws = c.ws
    sales = roles.create_role(ws, {"id": c.uid(), "label": "Sales Rep", "icon": "IconBriefcase", "description": "Pipeline owners",
                                   "canReadAllObjectRecords": True, "canUpdateAllObjectRecords": False})
    support = roles.create_role(ws, {"id": c.uid(), "label": "Support", "icon": "IconHeadset", "canBeAssignedToApiKeys": False})
    obj = {n: ws.objects[n].id for n in ("company", "person", "opportunity", "task", "note")}
    roles.upsert_object_permissions(ws, {"roleId": sales["id"], "objectPermissions": [
        {"objectMetadataId": obj["opportunity"], "canReadObjectRecords": True, "canUpdateObjectRecords": True, "canSoftDeleteObjectRecords": True},
        {"objectMetadataId": obj["company"], "canReadObjectRecords": True, "canUpdateObjectRecords": False}]})
    roles.upsert_field_permissions(ws, {"roleId": sales["id"], "fieldPermissions": [
        {"objectMetadataId": obj["company"], "fieldMetadataId": c.field("company", "annualRecurringRevenue"), "canUpdateFieldValue": False}]})
    roles.upsert_permission_flags(ws, {"roleId": sales["id"], "permissionFlagKeys": ["EXPORT_CSV", "IMPORT_CSV"]})
    roles.upsert_object_permissions(ws, {"roleId": support["id"], "objectPermissions": [
        {"objectMetadataId": obj["person"], "canReadObjectRecords": True},
        {"objectMetadataId": obj["task"], "canReadObjectRecords": True, "canUpdateObjectRecords": True},
        {"objectMetadataId": obj["note"], "canReadObjectRecords": True, "canUpdateObjectRecords": True, "canDestroyObjectRecords": False}]})
    roles.upsert_field_permissions(ws, {"roleId": support["id"], "fieldPermissions": [
        {"objectMetadataId": obj["person"], "fieldMetadataId": c.field("person", "phones"), "canReadFieldValue": False, "canUpdateFieldValue": False}]})
    roles.upsert_permission_flags(ws, {"roleId": support["id"], "permissionFlagKeys": ["WORKFLOWS"]})
    admin_session = Caller(c.uid(), "Seed", user_session=True)
    plan = [roles.rows(ws).all("role", lambda r: r["label"] == "Admin")[0]["id"], sales["id"], sales["id"], support["id"]]
    for member, role_id in zip(members, plan, strict=False):
        roles.assign_member(ws, member["id"], role_id, admin_session)
    return {"sales": sales["id"], "admin": plan[0]}


def _integrations(c: _Config, role_ids: dict[str, str]) -> None:
    ws = c.ws
    integrations.create_api_key(ws, {"id": c.uid(), "name": "Zapier", "expiresAt": "2099-12-31T00:00:00.000Z", "roleId": role_ids["sales"]})
    integrations.create_api_key(ws, {"id": c.uid(), "name": "Data warehouse sync", "expiresAt": "2027-06-30T00:00:00.000Z", "roleId": role_ids["admin"]})
    integrations.create_webhook(ws, {"id": c.uid(), "targetUrl": "https://hooks.zapier.example/hooks/catch/42/abc",
                                     "operations": ["person.created", "company.updated"], "description": "Zapier: new leads",
                                     "secret": f"whsec_{c.rng.getrandbits(64):016x}"})
    integrations.create_webhook(ws, {"id": c.uid(), "targetUrl": "https://erp.example.com/twenty/events", "operations": ["*.*"],
                                     "description": "ERP mirror", "secret": f"whsec_{c.rng.getrandbits(64):016x}"})


def _step(c: _Config, kind: str, name: str, inputs: dict[str, Any], next_ids: list[str] | None = None) -> dict[str, Any]:
    return {"id": c.uid(), "name": name, "type": kind, "valid": True, "nextStepIds": next_ids or [],
            "settings": {"input": inputs, "outputSchema": {}, "errorHandlingOptions": {"retryOnFailure": {"value": False},
                                                                                       "continueOnFailure": {"value": False}}}}


def _workflows(c: _Config, members: list[dict[str, Any]]) -> None:
    ws = c.ws

    def load(obj: Any, rows: list[dict[str, Any]], caller: Caller) -> None:
        ws.bulk_load(obj, c.stamp(rows), caller)

    owner = members[0]["id"] if members else None
    create = _step(c, "CREATE_RECORD", "Create follow-up task", {"objectName": "task", "objectRecord": {
        "title": "Call {{trigger.object.name.firstName}}", "assigneeId": owner, "status": "TODO"}})
    update = _step(c, "UPDATE_RECORD", "Close stale tasks", {"objectName": "task", "objectRecordId": "{{trigger.object.id}}",
                                                             "objectRecord": {"status": "DONE"}, "fieldsToUpdate": ["status"]})
    code = _step(c, "CODE", "Format body", {"serverlessFunctionId": c.uid(), "serverlessFunctionVersion": "draft", "serverlessFunctionInput": {}})
    email = _step(c, "SEND_EMAIL", "Send follow-up", {"connectedAccountId": c.uid(), "email": "{{trigger.object.pointOfContact.emails.primaryEmail}}",
                                                      "subject": "Following up", "body": f"{{{{{code['id']}.body}}}}"})
    code["nextStepIds"] = [email["id"]]
    w = [c.uid() for _ in range(3)]
    v = [c.uid() for _ in range(5)]
    person_created = {"name": "Person created", "type": "DATABASE_EVENT", "settings": {"eventName": "person.created", "outputSchema": {}},
                      "nextStepIds": [create["id"]]}
    cron = {"name": "Every Monday", "type": "CRON", "settings": {"type": "DAYS", "schedule": {"day": 7, "hour": 8, "minute": 0}, "outputSchema": {}}}
    manual = {"name": "Launch manually", "type": "MANUAL", "settings": {"objectType": "opportunity", "outputSchema": {}}}
    load(ws.objects["workflow"], [
        {"id": w[0], "name": "Welcome new people", "statuses": ["DRAFT", "ACTIVE"], "lastPublishedVersionId": v[1], "position": 0},
        {"id": w[1], "name": "Weekly task cleanup", "statuses": ["DEACTIVATED"], "lastPublishedVersionId": v[3], "position": 1},
        {"id": w[2], "name": "Opportunity follow-up", "statuses": ["DRAFT"], "lastPublishedVersionId": None, "position": 2},
    ], c.caller)
    first = {**create, "name": "Create intro task", "settings": {**create["settings"], "input": {
        **create["settings"]["input"], "objectRecord": {"title": "Say hello", "status": "TODO"}}}}
    versions = c.stamp([
        {"id": v[0], "name": "v1", "workflowId": w[0], "status": "ARCHIVED", "trigger": person_created, "steps": [first]},
        {"id": v[1], "name": "v2", "workflowId": w[0], "status": "ACTIVE", "trigger": person_created, "steps": [create]},
        {"id": v[2], "name": "v3", "workflowId": w[0], "status": "DRAFT", "trigger": person_created,
         "steps": [{**create, "name": "Create welcome task"}]},
        {"id": v[3], "name": "v1", "workflowId": w[1], "status": "DEACTIVATED", "trigger": cron, "steps": [update]},
        {"id": v[4], "name": "v1", "workflowId": w[2], "status": "DRAFT", "trigger": manual, "steps": [code, email]},
    ])
    for day, version in enumerate(versions):  # versions in the order they were made (the migration rebuilds them in that order)
        version["createdAt"] = f"2025-03-{day + 1:02d}T09:00:00.000Z"
    ws.bulk_load(ws.objects["workflowVersion"], versions, c.caller)
    load(ws.objects["workflowAutomatedTrigger"], [
        {"id": c.uid(), "type": "DATABASE_EVENT", "settings": person_created["settings"], "workflowId": w[0]}], c.caller)


def _connected_accounts(c: _Config, members: list[dict[str, Any]]) -> None:
    rows = []
    for member, provider in zip(members, ("google", "microsoft", "imap_smtp_caldav"), strict=False):
        rows.append({"id": c.uid(), "handle": member["userEmail"], "provider": provider, "accountOwnerId": member["id"],
                     "lastSyncHistoryId": str(c.rng.getrandbits(40)), "scopes": ["email", "calendar"] if provider != "imap_smtp_caldav" else [],
                     "handleAliases": "", "authFailedAt": None})
    c.ws.bulk_load(c.ws.objects["connectedAccount"], c.stamp(rows), c.caller)


def seed_configuration(ws: Workspace, rng: Random, *, with_records: bool = True) -> dict[str, int]:
    """Views (every filter operand, filter groups, sorts, a kanban, a calendar, a private view), two
    custom roles assigned to members, two API keys, two webhooks and, when `with_records`, three
    workflows and connected accounts. Returns the records it added, by plural name."""
    c = _Config(ws, rng)
    members = ws.store.select(ws.objects["workspaceMember"], "deleted_at IS NULL", [], "json_extract(data, '$.userEmail')")
    _views(c, members)
    role_ids = _roles(c, members)
    _integrations(c, role_ids)
    if not with_records:
        return {name: 0 for name in CONFIG_RECORDS}
    _workflows(c, members)
    _connected_accounts(c, members[:3])
    counts = dict(CONFIG_RECORDS)
    counts["connectedAccounts"] = min(3, len(members))
    return counts
