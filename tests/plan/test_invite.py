"""`plan --invite-missing`: invitations go out with a user session, and an API key gets a plan
warning that says what to do (`workspace-invitation.resolver.ts` sits behind `UserAuthGuard`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.auth import ApiKey
from migrate.emulator.seed import DEMO_MEMBERS, SeedSpec, seed_workspace
from migrate.plan.invite import invite_missing
from migrate.plan.plan import build_plan
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.twenty.client import TwentyClient
from tests.plan.conftest import Source
from tests.plan.workspaces import MISSING_MEMBER

pytestmark = pytest.mark.anyio
FAST = ClientSettings(requests_per_minute=1e9)


def _target() -> object:
    app = create_app(api_keys=["api-key", ApiKey("user-token", name="Tim Apple", user_session=True)])
    seed_workspace(app.workspace, SeedSpec(records=0, members=DEMO_MEMBERS[:-1], with_custom_objects=False))
    return app


async def _plan(app: object, snapshot: Path) -> object:
    async with TwentyClient(Endpoint("http://t.test", Secret("api-key")), FAST, transport=httpx.ASGITransport(app=app)) as client:
        return build_plan(snapshot, await client.objects(), await client.members(), target_url="http://t.test")


async def test_a_user_session_invites_the_missing_member(demo_source: Source) -> None:
    app = _target()
    plan = await _plan(app, demo_source.snapshot)
    async with TwentyClient(Endpoint("http://t.test", Secret("user-token")), FAST, transport=httpx.ASGITransport(app=app)) as client:
        sent = await invite_missing(plan, client, user_session=True)
    assert sent == [MISSING_MEMBER]
    assert [i["email"] for i in app.state.invitations] == [MISSING_MEMBER]
    assert any("Invited" in w and "run `twenty-migrate plan` again" in w for w in plan.warnings)
    assert plan.blocking, "records of an invited member stay blocking until they accept"


async def test_an_api_key_cannot_invite_and_the_plan_says_what_to_do(demo_source: Source) -> None:
    app = _target()
    plan = await _plan(app, demo_source.snapshot)
    async with TwentyClient(Endpoint("http://t.test", Secret("api-key")), FAST, transport=httpx.ASGITransport(app=app)) as client:
        sent = await invite_missing(plan, client, user_session=False)
    assert sent == [] and app.state.invitations == []
    warning = next(w for w in plan.warnings if w.startswith("Could not invite"))
    assert "Settings > Members" in warning and "TWENTY_TARGET_USER_TOKEN" in warning and MISSING_MEMBER in warning
