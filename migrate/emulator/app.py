"""`create_app`: one emulated Twenty workspace as an ASGI app, with no module globals.

The layers, outermost first: fault injection, authentication, rate limiting, then the routes
(a Starlette app). Two apps side by side are two workspaces with their own keys, ids and data,
as a source and a target are. `httpx.ASGITransport` sends no lifespan events, so everything is
set up here, in the constructor.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from migrate.emulator.auth import ApiKey, AuthMiddleware
from migrate.emulator.envelopes import TwentyHTTPError
from migrate.emulator.faults import FaultMiddleware, Faults
from migrate.emulator.files import FileSigner
from migrate.emulator.limits import RateLimit, RateLimitMiddleware
from migrate.emulator.routes import config, control, files, graphql, metadata, rest
from migrate.emulator.store import Store
from migrate.emulator.workspace import Workspace

DEFAULT_APP_VERSION = "v2.40.0"
DEFAULT_SERVER_URL = "http://localhost:3000"
"""Twenty's SERVER_URL, the base of signed file URLs; `serve_in_thread` replaces it with the
address actually bound unless `create_app(server_url=...)` named one."""
"""What `GET /client-config` reports as `appVersion` (the Cloud era of late 2026)."""


async def client_config(request: Request) -> JSONResponse:
    """`GET /client-config`, public (`core/client-config/client-config.controller.ts`)."""
    return JSONResponse({"appVersion": request.app.state.app_version, "api": {"mutationMaximumAffectedRecords": 100},
                         "isMultiWorkspaceEnabled": False, "billing": {"isBillingEnabled": False}})


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "info": {}, "error": {}, "details": {}})


async def twenty_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwentyHTTPError)
    if request.url.path.startswith(("/graphql", "/metadata")) and exc.status < 500:
        body = {"errors": [{"message": exc.messages[0], "extensions": {"code": "BAD_USER_INPUT"}}], "data": None}
        return JSONResponse(body, status_code=400)
    return exc.response()


async def no_route(request: Request, exc: Exception) -> Response:
    """Nest's answer for a path or method it has no route for."""
    status = getattr(exc, "status_code", 404)
    if status not in (404, 405):
        return JSONResponse({"statusCode": status, "error": "HttpException", "messages": [str(getattr(exc, "detail", ""))]}, status_code=status)
    return JSONResponse({"message": f"Cannot {request.method} {request.url.path}", "error": "Not Found", "statusCode": 404}, status_code=404)


class Emulator:
    """The ASGI callable: layers around a Starlette app, and the workspace they serve."""

    def __init__(self, *, api_keys: Iterable[ApiKey], limits: RateLimit, faults: Faults, workspace_id: str, db_path: str,
                 server_url: str, app_version: str, max_records: int, default_limit: int, clock: Callable[[], float] | None) -> None:
        self.workspace_id = workspace_id
        self.db_path = db_path
        self.max_records = max_records
        self.default_limit = default_limit
        self.keys = {k.token: k for k in api_keys}
        self.workspace = Workspace(Store(db_path), workspace_id, max_records=max_records, default_limit=default_limit)
        self.starlette = Starlette(
            routes=[*control.routes, *metadata.routes, *config.routes, *rest.routes, *graphql.routes, *files.routes],
            exception_handlers={TwentyHTTPError: twenty_error, HTTPException: no_route},
        )
        self.starlette.add_route("/client-config", client_config, methods=["GET"])
        self.starlette.add_route("/healthz", healthz, methods=["GET"])
        state = self.starlette.state
        state.emulator = self
        state.workspace = self.workspace
        state.app_version = app_version
        state.signer = FileSigner(secrets.token_bytes(32), workspace_id, server_url)
        state.pending_uploads = {}
        state.invitations = []
        self.workspace.file_url = state.signer.file_url
        self.rate_layer = RateLimitMiddleware(self.starlette, limits, **({"clock": clock} if clock else {}))
        self.auth_layer = AuthMiddleware(self.rate_layer, self.keys)
        self.fault_layer = FaultMiddleware(self.auth_layer, faults)
        self.request_counts: Counter[str] = Counter()
        self.server_url_given = True

    def bind_url(self, url: str) -> None:
        """The address the app is served at, for signed file URLs (unless one was given)."""
        if not self.server_url_given:
            self.state.signer.server_url = url.rstrip("/")

    @property
    def state(self) -> Any:
        return self.starlette.state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.starlette(scope, receive, send)
            return
        status: list[int] = []

        async def counting_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.fault_layer(scope, receive, counting_send)
        finally:
            if not scope["path"].startswith("/_emulator"):
                self.request_counts[f"{scope['method']} {status[0] if status else 'dropped'}"] += 1

    def reset(self) -> None:
        """A fresh workspace: the members kept, every other record and custom object gone."""
        members = self.workspace.objects["workspaceMember"]
        kept = list(self.workspace.store.select(members, "1=1", [], "id"))
        self.workspace = Workspace(Store(":memory:"), self.workspace_id, max_records=self.max_records, default_limit=self.default_limit)
        self.workspace.file_url = self.state.signer.file_url
        self.state.workspace = self.workspace
        with self.workspace.store.transaction():
            self.workspace.store.insert(self.workspace.objects["workspaceMember"], kept)

    def seed(self, name: str, *, rng_seed: int = 0) -> dict[str, Any]:
        from migrate.emulator.seed import seed_workspace, spec_for

        report = seed_workspace(self.workspace, spec_for(name, rng_seed=rng_seed))
        return {"counts": report.counts, "soft_deleted": report.soft_deleted}


def create_app(*, seed: str | None = None, rng_seed: int = 0, api_keys: Iterable[ApiKey | str] = ("test-api-key",),
               limits: RateLimit | None = None, faults: Faults | None = None, workspace_id: str | None = None,
               db_path: str = ":memory:", server_url: str | None = None, app_version: str = DEFAULT_APP_VERSION,
               max_records: int = 200, default_limit: int = 60, clock: Callable[[], float] | None = None) -> Emulator:
    """An emulated workspace. `seed`: "empty", "demo" or a number of records; `api_keys`: the
    bearer tokens it accepts; `limits`/`faults`: rate limit and fault injection (also changeable
    at run time under `/_emulator/`); `max_records`: page and batch cap (60 for pre-2025-09 servers)."""
    keys = [k if isinstance(k, ApiKey) else ApiKey(k) for k in api_keys]
    emulator = Emulator(api_keys=keys, limits=limits or RateLimit(), faults=faults or Faults(),
                        workspace_id=workspace_id or str(uuid.uuid4()), db_path=db_path, server_url=server_url or DEFAULT_SERVER_URL,
                        app_version=app_version, max_records=max_records, default_limit=default_limit, clock=clock)
    emulator.server_url_given = server_url is not None
    if seed is not None and emulator.workspace.count_all().get("workspaceMembers", 0) == 0:
        emulator.seed(seed, rng_seed=rng_seed)
    return emulator


__all__ = ["ApiKey", "Emulator", "Faults", "RateLimit", "create_app"]
