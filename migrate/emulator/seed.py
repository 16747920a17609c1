"""Seed data: reproducible, realistic workspaces of any size for tests, `make demo` and `bench/`.

Everything random comes from one `random.Random(rng_seed)`, so a seed number names a workspace.
Records go in through `Workspace.bulk_load`, which validates each one exactly as a REST create
does: whatever the seed makes, Twenty's API accepts. Rows are generated lazily and loaded in
chunks of `CHUNK` records, so memory stays flat at 1 000 000 records.

Record ids are a keyed permutation of the record's index (`_IdMaker`): any record's id can be
recomputed from its index, so references need no table of ids in memory, yet ids look random
and their order says nothing about creation order.

Self-references and cycles (`project.parentProject`, `contract.lastInvoice` ↔
`invoice.contract`) are loaded in two steps, as a migration has to: a record only references
records inserted by an *earlier* `bulk_load` call (the first chunk has the reference empty; a
self-referencing object is cut into at least `MIN_WAVES` chunks so that small seeds have
references too; contracts and invoices are loaded in alternating rounds). Then a few true
record-level cycles (contract C → invoice I → contract C) are closed with `Workspace.update_one`,
the path a REST PATCH takes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from random import Random
from typing import Any

from migrate.emulator import metadata
from migrate.emulator.records import Caller
from migrate.emulator.seed_config import CONFIG_RECORDS, reserved_records, seed_configuration
from migrate.emulator.workspace import Workspace
from migrate.errors import EmulatorError

CHUNK = 2_000
"""Records per `bulk_load` call: big enough for speed, small enough for flat memory."""

MIN_WAVES = 4
"""A self-referencing object is loaded in at least this many chunks (see the module docstring)."""

MAX_RECORDS = 10_000_000
DEMO_RECORDS = 300
TRUE_CYCLES = 10
"""How many contract ↔ invoice record cycles are closed through `update_one`."""


@dataclass(frozen=True, slots=True)
class MemberSeed:
    """A workspace member to create; its e-mail is what a migration maps members by."""

    first_name: str
    last_name: str
    email: str


DEMO_MEMBERS: tuple[MemberSeed, ...] = (
    MemberSeed("Tim", "Apple", "tim@apple.dev"),
    MemberSeed("Jony", "Ive", "jony.ive@apple.dev"),
    MemberSeed("Phil", "Schiler", "phil.schiler@apple.dev"),
    MemberSeed("Jane", "Doe", "jane.doe@apple.dev"),
    MemberSeed("Zoë", "Ångström", "zoe.angstrom@apple.dev"),
)
"""The members of Twenty's dev seeds (workspace-member-data-seeds.constant.ts), plus one whose
name needs Unicode."""


@dataclass(frozen=True, slots=True)
class SeedSpec:
    """What to seed. `records` counts every record except workspace members, exactly."""

    records: int
    members: tuple[MemberSeed, ...] = DEMO_MEMBERS
    rng_seed: int = 0
    with_custom_objects: bool = True
    soft_deleted_ratio: float = 0.02
    with_configuration: bool | None = None
    """Views, workflows, roles, API keys, webhooks, connected accounts (seed_config.py); its
    records (workflows, versions, triggers, accounts) count inside `records`. Default: on unless
    the seed is empty."""

    def __post_init__(self) -> None:
        if not 0 <= self.records <= MAX_RECORDS:
            raise ValueError(f"records must be between 0 and {MAX_RECORDS}, not {self.records}")
        if not 0.0 <= self.soft_deleted_ratio <= 1.0:
            raise ValueError(f"soft_deleted_ratio must be between 0 and 1, not {self.soft_deleted_ratio}")
        if self.with_configuration is None:
            object.__setattr__(self, "with_configuration", self.records > 0)


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seed created: records per object (plural name), soft-deleted ones among them."""

    counts: dict[str, int]
    soft_deleted: dict[str, int]
    members: int
    files: int
    custom_objects: tuple[str, ...] = field(default=())

    @property
    def records(self) -> int:
        """Every record but workspace members: equals `SeedSpec.records`."""
        return sum(self.counts.values())


def spec_for(name: str, *, rng_seed: int = 0, members: tuple[MemberSeed, ...] = DEMO_MEMBERS) -> SeedSpec:
    """The CLI's `--seed`: `empty`, `demo`, or a number of records."""
    if name == "empty":
        return SeedSpec(0, members, rng_seed, with_custom_objects=False)
    if name == "demo":
        return SeedSpec(DEMO_RECORDS, members, rng_seed)
    if re.fullmatch(r"[0-9]+", name):
        count = int(name)
        if count > MAX_RECORDS:
            raise EmulatorError(f"Seed '{name}' is too big: the emulator seeds at most {MAX_RECORDS} records.")
        return SeedSpec(count, members, rng_seed)
    raise EmulatorError(f"Unknown seed '{name}': use 'empty', 'demo' or a number of records such as '10000'.")


# --- vocabulary -----------------------------------------------------------------------------

FIRST_NAMES = (
    "Tim", "Jony", "Phil", "Jane", "Ada", "Grace", "Alan", "Linus", "Margaret", "Noah", "Emma",
    "Liam", "Olivia", "Lucas", "Chloé", "Hélène", "François", "José", "María", "Søren", "Zoë",
    "Björn", "Łukasz", "Dvořák", "Ngozi", "Kwame", "Priya", "Arjun", "Mei", "Hiroshi", "Yuki",
    "太郎", "美咲", "伟", "芳", "민준", "서연", "محمد", "فاطمة", "אברהם", "שרה", "Ольга", "Дмитрий",
    "Nguyễn", "Ayşe", "Çağrı", "Mary-Jane", "O'Neil", "Jean Luc",
)
LAST_NAMES = (
    "Apple", "Ive", "Doe", "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Martin",
    "Bernard", "Dubois", "Müller", "García", "Fernández", "Kierkegaard", "Lindqvist", "Wiśniewski",
    "Nakamura", "Tanaka", "山田", "佐藤", "王", "李", "김", "박", "العلي", "حداد", "כהן", "לוי",
    "Иванова", "Petrov", "Okafor", "Mensah", "Sharma", "Patel", "Trần", "Yılmaz", "O'Brien",
    "van der Berg", "de la Cruz", "Smith-Jones", "Nguyen",
)
COMPANY_WORDS = (
    "Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
    "Soylent", "Cyberdyne", "Tyrell", "Wonka", "Aperture", "Blue Sun", "Oscorp", "Pied Piper",
    "Contoso", "Fabrikam", "Massive Dynamic", "Zorg", "Nakatomi", "Gringotts", "Monarch",
    "Éclair", "Fjällräven", "Øresund", "Żubr", "東京", "北京", "دبي", "תל אביב", "Nova", "Helix",
)
COMPANY_SUFFIXES = ("Inc.", "Labs", "GmbH", "SAS", "Ltd", "Robotics", "Systems", "Analytics",
                    "Partners", "Holdings", "株式会社", "& Co.", "AI", "Cloud", "Foods", "Energy")
TLDS = ("com", "io", "dev", "fr", "de", "co.uk", "jp", "ai", "net", "org")
JOB_TITLES = (
    "CEO", "CTO", "VP Sales", "Head of Growth", "Account Executive", "Software Engineer",
    "Product Manager", "Designer", "Directeur général", "Responsable achats", "Geschäftsführer",
    "Ingeniera de datos", "営業部長", "首席执行官", "مدير المبيعات", "מנהלת שיווק", "Office Manager",
    "Procurement, EMEA", "CFO & COO", "Intern",
)
CITIES = (  # city, state, postcode, country, lat, lng
    ("Paris", "Île-de-France", "75002", "France", 48.8686, 2.3425),
    ("San Francisco", "CA", "94107", "United States", 37.7749, -122.4194),
    ("New York", "NY", "10001", "United States", 40.7506, -73.9972),
    ("London", "", "EC1V 9HX", "United Kingdom", 51.5265, -0.0876),
    ("Berlin", "Berlin", "10115", "Germany", 52.5321, 13.3849),
    ("München", "Bayern", "80331", "Germany", 48.1374, 11.5755),
    ("São Paulo", "SP", "01310-100", "Brazil", -23.5614, -46.6559),
    ("東京", "東京都", "100-0005", "Japan", 35.6812, 139.7671),
    ("Shanghai", "上海市", "200000", "China", 31.2304, 121.4737),
    ("دبي", "", "00000", "United Arab Emirates", 25.2048, 55.2708),
    ("תל אביב", "", "6100000", "Israel", 32.0853, 34.7818),
    ("Lagos", "Lagos", "100001", "Nigeria", 6.5244, 3.3792),
    ("Sydney", "NSW", "2000", "Australia", -33.8688, 151.2093),
    ("Reykjavík", "", "101", "Iceland", 64.1466, -21.9426),
)
CITY_NAMES = tuple(c[0] for c in CITIES)
PHONE_COUNTRIES = (("FR", "+33", 9), ("US", "+1", 10), ("GB", "+44", 10), ("DE", "+49", 11),
                   ("JP", "+81", 10), ("BR", "+55", 11), ("IL", "+972", 9), ("AE", "+971", 9))
CURRENCIES = ("USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY", "CHF", "BRL", "CNY")
STREETS = ("Rue de la Paix", "Market Street", "Broadway", "Old Street", "Unter den Linden",
           "Avenida Paulista", "丸の内", "شارع الشيخ زايد", "רחוב הרצל", "Calle Mayor")
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "proton.me", "yahoo.co.jp", "bücher.de", "mail.ru")
TOPICS = (
    "Kick-off call", "Pricing follow-up", "Renewal", "Security review", "Onboarding", "Demo",
    "QBR", "Contract redlines", "Réunion de lancement", "Angebot besprechen", "打ち合わせ",
    "متابعة العرض", "פגישת היכרות", "🚀 Launch plan", "Churn risk ⚠️",
)
SENTENCES = (
    "Discussed the roadmap and next steps with the team.",
    "They want a discount of 15%, pending approval from finance.",
    "Follow up next week; the champion is on vacation until Monday.",
    "Le client souhaite une démonstration avant la fin du trimestre.",
    "Der Vertrag muss noch von der Rechtsabteilung geprüft werden.",
    "次回の打ち合わせは来週の火曜日です。",
    "请在周五之前发送报价单。",
    "يرغب العميل في تجربة مجانية لمدة شهر.",
    "הלקוח מבקש הצעת מחיר מעודכנת.",
    "Budget confirmed: $120,000 — \"if everything goes well\".",
    "Blocked by SSO, see ticket #4521 🙈",
)
ODD_TEXTS = (
    '=HYPERLINK("http://evil.test","click")', "=1+1", "+33 6 12 34 56 78", "-42", "@channel please review",
    'He said "yes", then left', "first line\nsecond line\r\nthird line", "comma, separated, values",
    "tab\tseparated", "Ünïcödé façade — naïve café", "株式会社テスト 東京支店", "شركة الاختبار المحدودة",
    "חברת בדיקה בע\"מ", "🚀 Launch 🎉 👩‍💻 🇫🇷", "   padded   ", "'single'; semi;colons",
    "<script>alert(1)</script>", "{{ template }}", "NULL", "null", "C:\\path\\to\\file", "",
)
PRODUCTS = ("Platform", "Enterprise plan", "Renewal", "Upsell", "Pilot", "Licences", "Services", "Expansion")
FILE_KINDS = (("pdf", "application/pdf", "TEXT_DOCUMENT"), ("png", "image/png", "IMAGE"),
              ("csv", "text/csv", "SPREADSHEET"), ("txt", "text/plain", "TEXT_DOCUMENT"))
FILE_STEMS = ("Quote", "Contract", "Invoice", "Logo", "Export", "Meeting notes", "Présentation client",
              "見積書", "عقد", "Report, final \"v2\"", "Screenshot 2024-05-01 at 10.00.00", "notes 🚀")

EPOCH_START = int(datetime(2022, 1, 1, tzinfo=UTC).timestamp())
EPOCH_SPAN = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) - EPOCH_START

_MASK62 = (1 << 62) - 1


class _IdMaker:
    """Record id `i` of one object: a keyed bijection of `i` on 62 bits, under random high bits
    (the remaining bits are UUID version and variant), so ids are unique, random-looking and
    recomputable from the index."""

    def __init__(self, rng: Random) -> None:
        self.high = rng.getrandbits(64) << 64
        self.key = rng.getrandbits(62)
        self.mul = rng.getrandbits(62) | 1

    def __call__(self, index: int) -> str:
        x = ((index + self.key) * self.mul) & _MASK62
        x ^= x >> 31
        x = (x * 0x2545F4914F6CDD1D) & _MASK62
        x ^= x >> 29
        return str(uuid.UUID(int=self.high | x, version=4))


def _timestamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ascii_slug(text: str, fallback: str) -> str:
    """Letters only, so `slug + "-" + index` is unique for distinct indexes."""
    return re.sub(r"[^a-z]+", "-", text.lower()).strip("-") or fallback


def _allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split `total` by weight, exactly (largest remainder); every object gets one record
    before any gets two, in the dict's order, so tiny seeds still have each kind."""
    names = list(weights)
    if total < len(names):
        return {name: int(i < total) for i, name in enumerate(names)}
    rest = total - len(names)
    weight_sum = sum(weights.values())
    shares = {n: rest * weights[n] / weight_sum for n in names}
    counts = {n: 1 + int(shares[n]) for n in names}
    left = total - sum(counts.values())
    for name in sorted(names, key=lambda n: (-(shares[n] - int(shares[n])), names.index(n)))[:left]:
        counts[name] += 1
    return counts


WEIGHTS = {"company": 9, "person": 27, "note": 9, "task": 7, "opportunity": 6, "noteTarget": 18,
           "taskTarget": 12, "attachment": 2, "project": 5, "contract": 2, "invoice": 3}
"""Share of each object in a seed: more people than companies, ~2 targets per note, few files."""
CUSTOM = ("project", "contract", "invoice")


# --- files ------------------------------------------------------------------------------------

def _pdf(text: str) -> bytes:
    """A one-page PDF showing `text`, with a correct cross-reference table."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png(rng: Random, width: int, height: int) -> bytes:
    """A valid RGB PNG of random pixels (incompressible, so its size is predictable)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# --- the seeder -------------------------------------------------------------------------------

class _Seeder:
    """One seeding run: the RNG, the counts, and a generator of input rows per object."""

    def __init__(self, ws: Workspace, spec: SeedSpec) -> None:
        self.ws = ws
        self.spec = spec
        self.rng = Random(spec.rng_seed)
        self.caller = Caller(str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "Seed")
        self.member_ids: list[str] = []
        self.member_names: list[str] = []
        weights = {k: v for k, v in WEIGHTS.items() if spec.with_custom_objects or k not in CUSTOM}
        self.reserved = reserved_records(spec.records, bool(spec.with_configuration), len(spec.members))
        self.counts = _allocate(spec.records, weights)
        self.counts["person"] -= self.reserved  # configuration records come out of the biggest share
        self.ids = {name: _IdMaker(self.rng) for name in WEIGHTS}
        self.phase = {name: self.rng.random() for name in WEIGHTS}
        self.deleted = {name: 0 for name in self.counts}
        self.files = 0
        self.cycles: list[tuple[str, str]] = []  # (contract id, invoice id) to close later
        self.cycle_contracts: set[int] = set()

    # shared pieces -------------------------------------------------------------------------
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def is_deleted(self, name: str, index: int) -> bool:
        """Evenly spread, about `soft_deleted_ratio` of each object (exact to one record)."""
        ratio, phase = self.spec.soft_deleted_ratio, self.phase[name]
        return int((index + 1) * ratio + phase) > int(index * ratio + phase)

    def base(self, name: str, index: int, *, actor: bool = True) -> dict[str, Any]:
        """id, createdAt, createdBy and (for a few) deletedAt: what every record carries."""
        rng = self.rng
        created = EPOCH_START + rng.random() * EPOCH_SPAN
        row: dict[str, Any] = {"id": self.ids[name](index), "createdAt": _timestamp(created)}
        if actor and self.member_ids:
            roll = rng.random()
            member = rng.randrange(len(self.member_ids))
            if roll < 0.7:
                row["createdBy"] = {"source": "MANUAL", "workspaceMemberId": self.member_ids[member],
                                    "name": self.member_names[member], "context": {}}
            elif roll < 0.85:
                row["createdBy"] = {"source": "IMPORT", "workspaceMemberId": self.member_ids[member],
                                    "name": self.member_names[member], "context": {}}
        if self.is_deleted(name, index):
            self.deleted[name] += 1
            row["deletedAt"] = _timestamp(created + 3600 + rng.random() * 86400 * 30)
        return row

    def ref(self, name: str, limit: int | None = None, *, skew: bool = False) -> str | None:
        """The id of a random existing record of `name` among the first `limit`, or None."""
        pool = self.counts.get(name, 0) if limit is None else limit
        if pool <= 0:
            return None
        index = int(pool * self.rng.random() ** 2) if skew else self.rng.randrange(pool)
        return self.ids[name](index)

    def member(self, empty: float = 0.2) -> str | None:
        if not self.member_ids or self.rng.random() < empty:
            return None
        return self.rng.choice(self.member_ids)

    def text(self, pool: tuple[str, ...], odd: float = 0.04) -> str:
        """Mostly from `pool`; sometimes a value a CSV export or an HTML page must survive."""
        rng = self.rng
        return rng.choice(ODD_TEXTS) if rng.random() < odd else rng.choice(pool)

    def long_text(self, size: int = 12_000) -> str:
        parts: list[str] = []
        length = 0
        while length < size:
            sentence = self.rng.choice(SENTENCES)
            parts.append(sentence)
            length += len(sentence) + 1
        return " ".join(parts)

    def rich_text(self, *, long: bool = False) -> dict[str, Any]:
        """bodyV2: a BlockNote JSON string and the matching markdown, as Twenty's editor saves."""
        rng = self.rng
        blocks: list[dict[str, Any]] = []
        markdown: list[str] = []
        props = {"textColor": "default", "backgroundColor": "default", "textAlignment": "left"}

        def block(kind: str, text: str, extra: dict[str, Any] | None = None) -> None:
            content = [{"type": "text", "text": text, "styles": {}}]
            blocks.append({"id": self.uid(), "type": kind, "props": {**props, **(extra or {})}, "content": content, "children": []})

        if rng.random() < 0.5:
            heading = rng.choice(TOPICS)
            block("heading", heading, {"level": 2})
            markdown.append(f"## {heading}")
        for _ in range(rng.randint(1, 3)):
            paragraph = self.long_text() if long else " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 3)))
            block("paragraph", paragraph)
            markdown.append(paragraph)
            long = False
        if rng.random() < 0.3:
            for item in rng.sample(SENTENCES, 2):
                block("bulletListItem", item)
                markdown.append(f"- {item}")
        return {"blocknote": json.dumps(blocks, ensure_ascii=False), "markdown": "\n\n".join(markdown)}

    def link(self, url: str | None, secondary: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        return {"primaryLinkUrl": url, "primaryLinkLabel": "",
                "secondaryLinks": [{"url": u, "label": label} for u, label in secondary or ()]}

    def phone(self) -> dict[str, Any]:
        rng = self.rng
        country, calling, digits = rng.choice(PHONE_COUNTRIES)
        number = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
        extra = []
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            c2, k2, d2 = rng.choice(PHONE_COUNTRIES)
            extra.append({"number": "".join(str(rng.randint(0, 9)) for _ in range(d2)), "countryCode": c2, "callingCode": k2})
        return {"primaryPhoneNumber": number, "primaryPhoneCountryCode": country,
                "primaryPhoneCallingCode": calling, "additionalPhones": extra}

    def address(self) -> dict[str, Any] | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return None
        city, state, postcode, country, lat, lng = rng.choice(CITIES)
        if roll < 0.15:
            return {"addressCity": city, "addressCountry": country}
        return {"addressStreet1": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
                "addressStreet2": rng.choice(("", "", "Suite 400", "2e étage", "Bldg. 7, Floor 3")),
                "addressCity": city, "addressState": state, "addressPostcode": postcode,
                "addressCountry": country, "addressLat": round(lat + rng.uniform(-0.05, 0.05), 6),
                "addressLng": round(lng + rng.uniform(-0.05, 0.05), 6)}

    def money(self, low: int, high: int, empty: float = 0.15) -> dict[str, Any] | None:
        rng = self.rng
        roll = rng.random()
        if roll < empty * 0.6:
            return None
        if roll < empty:
            return {"amountMicros": None, "currencyCode": rng.choice(CURRENCIES)}
        return {"amountMicros": rng.randint(low, high) * 10_000, "currencyCode": rng.choice(CURRENCIES)}

    def person_name(self) -> tuple[str, str]:
        rng = self.rng
        return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)

    # objects -------------------------------------------------------------------------------
    def members(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for member in self.spec.members:
            member_id = self.uid()
            self.member_ids.append(member_id)
            self.member_names.append(f"{member.first_name} {member.last_name}")
            yield {"id": member_id, "createdAt": _timestamp(EPOCH_START - rng.random() * 86400 * 365),
                   "name": {"firstName": member.first_name, "lastName": member.last_name},
                   "userEmail": member.email, "userId": self.uid(),
                   "locale": rng.choice(("en", "en", "fr-FR", "de-DE", "ja-JP", "pt-BR")),
                   "colorScheme": rng.choice(("System", "Light", "Dark")),
                   "timeZone": rng.choice(("system", "Europe/Paris", "America/Los_Angeles", "Asia/Tokyo"))}

    def companies(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        with_tier = "tier" in self.ws.objects["company"].by_name
        for i in range(self.counts.get("company", 0)):
            row = self.base("company", i)
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
            if rng.random() < 0.04:
                name = rng.choice(ODD_TEXTS)
            slug = f"{_ascii_slug(name, 'company')}-{i}"
            roll = rng.random()
            domain = None if roll < 0.08 else (
                f"{slug}.{rng.choice(TLDS)}" if roll < 0.15 else
                f"HTTPS://WWW.{slug.upper()}.COM/" if roll < 0.18 else f"https://{slug}.{rng.choice(TLDS)}")
            secondary = [(f"https://blog.{slug}.com", "Blog")] if domain and rng.random() < 0.15 else []
            row.update({
                "name": name,
                "domainName": self.link(domain, secondary) if domain or rng.random() < 0.5 else None,
                "employees": None if rng.random() < 0.1 else int(10 ** rng.uniform(0, 5)),
                "linkedinLink": self.link(f"https://www.linkedin.com/company/{slug}" if rng.random() < 0.7 else None),
                "xLink": self.link(f"https://x.com/{slug[:15]}") if rng.random() < 0.4 else None,
                "annualRecurringRevenue": self.money(1_000_000, 5_000_000_000),
                "address": self.address(),
                "idealCustomerProfile": rng.random() < 0.3,
                "accountOwnerId": self.member(),
            })
            if with_tier:
                row["tier"] = rng.choice(("STRATEGIC", "ENTERPRISE", "MID_MARKET", "SMB", None))
            yield row

    def people(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for i in range(self.counts.get("person", 0)):
            row = self.base("person", i)
            first, last = self.person_name()
            local = _ascii_slug(f"{first}.{last}", "contact").replace("-", ".")
            roll = rng.random()
            if roll < 0.07:
                emails: dict[str, Any] | None = None if roll < 0.04 else {"primaryEmail": "", "additionalEmails": []}
            else:
                domain = rng.choice(EMAIL_DOMAINS) if roll < 0.3 else f"{rng.choice(COMPANY_WORDS).lower().replace(' ', '')}.com"
                primary = f"{local}{i}@{domain}"  # unique: the prefix has no digit
                if roll > 0.97:
                    primary = primary.upper() if roll > 0.985 else f"{first.lower().replace(' ', '')}{i}@{domain}"
                extra = [f"{local}{i:x}.{n}@{rng.choice(EMAIL_DOMAINS)}" for n in range(rng.choice((0, 0, 0, 1, 2)))]
                emails = {"primaryEmail": primary, "additionalEmails": extra}
            handle = f"{local.replace('.', '-')}-{i:x}"
            row.update({
                "name": {"firstName": first, "lastName": last} if rng.random() < 0.95 else
                        rng.choice(({"firstName": first, "lastName": ""}, {"firstName": "", "lastName": ""})),
                "emails": emails,
                "linkedinLink": self.link(f"https://www.linkedin.com/in/{handle}",
                                          [(f"https://github.com/{handle}", "GitHub")] if rng.random() < 0.1 else [])
                if rng.random() < 0.6 else None,
                "xLink": self.link(f"https://x.com/{handle[:15]}") if rng.random() < 0.2 else None,
                "jobTitle": self.text(JOB_TITLES) if rng.random() < 0.8 else "",
                "phones": self.phone() if rng.random() < 0.7 else None,
                "city": self.text(CITY_NAMES) if rng.random() < 0.8 else None,
                "avatarUrl": f"https://i.pravatar.cc/150?u={handle}" if rng.random() < 0.2 else None,
                "companyId": self.ref("company", skew=True) if rng.random() < 0.85 else None,
            })
            yield row

    def opportunities(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        stages = ("NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER")
        for i in range(self.counts.get("opportunity", 0)):
            row = self.base("opportunity", i)
            close = EPOCH_START + rng.random() * (EPOCH_SPAN + 86400 * 365)
            row.update({
                "name": f"{rng.choice(COMPANY_WORDS)} — {self.text(PRODUCTS)}",
                "amount": self.money(500_000, 500_000_000, empty=0.1),
                "closeDate": _timestamp(close) if rng.random() < 0.85 else None,
                "stage": rng.choice(stages),
                "companyId": self.ref("company", skew=True) if rng.random() < 0.9 else None,
                "pointOfContactId": self.ref("person") if rng.random() < 0.7 else None,
                "ownerId": self.member(),
            })
            yield row

    def notes(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for i in range(self.counts.get("note", 0)):
            row = self.base("note", i)
            long = i == 1 or rng.random() < 0.003
            row.update({"title": self.text(TOPICS, odd=0.06) if rng.random() < 0.95 else "",
                        "bodyV2": self.rich_text(long=long) if long or rng.random() < 0.9 else None})
            yield row

    def tasks(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for i in range(self.counts.get("task", 0)):
            row = self.base("task", i)
            due = EPOCH_START + rng.random() * (EPOCH_SPAN + 86400 * 180)
            row.update({"title": self.text(TOPICS, odd=0.06),
                        "bodyV2": self.rich_text(long=rng.random() < 0.002) if rng.random() < 0.6 else None,
                        "dueAt": _timestamp(due) if rng.random() < 0.7 else None,
                        "status": rng.choice(("TODO", "TODO", "IN_PROGRESS", "DONE", "DONE")),
                        "assigneeId": self.member(empty=0.25)})
            yield row

    def target_pools(self, extra: tuple[tuple[str, int], ...] = ()) -> tuple[list[str], list[int]]:
        base = (("person", 45), ("company", 30), ("opportunity", 15), ("project", 5), ("contract", 3), ("invoice", 2), *extra)
        pools = [(name, weight) for name, weight in base if self.counts.get(name, 0) > 0]
        return [p[0] for p in pools], [p[1] for p in pools]

    def targets(self, link: str, parent: str) -> Iterator[dict[str, Any]]:
        """noteTarget / taskTarget: each parent gets several, spread evenly, one target each."""
        rng = self.rng
        names, weights = self.target_pools()
        total, parents = self.counts.get(link, 0), self.counts.get(parent, 0)
        for i in range(total):
            row = self.base(link, i, actor=False)
            row[f"{parent}Id"] = self.ids[parent](i * parents // total) if parents else None
            if names:
                target = rng.choices(names, weights)[0]
                row[f"target{target[0].upper()}{target[1:]}Id"] = self.ref(target)
            yield row

    def attachments(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        names, weights = self.target_pools((("note", 10), ("task", 5)))
        with_file = "file" in self.ws.objects["attachment"].by_name
        for i in range(self.counts.get("attachment", 0)):
            row = self.base("attachment", i)
            extension, mime, category = FILE_KINDS[i % len(FILE_KINDS)] if i < len(FILE_KINDS) else rng.choice(FILE_KINDS)
            label = f"{rng.choice(FILE_STEMS)}.{extension}"
            data = self.file_bytes(extension, label)
            saved = self.ws.save_file(label, data, mime, file_id=self.uid())
            self.files += 1
            row.update({"name": label, "fullPath": saved["path"], "fileCategory": category})
            if with_file:
                row["file"] = [{"fileId": saved["id"], "label": label}]
            if names:
                target = rng.choices(names, weights)[0]
                row[f"target{target[0].upper()}{target[1:]}Id"] = self.ref(target)
            yield row

    def file_bytes(self, extension: str, label: str) -> bytes:
        rng = self.rng
        if extension == "pdf":
            return _pdf(f"{label} - {rng.choice(SENTENCES)}")
        if extension == "png":
            side = rng.choice((8, 12, 16, 24, 32))
            return _png(rng, side, side)
        if extension == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["name", "email", "note"])
            for n in range(rng.randint(3, 40)):
                first, last = self.person_name()
                writer.writerow([f"{first} {last}", f"user{n}@example.com", self.text(SENTENCES, odd=0.3)])
            return out.getvalue().encode("utf-8")
        return "\n".join(rng.choice(SENTENCES) for _ in range(rng.randint(3, 60))).encode("utf-8")

    def projects(self, chunk: int) -> Iterator[dict[str, Any]]:
        """Every custom field type; project 0 leaves them all empty, project 1 fills them all."""
        rng = self.rng
        for i in range(self.counts.get("project", 0)):
            row = self.base("project", i)
            empty = 0.15 if i > 1 else float(i == 0)
            full = {"name": f"{rng.choice(COMPANY_WORDS)} {self.text(PRODUCTS, 0.1)}",
                    "summary": self.long_text(11_000) if i == 1 or rng.random() < 0.01 else self.text(SENTENCES, 0.1),
                    "headcount": rng.randint(1, 80), "score": round(rng.uniform(-100, 1000), 3),
                    "isInternal": rng.random() < 0.5, "startDate": _timestamp(EPOCH_START + rng.random() * EPOCH_SPAN)[:10],
                    "kickoffAt": _timestamp(EPOCH_START + rng.random() * EPOCH_SPAN),
                    "status": rng.choice(("PLANNED", "ACTIVE", "ON_HOLD", "DONE")),
                    "channels": rng.sample(("EMAIL", "PHONE", "SLACK", "IN_PERSON"), rng.randint(1, 3)),
                    "priority": f"RATING_{rng.randint(1, 5)}",
                    "tags": rng.sample(("alpha", "beta", "urgent", "légal", "東京", "q3, q4", "=x"), rng.randint(1, 3)),
                    "payload": {"source": "seed", "index": i, "nested": {"ok": True, "list": [1, "two", None]}},
                    "budget": self.money(1_000_000, 100_000_000, empty=0.0),
                    "sponsor": dict(zip(("firstName", "lastName"), self.person_name(), strict=True)),
                    "contactEmails": {"primaryEmail": f"project{i:x}@{rng.choice(EMAIL_DOMAINS)}",
                                      "additionalEmails": [f"team{i:x}@example.com"]},
                    "contactPhones": self.phone(), "website": self.link(f"https://projects.example.com/p/{i:x}"),
                    "site": self.address() or {"addressCity": "Paris"}, "brief": self.rich_text(),
                    "externalId": self.uid(), "code": f"PRJ-{i:06d}",
                    "companyId": self.ref("company"), "managerId": self.member(empty=0.0)}
            blanks = {"name": None, "summary": "", "headcount": None, "score": None, "isInternal": None, "startDate": None,
                      "kickoffAt": None, "status": None, "channels": [], "priority": None, "tags": [],
                      "payload": {}, "budget": None, "sponsor": {"firstName": "", "lastName": ""},
                      "contactEmails": {"primaryEmail": "", "additionalEmails": []}, "contactPhones": None,
                      "website": None, "site": None, "brief": None, "externalId": None, "code": None,
                      "companyId": None, "managerId": None}
            for key, value in full.items():
                row[key] = blanks[key] if rng.random() < empty else value
            earlier = (i // chunk) * chunk
            row["parentProjectId"] = self.ref("project", earlier) if earlier and rng.random() < 0.6 else None
            yield row

    def contracts(self, lo: int, hi: int, invoices_before: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for i in range(lo, hi):
            row = self.base("contract", i)
            row.update({"name": f"{rng.choice(COMPANY_WORDS)} MSA {2022 + i % 4}",
                        "value": self.money(10_000_000, 1_000_000_000),
                        "signedAt": _timestamp(EPOCH_START + rng.random() * EPOCH_SPAN) if rng.random() < 0.8 else None,
                        "companyId": self.ref("company") if rng.random() < 0.9 else None,
                        "lastInvoiceId": self.ref("invoice", invoices_before) if rng.random() < 0.7 else None})
            yield row

    def invoices(self, lo: int, hi: int, contracts_before: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for i in range(lo, hi):
            row = self.base("invoice", i)
            contract_index = rng.randrange(contracts_before) if contracts_before and rng.random() < 0.9 else None
            row.update({"name": f"INV-{2022 + i % 4}-{i:05d}", "amount": self.money(100_000, 50_000_000),
                        "issuedOn": _timestamp(EPOCH_START + rng.random() * EPOCH_SPAN)[:10],
                        "paid": rng.random() < 0.7,
                        "contractId": None if contract_index is None else self.ids["contract"](contract_index)})
            if (contract_index is not None and len(self.cycles) < TRUE_CYCLES and "deletedAt" not in row
                    and not self.is_deleted("contract", contract_index)
                    and contract_index not in self.cycle_contracts):
                self.cycles.append((self.ids["contract"](contract_index), row["id"]))
                self.cycle_contracts.add(contract_index)
            yield row

    # loading -------------------------------------------------------------------------------
    def load(self, name: str, rows: Iterable[dict[str, Any]], chunk: int = CHUNK) -> None:
        obj = self.ws.objects[name]
        iterator = iter(rows)
        while batch := list(islice(iterator, chunk)):
            self.ws.bulk_load(obj, batch, self.caller)

    def load_attachments(self) -> None:
        """Files and their records, one transaction per chunk of files."""
        obj = self.ws.objects["attachment"]
        iterator = self.attachments()
        while True:
            with self.ws.store.transaction():
                batch = list(islice(iterator, CHUNK))
            if not batch:
                return
            self.ws.bulk_load(obj, batch, self.caller)

    def load_cycle(self) -> None:
        """contract ↔ invoice in alternating rounds, then a few record cycles closed by update."""
        n_contracts, n_invoices = self.counts.get("contract", 0), self.counts.get("invoice", 0)
        rounds = max(MIN_WAVES, -(-max(n_contracts, n_invoices) // CHUNK))
        for r in range(rounds):
            c_lo, c_hi = n_contracts * r // rounds, n_contracts * (r + 1) // rounds
            i_lo, i_hi = n_invoices * r // rounds, n_invoices * (r + 1) // rounds
            self.load("contract", self.contracts(c_lo, c_hi, i_lo))
            self.load("invoice", self.invoices(i_lo, i_hi, c_hi))
        contract = self.ws.objects["contract"]
        for contract_id, invoice_id in self.cycles:
            self.ws.update_one(contract, contract_id, {"lastInvoiceId": invoice_id}, self.caller)


def create_custom_objects(ws: Workspace) -> tuple[str, ...]:
    """project (a field of every creatable type, a unique code, relations to company, itself and
    a member), contract ↔ invoice (a cycle), and `company.tier`; through the metadata API."""
    def new_object(singular: str, plural: str, label: str, label_plural: str) -> str:
        return metadata.create_object(ws, {"nameSingular": singular, "namePlural": plural, "labelSingular": label,
                                           "labelPlural": label_plural, "icon": "IconBox"}).id

    def new_field(object_id: str, name: str, kind: str, **extra: Any) -> None:
        label = re.sub(r"(?<!^)([A-Z])", r" \1", name).capitalize()
        metadata.create_field(ws, {"objectMetadataId": object_id, "name": name, "label": label, "type": kind, **extra})

    def relation(object_id: str, name: str, target: str, inverse_label: str) -> None:
        new_field(object_id, name, "RELATION", relationCreationPayload={
            "targetObjectMetadataId": ws.objects[target].id, "type": "MANY_TO_ONE",
            "targetFieldLabel": inverse_label, "targetFieldIcon": "IconLink"})

    def options(*values: str) -> list[dict[str, Any]]:
        colors = ("green", "blue", "orange", "red", "purple", "gray")
        return [{"value": v, "label": v.replace("_", " ").title(), "color": colors[n % 6], "position": n} for n, v in enumerate(values)]

    project = new_object("project", "projects", "Project", "Projects")
    for name, kind, extra in (
        ("summary", "TEXT", {}), ("headcount", "NUMBER", {"settings": {"dataType": "int"}}),
        ("score", "NUMERIC", {}), ("isInternal", "BOOLEAN", {}), ("startDate", "DATE", {}),
        ("kickoffAt", "DATE_TIME", {}), ("status", "SELECT", {"options": options("PLANNED", "ACTIVE", "ON_HOLD", "DONE")}),
        ("channels", "MULTI_SELECT", {"options": options("EMAIL", "PHONE", "SLACK", "IN_PERSON")}),
        ("priority", "RATING", {}), ("tags", "ARRAY", {}), ("payload", "RAW_JSON", {}),
        ("budget", "CURRENCY", {}), ("sponsor", "FULL_NAME", {}), ("contactEmails", "EMAILS", {}),
        ("contactPhones", "PHONES", {}), ("website", "LINKS", {}), ("site", "ADDRESS", {}),
        ("brief", "RICH_TEXT_V2", {}), ("externalId", "UUID", {}), ("code", "TEXT", {"isUnique": True}),
    ):
        new_field(project, name, kind, **extra)
    relation(project, "company", "company", "Projects")
    relation(project, "parentProject", "project", "Sub Projects")
    relation(project, "manager", "workspaceMember", "Managed Projects")
    contract = new_object("contract", "contracts", "Contract", "Contracts")
    invoice = new_object("invoice", "invoices", "Invoice", "Invoices")
    new_field(contract, "value", "CURRENCY")
    new_field(contract, "signedAt", "DATE_TIME")
    relation(contract, "company", "company", "Contracts")
    new_field(invoice, "amount", "CURRENCY")
    new_field(invoice, "issuedOn", "DATE")
    new_field(invoice, "paid", "BOOLEAN")
    relation(invoice, "contract", "contract", "Invoices")
    relation(contract, "lastInvoice", "invoice", "Last Invoice Of")
    new_field(ws.objects["company"].id, "tier", "SELECT", options=options("STRATEGIC", "ENTERPRISE", "MID_MARKET", "SMB"))
    return CUSTOM


def seed_workspace(ws: Workspace, spec: SeedSpec) -> SeedReport:
    """Fill a fresh workspace: members, then custom metadata, then records in dependency order."""
    if spec.with_custom_objects and any(name in ws.objects for name in CUSTOM):
        raise EmulatorError("This workspace is already seeded (it has a 'project' object); seed a fresh workspace.")
    seeder = _Seeder(ws, spec)
    seeder.load("workspaceMember", seeder.members())
    custom = create_custom_objects(ws) if spec.with_custom_objects else ()
    seeder.load("company", seeder.companies())
    seeder.load("person", seeder.people())
    seeder.load("opportunity", seeder.opportunities())
    if spec.with_custom_objects:
        waves = max(1, min(CHUNK, -(-seeder.counts["project"] // MIN_WAVES)))
        seeder.load("project", seeder.projects(waves), waves)
        seeder.load_cycle()
    seeder.load("note", seeder.notes())
    seeder.load("task", seeder.tasks())
    seeder.load("noteTarget", seeder.targets("noteTarget", "note"))
    seeder.load("taskTarget", seeder.targets("taskTarget", "task"))
    seeder.load_attachments()
    configured = {name: 0 for name in CONFIG_RECORDS}
    if spec.with_configuration:
        configured = seed_configuration(ws, seeder.rng, with_records=seeder.reserved > 0)
    plural = {name: ws.objects[name].name_plural for name in seeder.counts}
    return SeedReport(
        counts={**{plural[n]: c for n, c in seeder.counts.items()}, **configured},
        soft_deleted={plural[n]: c for n, c in seeder.deleted.items()},
        members=len(spec.members), files=seeder.files, custom_objects=custom,
    )
