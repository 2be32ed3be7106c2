"""`Answer`: what every face gets back from `assistant.answer()`.

Its JSON form (`to_json()`) is exactly the `pace ask --json` object of DESIGN.md, plus extra keys
(provenance, warnings, usage, options, suggestions, confidence) that faces may show.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

Status = Literal["answered", "no_data", "clarify", "abstain", "refused", "error"]


class Period(BaseModel):
    """The exact period covered: start inclusive, end exclusive (ISO dates or datetimes)."""

    start: str
    end: str
    label: str | None = None


class MetricInfo(BaseModel):
    """One metric used, with its catalog definition."""

    name: str
    label: str
    description: str
    unit: str


class Provenance(BaseModel):
    """Where the number came from: definitions, filters, period, freshness, and whether it is trusted."""

    metrics: list[MetricInfo] = Field(default_factory=list)
    filters: list[str] = Field(default_factory=list)
    period: str | None = None
    freshness: str | None = None
    trusted: bool = False
    verified_question: str | None = None
    week_start: str = "Monday (ISO 8601)"
    notes: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    """One question's answer, in the DESIGN.md shape plus extras."""

    question: str
    status: Status
    text: str
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    sql: str | None = None
    metric_query: dict[str, Any] | None = None
    period: Period | None = None
    chart: str | None = None
    planner: Literal["offline", "llm"] = "offline"
    thread: str = ""
    timings_ms: dict[str, float] = Field(default_factory=dict)
    provenance: Provenance | None = None
    warnings: list[str] = Field(default_factory=list)
    usage: dict[str, int] = Field(default_factory=dict)
    options: list[str] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    confidence: float | None = None
    intent: str | None = None

    @field_validator("rows", mode="before")
    @classmethod
    def _plain_rows(cls, rows: Any) -> list[list[Any]]:
        return [[plain(v) for v in row] for row in rows or []]

    def to_json(self) -> dict[str, Any]:
        """The `pace ask --json` object (DESIGN.md keys first, extras after)."""
        return self.model_dump(mode="json")

    @property
    def trusted(self) -> bool:
        return bool(self.provenance and self.provenance.trusted)


def plain(value: Any) -> Any:
    """JSON-friendly cell: Decimal -> float, datetime/date -> ISO text, numpy scalars -> Python."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
