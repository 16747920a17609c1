"""The metadata API lists and changes the data model as Twenty's does, over REST and GraphQL.

REST follows the legacy proxy `packages/twenty-server/src/engine/api/rest/metadata/` (api.md §7.1,
§14.8, §14.12); GraphQL follows `metadata-modules/object-metadata/dtos/object-metadata.dto.ts`,
`field-metadata/dtos/field-metadata.dto.ts`, `relation.dto.ts`, `create-field.input.ts` and
the nestjs-query paging defaults (research note §4).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from migrate.emulator import create_app
from tests.emulator.conftest import API_KEY, assert_twenty_error

pytestmark = pytest.mark.anyio

STANDARD = {  # name: (isSystem, isCustom), per the `@WorkspaceIsSystem()` decorators of the entities
    "company": (False, False), "person": (False, False), "opportunity": (False, False), "note": (False, False),
    "task": (False, False), "noteTarget": (True, False), "taskTarget": (True, False), "attachment": (True, False),
    "workspaceMember": (True, False),
}


async def objects(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    body = (await client.get("/rest/metadata/objects")).json()
    return {o["nameSingular"]: o for o in body["data"]["objects"]}


def field(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in obj["fields"] if f["name"] == name)


async def create_object(client: httpx.AsyncClient, singular: str = "project", plural: str = "projects") -> dict[str, Any]:
    response = await client.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": plural, "labelSingular": singular.title(), "labelPlural": plural.title()})
    assert response.status_code == 201, response.text
    return response.json()["data"]["createOneObject"]  # type: ignore[no-any-return]


async def create_field(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/rest/metadata/fields", json=body)


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/metadata", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


# --- REST reads -----------------------------------------------------------------------------

async def test_objects_come_in_the_legacy_envelope_with_their_fields(client: httpx.AsyncClient) -> None:
    """`{"data": {"objects": [...]}, "pageInfo", "totalCount"}`, each object embedding `fields`
    (api.md §7.1, §14.12)."""
    body = (await client.get("/rest/metadata/objects")).json()
    listed = body["data"]["objects"]
    assert body["totalCount"] == len(listed) >= len(STANDARD)
    assert set(body["pageInfo"]) == {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
    assert body["pageInfo"]["startCursor"] == listed[0]["id"]
    for obj in listed:
        assert {"id", "nameSingular", "namePlural", "labelSingular", "isCustom", "isSystem", "isActive"} <= set(obj)
        assert {"id", "name", "type", "label", "objectMetadataId"} <= set(obj["fields"][0])
        assert all(f["objectMetadataId"] == obj["id"] for f in obj["fields"])


async def test_objects_page_by_limit_and_starting_after(client: httpx.AsyncClient) -> None:
    """Id cursors: `startCursor` is the first item's id, `starting_after=<endCursor>` continues,
    `hasPreviousPage` is always sent (api.md §14.8)."""
    everything = [o["id"] for o in (await client.get("/rest/metadata/objects")).json()["data"]["objects"]]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 4}
    while True:
        body = (await client.get("/rest/metadata/objects", params=params)).json()
        page = [o["id"] for o in body["data"]["objects"]]
        assert len(page) <= 4 and body["pageInfo"]["hasPreviousPage"] is False
        seen += page
        if not body["pageInfo"]["hasNextPage"]:
            break
        params["starting_after"] = body["pageInfo"]["endCursor"]
    assert seen == everything


async def test_one_object_by_id(client: httpx.AsyncClient) -> None:
    """`GET /rest/metadata/objects/{id}` → `{"data": {"object": {...}}}`; an unknown id is a 404."""
    company = (await objects(client))["company"]
    body = (await client.get(f"/rest/metadata/objects/{company['id']}")).json()
    assert body["data"]["object"]["nameSingular"] == "company"
    assert (await client.get("/rest/metadata/objects/00000000-0000-4000-8000-000000000000")).status_code == 404


async def test_fields_are_listed_and_read_one_by_one(client: httpx.AsyncClient) -> None:
    """`GET /rest/metadata/fields` → `data.fields` with `totalCount`; `/fields/{id}` → `data.field`."""
    body = (await client.get("/rest/metadata/fields")).json()
    assert body["totalCount"] == len(body["data"]["fields"])
    every_embedded = sum(len(o["fields"]) for o in (await objects(client)).values())
    assert body["totalCount"] == every_embedded
    first = body["data"]["fields"][0]
    one = (await client.get(f"/rest/metadata/fields/{first['id']}")).json()["data"]["field"]
    assert one == first


@pytest.mark.parametrize(("name", "flags"), list(STANDARD.items()))
async def test_the_standard_objects_are_there_with_twentys_flags(client: httpx.AsyncClient, name: str, flags: tuple[bool, bool]) -> None:
    """The standard objects a migration touches, with `isSystem`/`isCustom` as the entities set
    them (`modules/*/standard-objects/*.workspace-entity.ts`; research note §6)."""
    obj = (await objects(client))[name]
    assert (obj["isSystem"], obj["isCustom"]) == flags
    assert obj["isActive"] is True


async def test_two_workspaces_have_different_metadata_ids_for_the_same_names(client: httpx.AsyncClient) -> None:
    """Metadata ids are per workspace: a migrator must map by name, never copy ids."""
    other = create_app(api_keys=[API_KEY])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://other.test",
                                 headers={"Authorization": f"Bearer {API_KEY}"}) as c:
        theirs = await objects(c)
    ours = await objects(client)
    assert ours["company"]["id"] != theirs["company"]["id"]
    assert field(ours["company"], "name")["id"] != field(theirs["company"], "name")["id"]
    assert (await objects(client))["company"]["id"] == ours["company"]["id"]


async def test_relations_carry_relation_type_and_join_column(client: httpx.AsyncClient) -> None:
    """`settings.relationType`, `settings.joinColumnName` on the many-to-one side only, and the
    `relation` block naming both ends (api.md §7.1, `relation.dto.ts`)."""
    listed = await objects(client)
    company_of_person = field(listed["person"], "company")
    assert company_of_person["type"] == "RELATION"
    assert company_of_person["settings"]["relationType"] == "MANY_TO_ONE"
    assert company_of_person["settings"]["joinColumnName"] == "companyId"
    assert company_of_person["relation"]["targetObjectMetadata"]["nameSingular"] == "company"
    assert company_of_person["relation"]["targetFieldMetadata"]["name"] == "people"
    people = field(listed["company"], "people")
    assert people["settings"]["relationType"] == "ONE_TO_MANY"
    assert "joinColumnName" not in people["settings"]
    assert people["relation"]["targetFieldMetadata"]["id"] == company_of_person["id"]


# --- Custom objects -------------------------------------------------------------------------

async def test_a_custom_object_gets_the_default_fields_and_answers_on_rest_at_once(client: httpx.AsyncClient) -> None:
    """`POST /rest/metadata/objects` → 201 `createOneObject`, with the default fields
    (`build-default-flat-field-metadatas-for-custom-object.util.ts`) and `/rest/<plural>` live."""
    project = await create_object(client)
    assert project["isCustom"] is True and project["isSystem"] is False
    names = {f["name"] for f in project["fields"]}
    assert {"id", "name", "createdAt", "updatedAt", "deletedAt", "position", "createdBy", "updatedBy"} <= names
    assert field(project, "name")["type"] == "TEXT"
    assert (await client.get("/rest/projects")).json()["data"]["projects"] == []
    created = await client.post("/rest/projects", json={"name": "Apollo"})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["createProject"]["name"] == "Apollo"


async def test_a_custom_object_gets_a_morph_arm_on_targets_and_attachments(client: httpx.AsyncClient) -> None:
    """Note targets, task targets and attachments get `target<Object>` (join column
    `target<Object>Id`), usable at once (api.md §6.6, research note §4 default relations)."""
    await create_object(client)
    listed = await objects(client)
    for link in ("noteTarget", "taskTarget", "attachment"):
        arm = field(listed[link], "targetProject")
        assert arm["settings"]["joinColumnName"] == "targetProjectId"
        assert arm["relation"]["targetObjectMetadata"]["nameSingular"] == "project"
    project_id = (await client.post("/rest/projects", json={"name": "Apollo"})).json()["data"]["createProject"]["id"]
    note_id = (await client.post("/rest/notes", json={"title": "Kick-off"})).json()["data"]["createNote"]["id"]
    linked = await client.post("/rest/noteTargets", json={"noteId": note_id, "targetProjectId": project_id})
    assert linked.status_code == 201, linked.text


@pytest.mark.parametrize("name", ["Project", "my project", "my_project", "2projects"])
async def test_an_object_name_that_is_not_camel_case_is_refused(client: httpx.AsyncClient, name: str) -> None:
    """`validate-metadata-name-is-camel-case.utils.ts`: 400 `<name> should be in camelCase`."""
    response = await client.post("/rest/metadata/objects", json={
        "nameSingular": name, "namePlural": "projects", "labelSingular": "Project", "labelPlural": "Projects"})
    assert_twenty_error(response, 400, "BadRequestException", f"{name} should be in camelCase")


async def test_an_object_name_already_taken_is_a_conflict(client: httpx.AsyncClient) -> None:
    """A standard or custom name already used → `Object already exists` (OBJECT_ALREADY_EXISTS,
    `flat-object-metadata-validator.service.ts`, mapped to ConflictError)."""
    response = await client.post("/rest/metadata/objects", json={
        "nameSingular": "company", "namePlural": "companiesCustom", "labelSingular": "C", "labelPlural": "Cs"})
    assert_twenty_error(response, 409, "ConflictException", "Object already exists")
    await create_object(client)
    again = await client.post("/rest/metadata/objects", json={
        "nameSingular": "project", "namePlural": "projectItems", "labelSingular": "P", "labelPlural": "Ps"})
    assert_twenty_error(again, 409, "ConflictException", "Object already exists")


async def test_a_custom_object_can_be_deleted_and_its_relations_go_with_it(client: httpx.AsyncClient) -> None:
    """`DELETE /rest/metadata/objects/{id}` → `deleteOneObject`; the path and the morph arms are
    gone, and a standard object cannot be deleted (api.md §7.5)."""
    project = await create_object(client)
    deleted = await client.delete(f"/rest/metadata/objects/{project['id']}")
    assert deleted.json()["data"]["deleteOneObject"]["id"] == project["id"]
    assert_twenty_error(await client.get("/rest/projects"), 400, "BadRequestException")
    assert "targetProject" not in {f["name"] for f in (await objects(client))["noteTarget"]["fields"]}
    company = (await objects(client))["company"]
    assert (await client.delete(f"/rest/metadata/objects/{company['id']}")).status_code == 400


# --- Custom fields --------------------------------------------------------------------------

FIELD_PAYLOADS: dict[str, dict[str, Any]] = {
    "TEXT": {}, "NUMBER": {"settings": {"dataType": "float", "decimals": 2}}, "NUMERIC": {}, "BOOLEAN": {"defaultValue": False},
    "DATE": {}, "DATE_TIME": {"settings": {"displayFormat": "RELATIVE"}}, "UUID": {}, "RAW_JSON": {}, "ARRAY": {},
    "RICH_TEXT_V2": {}, "CURRENCY": {}, "EMAILS": {}, "LINKS": {}, "PHONES": {}, "FULL_NAME": {}, "ADDRESS": {},
    "RATING": {}, "SELECT": {"options": [{"label": "Hot", "value": "HOT", "color": "red", "position": 0},
                                      {"label": "Cold lead", "value": "COLD_LEAD", "color": "blue", "position": 1}]},
    "MULTI_SELECT": {"options": [{"label": "A", "value": "OPTION_A", "color": "green", "position": 0}]},
}


@pytest.mark.parametrize("kind", list(FIELD_PAYLOADS))
async def test_a_custom_field_of_each_type_is_created_and_listed(client: httpx.AsyncClient, kind: str) -> None:
    """`POST /rest/metadata/fields` → 201 `createOneField`, then the field is on its object and
    records still answer (`create-field.input.ts`, api.md §7.4)."""
    company = (await objects(client))["company"]
    name = "custom" + kind.title().replace("_", "")
    response = await create_field(client, objectMetadataId=company["id"], type=kind, name=name, label=f"Custom {kind}", **FIELD_PAYLOADS[kind])
    assert response.status_code == 201, response.text
    created = response.json()["data"]["createOneField"]
    assert (created["name"], created["type"], created["isCustom"]) == (name, kind, True)
    assert field((await objects(client))["company"], name)["id"] == created["id"]
    assert (await client.post("/rest/companies", json={"name": "Still fine"})).status_code == 201
    assert (await client.get("/rest/companies")).status_code == 200


async def test_select_option_values_must_be_upper_snake_case(client: httpx.AsyncClient) -> None:
    """`Value must be in UPPER_CASE and follow snake_case` (`validate-options-for-type.util.ts`)."""
    company = (await objects(client))["company"]
    response = await create_field(client, objectMetadataId=company["id"], type="SELECT", name="tier", label="Tier",
                                  options=[{"label": "Gold", "value": "gold", "color": "yellow", "position": 0}])
    assert_twenty_error(response, 400, "BadRequestException", "Value must be in UPPER_CASE and follow snake_case")


async def test_a_field_name_already_used_on_the_object_is_refused(client: httpx.AsyncClient) -> None:
    """A second `name` on company is refused with 400 (`validate-field-name-availability.util.ts`)."""
    company = (await objects(client))["company"]
    response = await create_field(client, objectMetadataId=company["id"], type="TEXT", name="name", label="Name again")
    assert_twenty_error(response, 400, "BadRequestException")


async def test_a_many_to_one_relation_creates_both_sides_named_from_the_label(client: httpx.AsyncClient) -> None:
    """`relationCreationPayload` creates `project.company` (join column `companyId`) and the
    inverse on company named by `computeMetadataNameFromLabel`: "Open deals" → `openDeals`."""
    project = await create_object(client)
    company = (await objects(client))["company"]
    response = await create_field(client, objectMetadataId=project["id"], type="RELATION", name="company", label="Company",
                                  relationCreationPayload={"targetObjectMetadataId": company["id"], "targetFieldLabel": "Open deals",
                                                           "targetFieldIcon": "IconBriefcase", "type": "MANY_TO_ONE"})
    assert response.status_code == 201, response.text
    created = response.json()["data"]["createOneField"]
    assert created["settings"]["joinColumnName"] == "companyId"
    inverse = field((await objects(client))["company"], "openDeals")
    assert (inverse["label"], inverse["settings"]["relationType"]) == ("Open deals", "ONE_TO_MANY")
    assert inverse["relation"]["targetFieldMetadata"]["id"] == created["id"]
    company_id = (await client.post("/rest/companies", json={"name": "Acme"})).json()["data"]["createCompany"]["id"]
    made = await client.post("/rest/projects", json={"name": "Apollo", "companyId": company_id})
    assert made.json()["data"]["createProject"]["companyId"] == company_id
    expanded = (await client.get(f"/rest/companies/{company_id}", params={"depth": 1})).json()["data"]["company"]
    assert [p["name"] for p in expanded["openDeals"]] == ["Apollo"]


async def test_a_one_to_many_relation_puts_the_join_column_on_the_other_side(client: httpx.AsyncClient) -> None:
    """Created from the one side, the many-to-one inverse (`client`, join column `clientId`)
    lands on the target object (`create-field.input.ts`, research note §4)."""
    project = await create_object(client)
    company = (await objects(client))["company"]
    response = await create_field(client, objectMetadataId=company["id"], type="RELATION", name="clientProjects", label="Client projects",
                                  relationCreationPayload={"targetObjectMetadataId": project["id"], "targetFieldLabel": "Client",
                                                           "type": "ONE_TO_MANY"})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["createOneField"]["settings"]["relationType"] == "ONE_TO_MANY"
    inverse = field((await objects(client))["project"], "client")
    assert inverse["settings"] == {"relationType": "MANY_TO_ONE", "joinColumnName": "clientId", "onDelete": "SET_NULL"}
    company_id = (await client.post("/rest/companies", json={"name": "Acme"})).json()["data"]["createCompany"]["id"]
    assert (await client.post("/rest/projects", json={"name": "Apollo", "clientId": company_id})).status_code == 201


async def test_a_unique_custom_field_is_enforced_on_records(client: httpx.AsyncClient) -> None:
    """`isUnique: true` builds a unique index: a second record with the same value is a 400
    `A duplicate entry was detected…` (research note §2)."""
    company = (await objects(client))["company"]
    created = await create_field(client, objectMetadataId=company["id"], type="TEXT", name="vatNumber", label="VAT", isUnique=True)
    assert created.json()["data"]["createOneField"]["isUnique"] is True
    assert (await client.post("/rest/companies", json={"name": "A", "vatNumber": "FR123"})).status_code == 201
    twin = await client.post("/rest/companies", json={"name": "B", "vatNumber": "FR123"})
    body = assert_twenty_error(twin, 400, "BadRequestException")
    assert body["messages"][0].startswith("A duplicate entry was detected")


async def test_a_field_label_and_options_can_be_patched(client: httpx.AsyncClient) -> None:
    """`PATCH /rest/metadata/fields/{id}` → `updateOneField` (api.md §7.5); an unknown id is a 400 (§14.8)."""
    company = (await objects(client))["company"]
    made = (await create_field(client, objectMetadataId=company["id"], type="SELECT", name="tier", label="Tier",
                               options=[{"label": "Gold", "value": "GOLD", "color": "yellow", "position": 0}])).json()["data"]["createOneField"]
    patched = await client.patch(f"/rest/metadata/fields/{made['id']}", json={
        "label": "Customer tier", "options": [{"label": "Gold", "value": "GOLD", "color": "yellow", "position": 0},
                                               {"label": "Silver", "value": "SILVER", "color": "gray", "position": 1}]})
    assert patched.status_code == 200, patched.text
    updated = patched.json()["data"]["updateOneField"]
    assert updated["label"] == "Customer tier"
    assert [o["value"] for o in updated["options"]] == ["GOLD", "SILVER"]
    assert (await client.post("/rest/companies", json={"name": "S", "tier": "SILVER"})).status_code == 201
    assert (await client.patch("/rest/metadata/fields/00000000-0000-4000-8000-000000000000", json={"label": "x"})).status_code == 400


# --- GraphQL /metadata ----------------------------------------------------------------------

SCHEMA_QUERY = """
query Schema($first: Int) {
  objects(paging: {first: $first}) {
    edges { node {
      id nameSingular namePlural labelSingular labelPlural isCustom isSystem isActive isRemote labelIdentifierFieldMetadataId
      fieldsList {
        id name label type description icon isCustom isSystem isActive isNullable isUnique defaultValue options settings
        relation {
          type
          sourceObjectMetadata { id nameSingular namePlural }
          targetObjectMetadata { id nameSingular namePlural }
          sourceFieldMetadata { id name }
          targetFieldMetadata { id name }
        }
      }
    } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_the_schema_query_returns_objects_fields_and_relations(client: httpx.AsyncClient) -> None:
    """`objects(paging:{first:1000}) { edges { node { fieldsList { relation {...} } } } }`
    (api.md §7.2): the same model as REST, relations named on both ends."""
    body = await graphql(client, SCHEMA_QUERY, first=1000)
    nodes = {e["node"]["nameSingular"]: e["node"] for e in body["data"]["objects"]["edges"]}
    rest = await objects(client)
    assert set(nodes) == set(rest)
    assert nodes["company"]["id"] == rest["company"]["id"]
    person_company = next(f for f in nodes["person"]["fieldsList"] if f["name"] == "company")
    assert person_company["relation"] == {
        "type": "MANY_TO_ONE",
        "sourceObjectMetadata": {"id": rest["person"]["id"], "nameSingular": "person", "namePlural": "people"},
        "targetObjectMetadata": {"id": rest["company"]["id"], "nameSingular": "company", "namePlural": "companies"},
        "sourceFieldMetadata": {"id": person_company["id"], "name": "company"},
        "targetFieldMetadata": {"id": field(rest["company"], "people")["id"], "name": "people"},
    }
    assert body["data"]["objects"]["pageInfo"]["hasNextPage"] is False


async def test_objects_without_paging_return_nestjs_querys_default_page_of_ten(client: httpx.AsyncClient) -> None:
    """nestjs-query's default page is 10 (`@QueryOptions` on the DTOs): with 11 objects, a query
    without `paging` gets 10 and `hasNextPage`, and `first: 1000` gets all."""
    await create_object(client, "project", "projects")
    await create_object(client, "invoice", "invoices")
    query = "{ objects { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    page = (await graphql(client, query))["data"]["objects"]
    assert len(page["edges"]) == 10 and page["pageInfo"]["hasNextPage"] is True
    rest = (await graphql(client, "query($after: String) { objects(paging: {first: 10, after: $after}) { edges { node { id } } } }",
                          after=page["pageInfo"]["endCursor"]))["data"]["objects"]["edges"]
    total = len((await graphql(client, SCHEMA_QUERY, first=1000))["data"]["objects"]["edges"])
    assert total == 15 and len(rest) == total - 10  # 13 standard objects (workflows, connected accounts included) + 2


async def test_create_one_object_and_create_one_field_over_graphql(client: httpx.AsyncClient) -> None:
    """`createOneObject(input:{object})` and `createOneField(input:{field})` with
    `relationCreationPayload` (api.md §7.3, §7.4)."""
    made = await graphql(client, """mutation { createOneObject(input: {object: {nameSingular: "project", namePlural: "projects",
        labelSingular: "Project", labelPlural: "Projects", icon: "IconBriefcase"}}) { id nameSingular namePlural isCustom } }""")
    project = made["data"]["createOneObject"]
    assert (project["nameSingular"], project["isCustom"]) == ("project", True)
    assert (await client.get("/rest/projects")).status_code == 200
    company_id = (await objects(client))["company"]["id"]
    linked = await graphql(client, """mutation($input: CreateOneFieldInput!) { createOneField(input: $input) {
        id name type settings relation { type targetObjectMetadata { nameSingular } targetFieldMetadata { name } } } }""",
        input={"field": {"objectMetadataId": project["id"], "type": "RELATION", "name": "company", "label": "Company",
                         "relationCreationPayload": {"targetObjectMetadataId": company_id, "targetFieldLabel": "Projects", "type": "MANY_TO_ONE"}}})
    relation = linked["data"]["createOneField"]
    assert relation["settings"]["joinColumnName"] == "companyId"
    assert relation["relation"] == {"type": "MANY_TO_ONE", "targetObjectMetadata": {"nameSingular": "company"},
                                    "targetFieldMetadata": {"name": "projects"}}


async def test_a_refused_mutation_is_a_graphql_error_with_a_code(client: httpx.AsyncClient) -> None:
    """`{"errors": [{"message", "extensions": {"code"}}]}` with status 200
    (`object-metadata-graphql-api-exception-handler.util.ts`): a taken name is CONFLICT, a bad
    name BAD_USER_INPUT."""
    taken = await graphql(client, """mutation { createOneObject(input: {object: {nameSingular: "person", namePlural: "persons",
        labelSingular: "P", labelPlural: "Ps"}}) { id } }""")
    assert taken["data"] is None
    [error] = taken["errors"]
    assert (error["message"], error["extensions"]["code"]) == ("Object already exists", "CONFLICT")
    bad = await graphql(client, """mutation { createOneObject(input: {object: {nameSingular: "Bad Name", namePlural: "badNames",
        labelSingular: "B", labelPlural: "Bs"}}) { id } }""")
    assert (bad["errors"][0]["message"], bad["errors"][0]["extensions"]["code"]) == ("Bad Name should be in camelCase", "BAD_USER_INPUT")


async def test_a_query_that_does_not_parse_or_validate_is_a_400(client: httpx.AsyncClient) -> None:
    """Yoga refuses before execution: a syntax error is GRAPHQL_PARSE_FAILED, an unknown field
    GRAPHQL_VALIDATION_FAILED (`core-modules/graphql/utils/graphql-errors.util.ts`)."""
    broken = await client.post("/metadata", json={"query": "{ objects { edges { node { id }"})
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["message"].startswith("Syntax Error")
    assert broken.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    unknown = await client.post("/metadata", json={"query": "{ objects { edges { node { notAField } } } }"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
