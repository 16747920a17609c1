"""Bearer API keys are checked as Twenty's guards check them, on every API surface.

Follows `packages/twenty-server/test/integration/rest/suites/rest-api-core-authentication.integration-spec.ts`
(api.md §1.2, §14.1) and `src/engine/middlewares/middleware.service.ts` (REST envelope from
`writeRestResponseOnExceptionCaught`, GraphQL `{"errors": [...]}` with status 200 from
`writeGraphqlResponseOnExceptionCaught`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.auth import ApiKey
from tests.emulator.conftest import API_KEY, assert_twenty_error

pytestmark = pytest.mark.anyio

JWT_SHAPED = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJub2JvZHkifQ.c2lnbmF0dXJl"
"""Three dot-separated base64url parts: a JWT whose signature this workspace cannot verify."""


@pytest.fixture
async def bare(app: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same workspace that sends no `Authorization` header of its own."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- REST: the status, error code and message depend on what is sent -------------------------

@pytest.mark.parametrize("path", ["/rest/companies", "/rest/metadata/objects"])
async def test_a_request_without_authorization_is_forbidden(bare: httpx.AsyncClient, path: str) -> None:
    """No token → 403 `FORBIDDEN_EXCEPTION` `Missing authentication token`
    (`rest-api-core-authentication.integration-spec.ts`)."""
    assert_twenty_error(await bare.get(path), 403, "FORBIDDEN_EXCEPTION", "Missing authentication token")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer    ", f"Basic {API_KEY}", f"Token {API_KEY}", API_KEY])
async def test_an_empty_bearer_or_another_scheme_is_a_missing_token(bare: httpx.AsyncClient, header: str) -> None:
    """An empty bearer or a non-Bearer scheme carries no token: the same 403
    (`rest-api-core-authentication.integration-spec.ts`, `jwt-wrapper.service.ts` `fromAuthHeaderAsBearerToken`)."""
    response = await bare.get("/rest/companies", headers={"Authorization": header})
    assert_twenty_error(response, 403, "FORBIDDEN_EXCEPTION", "Missing authentication token")


async def test_an_unknown_token_that_is_not_a_jwt_has_no_payload(bare: httpx.AsyncClient) -> None:
    """A bearer that is not a JWT → 401 `UNAUTHENTICATED` `No payload` (api.md §14.1)."""
    response = await bare.get("/rest/companies", headers=bearer("not-a-jwt"))
    assert_twenty_error(response, 401, "UNAUTHENTICATED", "No payload")


async def test_an_unknown_jwt_is_an_invalid_token(bare: httpx.AsyncClient) -> None:
    """A JWT that does not verify → 401 `UNAUTHENTICATED` `Token invalid.`
    (`rest-api-core-authentication.integration-spec.ts`)."""
    response = await bare.get("/rest/companies", headers=bearer(JWT_SHAPED))
    assert_twenty_error(response, 401, "UNAUTHENTICATED", "Token invalid.")


async def test_an_expired_key_is_refused_as_expired() -> None:
    """A key past its expiry date → 401 `Token has expired.` (`access-token.service.ts`,
    `rest-api-core-authentication.integration-spec.ts`)."""
    app = create_app(api_keys=[ApiKey("old-key", expires_at="2020-01-01T00:00:00Z"), ApiKey("live-key", expires_at="2999-01-01T00:00:00Z")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test") as c:
        assert_twenty_error(await c.get("/rest/companies", headers=bearer("old-key")), 401, "UNAUTHENTICATED", "Token has expired.")
        assert (await c.get("/rest/companies", headers=bearer("live-key"))).status_code == 200


async def test_a_key_in_the_query_string_is_ignored(bare: httpx.AsyncClient) -> None:
    """`?token=<key>` does not authenticate a REST call: still 403 (api.md §14.1)."""
    response = await bare.get("/rest/companies", params={"token": API_KEY})
    assert_twenty_error(response, 403, "FORBIDDEN_EXCEPTION", "Missing authentication token")


async def test_the_valid_key_is_accepted_on_records_and_metadata(client: httpx.AsyncClient) -> None:
    """The configured key opens both REST surfaces (`rest-api-core.controller.ts`)."""
    assert (await client.get("/rest/companies")).status_code == 200
    assert (await client.get("/rest/metadata/objects")).status_code == 200


async def test_a_key_of_one_workspace_is_refused_by_another() -> None:
    """API keys are scoped to one workspace (api.md §1.2): workspace B does not know A's key."""
    key_a = "eyJhbGciOiJIUzI1NiJ9.eyJ3b3Jrc3BhY2UiOiJBIn0.a2V5LWE"
    workspace_a = create_app(api_keys=[key_a])
    workspace_b = create_app(api_keys=["eyJhbGciOiJIUzI1NiJ9.eyJ3b3Jrc3BhY2UiOiJCIn0.a2V5LWI"])
    for app, status in ((workspace_a, 200), (workspace_b, 401)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test") as c:
            response = await c.get("/rest/companies", headers=bearer(key_a))
            assert response.status_code == status, response.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=workspace_b), base_url="http://twenty.test") as c:
        assert_twenty_error(await c.get("/rest/companies", headers=bearer(key_a)), 401, "UNAUTHENTICATED", "Token invalid.")


async def test_auth_errors_come_before_path_errors(bare: httpx.AsyncClient) -> None:
    """The token is checked in a middleware before the route is parsed: an unknown object
    without a key is a 403, not a 400 (`rest-core.module.ts` applies the hydrate middleware)."""
    response = await bare.get("/rest/notAnObject")
    assert_twenty_error(response, 403, "FORBIDDEN_EXCEPTION", "Missing authentication token")


# --- GraphQL: the same refusals as GraphQL errors ---------------------------------------------

QUERY = {"query": "{ objects(paging: {first: 1}) { edges { node { id } } } }"}


@pytest.mark.parametrize(("headers", "message", "code"), [
    ({}, "Missing authentication token", "FORBIDDEN"),
    (bearer("not-a-jwt"), "No payload", "UNAUTHENTICATED"),
    (bearer(JWT_SHAPED), "Token invalid.", "UNAUTHENTICATED"),
])
async def test_metadata_graphql_answers_auth_failures_as_graphql_errors(bare: httpx.AsyncClient, headers: dict[str, str], message: str, code: str) -> None:
    """`POST /metadata` answers 200 with `{"errors": [{"message", "extensions": {"code"}}]}`
    (`middleware.service.ts` `writeGraphqlResponseOnExceptionCaught`, `auth-graphql-api-exception.filter.ts`)."""
    response = await bare.post("/metadata", json=QUERY, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["message"] == message
    assert error["extensions"]["code"] == code


async def test_an_expired_key_is_a_graphql_error_too() -> None:
    """Expiry on `/metadata` is `UNAUTHENTICATED` `Token has expired.` (`auth-graphql-api-exception.filter.ts`)."""
    app = create_app(api_keys=[ApiKey("old-key", expires_at="2020-01-01T00:00:00.000Z")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test") as c:
        body = (await c.post("/metadata", json=QUERY, headers=bearer("old-key"))).json()
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [("Token has expired.", "UNAUTHENTICATED")]


async def test_the_valid_key_opens_metadata_graphql(client: httpx.AsyncClient) -> None:
    """With the key, the same query returns data and no errors (`object-metadata.resolver.ts`)."""
    body = (await client.post("/metadata", json=QUERY)).json()
    assert "errors" not in body
    assert len(body["data"]["objects"]["edges"]) == 1


# --- Public endpoints and the key's own secrecy ------------------------------------------------

async def test_client_config_needs_no_key(bare: httpx.AsyncClient) -> None:
    """`GET /client-config` is public and reports `appVersion` (`client-config.controller.ts`,
    `PublicEndpointGuard`; research note §5)."""
    response = await bare.get("/client-config")
    assert response.status_code == 200
    assert response.json()["appVersion"]


async def test_healthz_needs_no_key(bare: httpx.AsyncClient) -> None:
    """`GET /healthz` is Terminus's public health check (`shared/types/ApiPath.ts`, research note §5)."""
    response = await bare.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_an_api_key_never_shows_its_token() -> None:
    """`repr(ApiKey)` names the key, never the secret (STYLE B5: a key must not reach a log)."""
    key = ApiKey("tw-canary-secret-token", name="Migration key")
    assert "tw-canary-secret-token" not in repr(key)
    assert "tw-canary-secret-token" not in str(key)
    assert "Migration key" in repr(key)
