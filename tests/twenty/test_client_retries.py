"""The client survives a flaky, rate-limited server without losing or doubling a record, and
paces itself below the server's limit (STYLE B10).

All waits run on a fake clock (`FakeTime`): the client's `sleep=` and its limiter's `clock=` and
`sleep=`, and where a test needs the server's rate limit to refill, the emulator's `clock=` too.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.faults import Faults
from migrate.emulator.limits import RateLimit
from migrate.emulator.server import serve_in_thread
from migrate.errors import TwentyRateLimited, TwentyServerError, TwentyUnreachable, TwentyValidationError
from migrate.settings import ClientSettings
from migrate.twenty.client import TwentyClient
from migrate.twenty.limiter import RateLimiter
from tests.twenty.conftest import BASE_URL, CANARY_KEY, FakeTime, fixed_reply_app, make_client

pytestmark = pytest.mark.anyio

FAST = ClientSettings(requests_per_minute=6000)
"""A client rate that never binds, for tests about the server's answers rather than pacing."""


def without_url_tokens(value: Any) -> Any:
    """The value with the `?token=` of signed file URLs cut off: a token carries its expiry time,
    so two reads a second apart differ there and nowhere else (migrate/emulator/files.py)."""
    if isinstance(value, dict):
        return {key: without_url_tokens(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_url_tokens(item) for item in value]
    if isinstance(value, str) and "?token=" in value:
        return value.split("?token=", 1)[0]
    return value


async def read_everything(client: TwentyClient) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record of every object, by plural name and id (signed URLs without their token);
    a record seen twice fails."""
    everything: dict[str, dict[str, dict[str, Any]]] = {}
    for obj in await client.objects():
        records: dict[str, dict[str, Any]] = {}
        async for page, _ in client.iter_pages(obj.name_plural):
            for record in page:
                assert record["id"] not in records, f"{obj.name_plural} {record['id']} read twice"
                records[record["id"]] = without_url_tokens(record)
        everything[obj.name_plural] = records
    return everything


async def set_faults(app: Emulator, faults: Faults) -> None:
    """Through the emulator's control endpoint, as a user of `emulator serve` would."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as control:
        response = await control.put("/_emulator/faults", json={k: getattr(faults, k) for k in Faults.__dataclass_fields__})
        response.raise_for_status()


async def injected(app: Emulator) -> dict[str, int]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as control:
        return (await control.get("/_emulator/stats")).json()["faults"]  # type: ignore[no-any-return]


async def test_reading_a_demo_workspace_through_429s_and_5xx_gives_exactly_the_same_records() -> None:
    app = create_app(seed="demo", api_keys=[CANARY_KEY], limits=RateLimit(enabled=False), server_url=BASE_URL)
    calm = FakeTime()
    async with make_client(app, calm, settings=ClientSettings(page_size=20)) as client:
        expected = await read_everything(client)

    await set_faults(app, Faults(rate_429=0.3, rate_5xx=0.05, seed=11))
    stormy = FakeTime()
    async with make_client(app, stormy, settings=ClientSettings(page_size=20)) as client:
        got = await read_everything(client)
        retries = client.retries

    assert got == expected
    assert sum(len(records) for records in got.values()) > 250
    faults = await injected(app)
    assert faults["429"] > 5 and faults["5xx"] > 0, faults
    assert retries == faults["429"] + faults["5xx"], "each injected failure cost exactly one retry"


async def test_retry_after_is_honoured(fake_time: FakeTime) -> None:
    """Three requests a minute on the server: the fourth gets `Retry-After: 20`, and the client
    waits those 20 seconds (on the clock the server's limit refills by) before trying again."""
    app = create_app(api_keys=[CANARY_KEY], limits=RateLimit(limit=3, window_seconds=60), clock=fake_time.clock, server_url=BASE_URL)
    async with make_client(app, fake_time, settings=FAST) as client:
        for _ in range(5):
            body = await client.request("GET", "/rest/companies", object_name="companies")
            assert body["data"] == {"companies": []}
        assert client.retries == 2
    assert fake_time.waits.count(20.0) == 2, fake_time.waits
    assert fake_time.slept == pytest.approx(40.0, abs=0.1), "the limiter's pause and the retry wait overlap, they do not add up"


async def test_retry_after_from_the_body_is_honoured_when_the_header_is_absent(fake_time: FakeTime) -> None:
    body = {"statusCode": 429, "error": "RATE_LIMITED", "messages": ["Rate limit exceeded for apiKey: 100 requests per 60s."], "retryAfterSeconds": 7}
    app = fixed_reply_app(429, {}, after=lambda n: (429, body) if n == 1 else (200, {"data": {"people": []}}))
    async with make_client(app, fake_time, settings=FAST) as client:
        assert await client.request("GET", "/rest/people") == {"data": {"people": []}}
    assert 7.0 in fake_time.waits


async def test_a_429_without_any_retry_after_backs_off_at_least_two_seconds(fake_time: FakeTime) -> None:
    """The 2025 throttler says nothing about when: back off from about 2 s (api.md §4.3)."""
    app = create_app(api_keys=[CANARY_KEY], limits=RateLimit(limit=1, window_seconds=1, profile="2025"), clock=fake_time.clock)
    async with make_client(app, fake_time, settings=FAST) as client:
        await client.request("GET", "/rest/companies")
        await client.request("GET", "/rest/companies")
        assert client.retries == 1
    assert max(fake_time.waits) >= 2.0


async def test_a_400_is_not_retried(fake_time: FakeTime) -> None:
    app = create_app(api_keys=[CANARY_KEY], server_url=BASE_URL)
    async with make_client(app, fake_time) as client:
        with pytest.raises(TwentyValidationError):
            await client.request("POST", "/rest/companies", json={"employees": "many"}, object_name="companies")
        assert (client.requests_made, client.retries) == (1, 0)
    assert app.request_counts == {"POST 400": 1}
    assert fake_time.waits == []


async def test_retries_stop_after_max_attempts_with_the_last_error(fake_time: FakeTime) -> None:
    statuses = {1: 502, 2: 503, 3: 504, 4: 200}
    app = fixed_reply_app(500, {}, after=lambda n: (statuses[n], {"statusCode": statuses[n], "error": "Bad gateway", "messages": [f"attempt {n}"]}))
    async with make_client(app, fake_time, settings=ClientSettings(max_attempts=3)) as client:
        with pytest.raises(TwentyServerError) as caught:
            await client.request("GET", "/rest/companies")
        assert client.requests_made == 3
    assert (caught.value.status, caught.value.messages) == (504, ["attempt 3"])
    assert app.state.seen[0] == 3
    backoffs = [w for w in fake_time.waits if w >= 0.5]
    assert len(backoffs) == 2 and backoffs[1] >= backoffs[0] - 1, "exponential backoff with at most 1 s of jitter"


async def test_a_rate_limit_that_never_lifts_ends_in_the_last_429(fake_time: FakeTime) -> None:
    app = create_app(api_keys=[CANARY_KEY], faults=Faults(rate_429=1.0))
    async with make_client(app, fake_time, settings=ClientSettings(max_attempts=4)) as client:
        with pytest.raises(TwentyRateLimited) as caught:
            await client.request("GET", "/rest/companies")
        assert client.requests_made == 4
    assert caught.value.retry_after == 1.0


async def test_a_refused_connection_is_retried_then_reported(fake_time: FakeTime) -> None:
    from tests.twenty.test_client_errors import closed_port

    async with make_client(None, fake_time, base_url=f"http://127.0.0.1:{closed_port()}", settings=ClientSettings(max_attempts=3)) as client:
        with pytest.raises(TwentyUnreachable):
            await client.request("GET", "/rest/companies")
        assert client.requests_made == 3


async def test_a_dropped_connection_is_retried_for_reads_on_a_real_socket(fake_time: FakeTime) -> None:
    app = create_app(seed="60", api_keys=[CANARY_KEY], limits=RateLimit(enabled=False), faults=Faults(drop_rate=0.4, seed=1))
    with serve_in_thread(app) as url:
        async with make_client(None, fake_time, base_url=url, settings=ClientSettings(page_size=3)) as client:
            people: dict[str, Any] = {}
            total = 0
            async for page, total in client.iter_pages("people"):
                people.update((p["id"], p) for p in page)
            retries = client.retries
        async with httpx.AsyncClient(base_url=url) as control:
            dropped = (await control.get("/_emulator/stats")).json()["faults"]["drop"]
    assert total > 5 and len(people) == total
    assert dropped > 0 and retries == dropped


# The limiter ------------------------------------------------------------------------------------

async def test_the_client_keeps_to_the_configured_rate(fake_time: FakeTime) -> None:
    """120 a minute: 10 requests take at least 9 × 0.5 s of the fake clock."""
    app = create_app(api_keys=[CANARY_KEY], limits=RateLimit(enabled=False))
    async with make_client(app, fake_time, settings=ClientSettings(requests_per_minute=120)) as client:
        start = fake_time.now
        for _ in range(10):
            await client.request("GET", "/rest/companies")
    assert fake_time.now - start >= 9 * 0.5 - 1e-6
    assert fake_time.slept == pytest.approx(4.5, abs=1e-3), "and not much more"


@settings(max_examples=60, deadline=None)
@given(per_minute=st.floats(min_value=1, max_value=6000), n=st.integers(min_value=1, max_value=40), burst=st.integers(min_value=1, max_value=5),
       gaps=st.lists(st.floats(min_value=0, max_value=2), max_size=40))
def test_n_acquisitions_take_at_least_n_minus_burst_over_rate_seconds(per_minute: float, n: int, burst: int, gaps: list[float]) -> None:
    """A token bucket: whatever the caller does between requests, the first `burst` go at once
    and the rest keep to the rate, so no 60 s window holds more than the rate allows."""
    import anyio

    async def scenario() -> None:
        fake = FakeTime()
        limiter = RateLimiter(per_minute, burst=burst, clock=fake.clock, sleep=fake.sleep)
        stamps = []
        for i in range(n):
            fake.now += gaps[i] if i < len(gaps) else 0.0
            await limiter.acquire()
            stamps.append(fake.now)
        rate = per_minute / 60
        assert stamps[-1] - stamps[0] >= (n - burst) / rate - 1e-6 * n
        for i in range(burst, n):
            assert stamps[i] - stamps[i - burst] >= 1 / rate - 1e-6 * n

    anyio.run(scenario)


async def test_pause_after_a_429_delays_the_next_request(fake_time: FakeTime) -> None:
    limiter = RateLimiter(60, clock=fake_time.clock, sleep=fake_time.sleep)
    await limiter.acquire()
    fake_time.now += 10  # the bucket is full again
    limiter.pause(5)
    await limiter.acquire()
    assert sum(fake_time.waits) == pytest.approx(5.0)


async def test_a_429_in_the_client_pauses_its_limiter(fake_time: FakeTime) -> None:
    """After a 429 the limiter holds the next request back, not only the retry: another
    coroutine sharing the client waits too."""
    app = create_app(api_keys=[CANARY_KEY], faults=Faults(rate_429=1.0))
    async with make_client(app, fake_time, settings=ClientSettings(requests_per_minute=6000, max_attempts=1)) as client:
        with pytest.raises(TwentyRateLimited):
            await client.request("GET", "/rest/companies")
        waits_before = len(fake_time.waits)
        await set_faults(app, Faults())
        await client.request("GET", "/rest/companies")
    assert sum(fake_time.waits[waits_before:]) == pytest.approx(1.0, abs=0.02), "Retry-After 1 s"
