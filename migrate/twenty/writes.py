"""Writes to a Twenty workspace: records in batches, lookups for reconciliation, metadata, files.

All go through `TwentyClient.request` (limiter, retries, typed errors). A create is retried by
the client only for transport failures and 429/5xx; whether a retried create landed twice is
settled by the caller's reconciliation (the journal), never by hope.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from migrate.errors import TwentyAPIError, TwentyValidationError
from migrate.twenty.client import TwentyClient

_UNSAFE_IN_LIST = set(',[]()"\'')


def _singular_key(prefix: str, name: str) -> str:
    return prefix + name[:1].upper() + name[1:]


async def create_many(client: TwentyClient, plural: str, records: Sequence[dict[str, Any]], *, retry: bool = True) -> list[dict[str, Any]]:
    """`POST /rest/batch/{plural}`: all or nothing; returns the created records. With
    `retry=False` the caller settles ambiguous failures itself (did the batch land?)."""
    body = await client.request("POST", f"/rest/batch/{plural}", json=list(records), params={"depth": 0}, object_name=plural, retry=retry)
    data = body["data"]
    return list(data.get(_singular_key("create", plural), next(iter(data.values()))))


async def update_one(client: TwentyClient, plural: str, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
    body = await client.request("PATCH", f"/rest/{plural}/{record_id}", json=data, params={"depth": 0}, object_name=plural, record_id=record_id)
    return next(iter(body["data"].values()))  # type: ignore[no-any-return]


def id_filter(ids: Sequence[str], *, include_deleted: bool = False) -> str:
    ids_text = f"id[in]:[{','.join(ids)}]"
    return f"and({ids_text},or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL))" if include_deleted else ids_text


async def existing(client: TwentyClient, plural: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Which of these ids exist in the target, soft-deleted ones included."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 100):
        chunk = list(ids[start : start + 100])
        async for page, _ in client.iter_pages(plural, filter=id_filter(chunk, include_deleted=True)):
            found.update({r["id"]: r for r in page})
    return found


async def find_by_values(client: TwentyClient, plural: str, path: str, values: Sequence[str]) -> list[dict[str, Any]]:
    """Records (soft-deleted included) whose `path` (e.g. `emails.primaryEmail`) is one of `values`."""
    simple = [v for v in values if v and not (_UNSAFE_IN_LIST & set(v))]
    awkward = [v for v in values if v and _UNSAFE_IN_LIST & set(v)]
    filters = [f"and({path}[in]:[{','.join(simple[i:i + 50])}],or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL))" for i in range(0, len(simple), 50)]
    filters += [f'and({path}[eq]:"{v}",or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL))' for v in awkward if '"' not in v]
    out: list[dict[str, Any]] = []
    for text in filters:
        try:
            async for page, _ in client.iter_pages(plural, filter=text):
                out += page
        except TwentyValidationError:
            continue  # a value the filter grammar cannot carry: the record will be bisected and rejected instead
    return out


async def delete_by_ids(client: TwentyClient, plural: str, ids: Sequence[str], *, soft: bool) -> None:
    """Delete up to 200 records by id: `soft` sets deletedAt, otherwise they are destroyed."""
    params: dict[str, Any] = {"filter": id_filter(ids, include_deleted=not soft)}
    if soft:
        params["soft_delete"] = "true"
    await client.request("DELETE", f"/rest/{plural}", params=params, object_name=plural)


# metadata -------------------------------------------------------------------------------------
CREATE_OBJECT = """mutation CreateObject($input: CreateOneObjectInput!) { createOneObject(input: $input) { id nameSingular } }"""
CREATE_FIELD = """mutation CreateField($input: CreateOneFieldInput!) { createOneField(input: $input) { id name } }"""
UPDATE_FIELD = """mutation UpdateField($input: UpdateOneFieldInput!) { updateOneField(input: $input) { id name } }"""
DELETE_OBJECT = """mutation DeleteObject($input: DeleteOneObjectInput!) { deleteOneObject(input: $input) { id } }"""
UPLOAD = """mutation Upload($file: Upload!, $fieldMetadataId: String!) { uploadFilesFieldFile(file: $file, fieldMetadataId: $fieldMetadataId) { id path } }"""


async def create_object(client: TwentyClient, data: dict[str, Any]) -> str:
    result = await client.graphql("/metadata", CREATE_OBJECT, {"input": {"object": data}})
    return str(result["createOneObject"]["id"])


async def create_field(client: TwentyClient, data: dict[str, Any]) -> str:
    result = await client.graphql("/metadata", CREATE_FIELD, {"input": {"field": data}})
    return str(result["createOneField"]["id"])


async def update_field(client: TwentyClient, field_id: str, update: dict[str, Any]) -> None:
    await client.graphql("/metadata", UPDATE_FIELD, {"input": {"id": field_id, "update": update}})


async def delete_object(client: TwentyClient, object_id: str) -> None:
    await client.graphql("/metadata", DELETE_OBJECT, {"input": {"id": object_id}})


async def upload_file(client: TwentyClient, field_metadata_id: str, filename: str, data: bytes, content_type: str) -> str:
    """`uploadFilesFieldFile` as a graphql-multipart request; returns the new file id."""
    operations = {"query": UPLOAD, "variables": {"file": None, "fieldMetadataId": field_metadata_id}}
    body = await client.request_multipart("/metadata", {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
                                          {"0": (filename, data, content_type)})
    errors = (body or {}).get("errors")
    if errors:
        raise TwentyAPIError(f"Uploading {filename} failed: {errors[0].get('message')}", status=200, code=None,
                             messages=[e.get("message", "") for e in errors], method="POST", path="/metadata")
    return str(body["data"]["uploadFilesFieldFile"]["id"])


SEND_INVITATIONS = """mutation Invite($emails: [String!]!) { sendInvitations(emails: $emails) { success errors result { email expiresAt } } }"""


async def send_invitations(client: TwentyClient, emails: Sequence[str]) -> list[str]:
    """Invite people to the workspace; Twenty accepts this only from a user session, not an API key."""
    result = await client.graphql("/metadata", SEND_INVITATIONS, {"emails": list(emails)})
    return [r["email"] for r in result["sendInvitations"]["result"]]
