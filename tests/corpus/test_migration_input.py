"""Bad input that reaches a target: each class goes `snapshot --csv-dir` → `plan` → `apply` against
an emulated target on 127.0.0.1, and ends with every source row counted: created, matched to a
record the target already had, or refused into rejects.csv with the server's reason.

The same kinds of input on an API snapshot of the demo workspace are in
`tests/apply/test_bad_input.py` (matched twins, a stale select value, a field of another type,
a missing member); here they come from CSV files and are judged by what the command prints
and its exit code (README, "Exit codes": 0 done, 1 records rejected or plan blocked).
"""

from __future__ import annotations

import asyncio
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migrate.emulator.app import Emulator
from migrate.errors import SnapshotError
from migrate.snapshot.reader import Snapshot
from migrate.twenty.codecs.normalize import normalize_email
from tests.corpus.conftest import CORPUS, Run, cli, data_rows, rows_of
from tests.plan.workspaces import TARGET_KEY, call, create_field

ENV = {"TWENTY_TARGET_API_KEY": TARGET_KEY}


@dataclass
class Migration:
    snapshot: Run
    plan: Run
    apply: Run | None
    workdir: Path
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def rejects(self) -> list[dict[str, str]]:
        path = self.workdir / "rejects.csv"
        return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines())) if path.exists() else []


def migrate(folder: Path, schema: Path, url: str, workdir: Path, *plan_args: str, apply: bool = True) -> Migration:
    """The three commands a person runs, each checked to have said something."""
    source = workdir / "source.duckdb"
    snapshot = cli("snapshot", "--csv-dir", str(folder), "--schema", str(schema), "--out", str(source), "--quiet", "--json")
    assert snapshot.code == 0, snapshot.output
    plan = cli("plan", "--source", str(source), "--target", url, "--out", str(workdir / "plan.json"), "--quiet", "--rate", "1000000",
               *plan_args, env=ENV)
    migration = Migration(snapshot, plan, None, workdir)
    if apply and plan.code == 0:
        migration.apply = cli("apply", str(workdir / "plan.json"), "--state", str(workdir / "state.duckdb"), "--rejects",
                              str(workdir / "rejects.csv"), "--quiet", "--json", "--rate", "1000000", env=ENV)
        migration.counts = migration.apply.json()
    return migration


def assert_nothing_lost(folder: Path, migration: Migration) -> None:
    """Every row of every file is created, matched or rejected, and each reject says why."""
    rejects = migration.rejects()
    for path in folder.glob("*.csv"):
        tally = migration.counts[path.stem]
        assert tally["created"] + tally["matched"] + tally["rejected"] == data_rows(path), (path.name, tally)
        assert sum(r["object"] == path.stem for r in rejects) == tally["rejected"]
    assert all(r["message"] and r["hint"] for r in rejects)


def case(name: str) -> Path:
    return CORPUS / name


def test_formula_cells_arrive_as_the_same_text(schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """`=HYPERLINK(...)`, `+33…`, `@SUM…` are data: the export's U+200D guard is removed (csv.md
    §1.6), the rest is copied to the letter; nothing is evaluated, refused or dropped."""
    emulator, url = target
    folder = case("formula-cells")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert (m.plan.code, m.apply.code if m.apply else None) == (0, 0), m.plan.output + (m.apply.output if m.apply else "")
    assert_nothing_lost(folder, m)
    assert sorted(r["name"] for r in rows_of(emulator, "company")) == sorted([
        '=HYPERLINK("http://evil.test/?x=1","click me")', '=HYPERLINK("http://evil.test","guarded by Twenty")', "+33 1 23 45 67 89",
        "@SUM(A1:A9)"])


def test_unicode_e_mails_arrive_as_the_same_mailboxes(schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """Internationalised addresses (RFC 6531) in primary and additional e-mails: the snapshot keeps
    them to the letter; the target stores Twenty's normal form (lower case, punycode domain:
    `data-arg-processor`, api.md §14.6), the same mailbox, which the audit compares through the same rule."""
    emulator, url = target
    folder = case("unicode-email")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.apply is not None and m.apply.code == 0, m.plan.output + m.apply.output if m.apply else m.plan.output
    assert_nothing_lost(folder, m)
    with duckdb.connect(str(tmp_path / "source.duckdb"), read_only=True) as con:
        source = con.execute('SELECT "emails_primaryEmail", "emails_additionalEmails" FROM records.person ORDER BY id').fetchall()
    assert source == [("zoë.ångström@exämple.se", ["ζωή@παράδειγμα.ελ"]), ("jöran@xn--exmple-cua.se", None)]
    stored = sorted((r["emails"]["primaryEmail"], tuple(r["emails"].get("additionalEmails") or ())) for r in rows_of(emulator, "person"))
    assert stored == sorted((normalize_email(p), tuple(normalize_email(a) for a in extra or ())) for p, extra in source)
    assert stored[1] == ("zoë.ångström@xn--exmple-cua.se", ("ζωή@xn--hxajbheg2az3al.xn--qxam",))


def test_oversized_text_arrives_whole(schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """A 300 000-character note in a text cell (Python's csv stops at 128 KiB by default; Twenty's
    TEXT is Postgres `text`, unbounded): read and written whole. Generated here, not stored."""
    emulator, url = target
    folder = tmp_path / "oversized-text"
    folder.mkdir()
    long_text = "Ä" + "lorem ipsum, \"dolor\"\n" * 15_000
    rows = [["Id", "Name", "Domain / Link URL"], ["00000000-0000-4000-8000-0000000000c1", long_text, "https://acme.test"],
            ["00000000-0000-4000-8000-0000000000c2", "Globex", "https://globex.test"]]
    with (folder / "company.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    work = tmp_path / "work"
    work.mkdir()
    m = migrate(folder, schema_for(case("formula-cells")), url, work)
    assert m.apply is not None and m.apply.code == 0, m.plan.output
    assert_nothing_lost(folder, m)
    assert sorted(len(r["name"]) for r in rows_of(emulator, "company")) == [6, len(long_text)] and len(long_text) > 300_000


def test_a_dangling_reference_is_announced_by_the_plan_and_rejected_with_the_reason(schema_for: Any, target: tuple[Emulator, str],
                                                                                     tmp_path: Path) -> None:
    """person.csv names a company that company.csv lacks: the plan warns (count, ids, what to do),
    apply refuses only that person (exit 1, rejects.csv says which company is missing), the rest arrives."""
    emulator, url = target
    folder = case("dangling-reference")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.plan.code == 0, m.plan.output
    assert ("1 person records point through company at company records that are not in the source snapshot "
            "(e.g. 00000000-0000-4000-8000-0000000000a2)") in m.plan.text
    assert "Add those company records to the source (export them too), or clear the cells" in m.plan.text
    assert m.apply is not None and m.apply.code == 1
    assert "1 records were refused by the target; they are in" in m.apply.text and "Fix them and run `twenty-migrate apply` again" in m.apply.text
    assert_nothing_lost(folder, m)
    [reject] = m.rejects()
    assert (reject["object"], reject["source_id"]) == ("person", "00000000-0000-4000-8000-0000000000a2")
    assert "00000000-0000-4000-8000-0000000000c9" in reject["message"] and "not in the target" in reject["hint"]
    assert len(rows_of(emulator, "person")) == 2
    # a CSV snapshot holds only the exported objects: the plan lists only those (apply once read a missing table)
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["order"] == ["company", "person"]
    with Snapshot(tmp_path / "source.duckdb") as snap:
        note = next(o for o in snap.objects() if o.name_singular == "note")
        with pytest.raises(SnapshotError, match="holds no note records .*origin csv"):
            next(snap.records(note))


def test_an_amount_without_currency_is_copied_as_is_and_announced(schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """"1500" with an empty currency cell: the plan says which records, apply copies the amount
    with no code (as the source holds it); an empty amount exported as 0 (csv.md §8.2) is not flagged."""
    emulator, url = target
    folder = case("currency-without-code")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.plan.code == 0 and m.apply is not None and m.apply.code == 0, m.plan.output
    assert ("1 company records have a annualRecurringRevenue amount without a currency code (e.g. 00000000-0000-4000-8000-0000000000c2); "
            "they are copied without one") in m.plan.text
    assert_nothing_lost(folder, m)
    amounts = {r["id"][-2:]: r["annualRecurringRevenue"] for r in rows_of(emulator, "company")}
    assert amounts["c2"]["amountMicros"] == 1_500_000_000 and not amounts["c2"]["currencyCode"]


def test_a_member_without_e_mail_blocks_the_plan_until_mapped_by_id(schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """No e-mail means no match and no invitation: the plan blocks (exit 1) saying to map the
    member's id in members.toml; with that file the records go to the member named there."""
    emulator, url = target
    folder = case("member-without-email")
    ghost = "00000000-0000-4000-8000-0000000000d1"
    blocked = migrate(folder, schema_for(folder), url, tmp_path)
    assert blocked.plan.code == 1
    assert (f"2 company records have accountOwner = member (no e-mail) ({ghost}), who is not in the target "
            f"(e.g. 00000000-0000-4000-8000-0000000000c1, 00000000-0000-4000-8000-0000000000c2): map \"{ghost}\" = \"<target e-mail>\" "
            "in members.toml (it has no e-mail to match), or pass --fallback-owner EMAIL.") in blocked.plan.text
    assert "apply will refuse it" in blocked.plan.text and rows_of(emulator, "company") == []
    fallback = cli("plan", "--source", str(tmp_path / "source.duckdb"), "--target", url, "--out", str(tmp_path / "p2.json"),
                   "--fallback-owner", "tim@apple.dev", "--quiet", env=ENV)
    assert fallback.code == 0 and f"Member {ghost} has no e-mail in the source, so it cannot be matched by e-mail" in fallback.text
    work = tmp_path / "mapped"
    work.mkdir()
    mapped = migrate(folder, schema_for(folder), url, work, "--members", str(folder / "members.toml"))
    assert mapped.plan.code == 0 and mapped.apply is not None and mapped.apply.code == 0, mapped.plan.output
    assert_nothing_lost(folder, mapped)
    members = {r["id"]: r["userEmail"] for r in rows_of(emulator, "workspaceMember")}
    owners = {r["id"][-2:]: members[r["accountOwnerId"]] for r in rows_of(emulator, "company")}
    assert owners == {"c1": "jane.doe@apple.dev", "c2": "jane.doe@apple.dev", "c3": "tim@apple.dev"}


def test_two_members_with_one_e_mail_in_two_cases_map_to_one_target_member(schema_for: Any, target: tuple[Emulator, str],
                                                                          tmp_path: Path) -> None:
    """`Tim@Apple.dev` and `tim@apple.dev`: e-mails compare without case, the plan says both map
    to one target member, and both members' records arrive owned by that member."""
    emulator, url = target
    folder = case("members-one-email-two-cases")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.plan.code == 0 and m.apply is not None and m.apply.code == 0, m.plan.output
    assert "2 source members share the e-mail tim@apple.dev (Tim@Apple.dev, tim@apple.dev); they map to one target member." in m.plan.text
    assert_nothing_lost(folder, m)
    members = {r["id"]: r["userEmail"] for r in rows_of(emulator, "workspaceMember")}
    assert {members[r["accountOwnerId"]] for r in rows_of(emulator, "company")} == {"tim@apple.dev"}


def test_records_the_target_already_holds_are_matched_not_twinned(schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """The target enforces unique e-mails (any case) and domains: Marie and Acme are matched to
    the records already there, counted as matched, and Pierre now works at the existing Acme."""
    emulator, url = target

    async def prepare() -> tuple[str, str]:
        person = await call(emulator, "POST", "/rest/people", json={"name": {"firstName": "M.", "lastName": "Curie"},
                                                                     "emails": {"primaryEmail": "marie@acme.test"}})
        company = await call(emulator, "POST", "/rest/companies", json={"name": "ACME (existing)", "domainName": {"primaryLinkUrl": "https://acme.test"}})
        return person["data"]["createPerson"]["id"], company["data"]["createCompany"]["id"]

    existing_person, existing_company = asyncio.run(prepare())
    folder = case("unique-collision-in-target")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.apply is not None and m.apply.code == 0, m.plan.output
    assert_nothing_lost(folder, m)
    assert {n: (t["created"], t["matched"]) for n, t in m.counts.items()} == {"company": (1, 1), "person": (1, 1)}
    people = rows_of(emulator, "person")
    assert sorted(p["emails"]["primaryEmail"].lower() for p in people) == ["marie@acme.test", "pierre@acme.test"]
    pierre = next(p for p in people if p["id"].endswith("a2"))
    assert pierre["companyId"] == existing_company and existing_person in {p["id"] for p in people}


def test_a_field_of_another_type_in_the_target_is_announced_and_the_records_still_arrive(schema_for: Any, target: tuple[Emulator, str],
                                                                                        tmp_path: Path) -> None:
    """company.tier is SELECT in the source and TEXT in the target: the plan says its values are
    not written and what to do; every company arrives, tier empty."""
    emulator, url = target
    asyncio.run(create_field(emulator, "company", {"name": "tier", "label": "Tier", "type": "TEXT"}))
    folder = case("field-of-another-type-in-target")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.apply is not None and m.apply.code == 0, m.plan.output
    assert "company.tier: type SELECT in the source, TEXT in the target; values are not written" in m.plan.text
    assert "give the target's field the source's type" in m.plan.text
    assert_nothing_lost(folder, m)
    assert [r.get("tier") for r in rows_of(emulator, "company")] == [None, None, None]


def test_an_object_the_target_lacks_is_announced_with_the_records_that_stay_behind(schema_for: Any, target: tuple[Emulator, str],
                                                                                  tmp_path: Path) -> None:
    """The source has `dashboard`, a standard object the target (another Twenty version) lacks:
    the plan counts the 2 records that cannot move and says what to do; the rest arrives."""
    emulator, url = target
    folder = case("target-with-fewer-objects")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.plan.code == 0 and m.apply is not None and m.apply.code == 0, m.plan.output
    behind = data_rows(folder / "dashboard.csv")
    assert (f"dashboard: the target has no object dashboard; its records cannot be migrated: {behind} records stay behind. "
            "Activate or create dashboard in the target") in m.plan.text
    assert m.counts == {"company": {"created": 1, "matched": 0, "rejected": 0, "skipped": 0}}
    assert len(rows_of(emulator, "company")) == data_rows(folder / "company.csv")


def test_two_source_records_with_one_unique_e_mail_are_announced_before_one_is_matched_to_the_other(
        schema_for: Any, target: tuple[Emulator, str], tmp_path: Path) -> None:
    """Marie twice (e-mail in two cases): the target keeps primary e-mails unique, so apply matches
    the second to the first; the plan says so beforehand and the id map shows where she went."""
    emulator, url = target
    folder = case("unique-twins-in-source")
    m = migrate(folder, schema_for(folder), url, tmp_path)
    assert m.apply is not None and m.apply.code == 0, m.plan.output
    assert ("2 person records share a emails.primaryEmail with another (e.g. marie@acme.test: 00000000-0000-4000-8000-0000000000a1, "
            "00000000-0000-4000-8000-0000000000a2); the target keeps it unique, so each later record is matched to the first") in m.plan.text
    assert_nothing_lost(folder, m)
    assert m.counts["person"] == {"created": 2, "matched": 1, "rejected": 0, "skipped": 0}
    ids = cli("id-map", "--state", str(tmp_path / "state.duckdb"), "--out", str(tmp_path / "ids.csv"))
    assert ids.code == 0, ids.output
    rows = {r["source_id"][-2:]: (r["target_id"][-2:], r["status"]) for r in csv.DictReader((tmp_path / "ids.csv").read_text(encoding="utf-8").splitlines())}
    assert rows == {"a1": ("a1", "created"), "a2": ("a1", "matched"), "a3": ("a3", "created")}
    assert len(rows_of(emulator, "person")) == 2
