"""The global filter state of a dashboard view, read from and written to the URL (so views bookmark).

`?range=7d&team=atlas&cluster=us-east-aws` or `?from=2026-11-01&to=2026-11-23`; presets end at the
warehouse's data end (or PACE_AS_OF). The time grain follows the span: hourly up to three days, daily
up to about three months, weekly beyond.

URL parameters are untrusted: a filter value must be one the dimension holds (matched without regard
to case, unknown values are refused and never echoed at length), and custom dates are kept to the
data's range (a period past either end is cut to it; one that misses the data entirely is refused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


SHOWN = 40
"""How much of a refused value a message repeats."""


def _shown(value: str) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= SHOWN else value[: SHOWN - 1] + "…"


def _day(value: str, name: str) -> datetime:
    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"`{name}={_shown(value)}` is not a date; write it as YYYY-MM-DD") from None
    return datetime(d.year, d.month, d.day)


def _known_value(name: str, value: str, known: Sequence[object] | None) -> str:
    """The dimension's own spelling of `value`; UserError when the dimension has no such value."""
    if known is None:
        return value
    spelled = {str(k).lower(): str(k) for k in known}
    if value.lower() in spelled:
        return spelled[value.lower()]
    some = ", ".join(list(spelled.values())[:8]) + (", ..." if len(spelled) > 8 else "")
    raise UserError(f"no {name.replace('_', ' ')} `{_shown(value)}` in the data; choose one of: {some}")


def from_params(params: Mapping[str, str], *, data_start: datetime, data_end: datetime, default: str = "7d",
                known: Mapping[str, Sequence[object]] | None = None) -> FilterState:
    """Read a FilterState from URL parameters; unknown keys are ignored, bad values raise UserError.

    `known` maps a filter to the values its dimension holds; a filter absent from it is not checked."""
    values = {k: str(params[k]).strip() for k in FILTER_NAMES if params.get(k) and str(params[k]).strip()}
    values = {k: _known_value(k, v, (known or {}).get(k)) for k, v in values.items()}
    if params.get("from") or params.get("to"):
        if not (params.get("from") and params.get("to")):
            raise UserError("give both `from` and `to` (YYYY-MM-DD, `to` not included), or a `range` preset")
        start, end = _day(params["from"], "from"), _day(params["to"], "to")
        if end <= start:
            raise UserError(f"`to` ({end:%Y-%m-%d}) must be after `from` ({start:%Y-%m-%d})")
        first = datetime(data_start.year, data_start.month, data_start.day)
        if end <= first or start >= data_end:
            raise UserError(f"no data from {start:%Y-%m-%d} to {end:%Y-%m-%d}; the data covers "
                            f"{first:%Y-%m-%d} to {data_end:%Y-%m-%d} (`to` not included)")
        return FilterState(start=max(start, first), end=min(end, data_end), values=values)
    preset = str(params.get("range") or default)
    if preset not in PRESETS:
        raise UserError(f"unknown range `{preset}`; use one of {', '.join(PRESETS)} or from/to dates")
    days = PRESETS[preset]
    start = data_start if days is None else max(data_start, data_end - timedelta(days=days))
    return FilterState(start=start, end=data_end, preset=preset, values=values)
