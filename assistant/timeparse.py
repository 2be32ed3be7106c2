"""Relative time in questions -> an explicit half-open period, resolved against an as-of date.

Pure functions, no clock: `today` is the as-of date (PACE_AS_OF, else `pace_meta.data_end`, the
exclusive end of data), so "yesterday" is the last complete day of data and every answer can state
the exact dates it covers. Weeks start on Monday (ISO 8601). Rolling windows ("last 7 days") end at
the start of `today`; to-date windows ("MTD", "this week") run through `today` inclusive.

>>> from datetime import date
>>> p = resolve_period("cost last week", date(2026, 11, 23))
>>> (p.start.date().isoformat(), p.end.date().isoformat(), p.label)
('2026-11-16', '2026-11-23', 'last week')
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    MONTHS[calendar.month_name[_i].lower()] = _i
    MONTHS[calendar.month_abbr[_i].lower()] = _i
MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30, "ninety": 90, "a": 1}
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_DATE = rf"(\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_RE})(?:,?\s+\d{{4}})?)"


@dataclass(frozen=True)
class Period:
    """A resolved period: [start, end) at midnight, the words it came from and a readable label."""

    start: datetime
    end: datetime
    label: str
    span: tuple[int, int] = (0, 0)

    def describe(self) -> str:
        """'2026-11-16 to 2026-11-22' with the end shown inclusive."""
        last = (self.end - timedelta(days=1)).date()
        if last <= self.start.date():
            return self.start.date().isoformat()
        return f"{self.start.date().isoformat()} to {last.isoformat()}"

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _add_months(d: date, months: int) -> date:
    """`d` moved by whole months, clamped to the month's last day.

    >>> _add_months(date(2026, 3, 31), -1)
    datetime.date(2026, 2, 28)
    """
    idx = d.year * 12 + (d.month - 1) + months
    year, month = divmod(idx, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def monday_of(d: date) -> date:
    """The Monday starting `d`'s ISO week.

    >>> monday_of(date(2026, 11, 22))
    datetime.date(2026, 11, 16)
    """
    return d - timedelta(days=d.weekday())


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def parse_date(text: str, today: date) -> date | None:
    """'2026-10-01', 'Oct 1', '1 October 2026' -> a date (no year: the latest one not after today).

    >>> parse_date("Oct 3", date(2026, 11, 23))
    datetime.date(2026, 10, 3)
    >>> parse_date("2026-13-01", date(2026, 11, 23)) is None
    True
    """
    text = text.strip().lower().replace(",", " ")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        parts = text.replace(".", " ").split()
        if parts and parts[0] in MONTHS:
            month, day = MONTHS[parts[0]], int(parts[1])
        else:
            day, month = int(parts[0]), MONTHS[parts[1]]
        year = int(parts[2]) if len(parts) > 2 else today.year
        found = date(year, month, day)
        if len(parts) <= 2 and found > today:
            found = date(year - 1, month, day)
        return found
    except (ValueError, IndexError, KeyError):
        return None


def _month_period(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, _add_months(start, 1)


def _latest_month(month: int, today: date) -> int:
    """Year of the most recent `month` that has started by `today`."""
    return today.year if month <= today.month else today.year - 1


_Rule = tuple[re.Pattern[str], object]
_RULES: list[_Rule] = []


def _rule(pattern: str):  # type: ignore[no-untyped-def]
    def deco(fn):  # type: ignore[no-untyped-def]
        _RULES.append((re.compile(pattern, re.IGNORECASE), fn))
        return fn

    return deco


@_rule(rf"\b(?:between|from)\s+{_DATE}\s+(?:and|to|until|through|-)\s+{_DATE}")
def _between(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'between 2026-10-01 and 2026-10-15' (both ends inclusive, as people say it).

    >>> _between(re.search(_RULES[0][0], "between 2026-10-01 and 2026-10-15"), date(2026, 11, 23))
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 16), '2026-10-01 to 2026-10-15')
    """
    a, b = parse_date(m.group(1), today), parse_date(m.group(2), today)
    if a is None or b is None:
        return None
    a, b = min(a, b), max(a, b)
    return a, b + timedelta(days=1), f"{a.isoformat()} to {b.isoformat()}"


@_rule(r"\b(?:past|last|previous|trailing|over the (?:past|last))\s+(\d+|[a-z]+)\s+(hour|day|week|month|quarter|year)s?\b")
def _last_n(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """Rolling window of complete days ending before today: 'past 30 days', 'last 2 weeks'."""
    raw = m.group(1).lower()
    n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw)
    if not n or n > 3660:
        return None
    unit = m.group(2).lower()
    if unit == "hour":
        days = max(1, -(-n // 24))
        return today - timedelta(days=days), today, f"last {days} day{'s' * (days > 1)} (covering the last {n} hours)"
    if unit == "day":
        start = today - timedelta(days=n)
    elif unit == "week":
        start = today - timedelta(weeks=n)
    else:
        start = _add_months(today, -n * {"month": 1, "quarter": 3, "year": 12}[unit])
    return start, today, f"last {n} {unit}{'s' * (n > 1)}"


@_rule(rf"\b(?:since|from)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday|{_DATE})\b")
def _since(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'since Monday' (the latest one on or before today), 'since Oct 1', through today."""
    what = m.group(1).lower()
    if what in _WEEKDAYS:
        start = today - timedelta(days=(today.weekday() - _WEEKDAYS[what]) % 7)
    else:
        start = parse_date(what, today)
        if start is None or start > today:
            return None
    return start, today + timedelta(days=1), f"since {start.strftime('%A')} {start.isoformat()} (through today)"


@_rule(rf"\b(?:on\s+)?(\d{{4}}-\d{{2}}-\d{{2}})\b|\bon\s+((?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)")
def _on_day(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    day = parse_date(m.group(1) or m.group(2), today)
    return None if day is None else (day, day + timedelta(days=1), day.isoformat())


@_rule(r"\b(?:today)\b")
def _today(m: re.Match[str], today: date) -> tuple[date, date, str]:
    return today, today + timedelta(days=1), f"today ({today.isoformat()})"


@_rule(r"\byesterday\b")
def _yesterday(m: re.Match[str], today: date) -> tuple[date, date, str]:
    y = today - timedelta(days=1)
    return y, today, f"yesterday ({y.isoformat()})"


@_rule(r"\b(this|last|previous|prior|past)\s+(week|month|quarter|year)\b(?!\s+over)")
def _calendar(m: re.Match[str], today: date) -> tuple[date, date, str]:
    """'last week' = the previous full ISO week; 'this month' = month to date; 'past week' = 7 days."""
    which, unit = m.group(1).lower(), m.group(2).lower()
    if which == "past":
        days = {"week": 7, "month": 30, "quarter": 90, "year": 365}[unit]
        return today - timedelta(days=days), today, f"last {days} days"
    if unit == "week":
        start = monday_of(today)
    elif unit == "month":
        start = today.replace(day=1)
    elif unit == "quarter":
        start = quarter_start(today)
    else:
        start = date(today.year, 1, 1)
    if which == "this":
        return start, today + timedelta(days=1), f"this {unit} to date"
    prev = start - timedelta(weeks=1) if unit == "week" else _add_months(start, -{"month": 1, "quarter": 3, "year": 12}[unit])
    return prev, start, f"last {unit}"


@_rule(r"\b(mtd|month[- ]to[- ]date|ytd|year[- ]to[- ]date|qtd|quarter[- ]to[- ]date|wtd|week[- ]to[- ]date)\b")
def _to_date(m: re.Match[str], today: date) -> tuple[date, date, str]:
    key = m.group(1).lower()[0]
    start = {"m": today.replace(day=1), "y": date(today.year, 1, 1), "q": quarter_start(today), "w": monday_of(today)}[key]
    name = {"m": "month", "y": "year", "q": "quarter", "w": "week"}[key]
    return start, today + timedelta(days=1), f"{name} to date"


@_rule(r"\bq([1-4])(?:\s*(?:of\s+)?(\d{4}))?\b|\b(\d{4})\s*q([1-4])\b")
def _quarter(m: re.Match[str], today: date) -> tuple[date, date, str]:
    """'Q3' = the latest third quarter that has started; 'Q3 2026' explicit."""
    q = int(m.group(1) or m.group(4))
    year_s = m.group(2) or m.group(3)
    year = int(year_s) if year_s else (today.year if date(today.year, 3 * q - 2, 1) <= today else today.year - 1)
    start = date(year, 3 * q - 2, 1)
    return start, _add_months(start, 3), f"Q{q} {year}"


@_rule(rf"\b(?:in|during|for|of)?\s*({_MONTH_RE})\.?(?:\s+(\d{{4}}))?\b(?!\s*\d{{1,2}}\b)")
def _month(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'in October' = the latest October that has started; 'October 2026' explicit."""
    word = m.group(1).lower()
    if word in ("may", "mar") and not m.group(2) and not re.match(r"\s*(in|during|for|of)\b", m.group(0), re.I):
        return None  # "may" is usually a verb, "mar" rarely a month without a preposition
    month = MONTHS[word]
    year = int(m.group(2)) if m.group(2) else _latest_month(month, today)
    start, end = _month_period(year, month)
    return start, end, f"{calendar.month_name[month]} {year}"


@_rule(r"\b(?:in\s+)?(20\d{2})\b")
def _year(m: re.Match[str], today: date) -> tuple[date, date, str]:
    y = int(m.group(1))
    return date(y, 1, 1), date(y + 1, 1, 1), f"{y}"


def resolve_period(text: str, today: date) -> Period | None:
    """The first period phrase in `text`, resolved against `today` (the as-of date); None if none.

    >>> d = date(2026, 11, 23)
    >>> resolve_period("spend in October", d).describe()
    '2026-10-01 to 2026-10-31'
    >>> resolve_period("yesterday", d).describe()
    '2026-11-22'
    >>> resolve_period("past 30 days", d).describe()
    '2026-10-24 to 2026-11-22'
    >>> resolve_period("Q3", d).describe()
    '2026-07-01 to 2026-09-30'
    >>> resolve_period("MTD", d).describe()
    '2026-11-01 to 2026-11-23'
    >>> resolve_period("cost by team", d) is None
    True
    """
    best: tuple[int, Period] | None = None
    for pattern, fn in _RULES:
        for m in pattern.finditer(text):
            out = fn(m, today)  # type: ignore[operator]
            if out is None:
                continue
            start, end, label = out
            if end <= start:
                continue
            period = Period(_dt(start), _dt(end), label, m.span())
            if best is None or m.start() < best[0]:
                best = (m.start(), period)
            break
        if best is not None:
            return best[1]  # rules are ordered most specific first
    return None


def default_period(today: date, days: int = 7) -> Period:
    """The period used when a question names none: the last `days` complete days.

    >>> default_period(date(2026, 11, 23)).describe()
    '2026-11-16 to 2026-11-22'
    """
    return Period(_dt(today - timedelta(days=days)), _dt(today), f"last {days} days (no period given)")


def comparison_period(text: str) -> int | None:
    """Days of the window a comparison phrase implies ('week over week' -> 7), None when none.

    >>> comparison_period("cost week over week"), comparison_period("vs last month"), comparison_period("cost")
    (7, 30, None)
    """
    t = text.lower()
    unit = re.search(r"\b(week|month|day|quarter|year)\b", t)
    if re.search(r"\b(before|previous|prior|preceding|over)\b", t) and unit and not re.search(r"\bperiod\b", t):
        return {"day": 1, "week": 7, "month": 30, "quarter": 90, "year": 365}[unit.group(1)]
    if re.search(r"\b(week[- ]over[- ]week|wow|vs\.? (?:the )?(?:last|previous|prior) week|compared (?:to|with) (?:the )?(?:last|previous|prior) week)\b", t):
        return 7
    if re.search(r"\b(month[- ]over[- ]month|mom|vs\.? (?:the )?(?:last|previous|prior) month|compared (?:to|with) (?:the )?(?:last|previous|prior) month)\b", t):
        return 30
    if re.search(r"\b(day[- ]over[- ]day|dod|vs\.? yesterday)\b", t):
        return 1
    if re.search(r"\b(vs\.?|versus|compared (?:to|with)|change from|relative to)\s+(?:the\s+)?(?:previous|prior|preceding|last)\s+(?:period|window)\b|\bperiod[- ]over[- ]period\b", t):
        return 0
    return None
