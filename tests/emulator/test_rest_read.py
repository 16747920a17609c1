"""The emulator reads records as Twenty's REST API does: envelopes, paging, ordering, filters,
soft-deleted rows, depth, find-one and the read normalisation (api.md §2, research note §2, §7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.conftest import assert_twenty_error
from tests.emulator.records_helpers import count, create, create_batch, ids, listing, uid

pytestmark = pytest.mark.anyio

PAGE_INFO_KEYS = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}


async def seed_companies(client: httpx.AsyncClient, n: int) -> list[str]:
    """`n` companies with ids `uid(1..n)`, so id order is creation order."""
    await create_batch(client, "companies", [{"id": uid(i), "name": f"Company {i:03d}"} for i in range(1, n + 1)])
    return [uid(i) for i in range(1, n + 1)]


# envelope and limit --------------------------------------------------------------------------

async def test_a_list_answers_data_plural_with_total_count_and_page_info(client: httpx.AsyncClient) -> None:
    """`rest/core/handlers/rest-api-find-many.handler.ts`: `{data: {<plural>}, totalCount, pageInfo}`."""
    await create(client, "people", {"name": {"firstName": "Ada"}})
    body = await listing(client, "people")
    assert set(body) == {"data", "totalCount", "pageInfo"}
    assert list(body["data"]) == ["people"]
    assert body["totalCount"] == 1
    assert set(body["pageInfo"]) == PAGE_INFO_KEYS


async def test_the_default_limit_is_60_and_a_larger_limit_is_clamped_to_200_silently(client: httpx.AsyncClient) -> None:
    """`parse-limit-rest-request.util.ts` with `QUERY_DEFAULT_LIMIT_RECORDS` 60 and `QUERY_MAX_RECORDS` 200."""
    await seed_companies(client, 250)
    assert len(await ids(client, "companies")) == 60
    clamped = await listing(client, "companies", limit=500)
    assert len(clamped["data"]["companies"]) == 200
    assert clamped["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("raw", ["abc", "-1"])
async def test_a_limit_that_is_not_a_non_negative_integer_is_refused(client: httpx.AsyncClient, raw: str) -> None:
    """`parse-limit-rest-request.util.ts`: NaN or negative → `limit '<raw>' is invalid. Should be an integer`."""
    response = await client.get("/rest/companies", params={"limit": raw})
    assert_twenty_error(response, 400, "BadRequestException", f"limit '{raw}' is invalid. Should be an integer")


async def test_a_fractional_limit_is_read_like_parse_int(client: httpx.AsyncClient) -> None:
    """`parse-limit-rest-request.util.ts`: `parseInt('1.5')` is 1, so `1.5` passes."""
    await seed_companies(client, 3)
    assert len(await ids(client, "companies", limit="1.5")) == 1


# cursor paging -------------------------------------------------------------------------------

async def test_forward_paging_with_starting_after_visits_450_records_once_in_id_order(client: httpx.AsyncClient) -> None:
    """`common-find-many-query-runner.service.ts`: limit + 1 look-ahead and keyset cursors."""
    expected = await seed_companies(client, 450)
    seen: list[str] = []
    flags: list[tuple[bool, bool]] = []
    cursor = None
    while True:
        body = await listing(client, "companies", limit=200, starting_after=cursor)
        page = body["data"]["companies"]
        seen += [r["id"] for r in page]
        info = body["pageInfo"]
        flags.append((info["hasNextPage"], info["hasPreviousPage"]))
        assert body["totalCount"] == 450
        if not info["hasNextPage"]:
            break
        cursor = info["endCursor"]
    assert seen == expected
    assert flags == [(True, False), (True, False), (False, False)]


async def test_backward_paging_with_ending_before_visits_the_earlier_records_in_id_order(client: httpx.AsyncClient) -> None:
    """`common-find-many-query-runner.service.ts`: `ending_before` reads backwards; `hasPreviousPage` is its look-ahead."""
    expected = await seed_companies(client, 450)
    last_page = await listing(client, "companies", limit=50, filter=f"id[gte]:{uid(401)}")
    cursor = last_page["pageInfo"]["startCursor"]
    pages: list[list[str]] = []
    previous_flags: list[bool] = []
    while cursor:
        body = await listing(client, "companies", limit=200, ending_before=cursor)
        pages.insert(0, [r["id"] for r in body["data"]["companies"]])
        previous_flags.append(body["pageInfo"]["hasPreviousPage"])
        cursor = body["pageInfo"]["startCursor"] if body["pageInfo"]["hasPreviousPage"] else None
    assert [i for page in pages for i in page] == expected[:400]
    assert previous_flags == [True, False]


async def test_cursors_name_the_first_and_last_record_of_the_page(client: httpx.AsyncClient) -> None:
    """`get-page-info.util.ts`: startCursor/endCursor are the first and last record's cursors."""
    await seed_companies(client, 5)
    first = await listing(client, "companies", limit=2)
    info = first["pageInfo"]
    assert await ids(client, "companies", limit=1, starting_after=info["startCursor"]) == [uid(2)]
    assert await ids(client, "companies", limit=1, starting_after=info["endCursor"]) == [uid(3)]


async def test_an_empty_page_has_null_cursors_and_no_next_page(client: httpx.AsyncClient) -> None:
    """`get-page-info.util.ts`: no records → `startCursor` and `endCursor` null."""
    await seed_companies(client, 2)
    body = await listing(client, "companies", filter="name[eq]:nobody")
    assert body["data"]["companies"] == []
    assert body["totalCount"] == 0
    assert body["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}


async def test_total_count_ignores_cursor_and_limit_but_respects_the_filter(client: httpx.AsyncClient) -> None:
    """`common-find-many-query-runner.service.ts`: the count query has the filter, not the cursor."""
    await seed_companies(client, 30)
    first = await listing(client, "companies", limit=5)
    after = await listing(client, "companies", limit=5, starting_after=first["pageInfo"]["endCursor"])
    assert first["totalCount"] == after["totalCount"] == 30
    assert await count(client, "companies", filter="name[startsWith]:Company 01") == 10


# order_by ------------------------------------------------------------------------------------

async def test_order_by_directions_place_nulls_and_break_ties_by_id(client: httpx.AsyncClient) -> None:
    """`parse-order-by-rest-request-common.util.ts` and `add-default-order-by-id.util.ts`."""
    await create_batch(client, "companies", [
        {"id": uid(4), "employees": 10}, {"id": uid(2), "employees": 10}, {"id": uid(3)}, {"id": uid(1), "employees": 99},
    ])
    assert await ids(client, "companies", order_by="employees[AscNullsFirst]") == [uid(3), uid(2), uid(4), uid(1)]
    assert await ids(client, "companies", order_by="employees[AscNullsLast]") == [uid(2), uid(4), uid(1), uid(3)]
    assert await ids(client, "companies", order_by="employees[DescNullsFirst]") == [uid(3), uid(1), uid(2), uid(4)]
    assert await ids(client, "companies", order_by="employees[DescNullsLast]") == [uid(1), uid(2), uid(4), uid(3)]
    assert await ids(client, "companies", order_by="employees") == [uid(3), uid(2), uid(4), uid(1)]


async def test_order_by_a_composite_sub_field(client: httpx.AsyncClient) -> None:
    """`parse-order-by-rest-request-common.util.ts`: `name.firstName` becomes `{name: {firstName: ...}}`."""
    await create_batch(client, "people", [
        {"id": uid(1), "name": {"firstName": "Cleo"}}, {"id": uid(2), "name": {"firstName": "Ada"}},
        {"id": uid(3), "name": {"firstName": "Bob"}},
    ])
    assert await ids(client, "people", order_by="name.firstName[DescNullsLast]") == [uid(1), uid(3), uid(2)]
    assert await ids(client, "people", order_by="name.firstName") == [uid(2), uid(3), uid(1)]


async def test_order_by_with_an_unknown_direction_is_refused(client: httpx.AsyncClient) -> None:
    """`parse-order-by-rest-request-common.util.ts`: the direction list is printed in enum order."""
    response = await client.get("/rest/companies", params={"order_by": "name[Upwards]"})
    assert_twenty_error(response, 400, "BadRequestException", (
        "'order_by' direction 'Upwards' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', "
        "'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"
    ))


# filters -------------------------------------------------------------------------------------

COMPANIES: list[dict[str, Any]] = [
    {"id": uid(1), "name": "Acme", "employees": 10, "idealCustomerProfile": True, "address": {"addressCity": "Paris"}},
    {"id": uid(2), "name": "acme, Inc", "employees": 250},
    {"id": uid(3), "name": "Globex"},
    {"id": uid(4), "name": "Initech", "employees": 50, "address": {"addressCity": "Austin"}},
]


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("name[eq]:Acme", ["Acme"]),
    ("name[neq]:Acme", ["acme, Inc", "Globex", "Initech"]),
    ("employees[in]:[10,50]", ["Acme", "Initech"]),
    ("employees[is]:NULL", ["Globex"]),
    ("employees[is]:NOT_NULL", ["Acme", "acme, Inc", "Initech"]),
    ("employees[gt]:10", ["acme, Inc", "Initech"]),
    ("employees[gte]:50", ["acme, Inc", "Initech"]),
    ("employees[lt]:50", ["Acme"]),
    ("employees[lte]:50", ["Acme", "Initech"]),
    ("name[like]:Ac%", ["Acme"]),
    ("name[ilike]:ac%", ["Acme", "acme, Inc"]),
    ("name[startsWith]:Glo", ["Globex"]),
    ("name[endsWith]:tech", ["Initech"]),
    ("idealCustomerProfile[eq]:true", ["Acme"]),
    ("address.addressCity[eq]:Austin", ["Initech"]),
    ("or(name[eq]:Globex,employees[gte]:100)", ["acme, Inc", "Globex"]),
    ("and(employees[gte]:10,employees[lte]:50)", ["Acme", "Initech"]),
    ("not(name[ilike]:%acme%)", ["Globex", "Initech"]),
    ("or(and(employees[gte]:10,employees[lt]:50),name[eq]:Globex)", ["Acme", "Globex"]),
    ("employees[gte]:10,employees[lte]:50", ["Acme", "Initech"]),
    ('name[eq]:"acme, Inc"', ["acme, Inc"]),
    ("name[in]:[Acme,Globex]", ["Acme", "Globex"]),
])
async def test_filters_select_the_matching_companies(client: httpx.AsyncClient, filter_text: str, expected: list[str]) -> None:
    """`rest/input-request-parsers/filter-parser-utils/*` and the common filter processor (api.md §2.2)."""
    await create_batch(client, "companies", COMPANIES)
    body = await listing(client, "companies", filter=filter_text)
    assert [c["name"] for c in body["data"]["companies"]] == expected
    assert body["totalCount"] == len(expected)


async def test_filters_reach_email_sub_fields_and_join_columns(client: httpx.AsyncClient) -> None:
    """api.md §2.2: `emails.primaryEmail[eq]:…` and `companyId[eq]:<uuid>` on people."""
    company = await create(client, "companies", {"name": "Acme"})
    await create_batch(client, "people", [
        {"id": uid(1), "emails": {"primaryEmail": "ada@acme.com"}, "companyId": company["id"]},
        {"id": uid(2), "emails": {"primaryEmail": "bob@globex.com"}},
    ])
    assert await ids(client, "people", filter="emails.primaryEmail[eq]:ada@acme.com") == [uid(1)]
    assert await ids(client, "people", filter=f"companyId[eq]:{company['id']}") == [uid(1)]
    assert await ids(client, "people", filter="companyId[is]:NULL") == [uid(2)]


@pytest.mark.parametrize(("filter_text", "message"), [
    ("and(name[eq]:Acme", "'filter' invalid. 1 close bracket is missing in the query"),
    ("or(name[eq]:Acme))", "'filter' invalid. 1 open bracket is missing in the query"),
    ("nickname[eq]:Acme", 'Object company doesn\'t have any "nickname" field.'),
])
async def test_malformed_filters_are_refused_with_twentys_message(client: httpx.AsyncClient, filter_text: str, message: str) -> None:
    """`check-filter-query.util.ts` (brackets) and `filter-arg-processor.service.ts` (unknown field)."""
    response = await client.get("/rest/companies", params={"filter": filter_text})
    assert_twenty_error(response, 400, "BadRequestException", message)


async def test_an_unknown_comparator_lists_the_newest_comparators(client: httpx.AsyncClient) -> None:
    """`parse-base-filter.util.ts` (newest, with `containsExactly`), as research note §2 quotes it."""
    response = await client.get("/rest/companies", params={"filter": "name[contains]:Acme"})
    assert_twenty_error(response, 400, "BadRequestException", (
        "'filter' invalid for 'name[contains]:Acme', comparator contains not in eq, neq, in, containsAny, "
        "containsExactly, is, gt, gte, lt, lte, startsWith, endsWith, like, ilike"
    ))


# soft-deleted records ------------------------------------------------------------------------

async def test_soft_deleted_records_are_listed_only_when_the_filter_names_deleted_at(client: httpx.AsyncClient) -> None:
    """api.md §2.4: rows with `deletedAt` are hidden unless the filter mentions `deletedAt`."""
    await seed_companies(client, 3)
    response = await client.delete(f"/rest/companies/{uid(2)}", params={"soft_delete": "true"})
    assert response.status_code == 200
    assert await ids(client, "companies") == [uid(1), uid(3)]
    assert await ids(client, "companies", filter="name[like]:Company%") == [uid(1), uid(3)]
    assert await ids(client, "companies", filter="deletedAt[is]:NOT_NULL") == [uid(2)]
    assert await ids(client, "companies", filter="or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)") == [uid(1), uid(2), uid(3)]
    assert await count(client, "companies") == 2


# depth ---------------------------------------------------------------------------------------

async def test_depth_0_gives_join_columns_and_no_relation_objects(client: httpx.AsyncClient) -> None:
    """api.md §2.5: depth 0 (the default) has `companyId` but neither `company` nor one-to-many arrays."""
    company = await create(client, "companies", {"name": "Acme"})
    person = await create(client, "people", {"companyId": company["id"]})
    for params in ({}, {"depth": "0"}):
        [read] = (await listing(client, "people", **params))["data"]["people"]
        assert read["companyId"] == company["id"]
        assert "company" not in read and "pointOfContactForOpportunities" not in read
    one = (await client.get(f"/rest/companies/{company['id']}")).json()["data"]["company"]
    assert "people" not in one and person["id"]


async def test_depth_1_nests_many_to_one_objects_and_caps_one_to_many_arrays_at_60(client: httpx.AsyncClient) -> None:
    """api.md §2.5: depth 1 nests `company` and lists `people`, capped by `QUERY_MAX_RECORDS_FROM_RELATION` (60)."""
    company = await create(client, "companies", {"name": "Acme"})
    await create_batch(client, "people", [{"companyId": company["id"]} for _ in range(61)])
    lonely = await create(client, "people", {})
    read = (await client.get(f"/rest/companies/{company['id']}", params={"depth": "1"})).json()["data"]["company"]
    assert len(read["people"]) == 60
    assert all(p["companyId"] == company["id"] for p in read["people"])
    assert read["accountOwner"] is None and read["opportunities"] == []
    nested = (await client.get(f"/rest/people/{read['people'][0]['id']}", params={"depth": "1"})).json()["data"]["person"]
    assert nested["company"]["id"] == company["id"] and nested["company"]["name"] == "Acme"
    alone = (await client.get(f"/rest/people/{lonely['id']}", params={"depth": "1"})).json()["data"]["person"]
    assert alone["company"] is None


async def test_depth_2_is_refused(client: httpx.AsyncClient) -> None:
    """`parse-depth-rest-request.util.ts`: only 0 and 1 are allowed."""
    response = await client.get("/rest/companies", params={"depth": "2"})
    assert_twenty_error(response, 400, "BadRequestException", "'depth=2' parameter invalid. Allowed values are 0, 1")


# find one and paths --------------------------------------------------------------------------

async def test_find_one_answers_data_singular(client: httpx.AsyncClient) -> None:
    """`rest-api-find-one.handler.ts`: `{data: {<singular>: record}}`."""
    person = await create(client, "people", {"name": {"firstName": "Ada"}})
    response = await client.get(f"/rest/people/{person['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": {"person": person}}


async def test_find_one_of_an_unknown_or_soft_deleted_id_is_404(client: httpx.AsyncClient) -> None:
    """`rest-api-core-find-one.integration-spec.ts`: 404 `NotFoundException` `Record not found`."""
    person = await create(client, "people", {})
    assert_twenty_error(await client.get(f"/rest/people/{uid(999)}"), 404, "NotFoundException", "Record not found")
    await client.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    assert_twenty_error(await client.get(f"/rest/people/{person['id']}"), 404, "NotFoundException", "Record not found")


async def test_a_non_uuid_id_in_the_path_is_refused(client: httpx.AsyncClient) -> None:
    """`parse-core-path.utils.ts`: `'<id>' is not a valid UUID`."""
    assert_twenty_error(await client.get("/rest/people/not-a-uuid"), 400, "BadRequestException", "'not-a-uuid' is not a valid UUID")


@pytest.mark.parametrize(("name", "message"), [
    ("person", "object 'person' not found. Did you mean 'people'?"),
    ("company", "object 'company' not found. Did you mean 'companies'?"),
    ("widgets", "object 'widgets' not found. eg: companies"),
])
async def test_singular_and_unknown_object_names_are_refused(client: httpx.AsyncClient, name: str, message: str) -> None:
    """`rest/core/handlers/rest-api-base.handler.ts`: plural names only."""
    assert_twenty_error(await client.get(f"/rest/{name}"), 400, "BadRequestException", message)


# read normalisation --------------------------------------------------------------------------

async def test_empty_values_read_back_as_empty_strings_lists_and_complete_composites(client: httpx.AsyncClient) -> None:
    """`twenty-orm/utils/format-result.util.ts`: NULL text → "", NULL lists → [], composites whole."""
    await create(client, "people", {"id": uid(1), "jobTitle": ""})
    person = (await client.get(f"/rest/people/{uid(1)}")).json()["data"]["person"]
    assert person["jobTitle"] == "" and person["city"] == ""
    assert person["name"] == {"firstName": "", "lastName": ""}
    assert person["emails"] == {"primaryEmail": "", "additionalEmails": []}
    assert person["phones"] == {"primaryPhoneNumber": "", "primaryPhoneCountryCode": "", "primaryPhoneCallingCode": "", "additionalPhones": []}
    assert person["linkedinLink"] == {"primaryLinkUrl": "", "primaryLinkLabel": "", "secondaryLinks": []}
    assert person["companyId"] is None and person["deletedAt"] is None
    await create(client, "companies", {"id": uid(2), "annualRecurringRevenue": {"amountMicros": "1500000", "currencyCode": "EUR"}})
    company = (await client.get(f"/rest/companies/{uid(2)}")).json()["data"]["company"]
    assert company["annualRecurringRevenue"] == {"amountMicros": 1500000, "currencyCode": "EUR"}
    assert set(company["address"]) == {"addressStreet1", "addressStreet2", "addressCity", "addressState",
                                       "addressPostcode", "addressCountry", "addressLat", "addressLng"}
    assert company["address"]["addressCity"] == ""
