"""The global filter state of a dashboard view, read from and written to the URL (so views bookmark).

`?range=7d&team=atlas&cluster=us-east-aws` or `?from=2026-11-01&to=2026-11-23`; presets end at the
warehouse's data end (or PACE_AS_OF). The time grain follows the span: hourly up to three days, daily
up to about three months, weekly beyond.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from dashboards.spec import FILTER_NAMES, PRESETS
from core.errors import UserError


@dataclass(frozen=True)
class FilterState:
    """A half-open period plus zero or one value per global filter."""

    start: datetime
    end: datetime
    preset: str | None = None
    values: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def grain(self) -> str:
        """hour for a few days, day for months, week beyond."""
        if self.days <= 3:
            return "hour"
        if self.days <= 95:
            return "day"
        return "week"

    def describe(self) -> str:
        last = self.end - timedelta(days=1) if self.end.hour == 0 else self.end
        if self.days <= 1:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} to {last:%Y-%m-%d}"

    def params(self, **changes: str | None) -> dict[str, str]:
        """URL parameters for this state, with `changes` applied (None drops a key)."""
        out: dict[str, str] = {}
        if self.preset:
            out["range"] = self.preset
        else:
            out["from"], out["to"] = f"{self.start:%Y-%m-%d}", f"{self.end:%Y-%m-%d}"
        out.update(self.values)
        for k, v in changes.items():
            if v is None or v == "":
                out.pop(k, None)
            else:
                out[k] = v
        if "from" in changes or "to" in changes:
            out.pop("range", None)
        if "range" in changes and changes["range"]:
            out.pop("from", None)
            out.pop("to", None)
        return out

    def query_string(self, **changes: str | None) -> str:
        return urlencode(self.params(**changes))

    def with_values(self, **values: str | None) -> FilterState:
        merged = {k: v for k, v in {**self.values, **values}.items() if v}
        return replace(self, values=merged)


def _day(value: str, name: str) -> datetime:
    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"`{name}={value}` is not a date; write it as YYYY-MM-DD") from None
    return datetime(d.year, d.month, d.day)


def from_params(params: Mapping[str, str], *, data_start: datetime, data_end: datetime, default: str = "7d") -> FilterState:
    """Read a FilterState from URL parameters; unknown keys are ignored, bad values raise UserError."""
    values = {k: str(params[k]).strip() for k in FILTER_NAMES if params.get(k) and str(params[k]).strip()}
    if params.get("from") or params.get("to"):
        if not (params.get("from") and params.get("to")):
            raise UserError("give both `from` and `to` (YYYY-MM-DD, `to` not included), or a `range` preset")
        start, end = _day(params["from"], "from"), _day(params["to"], "to")
        if end <= start:
            raise UserError(f"`to` ({end:%Y-%m-%d}) must be after `from` ({start:%Y-%m-%d})")
        return FilterState(start=start, end=end, values=values)
    preset = str(params.get("range") or default)
    if preset not in PRESETS:
        raise UserError(f"unknown range `{preset}`; use one of {', '.join(PRESETS)} or from/to dates")
    days = PRESETS[preset]
    start = data_start if days is None else max(data_start, data_end - timedelta(days=days))
    return FilterState(start=start, end=data_end, preset=preset, values=values)
