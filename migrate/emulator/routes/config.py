"""REST metadata routes of the workspace configuration: views and their children, API keys,
webhooks (`metadata-modules/view*/controllers/*.controller.ts`, `core-modules/api-key/controllers/`,
`core-modules/webhook/controllers/webhook-metadata.controller.ts`; config.md §1.4, §4).

Answers are bare JSON (an array for a list, the row for one), as the Nest controllers return
their DTOs; deletes answer `{"success": true}`. Errors use Twenty's envelope (envelopes.py).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from migrate.emulator import integrations, views
from migrate.emulator.routes.common import caller, json_body, workspace
from migrate.emulator.values import check_uuid

CHILD_PATHS = {"viewFields": "viewField", "viewFilters": "viewFilter", "viewFilterGroups": "viewFilterGroup",
               "viewSorts": "viewSort", "viewGroups": "viewGroup"}


def _id(request: Request) -> str:
    return check_uuid(request.path_params["id"])


async def list_views(request: Request) -> JSONResponse:
    return JSONResponse(views.list_views(workspace(request), caller(request), request.query_params.get("objectMetadataId")))


async def get_view(request: Request) -> JSONResponse:
    return JSONResponse(views.get_view(workspace(request), _id(request)))


async def create_view(request: Request) -> JSONResponse:
    return JSONResponse(views.create_view(workspace(request), await json_body(request), caller(request)), status_code=201)


async def update_view(request: Request) -> JSONResponse:
    return JSONResponse(views.update_view(workspace(request), _id(request), await json_body(request)))


async def delete_view(request: Request) -> JSONResponse:
    views.delete_view(workspace(request), _id(request))
    return JSONResponse({"success": True})


def _kind(request: Request) -> str:
    return CHILD_PATHS[request.url.path.split("/")[3]]


async def list_children(request: Request) -> JSONResponse:
    return JSONResponse(views.list_children(workspace(request), _kind(request), request.query_params.get("viewId")))


async def get_child(request: Request) -> JSONResponse:
    return JSONResponse(views.get_child(workspace(request), _kind(request), _id(request)))


async def create_child(request: Request) -> JSONResponse:
    return JSONResponse(views.create_child(workspace(request), _kind(request), await json_body(request)), status_code=201)


async def update_child(request: Request) -> JSONResponse:
    return JSONResponse(views.update_child(workspace(request), _kind(request), _id(request), await json_body(request)))


async def delete_child(request: Request) -> JSONResponse:
    views.delete_child(workspace(request), _kind(request), _id(request))
    return JSONResponse({"success": True})


async def list_api_keys(request: Request) -> JSONResponse:
    return JSONResponse(integrations.list_api_keys(workspace(request)))


async def get_api_key(request: Request) -> JSONResponse:
    return JSONResponse(integrations.get_api_key(workspace(request), _id(request)))


async def create_api_key(request: Request) -> JSONResponse:
    return JSONResponse(integrations.create_api_key(workspace(request), await json_body(request)), status_code=201)


async def update_api_key(request: Request) -> JSONResponse:
    body: Any = await json_body(request)
    return JSONResponse(integrations.update_api_key(workspace(request), {**(body if isinstance(body, dict) else {}), "id": _id(request)}))


async def revoke_api_key(request: Request) -> JSONResponse:
    integrations.revoke_api_key(workspace(request), _id(request))
    return JSONResponse({"success": True})


async def list_webhooks(request: Request) -> JSONResponse:
    return JSONResponse(integrations.list_webhooks(workspace(request)))


async def get_webhook(request: Request) -> JSONResponse:
    return JSONResponse(integrations.get_webhook(workspace(request), _id(request)))


async def create_webhook(request: Request) -> JSONResponse:
    return JSONResponse(integrations.create_webhook(workspace(request), await json_body(request)), status_code=201)


async def update_webhook(request: Request) -> JSONResponse:
    return JSONResponse(integrations.update_webhook(workspace(request), _id(request), await json_body(request)))


async def delete_webhook(request: Request) -> JSONResponse:
    integrations.delete_webhook(workspace(request), _id(request))
    return JSONResponse({"success": True})


routes = [
    Route("/rest/metadata/views", list_views, methods=["GET"]),
    Route("/rest/metadata/views", create_view, methods=["POST"]),
    Route("/rest/metadata/views/{id}", get_view, methods=["GET"]),
    Route("/rest/metadata/views/{id}", update_view, methods=["PATCH", "PUT"]),
    Route("/rest/metadata/views/{id}", delete_view, methods=["DELETE"]),
    *(route for path in CHILD_PATHS for route in (
        Route(f"/rest/metadata/{path}", list_children, methods=["GET"]),
        Route(f"/rest/metadata/{path}", create_child, methods=["POST"]),
        Route(f"/rest/metadata/{path}/{{id}}", get_child, methods=["GET"]),
        Route(f"/rest/metadata/{path}/{{id}}", update_child, methods=["PATCH", "PUT"]),
        Route(f"/rest/metadata/{path}/{{id}}", delete_child, methods=["DELETE"]),
    )),
    Route("/rest/metadata/apiKeys", list_api_keys, methods=["GET"]),
    Route("/rest/metadata/apiKeys", create_api_key, methods=["POST"]),
    Route("/rest/metadata/apiKeys/{id}", get_api_key, methods=["GET"]),
    Route("/rest/metadata/apiKeys/{id}", update_api_key, methods=["PATCH"]),
    Route("/rest/metadata/apiKeys/{id}", revoke_api_key, methods=["DELETE"]),
    Route("/rest/metadata/webhooks", list_webhooks, methods=["GET"]),
    Route("/rest/metadata/webhooks", create_webhook, methods=["POST"]),
    Route("/rest/metadata/webhooks/{id}", get_webhook, methods=["GET"]),
    Route("/rest/metadata/webhooks/{id}", update_webhook, methods=["PATCH"]),
    Route("/rest/metadata/webhooks/{id}", delete_webhook, methods=["DELETE"]),
]
