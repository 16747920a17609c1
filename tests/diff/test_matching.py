"""Matching without a journal (`migrate.diff.matching`): new ids are recovered through the keys.

Snapshots are written with the product's own `SnapshotWriter`: a `company` (domain unique, as
Twenty's standard company; packages/twenty-server/src/modules/company/standard-objects/
company.workspace-entity.ts marks `domainName` `isUnique`) and a `person` (primary e-mail unique,
person.workspace-entity.ts) pointing at its company. The target holds the same records under
shuffled new ids, as the UI's import leaves them.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.diff.matching import load_match_keys, match_snapshots
from migrate.errors import InputError
from migrate.model import FieldMeta, Member, ObjectMeta
from migrate.snapshot.tables import FORMAT_VERSION
from migrate.snapshot.writer import SnapshotWriter

DELETED = FieldMeta("deletedAt", "DATE_TIME")
COMPANY = ObjectMeta("company", "companies", (FieldMeta("id", "UUID"), FieldMeta("name", "TEXT"),
                                              FieldMeta("domainName", "LINKS", is_unique=True), DELETED))
PERSON = ObjectMeta("person", "people", (
    FieldMeta("id", "UUID"), FieldMeta("name", "FULL_NAME"), FieldMeta("emails", "EMAILS", is_unique=True), DELETED,
    FieldMeta("company", "RELATION", relation_type="MANY_TO_ONE", target_object="company", target_field="people", join_column="companyId"),
    FieldMeta("owner", "RELATION", relation_type="MANY_TO_ONE", target_object="workspaceMember", join_column="ownerId")))
MEMBERS = [Member(str(uuid.UUID(int=n + 1)), f"m{n}@example.com", "M", str(n)) for n in range(3)]


def write(path: Path, companies: list[dict[str, Any]], people: list[dict[str, Any]], members: list[Member] = MEMBERS) -> Path:
    with SnapshotWriter(path) as writer:
        writer.write_schema([COMPANY, PERSON], {"company", "person"})
        writer.write_members(members)
        for obj, records in ((COMPANY, companies), (PERSON, people)):
            sink = writer.sink(obj)
            sink.add(records)
        writer.finish({"format_version": FORMAT_VERSION, "origin": "api", "url": None, "taken_at": "2026-11-29 00:00:00",
                       "tool_version": "test", "twenty_version": None, "source_files": None})
    return path


def company(cid: str, name: str | None, domain: str | None) -> dict[str, Any]:
    return {"id": cid, "name": name, "domainName": {"primaryLinkUrl": domain, "primaryLinkLabel": "", "secondaryLinks": []}, "deletedAt": None}


def person(pid: str, first: str, email: str | None, company_id: str | None, owner: str | None = None) -> dict[str, Any]:
    return {"id": pid, "name": {"firstName": first, "lastName": "X"}, "emails": {"primaryEmail": email, "additionalEmails": []},
            "companyId": company_id, "ownerId": owner, "deletedAt": None}


def id_rows(path: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {(o, s): t for o, s, t in con.execute("SELECT object, source_id, target_id FROM id_map").fetchall()}


def new_id() -> str:
    return str(uuid.uuid4())


names = st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=6), min_size=1, max_size=8, unique=True)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(domains=names, data=st.data())
def test_shuffled_ids_are_recovered_through_the_unique_key(tmp_path_factory: pytest.TempPathFactory, domains: list[str], data: st.DataObject) -> None:
    """Every company gets a new id in a shuffled order; its domain (unique, compared without scheme,
    case or trailing slash) finds it again, and the id map holds exactly the new ids."""
    folder = tmp_path_factory.mktemp("shuffle")
    source_ids = [new_id() for _ in domains]
    mapping = {s: new_id() for s in source_ids}
    order = data.draw(st.permutations(list(range(len(domains)))))
    source = [company(source_ids[n], f"c{n}", f"{d}.com") for n, d in enumerate(domains)]
    target = [company(mapping[source_ids[n]], f"c{n}", f"HTTPS://{d.upper()}.com/") for n, d in ((n, domains[n]) for n in order)]
    result = match_snapshots(write(folder / "s.duckdb", source, []), write(folder / "t.duckdb", target, []), folder / "m.duckdb")
    found = result.objects["company"]
    assert found.by == {"id": 0, "unique domainName": len(domains)}
    assert (found.ambiguous, found.unmatched_source, found.unmatched_target) == (0, 0, 0)
    assert id_rows(folder / "m.duckdb") == {("company", s): t for s, t in mapping.items()}


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(domains=names, twin=st.integers(min_value=0), side=st.sampled_from(["source", "target"]))
def test_a_duplicated_key_is_ambiguous_never_guessed(tmp_path_factory: pytest.TempPathFactory, domains: list[str], twin: int, side: str) -> None:
    """A key held twice on either side (a file imported twice, a duplicate in the source) makes the
    records involved ambiguous, with their candidates; the others still match one to one."""
    folder = tmp_path_factory.mktemp("twins")
    source_ids = [new_id() for _ in domains]
    mapping = {s: new_id() for s in source_ids}
    source = [company(s, f"c{n}", f"{d}.com") for n, (s, d) in enumerate(zip(source_ids, domains, strict=True))]
    target = [company(mapping[s], f"c{n}", f"{d}.com") for n, (s, d) in enumerate(zip(source_ids, domains, strict=True))]
    chosen = twin % len(domains)
    extra = company(new_id(), "twin", f"{domains[chosen]}.com")
    (source if side == "source" else target).append(extra)
    result = match_snapshots(write(folder / "s.duckdb", source, []), write(folder / "t.duckdb", target, []), folder / "m.duckdb")
    found = result.objects["company"]
    ambiguous = {s["source_id"]: s["candidates"] for s in found.samples if s["problem"] == "ambiguous"}
    if side == "target":
        assert ambiguous == {source_ids[chosen]: sorted([mapping[source_ids[chosen]], extra["id"]])}
    else:
        assert ambiguous == {source_ids[chosen]: [mapping[source_ids[chosen]]], extra["id"]: [mapping[source_ids[chosen]]]}
    assert found.ambiguous == len(ambiguous)
    assert found.by["unique domainName"] == len(domains) - 1
    assert ("company", source_ids[chosen]) not in id_rows(folder / "m.duckdb")


def test_ids_that_agree_match_by_id_and_the_rest_by_keys(tmp_path: Path) -> None:
    """Records whose ids agree match by id (no row written: the Differ keys them by their own id); a
    company without a domain falls to the config key; a person without e-mail matches by name and
    company through the company matched before it; members match by e-mail across new ids."""
    kept, moved, bare = new_id(), new_id(), new_id()
    new_moved, new_bare = new_id(), new_id()
    p1, p2 = new_id(), new_id()
    target_members = [Member(str(uuid.UUID(int=n + 100)), m.email.upper(), m.first_name, m.last_name) for n, m in enumerate(MEMBERS)]
    source = write(tmp_path / "s.duckdb", [company(kept, "Kept", "kept.com"), company(moved, "Moved", "moved.com"), company(bare, "Bare", None)],
                   [person(p1, "Ann", "ann@x.com", bare, MEMBERS[0].id), person(p2, "Bob", None, bare, MEMBERS[1].id)])
    new_p1, new_p2 = new_id(), new_id()
    target = write(tmp_path / "t.duckdb", [company(kept, "Kept", "kept.com"), company(new_moved, "Moved", "moved.com"), company(new_bare, "Bare", None)],
                   [person(new_p1, "Ann", "ANN@x.com", new_bare, target_members[0].id), person(new_p2, "Bob", None, new_bare, target_members[1].id)],
                   target_members)
    result = match_snapshots(source, target, tmp_path / "m.duckdb", {"company": ["name"], "person": ["name", "company", "owner"]})
    assert result.objects["company"].by == {"id": 1, "unique domainName": 1, "key name": 1}
    assert result.objects["company"].method == "id (1), unique domainName (1), key name (1)"
    assert result.objects["person"].by == {"id": 0, "unique emails": 1, "key name, company, owner": 1}
    assert id_rows(tmp_path / "m.duckdb") == {("company", moved): new_moved, ("company", bare): new_bare,
                                              ("person", p1): new_p1, ("person", p2): new_p2}
    assert result.members.matched == 3 and not result.members.unmatched
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        members = dict(con.execute("SELECT source_id, target_id FROM member_map").fetchall())
    assert members == {m.id: t.id for m, t in zip(MEMBERS, target_members, strict=True)}


def test_unmatched_records_are_named(tmp_path: Path) -> None:
    """A source record no key finds is named with the keys tried; a target record nobody claims is counted."""
    lost = new_id()
    source = write(tmp_path / "s.duckdb", [company(lost, "Lost", "lost.com")], [])
    target = write(tmp_path / "t.duckdb", [company(new_id(), "Other", "other.com")], [])
    found = match_snapshots(source, target, tmp_path / "m.duckdb", {"company": ["name"]}).objects["company"]
    assert (found.unmatched_source, found.unmatched_target, found.matched) == (1, 1, 0)
    assert found.samples == [{"problem": "unmatched", "source_id": lost, "key": "no target record by id or unique domainName or key name",
                              "candidates": []}]


def test_a_key_naming_no_field_says_which_fields_exist(tmp_path: Path) -> None:
    source = write(tmp_path / "s.duckdb", [], [])
    with pytest.raises(InputError, match=r"\[match\] company: 'nmae' is not a stored field of company; fields: .*domainName"):
        match_snapshots(source, source, tmp_path / "m.duckdb", {"company": ["nmae"]})
    with pytest.raises(InputError, match=r"\[match\] opportunity must be a list of field names"):
        load_match_keys({"match": {"opportunity": 3}})
