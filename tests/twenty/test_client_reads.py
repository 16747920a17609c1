"""What the client reads: the server's version, the data model, records page by page (soft-deleted
ones only when asked), members, and file bytes; all over HTTP from the emulator (STYLE B6)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.errors import TwentyUnsupportedVersion
from migrate.model import ObjectMeta
from migrate.settings import ClientSettings
from tests.twenty.conftest import BASE_URL, CANARY_KEY, FakeTime, make_client

pytestmark = pytest.mark.anyio

DEMO_EMAILS = {"tim@apple.dev", "jony.ive@apple.dev", "phil.schiler@apple.dev", "jane.doe@apple.dev", "zoe.angstrom@apple.dev"}


class HeaderRecorder:
    """An ASGI layer in front of the emulator that notes the headers each request came with."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["path"], {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}))
        await self.app(scope, receive, send)


async def raw_get(app: Any, path: str, **params: Any) -> Any:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL,
                                 headers={"Authorization": f"Bearer {CANARY_KEY}"}) as raw:
        response = await raw.get(path, params=params)
        response.raise_for_status()
        return response.json()


# Version ------------------------------------------------------------------------------------------

async def test_check_version_accepts_the_emulators_version(demo_app: Emulator, fake_time: FakeTime) -> None:
    async with make_client(demo_app, fake_time) as client:
        assert await client.check_version() == "v2.40.0"


@pytest.mark.parametrize("version", ["v0.33.0", "v3.1.0"])
async def test_check_version_refuses_a_version_outside_the_range_and_states_the_range(version: str, fake_time: FakeTime) -> None:
    app = create_app(api_keys=[CANARY_KEY], app_version=version)
    async with make_client(app, fake_time) as client:
        with pytest.raises(TwentyUnsupportedVersion) as caught:
            await client.check_version()
    message = str(caught.value)
    assert message.startswith(f"{BASE_URL} runs Twenty {version}; ")
    assert "supports 1.0 up to (not including) 3.0" in message
    assert "Upgrade the server, or use a twenty-migrate release that supports it." in message


async def test_check_version_goes_on_when_the_server_does_not_say(fake_time: FakeTime, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(api_keys=[CANARY_KEY], app_version="")
    async with make_client(app, fake_time) as client:
        assert not await client.check_version()
    assert "does not report its Twenty version" in caplog.text


async def test_check_version_needs_no_key(fake_time: FakeTime) -> None:
    """`/client-config` is public: the version check works before the key is known to be good."""
    app = HeaderRecorder(create_app(api_keys=["tw-live-some-other-key"]))
    async with make_client(app, fake_time) as client:
        assert await client.check_version() == "v2.40.0"
    assert [("authorization" in headers) for _, headers in app.seen] == [False]


# Data model ---------------------------------------------------------------------------------------

@pytest.fixture
async def demo_objects(demo_app: Emulator, fake_time: FakeTime) -> dict[str, ObjectMeta]:
    async with make_client(demo_app, fake_time) as client:
        return {o.name_singular: o for o in await client.objects()}


async def test_objects_returns_every_object_past_the_default_page_of_ten(demo_app: Emulator, demo_objects: dict[str, ObjectMeta]) -> None:
    listed = await raw_get(demo_app, "/rest/metadata/objects")
    names = {o["nameSingular"] for o in listed["data"]["objects"]}
    assert len(names) > 10
    assert set(demo_objects) == names


async def test_objects_include_the_custom_objects_of_the_demo(demo_objects: dict[str, ObjectMeta]) -> None:
    for name, plural in (("project", "projects"), ("contract", "contracts"), ("invoice", "invoices")):
        obj = demo_objects[name]
        assert obj.is_custom and obj.name_plural == plural
    assert not demo_objects["company"].is_custom


async def test_every_object_comes_with_its_fields(demo_objects: dict[str, ObjectMeta]) -> None:
    for obj in demo_objects.values():
        names = {f.name for f in obj.fields}
        assert {"id", "createdAt", "updatedAt", "deletedAt"} <= names, obj.name_singular
        assert all(f.type and f.id for f in obj.fields)
    person = demo_objects["person"]
    assert person.field("name").type == "FULL_NAME"  # type: ignore[union-attr]
    assert person.field("emails").type == "EMAILS"  # type: ignore[union-attr]


@pytest.mark.parametrize("obj, field, relation, target, target_field, join_column", [
    ("person", "company", "MANY_TO_ONE", "company", "people", "companyId"),
    ("company", "people", "ONE_TO_MANY", "person", "company", None),
    ("project", "parentProject", "MANY_TO_ONE", "project", "subProjects", "parentProjectId"),
    ("project", "subProjects", "ONE_TO_MANY", "project", "parentProject", None),
    ("project", "manager", "MANY_TO_ONE", "workspaceMember", None, "managerId"),
    ("contract", "lastInvoice", "MANY_TO_ONE", "invoice", "lastInvoiceOf", "lastInvoiceId"),
    ("invoice", "contract", "MANY_TO_ONE", "contract", "invoices", "contractId"),
    ("invoice", "lastInvoiceOf", "ONE_TO_MANY", "contract", "lastInvoice", None),
])
async def test_relations_name_their_type_target_and_join_column(demo_objects: dict[str, ObjectMeta], obj: str, field: str, relation: str,
                                                                target: str, target_field: str | None, join_column: str | None) -> None:
    meta = demo_objects[obj].field(field)
    assert meta is not None
    assert (meta.relation_type, meta.target_object, meta.join_column) == (relation, target, join_column)
    if target_field is not None:
        assert meta.target_field == target_field
        inverse = demo_objects[target].field(target_field)
        assert inverse is not None and inverse.target_object == obj


async def test_objects_pages_through_a_workspace_with_many_custom_objects(fake_time: FakeTime) -> None:
    app = create_app(api_keys=[CANARY_KEY])
    standard = len(app.workspace.objects)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL,
                                 headers={"Authorization": f"Bearer {CANARY_KEY}"}) as raw:
        for i in range(15):
            response = await raw.post("/rest/metadata/objects", json={"nameSingular": f"thing{chr(97 + i)}", "namePlural": f"things{chr(97 + i)}",
                                                                        "labelSingular": f"Thing {i}", "labelPlural": f"Things {i}"})
            assert response.status_code in (200, 201), response.text
        listed = (await raw.get("/rest/metadata/objects")).json()["data"]["objects"]
    async with make_client(app, fake_time) as client:
        objects = await client.objects()
    assert len(objects) == len(listed) == standard + 15 > 10
    assert len({o.name_singular for o in objects}) == len(objects)


# Records ------------------------------------------------------------------------------------------

async def test_iter_pages_pages_at_the_page_size_and_visits_every_record_once(demo_app: Emulator, fake_time: FakeTime) -> None:
    app = HeaderRecorder(demo_app)
    async with make_client(app, fake_time, settings=ClientSettings(page_size=20)) as client:
        sizes, totals, ids = [], set(), []
        async for page, total in client.iter_pages("people"):
            sizes.append(len(page))
            totals.add(total)
            ids += [p["id"] for p in page]
    (total,) = totals
    assert total > 60
    assert len(ids) == len(set(ids)) == total
    assert sizes == [20] * (total // 20) + ([total % 20] if total % 20 else [])
    assert len(app.seen) == len(sizes)


async def test_iter_pages_reports_zero_for_an_empty_object(empty_app: Emulator, fake_time: FakeTime) -> None:
    async with make_client(empty_app, fake_time) as client:
        pages = [(page, total) async for page, total in client.iter_pages("companies")]
    assert pages == [([], 0)]


async def test_soft_deleted_records_come_only_with_the_deleted_filter(demo_app: Emulator, fake_time: FakeTime) -> None:
    """Twenty hides soft-deleted records unless the filter asks for them (`deletedAt[is]:NOT_NULL`)."""
    found = 0
    async with make_client(demo_app, fake_time, settings=ClientSettings(page_size=50)) as client:
        for plural in ("people", "companies", "opportunities", "notes", "tasks"):
            live = [r async for page, _ in client.iter_pages(plural) for r in page]
            deleted = []
            async for page, total in client.iter_pages(plural, filter="deletedAt[is]:NOT_NULL"):
                deleted += page
                assert total == len(page)
            assert all(r["deletedAt"] is None for r in live)
            assert all(r["deletedAt"] for r in deleted)
            assert not {r["id"] for r in live} & {r["id"] for r in deleted}
            found += len(deleted)
    assert found, "the demo workspace soft-deletes about 2 % of its records"


async def test_members_give_their_emails(demo_app: Emulator, fake_time: FakeTime) -> None:
    async with make_client(demo_app, fake_time) as client:
        members = await client.members()
    assert {m.email for m in members} == DEMO_EMAILS
    zoe = next(m for m in members if m.email == "zoe.angstrom@apple.dev")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Ångström")
    assert all(m.id and m.user_id for m in members)


async def test_download_returns_an_attachments_bytes_without_the_api_key(demo_app: Emulator, fake_time: FakeTime) -> None:
    app = HeaderRecorder(demo_app)
    async with make_client(app, fake_time) as client:
        attachments = [a async for page, _ in client.iter_pages("attachments") for a in page]
        files = [item for a in attachments for item in (a.get("file") or [])]
        assert files, "the demo has attachments with files"
        png = next(f for f in files if f["label"].endswith(".png"))
        data = await client.download(png["url"])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    api_calls = [headers for path, headers in app.seen if path.startswith("/rest/")]
    downloads = [headers for path, headers in app.seen if path.startswith("/file/")]
    assert api_calls and all(h["authorization"] == f"Bearer {CANARY_KEY}" for h in api_calls)
    assert len(downloads) == 1 and "authorization" not in downloads[0]
