"""Every way a request can fail leaves the client as one typed `TwentyError` whose message names
the URL (without credentials or query), the object and record when known, and what to do; no
httpx exception escapes, and the API key is never in an error, a traceback or a log line
(STYLE B3, B5).

Each failure is produced for real: by the emulator (401, 404, 400, 429, 5xx, dropped
connections), by a closed port, or by a small stand-in server for replies the emulator does not
give (402, a 429 without `Retry-After`, an HTML page, a garbled body, a redirect).
"""

from __future__ import annotations

import logging
import re
import socket
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

import migrate
from migrate.emulator import create_app
from migrate.emulator.faults import Faults
from migrate.emulator.limits import RateLimit
from migrate.emulator.server import serve_in_thread
from migrate.errors import (
    MigrateError,
    TwentyAPIError,
    TwentyAuthError,
    TwentyError,
    TwentyNotFound,
    TwentyQuotaExhausted,
    TwentyRateLimited,
    TwentyServerError,
    TwentyUnreachable,
    TwentyValidationError,
)
from migrate.settings import ClientSettings, Endpoint, Secret
from tests.twenty.conftest import BASE_URL, CANARY_KEY, FakeTime, fixed_reply_app, make_client

pytestmark = pytest.mark.anyio

ONCE = ClientSettings(max_attempts=1)
"""One attempt: these tests look at a single failure, not at the retry policy."""

MISSING_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


async def failure(action: Awaitable[object]) -> TwentyError:
    """The error `action` raises; it must be a `TwentyError` and nothing of httpx."""
    try:
        await action
    except BaseException as exc:  # noqa: BLE001 - the point is to see whatever escapes
        assert not isinstance(exc, httpx.HTTPError | httpx.InvalidURL | httpx.CookieConflict | httpx.StreamError), f"an httpx error escaped: {exc!r}"
        assert isinstance(exc, TwentyError), f"not a TwentyError: {exc!r}"
        return exc
    pytest.fail("no error was raised")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The failures, each a coroutine taking the fake clock and giving back the error ----------------

async def wrong_key(fake_time: FakeTime) -> TwentyError:
    app = create_app(api_keys=["tw-live-the-right-key"])
    async with make_client(app, fake_time, settings=ONCE) as client:
        return await failure(client.request("GET", "/rest/companies", object_name="companies"))


async def wrong_key_on_metadata(fake_time: FakeTime) -> TwentyError:
    app = create_app(api_keys=["tw-live-the-right-key"])
    async with make_client(app, fake_time, settings=ONCE) as client:
        return await failure(client.objects())


async def record_not_found(fake_time: FakeTime) -> TwentyError:
    app = create_app(api_keys=[CANARY_KEY])
    async with make_client(app, fake_time, settings=ONCE) as client:
        return await failure(client.request("GET", f"/rest/companies/{MISSING_ID}", object_name="companies", record_id=MISSING_ID))


async def invalid_value(fake_time: FakeTime) -> TwentyError:
    app = create_app(api_keys=[CANARY_KEY])
    async with make_client(app, fake_time, settings=ONCE) as client:
        return await failure(client.request("POST", "/rest/companies", json={"name": "Acme", "employees": "many"}, object_name="companies"))


QUOTA_402 = {"statusCode": 402, "error": "BILLING_CREDITS_EXHAUSTED", "messages": ["Credits exhausted for this workspace"]}
QUOTA_429 = {"statusCode": 429, "error": "QUOTA_EXHAUSTED", "messages": ["Quota exhausted for apiKey"]}


async def payment_required(fake_time: FakeTime) -> TwentyError:
    async with make_client(fixed_reply_app(402, QUOTA_402), fake_time) as client:
        return await failure(client.request("POST", "/rest/batch/companies", json=[{"name": "Acme"}], object_name="companies"))


async def quota_exhausted(fake_time: FakeTime) -> TwentyError:
    async with make_client(fixed_reply_app(429, QUOTA_429), fake_time) as client:
        return await failure(client.request("GET", "/rest/people", object_name="people"))


async def rate_limited_with_header(fake_time: FakeTime) -> TwentyError:
    """One request a minute: the second is Twenty's 2026 429 with `Retry-After: 60`."""
    app = create_app(api_keys=[CANARY_KEY], limits=RateLimit(limit=1, window_seconds=60), clock=fake_time.clock)
    async with make_client(app, fake_time, settings=ONCE) as client:
        await client.request("GET", "/rest/companies", object_name="companies")
        return await failure(client.request("GET", "/rest/people", object_name="people"))


RATE_LIMITED_BODY = {"statusCode": 429, "error": "RATE_LIMITED", "messages": ["Rate limit exceeded for apiKey: 100 requests per 60s."],
                     "limit": 100, "remaining": 0, "retryAfterSeconds": 12}


async def rate_limited_in_body_only(fake_time: FakeTime) -> TwentyError:
    async with make_client(fixed_reply_app(429, RATE_LIMITED_BODY), fake_time, settings=ONCE) as client:
        return await failure(client.request("GET", "/rest/people", object_name="people"))


async def rate_limited_2025(fake_time: FakeTime) -> TwentyError:
    """The 2025 throttler says neither `Retry-After` nor `retryAfterSeconds`."""
    app = create_app(api_keys=[CANARY_KEY], limits=RateLimit(limit=1, window_seconds=60, profile="2025"), clock=fake_time.clock)
    async with make_client(app, fake_time, settings=ONCE) as client:
        await client.request("GET", "/rest/companies")
        return await failure(client.request("GET", "/rest/companies", object_name="companies"))


async def server_errors(fake_time: FakeTime) -> dict[int, TwentyError]:
    """Injected 5xx: Twenty's JSON 500 and a proxy's HTML 503, one of each at least."""
    app = create_app(api_keys=[CANARY_KEY], faults=Faults(rate_5xx=1.0, seed=3))
    seen: dict[int, TwentyError] = {}
    async with make_client(app, fake_time, settings=ONCE) as client:
        for _ in range(20):
            error = await failure(client.request("GET", "/rest/companies", object_name="companies"))
            assert isinstance(error, TwentyServerError)
            seen.setdefault(error.status, error)
    assert set(seen) == {500, 503}
    return seen


async def server_error_json(fake_time: FakeTime) -> TwentyError:
    return (await server_errors(fake_time))[500]


async def server_error_html(fake_time: FakeTime) -> TwentyError:
    return (await server_errors(fake_time))[503]


async def connection_refused(fake_time: FakeTime) -> TwentyError:
    async with make_client(None, fake_time, base_url=f"http://127.0.0.1:{closed_port()}", settings=ONCE) as client:
        return await failure(client.request("GET", "/rest/companies", object_name="companies"))


async def connection_dropped(fake_time: FakeTime) -> TwentyError:
    app = create_app(api_keys=[CANARY_KEY], faults=Faults(drop_rate=1.0))
    with serve_in_thread(app) as url:
        async with make_client(None, fake_time, base_url=url, settings=ONCE) as client:
            return await failure(client.request("GET", "/rest/companies", object_name="companies"))


async def too_slow(fake_time: FakeTime) -> TwentyError:
    app = create_app(api_keys=[CANARY_KEY], faults=Faults(latency_min=0.4, latency_max=0.4))
    with serve_in_thread(app) as url:
        async with make_client(None, fake_time, base_url=url, settings=ClientSettings(max_attempts=1, timeout_seconds=0.05)) as client:
            return await failure(client.request("GET", "/rest/companies", object_name="companies"))


HTML_PAGE = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"


async def not_twenty(fake_time: FakeTime) -> TwentyError:
    async with make_client(fixed_reply_app(200, HTML_PAGE, media_type="text/html"), fake_time, settings=ONCE) as client:
        return await failure(client.request("GET", "/rest/companies", object_name="companies"))


async def not_twenty_on_version(fake_time: FakeTime) -> TwentyError:
    async with make_client(fixed_reply_app(200, HTML_PAGE, media_type="text/html"), fake_time, settings=ONCE) as client:
        return await failure(client.check_version())


async def garbled_body(fake_time: FakeTime) -> TwentyError:
    """A body that claims gzip and is not: httpx's DecodingError must not escape."""
    app = fixed_reply_app(200, b"this is not gzip", headers={"Content-Encoding": "gzip"})
    async with make_client(app, fake_time, settings=ONCE) as client:
        return await failure(client.request("GET", "/rest/companies", object_name="companies"))


async def redirected(fake_time: FakeTime) -> TwentyError:
    """A proxy that sends http to https: an empty 301 is not an answer."""
    app = fixed_reply_app(301, b"", headers={"Location": "https://twenty.test/rest/companies?token=abc"})
    async with make_client(app, fake_time, settings=ONCE) as client:
        return await failure(client.request("GET", "/rest/companies", object_name="companies"))


Scenario = Callable[[FakeTime], Awaitable[TwentyError]]

SCENARIOS: dict[str, Scenario] = {
    "wrong key": wrong_key, "wrong key on metadata": wrong_key_on_metadata, "404": record_not_found, "400": invalid_value,
    "402": payment_required, "429 quota": quota_exhausted, "429 Retry-After": rate_limited_with_header,
    "429 retryAfterSeconds": rate_limited_in_body_only, "429 of 2025": rate_limited_2025, "500 JSON": server_error_json,
    "503 HTML": server_error_html, "refused": connection_refused, "dropped": connection_dropped, "timeout": too_slow,
    "not Twenty": not_twenty, "not Twenty on version": not_twenty_on_version, "garbled body": garbled_body, "redirect": redirected,
}


async def run(name: str) -> TwentyError:
    return await SCENARIOS[name](FakeTime())


# What each failure becomes ------------------------------------------------------------------------

async def test_a_wrong_key_is_an_auth_error_that_says_to_check_the_key() -> None:
    error = await run("wrong key")
    assert type(error) is TwentyAuthError
    assert error.url == BASE_URL and error.object_name == "companies"
    assert str(error).startswith(f"{BASE_URL} refused the API key on GET {BASE_URL}/rest/companies (companies)")
    assert "check that the key is valid" in str(error)


async def test_a_wrong_key_on_the_metadata_api_is_an_auth_error_too() -> None:
    """GraphQL answers 200 with an UNAUTHENTICATED error: still a refused key."""
    error = await run("wrong key on metadata")
    assert type(error) is TwentyAuthError
    assert BASE_URL in str(error) and "refused the API key" in str(error)


async def test_a_missing_record_is_not_found_naming_the_object_and_record() -> None:
    error = await run("404")
    assert type(error) is TwentyNotFound
    assert (error.status, error.code, error.messages) == (404, "NotFoundException", ["Record not found"])
    assert (error.method, error.path, error.object_name, error.record_id) == ("GET", f"/rest/companies/{MISSING_ID}", "companies", MISSING_ID)
    assert str(error) == (f"GET {BASE_URL}/rest/companies/{MISSING_ID} (companies {MISSING_ID}) failed with 404: Record not found; "
                          "check that the object and the record exist in this workspace.")


async def test_a_refused_value_is_a_validation_error_with_the_field_from_the_message() -> None:
    error = await run("400")
    assert type(error) is TwentyValidationError
    assert (error.status, error.code, error.method, error.path) == (400, "BadRequestException", "POST", "/rest/companies")
    assert error.messages == ["Invalid number value 'many' for field \"employees\""]
    assert error.field == "employees"
    assert error.object_name == "companies"
    assert f"POST {BASE_URL}/rest/companies (companies) failed with 400" in str(error)
    assert "correct it and run again" in str(error)


@pytest.mark.parametrize("message, field", [
    ('Object company doesn\'t have any "nope" field.', "nope"),
    ('Invalid string value \'x\' for email field "emails.primaryEmail"', "emails.primaryEmail"),
    ("object 'nothings' not found. eg: companies", None),
])
async def test_the_field_is_read_from_twentys_wording(message: str, field: str | None, fake_time: FakeTime) -> None:
    app = fixed_reply_app(400, {"statusCode": 400, "error": "BadRequestException", "messages": [message]})
    async with make_client(app, fake_time) as client:
        error = await failure(client.request("POST", "/rest/companies", json={}))
    assert isinstance(error, TwentyValidationError) and error.field == field and error.messages == [message]
    assert app.state.seen[0] == 1, "a 400 is not retried"


@pytest.mark.parametrize("name", ["402", "429 quota"])
async def test_an_exhausted_quota_is_not_retried_and_says_so(name: str) -> None:
    error = await run(name)
    assert type(error) is TwentyQuotaExhausted
    assert str(error).startswith(f"{BASE_URL} says the workspace's quota is used up")
    assert "retrying cannot help" in str(error)


async def test_a_429_carries_retry_after_from_the_header() -> None:
    error = await run("429 Retry-After")
    assert type(error) is TwentyRateLimited
    assert error.retry_after == 60.0
    assert error.object_name == "people"
    assert str(error).startswith(f"{BASE_URL} rate-limited GET {BASE_URL}/rest/people (people): Rate limit exceeded for apiKey")
    assert "wait 60 s" in str(error)


async def test_a_429_without_the_header_takes_retry_after_seconds_from_the_body() -> None:
    error = await run("429 retryAfterSeconds")
    assert type(error) is TwentyRateLimited and error.retry_after == 12.0


async def test_a_429_of_the_2025_throttler_has_no_retry_after() -> None:
    error = await run("429 of 2025")
    assert type(error) is TwentyRateLimited and error.retry_after is None
    assert "Limit reached (1 tokens per 60000 ms)" in str(error)


async def test_twentys_json_500_is_a_server_error() -> None:
    error = await run("500 JSON")
    assert type(error) is TwentyServerError
    assert (error.status, error.code, error.messages) == (500, "InternalServerErrorException", ["Internal server error"])
    assert f"GET {BASE_URL}/rest/companies (companies) failed with 500: Internal server error; the server failed; try again later" in str(error)


async def test_a_proxys_html_503_is_a_server_error() -> None:
    error = await run("503 HTML")
    assert type(error) is TwentyServerError
    assert (error.status, error.messages) == (503, [])
    assert f"GET {BASE_URL}/rest/companies (companies) failed with 503: Service Unavailable" in str(error)


async def test_a_closed_port_is_unreachable() -> None:
    error = await run("refused")
    assert type(error) is TwentyUnreachable
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert re.match(r"Cannot reach http://127\.0\.0\.1:\d+ \(ConnectError: .*\); check the URL and the network\.", str(error))


async def test_a_dropped_connection_is_unreachable() -> None:
    error = await run("dropped")
    assert type(error) is TwentyUnreachable
    assert isinstance(error.__cause__, httpx.RemoteProtocolError)
    assert str(error).startswith("Cannot reach http://127.0.0.1:") and error.object_name == "companies"


async def test_a_server_slower_than_the_timeout_is_unreachable() -> None:
    error = await run("timeout")
    assert type(error) is TwentyUnreachable
    assert isinstance(error.__cause__, httpx.TimeoutException)
    assert "did not answer GET /rest/companies in time" in str(error)


@pytest.mark.parametrize("name", ["not Twenty", "not Twenty on version", "garbled body"])
async def test_a_server_that_is_not_twenty_is_unreachable_and_asks_so(name: str) -> None:
    error = await run(name)
    assert type(error) is TwentyUnreachable
    assert str(error).startswith(BASE_URL)
    assert "is this a Twenty server?" in str(error)


async def test_a_redirect_is_unreachable_and_names_where_it_points_without_its_query() -> None:
    error = await run("redirect")
    assert type(error) is TwentyUnreachable
    assert str(error) == (f"{BASE_URL}/rest/companies redirects to https://twenty.test/rest/companies; "
                          "use the address Twenty answers on as the base URL.")


async def test_the_api_errors_keep_their_place_in_the_tree() -> None:
    """Callers catch by meaning: every API reply error is a TwentyAPIError, every error a MigrateError."""
    for name in ("404", "400", "500 JSON", "503 HTML"):
        error = await run(name)
        assert isinstance(error, TwentyAPIError) and isinstance(error, MigrateError)


# No httpx exception, and never the key --------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_no_failure_lets_an_httpx_exception_escape(name: str) -> None:
    error = await run(name)
    assert type(error).__module__ == "migrate.errors"
    assert not any(cls.__module__.startswith(("httpx", "httpcore")) for cls in type(error).__mro__)


def texts_of(error: BaseException) -> list[str]:
    """Everything a user, a log or a bug report may show of an error."""
    return [str(error), repr(error), "".join(traceback.format_exception(error)), repr(error.args), repr(vars(error))]


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_the_key_is_in_no_error_traceback_or_log_line(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    error = await run(name)
    for text in texts_of(error):
        assert CANARY_KEY not in text
    assert caplog.records, "httpx logs each request at DEBUG/INFO: the check would be empty otherwise"
    for record in caplog.records:
        assert CANARY_KEY not in record.getMessage()
        assert CANARY_KEY not in repr(record.args)
    assert CANARY_KEY not in caplog.text


async def test_the_key_did_reach_the_server_so_the_canary_means_something(fake_time: FakeTime) -> None:
    """The emulator accepts only the canary key: a 404 (not a 401) proves it was sent."""
    error = await run("404")
    assert isinstance(error, TwentyNotFound)


def test_the_key_is_in_no_repr_of_the_settings() -> None:
    endpoint = Endpoint(BASE_URL, Secret(CANARY_KEY))
    for text in (repr(endpoint), str(endpoint), repr(ClientSettings()), repr(endpoint.api_key), str(endpoint.api_key), f"{endpoint}"):
        assert CANARY_KEY not in text


def test_secret_reveal_is_called_only_by_the_bearer_auth() -> None:
    """The one place the key leaves its `Secret` is the `Authorization` header (STYLE B5)."""
    package = Path(migrate.__file__).parent
    callers = sorted(str(path.relative_to(package.parent)) for path in package.rglob("*.py")
                     if re.search(r"\.reveal\(", path.read_text(encoding="utf-8")))
    assert callers == ["migrate/twenty/auth.py"]
