"""Conformance of views and their children (config.md §1): `/rest/metadata/views*` and the
`*CoreView*` operations on `/metadata`."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.emulator.config_helpers import assert_graphql_error, gql, object_ids
from tests.emulator.conftest import assert_twenty_error

pytestmark = pytest.mark.anyio

VIEW = "{ id name key type isCustom visibility objectMetadataId viewFields { fieldMetadataId position } viewFilters { operand value viewFilterGroupId } viewFilterGroups { id parentViewFilterGroupId logicalOperator } viewSorts { direction } viewGroups { fieldValue } }"


async def test_every_object_has_an_index_view_named_from_its_label(api: httpx.AsyncClient) -> None:
    """`metadata-modules/view/services/view.service.ts` and `constants/index-view-name.constant.ts`:
    one INDEX view per object, stored as `All {objectLabelPlural}`, read translated."""
    objects = await object_ids(api)
    views = (await api.get("/rest/metadata/views", params={"objectMetadataId": objects["company"]["id"]})).json()
    [index] = [v for v in views if v["key"] == "INDEX"]
    assert index["name"] == "All Companies" and index["type"] == "TABLE" and index["isCustom"] is False
    fields = (await api.get("/rest/metadata/viewFields", params={"viewId": index["id"]})).json()
    assert fields[0]["fieldMetadataId"] == objects["company"]["fields"]["name"]
    assert len({f["fieldMetadataId"] for f in fields}) == len(fields) > 3


async def test_a_custom_object_gets_its_index_view_when_created(api: httpx.AsyncClient) -> None:
    """`object-metadata.service.ts` creates the INDEX view with the object (config.md §1.6)."""
    created = await api.post("/rest/metadata/objects", json={"nameSingular": "rocket", "namePlural": "rockets",
                                                             "labelSingular": "Rocket", "labelPlural": "Rockets"})
    object_id = created.json()["data"]["createOneObject"]["id"]
    views = (await api.get("/rest/metadata/views", params={"objectMetadataId": object_id})).json()
    assert [(v["key"], v["name"]) for v in views] == [("INDEX", "All Rockets")]


async def test_a_view_keeps_the_id_it_is_created_with_and_is_custom(api: httpx.AsyncClient) -> None:
    """`dtos/inputs/create-view.input.ts` accepts `id`; `ViewService.create` forces `isCustom`."""
    objects = await object_ids(api)
    wanted = str(uuid.uuid4())
    created = await api.post("/rest/metadata/views", json={"id": wanted, "name": "Hot leads", "objectMetadataId": objects["person"]["id"],
                                                           "isCustom": False, "type": "TABLE"})
    assert created.status_code == 201, created.text
    assert created.json()["id"] == wanted and created.json()["isCustom"] is True
    patched = await api.patch(f"/rest/metadata/views/{wanted}", json={"name": "Warm leads", "icon": "IconFlame"})
    assert patched.json()["name"] == "Warm leads" and (await api.get(f"/rest/metadata/views/{wanted}")).json()["icon"] == "IconFlame"


async def test_children_are_created_in_order_and_read_nested(api: httpx.AsyncClient) -> None:
    """`view-field`, `view-filter`, `view-filter-group`, `view-sort`, `view-group` resolvers and the
    nested fields of `CoreView` (`view/dtos/view.dto.ts`): a child group names its parent."""
    objects = await object_ids(api)
    opp = objects["opportunity"]
    view = (await gql(api, "mutation($i: CreateViewInput!) { createCoreView(input: $i) { id } }",
                      i={"name": "Pipeline", "objectMetadataId": opp["id"], "type": "KANBAN", "mainGroupByFieldMetadataId": opp["fields"]["stage"]}))
    view_id = view["data"]["createCoreView"]["id"]
    await gql(api, "mutation($i: CreateViewFieldInput!) { createCoreViewField(input: $i) { id } }", i={"viewId": view_id, "fieldMetadataId": opp["fields"]["name"], "position": 0})
    parent = (await gql(api, "mutation($i: CreateViewFilterGroupInput!) { createCoreViewFilterGroup(input: $i) { id } }",
                        i={"viewId": view_id, "logicalOperator": "OR"}))["data"]["createCoreViewFilterGroup"]["id"]
    child = (await gql(api, "mutation($i: CreateViewFilterGroupInput!) { createCoreViewFilterGroup(input: $i) { id } }",
                       i={"viewId": view_id, "logicalOperator": "AND", "parentViewFilterGroupId": parent}))["data"]["createCoreViewFilterGroup"]["id"]
    value = {"isCurrentWorkspaceMemberSelected": False, "selectedRecordIds": [str(uuid.uuid4())]}
    await gql(api, "mutation($i: CreateViewFilterInput!) { createCoreViewFilter(input: $i) { id } }",
              i={"viewId": view_id, "fieldMetadataId": opp["fields"]["company"], "operand": "IS", "value": value, "viewFilterGroupId": child})
    await gql(api, "mutation($i: CreateViewSortInput!) { createCoreViewSort(input: $i) { id } }", i={"viewId": view_id, "fieldMetadataId": opp["fields"]["closeDate"], "direction": "DESC"})
    await gql(api, "mutation($i: CreateViewGroupInput!) { createCoreViewGroup(input: $i) { id } }", i={"viewId": view_id, "fieldMetadataId": opp["fields"]["stage"], "fieldValue": "NEW"})
    read = (await gql(api, f"query($id: String!) {{ getCoreView(id: $id) {VIEW} }}", id=view_id))["data"]["getCoreView"]
    assert read["type"] == "KANBAN" and read["viewFilters"] == [{"operand": "IS", "value": value, "viewFilterGroupId": child}]
    assert {g["id"]: g["parentViewFilterGroupId"] for g in read["viewFilterGroups"]} == {parent: None, child: parent}
    assert read["viewSorts"] == [{"direction": "DESC"}] and read["viewGroups"] == [{"fieldValue": "NEW"}] and len(read["viewFields"]) == 1


async def test_a_field_appears_once_per_view_among_live_rows(api: httpx.AsyncClient) -> None:
    """`view-field/entities/view-field.entity.ts`: (fieldMetadataId, viewId) unique where deletedAt is null."""
    objects = await object_ids(api)
    view = (await api.post("/rest/metadata/views", json={"name": "Mine", "objectMetadataId": objects["task"]["id"]})).json()
    body = {"viewId": view["id"], "fieldMetadataId": objects["task"]["fields"]["title"]}
    first = (await api.post("/rest/metadata/viewFields", json=body)).json()
    assert_twenty_error(await api.post("/rest/metadata/viewFields", json=body), 400, "BadRequestException")
    assert (await api.delete(f"/rest/metadata/viewFields/{first['id']}")).json() == {"success": True}
    assert (await api.post("/rest/metadata/viewFields", json=body)).status_code == 201


async def test_private_views_are_invisible_to_an_api_key(api: httpx.AsyncClient, user: httpx.AsyncClient) -> None:
    """`ViewService.findByWorkspaceId` keeps WORKSPACE views and the caller's own UNLISTED ones
    (config.md §1.5); `getCoreView(id)` still answers by id."""
    objects = await object_ids(api)
    private = (await user.post("/rest/metadata/views", json={"name": "My deals", "objectMetadataId": objects["opportunity"]["id"],
                                                             "visibility": "UNLISTED"})).json()
    assert private["createdByUserWorkspaceId"] is not None
    assert private["id"] in {v["id"] for v in (await user.get("/rest/metadata/views")).json()}
    assert private["id"] not in {v["id"] for v in (await api.get("/rest/metadata/views")).json()}
    assert (await api.get(f"/rest/metadata/views/{private['id']}")).json()["name"] == "My deals"


async def test_a_calendar_view_needs_a_layout_and_a_date_field(api: httpx.AsyncClient) -> None:
    """`view/entities/view.entity.ts` check constraint CHK_VIEW_CALENDAR_INTEGRITY."""
    task = (await object_ids(api))["task"]
    refused = await api.post("/rest/metadata/views", json={"name": "Agenda", "objectMetadataId": task["id"], "type": "CALENDAR"})
    assert_twenty_error(refused, 400, "BadRequestException")
    made = await api.post("/rest/metadata/views", json={"name": "Agenda", "objectMetadataId": task["id"], "type": "CALENDAR",
                                                        "calendarLayout": "WEEK", "calendarFieldMetadataId": task["fields"]["dueAt"]})
    assert made.status_code == 201 and made.json()["calendarLayout"] == "WEEK"


async def test_operands_are_twentys_upper_snake_names(api: httpx.AsyncClient) -> None:
    """twenty-shared `ViewFilterOperand` (core, UPPER_SNAKE); the camelCase workspace-era names are refused."""
    person = (await object_ids(api))["person"]
    view = (await api.post("/rest/metadata/views", json={"name": "Cities", "objectMetadataId": person["id"]})).json()
    body = {"viewId": view["id"], "fieldMetadataId": person["fields"]["city"], "value": "Paris"}
    assert_twenty_error(await api.post("/rest/metadata/viewFilters", json={**body, "operand": "isNot"}), 400, "BadRequestException")
    assert (await api.post("/rest/metadata/viewFilters", json={**body, "operand": "IS_NOT"})).status_code == 201


async def test_an_unknown_view_is_a_404_and_the_index_view_cannot_be_deleted(api: httpx.AsyncClient) -> None:
    """`view/exceptions/view.exception.ts` (`View (id: …) not found`) and `view-rest-api-exception.filter.ts`."""
    missing = str(uuid.uuid4())
    assert_twenty_error(await api.get(f"/rest/metadata/views/{missing}"), 404, "NotFoundException", f"View (id: {missing}) not found")
    index = next(v for v in (await api.get("/rest/metadata/views")).json() if v["key"] == "INDEX")
    assert_twenty_error(await api.delete(f"/rest/metadata/views/{index['id']}"), 400, "BadRequestException")
    body = await gql(api, "query($id: String!) { getCoreView(id: $id) { id } }", id=missing)
    assert_graphql_error(body, "NOT_FOUND", f"View (id: {missing}) not found")


async def test_a_deleted_view_leaves_the_lists(api: httpx.AsyncClient) -> None:
    """`deleteCoreView` is a soft delete (`view.service.ts`); the view is gone from reads."""
    objects = await object_ids(api)
    view = (await api.post("/rest/metadata/views", json={"name": "Old", "objectMetadataId": objects["note"]["id"]})).json()
    assert (await gql(api, "mutation($id: String!) { deleteCoreView(id: $id) }", id=view["id"]))["data"]["deleteCoreView"] is True
    assert view["id"] not in {v["id"] for v in (await api.get("/rest/metadata/views")).json()}
    assert_twenty_error(await api.get(f"/rest/metadata/views/{view['id']}"), 404, "NotFoundException")
