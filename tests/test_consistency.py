"""One definition of every number: a figure a tool, dashboard tile or weekly draft reports for a catalog
metric equals `pace query` (the compiler) for the same metric, filters and period.

Figures with no catalog metric (the savings levers' claims, forecast demand quantiles, placement's
MFU-based costs, detection statistics) are not compared here; where two outputs report one thing over
different windows (savings: 28 trailing days; the weekly draft: the ISO week), each states its window
and the test pins that the same window gives the same figure.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from core.settings import Settings

WEEK = "2026-W47"
WEEK_START, WEEK_END = datetime(2026, 11, 16), datetime(2026, 11, 23)


def pace_query(settings: Settings, metrics: list[str], start: datetime, end: datetime, by: list[str] | None = None,
               where: dict[str, str] | None = None) -> dict[Any, dict[str, Any]]:
    """What `pace query --metric ... --by ... --where ... --from --to` returns, keyed by the group (or None)."""
    from semantic_layer.catalog import load_catalog
    from semantic_layer.engine import open_engine
    from semantic_layer.query import MetricQuery

    query = MetricQuery(metrics=metrics, group_by=[{"dimension": d.split(":")[0], "grain": (d.split(":") + [None])[1]}
                                                   for d in by or []],
                        filters=[{"dimension": k, "values": [v]} for k, v in (where or {}).items()],
                        time_range={"start": start, "end": end})
    catalog = load_catalog()
    with open_engine(settings) as engine:
        result = engine.run_query(catalog.with_values(engine) if query.filters else catalog, query)
    keys = [g.label() for g in query.group_by]
    out: dict[Any, dict[str, Any]] = {}
    for row in result.rows:
        rec = dict(zip(result.columns, row))
        key = tuple(rec[k] for k in keys) if len(keys) > 1 else (rec[keys[0]] if keys else None)
        out[key] = rec
    return out


def close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    return a == pytest.approx(b, rel=rel, abs=1e-6)


@pytest.fixture(scope="module")
def weekly_report(demo_db: Any) -> Any:
    from tools.weekly import weekly_narrative

    return weekly_narrative(Settings(PACE_DB=demo_db), WEEK)


@pytest.fixture(scope="module")
def weekly_facts(weekly_report: Any) -> dict[str, Any]:
    return weekly_report.draft.facts


def test_weekly_headline_equals_pace_query(settings: Settings, weekly_facts: dict[str, Any]) -> None:
    """Spend, utilization and idle cost in the weekly headline are the catalog's metrics for the week."""
    got = pace_query(settings, ["effective_cost_usd", "utilization_pct", "idle_cost_usd"], WEEK_START, WEEK_END)[None]
    assert close(weekly_facts["spend"].value, got["effective_cost_usd"])
    assert close(weekly_facts["util"].value, got["utilization_pct"])
    assert close(weekly_facts["idle"].value, got["idle_cost_usd"])
    prev = pace_query(settings, ["idle_cost_usd"], WEEK_START - timedelta(days=28), WEEK_START)[None]
    assert close(weekly_facts["idle_base"].value, prev["idle_cost_usd"] / 4)


def test_weekly_breakdowns_equal_pace_query(settings: Settings, weekly_facts: dict[str, Any]) -> None:
    """Hours by type, spend movers by team and type, and the top idle team: the same metrics, grouped."""
    hours = pace_query(settings, ["allocated_hours"], WEEK_START, WEEK_END, by=["accelerator_type"])
    spend_team = pace_query(settings, ["effective_cost_usd"], WEEK_START, WEEK_END, by=["team"])
    spend_type = pace_query(settings, ["effective_cost_usd"], WEEK_START, WEEK_END, by=["accelerator_type"])
    idle_team = pace_query(settings, ["idle_cost_usd"], WEEK_START, WEEK_END, by=["team"])
    checked = 0
    for name, fact in weekly_facts.items():
        row, col = fact.params.get("row"), fact.params.get("column")
        if name.startswith("hours_") and col == "this_week":
            assert close(fact.value, hours[row]["allocated_hours"]), name
        elif name.startswith("mover_team_") and col == "this_week":
            assert close(fact.value, spend_team[row]["effective_cost_usd"]), name
        elif name.startswith("mover_type_") and col == "this_week":
            assert close(fact.value, spend_type[row]["effective_cost_usd"]), name
        elif col == "idle_usd":
            assert close(fact.value, idle_team[row]["idle_cost_usd"]), name
        else:
            continue
        checked += 1
    assert checked >= 8


def _weekly_incidents_equal_pace_query(settings: Settings, facts: dict[str, Any], start: datetime, end: datetime) -> None:
    got = pace_query(settings, ["incidents", "tier3_escalations", "accelerator_hours_lost", "mtta_p50_minutes"],
                     start, end).get(None, {})
    assert facts["inc_this_week"].value == (got.get("incidents") or 0)
    assert facts["inc_tier3"].value == (got.get("tier3_escalations") or 0)
    assert close(facts["inc_hours_lost"].value, got.get("accelerator_hours_lost"))
    assert close(facts["inc_mtta_p50_minutes"].value, got.get("mtta_p50_minutes"))
    before = pace_query(settings, ["incidents"], start - timedelta(days=7), start).get(None, {})
    assert facts["inc_change"].value == (got.get("incidents") or 0) - (before.get("incidents") or 0)
    by_severity = pace_query(settings, ["incidents"], start, end, by=["severity"])
    for level in ("SEV1", "SEV2", "SEV3", "SEV4"):
        assert facts[f"inc_{level.lower()}"].value == by_severity.get(level, {}).get("incidents", 0), level
    submitted = pace_query(settings, ["requests_submitted"], start, end).get(None, {})
    assert facts["gov_submitted"].value == (submitted.get("requests_submitted") or 0)


def test_weekly_incidents_equal_pace_query(settings: Settings, weekly_facts: dict[str, Any]) -> None:
    """Incidents opened, their change, severities, tier-3 escalations, hours lost, the median time to
    acknowledge and requests submitted are the catalog's metrics for the week, on two weeks."""
    from tools.weekly import weekly_narrative

    _weekly_incidents_equal_pace_query(settings, weekly_facts, WEEK_START, WEEK_END)
    earlier = weekly_narrative(settings, "2026-W44", with_tools=False)
    _weekly_incidents_equal_pace_query(settings, earlier.draft.facts, datetime(2026, 10, 26), datetime(2026, 11, 2))
    got = pace_query(settings, ["effective_cost_usd", "idle_cost_usd"], datetime(2026, 10, 26), datetime(2026, 11, 2))[None]
    assert close(earlier.draft.facts["spend"].value, got["effective_cost_usd"])
    assert close(earlier.draft.facts["idle"].value, got["idle_cost_usd"])


def test_weekly_utilization_leaves_unmeasured_hours_out(demo_db: Any, tmp_path: Any) -> None:
    """An hour whose activity DCGM did not report is neither busy nor idle in the weekly either: its
    utilization stays the catalog's utilization_pct when some of the week's hours are unmeasured."""
    import shutil

    import duckdb

    from tools.weekly import weekly_narrative

    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE utilization_hourly SET busy_hours = NULL, idle_hours = NULL "
                    "WHERE accelerator_type = 'H100' AND extract(hour FROM hour) % 2 = 0")
    settings = Settings(PACE_DB=db)
    facts = weekly_narrative(settings, WEEK, with_tools=False).draft.facts
    got = pace_query(settings, ["utilization_pct", "allocated_hours", "busy_hours"], WEEK_START, WEEK_END)[None]
    assert close(facts["util"].value, got["utilization_pct"])
    assert facts["util"].value > 100 * got["busy_hours"] / got["allocated_hours"] + 1  # not busy / all allocated


def test_savings_in_weekly_and_cli_agree_on_one_window(settings: Settings, weekly_facts: dict[str, Any]) -> None:
    """The known symptom: `pace savings` (28 trailing days) and the weekly draft (the week) differ because
    their windows differ. Each says its window, and the week's window gives the weekly's figures."""
    from tools.savings import estimate_savings

    week = estimate_savings(settings, days=7, end=WEEK_END)
    assert close(weekly_facts["sav_total"].value, week.total_monthly_usd)
    assert weekly_facts["sav_n"].value == len(week.opportunities)
    default = estimate_savings(settings)
    assert (default.period_end - default.period_start).days == 28
    assert "(28 days)" in default.summary_text() and "(7 days)" in week.summary_text()


def test_weekly_says_its_savings_window(weekly_report: Any) -> None:
    assert "measured on this week alone" in weekly_report.to_markdown() and not weekly_report.problems()


def test_pace_savings_with_the_weeks_window_gives_the_weeklys_total(demo_db: Any, weekly_facts: dict[str, Any],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from faces.cli.app import run_app

    assert run_app(["savings", "--db", str(demo_db), "--days", "7", "--end", "2026-11-23", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert close(out["total_monthly_usd"], weekly_facts["sav_total"].value)
    assert run_app(["savings", "--db", str(demo_db), "--end", "23/11/2026"]) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_savings_allocated_hours_equal_metric(settings: Settings) -> None:
    """The ledger's allocated accelerator-hours are the catalog's allocated_hours over the same period."""
    from tools.savings import estimate_savings

    for end in (WEEK_END, datetime(2026, 11, 9)):  # two as-of dates
        rep = estimate_savings(settings, days=14, end=end)
        scale = 730.0 / ((rep.period_end - rep.period_start).total_seconds() / 3600)
        got = pace_query(settings, ["allocated_hours"], rep.period_start, rep.period_end)[None]["allocated_hours"]
        assert close(rep.allocated_hours_per_month, round(got * scale, 1), rel=1e-6)


def test_impact_hours_and_utilization_equal_metrics(settings: Settings) -> None:
    from tools.impact import utilization_gain_value

    r = utilization_gain_value(settings, points=5)
    got = pace_query(settings, ["allocated_hours", "utilization_pct"], r.period_start, r.period_end)[None]
    scale = 730.0 / ((r.period_end - r.period_start).total_seconds() / 3600)
    assert close(r.allocated_hours_month, round(got["allocated_hours"] * scale, 1), rel=1e-6)
    assert close(r.measured_pct, round(got["utilization_pct"], 2), rel=1e-6)


def test_platform_review_adoption_equals_metrics(settings: Settings) -> None:
    """Weekly accelerator-hours, utilization and SM activity of a new type are the catalog's, by week."""
    from tools.platform_review import review_platform

    r = review_platform(settings, "H200")
    got = pace_query(settings, ["allocated_hours", "utilization_pct", "sm_activity_pct"], r.since, r.end,
                     by=["time:week"], where={"accelerator_type": "H200"})
    assert r.adoption
    for week in r.adoption:
        row = got[week["week"]]
        assert close(week["accelerator_hours"], row["allocated_hours"], rel=1e-6)
        assert close(100 * week["busy_share"], row["utilization_pct"], rel=1e-6)
        assert close(100 * week["sm_active"], row["sm_activity_pct"], rel=1e-6)


def test_platform_review_comparison_equals_metrics(settings: Settings) -> None:
    """Per type and workload, the review's accelerator-hours, busy share, failure and preemption rates are
    allocated_hours, utilization_pct, job_failure_rate_pct and preemption_rate_pct over the review's window."""
    from tools.platform_review import review_platform

    r = review_platform(settings, "MI300X")
    got = pace_query(settings, ["allocated_hours", "utilization_pct"], r.since, r.end, by=["accelerator_type", "workload_type"])
    rates = pace_query(settings, ["job_failure_rate_pct", "preemption_rate_pct"], r.since, r.end,
                       by=["accelerator_type", "workload_type"])
    assert r.comparison
    for row in r.comparison:
        want = got[(row["accelerator_type"], row["workload_type"])]
        assert close(row["accelerator_hours"], want["allocated_hours"], rel=1e-6)
        assert close(100 * row["busy_share"], want["utilization_pct"], rel=1e-6)
        jobs = rates.get((row["accelerator_type"], row["workload_type"]))
        if jobs is not None:  # job rates of a type and workload that ran jobs in the window
            assert close(100 * row["failure_rate"], jobs["job_failure_rate_pct"], rel=1e-6)
            assert close(100 * row["preemption_rate"], jobs["preemption_rate_pct"], rel=1e-6)


def test_platform_review_busy_share_leaves_unmeasured_hours_out(demo_db: Any, tmp_path: Any) -> None:
    """Hours whose activity DCGM did not report are neither busy nor idle: the review's busy share stays
    the catalog's utilization_pct on a warehouse where a third of one pool's hours are unmeasured."""
    import shutil

    import duckdb

    from tools.platform_review import review_platform

    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE utilization_hourly SET busy_hours = NULL, idle_hours = NULL "
                    "WHERE accelerator_type = 'MI300X' AND extract(hour FROM hour) % 3 = 0")
    settings = Settings(PACE_DB=db)
    r = review_platform(settings, "MI300X")
    got = pace_query(settings, ["utilization_pct"], r.since, r.end, by=["accelerator_type", "workload_type"])
    mine = [row for row in r.comparison if row["accelerator_type"] == "MI300X"]
    assert mine
    for row in mine:
        assert close(100 * row["busy_share"], got[("MI300X", row["workload_type"])]["utilization_pct"], rel=1e-6)


def test_platform_review_incidents_equal_metrics(settings: Settings) -> None:
    """Per type, the review's incidents, major incidents, hours lost and allocated hours are incidents,
    major_incidents, accelerator_hours_lost and allocated_hours over the review's window."""
    from tools.platform_review import review_platform
    from tools._warehouse import Warehouse
    from tools.platform_review_sql import incidents_sql

    r = review_platform(settings, "TPU v5e")
    with Warehouse(settings) as wh:
        rows = wh.run(incidents_sql(r.since, r.end)).to_dict("records")
    got = pace_query(settings, ["incidents", "major_incidents", "accelerator_hours_lost"], r.since, r.end,
                     by=["accelerator_type"])
    hours = pace_query(settings, ["allocated_hours"], r.since, r.end, by=["accelerator_type"])
    assert rows and any(row["incidents"] for row in rows)
    assert r.measures["incidents_new"] == (got.get("TPU v5e", {}).get("incidents") or 0)
    for row in rows:
        want = got.get(row["accelerator_type"], {})
        assert row["incidents"] == (want.get("incidents") or 0)
        assert row["major"] == (want.get("major_incidents") or 0)
        assert close(float(row["hours_lost"]), float(want.get("accelerator_hours_lost") or 0))
        assert close(row["accelerator_hours"], hours[row["accelerator_type"]]["allocated_hours"])


def test_forecast_capacity_equals_installed_accelerators(settings: Settings) -> None:
    """Installed accelerators per type in the forecast are the catalog's installed_accelerators at the last hour."""
    from tools.forecast import forecast_capacity

    fc = forecast_capacity(settings, weeks=2)
    last = datetime.combine(date(2026, 11, 22), datetime.min.time()) + timedelta(hours=23)
    got = pace_query(settings, ["installed_accelerators"], last, last + timedelta(hours=1), by=["accelerator_type"])
    for t in fc.types:
        if t.capacity:
            assert close(t.capacity, got[t.accelerator_type]["installed_accelerators"]), t.accelerator_type


def test_dashboard_fleet_capacity_tile_equals_metrics(settings: Settings) -> None:
    """The fleet capacity tile's allocated, busy and installed figures and its allocation % are catalog metrics."""
    from dashboards import sql_sources
    from dashboards.state import FilterState
    from semantic_layer.engine import open_engine

    for values in ({}, {"team": "atlas"}):
        state = FilterState(start=WEEK_START, end=WEEK_END, values=values)
        sql, _ = sql_sources.fleet_capacity_sql(state)
        with open_engine(settings) as engine:
            tile = {r[0]: r for r in engine.run_sql(sql).rows}
        hours = (WEEK_END - WEEK_START).total_seconds() / 3600
        got = pace_query(settings, ["allocated_hours", "busy_hours"], WEEK_START, WEEK_END, where=values)[None]
        assert close(tile["Accelerators allocated"][1] * hours, got["allocated_hours"], rel=1e-6)
        assert close(tile["Accelerators busy"][1] * hours, got["busy_hours"], rel=1e-6)
        cap = pace_query(settings, ["installed_accelerators", "capacity_allocated_pct"], WEEK_START, WEEK_END)[None]
        if not values:
            assert close(tile["Accelerators installed"][1], cap["installed_accelerators"], rel=1e-6)
            assert close(tile["Allocation %"][1], cap["capacity_allocated_pct"], rel=1e-6)


def test_triage_endpoint_error_rates_equal_pace_query(settings: Settings) -> None:
    """A serving triage's error rates (window and the two weeks before) are the catalog's
    inference_error_rate_pct for that endpoint over the same periods, for two endpoints."""
    from tools.triage import triage

    for endpoint in ("assistant-chat", "search-answer"):
        draft = triage(settings, text=f"endpoint {endpoint} errors up")
        facts, start = draft.draft.facts, draft.subject.start
        assert draft.subject.scope.endpoint == endpoint
        end = max(draft.subject.end, start + timedelta(hours=1))
        now = pace_query(settings, ["inference_error_rate_pct"], start, end, where={"endpoint": endpoint})[None]
        before = pace_query(settings, ["inference_error_rate_pct"], start - timedelta(days=14), start,
                            where={"endpoint": endpoint})[None]
        assert close(facts["srv_error_rate_pct"].value, now["inference_error_rate_pct"])
        assert close(facts["srv_baseline_error_rate_pct"].value, before["inference_error_rate_pct"])
