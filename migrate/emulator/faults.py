"""Fault injection: what networks and overloaded servers do to a migration.

Configured per app (and changed at run time through `/_emulator/faults`): a fraction of API
requests answered 429 (with the newest Twenty body and headers) or 5xx, added latency, and
connections dropped after half the body was sent. All draws come from one seeded
`random.Random`, so a failing run can be replayed. Drops need a real socket (uvicorn): the
server closes the connection mid-body and the client sees an incomplete response.

Observers (`FaultMiddleware.observers`) see every HTTP request (method, path, body) before
faults or routes do; tests use them to tell which phase of a migration a request belongs to,
and to act at an exact request (kill the client, restart the server).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migrate.emulator.auth import PROTECTED_PREFIXES, ASGIApp
from migrate.emulator.limits import RateLimit, rate_limited


@dataclass(frozen=True, slots=True)
class Faults:
    """Fractions in [0, 1] of API requests to disturb, and latency bounds in seconds."""

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    drop_rate: float = 0.0
    latency_min: float = 0.0
    latency_max: float = 0.0
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        faults = cls(**known)
        for name in ("rate_429", "rate_5xx", "drop_rate"):
            value = getattr(faults, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
        if faults.latency_max < faults.latency_min:
            raise ValueError("latency_max must not be below latency_min")
        return faults


Observer = Callable[[str, str, bytes], None]
"""Called with (method, path, body) of each HTTP request, in the server's thread, before it runs."""


class ConnectionDropped(Exception):
    """Raised after a partial body so that the server closes the connection."""


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.configure(faults)
        self.injected = {"429": 0, "5xx": 0, "drop": 0}
        self.observers: list[Observer] = []

    def configure(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        f = self.faults
        if scope["type"] == "http" and self.observers:
            receive = await self._observe(scope, receive)
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        if f.latency_max > 0:
            await asyncio.sleep(self.rng.uniform(f.latency_min, f.latency_max))
        draw = self.rng.random()
        if draw < f.rate_429:
            self.injected["429"] += 1
            error = rate_limited(RateLimit(), 100, 60.0, 1.0, "fault-injection", time.time())
            await error.response()(scope, receive, send)
            return
        if draw < f.rate_429 + f.rate_5xx:
            self.injected["5xx"] += 1
            await self._server_error(send)
            return
        if draw < f.rate_429 + f.rate_5xx + f.drop_rate:
            self.injected["drop"] += 1
            await self._drop(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _observe(self, scope: dict[str, Any], receive: Any) -> Any:
        """Read the whole body, show it to every observer, and replay it to the app."""
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        for observer in list(self.observers):
            observer(scope["method"], scope["path"], body)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    async def _server_error(self, send: Any) -> None:
        """Half Twenty's own 500 envelope, half a proxy's bare 503 page: clients meet both."""
        if self.rng.random() < 0.5:
            body = json.dumps({"statusCode": 500, "error": "InternalServerErrorException", "messages": ["Internal server error"]}).encode()
            status, kind = 500, b"application/json"
        else:
            body, status, kind = b"<html><body><h1>503 Service Unavailable</h1></body></html>", 503, b"text/html"
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _drop(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Run the request (a write may land!), then send half the answer and hang up."""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": started.get("status", 200), "headers": headers})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        raise ConnectionDropped("emulated connection drop")
