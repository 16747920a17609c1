"""Fixtures for the emulator's conformance tests: an app, and a client that reaches it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.auth import ApiKey

API_KEY = "test-api-key"


@pytest.fixture
def app() -> Emulator:
    """An empty workspace (standard objects, no records) accepting `API_KEY`."""
    return create_app(api_keys=[API_KEY], server_url="http://twenty.test")


@pytest.fixture
async def client(app: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": f"Bearer {API_KEY}"}) as c:
        yield c


def assert_twenty_error(response: httpx.Response, status: int, error: str, message: str | None = None) -> dict[str, Any]:
    """Twenty's error envelope, `{"statusCode", "error", "messages": [...]}`, with the given values
    (`rest/rest-api-exception.filter.ts`, `http-exception-handler.service.ts`)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status, body
    assert body["error"] == error, body
    assert isinstance(body["messages"], list) and body["messages"], body
    if message is not None:
        assert body["messages"][0] == message, body
    return body  # type: ignore[no-any-return]


USER_TOKEN = "user-session-token"
"""A user's access token (`ApiKey(user_session=True)`): the configuration tests use both principals."""


@pytest.fixture
def config_app() -> Emulator:
    """An empty workspace with its members, an API key and a user's session token."""
    return create_app(seed="empty", api_keys=[API_KEY, ApiKey(USER_TOKEN, name="Tim Apple", user_session=True)], server_url="http://twenty.test")


def _client(app: Emulator, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://twenty.test", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
async def api(config_app: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated with the API key."""
    async with _client(config_app, API_KEY) as c:
        yield c


@pytest.fixture
async def user(config_app: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated with a user session token."""
    async with _client(config_app, USER_TOKEN) as c:
        yield c
