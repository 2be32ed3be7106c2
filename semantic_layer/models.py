"""Pydantic models of the catalog definitions; each remembers the file and line it was read from."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from semantic_layer.periods import SPEC_HELP, is_relative_spec, resolve_relative
from semantic_layer.query import Grain, MetricQuery, TimeRange

GRAINS: tuple[Grain, ...] = ("hour", "day", "week", "month", "quarter")
Aggregation = Literal["sum", "count", "avg", "min", "max", "count_distinct", "p50", "p90", "p95"]
MetricKind = Literal["simple", "ratio", "derived", "cumulative"]
Unit = Literal["accelerator-hours", "USD", "%", "ms", "minutes", "hours", "count", "kWh", "GB", "GiB", "tokens", "USD/hour", "tokens/hour", "W"]


class Location(BaseModel):
    """Where a definition came from: file, line, and the line of each of its keys."""

    model_config = ConfigDict(frozen=True)

    file: str = "<memory>"
    line: int = 0
    key_lines: dict[str, int] = Field(default_factory=dict)

    def at(self, key: str | None = None) -> str:
        """'metrics_cost.yaml:12' pointing at `key` when known."""
        line = self.key_lines.get(key, self.line) if key else self.line
        return f"{self.file}:{line}"


class Definition(BaseModel):
    """Common base: strict fields plus a location that is not part of the definition's identity."""

    model_config = ConfigDict(extra="forbid")

    loc: Location = Field(default_factory=Location, exclude=True, repr=False)


class Join(BaseModel):
    """A declared join from an entity to another: local columns -> the target's key columns."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(description="Target entity name.")
    on: dict[str, str] = Field(min_length=1, description="{local column: target column}.")
    cardinality: Literal["many_to_one", "one_to_one", "one_to_many"] = "many_to_one"


class Entity(Definition):
    """A table (or a curated SELECT over tables) with its key, time column and joins."""

    name: str
    description: str = ""
    table: str | None = Field(default=None, description="Warehouse table; default: the entity name.")
    sql: str | None = Field(default=None, description="A SELECT over warehouse tables, for derived entities.")
    primary_key: list[str] = Field(default_factory=list)
    time_column: str | None = Field(default=None, description="Column the `time` dimension maps to.")
    joins: list[Join] = Field(default_factory=list)

    @property
    def source_table(self) -> str:
        return self.table or self.name


class DimensionSource(BaseModel):
    """One place a dimension can be read: an entity's column."""

    model_config = ConfigDict(extra="forbid")

    entity: str
    column: str
    values: bool = False
    """Also holds canonical values (besides the first source): a FOCUS line's RegionId names regions no cluster has."""


class Dimension(Definition):
    """A categorical dimension (values read from the warehouse) or the `time` dimension (grains)."""

    name: str
    label: str = ""
    description: str = ""
    kind: Literal["categorical", "time"] = "categorical"
    synonyms: list[str] = Field(default_factory=list)
    sources: list[DimensionSource] = Field(default_factory=list, description="First source holds the values.")
    grains: list[Grain] = Field(default_factory=lambda: list(GRAINS))
    values: list[str | int | float | bool] = Field(default_factory=list)


class Measure(Definition):
    """An aggregation over one entity's rows; `expr` may read joined entities as `entity.column`."""

    name: str
    entity: str
    agg: Aggregation = "sum"
    expr: str | None = Field(default=None, description="Row expression; default: the column named like the measure.")
    time_column: str | None = Field(default=None, description="Column that places a row in a period when not the entity's "
                                    "(a job's start or end, not its submit).")
    time_end_column: str | None = Field(default=None, description="With time_column: a row counts in every period its "
                                        "[time_column, time_end_column) overlaps; NULL means still going.")
    description: str = ""
    parameters: dict[str, float] = Field(
        default_factory=dict, description="`$name` placeholders in expr -> default value; a MetricQuery may set them."
    )
    subset_of: str | None = Field(
        default=None, description="The measure this one is, restricted to rows where a field was measured (a ratio's denominator)."
    )


class DurationOf(BaseModel):
    """What a duration metric times (an event declared under `events:`); its statistic is its measure's aggregation."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(description="The event whose duration this metric states (events: in definitions/durations.yaml).")
    plain: bool = Field(default=False, description="The figure a question naming no statistic gets (MTTR is a mean by definition).")


class Metric(Definition):
    """A named business number: simple (a measure), ratio, derived (expression of metrics) or cumulative."""

    name: str
    label: str
    description: str
    kind: MetricKind
    unit: Unit
    format: str = Field(description="Python format spec for display, e.g. ',.1f'.")
    synonyms: list[str] = Field(default_factory=list)
    higher_is_better: bool
    default_time_dimension: str = "time"
    measure: str | None = Field(default=None, description="simple: the measure.")
    numerator: str | None = Field(default=None, description="ratio: measure on top.")
    denominator: str | None = Field(default=None, description="ratio: measure below.")
    scale: float = Field(default=1.0, description="ratio: multiplier (100 for percentages).")
    expr: str | None = Field(default=None, description="derived: expression over other metric names.")
    metric: str | None = Field(default=None, description="cumulative: the metric to accumulate over time.")
    allow_negative: bool = Field(default=False, description="Negative values are legitimate (credits, changes).")
    can_exceed_100: bool = Field(default=False, description="A percentage that may pass 100 (quota bursts).")
    current_state: bool = Field(
        default=False,
        description="Counts things as they stand now (pending requests): a question without a period covers all of them.",
    )
    rule: str = Field(default="", description="The rule the answer states, with {parameter} slots (an idle threshold).")
    threshold_form_of: list[str] = Field(
        default_factory=list, description="Metrics this one stands for when a question gives a threshold ('under 5%')."
    )
    unit_form_of: list[str] = Field(
        default_factory=list, description="Metrics of the same quantity in another unit (memory used in GiB and as a % of "
                                          "capacity); they may share synonyms, and the question's share or amount words pick one.")
    duration: DurationOf | None = Field(default=None, description="The event whose duration this metric states, if any.")
    split_of: list[str] = Field(
        default_factory=list,
        description="Metrics whose total this one splits to dimensions they lack (attributed cost by workload type); "
                    "the planner answers with it, and says so, when a question splits one of those by such a dimension.",
    )

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


class VerifiedQuery(Definition):
    """A question whose MetricQuery a person checked; answers built from one are marked trusted.

    It holds no dates: `period` is relative (`last_month`, `last_7_days`; semantic_layer/periods.py)
    and resolved at question time, so "spend last month" is last month on any day.
    """

    question: str
    query: MetricQuery
    period: str | None = Field(default=None, description="Relative period spec; None = all data (a current-state count).")
    verified_by: str = "semantic-layer"

    @model_validator(mode="after")
    def _no_fixed_dates(self) -> VerifiedQuery:
        if self.query.time_range is not None:
            raise ValueError(f"verified query {self.question!r} stores fixed dates; give a relative `period` ({SPEC_HELP})")
        if self.period is not None and not is_relative_spec(self.period):
            raise ValueError(f"verified query {self.question!r}: period {self.period!r} is not {SPEC_HELP}")
        return self

    def query_on(self, today: date) -> tuple[MetricQuery, str | None]:
        """The query with its period resolved against the as-of date, and the period's label."""
        if self.period is None:
            return self.query, None
        start, end, label = resolve_relative(self.period, today)
        return self.query.model_copy(update={"time_range": TimeRange(start=start, end=end)}), label
