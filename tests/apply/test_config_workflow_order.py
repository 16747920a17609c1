"""Properties of how a workflow's version history is rebuilt (config_workflows.py, config_plan.py).

`source_order` puts the versions in the order they were made, the draft last. `wanted_status`
says what each version must reach itself, `final_status` what it ends as once the later ones are
published. Played through a model of Twenty's rules (`workflow-trigger.workspace-service.ts`
`performActivationSteps`: activating archives the previous last-published version;
`deactivateWorkflowVersion`: ACTIVE -> DEACTIVATED; a version is created as a DRAFT), the rebuild
must end with every version in its `final_status`, which is the source's status except where
Twenty cannot hold it, and nothing ACTIVE that was not ACTIVE in the source.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from migrate.apply.config_workflows import final_status, wanted_status
from migrate.plan.config_plan import source_order

PUBLISHED = st.sampled_from(["ARCHIVED", "ACTIVE", "DEACTIVATED"])


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A workflow's versions as a snapshot holds them: any published statuses, at most one draft,
    creation dates (some equal, some missing), names v1..vn, in a shuffled order."""
    statuses = draw(st.lists(PUBLISHED, max_size=6)) + (["DRAFT"] if draw(st.booleans()) else [])
    versions = [{"id": f"id-{i:02d}", "name": f"v{i + 1}", "status": s,
                 "created_at": draw(st.one_of(st.none(), st.just(f"2025-01-{i + 1:02d}")))} for i, s in enumerate(statuses)]
    return draw(st.permutations(versions))


def play(rebuild: list[dict[str, Any]]) -> dict[str, str]:
    """Twenty's state machine driven as the migrator drives it; the status each version ends in."""
    status: dict[str, str] = {}
    last_published: str | None = None
    for index, version in enumerate(rebuild):
        status[version["id"]] = "DRAFT"
        wanted = wanted_status(version, rebuild[index + 1 :])
        if wanted in ("ACTIVE", "DEACTIVATED"):
            if last_published is not None:
                status[last_published] = "ARCHIVED"
            assert "ACTIVE" not in status.values(), "Cannot have more than one active workflow version"
            status[version["id"]], last_published = "ACTIVE", version["id"]
        if wanted == "DEACTIVATED":
            status[version["id"]] = "DEACTIVATED"
    return status


@given(histories())
def test_source_order_is_creation_order_with_the_draft_last(versions: list[dict[str, Any]]) -> None:
    ordered = source_order(versions)
    assert sorted(v["id"] for v in ordered) == sorted(v["id"] for v in versions)
    assert all(v["status"] != "DRAFT" for v in ordered[:-1])
    dated = [v for v in ordered if v["status"] != "DRAFT"]
    keys = [(v["created_at"] or "", int(v["name"][1:])) for v in dated]
    assert keys == sorted(keys)


@given(histories())
def test_rebuilding_ends_each_version_in_its_final_status_and_activates_nothing_new(versions: list[dict[str, Any]]) -> None:
    rebuild = source_order(versions)
    reached = play(rebuild)
    for index, version in enumerate(rebuild):
        final = final_status(version, rebuild[index + 1 :])
        assert reached[version["id"]] == final
        if version["status"] in ("DRAFT", "ARCHIVED"):
            assert final == version["status"] or (version["status"] == "ARCHIVED" and final == "DEACTIVATED"
                                                  and not any(v["status"] != "DRAFT" for v in rebuild[index + 1 :]))
    active = [v for v in rebuild if reached[v["id"]] == "ACTIVE"]
    assert len(active) <= 1 and all(v["status"] == "ACTIVE" for v in active), "never activated unless active in the source"
