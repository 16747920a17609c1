"""The workspace data model the emulator serves: objects, fields, relations.

Standard objects follow `packages/twenty-server/src/modules/*/standard-objects/*.workspace-entity.ts`
and the 2026 flat definitions under `src/engine/workspace-manager/twenty-standard-application/`
(api.md §6): only the objects and fields a migration touches. Metadata ids are derived from the
workspace id, so two emulated workspaces have different ids for the same names, as two real
workspaces do: a migrator that copies metadata ids instead of mapping by name fails here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

RelationType = Literal["MANY_TO_ONE", "ONE_TO_MANY"]

DEFAULT_TIME = "2026-01-01T00:00:00.000Z"


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field of an object, as Twenty's field metadata describes it."""

    id: str
    name: str
    label: str
    type: str
    is_nullable: bool = True
    is_unique: bool = False
    is_system: bool = False
    is_custom: bool = False
    is_active: bool = True
    default_value: Any = None
    options: tuple[dict[str, Any], ...] | None = None
    settings: dict[str, Any] | None = None
    description: str | None = None
    icon: str | None = None
    relation_type: RelationType | None = None
    target_object: str | None = None
    target_field: str | None = None
    on_delete: str | None = None
    morph_id: str | None = None

    @property
    def join_column(self) -> str | None:
        """`companyId` for a many-to-one `company`; None for anything else."""
        if self.relation_type == "MANY_TO_ONE":
            return f"{self.name}Id"
        return None

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(str(o["value"]) for o in self.options or ())


@dataclass(frozen=True, slots=True)
class ObjectDef:
    """One object (standard or custom) with its fields in declaration order."""

    id: str
    name_singular: str
    name_plural: str
    label_singular: str
    label_plural: str
    fields: tuple[FieldDef, ...]
    is_custom: bool = False
    is_system: bool = False
    is_active: bool = True
    description: str | None = None
    icon: str | None = None
    label_identifier: str | None = "name"
    created_at: str = DEFAULT_TIME
    by_name: dict[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    def with_fields(self, fields: tuple[FieldDef, ...]) -> ObjectDef:
        return replace(self, fields=fields, by_name={})


class IdMaker:
    """Metadata ids derived from the workspace id and a stable name."""

    def __init__(self, workspace_id: str) -> None:
        self._namespace = uuid.UUID(workspace_id)

    def __call__(self, *names: str) -> str:
        return str(uuid.uuid5(self._namespace, "/".join(names)))


def _select_options(ids: IdMaker, owner: str, values: list[tuple[str, str, str]]) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"id": ids(owner, "option", value), "label": label, "value": value, "color": color, "position": pos}
        for pos, (value, label, color) in enumerate(values)
    )


def system_fields(ids: IdMaker, obj: str, *, with_actor: bool = True) -> list[FieldDef]:
    """The fields every workspace object has (api.md §6.1)."""
    fields = [
        FieldDef(ids(obj, "id"), "id", "Id", "UUID", is_nullable=False, is_system=True, default_value="uuid"),
        FieldDef(ids(obj, "createdAt"), "createdAt", "Creation date", "DATE_TIME", is_nullable=False, default_value="now"),
        FieldDef(ids(obj, "updatedAt"), "updatedAt", "Last update", "DATE_TIME", is_nullable=False, default_value="now"),
        FieldDef(ids(obj, "deletedAt"), "deletedAt", "Deleted at", "DATE_TIME"),
        FieldDef(ids(obj, "position"), "position", "Position", "POSITION", is_system=True),
    ]
    if with_actor:
        actor_default = {"source": "'MANUAL'", "name": "'System'", "workspaceMemberId": None, "context": {}}
        fields += [
            FieldDef(ids(obj, "createdBy"), "createdBy", "Created by", "ACTOR", is_nullable=False, default_value=actor_default),
            FieldDef(ids(obj, "updatedBy"), "updatedBy", "Updated by", "ACTOR", is_nullable=False, default_value=actor_default),
        ]
    return fields


def many_to_one(ids: IdMaker, obj: str, name: str, label: str, target: str, inverse: str, on_delete: str = "SET_NULL") -> FieldDef:
    return FieldDef(
        ids(obj, name), name, label, "RELATION", relation_type="MANY_TO_ONE", target_object=target,
        target_field=inverse, on_delete=on_delete,
        settings={"relationType": "MANY_TO_ONE", "joinColumnName": f"{name}Id", "onDelete": on_delete},
    )


def one_to_many(ids: IdMaker, obj: str, name: str, label: str, target: str, inverse: str) -> FieldDef:
    return FieldDef(
        ids(obj, name), name, label, "RELATION", relation_type="ONE_TO_MANY", target_object=target,
        target_field=inverse, settings={"relationType": "ONE_TO_MANY"},
    )


def morph_target(ids: IdMaker, obj: str, target: str, inverse: str) -> FieldDef:
    """`noteTarget.targetCompany` (join column `targetCompanyId`): one arm of the morph
    relation `target`, as `computeMorphRelationFieldName` names it (api.md §5.2, §6.6)."""
    name = "target" + target[0].upper() + target[1:]
    return FieldDef(
        ids(obj, name), name, target[0].upper() + target[1:], "MORPH_RELATION",
        relation_type="MANY_TO_ONE", target_object=target, target_field=inverse, on_delete="CASCADE",
        morph_id=ids(obj, "target"),
        settings={"relationType": "MANY_TO_ONE", "joinColumnName": f"{name}Id", "onDelete": "CASCADE"},
    )


ACTIVITY_LINKS: dict[str, str] = {"noteTarget": "noteTargets", "taskTarget": "taskTargets", "attachment": "attachments"}
"""Link objects that get a morph arm for every target object, and the inverse name on the target."""

ACTIVITY_TARGETS = ("person", "company", "opportunity")


def _obj(ids: IdMaker, singular: str, plural: str, label: str, label_plural: str, fields: list[FieldDef], *, system: bool = False, identifier: str | None = "name", icon: str | None = None) -> ObjectDef:
    return ObjectDef(ids(singular), singular, plural, label, label_plural, tuple(fields), is_system=system, label_identifier=identifier, icon=icon)


def standard_objects(workspace_id: str) -> list[ObjectDef]:
    """The standard objects of a new workspace, with their relations on both sides."""
    ids = IdMaker(workspace_id)

    def links(obj: str) -> list[FieldDef]:
        return [one_to_many(ids, obj, inv, inv[0].upper() + inv[1:], link, "target" + obj[0].upper() + obj[1:]) for link, inv in ACTIVITY_LINKS.items()]

    member = _obj(ids, "workspaceMember", "workspaceMembers", "Workspace Member", "Workspace Members", [
        *system_fields(ids, "workspaceMember", with_actor=False),
        FieldDef(ids("workspaceMember", "name"), "name", "Name", "FULL_NAME", is_nullable=False),
        FieldDef(ids("workspaceMember", "userEmail"), "userEmail", "User Email", "TEXT"),
        FieldDef(ids("workspaceMember", "userId"), "userId", "User Id", "UUID", is_nullable=False),
        FieldDef(ids("workspaceMember", "colorScheme"), "colorScheme", "Color Scheme", "TEXT", default_value="'System'"),
        FieldDef(ids("workspaceMember", "locale"), "locale", "Language", "TEXT", default_value="'en'"),
        FieldDef(ids("workspaceMember", "avatarUrl"), "avatarUrl", "Avatar Url", "TEXT"),
        FieldDef(ids("workspaceMember", "timeZone"), "timeZone", "Time zone", "TEXT", default_value="'system'"),
        one_to_many(ids, "workspaceMember", "accountOwnerForCompanies", "Account Owner For Companies", "company", "accountOwner"),
        one_to_many(ids, "workspaceMember", "assignedTasks", "Assigned tasks", "task", "assignee"),
        one_to_many(ids, "workspaceMember", "ownedOpportunities", "Owned opportunities", "opportunity", "owner"),
        one_to_many(ids, "workspaceMember", "connectedAccounts", "Connected accounts", "connectedAccount", "accountOwner"),
    ], system=True, identifier="name", icon="IconUserCircle")

    company = _obj(ids, "company", "companies", "Company", "Companies", [
        *system_fields(ids, "company"),
        FieldDef(ids("company", "name"), "name", "Name", "TEXT"),
        FieldDef(ids("company", "domainName"), "domainName", "Domain", "LINKS", is_unique=True),
        FieldDef(ids("company", "employees"), "employees", "Employees", "NUMBER", settings={"dataType": "int"}),
        FieldDef(ids("company", "linkedinLink"), "linkedinLink", "Linkedin", "LINKS"),
        FieldDef(ids("company", "xLink"), "xLink", "X", "LINKS"),
        FieldDef(ids("company", "annualRecurringRevenue"), "annualRecurringRevenue", "ARR", "CURRENCY"),
        FieldDef(ids("company", "address"), "address", "Address", "ADDRESS"),
        FieldDef(ids("company", "idealCustomerProfile"), "idealCustomerProfile", "ICP", "BOOLEAN", is_nullable=False, default_value=False),
        many_to_one(ids, "company", "accountOwner", "Account Owner", "workspaceMember", "accountOwnerForCompanies"),
        one_to_many(ids, "company", "people", "People", "person", "company"),
        one_to_many(ids, "company", "opportunities", "Opportunities", "opportunity", "company"),
        *links("company"),
    ], icon="IconBuildingSkyscraper")

    person = _obj(ids, "person", "people", "Person", "People", [
        *system_fields(ids, "person"),
        FieldDef(ids("person", "name"), "name", "Name", "FULL_NAME"),
        FieldDef(ids("person", "emails"), "emails", "Emails", "EMAILS", is_unique=True),
        FieldDef(ids("person", "linkedinLink"), "linkedinLink", "Linkedin", "LINKS"),
        FieldDef(ids("person", "xLink"), "xLink", "X", "LINKS"),
        FieldDef(ids("person", "jobTitle"), "jobTitle", "Job Title", "TEXT"),
        FieldDef(ids("person", "phones"), "phones", "Phones", "PHONES"),
        FieldDef(ids("person", "city"), "city", "City", "TEXT"),
        FieldDef(ids("person", "avatarUrl"), "avatarUrl", "Avatar", "TEXT"),
        many_to_one(ids, "person", "company", "Company", "company", "people"),
        one_to_many(ids, "person", "pointOfContactForOpportunities", "Linked Opportunities", "opportunity", "pointOfContact"),
        *links("person"),
    ], icon="IconUser")

    stage = _select_options(ids, "opportunity.stage", [
        ("NEW", "New", "red"), ("SCREENING", "Screening", "purple"), ("MEETING", "Meeting", "sky"),
        ("PROPOSAL", "Proposal", "turquoise"), ("CUSTOMER", "Customer", "yellow"),
    ])
    opportunity = _obj(ids, "opportunity", "opportunities", "Opportunity", "Opportunities", [
        *system_fields(ids, "opportunity"),
        FieldDef(ids("opportunity", "name"), "name", "Name", "TEXT"),
        FieldDef(ids("opportunity", "amount"), "amount", "Amount", "CURRENCY"),
        FieldDef(ids("opportunity", "closeDate"), "closeDate", "Close date", "DATE_TIME"),
        FieldDef(ids("opportunity", "stage"), "stage", "Stage", "SELECT", is_nullable=False, default_value="'NEW'", options=stage),
        many_to_one(ids, "opportunity", "company", "Company", "company", "opportunities"),
        many_to_one(ids, "opportunity", "pointOfContact", "Point of Contact", "person", "pointOfContactForOpportunities"),
        many_to_one(ids, "opportunity", "owner", "Owner", "workspaceMember", "ownedOpportunities"),
        *links("opportunity"),
    ], icon="IconTargetArrow")

    note = _obj(ids, "note", "notes", "Note", "Notes", [
        *system_fields(ids, "note"),
        FieldDef(ids("note", "title"), "title", "Title", "TEXT"),
        FieldDef(ids("note", "bodyV2"), "bodyV2", "Body", "RICH_TEXT_V2"),
        one_to_many(ids, "note", "noteTargets", "Relations", "noteTarget", "note"),
        one_to_many(ids, "note", "attachments", "Attachments", "attachment", "targetNote"),
    ], identifier="title", icon="IconNotes")

    status = _select_options(ids, "task.status", [("TODO", "To do", "sky"), ("IN_PROGRESS", "In progress", "purple"), ("DONE", "Done", "green")])
    task = _obj(ids, "task", "tasks", "Task", "Tasks", [
        *system_fields(ids, "task"),
        FieldDef(ids("task", "title"), "title", "Title", "TEXT"),
        FieldDef(ids("task", "bodyV2"), "bodyV2", "Body", "RICH_TEXT_V2"),
        FieldDef(ids("task", "dueAt"), "dueAt", "Due Date", "DATE_TIME"),
        FieldDef(ids("task", "status"), "status", "Status", "SELECT", default_value="'TODO'", options=status),
        many_to_one(ids, "task", "assignee", "Assignee", "workspaceMember", "assignedTasks"),
        one_to_many(ids, "task", "taskTargets", "Relations", "taskTarget", "task"),
        one_to_many(ids, "task", "attachments", "Attachments", "attachment", "targetTask"),
    ], identifier="title", icon="IconCheckbox")

    note_target = _obj(ids, "noteTarget", "noteTargets", "Note Target", "Note Targets", [
        *system_fields(ids, "noteTarget", with_actor=False),
        many_to_one(ids, "noteTarget", "note", "Note", "note", "noteTargets", on_delete="CASCADE"),
        *(morph_target(ids, "noteTarget", t, "noteTargets") for t in ACTIVITY_TARGETS),
    ], system=True, identifier=None)
    task_target = _obj(ids, "taskTarget", "taskTargets", "Task Target", "Task Targets", [
        *system_fields(ids, "taskTarget", with_actor=False),
        many_to_one(ids, "taskTarget", "task", "Task", "task", "taskTargets", on_delete="CASCADE"),
        *(morph_target(ids, "taskTarget", t, "taskTargets") for t in ACTIVITY_TARGETS),
    ], system=True, identifier=None)
    category = _select_options(ids, "attachment.fileCategory", [
        (v, v.replace("_", " ").title(), "gray") for v in
        ("ARCHIVE", "AUDIO", "IMAGE", "PRESENTATION", "SPREADSHEET", "TEXT_DOCUMENT", "VIDEO", "OTHER")
    ])
    attachment = _obj(ids, "attachment", "attachments", "Attachment", "Attachments", [
        *system_fields(ids, "attachment"),
        FieldDef(ids("attachment", "name"), "name", "Name", "TEXT"),
        FieldDef(ids("attachment", "fullPath"), "fullPath", "Full path", "TEXT"),
        # Files v2 (PR #17707, 2026-02): `file` FILES `[{fileId, label}]` (research note §1.1).
        FieldDef(ids("attachment", "file"), "file", "File", "FILES", settings={"maxNumberOfValues": 1}),
        FieldDef(ids("attachment", "fileCategory"), "fileCategory", "File category", "SELECT", default_value="'OTHER'", options=category),
        *(morph_target(ids, "attachment", t, "attachments") for t in (*ACTIVITY_TARGETS, "note", "task")),
    ], system=True)
    return [member, company, person, opportunity, note, task, note_target, task_target, attachment, *configuration_objects(ids)]


def configuration_objects(ids: IdMaker) -> list[ObjectDef]:
    """Workflows (`modules/workflow/common/standard-objects/*.workspace-entity.ts`, config.md §2.1)
    and connected accounts (`modules/connected-account/standard-objects/…`, §4.3): records, not data."""
    version_status = _select_options(ids, "workflowVersion.status", [
        ("DRAFT", "Draft", "yellow"), ("ACTIVE", "Active", "green"), ("DEACTIVATED", "Deactivated", "orange"), ("ARCHIVED", "Archived", "gray")])
    workflow = _obj(ids, "workflow", "workflows", "Workflow", "Workflows", [
        *system_fields(ids, "workflow"),
        FieldDef(ids("workflow", "name"), "name", "Name", "TEXT"),
        FieldDef(ids("workflow", "lastPublishedVersionId"), "lastPublishedVersionId", "Last published Version Id", "TEXT"),
        FieldDef(ids("workflow", "statuses"), "statuses", "Statuses", "MULTI_SELECT", options=version_status[:3]),
        one_to_many(ids, "workflow", "versions", "Versions", "workflowVersion", "workflow"),
        one_to_many(ids, "workflow", "automatedTriggers", "Automated Triggers", "workflowAutomatedTrigger", "workflow"),
    ], icon="IconSettingsAutomation")
    version = _obj(ids, "workflowVersion", "workflowVersions", "Workflow Version", "Workflow Versions", [
        *system_fields(ids, "workflowVersion"),
        FieldDef(ids("workflowVersion", "name"), "name", "Name", "TEXT"),
        FieldDef(ids("workflowVersion", "trigger"), "trigger", "Version trigger", "RAW_JSON"),
        FieldDef(ids("workflowVersion", "steps"), "steps", "Version steps", "RAW_JSON"),
        FieldDef(ids("workflowVersion", "status"), "status", "Version status", "SELECT", is_nullable=False, default_value="'DRAFT'", options=version_status),
        many_to_one(ids, "workflowVersion", "workflow", "Workflow", "workflow", "versions", on_delete="CASCADE"),
    ], icon="IconVersions")
    trigger = _obj(ids, "workflowAutomatedTrigger", "workflowAutomatedTriggers", "Workflow Automated Trigger", "Workflow Automated Triggers", [
        *system_fields(ids, "workflowAutomatedTrigger", with_actor=False),
        FieldDef(ids("workflowAutomatedTrigger", "type"), "type", "Automated Trigger Type", "SELECT", is_nullable=False,
                 options=_select_options(ids, "workflowAutomatedTrigger.type", [("DATABASE_EVENT", "Database Event", "green"), ("CRON", "Cron", "blue")])),
        FieldDef(ids("workflowAutomatedTrigger", "settings"), "settings", "Settings", "RAW_JSON"),
        many_to_one(ids, "workflowAutomatedTrigger", "workflow", "Workflow", "workflow", "automatedTriggers", on_delete="CASCADE"),
    ], system=True, identifier=None, icon="IconSettingsAutomation")
    account = _obj(ids, "connectedAccount", "connectedAccounts", "Connected Account", "Connected Accounts", [
        *system_fields(ids, "connectedAccount", with_actor=False),
        FieldDef(ids("connectedAccount", "handle"), "handle", "handle", "TEXT"),
        FieldDef(ids("connectedAccount", "provider"), "provider", "provider", "TEXT"),
        FieldDef(ids("connectedAccount", "lastSyncHistoryId"), "lastSyncHistoryId", "Last sync history ID", "TEXT"),
        FieldDef(ids("connectedAccount", "authFailedAt"), "authFailedAt", "Auth failed at", "DATE_TIME"),
        FieldDef(ids("connectedAccount", "handleAliases"), "handleAliases", "Handle Aliases", "TEXT"),
        FieldDef(ids("connectedAccount", "scopes"), "scopes", "Scopes", "ARRAY"),
        many_to_one(ids, "connectedAccount", "accountOwner", "Account Owner", "workspaceMember", "connectedAccounts", on_delete="CASCADE"),
    ], system=True, identifier="handle", icon="IconAt")
    return [workflow, version, trigger, account]
