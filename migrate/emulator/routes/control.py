"""Control endpoints for tests and demos, under `/_emulator/` only (never part of Twenty's API).

`GET /_emulator/stats` (requests seen, faults injected, record counts), `PUT /_emulator/faults`,
`PUT /_emulator/limits`, `POST /_emulator/reset` (an empty workspace with the same members
kept) and `POST /_emulator/seed` (`{"seed": "demo" | "empty" | N, "rng_seed": 0}`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from migrate.emulator.envelopes import bad_request
from migrate.emulator.faults import Faults
from migrate.emulator.limits import RateLimit
from migrate.emulator.routes.common import json_body


def _emulator(request: Request) -> Any:
    return request.app.state.emulator


async def stats(request: Request) -> JSONResponse:
    emulator = _emulator(request)
    return JSONResponse({
        "requests": dict(emulator.request_counts),
        "faults": dict(emulator.fault_layer.injected),
        "records": emulator.workspace.count_all(),
    })


async def set_faults(request: Request) -> JSONResponse:
    body = await json_body(request)
    try:
        faults = Faults.from_dict(body if isinstance(body, dict) else {})
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from None
    _emulator(request).fault_layer.configure(faults)
    return JSONResponse({"faults": faults.__dict__ if hasattr(faults, "__dict__") else {k: getattr(faults, k) for k in Faults.__dataclass_fields__}})


async def set_limits(request: Request) -> JSONResponse:
    body = await json_body(request)
    known = {k: body[k] for k in RateLimit.__dataclass_fields__ if isinstance(body, dict) and k in body}
    try:
        limits = RateLimit(**known)
    except TypeError as exc:
        raise bad_request(str(exc)) from None
    _emulator(request).rate_layer.configure(limits)
    return JSONResponse({"limits": {k: getattr(limits, k) for k in RateLimit.__dataclass_fields__}})


async def reset(request: Request) -> JSONResponse:
    _emulator(request).reset()
    return JSONResponse({"reset": True})


async def seed(request: Request) -> JSONResponse:
    body = await json_body(request)
    if not isinstance(body, dict) or "seed" not in body:
        raise bad_request('Send {"seed": "demo" | "empty" | N}')
    report = _emulator(request).seed(str(body["seed"]), rng_seed=int(body.get("rng_seed", 0)))
    return JSONResponse({"seeded": report})


routes = [
    Route("/_emulator/stats", stats, methods=["GET"]),
    Route("/_emulator/faults", set_faults, methods=["PUT"]),
    Route("/_emulator/limits", set_limits, methods=["PUT"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/seed", seed, methods=["POST"]),
]
