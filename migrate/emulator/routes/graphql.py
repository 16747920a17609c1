"""GraphQL: the metadata API (`POST /metadata`) and the legacy core upload (`POST /graphql`).

A real GraphQL executor (graphql-core) over a schema written from Twenty's DTOs
(`metadata-modules/object-metadata/dtos/object-metadata.dto.ts`, `field-metadata/dtos/*.ts`,
`relation.dto.ts`, `core-modules/file/file-upload/resolvers/file-upload.resolver.ts`), so that
any query a client sends is parsed and validated as Twenty would. Uploads follow the
graphql-multipart-request-spec (`operations`, `map`, then the files). Errors come back as
`{"errors": [{"message", "extensions": {"code"}}], "data": null}`.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from graphql import GraphQLError, GraphQLSchema, GraphQLSyntaxError, build_schema, graphql
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from migrate.emulator import metadata
from migrate.emulator.datamodel import FieldDef, ObjectDef
from migrate.emulator.envelopes import TwentyHTTPError, bad_request
from migrate.emulator.routes.common import workspace
from migrate.emulator.routes.config_graphql import WORKFLOW_SDL, core_resolvers, metadata_resolvers
from migrate.emulator.workspace import Workspace, utc_now

_CODES = {400: "BAD_USER_INPUT", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT"}

METADATA_SCHEMA: GraphQLSchema = build_schema(resources.files("migrate.emulator.routes").joinpath("graphql_schema.graphql").read_text())
CORE_SCHEMA: GraphQLSchema = build_schema("""
scalar Upload
type SignedFile { path: String!, token: String! }
type ClientConfig { appVersion: String }
type Query { clientConfig: ClientConfig! }
type Mutation { uploadFile(file: Upload!, fileFolder: String): SignedFile! }
""" + WORKFLOW_SDL)


def _as_graphql_errors(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the rules' Twenty errors into GraphQL errors with Twenty's extension codes."""

    def wrapped(info: Any, **kwargs: Any) -> Any:
        try:
            return resolver(info, **kwargs)
        except TwentyHTTPError as exc:
            raise GraphQLError(exc.messages[0], extensions={"code": _CODES.get(exc.status, "INTERNAL_SERVER_ERROR")}) from None

    return wrapped


class MetadataGraph:
    """Lazy GraphQL views of the workspace's objects and fields (callables resolve on demand)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def obj(self, obj: ObjectDef) -> dict[str, Any]:
        wire = metadata.object_to_wire(obj, self.ws.objects, with_fields=False)
        wire["fieldsList"] = lambda info, **_: [self.field(obj, f) for f in obj.fields]
        wire["fields"] = lambda info, **kw: self.connection([self.field(obj, f) for f in obj.fields], kw.get("paging"))
        return wire

    def field(self, obj: ObjectDef, field: FieldDef) -> dict[str, Any]:
        wire = metadata.field_to_wire(obj, field, self.ws.objects)
        wire["object"] = lambda info, **_: self.obj(obj)
        target = self.ws.objects.get(field.target_object or "")
        if wire["relation"] and target is not None:
            inverse = target.by_name.get(field.target_field or "")
            wire["relation"] = {
                "type": field.relation_type,
                "sourceObjectMetadata": lambda info, **_: self.obj(obj),
                "targetObjectMetadata": lambda info, **_: self.obj(target),
                "sourceFieldMetadata": lambda info, **_: metadata.field_to_wire(obj, field, self.ws.objects),
                "targetFieldMetadata": (lambda info, **_: metadata.field_to_wire(target, inverse, self.ws.objects)) if inverse else None,
            }
        return wire

    @staticmethod
    def connection(nodes: list[dict[str, Any]], paging: dict[str, Any] | None) -> dict[str, Any]:
        nodes = sorted(nodes, key=lambda n: n["id"])
        after = (paging or {}).get("after")
        if after:
            nodes = [n for n in nodes if n["id"] > after]
        first = (paging or {}).get("first") or 10
        page = nodes[: min(first, 1000)]
        return {
            "edges": [{"node": n, "cursor": n["id"]} for n in page],
            "pageInfo": {"hasNextPage": len(nodes) > len(page), "hasPreviousPage": False,
                         "startCursor": page[0]["id"] if page else None, "endCursor": page[-1]["id"] if page else None},
            "totalCount": len(nodes),
        }


def _file_reply(request: Request, saved: dict[str, Any]) -> dict[str, Any]:
    signer = request.app.state.signer
    return {"id": saved["id"], "path": saved["path"], "size": saved["size"], "createdAt": utc_now(), "url": signer.file_url(saved["id"]),
            "name": saved["name"], "fullPath": saved["path"], "type": saved.get("extension")}


def metadata_root(request: Request) -> dict[str, Any]:
    ws = workspace(request)
    graph = MetadataGraph(ws)
    app = request.app

    def objects(info: Any, paging: dict[str, Any] | None = None, filter: Any = None) -> dict[str, Any]:  # noqa: A002
        return graph.connection([graph.obj(o) for o in ws.objects.values()], paging)

    def find_object(info: Any, id: str) -> dict[str, Any] | None:  # noqa: A002
        obj = ws.object_by_id(id)
        return graph.obj(obj) if obj else None

    def fields(info: Any, paging: dict[str, Any] | None = None, filter: Any = None) -> dict[str, Any]:  # noqa: A002
        return graph.connection([graph.field(o, f) for o in ws.objects.values() for f in o.fields], paging)

    def find_field(info: Any, id: str) -> dict[str, Any] | None:  # noqa: A002
        obj, field = metadata.find_field(ws, id)
        return graph.field(obj, field)

    def create_one_object(info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        obj = metadata.create_object(ws, {k: v for k, v in input["object"].items() if v is not None})
        return graph.obj(ws.objects[obj.name_singular])

    def delete_one_object(info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        return graph.obj(metadata.delete_object(ws, input["id"]))

    def create_one_field(info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        field = metadata.create_field(ws, {k: v for k, v in input["field"].items() if v is not None})
        return graph.field(*metadata.find_field(ws, field.id))

    def update_one_field(info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        field = metadata.update_field(ws, input["id"], input["update"])
        return graph.field(*metadata.find_field(ws, field.id))

    def create_file_upload(info: Any, filename: str, size: float, fileFolder: str, fieldMetadataId: str | None = None) -> dict[str, Any]:  # noqa: N803
        import uuid

        file_id = str(uuid.uuid4())
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        app.state.pending_uploads[file_id] = {"filename": filename, "size": size, "contentType": content_type, "received": False}
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {"fileId": file_id, "uploadUrl": app.state.signer.upload_url(file_id), "contentType": content_type, "expiresAt": expires}

    def complete_file_upload(info: Any, fileId: str) -> dict[str, Any]:  # noqa: N803
        pending = app.state.pending_uploads.get(fileId)
        found = ws.store.get_file(file_id=fileId)
        if pending is None or not pending["received"] or found is None:
            raise bad_request(f"File {fileId} was not uploaded: PUT its bytes to the uploadUrl first")
        del app.state.pending_uploads[fileId]
        file_id, path, name, _, data = found
        return _file_reply(request, {"id": file_id, "path": path, "size": len(data), "name": name, "extension": path.rsplit(".", 1)[-1]})

    def upload_files_field_file(info: Any, file: Any, fieldMetadataId: str) -> dict[str, Any]:  # noqa: N803
        if not isinstance(file, dict):
            raise bad_request("uploadFilesFieldFile needs a multipart request with the file")
        metadata.find_field(ws, fieldMetadataId)
        return _file_reply(request, ws.save_file(file["filename"], file["data"], file["contentType"]))

    def send_invitations(info: Any, emails: list[str], roleId: str | None = None) -> dict[str, Any]:  # noqa: N803
        """`core-modules/workspace-invitation/workspace-invitation.resolver.ts`: behind
        `UserAuthGuard`, so an API key gets Nest's "Forbidden resource" (config.md §0.3)."""
        import uuid

        if not request.scope["state"]["caller"].user_session:
            raise TwentyHTTPError(403, "ForbiddenException", ["Forbidden resource"])
        expires = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        sent = [{"id": str(uuid.uuid4()), "email": email.strip().lower(), "expiresAt": expires} for email in emails]
        app.state.invitations.extend(sent)
        return {"success": True, "errors": [], "result": sent}

    resolvers = {
        "sendInvitations": send_invitations,
        "objects": objects, "object": find_object, "fields": fields, "field": find_field,
        "createOneObject": create_one_object, "deleteOneObject": delete_one_object,
        "createOneField": create_one_field, "updateOneField": update_one_field,
        "createFileUpload": create_file_upload, "completeFileUpload": complete_file_upload,
        "uploadFilesFieldFile": upload_files_field_file,
        **metadata_resolvers(request),
    }
    return {name: _as_graphql_errors(fn) for name, fn in resolvers.items()}


def core_root(request: Request) -> dict[str, Any]:
    ws = workspace(request)

    def upload_file(info: Any, file: Any, fileFolder: str | None = None) -> dict[str, Any]:  # noqa: N803
        if not isinstance(file, dict):
            raise bad_request("uploadFile needs a multipart request with the file")
        saved = ws.save_file(file["filename"], file["data"], file["contentType"], folder=(fileFolder or "attachment").lower())
        return {"path": saved["path"], "token": request.app.state.signer.token({"filePath": saved["path"]})}

    def client_config(info: Any) -> dict[str, Any]:
        return {"appVersion": request.app.state.app_version}

    return {"uploadFile": _as_graphql_errors(upload_file), "clientConfig": client_config,
            **{name: _as_graphql_errors(fn) for name, fn in core_resolvers(request).items()}}


async def _operation(request: Request) -> dict[str, Any]:
    """The GraphQL operation of a JSON or multipart request, uploads put in its variables."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # `async with` closes the spooled upload files (else a ResourceWarning when collected)
        async with request.form() as form:
            return await _multipart_operation(form)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise bad_request("Invalid JSON body") from None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise bad_request("Must provide query string.")
    return body


async def _multipart_operation(form: Any) -> dict[str, Any]:
    """graphql-multipart-request-spec: `operations`, `map`, then the files by map key."""
    try:
        operation = json.loads(str(form["operations"]))
        mapping = json.loads(str(form.get("map", "{}")))
    except (KeyError, ValueError):
        raise bad_request("Invalid multipart request: 'operations' and 'map' must be JSON") from None
    for key, paths in mapping.items():
        upload = form.get(key)
        if not isinstance(upload, UploadFile):
            continue
        value = {"filename": upload.filename or "file", "contentType": upload.content_type or "application/octet-stream", "data": await upload.read()}
        for path in paths:
            target = operation
            parts = path.split(".")
            for part in parts[:-1]:
                target = target[int(part)] if isinstance(target, list) else target[part]
            target[parts[-1]] = value
    return operation  # type: ignore[no-any-return]


async def _execute(request: Request, schema: GraphQLSchema, root: dict[str, Any]) -> JSONResponse:
    operation = await _operation(request)
    result = await graphql(schema, operation["query"], root_value=root, variable_values=operation.get("variables"),
                           operation_name=operation.get("operationName"))
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        errors = []
        for error in result.errors:
            formatted = error.formatted
            extensions = formatted.setdefault("extensions", {})
            # Apollo/Yoga codes kept by Twenty (`core-modules/graphql/utils/graphql-errors.util.ts`):
            # a parse failure is GRAPHQL_PARSE_FAILED, a schema mismatch GRAPHQL_VALIDATION_FAILED.
            pre_execution = result.data is None and not error.path
            code = "GRAPHQL_PARSE_FAILED" if isinstance(error, GraphQLSyntaxError) else "GRAPHQL_VALIDATION_FAILED" if pre_execution else "INTERNAL_SERVER_ERROR"
            extensions.setdefault("code", code)
            errors.append(formatted)
        body["errors"] = errors
    status = 400 if result.data is None and result.errors and all(not e.path for e in result.errors) else 200
    return JSONResponse(body, status_code=status)


async def metadata_endpoint(request: Request) -> JSONResponse:
    return await _execute(request, METADATA_SCHEMA, metadata_root(request))


async def core_endpoint(request: Request) -> JSONResponse:
    return await _execute(request, CORE_SCHEMA, core_root(request))


routes = [
    Route("/metadata", metadata_endpoint, methods=["POST"]),
    Route("/graphql", core_endpoint, methods=["POST"]),
]
