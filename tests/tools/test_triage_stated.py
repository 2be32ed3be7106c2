"""Triage reads the report: stated customer impact, SLO breaches and Xid codes count toward severity,
the draft says which facts came from the text, and every cited number reproduces from its source."""

from __future__ import annotations

import pytest

from core.settings import Settings
from telemetry.schema import SEVERITIES
from tools._warehouse import Warehouse
from tools.grounding import reproduce
from tools.triage import triage
from tools.triage_stated import parse, stated_severity

XID_REPORT = "XID 79 on node gpu-a17, customers are seeing timeouts, p95 tripled"


def test_xid_79_with_customer_impact_grades_at_least_sev2_and_every_number_reproduces(settings: Settings) -> None:
    draft = triage(settings, text=XID_REPORT)
    assert SEVERITIES.index(draft.severity.value) <= SEVERITIES.index("SEV2"), draft.severity
    assert "from the text" in draft.severity.reason and "the data alone gives" in draft.severity.reason
    md = draft.render("md")
    stated = md.split("## Stated in the report (not measured)", 1)[1].split("## Impact", 1)[0]
    assert "`Xid 79`: GPU has fallen off the bus" in stated and "`customers are seeing timeouts`" in stated
    assert "Measured in the warehouse" in md
    assert draft.problems() == []  # every number in the prose is a cited fact
    with Warehouse(settings) as wh:
        assert [str(p) for p in reproduce(draft.facts, wh.run)] == []  # and each source returns it


def test_a_report_that_states_no_impact_keeps_the_data_severity(settings: Settings) -> None:
    plain = triage(settings, text="training jobs on cluster us-west-onprem keep failing")
    assert "from the text" not in plain.severity.reason and "Stated in the report" not in plain.render("md")


@pytest.mark.parametrize(("text", "level"), [
    ("Xid 48 on two nodes", "SEV2"),  # double-bit ECC: the GPU needs a reset
    ("Xid 63 row remapping event on one GPU", "SEV3"),  # recorded, reset when convenient
    ("Xid 13 in one user's job", None),  # graphics engine exception: usually the application
    ("users get 503 errors from the chat endpoint", "SEV2"),
    ("chat SLO breached and customers see errors", "SEV1"),
    ("p99 latency up 2.5x on search", "SEV2"),
    ("12 training jobs failed", "SEV3"),
    ("80 GPUs down in us-east", "SEV1"),
])
def test_stated_rubric(text: str, level: str | None) -> None:
    decision = stated_severity(parse(text))
    assert (decision.value if decision else None) == level, decision


def test_xid_codes_read_with_their_nvidia_meaning() -> None:
    s = parse("Xids 48, 79 and 13 in dmesg")
    assert [(x.code, x.cls) for x in s.xids] == [(48, "memory_fatal"), (79, "node_loss"), (13, "application")]
    assert parse("XID 999").xids[0].cls == "unknown"
