"""The bearer header: the one place an API key is revealed (a test pins that)."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from migrate.settings import Secret


class BearerAuth(httpx.Auth):
    """Sets `Authorization: Bearer <key>` on each request (httpx's auth_flow)."""

    def __init__(self, api_key: Secret) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        yield request
