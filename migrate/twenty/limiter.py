"""A token bucket that keeps a client below the server's rate limit.

Twenty counts query executions per API key and workspace (100 a minute by default, api.md §4);
the client spends one token per request and waits when the bucket is empty, so that 429s are
the exception rather than the pacing mechanism. Clock and sleep are injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """`per_minute` requests a minute on average, bursts of at most `burst`."""

    def __init__(self, per_minute: float, *, burst: int = 1, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.clock = clock
        self.sleep = sleep
        self.tokens = float(self.burst)
        self.stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Take a token, sleeping until one is due. The bucket accounts in its own time: after
        a sleep of `wait` it assumes `wait` passed, so a fake sleep in tests never spins."""
        async with self._lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            wait = (1 - self.tokens) / self.rate
            self.tokens = 0.0
            self.stamp = now + wait
            await self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """After a 429: empty the bucket so the next request waits at least `seconds`."""
        now = self.clock()  # refill up to now first, or the time since the last request would shorten the pause
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens = min(self.tokens, 1 - seconds * self.rate)
