"""REST metadata: `/rest/metadata/objects` and `/rest/metadata/fields`, legacy envelope.

Follows the legacy REST metadata layer (`packages/twenty-server/src/engine/api/rest/metadata/`,
a proxy to the metadata GraphQL schema): lists as `{"data": {"objects": [...]}, "pageInfo",
"totalCount"}` with each object embedding its `fields`, paged by `limit` / `starting_after`
over ids (api.md §7.1, §14.8, §14.12).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from migrate.emulator import metadata
from migrate.emulator.envelopes import bad_request, not_found
from migrate.emulator.routes.common import json_body, parse_limit, workspace
from migrate.emulator.values import check_uuid

METADATA_DEFAULT_LIMIT = 1000


def _page(items: list[dict[str, Any]], request: Request) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    limit = parse_limit(request.query_params.get("limit")) or METADATA_DEFAULT_LIMIT
    items = sorted(items, key=lambda i: i["id"])
    after = request.query_params.get("starting_after")
    if after:
        check_uuid(after)
        items = [i for i in items if i["id"] > after]
    page = items[:limit]
    return page, {
        "hasNextPage": len(items) > limit,
        "hasPreviousPage": False,
        "startCursor": page[0]["id"] if page else None,
        "endCursor": page[-1]["id"] if page else None,
    }


async def list_objects(request: Request) -> JSONResponse:
    ws = workspace(request)
    items = [metadata.object_to_wire(o, ws.objects) for o in ws.objects.values()]
    page, info = _page(items, request)
    return JSONResponse({"data": {"objects": page}, "pageInfo": info, "totalCount": len(items)})


async def get_object(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_id(check_uuid(request.path_params["id"]))
    if obj is None:
        raise not_found("Object does not exist")
    return JSONResponse({"data": {"object": metadata.object_to_wire(obj, ws.objects)}})


async def create_object(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = metadata.create_object(ws, await json_body(request))
    return JSONResponse({"data": {"createOneObject": metadata.object_to_wire(ws.objects[obj.name_singular], ws.objects)}}, status_code=201)


async def delete_object(request: Request) -> JSONResponse:
    obj = metadata.delete_object(workspace(request), check_uuid(request.path_params["id"]))
    return JSONResponse({"data": {"deleteOneObject": {"id": obj.id}}})


async def list_fields(request: Request) -> JSONResponse:
    ws = workspace(request)
    items = [metadata.field_to_wire(o, f, ws.objects) for o in ws.objects.values() for f in o.fields]
    page, info = _page(items, request)
    return JSONResponse({"data": {"fields": page}, "pageInfo": info, "totalCount": len(items)})


async def get_field(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj, field = metadata.find_field(ws, check_uuid(request.path_params["id"]))
    return JSONResponse({"data": {"field": metadata.field_to_wire(obj, field, ws.objects)}})


async def create_field(request: Request) -> JSONResponse:
    ws = workspace(request)
    field = metadata.create_field(ws, await json_body(request))
    obj, field = metadata.find_field(ws, field.id)
    return JSONResponse({"data": {"createOneField": metadata.field_to_wire(obj, field, ws.objects)}}, status_code=201)


async def update_field(request: Request) -> JSONResponse:
    ws = workspace(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("Invalid input: an update must be a JSON object")
    field = metadata.update_field(ws, check_uuid(request.path_params["id"]), body)
    obj, field = metadata.find_field(ws, field.id)
    return JSONResponse({"data": {"updateOneField": metadata.field_to_wire(obj, field, ws.objects)}})


routes = [
    Route("/rest/metadata/objects", list_objects, methods=["GET"]),
    Route("/rest/metadata/objects", create_object, methods=["POST"]),
    Route("/rest/metadata/objects/{id}", get_object, methods=["GET"]),
    Route("/rest/metadata/objects/{id}", delete_object, methods=["DELETE"]),
    Route("/rest/metadata/fields", list_fields, methods=["GET"]),
    Route("/rest/metadata/fields", create_field, methods=["POST"]),
    Route("/rest/metadata/fields/{id}", get_field, methods=["GET"]),
    Route("/rest/metadata/fields/{id}", update_field, methods=["PATCH"]),
]
