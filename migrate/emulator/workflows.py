"""Workflows: the record hooks of `workflow` / `workflowVersion` and the workflow mutations.

Follows config.md §2: `modules/workflow/common/query-hooks/workflow-create-one.post-query.hook.ts`
(a new workflow gets its draft `v1`), `workflow-version-validation.workspace-service.ts` (the
wording of every refusal), `workflow-trigger/utils/assert-version-can-be-activated.util.ts`
(activation), `core-modules/workflow/resolvers/workflow-trigger.resolver.ts` and
`workflow-version-step.resolver.ts` (mutations behind `UserAuthGuard`).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from migrate.emulator.datamodel import ObjectDef
from migrate.emulator.envelopes import TwentyHTTPError, bad_request, not_found
from migrate.emulator.records import Caller
from migrate.emulator.workspace import Workspace

STATUSES = ("DRAFT", "ACTIVE", "DEACTIVATED")
"""The values `workflow.statuses` can hold (ARCHIVED versions do not count)."""
TRIGGER_TYPES = ("DATABASE_EVENT", "MANUAL", "CRON", "WEBHOOK")
STEP_TYPES = ("CODE", "LOGIC_FUNCTION", "SEND_EMAIL", "DRAFT_EMAIL", "CREATE_RECORD", "UPDATE_RECORD", "DELETE_RECORD",
              "UPSERT_RECORD", "FIND_RECORDS", "PICK_RECORD", "FORM", "FILTER", "IF_ELSE", "HTTP_REQUEST", "AI_AGENT",
              "ITERATOR", "DELAY", "EMPTY", "CREATE_CALENDAR_EVENT", "WAIT_FOR_EVENT")
STEPS_FORBIDDEN = ("Updating workflowVersion steps directly is forbidden. "
                   "Use createWorkflowVersionStep, updateWorkflowVersionStep or deleteWorkflowVersionStep endpoint instead.")


def forbidden(message: str) -> TwentyHTTPError:
    """`WorkflowQueryValidationExceptionCode.FORBIDDEN` → `ForbiddenError` (403, code FORBIDDEN)."""
    return TwentyHTTPError(403, "ForbiddenException", [message])


def invalid(message: str) -> TwentyHTTPError:
    """`WorkflowTriggerException` INVALID_WORKFLOW_VERSION / _TRIGGER / INVALID_INPUT → `UserInputError`."""
    return bad_request(message)


def require_user(caller: Caller) -> None:
    """`UserAuthGuard`: an API key is refused with Nest's "Forbidden resource" (config.md §0.3)."""
    if not caller.user_session:
        raise TwentyHTTPError(403, "ForbiddenException", ["Forbidden resource"])


# record hooks ----------------------------------------------------------------------------------
def before_create(ws: Workspace, obj: ObjectDef, inputs: list[Any]) -> None:
    """Pre-query hooks of `createOne`/`createMany` on workflows and their versions."""
    if obj.name_singular == "workflow":
        for data in inputs:
            if isinstance(data, dict) and data.get("statuses"):
                raise bad_request("Statuses cannot be set manually.")
    if obj.name_singular != "workflowVersion":
        return
    drafts: set[str] = set()
    for data in inputs:
        if not isinstance(data, dict):
            continue
        if data.get("status") and data["status"] != "DRAFT":
            raise forbidden("Cannot create workflow version with status other than draft")
        workflow_id = str(data.get("workflowId"))
        if workflow_id in drafts or any(v["status"] == "DRAFT" and not v.get("deletedAt") for v in versions_of(ws, workflow_id)):
            raise forbidden("Cannot create multiple draft versions for the same workflow")
        drafts.add(workflow_id)


def after_create(ws: Workspace, obj: ObjectDef, records: list[dict[str, Any]], caller: Caller) -> None:
    """`workflow-create-one.post-query.hook.ts`: each new workflow gets a draft version `v1`; a new
    version updates its workflow's `statuses` (`workflow-statuses-update.job.ts`)."""
    if obj.name_singular == "workflowVersion":
        for workflow_id in {str(r.get("workflowId")) for r in records if r.get("workflowId")}:
            refresh_statuses(ws, workflow_id)
        return
    if obj.name_singular != "workflow":
        return
    version = ws.objects["workflowVersion"]
    for record in records:
        if not versions_of(ws, record["id"]):
            ws.create_many(version, [{"name": "v1", "status": "DRAFT", "workflowId": record["id"]}], caller)
        refresh_statuses(ws, record["id"])


def before_update(ws: Workspace, obj: ObjectDef, previous: dict[str, Any], data: Any) -> None:
    """`validateWorkflowVersionForUpdateOne`: only a draft changes (but its name); no status, no steps."""
    if obj.name_singular == "workflow" and isinstance(data, dict) and "statuses" in data:
        raise bad_request("Statuses cannot be set manually.")
    if obj.name_singular != "workflowVersion" or not isinstance(data, dict):
        return
    if set(data) != {"name"} and previous.get("status") != "DRAFT":
        raise forbidden("Workflow version is not in draft status")
    if data.get("status") and data["status"] != previous.get("status"):
        raise forbidden("Cannot update workflow version status manually")
    if data.get("steps"):
        raise forbidden(STEPS_FORBIDDEN)


# reads and writes ------------------------------------------------------------------------------
def versions_of(ws: Workspace, workflow_id: str) -> list[dict[str, Any]]:
    return ws.store.find_by_path(ws.objects["workflowVersion"], ("workflowId",), [workflow_id])


def _version(ws: Workspace, version_id: Any) -> dict[str, Any]:
    obj = ws.objects["workflowVersion"]
    row = ws.store.fetch(obj, [str(version_id)]).get(str(version_id))
    if row is None or row.get("deletedAt"):
        raise not_found("Workflow version not found")
    return row


def _save(ws: Workspace, name: str, row: dict[str, Any]) -> None:
    with ws.store.transaction():
        ws.store.replace(ws.objects[name], row)


def refresh_statuses(ws: Workspace, workflow_id: str) -> list[str]:
    """`workflow.statuses`, computed from the live versions (the statuses-update job)."""
    obj = ws.objects["workflow"]
    row = ws.store.fetch(obj, [workflow_id]).get(workflow_id)
    if row is None:
        return []
    present = {v["status"] for v in versions_of(ws, workflow_id) if not v.get("deletedAt")}
    row["statuses"] = [s for s in STATUSES if s in present]
    _save(ws, "workflow", row)
    return row["statuses"]  # type: ignore[no-any-return]


def _draft(ws: Workspace, version_id: Any) -> dict[str, Any]:
    row = _version(ws, version_id)
    if row["status"] != "DRAFT":
        raise forbidden("Workflow version is not in draft status")
    return row


def update_trigger(ws: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    """`updateWorkflowVersionTrigger(input {workflowVersionId, trigger})` on a draft."""
    row = _draft(ws, data.get("workflowVersionId"))
    trigger = data.get("trigger")
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGER_TYPES:
        raise invalid("No trigger type provided")
    row["trigger"] = trigger
    _save(ws, "workflowVersion", row)
    return row


def _default_step(step_type: str, step_id: str, settings: Any) -> dict[str, Any]:
    name = step_type.replace("_", " ").title()
    base = {"input": {}, "outputSchema": {}, "errorHandlingOptions": {"retryOnFailure": {"value": False}, "continueOnFailure": {"value": False}}}
    return {"id": step_id, "name": name, "type": step_type, "valid": False, "settings": settings if isinstance(settings, dict) else base,
            "nextStepIds": []}


def create_step(ws: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    """`createWorkflowVersionStep(input {workflowVersionId, stepType, parentStepId?, nextStepId?, position?, id?,
    defaultSettings?})`: the new step, linked after its parent."""
    row = _draft(ws, data.get("workflowVersionId"))
    step_type = data.get("stepType")
    if step_type not in STEP_TYPES:
        raise invalid(f"Unknown step type: {step_type}")
    steps = list(row.get("steps") or [])
    step_id = str(uuid.UUID(str(data["id"]))) if data.get("id") else str(uuid.uuid4())
    if any(s["id"] == step_id for s in steps):
        raise invalid(f"Step {step_id} already exists")
    step = _default_step(step_type, step_id, data.get("defaultSettings"))
    if data.get("nextStepId"):
        step["nextStepIds"] = [data["nextStepId"]]
    if data.get("position") is not None:
        step["position"] = data["position"]
    parent = data.get("parentStepId")
    if parent:
        found = [s for s in steps if s["id"] == parent]
        if not found:
            raise invalid("Parent step not found")
        found[0]["nextStepIds"] = [i for i in found[0].get("nextStepIds") or [] if i != data.get("nextStepId")] + [step_id]
    steps.append(step)
    row["steps"] = steps
    _save(ws, "workflowVersion", row)
    return step


def update_step(ws: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    """`updateWorkflowVersionStep(input {workflowVersionId, step})`: the step replaced by id."""
    row = _draft(ws, data.get("workflowVersionId"))
    step = data.get("step")
    steps = list(row.get("steps") or [])
    if not isinstance(step, dict) or not any(s["id"] == step.get("id") for s in steps):
        raise invalid("Step not found")
    if step.get("type") not in STEP_TYPES:
        raise invalid(f"Unknown step type: {step.get('type')}")
    row["steps"] = [step if s["id"] == step["id"] else s for s in steps]
    _save(ws, "workflowVersion", row)
    return step


def delete_step(ws: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    """`deleteWorkflowVersionStep(input {workflowVersionId, stepId})`: unlinked from the others."""
    row = _draft(ws, data.get("workflowVersionId"))
    steps = list(row.get("steps") or [])
    gone = [s for s in steps if s["id"] == data.get("stepId")]
    if not gone:
        raise invalid("Step not found")
    kept = [s for s in steps if s["id"] != data["stepId"]]
    for step in kept:
        step["nextStepIds"] = [i for i in step.get("nextStepIds") or [] if i != data["stepId"]] + (
            gone[0].get("nextStepIds") or [] if data["stepId"] in (step.get("nextStepIds") or []) else [])
    row["steps"] = kept
    _save(ws, "workflowVersion", row)
    return gone[0]


def _assert_can_activate(ws: Workspace, row: dict[str, Any]) -> None:
    workflow = ws.store.fetch(ws.objects["workflow"], [row["workflowId"]]).get(row["workflowId"]) or {}
    last = workflow.get("lastPublishedVersionId")
    if not (row["status"] == "DRAFT" or (row["status"] == "DEACTIVATED" and last == row["id"])):
        raise invalid("Cannot activate non-draft or non-last-published version")
    trigger = row.get("trigger")
    if not trigger:
        raise invalid("Workflow version does not contain trigger")
    if not trigger.get("type"):
        raise invalid("No trigger type provided")
    if not row.get("steps"):
        raise invalid("No steps provided in workflow version")
    settings = trigger.get("settings") or {}
    if trigger["type"] == "DATABASE_EVENT" and not settings.get("eventName"):
        raise invalid("No event name provided in database event trigger")
    if trigger["type"] == "CRON":
        kind = settings.get("type")
        ok = (kind == "CUSTOM" and settings.get("pattern")) or (kind in ("DAYS", "HOURS", "MINUTES") and isinstance(settings.get("schedule"), dict))
        if not ok:
            raise invalid("Invalid cron trigger settings")
    elif trigger["type"] not in TRIGGER_TYPES:
        raise invalid("Invalid trigger type for enabling workflow trigger")


def activate(ws: Workspace, version_id: Any, caller: Caller) -> bool:
    """`activateWorkflowVersion` (`workflow-trigger.workspace-service.ts` `performActivationSteps`):
    the workflow's previous last-published version is deactivated (if active) and ARCHIVED, the
    version becomes ACTIVE and `lastPublishedVersionId`, and a DATABASE_EVENT / CRON trigger gets its
    `workflowAutomatedTrigger` row. Another version still ACTIVE is refused."""
    require_user(caller)
    row = _version(ws, version_id)
    _assert_can_activate(ws, row)
    workflow_obj = ws.objects["workflow"]
    workflow = ws.store.fetch(workflow_obj, [row["workflowId"]])[row["workflowId"]]
    previous = workflow.get("lastPublishedVersionId")
    if previous and previous != row["id"]:
        old = ws.store.fetch(ws.objects["workflowVersion"], [previous]).get(previous)
        if old is not None:
            if old["status"] == "ACTIVE":
                _remove_triggers(ws, row["workflowId"])
            _save(ws, "workflowVersion", {**old, "status": "ARCHIVED"})
        workflow = {**workflow, "lastPublishedVersionId": row["id"]}
        _save(ws, "workflow", workflow)
    elif not previous:
        workflow = {**workflow, "lastPublishedVersionId": row["id"]}
        _save(ws, "workflow", workflow)
    if any(v["status"] == "ACTIVE" and v["id"] != row["id"] and not v.get("deletedAt") for v in versions_of(ws, row["workflowId"])):
        raise forbidden("Cannot have more than one active workflow version")
    row["status"] = "ACTIVE"
    _save(ws, "workflowVersion", row)
    trigger = row["trigger"]
    if trigger["type"] in ("DATABASE_EVENT", "CRON"):
        ws.create_many(ws.objects["workflowAutomatedTrigger"],
                       [{"type": trigger["type"], "settings": trigger.get("settings") or {}, "workflowId": row["workflowId"]}], caller)
    refresh_statuses(ws, row["workflowId"])
    return True


def _remove_triggers(ws: Workspace, workflow_id: str) -> None:
    obj = ws.objects["workflowAutomatedTrigger"]
    found = ws.store.find_by_path(obj, ("workflowId",), [workflow_id])
    with ws.store.transaction():
        ws.store.delete(obj, [r["id"] for r in found])


def deactivate(ws: Workspace, version_id: Any, caller: Caller) -> bool:
    """`deactivateWorkflowVersion`: ACTIVE → DEACTIVATED; its automated trigger goes."""
    require_user(caller)
    row = _version(ws, version_id)
    if row["status"] != "ACTIVE":
        raise invalid("Cannot disable non-active workflow version")
    _save(ws, "workflowVersion", {**row, "status": "DEACTIVATED"})
    _remove_triggers(ws, row["workflowId"])
    refresh_statuses(ws, row["workflowId"])
    return True


def create_draft_from(ws: Workspace, data: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """`createDraftFromWorkflowVersion(input {workflowId, workflowVersionIdToCopy})`: the draft
    (created, or overwritten if one exists) holds a copy of the version's trigger and steps."""
    require_user(caller)
    source = _version(ws, data.get("workflowVersionIdToCopy"))
    if source["workflowId"] != data.get("workflowId"):
        raise invalid("Workflow version does not belong to the workflow")
    drafts = [v for v in versions_of(ws, source["workflowId"]) if v["status"] == "DRAFT" and not v.get("deletedAt")]
    if drafts:
        draft = {**drafts[0], "trigger": copy.deepcopy(source.get("trigger")), "steps": copy.deepcopy(source.get("steps"))}
        _save(ws, "workflowVersion", draft)
    else:
        count = len(versions_of(ws, source["workflowId"]))
        [created] = ws.create_many(ws.objects["workflowVersion"], [{"name": f"v{count + 1}", "status": "DRAFT", "workflowId": source["workflowId"],
                                                                     "trigger": source.get("trigger"), "steps": source.get("steps")}], caller)
        draft = _version(ws, created["id"])
    refresh_statuses(ws, source["workflowId"])
    return draft
