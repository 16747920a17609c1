"""Files go up and come back down as Twenty moves them: by signed URL, by multipart, and the 2025 way.

Follows `core-modules/file/file-upload/resolvers/file-upload.resolver.ts` (`createFileUpload`,
`completeFileUpload`), `file-upload/controllers/file-upload.controller.ts` (PUT → 204),
`file/files-field/resolvers/files-field.resolver.ts` (`uploadFilesFieldFile`),
`file/controllers/file.controller.ts` with `file/guards/file-by-id.guard.ts` (download by query
token, no bearer), `validate-files-field-or-throw.util.ts` (FILES input) and, for 2025, `uploadFile`
on `/graphql` with `/files/<path>?token=` (research note §1).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from migrate.emulator.app import Emulator
from tests.emulator.conftest import assert_twenty_error

pytestmark = pytest.mark.anyio

CONTENT = b"%PDF-1.7 quarterly report \x00\x01\x02 with bytes that are not text \xff\xfe"

CREATE_UPLOAD = """mutation($filename: String!, $size: Float!, $folder: String!, $field: String) {
  createFileUpload(filename: $filename, size: $size, fileFolder: $folder, fieldMetadataId: $field) { fileId uploadUrl contentType expiresAt }
}"""
COMPLETE_UPLOAD = "mutation($id: String!) { completeFileUpload(fileId: $id) { id path size createdAt url } }"


@pytest.fixture
async def anonymous(app: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no bearer, as a browser following a signed URL is."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test") as c:
        yield c


async def metadata(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/metadata", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def attachment_file_field_id(client: httpx.AsyncClient) -> str:
    listed = (await client.get("/rest/metadata/objects")).json()["data"]["objects"]
    attachment = next(o for o in listed if o["nameSingular"] == "attachment")
    return next(f["id"] for f in attachment["fields"] if f["name"] == "file")  # type: ignore[no-any-return]


async def start_upload(client: httpx.AsyncClient, filename: str = "report.pdf", data: bytes = CONTENT) -> dict[str, Any]:
    body = await metadata(client, CREATE_UPLOAD, filename=filename, size=len(data), folder="FilesField",
                          field=await attachment_file_field_id(client))
    assert "errors" not in body, body
    return body["data"]["createFileUpload"]  # type: ignore[no-any-return]


async def upload(client: httpx.AsyncClient, anonymous: httpx.AsyncClient, filename: str = "report.pdf", data: bytes = CONTENT) -> str:
    """The whole newest flow: create the target, PUT the bytes, complete; returns the file id."""
    target = await start_upload(client, filename, data)
    put = await anonymous.put(target["uploadUrl"], content=data, headers={"Content-Type": target["contentType"]})
    assert put.status_code == 204, put.text
    done = await metadata(client, COMPLETE_UPLOAD, id=target["fileId"])
    assert "errors" not in done, done
    return target["fileId"]  # type: ignore[no-any-return]


async def attach(client: httpx.AsyncClient, file_item: Any) -> httpx.Response:
    company = (await client.post("/rest/companies", json={"name": "Acme"})).json()["data"]["createCompany"]
    return await client.post("/rest/attachments", json={"name": "report.pdf", "file": file_item, "targetCompanyId": company["id"]})


async def attached_file(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> dict[str, Any]:
    file_id = await upload(client, anonymous)
    created = await attach(client, [{"fileId": file_id, "label": "report.pdf"}])
    assert created.status_code == 201, created.text
    record = (await client.get(f"/rest/attachments/{created.json()['data']['createAttachment']['id']}")).json()["data"]["attachment"]
    return record["file"][0]  # type: ignore[no-any-return]


def with_token(url: str, token: str | None) -> str:
    base = url.split("?", 1)[0]
    return base if token is None else f"{base}?token={token}"


# --- The newest flow: createFileUpload → PUT → completeFileUpload → FILES field --------------

async def test_create_file_upload_returns_a_signed_target(client: httpx.AsyncClient) -> None:
    """`FileUploadTarget {fileId, uploadUrl, contentType, expiresAt}` (`file-upload.resolver.ts`)."""
    target = await start_upload(client)
    assert target["contentType"] == "application/pdf"
    assert target["uploadUrl"].startswith(f"http://twenty.test/file-upload/{target['fileId']}?token=")
    assert target["expiresAt"].endswith("Z")


async def test_the_uploaded_bytes_come_back_exactly_through_the_record_url(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """An attachment created with `file: [{fileId, label}]` reads back with `fileId`, `label`,
    `extension` and a signed `url` (`files-field-query-result-getter.handler.ts`); the url serves
    the exact bytes with no bearer (`file-by-id.guard.ts`)."""
    item = await attached_file(client, anonymous)
    assert set(item) == {"fileId", "label", "extension", "url"}
    assert (item["label"], item["extension"]) == ("report.pdf", "pdf")
    assert item["url"].startswith(f"http://twenty.test/file/files-field/{item['fileId']}?token=")
    download = await anonymous.get(item["url"])
    assert download.status_code == 200
    assert download.content == CONTENT
    assert download.headers["accept-ranges"] == "bytes"


async def test_complete_file_upload_answers_the_signed_file(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """`completeFileUpload` → `FileWithSignedUrl {id, path, size, createdAt, url}` (`file-with-sign-url.dto.ts`)."""
    target = await start_upload(client)
    await anonymous.put(target["uploadUrl"], content=CONTENT)
    done = (await metadata(client, COMPLETE_UPLOAD, id=target["fileId"]))["data"]["completeFileUpload"]
    assert (done["id"], done["size"]) == (target["fileId"], len(CONTENT))
    assert (await anonymous.get(done["url"])).content == CONTENT


@pytest.mark.parametrize("token", [None, "", "not-a-token", "eyJhbGciOiJIUzI1NiJ9.eyJmaWxlSWQiOiJ4In0.Zm9yZ2Vk"])
async def test_a_download_without_a_valid_token_is_forbidden(client: httpx.AsyncClient, anonymous: httpx.AsyncClient, token: str | None) -> None:
    """`FileByIdGuard` returns false when the query token is missing or does not verify: 403."""
    item = await attached_file(client, anonymous)
    response = await anonymous.get(with_token(item["url"], token))
    assert_twenty_error(response, 403, "ForbiddenException")


async def test_a_token_signed_for_another_file_is_forbidden(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """The guard requires `payload.fileId === :id`: one file's token does not open another."""
    first = await attached_file(client, anonymous)
    second = await attached_file(client, anonymous)
    other_token = parse_qs(urlsplit(second["url"]).query)["token"][0]
    assert_twenty_error(await anonymous.get(with_token(first["url"], other_token)), 403, "ForbiddenException")


async def test_the_bearer_key_does_not_replace_the_file_token(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """The file route reads only the query token: the API key in the header opens nothing."""
    item = await attached_file(client, anonymous)
    assert (await client.get(with_token(item["url"], None))).status_code == 403


async def test_a_range_request_gets_a_partial_answer(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """`Range: bytes=0-9` → 206 with `Content-Range` (`file.controller.ts` streams with ranges)."""
    item = await attached_file(client, anonymous)
    response = await anonymous.get(item["url"], headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.content == CONTENT[:10]
    assert response.headers["content-range"] == f"bytes 0-9/{len(CONTENT)}"


async def test_extension_on_input_is_refused(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """The FILES zod schema is strict: only `fileId` and `label` (`validate-files-field-or-throw.util.ts`)."""
    file_id = await upload(client, anonymous)
    response = await attach(client, [{"fileId": file_id, "label": "report.pdf", "extension": "pdf"}])
    body = assert_twenty_error(response, 400, "BadRequestException")
    assert body["messages"][0].startswith('Invalid value "')
    assert 'for FILES field "file"' in body["messages"][0]


async def test_a_json_string_of_the_items_is_accepted(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """A JSON string of the array is parsed like the array (`validate-files-field-or-throw.util.ts`)."""
    file_id = await upload(client, anonymous)
    response = await attach(client, json.dumps([{"fileId": file_id, "label": "report.pdf"}]))
    assert response.status_code == 201, response.text
    assert response.json()["data"]["createAttachment"]["file"][0]["fileId"] == file_id


async def test_a_string_that_is_not_json_is_refused_with_twentys_message(client: httpx.AsyncClient) -> None:
    """`Invalid value "<v>" for FILES field "<field>" - It should be an array of objects with "fileId"
    and "label" properties.` (research note §1.1)."""
    response = await attach(client, "report.pdf")
    assert_twenty_error(response, 400, "BadRequestException",
                        """Invalid value "'report.pdf'" for FILES field "file" - It should be an array of objects with "fileId" and "label" properties.""")


async def test_an_unknown_file_id_is_refused(client: httpx.AsyncClient) -> None:
    """A FILES item must name an uploaded file: an unknown id is a 400 and no record is made."""
    response = await attach(client, [{"fileId": "6f1c7a54-0a8e-4d55-9d6f-3c2b1a0f9e87", "label": "ghost.pdf"}])
    assert_twenty_error(response, 400, "BadRequestException")
    assert (await client.get("/rest/attachments")).json()["data"]["attachments"] == []


async def test_completing_an_upload_before_the_bytes_arrive_is_refused(client: httpx.AsyncClient) -> None:
    """`completeFileUpload` of a file never PUT is a GraphQL error, not a file."""
    target = await start_upload(client)
    body = await metadata(client, COMPLETE_UPLOAD, id=target["fileId"])
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_put_with_a_bad_upload_token_is_forbidden(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """`FileUploadTokenGuard` refuses a token that is missing or signed for another file."""
    first, second = await start_upload(client), await start_upload(client)
    assert (await anonymous.put(with_token(first["uploadUrl"], None), content=CONTENT)).status_code == 403
    second_token = parse_qs(urlsplit(second["uploadUrl"]).query)["token"][0]
    assert (await anonymous.put(with_token(first["uploadUrl"], second_token), content=CONTENT)).status_code == 403


# --- Multipart: uploadFilesFieldFile on /metadata ---------------------------------------------

async def test_upload_files_field_file_takes_a_multipart_request(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """graphql-multipart-request-spec: `operations`, `map` `{"0": ["variables.file"]}`, then the
    file (`files-field.resolver.ts`); the file id then works in a FILES field."""
    operations = {"query": "mutation($file: Upload!, $field: String!) { uploadFilesFieldFile(file: $file, fieldMetadataId: $field) { id path size url } }",
                  "variables": {"file": None, "field": await attachment_file_field_id(client)}}
    response = await client.post("/metadata", data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
                                 files={"0": ("photo.png", b"\x89PNG fake image", "image/png")})
    assert response.status_code == 200, response.text
    uploaded = response.json()["data"]["uploadFilesFieldFile"]
    assert uploaded["size"] == len(b"\x89PNG fake image")
    created = await attach(client, [{"fileId": uploaded["id"], "label": "photo.png"}])
    item = created.json()["data"]["createAttachment"]["file"][0]
    assert item["extension"] == "png"
    assert (await anonymous.get(item["url"])).content == b"\x89PNG fake image"


async def test_upload_files_field_file_without_the_file_is_an_error(client: httpx.AsyncClient) -> None:
    """A JSON request cannot carry an `Upload`: the mutation answers a GraphQL error."""
    body = (await client.post("/metadata", json={
        "query": "mutation($f: String!) { uploadFilesFieldFile(file: \"x\", fieldMetadataId: $f) { id } }",
        "variables": {"f": await attachment_file_field_id(client)}})).json()
    assert body["data"] is None and body["errors"]


# --- The 2025 flow: uploadFile on /graphql, fullPath, /files/<path>?token= --------------------

async def test_the_legacy_upload_file_flow_serves_the_bytes_by_path(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    """`uploadFile(file, fileFolder)` on `/graphql` → `{path, token}` (`signed-file.dto.ts`); the
    bytes come back at `/files/<path>?token=` with no bearer (research note §1.2)."""
    operations = {"query": "mutation($file: Upload!, $folder: String) { uploadFile(file: $file, fileFolder: $folder) { path token } }",
                  "variables": {"file": None, "folder": "Attachment"}}
    response = await client.post("/graphql", data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
                                 files={"0": ("notes.txt", b"legacy bytes\n", "text/plain")})
    assert response.status_code == 200, response.text
    signed = response.json()["data"]["uploadFile"]
    assert signed["path"].startswith("attachment/") and signed["path"].endswith(".txt")
    download = await anonymous.get(f"/files/{signed['path']}", params={"token": signed["token"]})
    assert download.status_code == 200
    assert download.content == b"legacy bytes\n"
    assert (await anonymous.get(f"/files/{signed['path']}")).status_code == 403
    assert (await anonymous.get(f"/files/{signed['path']}", params={"token": "forged"})).status_code == 403
