"""Fixtures for the client's tests: emulated workspaces, a fake clock, and a client wired to both.

The client's one seam is `transport=`; its waits go through the `sleep=` and `limiter=` it is
given, so every test runs on a fake clock that records each wait and never sleeps (STYLE B6, B10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.limits import RateLimit
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.twenty.client import TwentyClient
from migrate.twenty.limiter import RateLimiter

CANARY_KEY = "tw-canary-5b1f0c9e-7d2a-4e8b-a3f6-91c2d4e5f607"
"""The API key every test sends: recognisable, so that a leak is found by a plain search."""

BASE_URL = "http://twenty.test"


class FakeTime:
    """A clock that moves only when something sleeps on it; every wait is recorded."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += max(0.0, seconds)

    @property
    def slept(self) -> float:
        return sum(self.waits)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(app: Any, fake_time: FakeTime, *, key: str = CANARY_KEY, base_url: str = BASE_URL,
                settings: ClientSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> TwentyClient:
    """A client of `app` (in-process) or of `base_url` (a real socket, when `app` is None),
    whose limiter and retry waits run on `fake_time`."""
    settings = settings or ClientSettings()
    if transport is None and app is not None:
        transport = httpx.ASGITransport(app=app)
    limiter = RateLimiter(settings.requests_per_minute, clock=fake_time.clock, sleep=fake_time.sleep)
    return TwentyClient(Endpoint(base_url, Secret(key)), settings, transport=transport, sleep=fake_time.sleep, limiter=limiter)


def fixed_reply_app(status: int, body: bytes | dict[str, Any], *, headers: dict[str, str] | None = None,
                    media_type: str = "application/json", after: Callable[[int], tuple[int, Any]] | None = None) -> Starlette:
    """A stand-in server that gives every request the same reply (or `after(n)`'s status and body
    for the n-th request): for replies the emulator does not produce, such as a 402."""
    seen = [0]

    async def reply(request: Request) -> Response:
        seen[0] += 1
        code, content = (status, body) if after is None else after(seen[0])
        if isinstance(content, dict):
            return JSONResponse(content, status_code=code, headers=headers)
        return Response(content, status_code=code, headers=headers, media_type=media_type)

    app = Starlette()
    app.add_route("/{path:path}", reply, methods=["GET", "POST", "PATCH", "DELETE"])
    app.state.seen = seen
    return app


@pytest.fixture(scope="session")
def demo_app() -> Emulator:
    """The demo workspace (12 objects, 300 records, custom project/contract/invoice), read-only,
    accepting the canary key, with no rate limit so that reads are not paced by the server."""
    return create_app(seed="demo", api_keys=[CANARY_KEY], limits=RateLimit(enabled=False), server_url=BASE_URL)


@pytest.fixture(scope="session")
def empty_app() -> Emulator:
    """A workspace with the standard objects and no records, accepting the canary key."""
    return create_app(api_keys=[CANARY_KEY], limits=RateLimit(enabled=False), server_url=BASE_URL)
