"""Relative periods for stored queries: a verified query says `last_month`, never "October".

A stored date goes stale the day after it is written ("spend last month" would keep answering for
October); a relative spec is resolved at question time against the same as-of date the planner uses
(PACE_AS_OF, else the end of data). The conventions are those of questions (assistant/timeparse.py):
weeks start on Monday (ISO 8601), rolling windows end at the start of `today`, to-date windows
("this month") run through `today` inclusive, periods are half-open.

>>> resolve_relative("last_month", date(2026, 11, 23))
(datetime.datetime(2026, 10, 1, 0, 0), datetime.datetime(2026, 11, 1, 0, 0), 'last month')
>>> resolve_relative("last_30_days", date(2026, 6, 1))[0].date().isoformat()
'2026-05-02'
>>> resolve_relative("previous_2_months", date(2026, 6, 1))[:2]
(datetime.datetime(2026, 4, 1, 0, 0), datetime.datetime(2026, 6, 1, 0, 0))
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_FIXED = ("yesterday", "this_week", "last_week", "this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year")
_ROLLING = re.compile(r"last_(\d{1,4})_(days|weeks)")
_MONTHS = re.compile(r"previous_(\d{1,2})_months")
SPEC_HELP = f"one of {', '.join(_FIXED)}, last_N_days, last_N_weeks, previous_N_months (N complete months before this one)"


def is_relative_spec(spec: str) -> bool:
    """Whether `spec` names a period relative to the as-of date (and holds no date).

    >>> is_relative_spec("last_7_days"), is_relative_spec("2026-10-01")
    (True, False)
    """
    return spec in _FIXED or bool(_ROLLING.fullmatch(spec) or _MONTHS.fullmatch(spec))


def _months_back(d: date, n: int) -> date:
    idx = d.year * 12 + d.month - 1 - n
    return date(idx // 12, idx % 12 + 1, 1)


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def resolve_relative(spec: str, today: date) -> tuple[datetime, datetime, str]:
    """[start, end) at midnight and a readable label for `spec` on the as-of date `today`."""
    def dt(d: date) -> datetime:
        return datetime(d.year, d.month, d.day)

    tomorrow = today + timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    fixed: dict[str, tuple[date, date, str]] = {
        "yesterday": (today - timedelta(days=1), today, "yesterday"),
        "this_week": (monday, tomorrow, "this week to date"),
        "last_week": (monday - timedelta(days=7), monday, "last week"),
        "this_month": (month, tomorrow, "this month to date"),
        "last_month": (_months_back(month, 1), month, "last month"),
        "this_quarter": (quarter, tomorrow, "this quarter to date"),
        "last_quarter": (_months_back(quarter, 3), quarter, "last quarter"),
        "this_year": (date(today.year, 1, 1), tomorrow, "this year to date"),
        "last_year": (date(today.year - 1, 1, 1), date(today.year, 1, 1), "last year"),
    }
    if spec in fixed:
        start, end, label = fixed[spec]
        return dt(start), dt(end), label
    if m := _ROLLING.fullmatch(spec):
        n, unit = int(m.group(1)), m.group(2)
        days = n * (7 if unit == "weeks" else 1)
        return dt(today - timedelta(days=days)), dt(today), f"last {n} {unit}"
    if m := _MONTHS.fullmatch(spec):
        n = int(m.group(1))
        return dt(_months_back(month, n)), dt(month), f"the {n} complete months before this one"
    raise ValueError(f"unknown relative period {spec!r}: {SPEC_HELP}")
