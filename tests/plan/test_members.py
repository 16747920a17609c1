"""Member mapping: by e-mail whatever its case, overrides first, the fallback only for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.errors import ConfigError, InputError
from migrate.model import Member
from migrate.plan.members import load_overrides, map_members

POOL = ["ann@acme.io", "bob@acme.io", "cyd@globex.org", "dee@initech.net", "eve@hooli.com", "fay@wonka.co.uk"]


def recase(draw: st.DrawFn, email: str) -> str:
    """The same address with each letter in a random case (e-mail matching ignores case)."""
    flips = draw(st.lists(st.booleans(), min_size=len(email), max_size=len(email)))
    return "".join(c.upper() if flip else c for c, flip in zip(email, flips, strict=True))


@st.composite
def workspaces(draw: st.DrawFn) -> tuple[list[Member], list[Member]]:
    """Source members (some without e-mail, some sharing one in another case) and target members
    (distinct e-mails, other ids)."""
    source = []
    for n in range(draw(st.integers(0, 8))):
        email = draw(st.one_of(st.none(), st.sampled_from(POOL)))
        source.append(Member(id=f"s-{n}", email=None if email is None else recase(draw, email)))
    chosen = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=len(POOL)))
    target = [Member(id=f"t-{n}", email=recase(draw, email)) for n, email in enumerate(chosen)]
    return source, target


def target_of(target: list[Member], email: str) -> Member:
    return next(m for m in target if (m.email or "").lower() == email.lower())


@settings(max_examples=50, deadline=None)
@given(workspaces())
def test_members_match_by_email_ignoring_case(pair: tuple[list[Member], list[Member]]) -> None:
    """Every source member appears once; one whose e-mail (any case) is in the target maps to that
    member; any other stays unmapped, never silently placed."""
    source, target = pair
    matches = map_members(source, target)
    assert sorted(m.source_id for m in matches) == sorted(m.id for m in source)
    known = {(m.email or "").lower() for m in target}
    for match in matches:
        if match.email and match.email.lower() in known:
            assert (match.via, match.target_id) == ("email", target_of(target, match.email).id)
        else:
            assert (match.via, match.target_id, match.target_email) == ("unmapped", None, None)


@settings(max_examples=50, deadline=None)
@given(workspaces(), st.data())
def test_overrides_win_over_a_matching_email(pair: tuple[list[Member], list[Member]], data: st.DataObject) -> None:
    """An override places a member where members.toml says, even when the e-mail exists in the target."""
    source, target = pair
    if not target:
        return
    overridden = data.draw(st.lists(st.sampled_from(POOL), unique=True))
    overrides = {email: data.draw(st.sampled_from([m.email or "" for m in target])) for email in overridden}
    matches = map_members(source, target, overrides=overrides)
    for match in matches:
        if match.email and match.email.lower() in overrides:
            wanted = target_of(target, overrides[match.email.lower()])
            assert (match.via, match.target_id) == ("override", wanted.id)
        else:
            assert match.via in ("email", "unmapped")


@settings(max_examples=50, deadline=None)
@given(workspaces(), st.data())
def test_the_fallback_takes_only_the_unmatched(pair: tuple[list[Member], list[Member]], data: st.DataObject) -> None:
    """With a fallback owner nobody is unmapped, and those matched by e-mail keep their own match."""
    source, target = pair
    if not target:
        return
    fallback = data.draw(st.sampled_from(target))
    plain = {m.source_id: m for m in map_members(source, target)}
    with_fallback = map_members(source, target, fallback_email=recase(data.draw, fallback.email or ""))
    for match in with_fallback:
        before = plain[match.source_id]
        if before.via == "email":
            assert (match.via, match.target_id) == ("email", before.target_id)
        else:
            assert (match.via, match.target_id) == ("fallback", fallback.id)


@given(st.data())
def test_one_email_in_two_cases_maps_both_members_to_one_target(data: st.DataObject) -> None:
    """Two source members whose e-mails differ only in case both land on the same target member."""
    email = data.draw(st.sampled_from(POOL))
    first, second = recase(data.draw, email), recase(data.draw, email)
    target = [Member(id="t-1", email=recase(data.draw, email)), Member(id="t-2", email="other@x.io")]
    matches = map_members([Member("s-1", first), Member("s-2", second)], target)
    assert {m.target_id for m in matches} == {"t-1"}
    assert {m.via for m in matches} == {"email"}


def test_a_member_without_email_is_unmapped_unless_there_is_a_fallback() -> None:
    """No e-mail, no match: unmapped, or the fallback owner when one is given."""
    source = [Member("s-1", None), Member("s-2", "  ")]
    target = [Member("t-1", "Boss@Acme.io")]
    assert [m.via for m in map_members(source, target)] == ["unmapped", "unmapped"]
    placed = map_members(source, target, fallback_email="boss@acme.io")
    assert [(m.via, m.target_id) for m in placed] == [("fallback", "t-1"), ("fallback", "t-1")]


@given(workspaces(), st.data())
def test_a_member_without_email_is_mapped_by_its_id_in_the_overrides(pair: tuple[list[Member], list[Member]], data: st.DataObject) -> None:
    """members.toml may name a source member by id (it has no e-mail to name it by): that member,
    and only that one, goes to the member named; the e-mail rules still place everyone else."""
    source, target = pair
    nameless = [m for m in source if m.email is None]
    if not nameless or not target:
        return
    chosen = data.draw(st.sampled_from(nameless))
    wanted = data.draw(st.sampled_from(target))
    matches = {m.source_id: m for m in map_members(source, target, overrides={chosen.id.upper(): wanted.email or ""})}
    assert (matches[chosen.id].target_id, matches[chosen.id].via) == (wanted.id, "override")
    assert all(matches[m.id].via == "unmapped" for m in nameless if m.id != chosen.id)
    assert matches == {**{m.source_id: m for m in map_members(source, target)}, chosen.id: matches[chosen.id]}


def test_a_fallback_outside_the_target_is_a_config_error_naming_the_candidates() -> None:
    """A fallback owner who is not a target member is refused, and the message lists who could be."""
    target = [Member("t-1", "Boss@Acme.io"), Member("t-2", "ann@acme.io")]
    with pytest.raises(ConfigError) as caught:
        map_members([Member("s-1", "x@y.z")], target, fallback_email="nobody@acme.io")
    message = str(caught.value)
    assert "nobody@acme.io is not a member of the target workspace" in message
    assert "ann@acme.io, boss@acme.io" in message


def test_an_override_to_a_non_member_is_a_config_error() -> None:
    """members.toml may only name target members."""
    with pytest.raises(ConfigError, match="ghost@acme.io, who is not a member of the target"):
        map_members([Member("s-1", "a@b.c")], [Member("t-1", "ann@acme.io")], overrides={"a@b.c": "ghost@acme.io"})


# --- members.toml ------------------------------------------------------------------------------

def test_overrides_are_read_lowercased(tmp_path: Path) -> None:
    """A [members] table of strings: keys and values compared without case or surrounding blanks."""
    path = tmp_path / "members.toml"
    path.write_text('[members]\n"Old@Acme.io" = " New@Globex.org "\n', encoding="utf-8")
    assert load_overrides(path) == {"old@acme.io": "new@globex.org"}


def test_a_missing_overrides_file_says_so(tmp_path: Path) -> None:
    """The path is named and the error carries it."""
    with pytest.raises(InputError, match="does not exist") as caught:
        load_overrides(tmp_path / "members.toml")
    assert caught.value.path == str(tmp_path / "members.toml")


def test_bad_toml_says_how_to_write_it(tmp_path: Path) -> None:
    """A file that is not TOML: the parser's words and an example of the expected shape."""
    path = tmp_path / "members.toml"
    path.write_text("[members\nold = ", encoding="utf-8")
    with pytest.raises(InputError, match=r"is not valid TOML .*\[members\] followed by"):
        load_overrides(path)


@pytest.mark.parametrize("text", ['[people]\n"a@b.c" = "d@e.f"\n', '[members]\n"a@b.c" = 3\n', 'members = "a@b.c"\n',
                                  '[members]\n"a@b.c" = ["d@e.f"]\n'])
def test_a_wrong_shape_asks_for_a_members_table_of_strings(tmp_path: Path, text: str) -> None:
    """Valid TOML of another shape (no [members], values not strings) is refused with the expected shape."""
    path = tmp_path / "members.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r'needs a \[members\] table of "source e-mail" = "target e-mail" strings'):
        load_overrides(path)
