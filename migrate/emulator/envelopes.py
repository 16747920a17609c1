"""Twenty's reply shapes: the error envelope and the record envelopes.

Errors follow `packages/twenty-server/src/engine/api/rest/rest-api-exception.filter.ts` and
`src/engine/core-modules/exception-handler/http-exception-handler.service.ts`:
`{"statusCode", "error", "messages": [...]}` (api.md §3.11). Every error the emulator sends is
built here, so one test can assert the envelope on every error path.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class TwentyHTTPError(Exception):
    """An error reply in Twenty's envelope; raised by the rules, rendered by the app."""

    def __init__(self, status: int, error: str, messages: list[str], headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(messages[0] if messages else error)
        self.status = status
        self.error = error
        self.messages = messages
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"statusCode": self.status, "error": self.error, "messages": self.messages, **self.extra}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def bad_request(message: str) -> TwentyHTTPError:
    return TwentyHTTPError(400, "BadRequestException", [message])


def not_found(message: str = "Record not found") -> TwentyHTTPError:
    return TwentyHTTPError(404, "NotFoundException", [message])


def method_not_allowed(message: str = "Method not allowed.") -> TwentyHTTPError:
    return TwentyHTTPError(405, "MethodNotAllowedException", [message])


def capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


def list_envelope(plural: str, records: list[dict[str, Any]], total: int, page_info: dict[str, Any]) -> dict[str, Any]:
    """`GET /rest/{plural}`: records under `data.<plural>`, with `totalCount` and `pageInfo` beside."""
    return {"data": {plural: records}, "totalCount": total, "pageInfo": page_info}


def one_envelope(key: str, record: Any) -> dict[str, Any]:
    """`{"data": {"<key>": ...}}`: key is `person`, `createPerson`, `createPeople`, `updatePerson`..."""
    return {"data": {key: record}}


def inspect_value(value: Any) -> str:
    """A value as Node's `util.inspect` prints it inside Twenty's messages (`'abc'`, `{}`, `1`)."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[ " + ", ".join(inspect_value(v) for v in value) + " ]" if value else "[]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k}: {inspect_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    return str(value)
