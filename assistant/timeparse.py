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
              "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30, "ninety": 90, "a": 1, "couple": 2}
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_DATE = rf"(\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_RE})(?:,?\s+\d{{4}})?)"


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
    text = re.sub(r"^the\s+|(?<=\d)\s+of\s+", lambda m: "" if m.group(0).startswith("the") else " ", text)  # 'the 10th of October'
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

    >>> _between(re.search(_RULES[1][0], "between 2026-10-01 and 2026-10-15"), date(2026, 11, 23))
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 16), '2026-10-01 to 2026-10-15')
    """
    a, b = parse_date(m.group(1), today), parse_date(m.group(2), today)
    if a is None or b is None:
        return None
    a, b = min(a, b), max(a, b)
    return a, b + timedelta(days=1), f"{a.isoformat()} to {b.isoformat()}"


_MONTH_Y = rf"({_MONTH_RE})\.?(?:\s+(\d{{4}}))?"


@_rule(rf"\b(?:between|from)\s+{_MONTH_Y}\s+(?:and|to|until|till|through|thru|-)\s+{_MONTH_Y}\b(?!\s*\d{{1,2}}(?:st|nd|rd|th)?\b)"
       rf"|\b{_MONTH_Y}\s+(?:to|until|till|through|thru|-)\s+{_MONTH_Y}\b(?!\s*\d{{1,2}}(?:st|nd|rd|th)?\b)")
def _month_range(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'between September and October', 'from Sep 2026 through Nov 2026', 'September to November': whole months.

    >>> _month_range(_RULES[2][0].search("from september through october"), date(2026, 11, 23))[:2]
    (datetime.date(2026, 9, 1), datetime.date(2026, 11, 1))
    """
    g = [x for x in m.groups()]
    a_word, a_year, b_word, b_year = (g[0], g[1], g[2], g[3]) if g[0] else (g[4], g[5], g[6], g[7])
    a_m, b_m = MONTHS[a_word.lower()], MONTHS[b_word.lower()]
    b_y = int(b_year) if b_year else _latest_month(b_m, today)
    a_y = int(a_year) if a_year else (b_y if a_m <= b_m else b_y - 1)
    start, end = date(a_y, a_m, 1), _month_period(b_y, b_m)[1]
    if end <= start:
        return None
    return start, end, f"{calendar.month_name[a_m]} {a_y} through {calendar.month_name[b_m]} {b_y}"


@_rule(r"\b(?:past|last|previous|trailing|over the (?:past|last))\s+(?:(?!(?:full|complete|whole|entire|calendar)\b)(\d+|[a-z]+)(?:\s+of)?\s+)?(full\s+|complete\s+|whole\s+|entire\s+|calendar\s+)?"
       r"(hour|day|week|month|quarter|year|fortnight)s?\b")
def _last_n(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """Rolling window of complete days ending before today: 'past 30 days', 'last 2 weeks', 'the past fortnight'.

    'Full' (complete, whole, calendar) weeks, months, quarters or years are calendar units that have
    ended: 'the last 3 full weeks' are the 3 ISO weeks before this one, not the last 21 days.

    >>> [d.isoformat() for d in _last_n(_RULES[3][0].search("the last 3 full weeks"), date(2026, 11, 25))[:2]]
    ['2026-11-02', '2026-11-23']
    >>> [d.isoformat() for d in _last_n(_RULES[3][0].search("past fortnight"), date(2026, 11, 25))[:2]]
    ['2026-11-11', '2026-11-25']
    """
    raw = (m.group(1) or "").lower()
    unit = m.group(3).lower()
    if not raw:  # 'the past fortnight', 'the last full week'; 'last month' alone is the calendar rule's
        if unit != "fortnight" and not m.group(2):
            return None
        raw = "1"
    n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw)
    if not n or n > 3660:
        return None
    if unit == "fortnight":
        unit, n = "week", 2 * n
    if m.group(2) and unit in ("week", "month", "quarter", "year"):
        end = {"week": monday_of(today), "month": today.replace(day=1), "quarter": quarter_start(today),
               "year": date(today.year, 1, 1)}[unit]
        start = end - timedelta(weeks=n) if unit == "week" else _add_months(end, -n * {"month": 1, "quarter": 3, "year": 12}[unit])
        return start, end, f"last {n} full {unit}{'s' * (n > 1)}"
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


@_rule(rf"\bsince\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?:{_MONTH_Y}\b(?!\s*\d{{1,2}}(?:st|nd|rd|th)?\b)|(last|previous|this|the)\s+(week|month|quarter|year)\b|q([1-4])\b)")
def _since_month(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'since September' = from September 1 through today (not September alone); 'since last month' likewise.

    >>> _since_month(_RULES[4][0].search("since september"), date(2026, 11, 23))[:2]
    (datetime.date(2026, 9, 1), datetime.date(2026, 11, 24))
    >>> _since_month(_RULES[4][0].search("since the start of the year"), date(2026, 11, 23))[:2]
    (datetime.date(2026, 1, 1), datetime.date(2026, 11, 24))
    """
    if m.group(1):
        month = MONTHS[m.group(1).lower()]
        start = date(int(m.group(2)), month, 1) if m.group(2) else _month_period(_latest_month(month, today), month)[0]
    elif m.group(3):
        which = "this" if m.group(3).lower() == "the" else m.group(3)  # 'since the start of the year' = this year
        start = _calendar(re.match(r"(\w+)\s+(\w+)", f"{which} {m.group(4)}"), today)[0]  # type: ignore[arg-type]
    else:
        q = int(m.group(5))
        start = date(today.year if date(today.year, 3 * q - 2, 1) <= today else today.year - 1, 3 * q - 2, 1)
    if start > today:
        return None
    return start, today + timedelta(days=1), f"since {start.isoformat()} (through today)"


@_rule(rf"\b(since|from|after)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday|{_DATE})\b(?!\s+(?:and|to|until|till|through|thru|-)\b)")
def _since(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'since Monday' (the latest one on or before today), 'since Oct 1', through today; 'after Oct 20' starts the day after.

    >>> pattern = next(p for p, fn in _RULES if fn is _since)
    >>> [d.isoformat() for d in _since(pattern.search("jobs after october 20"), date(2026, 11, 25))[:2]]
    ['2026-10-21', '2026-11-26']
    """
    what = m.group(2).lower()
    if what in _WEEKDAYS:
        start = today - timedelta(days=(today.weekday() - _WEEKDAYS[what]) % 7)
    else:
        start = parse_date(what, today)
        if start is None or start > today:
            return None
    if m.group(1).lower() == "after":
        start += timedelta(days=1)
    return start, today + timedelta(days=1), f"since {start.strftime('%A')} {start.isoformat()} (through today)"


@_rule(rf"\b(?:on\s+)?(\d{{4}}-\d{{2}}-\d{{2}})\b|\bon\s+((?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)"
       rf"|\b((?:the\s+)?\d{{1,2}}(?:(?:st|nd|rd|th)\s+(?:of\s+)?|\s+of\s+)(?:{_MONTH_RE})\b(?:,?\s+\d{{4}})?"
       rf"|(?:{_MONTH_RE})\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)\b(?:,?\s+\d{{4}})?)")
def _on_day(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """One day: '2026-10-03', 'on Oct 3', 'the 3rd of October', 'October 3rd' (an ordinal or 'of' marks a day, not the month).

    >>> pattern = next(p for p, fn in _RULES if fn is _on_day)
    >>> [_on_day(pattern.search(t), date(2026, 11, 25))[0].isoformat() for t in ("on the 3rd of october", "october 3rd")]
    ['2026-10-03', '2026-10-03']
    """
    day = parse_date(m.group(1) or m.group(2) or m.group(3), today)
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


@_rule(rf"\b(?:in|during|for|of)?\s*({_MONTH_RE})\.?(?:\s+(\d{{4}}))?\b(?!\s*\d{{1,2}}(?:st|nd|rd|th)?\b)")
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


def _before_last(m: re.Match[str], today: date) -> tuple[date, date, str]:
    """'the week before last' = the calendar week before last week; likewise months, quarters, years.

    >>> _before_last(_BEFORE_LAST.search("cost the week before last"), date(2026, 11, 23))
    (datetime.date(2026, 11, 9), datetime.date(2026, 11, 16), 'the week before last')
    """
    unit = m.group(1).lower()
    last_start, last_end, _ = _calendar(re.match(r"(\w+)\s+(\w+)", f"last {unit}"), today)  # type: ignore[arg-type]
    before = shifted(_dt(last_start), _dt(last_end), unit)
    return before.start.date(), before.end.date(), f"the {unit} before last"


_BEFORE_LAST = re.compile(r"\b(?:the\s+)?(week|month|quarter|year)\s+before\s+last\b", re.IGNORECASE)
_RULES.append((_BEFORE_LAST, _before_last))  # no earlier rule matches these words


_ORD = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}
_DAYS_IN_MONTH = re.compile(
    rf"\b(?:(?:between|from)\s+)?(?:({_MONTH_RE})\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|to|and|until|till|through|thru)\s*(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(\d{{4}}))?\b(?!\s*(?:{_MONTH_RE}|days?|weeks?|months?|hours?|%|-))"
    rf"|(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|to|and|until|till|through|thru)\s*(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b(?:,?\s+(\d{{4}}))?"
    rf"|(first|1st|second|2nd|third|3rd|fourth|4th|last)\s+week\s+of\s+({_MONTH_RE})\b(?:,?\s+(\d{{4}}))?)", re.IGNORECASE)


def _days_in_month(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'Oct 3-10', 'from October 3 to 10', '3 to 10 October', 'the first week of October': days of one month, inclusive.

    A day that the month does not have ('Feb 3-30') resolves to nothing, so the date check reports it.

    >>> _days_in_month(_DAYS_IN_MONTH.search("spend from oct 3 to 10"), date(2026, 11, 23))
    (datetime.date(2026, 10, 3), datetime.date(2026, 10, 11), '2026-10-03 to 2026-10-10')
    >>> _days_in_month(_DAYS_IN_MONTH.search("the first week of october"), date(2026, 11, 23))[:2]
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 8))
    """
    g = m.groups()
    if g[8]:
        month, year_s = MONTHS[g[9].lower()], g[10]
        year = int(year_s) if year_s else _latest_month(month, today)
        last = calendar.monthrange(year, month)[1]
        first = last - 6 if g[8].lower() == "last" else 1 + 7 * _ORD[g[8].lower()]
        a, b = date(year, month, first), date(year, month, min(first + 6, last))
        return a, b + timedelta(days=1), f"{a.isoformat()} to {b.isoformat()}"
    word, d1, d2, year_s = (g[0], g[1], g[2], g[3]) if g[0] else (g[6], g[4], g[5], g[7])
    month = MONTHS[word.lower()]
    year = int(year_s) if year_s else _latest_month(month, today)
    try:
        a, b = date(year, month, int(d1)), date(year, month, int(d2))
    except ValueError:
        return None
    if b < a:
        return None
    return a, b + timedelta(days=1), f"{a.isoformat()} to {b.isoformat()}"


_RULES.insert(0, (_DAYS_IN_MONTH, _days_in_month))  # before 'from Oct 3' (since) and 'October' (the whole month)


_AGO = re.compile(r"\b(a|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(day|week|month|quarter|year)s?\s+ago\b", re.IGNORECASE)


def _ago(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'two weeks ago' = the calendar week two before this one; '3 days ago' that day; 'a month ago' last month.

    >>> [d.isoformat() for d in _ago(_AGO.search("incidents two weeks ago"), date(2026, 11, 25))[:2]]
    ['2026-11-09', '2026-11-16']
    >>> [d.isoformat() for d in _ago(_AGO.search("jobs 3 days ago"), date(2026, 11, 25))[:2]]
    ['2026-11-22', '2026-11-23']
    """
    raw, unit = m.group(1).lower(), m.group(2).lower()
    n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw)
    if not n:
        return None
    if unit == "day":
        day = today - timedelta(days=n)
        return day, day + timedelta(days=1), f"{n} day{'s' * (n > 1)} ago ({day.isoformat()})"
    this = _calendar(re.match(r"(\w+)\s+(\w+)", f"this {unit}"), today)[0]  # type: ignore[arg-type]
    if unit == "week":
        start, end = this - timedelta(weeks=n), this - timedelta(weeks=n - 1)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[unit]
        start, end = _add_months(this, -n * months), _add_months(this, -(n - 1) * months)
    return start, end, f"{n} {unit}{'s' * (n > 1)} ago ({start.isoformat()} to {(end - timedelta(days=1)).isoformat()})"


_WEEKEND = re.compile(r"\b(?:last|this past|the past|over the|on the|at the)\s+weekend\b", re.IGNORECASE)


def _weekend(m: re.Match[str], today: date) -> tuple[date, date, str]:
    """'last weekend', 'over the weekend': the Saturday and Sunday before this week's Monday (the last complete one).

    >>> [d.isoformat() for d in _weekend(_WEEKEND.search("jobs last weekend"), date(2026, 11, 25))[:2]]
    ['2026-11-21', '2026-11-23']
    """
    end = monday_of(today)
    return end - timedelta(days=2), end, f"last weekend ({(end - timedelta(days=2)).isoformat()} and {(end - timedelta(days=1)).isoformat()})"


_HALF = re.compile(rf"\b(first|1st|second|2nd|last|latter)\s+half\s+of\s+(?:the\s+year\b|(20\d{{2}})\b|({_MONTH_RE})\.?(?:\s+(\d{{4}}))?\b)"
                   rf"|\bh([12])(?:\s+(20\d{{2}}))?\b", re.IGNORECASE)


def _half(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'the first half of October' = days 1-15, the second half 16 to the end; 'H1', 'the first half of the year' = January-June.

    >>> [d.isoformat() for d in _half(_HALF.search("spend in the second half of october"), date(2026, 11, 25))[:2]]
    ['2026-10-16', '2026-11-01']
    >>> [d.isoformat() for d in _half(_HALF.search("jobs in h1"), date(2026, 11, 25))[:2]]
    ['2026-01-01', '2026-07-01']
    """
    first = (m.group(1) or "").lower() in ("first", "1st") or m.group(5) == "1"
    if m.group(3):
        month = MONTHS[m.group(3).lower()]
        year = int(m.group(4)) if m.group(4) else _latest_month(month, today)
        start, end = _month_period(year, month)
        mid = date(year, month, 16)
        a, b = (start, mid) if first else (mid, end)
        return a, b, f"{'first' if first else 'second'} half of {calendar.month_name[month]} {year} ({a.isoformat()} to {(b - timedelta(days=1)).isoformat()})"
    year_s = m.group(2) or m.group(6)
    year = int(year_s) if year_s else today.year
    if not year_s and not first and date(year, 7, 1) > today:
        year -= 1  # 'H2' before July: the latest one that has started
    a = date(year, 1 if first else 7, 1)
    return a, _add_months(a, 6), f"H{1 if first else 2} {year}"


_WEEK_OF = re.compile(rf"\b(?:the\s+)?week\s+(?:of|starting|beginning|commencing)\s+(?:the\s+)?{_DATE}", re.IGNORECASE)


def _week_of(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'the week of October 5' = the ISO week (Monday to Sunday) that holds that day.

    >>> [d.isoformat() for d in _week_of(_WEEK_OF.search("spend the week of oct 7"), date(2026, 11, 25))[:2]]
    ['2026-10-05', '2026-10-12']
    """
    day = parse_date(m.group(1), today)
    if day is None:
        return None
    start = monday_of(day)
    return start, start + timedelta(days=7), f"the week of {start.isoformat()}"


_MONTH_TO_DAY = re.compile(rf"\b(?:between|from)\s+{_MONTH_Y}\s+(?:and|to|until|till|through|thru|-)\s+{_DATE}", re.IGNORECASE)


def _month_to_day(m: re.Match[str], today: date) -> tuple[date, date, str] | None:
    """'from September through October 2nd': from the month's first day to that day, inclusive.

    >>> [d.isoformat() for d in _month_to_day(_MONTH_TO_DAY.search("from september through october 2nd"), date(2026, 11, 25))[:2]]
    ['2026-09-01', '2026-10-03']
    """
    end = parse_date(m.group(3), today)
    if end is None:
        return None
    month = MONTHS[m.group(1).lower()]
    year = int(m.group(2)) if m.group(2) else (end.year if month <= end.month else end.year - 1)
    start = date(year, month, 1)
    return (start, end + timedelta(days=1), f"{start.isoformat()} to {end.isoformat()}") if start <= end else None


_AT_MONTH = next(i for i, (_, fn) in enumerate(_RULES) if fn is _month)
_RULES[_AT_MONTH:_AT_MONTH] = [(_HALF, _half), (_WEEKEND, _weekend), (_AGO, _ago)]  # before 'October', the whole month
_AT_DAY = next(i for i, (_, fn) in enumerate(_RULES) if fn is _since)
_RULES[_AT_DAY:_AT_DAY] = [(_WEEK_OF, _week_of), (_MONTH_TO_DAY, _month_to_day)]  # before the day alone ('October 15th')


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


_DATE_LIKE = re.compile(
    rf"\b(\d{{4}}-\d{{1,2}}-\d{{1,2}})\b|\b((?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)\b(?!\s*(?:day|week|month|hour|%))"
    rf"|\b(\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_RE}))\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)


def invalid_date(text: str, today: date) -> str | None:
    """The first written date that is no calendar date ('Feb 30', '2026-13-01'), else None.

    Such a date is an error to report, never a reason to fall back to a whole month or year.

    >>> invalid_date("cost on feb 30", date(2026, 11, 23)), invalid_date("cost on feb 28", date(2026, 11, 23))
    ('feb 30', None)
    >>> invalid_date("cost from feb 3 to 30", date(2026, 11, 23))
    'from feb 3 to 30'
    >>> invalid_date("cost on the 31st of november", date(2026, 11, 23))
    '31st of november'
    """
    for r in _DAYS_IN_MONTH.finditer(text):  # 'feb 3 to 30': the range's last day is no day of February
        if not r.group(9) and _days_in_month(r, today) is None:
            return r.group(0).strip()
    for m in _DATE_LIKE.finditer(text):
        phrase = m.group(1) or m.group(2) or " ".join(x for x in (m.group(3), m.group(4)) if x)
        if re.fullmatch(r"(?:{})\.?\s+\d{{4}}".format(_MONTH_RE), phrase.strip(), re.IGNORECASE):
            continue  # 'October 2026' is a month, not a day
        if parse_date(phrase, today) is None:
            return phrase
    return None


_SHIFT = re.compile(
    r"\b(?:the\s+)?(day|week|month|quarter|year|period)\s+(?:before|earlier|prior)\b"
    r"|\b(?:the\s+)?(?:previous|prior|preceding)\s+(day|week|month|quarter|year|period)\b"
    r"|\b(a|one|two|three|four|\d{1,2})\s+(day|week|month|quarter|year)s?\s+(?:earlier|before)\b", re.IGNORECASE)


def shift_back(text: str) -> tuple[str, int, tuple[int, int]] | None:
    """A follow-up's step back from the period before: ('week', 1, span) for 'the week before', else None.

    >>> shift_back("same for the previous week")[:2], shift_back("and two months earlier?")[:2], shift_back("by team")
    (('week', 1), ('month', 2), None)
    """
    m = _SHIFT.search(text)
    if m is None:
        return None
    if m.group(1) or m.group(2):
        return (m.group(1) or m.group(2)).lower(), 1, m.span()
    raw = m.group(3).lower()
    n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw, 1)
    return m.group(4).lower(), n, m.span()


_SAME_BEFORE = re.compile(
    r"\b(?:the\s+)?same\s+(?:day|date|week|month|quarter|period|time|days|dates|hours?|window|stretch)\s+"
    r"(?:(?:of\s+)?(?:the\s+)?(?:last|previous|prior|preceding)\s+(week|month|quarter|year)"
    r"|(a|one|two|three|four|\d{1,2})\s+(week|month|quarter|year)s?\s+(?:earlier|before|ago|back))\b", re.IGNORECASE)


def same_before(text: str) -> tuple[str, int, tuple[int, int]] | None:
    """'the same day last week', 'same period a year earlier': the unit and count to move back, and the words' span.

    >>> same_before("failed jobs yesterday vs the same day last week")[:2], same_before("spend in october vs same month a year ago")[:2]
    (('week', 1), ('year', 1))
    >>> same_before("spend last week")
    """
    m = _SAME_BEFORE.search(text)
    if m is None:
        return None
    if m.group(1):
        return m.group(1).lower(), 1, m.span()
    raw = m.group(2).lower()
    n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw, 1)
    return m.group(3).lower(), n, m.span()


def moved_back(period: Period, unit: str, n: int = 1) -> Period:
    """`period` moved `n` units back with its length kept: yesterday a week back is one day, 7 days earlier.

    >>> moved_back(resolve_period("yesterday", date(2026, 11, 23)), "week").describe()
    '2026-11-15'
    >>> moved_back(resolve_period("this month", date(2026, 11, 23)), "month").describe()
    '2026-10-01 to 2026-10-23'
    """
    if unit in ("day", "week"):
        step = timedelta(days=n * (7 if unit == "week" else 1))
        start, end = period.start - step, period.end - step
    else:
        months = n * {"month": 1, "quarter": 3, "year": 12}[unit]
        start, end = _dt(_add_months(period.start.date(), -months)), _dt(_add_months(period.end.date(), -months))
    ago = f"{n} {unit}s" if n > 1 else f"a {unit}"
    return Period(start, end, f"the same {'day' if (end - start).days == 1 else 'period'} {ago} earlier")


def shifted(start: datetime, end: datetime, unit: str, n: int = 1) -> Period:
    """The period `n` units before [start, end), as long as the unit ('period' = the same length).

    >>> shifted(datetime(2026, 11, 16), datetime(2026, 11, 23), "week").describe()
    '2026-11-09 to 2026-11-15'
    >>> shifted(datetime(2026, 10, 1), datetime(2026, 11, 1), "month").describe()
    '2026-09-01 to 2026-09-30'
    """
    s0, e0 = start.date(), end.date()
    if unit in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[unit] * n
        same_shape = s0.day == 1 and e0.day == 1 and _add_months(s0, months // n) == e0
        new_start = _add_months(s0, -months)
        new_end = _add_months(e0, -months) if same_shape else _add_months(s0, -months + months // n)
    else:
        days = {"day": 1, "week": 7}.get(unit, (e0 - s0).days) * n
        step = {"day": 1, "week": 7}.get(unit, (e0 - s0).days)
        new_start = s0 - timedelta(days=days)
        new_end = new_start + timedelta(days=step) if unit != "period" else s0 - timedelta(days=days - step)
    what = "period" if unit == "period" else unit
    return Period(_dt(new_start), _dt(new_end), f"the {what} before ({n} back)" if n > 1 else f"the {what} before")


_COMPLETE = {"week": "last week", "month": "last month", "quarter": "last quarter", "year": "last year"}


def empty_so_far(period: Period, today: date) -> str | None:
    """For a period with no complete day of data yet ('this week' on a Monday, 'today'), the last complete one to offer.

    `today` is the exclusive end of data, so a period starting on it holds nothing yet.

    >>> empty_so_far(resolve_period("this week", date(2026, 11, 23)), date(2026, 11, 23))
    'last week'
    >>> empty_so_far(resolve_period("this week", date(2026, 11, 25)), date(2026, 11, 25)) is None
    True
    """
    if period.start.date() < today:
        return None
    label = period.label.lower()
    if label.startswith("today") or label.startswith("since"):
        return "yesterday"
    for unit, offer in _COMPLETE.items():
        if unit in label:
            return offer
    return "yesterday"


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


def _aligned(d: date, grain: str) -> bool:
    """Whether a bucket of `grain` starts on `d`."""
    if grain == "week":
        return d.weekday() == 0
    months = {"day": 0, "month": 1, "quarter": 3, "year": 12}[grain]
    return months == 0 or (d.day == 1 and (d.month - 1) % months == 0)


def side_by_side_grain(a: Period, b: Period, grains: tuple[str, ...] = ("day", "week", "month", "quarter")) -> str:
    """The coarsest time bucket (of `grains`, finest first) in which no bucket holds days of both sides.

    The answer spans both periods; its outer edges clip the first and last bucket, so only the
    inner edges matter: where the earlier side ends and the later one starts must fall on bucket
    starts. A bucket across such an edge would add days of one side, or of the gap, to the other.
    Years, which the semantic layer cannot bucket, are shown by quarter.

    >>> d = date(2026, 11, 23)
    >>> side_by_side_grain(resolve_period("this month", d), resolve_period("last month", d))
    'month'
    >>> side_by_side_grain(resolve_period("this quarter", d), resolve_period("last quarter", d))
    'quarter'
    >>> side_by_side_grain(resolve_period("this year", d), resolve_period("2025", d))
    'quarter'
    >>> side_by_side_grain(resolve_period("past 10 days", d), resolve_period("last week", d))
    'day'
    >>> side_by_side_grain(resolve_period("between oct 1 and oct 15", d), resolve_period("between nov 1 and nov 15", d))
    'day'
    >>> side_by_side_grain(resolve_period("last week", d), resolve_period("the week before last", d))
    'week'
    """
    early, late = sorted((a, b), key=lambda p: (p.start, p.end))
    if late.start < early.end:  # overlapping sides share days whatever the bucket: show days
        return grains[0]
    edges = [early.end.date(), late.start.date()]
    fit = [g for g in grains if all(_aligned(e, g) for e in edges)]
    return fit[-1] if fit else grains[0]


_OPEN_END = re.compile(rf"\b(?<!from )(?<!between )(through|thru|until|till|up to|up until|to the end of|by the end of)\s+(?:the\s+end\s+of\s+)?({_MONTH_RE})\b(?!\s*\d)")


def open_end(text: str, today: date) -> tuple[str, list[str]] | None:
    """'cost through October' names where a period ends but not where it starts: the words and the readings to offer.

    >>> open_end("cost through october", date(2026, 11, 23))
    ('through october', ['from January through October', 'in October'])
    >>> open_end("cost from september through october", date(2026, 11, 23)) is None
    True
    """
    m = _OPEN_END.search(text)
    if m is None or re.search(r"\b(from|between|since)\b", text[: m.start()]):
        return None
    month = calendar.month_name[MONTHS[m.group(2).lower()]]
    options = ([f"from January through {month}"] if month != "January" else []) + [f"in {month}"]
    return m.group(0), options
