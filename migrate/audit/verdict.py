"""The verdict: FAIL if a check failed; PASS WITH WARNINGS if a check is not proven (skipped,
xfailed, errored) or a manual item awaits its sign-off; PASS otherwise."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from migrate.audit.evidence import CheckResult


@dataclass(frozen=True, slots=True)
class Verdict:
    label: str
    counts: dict[str, int]


def verdict_of(results: Iterable[CheckResult]) -> Verdict:
    counts = Counter(r.outcome for r in results)
    if counts["failed"] or counts["error"]:
        label = "FAIL"
    elif counts["skipped"] or counts["xfailed"] or counts["xpassed"]:
        label = "PASS WITH WARNINGS"
    else:
        label = "PASS"
    return Verdict(label, dict(counts))
