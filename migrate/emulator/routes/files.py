"""File bytes: the upload target `PUT /file-upload/{id}` and the downloads `GET /file/...`.

Follows `core/file/file-upload/controllers/file-upload.controller.ts` (204 after streaming the
body), `core/file/controllers/file.controller.ts` with `FileByIdGuard` (token in the query, no
bearer, 403 when it does not verify) and the legacy `/files/<path>?token=` route (research note §1).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from migrate.emulator.envelopes import TwentyHTTPError, not_found
from migrate.emulator.routes.common import workspace

SERVED_FOLDERS = frozenset({"files-field", "core-picture"})


def _forbidden() -> TwentyHTTPError:
    return TwentyHTTPError(403, "ForbiddenException", ["Forbidden resource"])


def _bytes_response(request: Request, data: bytes, mime: str, name: str) -> Response:
    """The bytes, honouring a single `Range` as the server's stream does (206)."""
    try:
        disposition = f'inline; filename="{name.encode("latin-1").decode("latin-1")}"'
    except UnicodeEncodeError:  # RFC 6266 / 5987: a name outside latin-1 goes percent-encoded
        disposition = f"inline; filename*=UTF-8''{quote(name)}"
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": disposition}
    range_header = request.headers.get("range", "")
    if range_header.startswith("bytes="):
        start_text, _, end_text = range_header[6:].partition("-")
        start = int(start_text or 0)
        end = min(int(end_text) if end_text else len(data) - 1, len(data) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return Response(data[start : end + 1], status_code=206, media_type=mime, headers=headers)
    return Response(data, media_type=mime, headers=headers)


async def upload_target(request: Request) -> Response:
    app = request.app
    file_id = request.path_params["id"]
    payload = app.state.signer.verify(request.query_params.get("token"))
    pending = app.state.pending_uploads.get(file_id)
    if payload is None or payload.get("fileId") != file_id or not payload.get("upload") or pending is None:
        raise _forbidden()
    data = await request.body()
    workspace(request).save_file(pending["filename"], data, pending["contentType"], file_id=file_id)
    pending["received"] = True
    return Response(status_code=204)


async def download_by_id(request: Request) -> Response:
    folder, file_id = request.path_params["folder"], request.path_params["id"]
    payload = request.app.state.signer.verify(request.query_params.get("token"))
    if folder not in SERVED_FOLDERS or payload is None or payload.get("fileId") != file_id:
        raise _forbidden()
    found = workspace(request).store.get_file(file_id=file_id)
    if found is None:
        raise not_found("File not found")
    _, _, name, mime, data = found
    return _bytes_response(request, data, mime, name)


async def download_by_path(request: Request) -> Response:
    path = request.path_params["path"]
    payload = request.app.state.signer.verify(request.query_params.get("token"))
    if payload is None or payload.get("filePath") != path:
        raise _forbidden()
    found = workspace(request).store.get_file(path=path)
    if found is None:
        raise not_found("File not found")
    _, _, name, mime, data = found
    return _bytes_response(request, data, mime, name)


routes = [
    Route("/file-upload/{id}", upload_target, methods=["PUT"]),
    Route("/file/{folder}/{id}", download_by_id, methods=["GET"]),
    Route("/files/{path:path}", download_by_path, methods=["GET"]),
]
