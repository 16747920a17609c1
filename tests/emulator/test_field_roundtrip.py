"""Every field type written with `POST` reads back with `GET` as Twenty normalises it.

The expected value comes from a small model of Twenty's normalisation written here, apart from
the emulator's code: e-mails lower-cased, link scheme and host lower-cased without a trailing
slash, date-times in UTC with `Z` and milliseconds, empties read as "" or [] (api.md §2.6, §5.2;
`twenty-orm/utils/format-result.util.ts`, `data-arg-processor/transformer-utils/*`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.emulator.app import Emulator
from tests.emulator.records_helpers import client_for, gadgets_app

pytestmark = pytest.mark.anyio

API_KEY_NAME = "Migration key"
ACTOR_SOURCES = ["EMAIL", "CALENDAR", "WORKFLOW", "AGENT", "API", "IMPORT", "MANUAL", "SYSTEM", "WEBHOOK", "APPLICATION"]


@pytest.fixture(scope="module")
def gadget_app() -> Emulator:
    """One workspace for the module, with the custom object `gadget` (a field of every type)."""
    return gadgets_app()


# the normalisation model ---------------------------------------------------------------------

def text_out(value: str | None) -> str:
    """TEXT and text sub-fields: "" is stored as NULL, and NULL reads as ""."""
    return value or ""


def list_out(value: list[Any] | None) -> list[Any]:
    return list(value or [])


def email_out(value: str) -> str:
    return value.lower()


_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>[^/?#]*)(?P<rest>.*)$")


def url_out(value: str) -> str:
    """Scheme and host lower-cased, one trailing slash dropped."""
    match = _URL.match(value)
    if match:
        value = f"{match['scheme'].lower()}://{match['host'].lower()}{match['rest']}"
    return value[:-1] if value.endswith("/") else value


def datetime_out(value: str) -> str:
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# strategies ----------------------------------------------------------------------------------

SAFE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
texts = st.one_of(
    st.text(SAFE_CHARS, max_size=40),
    st.sampled_from(["", "O'Brien", 'say "hi"', "line1\nline2\r\n\ttab", "😀👩‍💻 café", "Straße ß", "back\\slash", "  padded  "]),
)
words = st.text(st.characters(whitelist_categories=("L", "Nd")), min_size=1, max_size=12)
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
alnum = st.text(LETTERS + "0123456789", min_size=1, max_size=8)
labels = st.builds(str.__add__, st.sampled_from(LETTERS), st.text(LETTERS + "0123456789", max_size=7))
hosts = st.lists(labels, min_size=2, max_size=3).map(".".join)
emails = st.builds(lambda local, dotted, host: f"{local}{'.' + dotted if dotted else ''}@{host}", alnum, st.none() | alnum, hosts)
phone_numbers = st.integers(100_000, 9_999_999_999).map(str)
urls = st.builds(lambda scheme, host, path, slash: f"{scheme}://{host}{path}{'/' if slash else ''}",
                 st.sampled_from(["https", "HTTPS", "Http"]), hosts,
                 st.sampled_from(["", "/About", "/a/B/c", "/Docs/Page"]), st.booleans())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(SAFE_CHARS, max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(SAFE_CHARS, max_size=5), inner, max_size=3),
    max_leaves=8,
)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    offsets,
)

def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


property_test = settings(max_examples=50, deadline=None)


async def read_back(app: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /rest/gadgets` then `GET /rest/gadgets/{id}`; returns what the read answers."""
    async with client_for(app) as client:
        created = await client.post("/rest/gadgets", json=body)
        assert created.status_code == 201, created.text
        record_id = created.json()["data"]["createGadget"]["id"]
        read = await client.get(f"/rest/gadgets/{record_id}")
    assert read.status_code == 200, read.text
    return read.json()["data"]["gadget"]  # type: ignore[no-any-return]


async def assert_reads_back(app: Emulator, field: str, value: Any, expected: Any) -> None:
    assert (await read_back(app, {field: value}))[field] == expected


# scalars -------------------------------------------------------------------------------------

@property_test
@given(value=maybe(texts))
async def test_text_reads_back_as_sent_with_null_and_empty_as_empty_string(gadget_app: Emulator, value: str | None) -> None:
    """`transform-text-field.util.ts` (null-equivalent "" → NULL) and `format-result.util.ts` (NULL → "")."""
    await assert_reads_back(gadget_app, "summary", value, text_out(value))


@property_test
@given(value=st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False))
async def test_a_number_reads_back_as_sent(gadget_app: Emulator, value: float) -> None:
    """`validate-number-field-or-throw.util.ts`: finite JSON numbers pass unchanged."""
    await assert_reads_back(gadget_app, "score", value, value)


@property_test
@given(value=st.integers(-10**9, 10**9) | st.decimals(-10**6, 10**6, places=2).map(str))
async def test_a_numeric_reads_back_as_a_number_even_when_sent_as_a_string(gadget_app: Emulator, value: int | str) -> None:
    """`transform-numeric-field.util.ts`: `Number(value)`."""
    await assert_reads_back(gadget_app, "ratio", value, float(value) if isinstance(value, str) else value)


@property_test
@given(value=st.booleans())
async def test_a_boolean_reads_back_as_sent(gadget_app: Emulator, value: bool) -> None:
    """`validate-boolean-field-or-throw.util.ts`."""
    await assert_reads_back(gadget_app, "active", value, value)


@property_test
@given(value=st.dates(min_value=date(1900, 1, 1)).map(date.isoformat))
async def test_a_date_reads_back_as_yyyy_mm_dd(gadget_app: Emulator, value: str) -> None:
    """`validate-date-field-or-throw.util.ts`; a DATE column reads as `YYYY-MM-DD`."""
    await assert_reads_back(gadget_app, "launchedOn", value, value)


@property_test
@given(value=moments.map(datetime.isoformat))
async def test_a_date_time_with_an_offset_reads_back_in_utc_with_milliseconds(gadget_app: Emulator, value: str) -> None:
    """`validate-date-time-field-or-throw.util.ts` (Temporal Instant) and a timestamptz read as `toISOString()`."""
    await assert_reads_back(gadget_app, "launchedAt", value, datetime_out(value))


@property_test
@given(value=maybe(st.sampled_from(["GOLD", "SILVER", "BRONZE"])))
async def test_a_select_reads_back_as_sent(gadget_app: Emulator, value: str | None) -> None:
    """`validate-rating-and-select-field-or-throw.util.ts`: an option value, or null."""
    await assert_reads_back(gadget_app, "tier", value, value)


@property_test
@given(value=st.lists(st.sampled_from(["RED", "GREEN", "BLUE"]), unique=True))
async def test_a_multi_select_reads_back_in_order_with_empty_as_empty_list(gadget_app: Emulator, value: list[str]) -> None:
    """`is-null-equivalent-array-field-value.util.ts`: [] is stored as NULL, read as []."""
    await assert_reads_back(gadget_app, "tags", value, list_out(value))


@property_test
@given(value=maybe(st.sampled_from([f"RATING_{n}" for n in range(1, 6)])))
async def test_a_rating_reads_back_as_sent(gadget_app: Emulator, value: str | None) -> None:
    """`validate-rating-and-select-field-or-throw.util.ts` with RATING_1..RATING_5."""
    await assert_reads_back(gadget_app, "stars", value, value)


@property_test
@given(value=st.lists(words, max_size=4))
async def test_an_array_reads_back_in_order_with_empty_as_empty_list(gadget_app: Emulator, value: list[str]) -> None:
    """`transform-array-field.util.ts`: [] is stored as NULL, read as []."""
    await assert_reads_back(gadget_app, "labels", value, list_out(value))


@property_test
@given(value=st.dictionaries(st.text(SAFE_CHARS, max_size=5), json_values, max_size=4))
async def test_raw_json_reads_back_as_sent_with_an_empty_object_as_null(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`transform-raw-json-field.util.ts`: {} is null-equivalent."""
    await assert_reads_back(gadget_app, "payload", value, value or None)


@property_test
@given(value=st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()))
async def test_a_uuid_reads_back_lower_cased(gadget_app: Emulator, value: str) -> None:
    """`validate-uuid-field-or-throw.util.ts`; Postgres prints uuid values in lower case."""
    await assert_reads_back(gadget_app, "ref", value, value.lower())


# composites ----------------------------------------------------------------------------------

@property_test
@given(value=st.fixed_dictionaries({}, optional={"firstName": maybe(texts), "lastName": maybe(texts)}))
async def test_a_full_name_reads_back_complete_with_empty_parts_as_empty_strings(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`transform-full-name-field.util.ts` and `format-result.util.ts`."""
    expected = {"firstName": text_out(value.get("firstName")), "lastName": text_out(value.get("lastName"))}
    await assert_reads_back(gadget_app, "contact", value, expected)


@property_test
@given(value=st.fixed_dictionaries({"primaryEmail": maybe(emails), "additionalEmails": st.lists(emails, max_size=3)}))
async def test_emails_read_back_lower_cased(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`validate-emails-field-or-throw.util.ts` and the e-mail transform (api.md §5.2, §14.6)."""
    expected = {"primaryEmail": email_out(value["primaryEmail"] or ""), "additionalEmails": [email_out(e) for e in value["additionalEmails"]]}
    await assert_reads_back(gadget_app, "mails", value, expected)


phones = st.fixed_dictionaries({
    "primaryPhoneNumber": phone_numbers,
    "primaryPhoneCountryCode": st.sampled_from(["FR", "US", "DE", ""]),
    "primaryPhoneCallingCode": st.sampled_from(["+33", "+1", "+49", ""]),
    "additionalPhones": st.lists(st.fixed_dictionaries({
        "number": phone_numbers, "countryCode": st.sampled_from(["FR", "US"]), "callingCode": st.sampled_from(["+33", "+1"]),
    }), max_size=2),
})


@property_test
@given(value=phones)
async def test_phones_read_back_as_sent(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`validate-phones-field-or-throw.util.ts`; empty parts read as "" and []."""
    await assert_reads_back(gadget_app, "phoneBook", value, value)


@property_test
@given(value=st.fixed_dictionaries({
    "primaryLinkUrl": urls, "primaryLinkLabel": maybe(texts),
    "secondaryLinks": st.lists(st.fixed_dictionaries({"url": urls, "label": words}), max_size=2),
}))
async def test_links_read_back_with_scheme_and_host_lower_cased_and_no_trailing_slash(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """api.md §5.2: the newest server normalises link URLs, secondary links included."""
    expected = {
        "primaryLinkUrl": url_out(value["primaryLinkUrl"]), "primaryLinkLabel": text_out(value["primaryLinkLabel"]),
        "secondaryLinks": [{**link, "url": url_out(link["url"])} for link in value["secondaryLinks"]],
    }
    await assert_reads_back(gadget_app, "site", value, expected)


@property_test
@given(value=st.fixed_dictionaries({
    "amountMicros": maybe(st.integers(-10**15, 10**15) | st.integers(0, 10**12).map(str)),
    "currencyCode": st.sampled_from(["EUR", "USD", "JPY", ""]),
}))
async def test_a_currency_reads_back_with_amount_micros_as_a_number(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`transform-currency-field.util.ts` and `format-result.util.ts` (parseInt of amountMicros)."""
    micros = value["amountMicros"]
    expected = {"amountMicros": None if micros is None else int(micros), "currencyCode": value["currencyCode"]}
    await assert_reads_back(gadget_app, "price", value, expected)


@property_test
@given(value=st.fixed_dictionaries({
    **{f"address{part}": maybe(texts) for part in ("Street1", "Street2", "City", "State", "Postcode", "Country")},
    "addressLat": maybe(st.floats(-90, 90)), "addressLng": maybe(st.floats(-180, 180)),
}))
async def test_an_address_reads_back_with_empty_text_parts_as_empty_strings(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`transform-address-field.util.ts` and `format-result.util.ts`."""
    expected = {k: (v if k in ("addressLat", "addressLng") else text_out(v)) for k, v in value.items()}
    await assert_reads_back(gadget_app, "place", value, expected)


blocknotes = st.lists(words, min_size=1, max_size=3).map(
    lambda ws: json.dumps([{"type": "paragraph", "content": [{"type": "text", "text": w}]} for w in ws]))


@property_test
@given(value=st.fixed_dictionaries({"blocknote": blocknotes, "markdown": st.text(SAFE_CHARS, min_size=1, max_size=40)}))
async def test_rich_text_v2_reads_back_as_sent(gadget_app: Emulator, value: dict[str, Any]) -> None:
    """`validate-rich-text-v2-field-or-throw.util.ts`; both parts sent (api.md §5.2)."""
    await assert_reads_back(gadget_app, "body", value, value)


@property_test
@given(
    source=st.sampled_from(ACTOR_SOURCES),
    name=texts,
    member=maybe(st.uuids().map(str)),
    context=st.dictionaries(st.text(SAFE_CHARS, max_size=5), json_values, max_size=3),
)
async def test_created_by_reads_back_as_sent_or_as_the_api_key(
    gadget_app: Emulator, source: str, name: str, member: str | None, context: dict[str, Any],
) -> None:
    """`actor-from-auth-context.service.ts`: a named actor is kept; a nameless one becomes the key's,
    keeping its source (research note §8)."""
    sent = {"source": source, "name": name, "workspaceMemberId": member, "context": context}
    record = await read_back(gadget_app, {"createdBy": sent})
    if name:
        assert record["createdBy"] == sent
    else:
        assert record["createdBy"] == {"source": source, "workspaceMemberId": None, "name": API_KEY_NAME, "context": {}}
