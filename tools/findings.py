"""Findings of the anomaly scan: the pydantic shape, severity, merging and scoring against ground truth.

Severity follows the SEV scale of `telemetry.schema.SEVERITIES` (SEV1 most urgent), from the estimated
dollar impact, bumped one level for production serving (customers can see it, as Google SRE's
incident rule puts it):

    impact_usd >= 25,000 -> SEV1;  >= 5,000 -> SEV2;  >= 500 -> SEV3;  else SEV4.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Iterable

from pydantic import BaseModel, Field

SEV_THRESHOLDS: tuple[tuple[float, str], ...] = ((25_000.0, "SEV1"), (5_000.0, "SEV2"), (500.0, "SEV3"))

# The unit of each detector metric's observed and expected values, as findings state them.
UNITS: dict[str, str] = {
    "sm_active": "fraction of SM cycles active (0-1, DCGM SM activity)",
    "busy_share": "share of allocated accelerator-hours busy (0-1)",
    "EffectiveCost_usd_per_day": "USD (EffectiveCost summed over the window's days)",
    "queue_wait_minutes_median": "minutes of queue wait per job",
    "failure_rate": "share of jobs failed (0-1)",
    "allocated_accelerators": "accelerators allocated (peak hour)",
    "latency_p95_ms": "ms (p95 latency)",
    "kwh_per_accelerator_hour": "kWh per allocated accelerator-hour",
    "physical_bound": "as the bound states",
}
SHORT_UNITS: dict[str, str] = {
    "sm_active": "SM", "busy_share": "busy", "EffectiveCost_usd_per_day": "USD", "queue_wait_minutes_median": "min",
    "failure_rate": "failed", "allocated_accelerators": "accel", "latency_p95_ms": "ms",
    "kwh_per_accelerator_hour": "kWh/acc-h",
}


def short_unit(metric: str) -> str:
    """The unit a table cell can carry after a number."""
    return SHORT_UNITS.get(metric, "")


class Finding(BaseModel):
    """One anomaly: what, where, when, how far from normal, what it cost, and who should look."""

    id: str = ""
    kind: str
    entity_type: str = Field(description="team | cluster | endpoint")
    entity: str
    cluster: str | None = None
    accelerator_type: str | None = None
    start: datetime = Field(description="first anomalous hour (inclusive)")
    end: datetime = Field(description="end of the window (exclusive)")
    metric: str
    observed: float
    expected: float
    severity: str
    impact_usd: float
    owner: str
    tier: int = Field(description="support tier that should act: 1 on-call, 2 team lead, 3 escalations")
    evidence_sql: str
    score: float | None = Field(default=None, description="how far from normal, in robust z (shape detectors)")
    unit: str = Field(default="", description="unit of observed and expected")
    baseline: str = Field(default="", description="what `expected` is: the baseline the detector used")
    shape: str = Field(default="", description="spike_up, shift_down, saturation, collapse, idling... (shape detectors)")
    feedback: str | None = Field(default=None, description="what people said of it: yes, no or planned")
    notes: list[str] = Field(default_factory=list, description="related symptoms folded into this finding")
    details: dict[str, float] = Field(default_factory=dict, description="the detector's other measures (hours, jobs...)")

    @property
    def window(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M}"

    @property
    def ref(self) -> str:
        """Stable across scans: what the finding is about and the day it started (F003 is only today's rank)."""
        key = "|".join(str(v) for v in (self.kind, self.entity, self.cluster, self.accelerator_type, f"{self.start:%Y-%m-%d}"))
        return "a" + hashlib.sha1(key.encode()).hexdigest()[:7]

    @property
    def duration_hours(self) -> float:
        return round((self.end - self.start).total_seconds() / 3600, 1)

    def contract(self) -> dict[str, Any]:
        """The DESIGN.md `pace scan --json` keys, plus the extra identifying fields (unit, duration...)."""
        out = self.model_dump(mode="json")
        out["ref"] = self.ref
        out["unit"] = self.unit or UNITS.get(self.metric, "")
        out["window"] = {"start": out["start"], "end": out["end"], "text": self.window, "hours": self.duration_hours}
        out["duration_hours"] = self.duration_hours
        return out


def severity(impact_usd: float, production: bool = False) -> str:
    """SEV level from dollar impact; production serving is one level more urgent (floor SEV2)."""
    level = next((sev for bound, sev in SEV_THRESHOLDS if impact_usd >= bound), "SEV4")
    if production:
        level = {"SEV1": "SEV1", "SEV2": "SEV1", "SEV3": "SEV2", "SEV4": "SEV2"}[level]
    return level


def _key(f: Finding) -> tuple[str, str, str | None, str | None]:
    return (f.kind, f.entity, f.cluster, f.accelerator_type)


def merge_overlapping(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings of the same kind and entity whose windows overlap or touch.

    The merged window spans both; observed/expected keep the stronger finding's values and impacts
    add up (the windows come from disjoint hours of one detector, or the same hours seen twice:
    then the larger impact is kept).
    """
    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: (_key(f)[0], _key(f)[1], str(f.cluster), str(f.accelerator_type), f.start)):
        last = out[-1] if out else None
        if last is not None and _key(last) == _key(f) and f.start <= last.end:
            stronger = last if abs(last.observed - last.expected) >= abs(f.observed - f.expected) else f
            disjoint = f.start >= last.end
            impact = last.impact_usd + f.impact_usd if disjoint else max(last.impact_usd, f.impact_usd)
            out[-1] = stronger.model_copy(
                update={"start": min(last.start, f.start), "end": max(last.end, f.end), "impact_usd": round(impact, 2)}
            )
        else:
            out.append(f)
    return out


COST_FOLD_FACTOR = 1.5


_SHAPE_CAUSES = ("idle_allocation", "utilization_collapse", "energy_outlier", "quota_breach", "failure_rate_spike")


def _explains(cause: Finding, f: Finding) -> bool:
    """A quota breach explains a queue-wait surge on its pool, and a cost rise of its team no larger than
    1.5x what the breach's extra allocation cost (`rise_usd`), when their windows overlap. A stream's
    utilization shift is a symptom of a specific finding on its pool (and team, where that names one)."""
    if not (f.start < cause.end and cause.start < f.end) or cause is f:
        return False
    if f.kind == "utilization_shift" and cause.kind in _SHAPE_CAUSES:
        same_pool = cause.accelerator_type in (None, f.accelerator_type) and cause.cluster in (None, f.cluster)
        return same_pool and (cause.entity_type != "team" or cause.entity == f.entity)
    if cause.kind != "quota_breach":
        return False
    if f.kind == "queue_wait_surge":
        return (cause.cluster, cause.accelerator_type) == (f.cluster, f.accelerator_type)
    if f.kind == "cost_spike":
        return f.entity == cause.entity and f.impact_usd <= COST_FOLD_FACTOR * cause.details.get("rise_usd", 0.0)
    return False


def fold_symptoms(findings: list[Finding]) -> list[Finding]:
    """Fold symptoms into their cause: a team holding far more than its burst limit is what makes everyone
    else on the pool queue, and what raises its own bill that day; one problem, one owner, one finding
    (the symptom is kept as a note on the cause)."""
    notes: dict[int, list[str]] = {}
    folded: set[int] = set()
    for i, f in enumerate(findings):
        j = next((j for j, c in enumerate(findings) if _explains(c, f)), None)
        if j is None:
            continue
        if f.kind == "utilization_shift":
            notes.setdefault(j, []).append(
                f"{f.entity}'s busy share on {f.cluster} {f.accelerator_type} was {f.observed:.0%} ({f.expected:.0%} "
                f"expected, {f.shape.replace('_', ' ')}) from {f.window}")
            folded.add(i)
            continue
        what = "queue waits" if f.kind == "queue_wait_surge" else "daily cost"
        notes.setdefault(j, []).append(
            f"{what} rose to {f.observed:,.0f} ({f.expected:,.0f} expected) on {f.entity} from {f.window}")
        folded.add(i)
    return [f.model_copy(update={"notes": [*f.notes, *notes.get(i, [])]}) for i, f in enumerate(findings) if i not in folded]


def _matches(f: Finding, t: dict[str, Any]) -> bool:
    if f.kind != t["kind"] or f.entity != t["entity"]:
        return False
    for col in ("cluster", "accelerator_type"):
        want = t.get(col)
        if want is not None and want == want and getattr(f, col) not in (None, want):  # NaN-safe
            return False
    return f.start < t["end_at"] and t["start_at"] < f.end


DATA_QUALITY_KINDS = ("data_quality",)


def score_against_ground_truth(findings: list[Finding], truth: Iterable[dict[str, Any]]) -> tuple[float, float, float]:
    """(precision, recall, f1): a finding matches a truth row with the same kind and entity (and the
    truth's cluster and accelerator type where it names them) whose window overlaps the finding's.
    Data-quality findings are about the data, not the fleet, and are not scored as anomalies."""
    findings = [f for f in findings if f.kind not in DATA_QUALITY_KINDS]
    rows = [dict(t) for t in truth]
    for t in rows:
        t["start_at"], t["end_at"] = _naive(t["start_at"]), _naive(t["end_at"])
    tp_findings = sum(any(_matches(f, t) for t in rows) for f in findings)
    found = sum(any(_matches(f, t) for f in findings) for t in rows)
    precision = tp_findings / len(findings) if findings else (1.0 if not rows else 0.0)
    recall = found / len(rows) if rows else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def _naive(value: Any) -> datetime:
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.replace(tzinfo=None) if isinstance(value, datetime) else datetime.fromisoformat(str(value))
