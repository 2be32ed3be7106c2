"""`MetricQuery`: the one thing a planner produces for an in-catalog question (DESIGN.md).

It names metrics and dimensions from the catalog, never tables or columns, so whatever produced it
(the offline planner, an LLM, a dashboard tile, `pace query`) the SQL comes from the compiler.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Grain = Literal["hour", "day", "week", "month", "quarter"]
Operator = Literal["=", "!=", "in", "not in", ">", ">=", "<", "<="]


class GroupBy(BaseModel):
    """A dimension to group by; a time dimension also takes a grain."""

    model_config = ConfigDict(extra="forbid")

    dimension: str = Field(description="Dimension name from the catalog, e.g. 'team' or 'time'.")
    grain: Grain | None = Field(default=None, description="Time grain; only for time dimensions.")

    def label(self) -> str:
        return f"{self.dimension}__{self.grain}" if self.grain else self.dimension


class Filter(BaseModel):
    """A condition on a categorical dimension's value."""

    model_config = ConfigDict(extra="forbid")

    dimension: str = Field(description="Dimension name from the catalog.")
    operator: Operator = Field(default="=", description="Comparison operator.")
    values: list[str | int | float | bool] = Field(min_length=1, description="Values to compare with.")


class TimeRange(BaseModel):
    """A half-open period: start inclusive, end exclusive."""

    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(description="Inclusive start.")
    end: datetime = Field(description="Exclusive end.")

    @model_validator(mode="before")
    @classmethod
    def _dates_to_datetimes(cls, data: object) -> object:
        if isinstance(data, dict):
            return {
                k: datetime(v.year, v.month, v.day) if isinstance(v, date) and not isinstance(v, datetime) else v
                for k, v in data.items()
            }
        return data

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError(f"time range end {self.end:%Y-%m-%d %H:%M} must be after start {self.start:%Y-%m-%d %H:%M}")
        return self

    def describe(self) -> str:
        """'2026-11-16 to 2026-11-22' (the end shown inclusive, as people read periods)."""
        from datetime import timedelta

        last = self.end - timedelta(days=1) if self.end.hour == 0 and self.start.hour == 0 else self.end
        if last.date() == self.start.date():
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} to {last:%Y-%m-%d}"


class OrderBy(BaseModel):
    """Sort on a metric or group-by label."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="A metric name or a group-by dimension name.")
    descending: bool = Field(default=True)


class MetricQuery(BaseModel):
    """A question in catalog terms: metrics, grouping, filters, period, order, limit, comparison."""

    model_config = ConfigDict(extra="forbid")

    metrics: list[str] = Field(min_length=1, description="Metric names from the catalog.")
    group_by: list[GroupBy] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    time_range: TimeRange | None = Field(default=None, description="Half-open period; None means all data.")
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=10_000)
    compare_to_previous: bool = Field(
        default=False, description="Add the same metrics over the immediately preceding period of equal length."
    )
    parameters: dict[str, float] = Field(
        default_factory=dict, description="Values for metric parameters, e.g. {'idle_below_pct': 10}; defaults otherwise."
    )
    share_of_total: bool = Field(
        default=False, description="Also give each group's share of the total over all groups (per time bucket), as "
        "`<metric>__share_pct`, 0-100; additive metrics only (semantic_layer.derived)."
    )
    per: Literal["second", "minute", "hour", "day", "week"] | None = Field(
        default=None, description="Also give the metric per second/minute/hour/day/week of the period (total / length), as "
        "`<metric>__per_<unit>`; additive metrics, no time grouping."
    )
    convert: dict[str, str] = Field(
        default_factory=dict, description="Metric -> a unit to show it in as well ('hours' for a minutes metric), as "
        "`<metric>__in_<unit>` (semantic_layer.derived.conversion_factor)."
    )
    per_count: str | None = Field(
        default=None, description="A count metric among `metrics` ('gpu_count') that every additive metric is also divided by, "
        "over the same period, filters and groups, as `<metric>__per_<thing>`: 'spend per GPU' (semantic_layer.derived)."
    )
    positive_only: bool = Field(
        default=False, description="Keep only the groups whose first metric is above zero: 'which GPUs were idle all day' "
        "lists the GPUs that were, not every GPU with a zero."
    )

    def time_grain(self) -> Grain | None:
        for g in self.group_by:
            if g.grain:
                return g.grain
        return None
