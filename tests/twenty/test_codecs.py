"""Codecs: a record of every field type survives a snapshot column round trip as the value Twenty
would give back, `decode(encode(x)) == normalise(x)`; and the value normalisers do what Twenty's
server does, idempotently (STYLE B6: hypothesis round trips for every codec)."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import duckdb
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migrate.model import COMPOSITE_SUBFIELDS, FieldMeta, FieldType
from migrate.twenty.codecs import normalize_datetime, normalize_email, normalize_link_url
from migrate.twenty.codecs.columns import columns_for, decode_row, encode_record, table_columns

FIELDS = (
    FieldMeta("id", "UUID"), FieldMeta("title", "TEXT"), FieldMeta("notes", "RICH_TEXT"), FieldMeta("phones", "PHONES"),
    FieldMeta("emails", "EMAILS"), FieldMeta("closedAt", "DATE_TIME"), FieldMeta("birthday", "DATE"), FieldMeta("isVip", "BOOLEAN"),
    FieldMeta("score", "NUMBER"), FieldMeta("employees", "NUMBER", settings={"dataType": "int"}), FieldMeta("ratio", "NUMERIC"),
    FieldMeta("domainName", "LINKS"), FieldMeta("amount", "CURRENCY"), FieldMeta("name", "FULL_NAME"), FieldMeta("rating", "RATING"),
    FieldMeta("stage", "SELECT"), FieldMeta("tags", "MULTI_SELECT"),
    FieldMeta("company", "RELATION", relation_type="MANY_TO_ONE", target_object="company", join_column="companyId"),
    FieldMeta("people", "RELATION", relation_type="ONE_TO_MANY", target_object="person"),
    FieldMeta("target", "MORPH_RELATION", relation_type="MANY_TO_ONE", target_object="person", join_column="targetPersonId"),
    FieldMeta("position", "POSITION"), FieldMeta("address", "ADDRESS"), FieldMeta("data", "RAW_JSON"), FieldMeta("bodyV2", "RICH_TEXT_V2"),
    FieldMeta("createdBy", "ACTOR"), FieldMeta("aliases", "ARRAY"), FieldMeta("searchVector", "TS_VECTOR"), FieldMeta("attachments", "FILES"),
)
BY_NAME = {f.name: f for f in FIELDS}
COLUMNS = table_columns(FIELDS)


def test_the_fields_cover_every_field_type_of_the_model() -> None:
    assert {f.type for f in FIELDS} == set(typing.get_args(FieldType))


def test_one_to_many_relations_and_search_vectors_have_no_column() -> None:
    assert columns_for(BY_NAME["people"]) == [] and columns_for(BY_NAME["searchVector"]) == []
    assert [c.name for c in columns_for(BY_NAME["company"])] == ["companyId"]
    assert [c.name for c in columns_for(BY_NAME["amount"])] == ["amount_amountMicros", "amount_currencyCode"]
    assert columns_for(BY_NAME["employees"])[0].sql_type == "BIGINT" and columns_for(BY_NAME["score"])[0].sql_type == "DOUBLE"


# Strategies: values as Twenty sends them ----------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
maybe_text = st.none() | text
uuids = st.uuids().map(str)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
json_scalar = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | finite | text
json_value = st.recursive(json_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)
json_object = st.dictionaries(text, json_value, max_size=4)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=offsets)
timestamps = moments.map(lambda d: d.isoformat())
dates = st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2200, 1, 1).date()).map(lambda d: d.isoformat())
string_lists = st.none() | st.lists(text, max_size=3)
phones = st.lists(st.fixed_dictionaries({"number": text, "countryCode": text, "callingCode": text}), max_size=2)
links = st.lists(st.fixed_dictionaries({"url": text, "label": text}), max_size=2)


def composite(**subs: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | st.fixed_dictionaries(subs)


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": uuids, "title": maybe_text, "notes": maybe_text,
    "phones": composite(primaryPhoneNumber=maybe_text, primaryPhoneCountryCode=maybe_text, primaryPhoneCallingCode=maybe_text,
                        additionalPhones=st.none() | phones),
    "emails": composite(primaryEmail=maybe_text, additionalEmails=string_lists),
    "closedAt": st.none() | timestamps, "birthday": st.none() | dates, "isVip": st.none() | st.booleans(),
    "score": st.none() | finite, "employees": st.none() | st.integers(-(2**53), 2**53), "ratio": st.none() | finite,
    "domainName": composite(primaryLinkUrl=maybe_text, primaryLinkLabel=maybe_text, secondaryLinks=st.none() | links),
    "amount": composite(amountMicros=st.none() | st.integers(-(10**15), 10**15) | st.integers(-(10**9), 10**9).map(float),
                        currencyCode=st.none() | st.sampled_from(["EUR", "USD", ""])),
    "name": composite(firstName=maybe_text, lastName=maybe_text),
    "rating": st.none() | st.sampled_from([f"RATING_{n}" for n in range(1, 6)]),
    "stage": st.none() | st.just("") | st.sampled_from(["NEW", "MEETING", "CUSTOMER"]),
    "tags": st.none() | st.lists(st.sampled_from(["A", "B", "C"]), max_size=3, unique=True),
    "companyId": st.none() | uuids, "people": st.just(None), "targetPersonId": st.none() | uuids,
    "position": st.none() | finite,
    "address": composite(addressStreet1=maybe_text, addressStreet2=maybe_text, addressCity=maybe_text, addressState=maybe_text,
                         addressPostcode=maybe_text, addressCountry=maybe_text, addressLat=st.none() | finite, addressLng=st.none() | finite),
    "data": st.none() | json_object | st.lists(json_value, max_size=3),
    "bodyV2": composite(blocknote=maybe_text, markdown=maybe_text),
    "createdBy": composite(source=st.sampled_from(["API", "IMPORT", "MANUAL"]), workspaceMemberId=st.none() | uuids, name=maybe_text,
                           context=st.none() | json_object),
    "aliases": string_lists, "searchVector": st.just(None),
    "attachments": st.none() | st.lists(st.fixed_dictionaries({"fileId": uuids, "label": text, "extension": st.sampled_from(["pdf", "png"]),
                                                                "url": st.just("http://twenty.test/file/x?token=secret")}), max_size=2),
}
records = st.fixed_dictionaries(VALUES)


# What Twenty gives back: written here, independently of the codec ---------------------------------

def ms_utc(value: str) -> str:
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def normalise_sub(kind: str, name: str, value: Any) -> Any:
    if name == "blocknote":
        return value or None  # only RICH_TEXT_V2's markdown comes back as "" (format-result.util.ts, api.md §2.6)
    if kind == "text":
        return value or ""
    if kind == "string_list":
        return list(value or [])
    if kind == "json":
        return value or ([] if name in ("additionalPhones", "secondaryLinks") else {})
    if name == "amountMicros":
        return None if value is None else int(value)
    return value


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in FIELDS:
        if not field.is_stored:
            continue
        if field.join_column:
            out[field.join_column] = record[field.join_column]
            continue
        value = record[field.name]
        if field.type in COMPOSITE_SUBFIELDS:
            out[field.name] = {s.name: normalise_sub(s.kind, s.name, (value or {}).get(s.name)) for s in COMPOSITE_SUBFIELDS[field.type]}
        elif field.type in ("TEXT", "RICH_TEXT"):
            out[field.name] = value or ""
        elif field.type in ("MULTI_SELECT", "ARRAY"):
            out[field.name] = list(value or [])
        elif field.type in ("SELECT", "RATING"):
            out[field.name] = value or None
        elif field.type == "RAW_JSON":
            out[field.name] = value or None  # Twenty stores {} as NULL (api.md §5.2)
        elif field.type == "FILES":
            out[field.name] = [{k: v for k, v in item.items() if k != "url"} for item in value or []]
        elif field.type == "DATE_TIME":
            out[field.name] = None if value is None else ms_utc(value)
        else:
            out[field.name] = value
    return out


@settings(max_examples=80, deadline=None)
@given(records)
def test_decode_of_encode_is_the_normalised_record(record: dict[str, Any]) -> None:
    row = encode_record(COLUMNS, BY_NAME, record)
    assert set(row) == {c.name for c in COLUMNS}
    assert decode_row(COLUMNS, BY_NAME, row) == normalise(record)


@settings(max_examples=20, deadline=None)
@given(st.lists(records, min_size=1, max_size=3))
def test_the_round_trip_holds_through_a_duckdb_table_of_the_declared_types(batch: list[dict[str, Any]]) -> None:
    """The column types are the ones a snapshot table is created with: values come back from DuckDB
    as UUID, TIMESTAMP, DATE, JSON text and lists, and still decode to the normalised record."""
    with duckdb.connect() as db:
        db.execute("CREATE TABLE t (" + ", ".join(f'"{c.name}" {c.sql_type}' for c in COLUMNS) + ")")
        names = [c.name for c in COLUMNS]
        for record in batch:
            row = encode_record(COLUMNS, BY_NAME, record)
            db.execute(f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})", [row[n] for n in names])
        rows = [dict(zip(names, values, strict=True)) for values in db.execute("SELECT * FROM t ORDER BY rowid").fetchall()]
    for record, row in zip(batch, rows, strict=True):
        assert decode_row(COLUMNS, BY_NAME, row) == normalise(record)


def test_a_files_url_is_never_stored() -> None:
    record = {name: None for name in VALUES} | {"id": "5a1f0c9e-7d2a-4e8b-a3f6-91c2d4e5f607",
                                                "attachments": [{"fileId": "f", "label": "a.pdf", "url": "http://x/file?token=tw-secret"}]}
    row = encode_record(COLUMNS, BY_NAME, record)
    assert "tw-secret" not in json.dumps(row)


# Normalisers --------------------------------------------------------------------------------------

local_parts = st.text(st.sampled_from("abcXYZ.09_+-éÅ"), min_size=1, max_size=10)
labels = st.text(st.sampled_from("abcdefXYZ09-äöüÉß"), min_size=1, max_size=10).filter(lambda s: not s.startswith("-") and not s.endswith("-"))
domains = st.lists(labels, min_size=1, max_size=3).map(".".join).map(lambda d: d + ".com")
emails = st.builds(lambda local, domain, dot: f"{local}@{domain}{dot}", local_parts, domains, st.sampled_from(["", ".", "\uff0e"]))


@given(emails)
def test_normalize_email_is_idempotent_lower_case_and_punycode(email: str) -> None:
    once = normalize_email(email)
    assert normalize_email(once) == once
    assert once == once.lower()
    local, _, domain = once.rpartition("@")
    assert domain.isascii() and not domain.endswith(".")
    assert local == email.rpartition("@")[0].lower()


def test_normalize_email_examples() -> None:
    assert normalize_email("Zoë.Ångström@Bücher.DE") == "zoë.ångström@xn--bcher-kva.de"
    assert normalize_email(" Tim@Apple.Dev. ") == "tim@apple.dev"
    assert normalize_email("jane\uff0edoe@apple\u3002dev") == "jane.doe@apple.dev"


hosts = st.lists(st.text(st.sampled_from("abcXYZ09-"), min_size=1, max_size=8), min_size=1, max_size=3).map(".".join)
paths = st.text(st.sampled_from("abcXYZ09-_/"), max_size=12)
urls = st.builds(lambda scheme, host, path: f"{scheme}{host}{'/' + path if path else ''}", st.sampled_from(["https://", "HTTP://", "", "Https://"]), hosts, paths)


@given(urls)
def test_normalize_link_url_is_idempotent_and_lower_cases_the_host(url: str) -> None:
    assume(not url.endswith("//"))  # Twenty drops ONE trailing slash: `a//` gives `a/`, then `a` (see the report)
    once = normalize_link_url(url)
    assert normalize_link_url(once) == once
    with_scheme = once if "://" in once else f"https://{once}"
    host = urlsplit(with_scheme).netloc
    assert host == host.lower()
    if "://" in url:
        assert urlsplit(url).path.rstrip("/") == urlsplit(with_scheme).path.rstrip("/") or urlsplit(url).path[:-1] == urlsplit(with_scheme).path


@given(urls)
def test_normalize_link_url_drops_one_trailing_slash(url: str) -> None:
    assume(not url.endswith("/"))
    assert normalize_link_url(url + "/") == normalize_link_url(url)


def test_normalize_link_url_examples() -> None:
    assert normalize_link_url("HTTPS://Acme.COM/About/") == "https://acme.com/About"
    assert normalize_link_url("Acme.COM/Path") == "acme.com/Path"
    assert normalize_link_url("") == ""


@given(moments)
def test_normalize_datetime_turns_any_offset_into_utc_and_is_idempotent(moment: datetime) -> None:
    once = normalize_datetime(moment.isoformat())
    assert once == ms_utc(moment.isoformat())
    assert once.endswith("Z") and len(once) == len("2026-03-01T09:30:00.000Z")
    assert normalize_datetime(once) == once


def test_normalize_datetime_reads_no_zone_as_utc_and_a_bare_date_as_midnight() -> None:
    assert normalize_datetime("2026-03-01T09:30:00") == "2026-03-01T09:30:00.000Z"
    assert normalize_datetime("2026-03-01") == "2026-03-01T00:00:00.000Z"
    assert normalize_datetime("2026-03-01T10:30:00.123456+01:00") == "2026-03-01T09:30:00.123Z"
