"""Workflows in the configuration phase: every workflow with its versions, triggers and steps.

Twenty lets a version be created only as a DRAFT, one draft per workflow, and a version leaves
DRAFT only by being activated; activating a version ARCHIVES the previous last-published one
(`workflow-version-validation.workspace-service.ts`, `workflow-trigger.workspace-service.ts`
`performActivationSteps`). So the history is rebuilt in source order, oldest first, the source's
draft last: each version is a new draft filled with its trigger and steps (ids rewritten), then,
with `--workflows as-source` and a user token, published (ARCHIVED ones are archived by the
publication of the next), and a DEACTIVATED last version deactivated again. With `--workflows
draft` nothing is ever activated: Twenty then holds one version per workflow, a draft of the
version the source runs, and the others are listed in `manual-steps.md`.

Resumable: each workflow and version is created with an id journaled before the request, the
steps present in the target version are read back before steps are added, and the status a
version reached is read from the target, so a run killed anywhere and repeated creates nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from migrate.apply.manual_steps import clear_manual_steps
from migrate.errors import TwentyError
from migrate.plan.config_plan import chosen_version, rows, source_order
from migrate.snapshot.reader import Snapshot
from migrate.twenty import config_api
from migrate.twenty.client import TwentyClient

if TYPE_CHECKING:
    from migrate.apply.config import ConfigMap, Remapper

WorkflowMode = Literal["draft", "as-source"]
PUBLISHED = ("ACTIVE", "DEACTIVATED", "ARCHIVED")
"""Statuses a version reaches only through activation."""
USER_TOKEN = "set TWENTY_TARGET_USER_TOKEN to let apply do it"


def final_status(version: dict[str, Any], later: list[dict[str, Any]]) -> str:
    """The status a rebuilt version ends in once the whole history is rebuilt: Twenty archives the
    last published version when a newer one is published, whatever its state was."""
    if version["status"] not in PUBLISHED:
        return "DRAFT"
    if any(v["status"] in PUBLISHED for v in later):
        return "ARCHIVED"
    return "ACTIVE" if version["status"] == "ACTIVE" else "DEACTIVATED"


def wanted_status(version: dict[str, Any], later: list[dict[str, Any]]) -> str:
    """The status a rebuilt version must reach itself: a published version stays ACTIVE until a later
    publication archives it; the last published is deactivated if the source's is not active."""
    if version["status"] not in PUBLISHED:
        return "DRAFT"
    if any(v["status"] in PUBLISHED for v in later):
        return "ACTIVE"
    return "ACTIVE" if version["status"] == "ACTIVE" else "DEACTIVATED"


class WorkflowMigrator:
    def __init__(self, client: TwentyClient, user_client: TwentyClient | None, snapshot: Snapshot, cmap: ConfigMap, remap: Remapper,
                 manual: Callable[[str, str, str], None], count: Callable[[str], None], mode: WorkflowMode) -> None:
        self.client = client
        self.user_client = user_client
        self.snapshot = snapshot
        self.map = cmap
        self.remap = remap
        self.manual = manual
        self.count = count
        self.mode = mode

    @property
    def history(self) -> bool:
        """Whether every version is rebuilt (it takes activations, hence a user token)."""
        return self.mode == "as-source" and self.user_client is not None

    async def run(self) -> None:
        versions = rows(self.snapshot, "workflow_versions")
        existing: list[dict[str, Any]] | None = None
        for w in rows(self.snapshot, "workflows", "position, name"):
            name = w["name"]
            target_id = self.map.get("workflow", w["id"])
            if target_id is None:
                if existing is None:
                    existing = await config_api.list_records(self.client, "workflows")
                target_id = await self._workflow(w, existing)
            if target_id is None or not self.map.is_created("workflow", w["id"]):
                continue
            await self._versions(name, target_id, w, source_order([v for v in versions if v["workflow_id"] == w["id"]]))

    async def _workflow(self, w: dict[str, Any], existing: list[dict[str, Any]]) -> str | None:
        planned = self.map.planned_if_any("workflow", w["id"])
        if planned and any(r["id"] == planned for r in existing):  # a killed run made it
            self.map.done("workflow", w["id"], planned, True)
            return planned
        twin = next((r for r in existing if r.get("name") == w["name"]), None)
        if twin is not None:
            self.map.put("workflow", w["id"], twin["id"], False)
            self.manual("workflow", w["name"], "a workflow of this name already existed in the target: it was left as it was")
            return None
        target_id, _ = await config_api.create_workflow(self.client, w["name"], self.map.planned("workflow", w["id"]))
        self.map.done("workflow", w["id"], target_id, True)
        self.count("workflow")
        return target_id

    async def _versions(self, name: str, workflow_id: str, w: dict[str, Any], history: list[dict[str, Any]]) -> None:
        chosen = chosen_version(w, history)
        rebuild = history if self.history else [v for v in history if chosen is not None and v["id"] == chosen["id"]]
        if len(rebuild) > 1 and sum(1 for v in rebuild if v["status"] == "DRAFT") > 1:  # Twenty never holds two drafts
            extra = [v for v in rebuild if v["status"] == "DRAFT"][:-1]
            rebuild = [v for v in rebuild if v not in extra]
            for v in extra:
                self.manual("workflow", name, f"version '{v['name']}' was not recreated: the source held several drafts, Twenty keeps one")
        for v in history:
            if v not in rebuild:
                why = ("with --workflows draft nothing is activated, and Twenty keeps a single draft per workflow (a version leaves draft only "
                       "by being activated): run apply with --workflows as-source to rebuild the history"
                       if self.mode == "draft" else f"rebuilding a history of versions activates them, which Twenty accepts from a user session only ({USER_TOKEN})")
                self.manual("workflow", name, f"version '{v['name']}' ({v['status']} in the source) was not recreated: {why}")
        for index, version in enumerate(rebuild):
            later = rebuild[index + 1 :]
            if self.history:
                await self._version(name, workflow_id, version, wanted_status(version, later), final_status(version, later))
            else:
                await self._version(name, workflow_id, version, "DRAFT", "DRAFT")

    async def _version(self, name: str, workflow_id: str, version: dict[str, Any], wanted: str, final: str) -> None:
        """Rebuild one version; the journal keeps the status it must end in (`workflow_version_status`) for the audit."""
        if self.map.get("workflow_version_done", version["id"]) is not None:
            return
        target_id = self.map.get("workflow_version", version["id"])
        if target_id is None:
            target_id = await self._draft_for(workflow_id, version)
        target = await config_api.get_version(self.client, target_id)
        if target is None:
            raise TwentyError(f"Workflow '{name}': its version {target_id}, made by an earlier apply, is no longer in the target "
                              "(deleted by hand?). Run `twenty-migrate rollback`, then apply again.", object_name="workflowVersion", record_id=target_id)
        if target.get("status") == "DRAFT":
            await self._fill(name, version, target)
        await self._publish(name, version, target, wanted)
        self.map.write([("workflow_version_done", version["id"], target_id, False), ("workflow_version_status", version["id"], final, False)])

    async def _draft_for(self, workflow_id: str, version: dict[str, Any]) -> str:
        """The target draft this version fills: the one a killed run created for it, else the
        workflow's current draft (its `v1`, or one an earlier version left because it could not be
        published), else a new one with a journaled id."""
        present = await config_api.list_versions(self.client, workflow_id)
        planned = self.map.planned_if_any("workflow_version", version["id"])
        draft = next((v for v in present if planned and v["id"] == planned), None) or next((v for v in present if v.get("status") == "DRAFT"), None)
        if draft is not None:
            target_id = str(draft["id"])
        else:
            target_id = await config_api.create_version(self.client, workflow_id, version["name"] or "v1",
                                                        self.map.planned("workflow_version", version["id"]))
            self.count("workflow version")
        self.map.done("workflow_version", version["id"], target_id, True)
        return target_id

    async def _fill(self, name: str, version: dict[str, Any], target: dict[str, Any]) -> None:
        """Trigger, name and steps of a draft made equal to the source version's (ids rewritten):
        steps already there (a killed run, an earlier version's leftovers) are updated or removed."""
        trigger, steps = json.loads(version["trigger"] or "null"), json.loads(version["steps"] or "[]")
        draft = str(target["id"])
        label = f"version '{version['name']}'"
        problems: list[str] = []
        if trigger:
            body = self.remap.json_ids(trigger, problems)
            if target.get("trigger") != body:
                await config_api.set_trigger(self.client, draft, body)
        if version["name"] and target.get("name") != version["name"]:
            await config_api.rename_version(self.client, draft, version["name"])
        present = {s["id"]: s for s in target.get("steps") or [] if isinstance(s, dict)}
        wanted = {s["id"] for s in steps}
        if self.user_client is not None:
            for step_id in present.keys() - wanted:
                await config_api.delete_step(self.user_client, draft, step_id)
        for step in steps:
            step_problems: list[str] = []
            body = self.remap.json_ids(step, step_problems)
            for problem in step_problems:
                self.manual("workflow", name, f"step '{step.get('name')}': {problem}")
            if self.user_client is None:
                self.manual("workflow", name, f"add the step '{step.get('name')}' ({step.get('type')}) by hand: Twenty creates workflow steps "
                            f"for a user session only ({USER_TOKEN})")
                continue
            if step["id"] not in present:
                await config_api.create_step(self.user_client, draft, body)
                self.count("workflow step")
            elif present[step["id"]] != body:
                await config_api.update_step(self.user_client, draft, body)
            clear_manual_steps(self.map.journal, "workflow", name, f"add the step '{step.get('name')}'")
        for problem in problems:
            self.manual("workflow", name, f"trigger of {label}: {problem}")

    async def _publish(self, name: str, version: dict[str, Any], target: dict[str, Any], wanted: str) -> None:
        """Bring the target version to `wanted`, from whatever status a killed run left it in."""
        status, draft = target.get("status"), str(target["id"])
        if version["status"] == "ACTIVE" and wanted == "DRAFT":
            if self.mode == "draft":
                self.manual("workflow", name, "active in the source, created as a draft (--workflows draft): activate it once checked")
            else:
                self.manual("workflow", name, f"active in the source: activate it in Workflows (Twenty activates for a user session only; {USER_TOKEN})")
            return
        if wanted == "DRAFT" or self.user_client is None:
            return
        if status == "DRAFT":
            try:
                await config_api.activate_version(self.user_client, draft)
            except TwentyError as exc:
                self.manual("workflow", name, f"version '{version['name']}' ({version['status']} in the source) could not be published in the "
                            f"target ({exc}); it stays a draft, which the next version (if any) reuses: publish it by hand if needed")
                return
            status = "ACTIVE"
            self.count("workflow version published")
        if version["status"] == "ACTIVE":
            clear_manual_steps(self.map.journal, "workflow", name, "active in the source")
            self.map.put("workflow_activation", version["id"], draft, False)
        if status == "ACTIVE" and wanted == "DEACTIVATED":
            await config_api.deactivate_version(self.user_client, draft)
            if version["status"] == "ARCHIVED":
                self.manual("workflow", name, f"version '{version['name']}' is ARCHIVED in the source, but no later version was published: "
                            "Twenty archives a version only when a newer one is published, so it is DEACTIVATED in the target")


__all__ = ["PUBLISHED", "WorkflowMigrator", "WorkflowMode", "final_status", "wanted_status"]
