"""Conformance of workflows (config.md §2): the record hooks on `/rest/workflows` and
`/rest/workflowVersions`, and the workflow mutations on `/graphql`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.emulator.config_helpers import assert_graphql_error, gql
from tests.emulator.conftest import assert_twenty_error

pytestmark = pytest.mark.anyio

TRIGGER = {"name": "Person created", "type": "DATABASE_EVENT", "settings": {"eventName": "person.created", "outputSchema": {}}}


async def new_workflow(client: httpx.AsyncClient, name: str = "Onboarding") -> tuple[str, dict[str, Any]]:
    created = await client.post("/rest/workflows", json={"name": name})
    assert created.status_code == 201, created.text
    workflow_id = created.json()["data"]["createWorkflow"]["id"]
    versions = (await client.get("/rest/workflowVersions", params={"filter": f"workflowId[eq]:{workflow_id}"})).json()["data"]["workflowVersions"]
    return workflow_id, versions[0]


async def workflow(client: httpx.AsyncClient, workflow_id: str) -> dict[str, Any]:
    return (await client.get(f"/rest/workflows/{workflow_id}")).json()["data"]["workflow"]  # type: ignore[no-any-return]


async def test_creating_a_workflow_makes_its_draft_v1(api: httpx.AsyncClient) -> None:
    """`modules/workflow/common/query-hooks/workflow-create-one.post-query.hook.ts`; `statuses` computed."""
    workflow_id, version = await new_workflow(api)
    assert (version["name"], version["status"], version["trigger"], version["steps"]) == ("v1", "DRAFT", None, None)
    assert (await workflow(api, workflow_id))["statuses"] == ["DRAFT"]


async def test_statuses_cannot_be_given_on_create(api: httpx.AsyncClient) -> None:
    """`workflow-create-one.pre-query.hook.ts` refuses a non-empty `statuses` (config.md §2.1)."""
    assert_twenty_error(await api.post("/rest/workflows", json={"name": "X", "statuses": ["ACTIVE"]}), 400, "BadRequestException")


async def test_a_second_draft_or_an_active_version_cannot_be_created_as_a_record(api: httpx.AsyncClient) -> None:
    """`workflow-version-validation.workspace-service.ts` `validateWorkflowVersionForCreateOne`."""
    workflow_id, _ = await new_workflow(api)
    assert_twenty_error(await api.post("/rest/workflowVersions", json={"name": "v2", "workflowId": workflow_id}),
                        403, "ForbiddenException", "Cannot create multiple draft versions for the same workflow")
    assert_twenty_error(await api.post("/rest/workflowVersions", json={"name": "v2", "workflowId": workflow_id, "status": "ACTIVE"}),
                        403, "ForbiddenException", "Cannot create workflow version with status other than draft")


async def test_a_draft_takes_a_trigger_but_not_steps_or_a_status_through_the_record_api(api: httpx.AsyncClient) -> None:
    """`validateWorkflowVersionForUpdateOne`: steps go through the step mutations; status is the server's."""
    _, version = await new_workflow(api)
    path = f"/rest/workflowVersions/{version['id']}"
    assert (await api.patch(path, json={"trigger": TRIGGER})).json()["data"]["updateWorkflowVersion"]["trigger"] == TRIGGER
    refused = await api.patch(path, json={"steps": [{"id": str(uuid.uuid4()), "type": "CODE"}]})
    assert_twenty_error(refused, 403, "ForbiddenException")
    assert refused.json()["messages"][0].startswith("Updating workflowVersion steps directly is forbidden.")
    assert_twenty_error(await api.patch(path, json={"status": "ACTIVE"}), 403, "ForbiddenException", "Cannot update workflow version status manually")


async def test_workflow_mutations_refuse_an_api_key(api: httpx.AsyncClient) -> None:
    """`workflow-trigger.resolver.ts`, `workflow-version-step.resolver.ts`: `UserAuthGuard` (config.md §0.3)."""
    _, version = await new_workflow(api)
    body = await gql(api, "mutation($id: UUID!) { activateWorkflowVersion(workflowVersionId: $id) }", "/graphql", id=version["id"])
    assert_graphql_error(body, "FORBIDDEN", "Forbidden resource")
    body = await gql(api, "mutation($i: CreateWorkflowVersionStepInput!) { createWorkflowVersionStep(input: $i) { id } }", "/graphql",
                     i={"workflowVersionId": version["id"], "stepType": "CREATE_RECORD"})
    assert_graphql_error(body, "FORBIDDEN", "Forbidden resource")


async def test_a_user_rebuilds_trigger_and_steps_then_activates_and_deactivates(user: httpx.AsyncClient) -> None:
    """`updateWorkflowVersionTrigger`, `createWorkflowVersionStep` (ids kept, linked after the parent),
    `activateWorkflowVersion` (automated trigger created, `lastPublishedVersionId`), `deactivateWorkflowVersion`."""
    workflow_id, version = await new_workflow(user)
    await gql(user, "mutation($i: UpdateWorkflowVersionTriggerInput!) { updateWorkflowVersionTrigger(input: $i) { id } }", "/graphql",
              i={"workflowVersionId": version["id"], "trigger": TRIGGER})
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    step = "mutation($i: CreateWorkflowVersionStepInput!) { createWorkflowVersionStep(input: $i) { id type nextStepIds } }"
    made = await gql(user, step, "/graphql", i={"workflowVersionId": version["id"], "stepType": "CREATE_RECORD", "id": first})
    assert made["data"]["createWorkflowVersionStep"] == {"id": first, "type": "CREATE_RECORD", "nextStepIds": []}
    await gql(user, step, "/graphql", i={"workflowVersionId": version["id"], "stepType": "SEND_EMAIL", "id": second, "parentStepId": first})
    activated = await gql(user, "mutation($id: UUID!) { activateWorkflowVersion(workflowVersionId: $id) }", "/graphql", id=version["id"])
    assert activated["data"]["activateWorkflowVersion"] is True
    stored = (await user.get(f"/rest/workflowVersions/{version['id']}")).json()["data"]["workflowVersion"]
    assert stored["status"] == "ACTIVE" and [s["id"] for s in stored["steps"]] == [first, second] and stored["steps"][0]["nextStepIds"] == [second]
    flow = await workflow(user, workflow_id)
    assert flow["statuses"] == ["ACTIVE"] and flow["lastPublishedVersionId"] == version["id"]
    triggers = (await user.get("/rest/workflowAutomatedTriggers")).json()["data"]["workflowAutomatedTriggers"]
    assert [(t["type"], t["workflowId"]) for t in triggers] == [("DATABASE_EVENT", workflow_id)]
    await gql(user, "mutation($id: UUID!) { deactivateWorkflowVersion(workflowVersionId: $id) }", "/graphql", id=version["id"])
    assert (await workflow(user, workflow_id))["statuses"] == ["DEACTIVATED"]
    assert (await user.get("/rest/workflowAutomatedTriggers")).json()["data"]["workflowAutomatedTriggers"] == []


async def test_activation_needs_a_trigger_and_steps(user: httpx.AsyncClient) -> None:
    """`assert-version-can-be-activated.util.ts` (UserInputError)."""
    _, version = await new_workflow(user)
    query = "mutation($id: UUID!) { activateWorkflowVersion(workflowVersionId: $id) }"
    assert_graphql_error(await gql(user, query, "/graphql", id=version["id"]), "BAD_USER_INPUT", "Workflow version does not contain trigger")
    await user.patch(f"/rest/workflowVersions/{version['id']}", json={"trigger": TRIGGER})
    assert_graphql_error(await gql(user, query, "/graphql", id=version["id"]), "BAD_USER_INPUT", "No steps provided in workflow version")


async def test_a_draft_is_made_from_a_published_version(user: httpx.AsyncClient) -> None:
    """`createDraftFromWorkflowVersion(input {workflowId, workflowVersionIdToCopy})` (`workflow-version.resolver.ts`)."""
    workflow_id, version = await new_workflow(user)
    await user.patch(f"/rest/workflowVersions/{version['id']}", json={"trigger": TRIGGER})
    await gql(user, "mutation($i: CreateWorkflowVersionStepInput!) { createWorkflowVersionStep(input: $i) { id } }", "/graphql",
              i={"workflowVersionId": version["id"], "stepType": "CREATE_RECORD"})
    await gql(user, "mutation($id: UUID!) { activateWorkflowVersion(workflowVersionId: $id) }", "/graphql", id=version["id"])
    draft = (await gql(user, "mutation($i: CreateDraftFromWorkflowVersionInput!) { createDraftFromWorkflowVersion(input: $i) { name status trigger } }",
                       "/graphql", i={"workflowId": workflow_id, "workflowVersionIdToCopy": version["id"]}))["data"]["createDraftFromWorkflowVersion"]
    assert draft == {"name": "v2", "status": "DRAFT", "trigger": TRIGGER}
    assert (await workflow(user, workflow_id))["statuses"] == ["DRAFT", "ACTIVE"]


async def test_publishing_a_new_version_archives_the_last_published_one_whatever_its_state(user: httpx.AsyncClient) -> None:
    """`workflow-trigger.workspace-service.ts` `performActivationSteps`: the previous
    `lastPublishedVersionId` is deactivated (if ACTIVE) then set ARCHIVED, the new version becomes
    ACTIVE and last published; a new draft is a plain `POST /rest/workflowVersions` once no draft
    is left (`validateWorkflowVersionForCreateOne`). A DEACTIVATED last-published version is archived too."""
    workflow_id, v1 = await new_workflow(user)
    activate = "mutation($id: UUID!) { activateWorkflowVersion(workflowVersionId: $id) }"
    step = "mutation($i: CreateWorkflowVersionStepInput!) { createWorkflowVersionStep(input: $i) { id } }"

    async def fill(version_id: str) -> None:
        await user.patch(f"/rest/workflowVersions/{version_id}", json={"trigger": TRIGGER})
        await gql(user, step, "/graphql", i={"workflowVersionId": version_id, "stepType": "CREATE_RECORD"})

    async def status(version_id: str) -> str:
        return (await user.get(f"/rest/workflowVersions/{version_id}")).json()["data"]["workflowVersion"]["status"]  # type: ignore[no-any-return]

    async def new_draft(name: str) -> str:
        created = await user.post("/rest/workflowVersions", json={"name": name, "workflowId": workflow_id})
        assert created.status_code == 201, created.text
        return created.json()["data"]["createWorkflowVersion"]["id"]  # type: ignore[no-any-return]

    await fill(v1["id"])
    await gql(user, activate, "/graphql", id=v1["id"])
    v2 = await new_draft("v2")
    await fill(v2)
    await gql(user, activate, "/graphql", id=v2)
    assert (await status(v1["id"]), await status(v2)) == ("ARCHIVED", "ACTIVE")
    triggers = (await user.get("/rest/workflowAutomatedTriggers")).json()["data"]["workflowAutomatedTriggers"]
    assert len(triggers) == 1
    await gql(user, "mutation($id: UUID!) { deactivateWorkflowVersion(workflowVersionId: $id) }", "/graphql", id=v2)
    v3 = await new_draft("v3")
    await fill(v3)
    assert (await workflow(user, workflow_id))["statuses"] == ["DRAFT", "DEACTIVATED"]
    await gql(user, activate, "/graphql", id=v3)
    assert [await status(v) for v in (v1["id"], v2, v3)] == ["ARCHIVED", "ARCHIVED", "ACTIVE"]
    flow = await workflow(user, workflow_id)
    assert flow["lastPublishedVersionId"] == v3 and flow["statuses"] == ["ACTIVE"]
    assert_graphql_error(await gql(user, activate, "/graphql", id=v1["id"]), "BAD_USER_INPUT", "Cannot activate non-draft or non-last-published version")
