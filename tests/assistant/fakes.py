"""A small hand-built catalog for planner unit tests, independent of the YAML definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from semantic_layer.query import GroupBy, MetricQuery, OrderBy

if TYPE_CHECKING:
    from assistant.planner.offline import PlannerInputs
    from assistant.planner.plan import PlannerPlan


@dataclass
class FakeMetric:
    name: str
    label: str
    synonyms: list[str] = field(default_factory=list)
    unit: str = "count"
    format: str = ",.1f"
    description: str = ""
    higher_is_better: bool = True
    kind: str = "simple"
    default_time_dimension: str = "time"


@dataclass
class FakeDimension:
    name: str
    label: str
    synonyms: list[str] = field(default_factory=list)
    kind: str = "categorical"
    values: list[Any] = field(default_factory=list)
    description: str = ""


@dataclass
class FakeVerified:
    question: str
    query: MetricQuery


@dataclass
class FakeCatalog:
    metrics: dict[str, FakeMetric]
    dimensions: dict[str, FakeDimension]
    verified_queries: list[FakeVerified] = field(default_factory=list)


TEAMS = ["atlas", "orion", "nova", "helix", "lyra", "vega", "forge", "pulse", "ember", "quill"]
CLUSTERS = ["us-west-onprem", "us-east-aws", "eu-west-gcp", "us-central-azure", "device-lab"]
ACCELERATORS = ["H100", "H200", "A100", "L40S", "MI300X", "TPU v5e", "Inferentia2", "Jetson Orin"]
WORKLOADS = ["training", "fine-tuning", "evaluation", "batch-inference", "online-inference", "on-device"]


def fake_catalog() -> FakeCatalog:
    metrics = [
        FakeMetric("effective_cost", "Effective cost", ["cost", "spend", "amortized cost"], unit="USD", format=",.2f", higher_is_better=False),
        FakeMetric("billed_cost", "Billed cost", ["cost", "invoice", "bill"], unit="USD", format=",.2f", higher_is_better=False),
        FakeMetric("allocated_hours", "Allocated accelerator-hours", ["accelerator hours", "gpu hours", "usage"], unit="accelerator-hours"),
        FakeMetric("busy_hours", "Busy accelerator-hours", ["busy hours", "usage"], unit="accelerator-hours"),
        FakeMetric("sm_utilization", "SM utilization", ["utilization", "sm active", "gpu utilization"], unit="%"),
        FakeMetric("job_count", "Jobs", ["jobs", "number of jobs", "job count"], unit="count"),
        FakeMetric("queue_wait_p95", "p95 queue wait", ["queue wait", "wait time"], unit="minutes", higher_is_better=False),
    ]
    dims = [
        FakeDimension("team", "Team", ["teams", "group"], values=TEAMS),
        FakeDimension("cluster", "Cluster", ["clusters", "site"], values=CLUSTERS),
        FakeDimension("accelerator_type", "Accelerator type", ["accelerator", "gpu type", "gpu", "chip", "sku"], values=ACCELERATORS),
        FakeDimension("workload_type", "Workload type", ["workload"], values=WORKLOADS),
        FakeDimension("time", "Time", ["date", "day"], kind="time"),
    ]
    vq = [
        FakeVerified(
            "Which teams spent the most last month?",
            MetricQuery(metrics=["effective_cost"], group_by=[GroupBy(dimension="team")],
                        order_by=[OrderBy(field="effective_cost")], limit=5),
        )
    ]
    return FakeCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, vq)


def ask(inputs: PlannerInputs, q: str, previous: MetricQuery | None = None) -> PlannerPlan:
    """Plan `q` with `previous` as the thread's last query (None: a fresh question)."""
    from assistant.planner.offline import plan_offline

    inputs.previous = previous
    return plan_offline(q, inputs)


def dt(d: date) -> datetime:
    """Midnight of a date, as periods are compared."""
    return datetime(d.year, d.month, d.day)


@dataclass
class Measure:
    """A catalog measure as the planner reads it (entity, aggregation), for catalogs that need measures."""

    name: str
    entity: str
    agg: str
    expr: str | None = None


@dataclass
class MeasuredCatalog(FakeCatalog):
    measures: dict[str, Measure] = field(default_factory=dict)


def measured_metric(name: str, label: str, synonyms: list[str], measure: str, unit: str, description: str = "", *,
                    kind: str = "simple") -> FakeMetric:
    """A fake metric defined on `measure` (what shares, rates and stated statistics look at)."""
    m = FakeMetric(name, label, synonyms, unit=unit, kind=kind, description=description)
    m.measure = measure  # type: ignore[attr-defined]
    return m
