"""Rate limiting answers as Twenty's limiter answers: two token buckets, then a 429 a client can obey.

Follows `packages/twenty-server/src/engine/core-modules/usage-limit/` (2026:
`utils/usage-limit-to-rest-api-exception-handler.util.ts` and its spec,
`utils/build-rate-limit-response-headers.util.ts`, `services/usage-limit-speed.service.ts`) and,
for the 2025 profile, `engine/api/common/common-query-runners/common-base-query-runner.service.ts`
with `core-modules/throttler/throttler.service.ts` (research note §3, api.md §4). The clock is
injected, so no test sleeps.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.auth import ApiKey
from migrate.emulator.limits import RateLimit
from tests.emulator.conftest import API_KEY, assert_twenty_error

pytestmark = pytest.mark.anyio


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def limited_app(clock: Clock, **limits: object) -> Emulator:
    config = {"limit": 5, "window_seconds": 60, "short_limit": 100, **limits}
    return create_app(api_keys=[ApiKey(API_KEY, id="11111111-1111-4111-8111-111111111111"), ApiKey("second-key")],
                      limits=RateLimit(**config), clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def limited(clock: Clock) -> Emulator:
    """5 requests per 60 s per key, a short bucket too wide to matter."""
    return limited_app(clock)


@pytest.fixture
async def api(limited: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://twenty.test",
                                 headers={"Authorization": f"Bearer {API_KEY}"}) as c:
        yield c


async def spend(api: httpx.AsyncClient, n: int, path: str = "/rest/companies") -> None:
    for _ in range(n):
        response = await api.get(path)
        assert response.status_code == 200, response.text


async def test_the_request_past_the_limit_answers_429_with_the_2026_body(api: httpx.AsyncClient) -> None:
    """The 6th request of 5 per 60 s: 429 `RATE_LIMITED` with the spender, the limit and when to
    come back (`usage-limit-to-rest-api-exception-handler.util.ts` and its spec)."""
    await spend(api, 5)
    response = await api.get("/rest/companies")
    body = assert_twenty_error(response, 429, "RATE_LIMITED", "Rate limit exceeded for apiKey: 5 requests per 60s.")
    assert body["limitKind"] == "speed"
    assert body["exhaustedKind"] == "limit"
    assert body["scope"]["spenderType"] == "apiKey"
    assert body["scope"]["spenderId"] == "11111111-1111-4111-8111-111111111111"
    assert body["scope"]["operationType"]
    assert (body["limit"], body["remaining"], body["periodCount"], body["periodUnit"]) == (5, 0, 60, "second")
    assert isinstance(body["retryAfterSeconds"], int) and body["retryAfterSeconds"] >= 1


async def test_the_429_carries_retry_after_and_rate_limit_headers(api: httpx.AsyncClient) -> None:
    """`Retry-After` equals `retryAfterSeconds`; `X-RateLimit-Reset` is epoch seconds of now +
    Retry-After (`build-rate-limit-response-headers.util.ts`)."""
    await spend(api, 5)
    before = int(time.time())
    response = await api.get("/rest/companies")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after == response.json()["retryAfterSeconds"]
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert before + retry_after <= int(response.headers["X-RateLimit-Reset"]) <= int(time.time()) + retry_after + 1


async def test_waiting_the_retry_after_lets_the_next_request_through(api: httpx.AsyncClient, clock: Clock) -> None:
    """The bucket refills continuously (`throttler.service.ts` `tokenBucketThrottleOrThrow`):
    after `Retry-After` seconds one more request passes, and the one after it is refused again."""
    await spend(api, 5)
    refused = await api.get("/rest/companies")
    assert refused.status_code == 429
    clock.advance(int(refused.headers["Retry-After"]))
    assert (await api.get("/rest/companies")).status_code == 200
    assert (await api.get("/rest/companies")).status_code == 429


async def test_a_full_window_restores_the_whole_limit(api: httpx.AsyncClient, clock: Clock) -> None:
    """After one window with no requests the key has its full budget again, and no more."""
    await spend(api, 5)
    clock.advance(600)
    await spend(api, 5)
    assert (await api.get("/rest/companies")).status_code == 429


async def test_the_short_bucket_limits_bursts_within_a_second(clock: Clock) -> None:
    """The short bucket (`API_RATE_LIMITING_SHORT_*`, per 1 s) refuses a burst even when the
    minute's budget is left; the message names the bucket that ran out (research note §3)."""
    app = limited_app(clock, limit=100, short_limit=3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test",
                                 headers={"Authorization": f"Bearer {API_KEY}"}) as api:
        await spend(api, 3)
        response = await api.get("/rest/companies")
        body = assert_twenty_error(response, 429, "RATE_LIMITED", "Rate limit exceeded for apiKey: 3 requests per 1s.")
        assert (body["limit"], body["periodCount"], body["retryAfterSeconds"]) == (3, 1, 1)
        clock.advance(1)
        await spend(api, 3)


async def test_a_batch_create_counts_as_one_request(api: httpx.AsyncClient) -> None:
    """One batch of many records is one query execution, one token (api.md §4.1)."""
    created = await api.post("/rest/batch/companies", json=[{"name": f"Batch {i}"} for i in range(20)])
    assert created.status_code == 201, created.text
    await spend(api, 4)
    assert (await api.get("/rest/companies")).status_code == 429


async def test_refused_unauthenticated_requests_spend_no_tokens(api: httpx.AsyncClient, limited: Emulator) -> None:
    """Only an API key's query executions are throttled (`throttleQueryExecution` returns early
    without an API key): requests refused by auth take nothing from the bucket."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://twenty.test") as anonymous:
        for _ in range(10):
            assert (await anonymous.get("/rest/companies")).status_code == 403
            assert (await anonymous.get("/rest/companies", headers={"Authorization": "Bearer wrong"})).status_code == 401
    await spend(api, 5)


async def test_emulator_control_and_public_endpoints_spend_no_tokens(api: httpx.AsyncClient) -> None:
    """`/_emulator/*` is not Twenty's API, `/client-config` is public: neither counts."""
    for _ in range(10):
        assert (await api.get("/_emulator/stats")).status_code == 200
        assert (await api.get("/client-config")).status_code == 200
    await spend(api, 5)


async def test_each_api_key_has_its_own_buckets(limited: Emulator) -> None:
    """2026 buckets are per spender: one key's exhaustion leaves another key untouched
    (`usage-limit-speed.service.ts`, scope `spenderType: apiKey`)."""
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": f"Bearer {API_KEY}"}) as first, \
            httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": "Bearer second-key"}) as second:
        await spend(first, 5)
        assert (await first.get("/rest/companies")).status_code == 429
        await spend(second, 5)
        assert (await second.get("/rest/companies")).status_code == 429


async def test_the_2025_profile_answers_the_throttler_body_without_retry_after(clock: Clock) -> None:
    """2025: `{"statusCode":429,"error":"HttpException","messages":["Limit reached (5 tokens per 60000 ms)"]}`
    and no `Retry-After` (`throttler-to-rest-api-exception-handler.util.ts`, api.md §4.2)."""
    app = limited_app(clock, profile="2025")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test",
                                 headers={"Authorization": f"Bearer {API_KEY}"}) as api:
        await spend(api, 5)
        response = await api.get("/rest/companies")
    assert response.status_code == 429
    assert response.json() == {"statusCode": 429, "error": "HttpException", "messages": ["Limit reached (5 tokens per 60000 ms)"]}
    assert "Retry-After" not in response.headers
    assert not any(h.lower().startswith("x-ratelimit") for h in response.headers)


async def test_the_2025_profile_shares_one_bucket_per_workspace(clock: Clock) -> None:
    """2025 keys the buckets by workspace (`api:throttler:<workspaceId>-long-limit` in
    `common-base-query-runner.service.ts`): two keys of one workspace spend the same tokens."""
    app = limited_app(clock, profile="2025")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": f"Bearer {API_KEY}"}) as first, \
            httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": "Bearer second-key"}) as second:
        await spend(first, 5)
        assert (await second.get("/rest/companies")).status_code == 429


async def test_graphql_metadata_answers_the_limit_as_a_graphql_error(api: httpx.AsyncClient) -> None:
    """On `/metadata` the same refusal is a GraphQL error with code `RATE_LIMITED`, status 429
    and the same `Retry-After` (`usage-limit` GraphQL exception filter)."""
    await spend(api, 5)
    response = await api.post("/metadata", json={"query": "{ objects { edges { node { id } } } }"})
    assert response.status_code == 429
    [error] = response.json()["errors"]
    assert error["message"] == "Rate limit exceeded for apiKey: 5 requests per 60s."
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(response.headers["Retry-After"]) >= 1


async def test_put_emulator_limits_changes_the_limit_at_run_time(api: httpx.AsyncClient) -> None:
    """`PUT /_emulator/limits` replaces the configuration and starts fresh buckets (emulator control)."""
    await spend(api, 5)
    assert (await api.get("/rest/companies")).status_code == 429
    changed = await api.put("/_emulator/limits", json={"limit": 2, "window_seconds": 60})
    assert changed.status_code == 200
    assert changed.json()["limits"]["limit"] == 2
    await spend(api, 2)
    response = await api.get("/rest/companies")
    assert_twenty_error(response, 429, "RATE_LIMITED", "Rate limit exceeded for apiKey: 2 requests per 60s.")
    assert (await api.put("/_emulator/limits", json={"enabled": False})).status_code == 200
    await spend(api, 20)
