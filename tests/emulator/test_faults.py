"""Fault injection disturbs Twenty's API the way networks and loaded servers do, and nothing else.

The 429 it injects is Twenty's own (`core-modules/usage-limit/utils/usage-limit-to-rest-api-exception-handler.util.ts`,
research note §3); a 500 is Twenty's envelope (`exception-handler/http-exception-handler.service.ts`);
a 503 is a proxy's HTML page. A dropped connection happens after the handler ran, so a write
behind it has landed: the reason a client's retry of a create is not idempotent.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.faults import Faults
from migrate.emulator.limits import RateLimit
from migrate.emulator.server import serve_in_thread
from tests.emulator.conftest import API_KEY, assert_twenty_error

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def faulty(faults: Faults) -> Emulator:
    """An app with these faults and no rate limit, so every 429 seen is an injected one."""
    return create_app(api_keys=[API_KEY], faults=faults, limits=RateLimit(enabled=False))


@pytest.fixture
async def api(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with the `Faults` given by indirect parametrization."""
    app = faulty(request.param)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test", headers=AUTH) as c:
        yield c


@pytest.mark.parametrize("api", [Faults(rate_429=1.0)], indirect=True)
async def test_an_injected_429_is_twentys_rate_limit_reply(api: httpx.AsyncClient) -> None:
    """Every API request gets the 2026 `RATE_LIMITED` body with `Retry-After`
    (`usage-limit-to-rest-api-exception-handler.util.ts`)."""
    for path in ("/rest/companies", "/rest/metadata/objects", "/rest/people"):
        response = await api.get(path)
        body = assert_twenty_error(response, 429, "RATE_LIMITED")
        assert body["messages"][0].startswith("Rate limit exceeded for apiKey: ")
        assert body["retryAfterSeconds"] >= 1
        assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("api", [Faults(rate_5xx=1.0, seed=3)], indirect=True)
async def test_an_injected_server_error_is_a_json_500_or_an_html_503(api: httpx.AsyncClient) -> None:
    """A 5xx is either Twenty's 500 envelope (`http-exception-handler.service.ts`) or the bare
    HTML 503 a proxy in front of it sends; a client must survive both."""
    seen = set()
    for _ in range(30):
        response = await api.get("/rest/companies")
        if response.status_code == 500:
            assert_twenty_error(response, 500, "InternalServerErrorException", "Internal server error")
        else:
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/html")
            assert "503" in response.text
        seen.add(response.status_code)
    assert seen == {500, 503}


async def statuses(faults: Faults, n: int) -> list[int]:
    app = faulty(faults)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test", headers=AUTH) as c:
        return [(await c.get("/rest/companies")).status_code for _ in range(n)]


async def test_a_fraction_of_429s_is_observed_and_replayable_with_its_seed() -> None:
    """`rate_429=0.3` refuses about 30 % of requests, and one seed gives one sequence, so a
    failing run can be replayed (one `random.Random(seed)`, STYLE B6)."""
    first = await statuses(Faults(rate_429=0.3, seed=1), 400)
    share = first.count(429) / len(first)
    assert 0.22 <= share <= 0.38, share
    assert set(first) == {200, 429}
    assert await statuses(Faults(rate_429=0.3, seed=1), 400) == first
    assert await statuses(Faults(rate_429=0.3, seed=2), 400) != first


async def test_latency_delays_each_api_request() -> None:
    """`latency_min`/`latency_max` add a delay before the answer (kept tiny here)."""
    app = faulty(Faults(latency_min=0.01, latency_max=0.02))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test", headers=AUTH) as c:
        started = time.monotonic()
        for _ in range(3):
            assert (await c.get("/rest/companies")).status_code == 200
        assert time.monotonic() - started >= 0.03


async def test_a_dropped_connection_loses_the_answer_but_not_the_write() -> None:
    """Over a real socket the client sees the connection close mid-body, yet the create behind it
    was committed: a blind retry makes a twin."""
    app = faulty(Faults(drop_rate=1.0))
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(base_url=url, headers=AUTH) as c:
            with pytest.raises(httpx.TransportError):
                await c.post("/rest/companies", json={"name": "Dropped but saved"})
            assert (await c.put("/_emulator/faults", json={})).status_code == 200
            listed = await c.get("/rest/companies")
            assert [r["name"] for r in listed.json()["data"]["companies"]] == ["Dropped but saved"]
            stats = (await c.get("/_emulator/stats")).json()
    assert stats["faults"]["drop"] == 1
    assert stats["requests"].get("POST dropped", 0) + stats["requests"].get("POST 201", 0) == 1


async def test_put_emulator_faults_changes_faults_at_run_time(client: httpx.AsyncClient) -> None:
    """`PUT /_emulator/faults` switches faults on and off without a restart (emulator control)."""
    assert (await client.get("/rest/companies")).status_code == 200
    changed = await client.put("/_emulator/faults", json={"rate_429": 1.0})
    assert changed.status_code == 200
    assert changed.json()["faults"]["rate_429"] == 1.0
    assert (await client.get("/rest/companies")).status_code == 429
    assert (await client.put("/_emulator/faults", json={"rate_429": 0})).status_code == 200
    assert (await client.get("/rest/companies")).status_code == 200


@pytest.mark.parametrize("body", [{"rate_429": 1.5}, {"rate_5xx": -0.1}, {"drop_rate": "often"},
                                  {"latency_min": 0.2, "latency_max": 0.1}])
async def test_put_emulator_faults_refuses_values_out_of_range(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    """Rates must lie in [0, 1] and latency bounds be ordered; a refusal is a 400 in Twenty's
    envelope and leaves the faults as they were."""
    assert_twenty_error(await client.put("/_emulator/faults", json=body), 400, "BadRequestException")
    assert (await client.get("/rest/companies")).status_code == 200


async def test_stats_count_the_injected_faults() -> None:
    """`GET /_emulator/stats` reports how many of each fault were injected."""
    app = faulty(Faults(rate_429=0.5, rate_5xx=0.5, seed=7))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test", headers=AUTH) as c:
        seen = [(await c.get("/rest/companies")).status_code for _ in range(40)]
        stats = (await c.get("/_emulator/stats")).json()
    assert stats["faults"]["429"] == seen.count(429)
    assert stats["faults"]["5xx"] == seen.count(500) + seen.count(503)
    assert stats["faults"]["drop"] == 0
    assert sum(v for k, v in stats["requests"].items() if k.startswith("GET ")) == 40


async def test_faults_never_touch_control_or_public_endpoints() -> None:
    """`/_emulator/*`, `/client-config` and `/healthz` answer normally under total failure, so a
    test can always read stats and switch faults off."""
    app = faulty(Faults(rate_429=0.5, rate_5xx=0.5))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test", headers=AUTH) as c:
        for _ in range(10):
            assert (await c.get("/_emulator/stats")).status_code == 200
            assert (await c.get("/client-config")).status_code == 200
            assert (await c.get("/healthz")).status_code == 200
        assert (await c.put("/_emulator/faults", json={})).status_code == 200
        assert (await c.get("/rest/companies")).status_code == 200
