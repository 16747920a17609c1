"""Creating one object's records in batches, so that every record lands exactly once.

A batch is marked in flight, sent once, and settled:
- answered: its records enter the id map as created;
- refused (400, all or nothing): records whose id or server-unique key (primary e-mail, domain,
  custom unique field) already exists are matched to the existing record, the rest are sent
  again, and a batch that still fails is halved until the refused record stands alone and
  becomes a reject with the server's message;
- unanswered (timeout, dropped connection, 5xx): the target is asked which ids exist; those are
  created (the batch landed), the rest are sent again. 429s are waited out (Retry-After).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from migrate.apply.journal import Journal, Reject
from migrate.errors import TwentyRateLimited, TwentyServerError, TwentyUnreachable, TwentyValidationError
from migrate.model import ObjectMeta
from migrate.twenty import writes
from migrate.twenty.client import TwentyClient
from migrate.twenty.codecs import normalize_email, normalize_link_url

UNIQUE_SUBFIELD = {"EMAILS": "primaryEmail", "LINKS": "primaryLinkUrl", "PHONES": "primaryPhoneNumber"}
_BATCH_CAP = re.compile(r"Maximum number of records to upsert is (\d+)")

Item = tuple[str, dict[str, Any], str | None]
"""(source id, body to send, source updatedAt)."""


def _normalise(path: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if path.endswith("primaryEmail"):
        return normalize_email(value)
    if path.endswith("primaryLinkUrl"):
        return normalize_link_url(value)
    return value


def unique_keys(target: ObjectMeta) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    """The server-enforced unique keys of an object: filter path and a getter on a body."""
    keys: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    for f in target.fields:
        if not f.is_unique or f.name == "id":
            continue
        sub = UNIQUE_SUBFIELD.get(f.type)
        if sub:
            keys.append((f"{f.name}.{sub}", lambda body, n=f.name, s=sub: (body.get(n) or {}).get(s) if isinstance(body.get(n), dict) else None))
        elif f.type not in ("RELATION", "MORPH_RELATION"):
            keys.append((f.name, lambda body, n=f.name: body.get(n)))
    return keys


@dataclass(slots=True)
class Tally:
    created: int = 0
    matched: int = 0
    rejected: int = 0
    skipped: int = 0
    requests: int = 0
    notes: list[str] = field(default_factory=list)


class RecordCreator:
    """Sends one object's records and keeps the journal true at every step."""

    def __init__(self, client: TwentyClient, journal: Journal, target: ObjectMeta, *, batch_size: int, max_attempts: int = 8,
                 on_settled: Callable[[int], None] | None = None) -> None:
        self.client = client
        self.journal = journal
        self.target = target
        self.plural = target.name_plural
        self.name = target.name_singular
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.keys = unique_keys(target)
        self.tally = Tally()
        self.on_settled = on_settled or (lambda n: None)

    async def recover_in_flight(self) -> None:
        """A previous run died with a batch in flight: what of it exists in the target was created."""
        ids = self.journal.in_flight(self.name, "create")
        if not ids:
            return
        found = await writes.existing(self.client, self.plural, ids)
        self.journal.record_ids(self.name, [(i, i) for i in ids if i in found], "created")
        self.journal.clear_in_flight(self.name, "create")
        self.tally.notes.append(f"{self.name}: settled {len(ids)} records left in flight by an interrupted run ({len(found)} had landed).")

    async def send(self, items: Sequence[Item]) -> None:
        for start in range(0, len(items), self.batch_size):
            await self._send_batch(list(items[start : start + self.batch_size]))

    async def _send_batch(self, items: list[Item]) -> None:
        if not items:
            return
        self.journal.mark_in_flight(self.name, "create", [i[0] for i in items])
        pending = items
        ambiguous = False
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, TwentyRateLimited | TwentyServerError | TwentyUnreachable)),
            wait=self._wait, stop=stop_after_attempt(self.max_attempts), sleep=self.client.sleep, reraise=True)
        async for attempt in retrying:
            with attempt:
                if ambiguous:
                    pending = await self._settle_landed(pending)
                    if not pending:
                        return
                try:
                    await writes.create_many(self.client, self.plural, [i[1] for i in pending], retry=False)
                except (TwentyServerError, TwentyUnreachable):
                    ambiguous = True
                    raise
                except TwentyValidationError as exc:
                    await self._reconcile(pending, exc, ambiguous)
                    return
                self._created(pending)
                return

    @staticmethod
    def _wait(state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TwentyRateLimited) and exc.retry_after is not None:
            return float(exc.retry_after)
        return float(wait_exponential_jitter(initial=1, max=60)(state))

    def _created(self, items: list[Item]) -> None:
        self.journal.record_ids(self.name, [(i[0], i[0]) for i in items], "created", [i[2] for i in items])
        self.tally.created += len(items)
        self.on_settled(len(items))

    async def _settle_landed(self, items: list[Item]) -> list[Item]:
        """After an unanswered create: record what landed, return what did not."""
        found = await writes.existing(self.client, self.plural, [i[0] for i in items])
        landed = [i for i in items if i[0] in found]
        if landed:
            self._created(landed)
        return [i for i in items if i[0] not in found]

    async def _reconcile(self, items: list[Item], error: TwentyValidationError, ambiguous: bool) -> None:
        cap = _BATCH_CAP.search(str(error))
        if cap and int(cap.group(1)) < len(items):
            self.batch_size = max(1, int(cap.group(1)))
            self.tally.notes.append(f"{self.plural}: the target takes at most {self.batch_size} records a batch; batches lowered.")
            await self.send(items)
            return
        found = await writes.existing(self.client, self.plural, [i[0] for i in items])
        same_id = [i for i in items if i[0] in found]
        if same_id:
            if ambiguous:
                self._created(same_id)
            else:
                self._matched([(i, i[0]) for i in same_id])
        rest = [i for i in items if i[0] not in found]
        matched = await self._match_unique(rest)
        if matched:
            self._matched(matched)
        matched_ids = {m[0][0] for m in matched}
        rest = [i for i in rest if i[0] not in matched_ids]
        if not rest:
            return
        if len(rest) < len(items):
            await self._send_batch(rest)
        elif len(rest) == 1:
            self._reject(rest[0], error)
        else:
            half = len(rest) // 2
            await self._send_batch(rest[:half])
            await self._send_batch(rest[half:])

    async def _match_unique(self, items: list[Item]) -> list[tuple[Item, str]]:
        """Existing target records that share a server-unique key with an item."""
        out: list[tuple[Item, str]] = []
        taken: set[str] = set()
        for path, getter in self.keys:
            wanted = {}
            for item in items:
                value = _normalise(path, getter(item[1]))
                if value not in (None, "") and item[0] not in taken:
                    wanted.setdefault(value, item)
            if not wanted:
                continue
            for record in await writes.find_by_values(self.client, self.plural, path, list(wanted)):
                head, _, sub = path.partition(".")
                value = (record.get(head) or {}).get(sub) if sub else record.get(head)
                item = wanted.pop(_normalise(path, value), None)
                if item is not None and item[0] not in taken:
                    out.append((item, record["id"]))
                    taken.add(item[0])
        return out

    def _matched(self, pairs: list[tuple[Item, str]]) -> None:
        self.journal.record_ids(self.name, [(i[0], target) for i, target in pairs], "matched", [i[2] for i, _ in pairs])
        self.tally.matched += len(pairs)
        self.on_settled(len(pairs))

    def _reject(self, item: Item, error: TwentyValidationError) -> None:
        message = error.messages[0] if error.messages else str(error)
        self.journal.reject(Reject(self.name, item[0], "create", error.field, message, hint_for(message)))
        self.journal.clear_in_flight(self.name, "create", [item[0]])
        self.tally.rejected += 1
        self.on_settled(1)


def hint_for(message: str) -> str:
    """What a person can do about a refusal, from the server's words."""
    text = message.lower()
    if "duplicate" in text:
        return "Another record holds the same unique value; merge the two in the source or change one, then run apply again."
    if "foreign key" in text or "does not exist" in text:
        return "It points at a record that is not in the target (refused or deleted); fix that record first, then run apply again."
    if "invalid value" in text or "invalid" in text:
        return "The target refuses this value (its field settings differ from the source's); fix the value in the source or the field in the target."
    if "not nullable" in text:
        return "The target requires this field; fill it in the source, or make it optional in the target."
    return "Read the server's message; fix the record in the source and run apply again."
