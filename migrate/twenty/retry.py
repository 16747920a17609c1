"""Which failures to retry, and how long to wait: tenacity with an explicit predicate.

Retried: 429 (waiting `Retry-After` when the server gives it), 5xx, and transport failures
(refused, timeouts, dropped connections). Never retried: 400 (Twenty turns unhandled errors
into 400s too, but retrying a refused write changes nothing), 401/403, 402/quota, 404.
Backoff is exponential with jitter; attempts and total time are bounded (stamina's defaults).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay, wait_exponential_jitter

from migrate.errors import TwentyRateLimited, TwentyServerError, TwentyUnreachable


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, TwentyRateLimited | TwentyServerError | TwentyUnreachable)


_backoff = wait_exponential_jitter(initial=1, max=60, jitter=1)


def wait_for(state: RetryCallState) -> float:
    """Retry-After when the server said; exponential backoff with jitter otherwise."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, TwentyRateLimited) and exc.retry_after is not None:
        return max(0.0, float(exc.retry_after))
    if isinstance(exc, TwentyRateLimited):
        return max(2.0, float(_backoff(state)))
    return float(_backoff(state))


def retrying(max_attempts: int, max_seconds: float, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
             before_sleep: Callable[[RetryCallState], Any] | None = None) -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception(is_retryable),
        wait=wait_for,
        stop=stop_after_attempt(max_attempts) | stop_after_delay(max_seconds),
        sleep=sleep,
        reraise=True,
        before_sleep=before_sleep,
    )
