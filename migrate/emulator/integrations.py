"""API keys and webhooks (core metadata since v1.3): state and rules.

Follows config.md §4: `core-modules/api-key/api-key.entity.ts`, `api-key.resolver.ts`,
`services/api-key.service.ts` (a key's token is minted by `generateApiKeyToken` and never stored,
so no read gives it back; lists hold non-revoked keys; `createApiKey` needs a `roleId`) and
`core-modules/webhook/webhook.entity.ts`, `webhook.resolver.ts` (`operations` default `["*.*"]`,
the `secret` readable). Connected accounts are `connectedAccount` records (datamodel.py).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from migrate.emulator import roles
from migrate.emulator.config_rows import new_id
from migrate.emulator.envelopes import bad_request, not_found
from migrate.emulator.values import check_uuid
from migrate.emulator.workspace import Workspace, utc_now

API_KEY_FIELDS = ("id", "name", "expiresAt", "revokedAt", "workspaceId", "createdAt", "updatedAt")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_OPERATION = re.compile(r"^(\*|[a-z][a-zA-Z0-9]*)\.(\*|[a-zA-Z]+)$")


def api_key_not_found() -> Any:
    return not_found("API key not found")


def _date(value: Any, key: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise bad_request(f"{key} must be a valid ISO 8601 date string")
    return value


def api_key_to_wire(ws: Workspace, key: dict[str, Any]) -> dict[str, Any]:
    role_id = roles.api_key_role_id(ws, key["id"])
    role = roles.rows(ws).get("role", role_id) if role_id else None
    return {**{k: key.get(k) for k in API_KEY_FIELDS}, "role": role}


def list_api_keys(ws: Workspace) -> list[dict[str, Any]]:
    """`apiKeys` / `GET /rest/metadata/apiKeys`: non-revoked keys, never a token."""
    return [api_key_to_wire(ws, k) for k in roles.rows(ws).all("apiKey", lambda k: not k.get("revokedAt"))]


def get_api_key(ws: Workspace, key_id: Any) -> dict[str, Any]:
    key = roles.rows(ws).get("apiKey", str(key_id))
    if key is None:
        raise api_key_not_found()
    return api_key_to_wire(ws, key)


def create_api_key(ws: Workspace, data: Any) -> dict[str, Any]:
    """`createApiKey(input {name, expiresAt, revokedAt?, roleId})`: the key, its role assigned."""
    if not isinstance(data, dict):
        raise bad_request("Invalid input: an API key must be a JSON object")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise bad_request("name should not be empty")
    if not data.get("roleId"):
        raise bad_request("roleId should not be empty")
    now = utc_now()
    key = {"id": new_id(data.get("id")), "name": data["name"], "expiresAt": _date(data.get("expiresAt"), "expiresAt"),
           "revokedAt": _date(data.get("revokedAt"), "revokedAt"), "workspaceId": ws.workspace_id, "createdAt": now, "updatedAt": now}
    roles.rows(ws).insert("apiKey", key)
    roles.assign_api_key(ws, key["id"], data["roleId"])
    return api_key_to_wire(ws, key)


def update_api_key(ws: Workspace, data: Any) -> dict[str, Any]:
    """`updateApiKey(input {id, name?, expiresAt?, revokedAt?})`."""
    table = roles.rows(ws)
    key = table.get("apiKey", str((data or {}).get("id")))
    if key is None:
        raise api_key_not_found()
    for name in ("name", "expiresAt", "revokedAt"):
        if name in data:
            key[name] = data[name] if name == "name" else _date(data[name], name)
    key["updatedAt"] = utc_now()
    return api_key_to_wire(ws, table.save("apiKey", key))


def revoke_api_key(ws: Workspace, key_id: Any) -> dict[str, Any]:
    """`revokeApiKey(input {id})`: the key stays, with `revokedAt`, and leaves the lists."""
    return update_api_key(ws, {"id": key_id, "revokedAt": utc_now()})


def generate_token(ws: Workspace, key_id: Any, expires_at: Any, register: Callable[[str, dict[str, Any]], None]) -> dict[str, str]:
    """`generateApiKeyToken(apiKeyId, expiresAt)`: a fresh JWT-shaped token each call, given once
    and never stored with the key; `register` makes the emulator accept it."""
    key = roles.rows(ws).get("apiKey", str(key_id))
    if key is None or key.get("revokedAt"):
        raise api_key_not_found()

    def part(payload: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    token = ".".join([part({"alg": "HS256", "typ": "JWT"}),
                      part({"sub": ws.workspace_id, "type": "API_KEY", "workspaceId": ws.workspace_id, "jti": key["id"]}),
                      secrets.token_urlsafe(32)])
    register(token, {**key, "expiresAt": expires_at or key["expiresAt"]})
    return {"token": token}


# webhooks ---------------------------------------------------------------------------------------
def webhook_not_found() -> Any:
    return not_found("Webhook not found")


def _check_webhook(hook: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(hook.get("targetUrl"), str) or not _URL.match(hook["targetUrl"]):
        raise bad_request("Invalid target URL provided")
    operations = hook.get("operations")
    if not isinstance(operations, list) or not operations or not all(isinstance(o, str) and _OPERATION.match(o) for o in operations):
        raise bad_request("operations must be a non-empty list of '<object>.<action>' strings")
    return hook


def list_webhooks(ws: Workspace) -> list[dict[str, Any]]:
    """`webhooks` / `GET /rest/metadata/webhooks`, secrets included (config.md §4.2)."""
    return roles.rows(ws).all("webhook", lambda w: not w.get("deletedAt"))


def get_webhook(ws: Workspace, hook_id: Any) -> dict[str, Any]:
    return roles.rows(ws).one("webhook", check_uuid(str(hook_id)), webhook_not_found())


def create_webhook(ws: Workspace, data: Any) -> dict[str, Any]:
    """`createWebhook(input {targetUrl, operations?, description?, secret?})`."""
    if not isinstance(data, dict):
        raise bad_request("Invalid input: a webhook must be a JSON object")
    now = utc_now()
    hook = {"id": new_id(data.get("id")), "targetUrl": data.get("targetUrl"), "operations": data.get("operations") or ["*.*"],
            "description": data.get("description"), "secret": data.get("secret") or secrets.token_hex(16),
            "workspaceId": ws.workspace_id, "createdAt": now, "updatedAt": now, "deletedAt": None}
    return roles.rows(ws).insert("webhook", _check_webhook(hook))


def update_webhook(ws: Workspace, hook_id: Any, update: Any) -> dict[str, Any]:
    """`updateWebhook(input {id, update})` / `PATCH /rest/metadata/webhooks/:id`."""
    hook = get_webhook(ws, hook_id)
    if not isinstance(update, dict):
        raise bad_request("Invalid input: an update must be a JSON object")
    changed = {**hook, **{k: update[k] for k in ("targetUrl", "operations", "description", "secret") if k in update}, "updatedAt": utc_now()}
    return roles.rows(ws).save("webhook", _check_webhook(changed))


def delete_webhook(ws: Workspace, hook_id: Any) -> dict[str, Any]:
    hook = get_webhook(ws, hook_id)
    roles.rows(ws).delete("webhook", hook["id"])
    return hook
