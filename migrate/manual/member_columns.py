"""Member columns: beside each column holding a source workspace-member id, the member's e-mail.

Member ids differ between workspaces; Twenty's import connects a member relation by the member's
unique `userEmail` (`packages/twenty-server/src/modules/workspace-member/standard-objects/
workspace-member.workspace-entity.ts`: `@WorkspaceIsUnique() userEmail`, label "User Email"),
offered in column matching as `<relation label> / User Email`
(`packages/twenty-shared/src/utils/spreadsheet-import/getSpreadsheetImportRelationConnectSubFieldLabel.ts`,
`buildSpreadsheetImportFields.ts`). The added column carries exactly that header, so the import's
matcher (Fuse.js over field labels, `getMatchedColumnsWithFuse.ts`) finds it with a perfect score;
the guide's `accountOwnerEmail` would have to be mapped by hand.

Every header form of every era is recognised (`csv_format.header_targets`: `Account Owner Id`,
`Account Owner / Id`, `accountOwnerId`, ...). Nothing else in a row changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from migrate.manual.cells import guard
from migrate.manual.changes import Change
from migrate.model import Member, ObjectMeta
from migrate.snapshot.csv_format import fold_header, header_targets

MEMBER_OBJECT = "workspaceMember"
USER_EMAIL_LABEL = "User Email"


@dataclass(frozen=True, slots=True)
class MemberColumn:
    """A column of member ids (`index` in the export's header) and the e-mail header to add after it."""

    index: int
    header: str
    field: str
    label: str
    email_header: str


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A member id no e-mail could be found for, and where it is."""

    file: str
    row: int
    column: str
    member_id: str


@dataclass(frozen=True, slots=True)
class MemberDirectory:
    """Source member id -> (e-mail to write, why that one); `fallback` for ids it lacks."""

    emails: Mapping[str, tuple[str, str]]
    fallback: str | None = None

    def lookup(self, member_id: str) -> tuple[str, str] | None:
        found = self.emails.get(member_id.strip().lower())
        if found is not None:
            return found
        if self.fallback:
            return self.fallback, f"member {member_id} has no e-mail to map; --fallback-owner"
        return None


def member_directory(members: Iterable[Member], overrides: Mapping[str, str] | None = None,
                     fallback: str | None = None) -> MemberDirectory:
    """Each source member's e-mail, or the one `members.toml` gives for it (source e-mail -> target e-mail)."""
    wanted = {k.strip().lower(): v.strip() for k, v in (overrides or {}).items()}
    emails: dict[str, tuple[str, str]] = {}
    for member in members:
        email = (member.email or "").strip()
        if not email:
            continue
        if email.lower() in wanted:
            emails[member.id.lower()] = (wanted[email.lower()], f"member e-mail {email} mapped by members.toml")
        else:
            emails[member.id.lower()] = (email, "member e-mail")
    return MemberDirectory(emails, fallback.strip() if fallback else None)


def find_member_columns(obj: ObjectMeta, header: list[str], user_email_label: str = USER_EMAIL_LABEL) -> list[MemberColumn]:
    """The columns of `header` holding ids of workspace members, in any era's header form."""
    known, _ = header_targets(obj)
    found = []
    for index, cell in enumerate(header):
        target = known.get(fold_header(cell))
        if target is None or not target.join or target.field.target_object != MEMBER_OBJECT:
            continue
        label = target.field.label or target.field.name
        found.append(MemberColumn(index, cell.lstrip("\ufeff"), target.field.name, label, f"{label} / {user_email_label}"))
    return found


class MemberRewriter:
    """Adds the e-mail cells to one file's rows, one row at a time (a file may not fit in memory)."""

    def __init__(self, file: str, header: list[str], columns: list[MemberColumn], directory: MemberDirectory) -> None:
        self.file = file
        self.after = {c.index: c for c in columns}
        self.directory = directory
        self.header: list[str] = []
        for index, cell in enumerate(header):
            self.header.append(cell)
            if index in self.after:
                self.header.append(self.after[index].email_header)
        self.header_changes = [Change(file, 0, c.email_header, "", c.email_header,
                                      f"column added after '{c.header}' for the member's e-mail") for c in columns]

    def rewrite(self, number: int, row: list[str]) -> tuple[list[str], list[Change], list[Unmapped]]:
        """Row `number` (1 = first under the header) with its e-mail cells, and what was done."""
        new_row: list[str] = []
        changes: list[Change] = []
        unmapped: list[Unmapped] = []
        for index, cell in enumerate(row):
            new_row.append(cell)
            column = self.after.get(index)
            if column is None:
                continue
            member_id = cell.strip()
            email = ""
            if member_id:
                found = self.directory.lookup(member_id)
                if found is None:
                    unmapped.append(Unmapped(self.file, number, column.header, member_id))
                else:
                    email = guard(found[0])
                    changes.append(Change(self.file, number, column.email_header, member_id, found[0], found[1]))
            new_row.append(email)
        return new_row, changes, unmapped


def add_member_emails(file: str, header: list[str], rows: Iterable[list[str]], columns: list[MemberColumn],
                      directory: MemberDirectory) -> tuple[list[str], list[list[str]], list[Change], list[Unmapped]]:
    """The header and rows with an e-mail column after each member column; the changes made, and
    the ids left unmapped (their e-mail cell stays empty)."""
    rewriter = MemberRewriter(file, header, columns, directory)
    changes = list(rewriter.header_changes)
    unmapped: list[Unmapped] = []
    out_rows: list[list[str]] = []
    for number, row in enumerate(rows, start=1):
        new_row, added, missing = rewriter.rewrite(number, row)
        out_rows.append(new_row)
        changes += added
        unmapped += missing
    return rewriter.header, out_rows, changes, unmapped
