"""The core REST API: `/rest/{plural}`, `/rest/{plural}/{id}`, `/rest/batch/{plural}`, restore.

Follows `packages/twenty-server/src/engine/api/rest/core/controllers/rest-api-core.controller.ts`
and its handlers (`rest/core/handlers/*.handler.ts`), the path grammar of
`rest/input-request-parsers/path-parser-utils/parse-core-path.utils.ts`, and the reply keys of
`get-resolver-name.util.ts` (api.md §1.3-§1.4, §2, §3).
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from migrate.emulator.envelopes import TwentyHTTPError, bad_request, capitalize, list_envelope, one_envelope
from migrate.emulator.routes.common import caller, flag, json_body, parse_depth, parse_limit, workspace
from migrate.emulator.values import check_uuid

READ_ONLY_OBJECTS = frozenset({"workspaceMember", "connectedAccount"})
"""Objects whose records the API refuses to create (a pre-query hook throws PERMISSION_DENIED)."""

VALID_PATHS = "Valid examples: /rest/companies/id or /rest/companies or /rest/batch/companies or /rest/restore/companies/id"


def _refuse_member_writes(singular: str) -> None:
    if singular in READ_ONLY_OBJECTS:
        raise TwentyHTTPError(403, "ForbiddenException", ["User does not have permission"])


async def find_many(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    q = request.query_params
    records, total, page_info = ws.find_many(
        obj, filter_text=q.get("filter"), order_by=q.get("order_by"), limit=parse_limit(q.get("limit")),
        starting_after=q.get("starting_after"), ending_before=q.get("ending_before"), depth=parse_depth(q.get("depth")),
    )
    return JSONResponse(list_envelope(obj.name_plural, records, total, page_info))


async def find_one(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    record = ws.find_one(obj, request.path_params["id"], parse_depth(request.query_params.get("depth")))
    return JSONResponse(one_envelope(obj.name_singular, record))


async def create_one(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    _refuse_member_writes(obj.name_singular)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("Invalid input: a record must be a JSON object")
    depth = parse_depth(request.query_params.get("depth"))
    [record] = ws.create_many(obj, [body], caller(request), upsert=flag(request.query_params.get("upsert")), depth=depth)
    return JSONResponse(one_envelope(f"create{capitalize(obj.name_singular)}", record), status_code=201)


async def create_many(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    _refuse_member_writes(obj.name_singular)
    body = await json_body(request)
    if not isinstance(body, list):
        raise bad_request("Body must be an array")
    if not body:
        raise bad_request("Input must not be empty")
    depth = parse_depth(request.query_params.get("depth"))
    records = ws.create_many(obj, body, caller(request), upsert=flag(request.query_params.get("upsert")), depth=depth)
    return JSONResponse(one_envelope(f"create{capitalize(obj.name_plural)}", records), status_code=201)


async def update_one(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("Invalid input: a record must be a JSON object")
    record = ws.update_one(obj, request.path_params["id"], body, caller(request), parse_depth(request.query_params.get("depth")))
    return JSONResponse(one_envelope(f"update{capitalize(obj.name_singular)}", record))


async def delete_one(request: Request) -> JSONResponse:
    """A plain DELETE destroys the row; `?soft_delete=true` only sets `deletedAt` (api.md §3.8)."""
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    _refuse_member_writes(obj.name_singular)
    soft = flag(request.query_params.get("soft_delete"))
    row = ws.get_row(obj, request.path_params["id"], include_deleted=not soft)
    ws.delete_many(obj, [row["id"]], soft=soft)
    return JSONResponse(one_envelope(f"delete{capitalize(obj.name_singular)}", {"id": row["id"]}))


async def delete_many(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    _refuse_member_writes(obj.name_singular)
    soft = flag(request.query_params.get("soft_delete"))
    filter_text = request.query_params.get("filter")
    if not filter_text:
        raise bad_request("Filters are mandatory for bulk delete/destroy operations")
    ids = ws.matching_ids(obj, filter_text)
    if len(ids) > ws.max_records:
        verb = "delete" if soft else "destroy"
        raise bad_request(f"Cannot {verb} more than {ws.max_records} records at once")
    ws.delete_many(obj, ids, soft=soft)
    return JSONResponse(one_envelope(f"delete{capitalize(obj.name_plural)}", [{"id": i} for i in ids]))


async def restore_one(request: Request) -> JSONResponse:
    ws = workspace(request)
    obj = ws.object_by_plural(request.path_params["plural"])
    row = ws.get_row(obj, request.path_params["id"], include_deleted=True)
    [record] = ws.restore(obj, [row["id"]])
    return JSONResponse(one_envelope(f"restore{capitalize(obj.name_singular)}", record))


async def invalid_path(request: Request) -> JSONResponse:
    raise bad_request(f"Query path '{request.url.path}' invalid. {VALID_PATHS}")


def _id_guard(handler):  # noqa: ANN001, ANN202
    """Check the `{id}` segment before anything else, as the path parser does."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> JSONResponse:
        check_uuid(request.path_params["id"])
        return await handler(request)

    return guarded


routes = [
    Route("/rest/batch/{plural}", create_many, methods=["POST"]),
    Route("/rest/restore/{plural}/{id}", _id_guard(restore_one), methods=["PATCH"]),
    Route("/rest/{plural}/{id}/restore", _id_guard(restore_one), methods=["PATCH"]),
    Route("/rest/{plural}", find_many, methods=["GET"]),
    Route("/rest/{plural}", create_one, methods=["POST"]),
    Route("/rest/{plural}", delete_many, methods=["DELETE"]),
    Route("/rest/{plural}/{id}", _id_guard(find_one), methods=["GET"]),
    Route("/rest/{plural}/{id}", _id_guard(update_one), methods=["PATCH", "PUT"]),
    Route("/rest/{plural}/{id}", _id_guard(delete_one), methods=["DELETE"]),
    Route("/rest/{rest:path}", invalid_path, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
]
