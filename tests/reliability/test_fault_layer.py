"""The emulator's test machinery that the reliability tests lean on: request observers, and a
server that goes down and comes back on the same port over the same SQLite file.

A restart is what a Twenty deployment does on redeploy or crash: requests under way lose their
connection, new ones are refused while it is down, and afterwards the same workspace answers
(Postgres kept it), while what lived in the process is gone.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.faults import Faults
from migrate.emulator.server import ServedApp
from tests.plan.workspaces import NO_LIMIT, TARGET_KEY
from tests.reliability.phases import phase_of

AUTH = {"Authorization": f"Bearer {TARGET_KEY}"}


def test_observers_see_method_path_and_body_and_the_route_still_gets_the_body() -> None:
    app = create_app(api_keys=[TARGET_KEY], limits=NO_LIMIT)
    seen: list[tuple[str, str, bytes]] = []
    app.fault_layer.observers.append(lambda m, p, b: seen.append((m, p, b)))
    with ServedApp(lambda: app) as served, httpx.Client(base_url=served.url, headers=AUTH) as http:
        created = http.post("/rest/companies", json={"name": "Observed Inc."})
        listed = http.get("/rest/companies", params={"limit": 1})
    assert created.status_code == 201 and created.json()["data"]["createCompany"]["name"] == "Observed Inc."
    assert listed.status_code == 200
    assert seen[0][:2] == ("POST", "/rest/companies") and json.loads(seen[0][2]) == {"name": "Observed Inc."}
    assert seen[1] == ("GET", "/rest/companies", b"")


def test_an_observer_sees_requests_that_faults_then_answer() -> None:
    """Observers run before the faults: a 429 or a dropped answer is still seen (a kill test
    counts the request whatever happens to it)."""
    app = create_app(api_keys=[TARGET_KEY], limits=NO_LIMIT, faults=Faults(rate_429=1.0))
    seen: list[str] = []
    app.fault_layer.observers.append(lambda m, p, b: seen.append(p))
    with ServedApp(lambda: app) as served, httpx.Client(base_url=served.url, headers=AUTH) as http:
        assert http.get("/rest/companies").status_code == 429
    assert seen == ["/rest/companies"] and app.fault_layer.injected["429"] == 1


def test_a_restart_over_the_same_sqlite_file_keeps_the_workspace_and_the_port(tmp_path: Path) -> None:
    """Down: connections refused. Up again: the same port, the same records and custom data model
    (SQLite), and an in-flight request of the old process lost its connection."""
    db, workspace_id = str(tmp_path / "target.sqlite"), str(uuid.uuid4())
    apps = []

    def make() -> object:
        app = create_app(api_keys=[TARGET_KEY], limits=NO_LIMIT, workspace_id=workspace_id, db_path=db,
                         faults=Faults(latency_min=0.5, latency_max=0.5) if not apps else None)
        apps.append(app)
        return app

    with ServedApp(make) as served, httpx.Client(base_url=served.url, headers=AUTH, timeout=5) as http:
        url = served.url
        apps[0].fault_layer.configure(Faults())
        company = http.post("/rest/companies", json={"name": "Kept Ltd"}).json()["data"]["createCompany"]
        apps[0].fault_layer.configure(Faults(latency_min=0.5, latency_max=0.5))
        outcome: list[object] = []
        slow = threading.Thread(target=lambda: outcome.append(_try(http, "/rest/companies")))
        slow.start()
        time.sleep(0.1)  # the slow request is inside the server
        served.stop(abrupt=True)
        slow.join(timeout=10)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/healthz", timeout=2)
        served.start()
        again = http.get(f"/rest/companies/{company['id']}")
    assert isinstance(outcome[0], httpx.TransportError), f"the in-flight request got {outcome[0]!r}"
    assert served.url == url and len(apps) == 2
    assert again.status_code == 200 and again.json()["data"]["company"]["name"] == "Kept Ltd"


def _try(http: httpx.Client, path: str) -> object:
    try:
        return http.get(path)
    except httpx.TransportError as exc:
        return exc


@pytest.mark.parametrize(("method", "path", "body", "phase"), [
    ("POST", "/metadata", b'{"query": "mutation CreateObject($input: CreateOneObjectInput!) {"}', "schema"),
    ("POST", "/metadata", b'{"query": "mutation CreateField($input: CreateOneFieldInput!) {"}', "schema"),
    ("POST", "/metadata", b'{"query": "query Objects($after: String) {"}', None),
    ("POST", "/metadata", b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query": "mutation Upload { uploadFilesFieldFile }"}', "attachments"),
    ("POST", "/rest/batch/people", b"[]", "records"),
    ("POST", "/rest/batch/attachments", b"[]", "attachments"),
    ("GET", "/rest/people", b"", None),
    ("PATCH", "/rest/projects/3f1c0b6e-0000-4000-8000-000000000000", b"{}", "second-pass"),
    ("POST", "/rest/metadata/views", b"{}", "config"),
    ("PATCH", "/rest/workflowVersions/3f1c0b6e-0000-4000-8000-000000000000", b"{}", "config"),
    ("POST", "/metadata", b'{"query": "mutation R($input: CreateRoleInput!) {"}', "config"),
    ("DELETE", "/rest/people", b"", "soft-delete"),
])
def test_requests_are_told_apart_by_phase(method: str, path: str, body: bytes, phase: str | None) -> None:
    assert phase_of(method, path, body) == phase
