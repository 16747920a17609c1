"""The verdict: FAIL if a check failed or errored; PASS WITH WARNINGS if a check is not proven
(skipped, xfailed, pending: its object is not imported yet), passed only thanks to a threshold, or a
manual item awaits its sign-off; PASS otherwise."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from migrate.audit.evidence import CheckResult


@dataclass(frozen=True, slots=True)
class Verdict:
    label: str
    counts: dict[str, int]


def verdict_of(results: Iterable[CheckResult], tolerated: Iterable[str] = ()) -> Verdict:
    """`tolerated`: checks that passed only thanks to a threshold of the audit config."""
    counts = Counter(r.outcome for r in results)
    if counts["failed"] or counts["error"]:
        label = "FAIL"
    elif counts["skipped"] or counts["pending"] or counts["xfailed"] or counts["xpassed"] or list(tolerated):
        label = "PASS WITH WARNINGS"
    else:
        label = "PASS"
    return Verdict(label, dict(counts))
