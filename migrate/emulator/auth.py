"""Bearer API keys, answered as Twenty's guards answer them.

`packages/twenty-server/test/integration/rest/suites/rest-api-core-authentication.integration-spec.ts`
and api.md §1.2/§14.1: no token is a 403 `FORBIDDEN_EXCEPTION` `Missing authentication token`;
a token that is not a JWT is a 401 `No payload`; a JWT that does not verify is a 401
`Token invalid.`; an expired key is a 401 `Token has expired.`. A key sent as `?token=` is ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from migrate.emulator.envelopes import TwentyHTTPError
from migrate.emulator.records import Caller

PROTECTED_PREFIXES = ("/rest", "/graphql", "/metadata")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One API key of the workspace: the token a client sends, the name Twenty shows."""

    token: str
    name: str = "Migration key"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    expires_at: str | None = None
    user_session: bool = False
    """True for a user's access token instead of an API key: a few operations need one
    (invitations, role assignment, workflow activation; config.md §0.3)."""

    def __repr__(self) -> str:
        return f"ApiKey(name={self.name!r}, id={self.id!r}, token=***)"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and datetime.fromisoformat(self.expires_at.replace("Z", "+00:00")) <= now


def authenticate(authorization: str | None, keys: Mapping[str, ApiKey]) -> Caller:
    """The caller behind an `Authorization` header, or Twenty's 401/403."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise TwentyHTTPError(403, "FORBIDDEN_EXCEPTION", ["Missing authentication token"])
    key = keys.get(token)
    if key is None:
        looks_like_jwt = token.count(".") == 2 and all(token.split("."))
        raise TwentyHTTPError(401, "UNAUTHENTICATED", ["Token invalid." if looks_like_jwt else "No payload"])
    if key.is_expired(datetime.now(UTC)):
        raise TwentyHTTPError(401, "UNAUTHENTICATED", ["Token has expired."])
    return Caller(api_key_id=key.id, api_key_name=key.name, user_session=key.user_session)


ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]


class AuthMiddleware:
    """Puts the `Caller` in `scope["state"]["caller"]` for the API paths; answers 401/403 there."""

    def __init__(self, app: ASGIApp, keys: Mapping[str, ApiKey]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            caller = authenticate(headers.get("authorization"), self.keys)
        except TwentyHTTPError as exc:
            await send_error(scope, exc, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


async def send_error(scope: dict[str, Any], exc: TwentyHTTPError, receive: Any, send: Any) -> None:
    """REST paths get the REST envelope; GraphQL paths get `{"errors": [...]}` as Twenty's Yoga does."""
    if scope["path"].startswith(("/graphql", "/metadata")):
        from starlette.responses import JSONResponse

        code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 429: "RATE_LIMITED"}.get(exc.status, "INTERNAL_SERVER_ERROR")
        body = {"errors": [{"message": exc.messages[0], "extensions": {"code": code, **exc.extra}}], "data": None}
        status = 429 if exc.status == 429 else 200
        await JSONResponse(body, status_code=status, headers=exc.headers)(scope, receive, send)
        return
    await exc.response()(scope, receive, send)
