"""Signed file URLs, as Twenty signs them for FILES fields and legacy attachment paths.

`packages/twenty-server/src/engine/core-modules/file/file-url/file-url.service.ts`
(`signFileByIdUrl`) and `file/guards/file-by-id.guard.ts` (research note §1): a read of a FILES
field returns each item with a `url` of the form `<SERVER_URL>/file/files-field/<fileId>?token=<JWT>`
where the JWT (type FILE) names the workspace and the file; the download needs no bearer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FileSigner:
    """Signs and checks HS256 JWTs naming one file of one workspace."""

    def __init__(self, secret: bytes, workspace_id: str, server_url: str, ttl_seconds: int = 3600) -> None:
        self.secret = secret
        self.workspace_id = workspace_id
        self.server_url = server_url.rstrip("/")
        self.ttl = ttl_seconds

    def token(self, subject: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps({**subject, "workspaceId": self.workspace_id, "sub": self.workspace_id, "type": "FILE",
                                "exp": int(time.time()) + self.ttl}).encode())
        signature = _b64(hmac.new(self.secret, f"{header}.{body}".encode(), hashlib.sha256).digest())
        return f"{header}.{body}.{signature}"

    def verify(self, token: str | None) -> dict[str, Any] | None:
        """The payload of a valid, unexpired token of this workspace, else None."""
        try:
            header, body, signature = (token or "").split(".")
            expected = _b64(hmac.new(self.secret, f"{header}.{body}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(expected, signature):
                return None
            payload: dict[str, Any] = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            return None
        if payload.get("workspaceId") != self.workspace_id or payload.get("exp", 0) < time.time():
            return None
        return payload

    def file_url(self, file_id: str) -> str:
        return f"{self.server_url}/file/files-field/{file_id}?token={self.token({'fileId': file_id})}"

    def path_url(self, path: str) -> str:
        """Legacy attachments: `fullPath` served at `/files/<path>?token=`."""
        return f"{self.server_url}/files/{path}?token={self.token({'filePath': path})}"

    def upload_url(self, file_id: str) -> str:
        return f"{self.server_url}/file-upload/{file_id}?token={self.token({'fileId': file_id, 'upload': True})}"
