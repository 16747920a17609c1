"""The emulator writes records as Twenty's REST API does: create, batch, validation messages,
system fields, upsert, update, delete, destroy, restore (api.md §3, research note §2, §6, §8)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.emulator.conftest import assert_twenty_error
from migrate.emulator.app import Emulator
from tests.emulator.records_helpers import client_for, count, create, create_batch, gadgets_app, ids, listing, uid

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def gadget_app() -> Emulator:
    """One workspace with the custom object `gadget` (a field of every type) for the module."""
    return gadgets_app()

API_ACTOR = {"source": "API", "workspaceMemberId": None, "name": "Migration key", "context": {}}
"""The `createdBy` / `updatedBy` the conftest's key produces (`build-created-by-from-api-key.util.ts`)."""

DUPLICATE = re.compile(r"A duplicate entry was detected: unique constraint (\w+)\.((?:PK|IDX_UNIQUE)_\w+) was violated")


def assert_duplicate(response: httpx.Response, table: str, prefix: str) -> None:
    """Research note §2: the newest duplicate message names the Postgres table and constraint."""
    body = assert_twenty_error(response, 400, "BadRequestException")
    match = DUPLICATE.fullmatch(body["messages"][0])
    assert match is not None, body
    assert match.group(1) == table and match.group(2).startswith(prefix), body


# create and batch ----------------------------------------------------------------------------

async def test_create_one_answers_201_with_create_singular(client: httpx.AsyncClient) -> None:
    """`rest-api-create-one.handler.ts` and `get-resolver-name.util.ts`: `data.createCompany`."""
    response = await client.post("/rest/companies", json={"name": "Acme", "employees": 12})
    assert response.status_code == 201
    [(key, record)] = response.json()["data"].items()
    assert key == "createCompany"
    assert record["name"] == "Acme" and record["employees"] == 12
    assert (await client.get(f"/rest/companies/{record['id']}")).json()["data"]["company"] == record


async def test_a_batch_answers_201_with_create_plural_in_input_order(client: httpx.AsyncClient) -> None:
    """`rest-api-create-many.handler.ts`: `data.createPeople`, one record per input, in order."""
    bodies = [{"id": uid(n), "name": {"firstName": f"P{n}"}} for n in (3, 1, 2)]
    response = await client.post("/rest/batch/people", json=bodies)
    assert response.status_code == 201
    records = response.json()["data"]["createPeople"]
    assert [r["id"] for r in records] == [uid(3), uid(1), uid(2)]
    assert [r["name"]["firstName"] for r in records] == ["P3", "P1", "P2"]


async def test_a_batch_over_200_records_is_refused_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    """`common-create-many-query-runner.service.ts`: `TOO_MANY_RECORDS_TO_UPDATE`."""
    response = await client.post("/rest/batch/companies", json=[{"name": f"C{n}"} for n in range(201)])
    assert_twenty_error(response, 400, "BadRequestException", "Maximum number of records to upsert is 200.")
    assert await count(client, "companies") == 0


async def test_a_batch_with_one_bad_record_writes_nothing(client: httpx.AsyncClient) -> None:
    """api.md §3.2: one create-many call is one transaction."""
    response = await client.post("/rest/batch/companies", json=[{"name": "Good"}, {"name": "Bad", "employees": "many"}])
    assert_twenty_error(response, 400, "BadRequestException", "Invalid number value 'many' for field \"employees\"")
    assert await count(client, "companies") == 0


@pytest.mark.parametrize(("body", "message"), [({"name": "x"}, "Body must be an array"), ([], "Input must not be empty")])
async def test_a_batch_body_must_be_a_non_empty_array(client: httpx.AsyncClient, body: Any, message: str) -> None:
    """`rest/core/handlers/rest-api-create-many.handler.ts` (2025)."""
    assert_twenty_error(await client.post("/rest/batch/companies", json=body), 400, "BadRequestException", message)


# ids and unique values -----------------------------------------------------------------------

async def test_a_client_id_is_kept_and_reusing_it_is_a_duplicate(client: httpx.AsyncClient) -> None:
    """api.md §3.4 and research note §2 (duplicate id → the primary key constraint)."""
    person = await create(client, "people", {"id": uid(7)})
    assert person["id"] == uid(7)
    assert_duplicate(await client.post("/rest/people", json={"id": uid(7)}), "person", "PK_")
    assert await count(client, "people") == 1


async def test_a_person_primary_email_is_unique_even_against_soft_deleted_people(client: httpx.AsyncClient) -> None:
    """api.md §3.3/§11.7: the unique index covers soft-deleted rows; research note §2 words the clash."""
    first = await create(client, "people", {"emails": {"primaryEmail": "ada@acme.com"}})
    assert_duplicate(await client.post("/rest/people", json={"emails": {"primaryEmail": "ADA@acme.com"}}), "person", "IDX_UNIQUE_")
    await client.delete(f"/rest/people/{first['id']}", params={"soft_delete": "true"})
    assert_duplicate(await client.post("/rest/people", json={"emails": {"primaryEmail": "ada@acme.com"}}), "person", "IDX_UNIQUE_")


async def test_a_company_domain_is_unique_after_normalisation(client: httpx.AsyncClient) -> None:
    """Research note §2: the domain clash is the generic duplicate message, not a company-specific one."""
    await create(client, "companies", {"domainName": {"primaryLinkUrl": "https://acme.com"}})
    response = await client.post("/rest/companies", json={"domainName": {"primaryLinkUrl": "HTTPS://ACME.com/"}})
    assert_duplicate(response, "company", "IDX_UNIQUE_")


async def test_emails_are_lower_cased_and_link_urls_normalised_on_write(client: httpx.AsyncClient) -> None:
    """api.md §5.2: e-mails lower-cased; link scheme and host lower-cased, trailing slash dropped."""
    person = await create(client, "people", {
        "emails": {"primaryEmail": "Ada@Example.COM", "additionalEmails": ["Ada.L@Example.org"]},
        "linkedinLink": {"primaryLinkUrl": "HTTPS://LinkedIn.com/in/Ada/"},
    })
    assert person["emails"] == {"primaryEmail": "ada@example.com", "additionalEmails": ["ada.l@example.org"]}
    assert person["linkedinLink"]["primaryLinkUrl"] == "https://linkedin.com/in/Ada"


# validation messages -------------------------------------------------------------------------

WRONG_VALUES: list[tuple[str, dict[str, Any], str]] = [
    ("companies", {"employees": "string"}, "Invalid number value 'string' for field \"employees\""),
    ("companies", {"employees": {}}, "Invalid number value {} for field \"employees\""),
    ("companies", {"employees": True}, "Invalid number value true for field \"employees\""),
    ("gadgets", {"ratio": "not-a-number"}, "Invalid number value NaN for field \"ratio\""),
    ("companies", {"idealCustomerProfile": 1}, "Invalid boolean value 1 for field \"idealCustomerProfile\""),
    ("companies", {"idealCustomerProfile": "string"}, "Invalid boolean value 'string' for field \"idealCustomerProfile\""),
    ("opportunities", {"closeDate": "malformed-date"}, "Invalid value 'malformed-date' for date-time field \"closeDate\". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"),
    ("opportunities", {"closeDate": "2024-13-01T10:30:00Z"}, "Invalid value '2024-13-01T10:30:00Z' for date-time field \"closeDate\". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"),
    ("opportunities", {"closeDate": "2024-01-15T25:30:00Z"}, "Invalid value '2024-01-15T25:30:00Z' for date-time field \"closeDate\". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"),
    ("opportunities", {"closeDate": 1}, "Invalid value 1 for date-time field \"closeDate\". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"),
    ("gadgets", {"launchedOn": "2024-02-31"}, "Invalid value '2024-02-31' for date field \"launchedOn\". Expected format: 'YYYY-MM-DD'"),
    ("gadgets", {"launchedOn": "2024-01"}, "Invalid value '2024-01' for date field \"launchedOn\". Expected format: 'YYYY-MM-DD'"),
    ("gadgets", {"ref": "non-uuid"}, "Invalid UUID value 'non-uuid' for field \"ref\""),
    ("people", {"companyId": "non-uuid"}, "Invalid UUID value 'non-uuid' for field \"companyId\""),
    ("opportunities", {"stage": "FOO"}, "Invalid value 'FOO' for field \"stage\""),
    ("opportunities", {"stage": 3}, "Invalid string value 3 for text field \"stage\""),
    ("gadgets", {"stars": "RATING_9"}, "Invalid value 'RATING_9' for field \"stars\""),
    ("gadgets", {"tags": ["PINK"]}, "Invalid value 'PINK' for multi select field \"tags\""),
    ("gadgets", {"tags": 1}, "Invalid value 1 for field \"tags - Array values need to be string\""),
    ("gadgets", {"tags": {}}, "Invalid value {} for field \"tags - Array values need to be string\""),
    ("companies", {"name": 5}, "Invalid string value 5 for text field \"name\""),
    ("companies", {"address": "Paris"}, "Invalid object value 'Paris' for field \"address\""),
    ("people", {"emails": "ada@acme.com"}, "Invalid object value 'ada@acme.com' for field \"emails\""),
    ("companies", {"annualRecurringRevenue": 5}, "Invalid object value 5 for field \"annualRecurringRevenue\""),
    ("companies", {"annualRecurringRevenue": {"amount": 5}}, "Invalid subfield amount for currency field \"annualRecurringRevenue\""),
    ("companies", {"annualRecurringRevenue": {"amountMicros": "lots"}}, "Invalid number value NaN for field \"annualRecurringRevenue.amountMicros\""),
    ("companies", {"annualRecurringRevenue": {"currencyCode": 978}}, "Invalid string value 978 for text field \"annualRecurringRevenue.currencyCode\""),
    ("people", {"emails": {"primaryEmail": "not-an-email"}}, "Invalid string value 'not-an-email' for email field \"emails.primaryEmail\""),
    ("people", {"emails": {"additionalEmails": ["not-an-email"]}}, "Invalid string value 'not-an-email' for email field \"emails.additionalEmails\""),
    ("notes", {"bodyV2": "text"}, "Invalid rich text v2 value 'text' for field \"bodyV2\" - Should be an object"),
    ("gadgets", {"doc": "not-json"}, "Invalid value \"'not-json'\" for FILES field \"doc\" - It should be an array of objects with \"fileId\" and \"label\" properties."),
    ("companies", {"position": "middle"}, "Invalid position value 'middle' for field \"position\""),
    ("companies", {"position": None}, "Invalid position value NaN for field \"position\""),
    ("companies", {"nickname": "x"}, "Object company doesn't have any \"nickname\" field."),
    ("companies", {"people": []}, "One-to-many relation people field does not support write operations."),
    ("people", {"company": uid(1)}, "Relation \"company\" requires connect or disconnect operation"),
    ("companies", {"createdBy": {"source": "TELEPATHY"}}, "Invalid value 'TELEPATHY' for field \"createdBy.source\""),
    ("companies", {"createdBy": {"origin": "API"}}, "Invalid subfield origin for actor field \"createdBy\""),
]


@pytest.mark.parametrize(("plural", "body", "message"), WRONG_VALUES, ids=[f"{p}-{next(iter(b))}-{n}" for n, (p, b, _) in enumerate(WRONG_VALUES)])
async def test_a_wrong_value_is_refused_with_twentys_message(
    client: httpx.AsyncClient, gadget_app: Emulator, plural: str, body: dict[str, Any], message: str,
) -> None:
    """`data-arg-processor.service.ts`, its `validator-utils/*` and snapshot (research note §2)."""
    async with client_for(gadget_app) as gadgets:
        caller = gadgets if plural == "gadgets" else client
        assert_twenty_error(await caller.post(f"/rest/{plural}", json=body), 400, "BadRequestException", message)
        assert await count(caller, plural) == 0


async def test_a_files_value_of_the_wrong_shape_is_refused_naming_the_value(gadget_app: Emulator) -> None:
    """`validate-files-field-or-throw.util.ts`: `Invalid value "<inspect>" for FILES field "<f>" - <zod issues>`."""
    async with client_for(gadget_app) as gadgets:
        response = await gadgets.post("/rest/gadgets", json={"doc": [{"fileId": "not-a-uuid", "label": "x"}]})
    body = assert_twenty_error(response, 400, "BadRequestException")
    assert body["messages"][0].startswith("Invalid value \"[ { fileId: 'not-a-uuid', label: 'x' } ]\" for FILES field \"doc\" - ")


async def test_a_relation_name_with_null_is_accepted_as_a_disconnect(client: httpx.AsyncClient) -> None:
    """Research note §2: newest, a null relation name means disconnect."""
    person = await create(client, "people", {"company": None})
    assert person["companyId"] is None


# system fields -------------------------------------------------------------------------------

async def test_positions_go_first_by_default_and_follow_first_last_and_numbers(client: httpx.AsyncClient) -> None:
    """`record-position.service.ts`: empty table → first 0 / last 2; then min − 1 and max + 1; numbers kept."""
    first = await create(client, "companies", {})
    assert first["position"] == 0
    assert (await create(client, "companies", {"position": "first"}))["position"] == -1
    assert (await create(client, "companies", {}))["position"] == -2
    assert (await create(client, "companies", {"position": "last"}))["position"] == 1
    assert (await create(client, "companies", {"position": 42.5}))["position"] == 42.5
    assert (await create(client, "companies", {"position": "last"}))["position"] == 43.5


async def test_created_by_without_a_name_is_the_api_key_keeping_the_source(client: httpx.AsyncClient) -> None:
    """`actor-from-auth-context.service.ts` and `build-created-by-from-api-key.util.ts` (research note §8)."""
    assert (await create(client, "companies", {}))["createdBy"] == API_ACTOR
    assert (await create(client, "companies", {"createdBy": {"name": ""}}))["createdBy"] == API_ACTOR
    kept_source = await create(client, "companies", {"createdBy": {"source": "IMPORT"}})
    assert kept_source["createdBy"] == {**API_ACTOR, "source": "IMPORT"}


async def test_created_by_with_a_name_is_kept_as_sent(client: httpx.AsyncClient) -> None:
    """Research note §8: a `createdBy` with a non-empty name is kept, workspaceMemberId included."""
    actor = {"source": "MANUAL", "workspaceMemberId": uid(5), "name": "Ada Lovelace", "context": {}}
    record = await create(client, "companies", {"createdBy": actor})
    assert record["createdBy"] == actor
    assert record["updatedBy"] == API_ACTOR


async def test_updated_by_is_always_the_caller(client: httpx.AsyncClient) -> None:
    """Research note §8: `injectActorFieldsOnCreate` and the `updated-by.*` hooks overwrite it."""
    sent = {"source": "IMPORT", "workspaceMemberId": uid(5), "name": "Ada", "context": {}}
    record = await create(client, "companies", {"updatedBy": sent})
    assert record["updatedBy"] == API_ACTOR
    updated = (await client.patch(f"/rest/companies/{record['id']}", json={"updatedBy": sent, "name": "x"})).json()
    assert updated["data"]["updateCompany"]["updatedBy"] == API_ACTOR


async def test_created_at_is_kept_when_sent(client: httpx.AsyncClient) -> None:
    """api.md §3.5 (PR #16764, creation-date import): `createdAt` is written as sent, in UTC."""
    record = await create(client, "companies", {"createdAt": "2019-05-04T10:00:00+02:00"})
    assert record["createdAt"] == "2019-05-04T08:00:00.000Z"


async def test_a_foreign_key_to_a_missing_record_is_refused_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    """api.md §3.6: the join column must name an existing record (a Postgres foreign key)."""
    response = await client.post("/rest/batch/people", json=[{"name": {"firstName": "ok"}}, {"companyId": uid(404)}])
    assert_twenty_error(response, 400, "BadRequestException")
    assert await count(client, "people") == 0


async def test_workspace_members_cannot_be_created(client: httpx.AsyncClient) -> None:
    """`workspace-member-create-one.pre-query.hook.ts`: PERMISSION_DENIED → 403 (research note §6)."""
    response = await client.post("/rest/workspaceMembers", json={"name": {"firstName": "Eve"}})
    assert response.status_code == 403
    assert response.json()["statusCode"] == 403
    assert response.json()["messages"] == ["User does not have permission"]


# upsert --------------------------------------------------------------------------------------

async def test_upsert_matches_by_id_and_updates_in_place(client: httpx.AsyncClient) -> None:
    """`common-create-many-query-runner.service.ts`: the id is a conflicting field (api.md §3.3)."""
    await create(client, "people", {"id": uid(1), "jobTitle": "CTO", "city": "Paris"})
    response = await client.post("/rest/people", params={"upsert": "true"}, json={"id": uid(1), "jobTitle": "CEO"})
    assert response.status_code == 201
    record = response.json()["data"]["createPerson"]
    assert (record["id"], record["jobTitle"], record["city"]) == (uid(1), "CEO", "Paris")
    assert await count(client, "people") == 1


async def test_upsert_matches_by_unique_email_and_restores_a_soft_deleted_match(client: httpx.AsyncClient) -> None:
    """api.md §3.3: soft-deleted rows are searched too, and a match gets `deletedAt` null."""
    person = await create(client, "people", {"emails": {"primaryEmail": "ada@acme.com"}})
    await client.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    response = await client.post("/rest/batch/people", params={"upsert": "true"},
                                 json=[{"emails": {"primaryEmail": "ADA@acme.com"}, "jobTitle": "CEO"}])
    [record] = response.json()["data"]["createPeople"]
    assert (record["id"], record["jobTitle"], record["deletedAt"]) == (person["id"], "CEO", None)
    assert await ids(client, "people") == [person["id"]]


async def test_upsert_matching_two_records_is_a_conflict(client: httpx.AsyncClient) -> None:
    """`get-matching-record-id.util.ts`: UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT → 400."""
    await create(client, "people", {"id": uid(1)})
    await create(client, "people", {"id": uid(2), "emails": {"primaryEmail": "bob@acme.com"}})
    response = await client.post("/rest/people", params={"upsert": "true"},
                                 json={"id": uid(1), "emails": {"primaryEmail": "bob@acme.com"}})
    body = assert_twenty_error(response, 400, "BadRequestException")
    assert body["messages"][0].startswith("Multiple records found with the same unique field values for ")
    assert body["messages"][0].endswith(". Cannot determine which record to update.")


# update --------------------------------------------------------------------------------------

async def test_update_merges_down_to_composite_sub_fields(client: httpx.AsyncClient) -> None:
    """api.md §3.7: only the keys and sub-fields sent change; the reply key is `updatePerson`."""
    person = await create(client, "people", {
        "name": {"firstName": "Ada", "lastName": "Byron"}, "emails": {"primaryEmail": "ada@acme.com", "additionalEmails": ["a@b.com"]},
        "city": "London",
    })
    response = await client.patch(f"/rest/people/{person['id']}", json={"name": {"lastName": "Lovelace"}, "emails": {"primaryEmail": "ADA@lovelace.org"}})
    assert response.status_code == 200
    updated = response.json()["data"]["updatePerson"]
    assert updated["name"] == {"firstName": "Ada", "lastName": "Lovelace"}
    assert updated["emails"] == {"primaryEmail": "ada@lovelace.org", "additionalEmails": ["a@b.com"]}
    assert updated["city"] == "London" and updated["createdAt"] == person["createdAt"]


async def test_put_behaves_like_patch(client: httpx.AsyncClient) -> None:
    """api.md §3.7: `PUT /rest/{plural}/{id}` is the same partial update."""
    person = await create(client, "people", {"city": "London", "jobTitle": "Analyst"})
    response = await client.put(f"/rest/people/{person['id']}", json={"jobTitle": "Countess"})
    assert response.status_code == 200
    updated = response.json()["data"]["updatePerson"]
    assert (updated["city"], updated["jobTitle"]) == ("London", "Countess")


async def test_updating_an_unknown_id_is_404(client: httpx.AsyncClient) -> None:
    """`rest-api-core-update.integration-spec.ts`: RECORD_NOT_FOUND → 404 `Record not found`."""
    response = await client.patch(f"/rest/people/{uid(404)}", json={"city": "Paris"})
    assert_twenty_error(response, 404, "NotFoundException", "Record not found")


# delete, destroy, restore --------------------------------------------------------------------

async def test_delete_destroys_by_default_and_answers_only_the_id(client: httpx.AsyncClient) -> None:
    """`rest-api-delete-one.handler.ts`: no parameter is a hard delete; `delete<Singular>` = `{id}`."""
    person = await create(client, "people", {})
    response = await client.delete(f"/rest/people/{person['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert await ids(client, "people", filter="deletedAt[is]:NOT_NULL") == []
    assert await ids(client, "people") == []
    assert_twenty_error(await client.patch(f"/rest/restore/people/{person['id']}"), 404, "NotFoundException", "Record not found")


async def test_soft_delete_keeps_the_record_for_the_deleted_at_filter(client: httpx.AsyncClient) -> None:
    """api.md §3.8: `?soft_delete=true` sets `deletedAt`."""
    person = await create(client, "people", {})
    response = await client.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    assert response.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert await ids(client, "people") == []
    [deleted] = (await listing(client, "people", filter="deletedAt[is]:NOT_NULL"))["data"]["people"]
    assert deleted["id"] == person["id"] and deleted["deletedAt"] is not None


@pytest.mark.parametrize("path", ["/rest/restore/people/{id}", "/rest/people/{id}/restore"])
async def test_restore_brings_a_soft_deleted_record_back(client: httpx.AsyncClient, path: str) -> None:
    """Research note / api.md §14.5: both restore path forms answer `restore<Singular>`."""
    person = await create(client, "people", {"city": "Paris"})
    await client.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    response = await client.patch(path.format(id=person["id"]))
    assert response.status_code == 200
    restored = response.json()["data"]["restorePerson"]
    assert (restored["id"], restored["deletedAt"], restored["city"]) == (person["id"], None, "Paris")
    assert await ids(client, "people") == [person["id"]]


async def test_destroying_a_company_cascades_to_note_targets_and_unlinks_people(client: httpx.AsyncClient) -> None:
    """api.md §3.8: each relation's `onDelete` (noteTarget CASCADE, person.company SET_NULL)."""
    company = await create(client, "companies", {"name": "Acme"})
    person = await create(client, "people", {"companyId": company["id"]})
    note = await create(client, "notes", {"title": "Call"})
    await create(client, "noteTargets", {"noteId": note["id"], "targetCompanyId": company["id"]})
    kept = await create(client, "noteTargets", {"noteId": note["id"], "targetPersonId": person["id"]})
    assert (await client.delete(f"/rest/companies/{company['id']}")).status_code == 200
    assert await ids(client, "noteTargets") == [kept["id"]]
    assert (await client.get(f"/rest/people/{person['id']}")).json()["data"]["person"]["companyId"] is None
    assert await ids(client, "notes") == [note["id"]]


async def test_bulk_delete_needs_a_filter(client: httpx.AsyncClient) -> None:
    """api.md §3.8: `Filters are mandatory for bulk delete/destroy operations`."""
    response = await client.delete("/rest/people")
    body = assert_twenty_error(response, 400, "BadRequestException")
    assert body["messages"][0].startswith("Filters are mandatory for bulk delete/destroy operations")


async def test_bulk_delete_of_more_than_200_matches_is_refused_and_deletes_nothing(client: httpx.AsyncClient) -> None:
    """api.md §14.3: `Cannot destroy more than 200 records at once`."""
    await create_batch(client, "companies", [{"name": f"C{n}"} for n in range(201)])
    response = await client.delete("/rest/companies", params={"filter": "name[like]:C%"})
    assert_twenty_error(response, 400, "BadRequestException", "Cannot destroy more than 200 records at once")
    assert await count(client, "companies") == 201


async def test_bulk_delete_answers_delete_plural(client: httpx.AsyncClient) -> None:
    """api.md §14.3: the answer key is `delete<Plural>`, one `{id}` per deleted record."""
    await create_batch(client, "companies", [{"id": uid(1), "name": "A"}, {"id": uid(2), "name": "B"}])
    response = await client.delete("/rest/companies", params={"filter": "name[eq]:A", "soft_delete": "true"})
    assert response.json() == {"data": {"deleteCompanies": [{"id": uid(1)}]}}
    assert await ids(client, "companies") == [uid(2)]
