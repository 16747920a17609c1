"""`TwentyClient`: one async client per workspace, over httpx.

Every request passes the rate limiter and the retry policy; every failure leaves as a
`TwentyError` that says what failed, for which object or record, and never holds the key
(httpx errors are translated here, `raise ... from exc`). The transport is the one seam: tests
pass `httpx.ASGITransport(app=emulator)`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from migrate.errors import (
    TwentyAPIError,
    TwentyAuthError,
    TwentyError,
    TwentyNotFound,
    TwentyQuotaExhausted,
    TwentyRateLimited,
    TwentyServerError,
    TwentyUnreachable,
    TwentyUnsupportedVersion,
    TwentyValidationError,
)
from migrate.model import Member, ObjectMeta
from migrate.settings import ClientSettings, Endpoint, public_url
from migrate.twenty.auth import BearerAuth
from migrate.twenty.limiter import RateLimiter
from migrate.twenty.metadata import OBJECTS_QUERY, OBJECTS_QUERY_CONNECTION, parse_object
from migrate.twenty.retry import retrying

log = logging.getLogger(__name__)

SUPPORTED_VERSIONS = ((1, 0), (3, 0))
"""Twenty versions this tool reads and writes: from 1.0 (inclusive) to 3.0 (exclusive)."""

_CLIENT_CONFIG_KEYS = ("appVersion", "authProviders", "billing", "isMultiWorkspaceEnabled")
"""Keys of `GET /client-config` (`core-modules/client-config/client-config.entity.ts`): one must be there for a Twenty server."""

_FIELD_IN_MESSAGE = re.compile(r'field "([\w.]+)"|"(\w+)" field')


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", (text or "").strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


class TwentyClient:
    """Reads and writes one Twenty workspace. Use as `async with TwentyClient(endpoint) as c:`."""

    def __init__(self, endpoint: Endpoint, settings: ClientSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, limiter: RateLimiter | None = None) -> None:
        self.endpoint = endpoint
        self.settings = settings or ClientSettings()
        self.sleep = sleep
        self.limiter = limiter or RateLimiter(self.settings.requests_per_minute, burst=5, sleep=sleep)
        self._in_flight = asyncio.Semaphore(self.settings.max_in_flight)
        self._http = httpx.AsyncClient(
            base_url=endpoint.url, auth=BearerAuth(endpoint.api_key), transport=transport,
            timeout=httpx.Timeout(self.settings.timeout_seconds, connect=min(10.0, self.settings.timeout_seconds)),
            headers={"User-Agent": "twenty-migrate", "Accept": "application/json"}, verify=True,
        )
        self.requests_made = 0
        self.retries = 0

    async def __aenter__(self) -> TwentyClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # one request --------------------------------------------------------------------------
    async def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                      object_name: str | None = None, record_id: str | None = None, authenticated: bool = True,
                      retry: bool | int = True) -> Any:
        """Send one request under the limiter and the retry policy; return the decoded JSON."""
        context = {"object_name": object_name, "record_id": record_id, "url": self.endpoint.url}

        def note_retry(state: Any) -> None:
            self.retries += 1
            exc = state.outcome.exception()
            log.info("retrying %s %s after %s (attempt %d)", method, path, type(exc).__name__, state.attempt_number)

        attempts = (self.settings.max_attempts if retry else 1) if isinstance(retry, bool) else max(1, retry)
        async for attempt in retrying(attempts, self.settings.max_retry_seconds, self.sleep, note_retry):
            with attempt:
                await self.limiter.acquire()
                async with self._in_flight:
                    return await self._send(method, path, params, json, authenticated, context)
        raise AssertionError("unreachable")  # pragma: no cover

    async def request_multipart(self, path: str, data: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> Any:
        """A multipart POST (GraphQL uploads), under the same limiter and retry policy."""
        async for attempt in retrying(self.settings.max_attempts, self.settings.max_retry_seconds, self.sleep):
            with attempt:
                await self.limiter.acquire()
                async with self._in_flight:
                    return await self._send("POST", path, None, None, True, {"url": self.endpoint.url}, data=data, files=files)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, method: str, path: str, params: dict[str, Any] | None, body: Any, authenticated: bool,
                    context: dict[str, Any], *, data: dict[str, str] | None = None, files: dict[str, Any] | None = None) -> Any:
        self.requests_made += 1
        try:
            auth: Any = httpx.USE_CLIENT_DEFAULT if authenticated else _NoAuth()
            if files is not None:
                response = await self._http.request(method, path, data=data, files=files, auth=auth)
            else:
                response = await self._http.request(method, path, params=params, json=body, auth=auth)
        except httpx.TimeoutException as exc:
            raise TwentyUnreachable(f"{self.endpoint.url} did not answer {method} {path} in time ({type(exc).__name__}).", **context) from exc
        except httpx.TransportError as exc:
            raise TwentyUnreachable(f"Cannot reach {self.endpoint.url} ({type(exc).__name__}: {exc}); check the URL and the network.", **context) from exc
        except httpx.RequestError as exc:  # a body that cannot be decoded, and the like: no httpx error leaves
            raise TwentyUnreachable(
                f"{self.endpoint.url}{path} answered {method} with a reply that cannot be read ({type(exc).__name__}); is this a Twenty server?", **context
            ) from exc
        if response.status_code >= 400:
            error = self._error(method, path, response, context)
            if isinstance(error, TwentyRateLimited):  # every request waits, retried or not, whoever sends it
                self.limiter.pause(error.retry_after or 2.0)
            raise error
        if response.is_redirect:
            location = public_url(str(response.next_request.url)) if response.next_request else "elsewhere"
            raise TwentyUnreachable(
                f"{self.endpoint.url}{path} redirects to {location}; use the address Twenty answers on as the base URL.", **context)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise TwentyUnreachable(
                f"{self.endpoint.url}{path} answered {response.status_code} with something that is not JSON; is this a Twenty server?", **context
            ) from exc

    def _error(self, method: str, path: str, response: httpx.Response, context: dict[str, Any]) -> TwentyError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        messages = body.get("messages") or ([body["message"]] if isinstance(body.get("message"), str) else [])
        messages = [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        code = body.get("error") or body.get("code")
        graphql_errors = body.get("errors")
        if not messages and isinstance(graphql_errors, list) and graphql_errors and isinstance(graphql_errors[0], dict):
            messages = [str(e.get("message", "")) for e in graphql_errors if isinstance(e, dict)]
            code = code or (graphql_errors[0].get("extensions") or {}).get("code")
        said = messages[0] if messages else response.reason_phrase
        where = f"{method} {self.endpoint.url}{path}" + (f" ({context['object_name']}" + (f" {context['record_id']}" if context.get("record_id") else "") + ")" if context.get("object_name") else "")
        if status == 401 or code in ("UNAUTHENTICATED", "FORBIDDEN_EXCEPTION"):
            return self._auth_error(f"{where} ({status} {said})", said, context)
        if status == 402 or code == "QUOTA_EXHAUSTED":
            return TwentyQuotaExhausted(f"{self.endpoint.url} says the workspace's quota is used up on {where} ({status} {said}); retrying cannot help: raise the plan's allowance, then run again.", **context)
        if status == 429:
            retry_after = _retry_after(response, body)
            wait = f"wait {retry_after:g} s" if retry_after is not None else "wait a minute"
            return TwentyRateLimited(f"{self.endpoint.url} rate-limited {where}: {said}; {wait}, or lower the request rate.", retry_after=retry_after, **context)
        match = _FIELD_IN_MESSAGE.search(said)
        field = (match.group(1) or match.group(2)) if match else None
        kind: type[TwentyAPIError]
        if status >= 500:
            kind, advice = TwentyServerError, "the server failed; try again later, and check the server's logs if it goes on"
        elif status == 404:
            kind, advice = TwentyNotFound, "check that the object and the record exist in this workspace"
        elif status in (401, 403):
            kind, advice = TwentyAPIError, "check that the API key's role allows this"
        else:
            kind, advice = TwentyValidationError, "the server refused the input; correct it and run again (retrying as is cannot help)"
        return kind(f"{where} failed with {status}: {said}; {advice}.", status=status, code=code, messages=messages, method=method, path=path, field=field, **context)

    def _auth_error(self, where: str, said: str, context: dict[str, Any]) -> TwentyAuthError:
        """A refused key; an expired one says so (Twenty's 401 `Token has expired.`, `jwt-wrapper.service.ts`)."""
        if "expired" in said.lower():
            advice = ": the key has expired. Create a new key in Twenty (Settings → APIs & Webhooks) and put it in the environment variable."
        else:
            advice = "; check that the key is valid, not expired, and for this workspace."
        return TwentyAuthError(f"{self.endpoint.url} refused the API key on {where}{advice}", **context)

    # reads --------------------------------------------------------------------------------
    async def server_version(self) -> str | None:
        """`appVersion` from the public `GET /client-config` (may be empty on dev servers)."""
        # The first contact fails fast (two attempts): a wrong URL or a server that is down should
        # not take the full retry budget of a migration already under way to be reported.
        def not_twenty(got: str) -> TwentyUnreachable:
            return TwentyUnreachable(f"{self.endpoint.url} does not look like a Twenty server: GET /client-config, which every Twenty "
                                     f"server answers, {got}. Check the URL: the address Twenty answers on, without a path "
                                     "(e.g. https://api.twenty.com).", url=self.endpoint.url)

        try:
            body = await self.request("GET", "/client-config", authenticated=False, retry=2)
        except (TwentyNotFound, TwentyValidationError) as exc:
            raise not_twenty(f"got {exc.status} {exc.messages[0] if exc.messages else ''}".strip()) from exc
        except TwentyAuthError as exc:  # the path is public on every Twenty: asking for a key means a wrong URL
            raise not_twenty("asked for a key") from exc
        if not isinstance(body, dict) or not any(key in body for key in _CLIENT_CONFIG_KEYS):
            raise not_twenty("got JSON without Twenty's client configuration")
        version = body.get("appVersion")
        return str(version) if version else None

    async def check_version(self) -> str | None:
        """The server's version, or `TwentyUnsupportedVersion` with the supported range."""
        text = await self.server_version()
        parsed = parse_version(text)
        if parsed is None:
            log.warning("%s does not report its Twenty version; going on as if supported", self.endpoint.url)
            return text
        low, high = SUPPORTED_VERSIONS
        if not low <= parsed[:2] < high:
            raise TwentyUnsupportedVersion(
                f"{self.endpoint.url} runs Twenty {text}; twenty-migrate supports {low[0]}.{low[1]} up to (not including) {high[0]}.{high[1]}. "
                "Upgrade the server, or use a twenty-migrate release that supports it.", url=self.endpoint.url)
        return text

    async def graphql(self, endpoint: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.request("POST", endpoint, json={"query": query, "variables": variables or {}})
        errors = (body or {}).get("errors")
        if errors:
            first = errors[0]
            code = (first.get("extensions") or {}).get("code")
            if code == "UNAUTHENTICATED" or code == "FORBIDDEN":
                raise self._auth_error(f"POST {self.endpoint.url}{endpoint} ({first.get('message')})", str(first.get("message")),
                                       {"url": self.endpoint.url})
            raise TwentyValidationError(f"POST {endpoint} failed: {first.get('message')}", status=200, code=code,
                                        messages=[e.get("message", "") for e in errors], method="POST", path=endpoint, url=self.endpoint.url)
        return body["data"]  # type: ignore[no-any-return]

    async def objects(self) -> list[ObjectMeta]:
        """Every object of the workspace with its fields and relations."""
        nodes: list[dict[str, Any]] = []
        query = OBJECTS_QUERY
        after: str | None = None
        while True:
            try:
                data = await self.graphql("/metadata", query, {"after": after})
            except TwentyValidationError as exc:
                if query is OBJECTS_QUERY and "fieldsList" in str(exc):
                    query, after, nodes = OBJECTS_QUERY_CONNECTION, None, []
                    continue
                raise
            connection = data["objects"]
            nodes += [edge["node"] for edge in connection["edges"]]
            if not connection["pageInfo"].get("hasNextPage"):
                break
            after = connection["pageInfo"]["endCursor"]
        return [parse_object(n) for n in nodes]

    async def iter_pages(self, plural: str, *, filter: str | None = None, depth: int = 0) -> AsyncIterator[tuple[list[dict[str, Any]], int]]:  # noqa: A002
        """Every record of `plural` (matching `filter`), a page at a time, with the server's totalCount."""
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": self.settings.page_size, "depth": depth}
            if filter:
                params["filter"] = filter
            if cursor:
                params["starting_after"] = cursor
            body = await self.request("GET", f"/rest/{plural}", params=params, object_name=plural)
            records = body["data"][plural]
            page_info = body.get("pageInfo") or {}
            yield records, int(body.get("totalCount") or 0)
            cursor = page_info.get("endCursor")
            if not page_info.get("hasNextPage") or not records or not cursor:
                return

    async def members(self) -> list[Member]:
        members: list[Member] = []
        async for page, _ in self.iter_pages("workspaceMembers"):
            for raw in page:
                name = raw.get("name") or {}
                members.append(Member(id=raw["id"], email=(raw.get("userEmail") or None), first_name=name.get("firstName") or "",
                                      last_name=name.get("lastName") or "", user_id=raw.get("userId")))
        return members

    async def download(self, url: str) -> bytes:
        """Bytes behind a signed file URL (no bearer: the token is in the URL)."""
        await self.limiter.acquire()
        try:
            async with self._in_flight:
                response = await self._http.get(url, auth=_NoAuth())
        except httpx.RequestError as exc:
            raise TwentyUnreachable(f"Cannot download a file from {self.endpoint.url} ({type(exc).__name__}); check the network and run again.", url=self.endpoint.url) from exc
        if response.status_code >= 400:
            raise self._error("GET", httpx.URL(url).path, response, {"url": self.endpoint.url})
        return response.content


class _NoAuth(httpx.Auth):
    """File downloads carry their token in the URL; the API key is not sent with them."""


def _retry_after(response: httpx.Response, body: dict[str, Any]) -> float | None:
    header = response.headers.get("Retry-After")
    if header:
        try:
            return float(header)
        except ValueError:
            return None
    seconds = body.get("retryAfterSeconds")
    return float(seconds) if isinstance(seconds, int | float) else None
