"""Evidence a check attaches to its result: observed vs expected, and keyed samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_SAMPLES_IN_REPORT = 25


@dataclass(slots=True, repr=False)
class Evidence:
    """What one check saw. `samples` are keyed by record (object, source id, target id, field)."""

    observed: Any = None
    expected: Any = None
    samples: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        # Short, for pytest's display of a failed check's arguments (the samples are in the report).
        return f"Evidence(observed={self.observed!r}, expected={self.expected!r}, {len(self.samples)} samples, {len(self.notes)} notes)"

    def set(self, *, observed: Any, expected: Any) -> None:
        self.observed = observed
        self.expected = expected

    def add(self, **sample: Any) -> None:
        self.samples.append({k: (None if v is None else str(v) if not isinstance(v, int | float | bool) else v) for k, v in sample.items()})

    def note(self, text: str) -> None:
        self.notes.append(text)

    def to_dict(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict: that deep-copies every sample, and a failed audit's
        # evidence holds thousands (samples are flat dicts of text and numbers already).
        return {"observed": self.observed, "expected": self.expected, "samples": list(self.samples), "notes": list(self.notes)}


@dataclass(slots=True)
class CheckResult:
    """One check's outcome, as the report and the JSON show it."""

    nodeid: str
    area: str
    name: str
    sentence: str
    item: str | None
    outcome: str
    evidence: Evidence
    message: str = ""
    duration: float = 0.0

    @property
    def proven(self) -> bool:
        return self.outcome in ("passed", "failed")

    def to_dict(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "area": self.area, "name": self.name, "sentence": self.sentence, "item": self.item,
                "outcome": self.outcome, "evidence": self.evidence.to_dict(), "message": self.message, "duration": self.duration}
