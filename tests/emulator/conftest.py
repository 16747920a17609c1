"""Fixtures for the emulator's conformance tests: an app, and a client that reaches it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator

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
