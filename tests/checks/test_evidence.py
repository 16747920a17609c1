"""The report's dicts of a check are written by hand (dataclasses.asdict deep-copies every
sample, a cost the audit of a million records noticed): they must still carry every field."""

from __future__ import annotations

import json
from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st

from migrate.audit.evidence import CheckResult, Evidence

TEXT = st.text(max_size=20)


@given(observed=TEXT, expected=TEXT, samples=st.lists(st.dictionaries(TEXT, st.one_of(TEXT, st.integers(), st.none()), max_size=4), max_size=5),
       notes=st.lists(TEXT, max_size=3), outcome=st.sampled_from(["passed", "failed", "skipped", "pending", "error"]))
def test_a_check_result_dict_carries_every_field(observed: str, expected: str, samples: list[dict[str, object]], notes: list[str],
                                                 outcome: str) -> None:
    evidence = Evidence(observed=observed, expected=expected, samples=[dict(s) for s in samples], notes=list(notes))
    result = CheckResult(nodeid="checks/test_x.py::test_y[company]", area="records", name="test_y", sentence="A sentence.",
                         item="company", outcome=outcome, evidence=evidence, message="company: 1 records differ", duration=0.25)
    data = result.to_dict()
    assert set(data) == {f.name for f in fields(CheckResult)}
    assert set(data["evidence"]) == {f.name for f in fields(Evidence)}
    assert {k: v for k, v in data.items() if k != "evidence"} == {f.name: getattr(result, f.name) for f in fields(CheckResult) if f.name != "evidence"}
    assert data["evidence"] == {"observed": observed, "expected": expected, "samples": samples, "notes": notes}
    data["evidence"]["samples"].append({"x": "y"})  # the dict is the report's own: changing it leaves the evidence alone
    assert evidence.samples == samples
    json.dumps(data)
