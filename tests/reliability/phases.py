"""Which phase of `apply` a request to the target belongs to, from its method, path and body.

`apply` runs its phases in order (runner.py): the data model (metadata mutations), the records
(batch creates), attachments (file uploads and the attachment batch, inside the records phase),
the second pass (one PATCH per record), the soft deletes (DELETE with an id filter) and, last, the
configuration (views, roles, workflows, webhooks). Reads that any phase makes on start or on resume
(the data model, which in-flight ids landed) belong to none.
"""

from __future__ import annotations

import re

PHASES = ("schema", "records", "attachments", "second-pass", "soft-delete", "config")
"""In the order runner.py runs them: a kill armed for a phase the run got past fires in the next."""
SCHEMA_MUTATIONS = frozenset({"CreateObject", "CreateField", "UpdateField"})
_OPERATION = re.compile(rb"\b(mutation|query)\s+(\w+)")


def phase_of(method: str, path: str, body: bytes) -> str | None:
    """The phase a request is part of, or None for a read that any phase makes."""
    if path == "/metadata" and method == "POST":
        if b"uploadFilesFieldFile" in body:
            return "attachments"
        match = _OPERATION.search(body)
        if match is None:
            return None
        kind, name = match.group(1).decode(), match.group(2).decode()
        if kind == "mutation":
            return "schema" if name in SCHEMA_MUTATIONS else "config"
        return "config" if name == "Roles" else None
    if path.startswith(("/rest/metadata/", "/rest/workflow")):
        return "config"
    if path.startswith("/rest/batch/") and method == "POST":
        return "attachments" if path == "/rest/batch/attachments" else "records"
    parts = path.strip("/").split("/")
    if parts[0] == "rest" and len(parts) == 3 and method == "PATCH":
        return "second-pass"
    if parts[0] == "rest" and len(parts) == 2 and method == "DELETE":
        return "soft-delete"
    return None
