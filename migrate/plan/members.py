"""Workspace members: mapped by e-mail (case-insensitive), an override file, a fallback owner.

Member ids differ between workspaces; every member reference (account owner, assignee, owner,
`createdBy.workspaceMemberId`, custom relations to `workspaceMember`) is rewritten through this
map (api.md §6.3). A member the map cannot place is listed with the records that point at it,
never silently nulled.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from migrate.errors import ConfigError, InputError
from migrate.model import Member

Via = Literal["email", "override", "fallback", "unmapped"]


@dataclass(frozen=True, slots=True)
class MemberMatch:
    """Where one source member goes: the target member's id, and how it was found."""

    source_id: str
    email: str | None
    target_id: str | None
    target_email: str | None
    via: Via


def load_overrides(path: Path) -> dict[str, str]:
    """`members.toml`: a `[members]` table of `"source e-mail" = "target e-mail"`; a source member
    without an e-mail is named by its id (`"<member id>" = "target e-mail"`)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} does not exist.", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid TOML ({exc}); write it as [members] followed by \"old@x.com\" = \"new@y.com\" lines.",
                         path=str(path)) from None
    table = data.get("members")
    if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
        raise InputError(f"{path} needs a [members] table of \"source e-mail\" = \"target e-mail\" strings.", path=str(path))
    return {k.strip().lower(): v.strip().lower() for k, v in table.items()}


def map_members(source: Iterable[Member], target: Iterable[Member], *, overrides: Mapping[str, str] | None = None,
                fallback_email: str | None = None) -> list[MemberMatch]:
    """Place every source member in the target: override, then same e-mail, then the fallback."""
    by_email: dict[str, Member] = {}
    for member in target:
        if member.email:
            by_email.setdefault(member.email.strip().lower(), member)
    fallback = None
    if fallback_email:
        fallback = by_email.get(fallback_email.strip().lower())
        if fallback is None:
            raise ConfigError(f"--fallback-owner {fallback_email} is not a member of the target workspace; "
                              f"invite them first or choose one of: {', '.join(sorted(by_email)) or '(no members)'}.")
    overrides = {k.lower(): v.lower() for k, v in (overrides or {}).items()}
    for wanted in overrides.values():
        if wanted not in by_email:
            raise ConfigError(f"members.toml maps to {wanted}, who is not a member of the target workspace.")
    matches = []
    for member in sorted(source, key=lambda m: (m.email or "", m.id)):
        email = (member.email or "").strip().lower() or None
        if email and email in overrides:
            found, via = by_email[overrides[email]], "override"
        elif member.id.lower() in overrides:  # a member without an e-mail is mapped by id
            found, via = by_email[overrides[member.id.lower()]], "override"
        elif email and email in by_email:
            found, via = by_email[email], "email"
        elif fallback is not None:
            found, via = fallback, "fallback"
        else:
            matches.append(MemberMatch(member.id, member.email, None, None, "unmapped"))
            continue
        matches.append(MemberMatch(member.id, member.email, found.id, found.email, via))  # type: ignore[arg-type]
    return matches
