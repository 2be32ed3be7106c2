"""A question that names no period gets the last days that hold data, not an empty window before today.

A warehouse of real exports ends where each export ends: a FOCUS bill for September 2024, a DCGM scrape
from last year. "Spend by service" with no period would otherwise cover the seven days before the
warehouse's last day and answer "no data". Only the default window moves (a period the user named is
kept, and answered `no_data` with what exists); the answer says the data ends on that day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assistant.planner.plan import PlannerPlan
from semantic_layer.catalog import Catalog
from semantic_layer.coverage import Span, covers, metric_coverage, prefer_covered
from semantic_layer.query import TimeRange

DEFAULT_MARK = "(no period given)"
"""The suffix a planner puts on the label of the window it chose because the question named none."""


def data_end(spans: list[Span]) -> datetime | None:
    """Where a metric's data ends: the earliest of its tables' last ends (a cost split needs cost and hours).

    >>> from datetime import datetime as d
    >>> data_end([Span("cost_daily", "focus", d(2024, 9, 1), d(2024, 10, 1)),
    ...           Span("utilization_hourly", "dcgm", d(2025, 11, 20), d(2025, 11, 21))])
    datetime.datetime(2024, 10, 1, 0, 0)
    """
    ends: dict[str, datetime] = {}
    for s in spans:
        ends[s.table] = max(ends.get(s.table, s.end), s.end)
    return min(ends.values()) if ends else None


def last_window_with_data(spans: list[Span], start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The window of the same length ending where `spans`' data ends; None when it need not (or cannot) move.

    It moves only when no span reaches into [start, end) and the data ends before `start`; it never starts
    before the data does.

    >>> from datetime import datetime as d
    >>> s = [Span("cost_daily", "focus", d(2024, 9, 1), d(2024, 10, 1))]
    >>> last_window_with_data(s, d(2026, 11, 15), d(2026, 11, 22))
    (datetime.datetime(2024, 9, 24, 0, 0), datetime.datetime(2024, 10, 1, 0, 0))
    >>> last_window_with_data(s, d(2024, 9, 20), d(2024, 9, 27)) is None  # covered: stays
    True
    >>> short = [Span("gpu_hourly", "dcgm", d(2025, 11, 20), d(2025, 11, 21))]
    >>> last_window_with_data(short, d(2026, 11, 15), d(2026, 11, 22))
    (datetime.datetime(2025, 11, 20, 0, 0), datetime.datetime(2025, 11, 21, 0, 0))
    >>> apart = s + short  # cost in 2024, hours in 2025: a cost per hour has no window
    >>> last_window_with_data(apart, d(2026, 11, 15), d(2026, 11, 22)) is None
    True
    """
    new_end = data_end(spans)
    if new_end is None or new_end > start or covers(spans, start, end):
        return None
    first = min(s.start for s in spans if s.end > new_end - (end - start))
    window = max(new_end - (end - start), first), new_end
    tables = {s.table for s in spans}
    if any(not covers([s for s in spans if s.table == t], *window) for t in tables):
        return None  # a metric on two tables whose data never meet: no window has it, and no_data says what each holds
    return window


def shift_default_period(plan: PlannerPlan, engine: Any, catalog: Catalog) -> PlannerPlan:
    """`plan` with its default window moved onto the last days its metrics' data covers (and a note saying so)."""
    query = plan.query
    if plan.kind != "query" or query is None or query.time_range is None or not hasattr(engine, "cursor"):
        return plan
    if not (plan.period_label or "").endswith(DEFAULT_MARK):
        return plan
    tr = query.time_range
    with engine.cursor() as cur:
        swapped, why = prefer_covered(cur, catalog, list(query.metrics), tr.start, tr.end)
        if swapped != list(query.metrics):  # GPU-hours from the scheduler when the DCGM scrape is older
            rename = dict(zip(query.metrics, swapped))
            order = [o.model_copy(update={"field": rename.get(o.field, o.field)}) for o in query.order_by]
            query = query.model_copy(update={"metrics": swapped, "order_by": order})
            plan = plan.model_copy(update={"query": query, "notes": [*plan.notes, *why]})
        per_metric = [metric_coverage(cur, catalog, m) for m in query.metrics if m in catalog.metrics]
    if any(covers(spans, tr.start, tr.end) for spans in per_metric):
        return plan  # some asked metric has data in the default window: keep it
    windows = [w for spans in per_metric if (w := last_window_with_data(spans, tr.start, tr.end)) is not None]
    if not windows:
        return plan
    start, end = max(windows, key=lambda w: w[1])
    spans = [s for group in per_metric for s in group]
    days = (end - start).days
    tables = sorted({s.table for s in spans if s.end == end})
    label = f"last {days} day{'s' * (days != 1)} with data {DEFAULT_MARK}"
    note = (f"No period given, and the data behind it ({', '.join(tables)}) ends on {end - timedelta(days=1):%Y-%m-%d}, "
            f"so this covers the last {days} day{'s' * (days != 1)} with data.")
    notes = [n for n in plan.notes if not n.startswith("No period given")] + [note]
    return plan.model_copy(update={"query": query.model_copy(update={"time_range": TimeRange(start=start, end=end)}),
                                   "period_label": label, "notes": notes})


def held_data(engine: Any) -> str:
    """'cost_daily: focus data from 2024-09-01 to 2024-09-30; jobs: ...', one entry per table and source ingested.

    Empty when nothing was ingested (a generated warehouse states its period through `pace_meta`) or when
    the engine has no cursor to read coverage with (Spark).
    """
    if not hasattr(engine, "cursor"):
        return ""
    with engine.cursor() as cur:
        known = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pace_coverage'").fetchone()[0]
        rows = cur.execute("SELECT table_name, source, data_start, data_end FROM pace_coverage ORDER BY 1, 3").fetchall() \
            if known else []
    return "; ".join(Span(t, s, a, b).describe().replace(" (", ": ", 1).replace(") from", " data from", 1)
                     for t, s, a, b in rows)


def offer_with_data(engine: Any, catalog: Catalog, metrics: list[str], start: datetime, end: datetime) -> str:
    """For a named period the data ends before: where it ends, and the same span ending there to ask for instead.

    '' when the data does not end before the period (it starts after it, or nothing is held) or coverage
    cannot be read (Spark).
    """
    if not hasattr(engine, "cursor"):
        return ""
    with engine.cursor() as cur:
        windows = [w for m in metrics if m in catalog.metrics
                   if (w := last_window_with_data(metric_coverage(cur, catalog, m), start, end)) is not None]
    if not windows:
        return ""
    first, last = max(windows, key=lambda w: w[1])
    final, days = last - timedelta(days=1), (last - first).days
    ask = f"on {final:%Y-%m-%d}" if days == 1 else f"from {first:%Y-%m-%d} to {final:%Y-%m-%d}"
    return (f"The data ends on {final:%Y-%m-%d}; for the last {days} day{'s' * (days != 1)} with data, "
            f"ask with '{ask}'.")
