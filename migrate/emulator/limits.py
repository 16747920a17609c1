"""Rate limiting per workspace and API key, as Twenty's usage-limit system answers it.

`packages/twenty-server/src/engine/core-modules/usage-limit/` (speed service, REST exception
handler and its spec, rate-limit headers; research note §3): two token buckets per API key and
workspace, `API_RATE_LIMITING_SHORT_*` (100 per 1 s) and `API_RATE_LIMITING_LONG_*` (100 per
60 s). Past either, 429 `RATE_LIMITED` with `Retry-After` and `X-RateLimit-*`. The 2025 profile
answers the old throttler body `Limit reached (100 tokens per 60000 ms)` with no headers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from migrate.emulator.auth import ASGIApp, send_error
from migrate.emulator.envelopes import TwentyHTTPError


@dataclass(frozen=True, slots=True)
class RateLimit:
    """How many query executions an API key may make; defaults are Twenty's documented ones."""

    limit: int = 100
    window_seconds: float = 60.0
    short_limit: int = 100
    short_window_seconds: float = 1.0
    profile: Literal["2026", "2025"] = "2026"
    enabled: bool = True


class TokenBucket:
    """Continuous refill: `limit` tokens per `window` seconds, `limit` at most."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self.rate = limit / window
        self.clock = clock
        self.tokens = float(limit)
        self.stamp = clock()

    def take(self) -> float:
        """Take a token; return 0 when granted, else the seconds until one is available."""
        now = self.clock()
        self.tokens = min(self.limit, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def rate_limited(config: RateLimit, limit: int, window: float, retry_after: float, api_key_id: str, now: float) -> TwentyHTTPError:
    seconds = max(1, math.ceil(retry_after))
    if config.profile == "2025":
        return TwentyHTTPError(429, "HttpException", [f"Limit reached ({limit} tokens per {int(window * 1000)} ms)"])
    window_label = f"{window:g}"
    return TwentyHTTPError(
        429, "RATE_LIMITED", [f"Rate limit exceeded for apiKey: {limit} requests per {window_label}s."],
        headers={"Retry-After": str(seconds), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                 "X-RateLimit-Reset": str(int(now) + seconds)},
        extra={"limitKind": "speed", "exhaustedKind": "limit",
               "scope": {"spenderType": "apiKey", "spenderId": api_key_id, "operationType": "API_REQUEST"},
               "limit": limit, "remaining": 0, "periodCount": int(window) or 1, "periodUnit": "second",
               "retryAfterSeconds": seconds},
    )


class RateLimitMiddleware:
    """Counts one token per authenticated API request (a batch create is one query)."""

    def __init__(self, app: ASGIApp, config: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.config = config
        self.clock = clock
        self.buckets: dict[str, tuple[TokenBucket, TokenBucket]] = {}

    def configure(self, config: RateLimit) -> None:
        self.config = config
        self.buckets.clear()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        caller = scope.get("state", {}).get("caller") if scope["type"] == "http" else None
        if caller is None or not self.config.enabled:
            await self.app(scope, receive, send)
            return
        c = self.config
        # 2026: one pair per API key (spender apiKey); 2025: one pair per workspace, shared by
        # every key (`api:throttler:<workspaceId>-short-limit`, common-base-query-runner.service.ts).
        bucket_key = caller.api_key_id if c.profile == "2026" else "workspace"
        pair = self.buckets.get(bucket_key)
        if pair is None:
            pair = (TokenBucket(c.short_limit, c.short_window_seconds, self.clock), TokenBucket(c.limit, c.window_seconds, self.clock))
            self.buckets[bucket_key] = pair
        for bucket in pair:
            wait = bucket.take()
            if wait:
                await send_error(scope, rate_limited(c, bucket.limit, bucket.window, wait, caller.api_key_id, time.time()), receive, send)
                return
        await self.app(scope, receive, send)
