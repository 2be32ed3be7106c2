"""A new user's first hour on real exports: plain questions, each checked against the raw file.

The warehouse holds only what `pace ingest` loaded (tests/realdata/conftest.py): the FinOps
Foundation's FOCUS 1.0 sample bill (September 2024), two sacct dumps of the same jobs (2026-11-20/21)
and a two-hour dcgm-exporter scrape (2025-11-20). Each expected figure is computed here with pandas
from the file itself (tests/realdata/raw.py), never read back from pace. The three sources end on
different days, long before today, which is what real data looks like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assistant.service import answer
from core.settings import Settings
from tests.realdata import raw

SEPT = "in September 2024"
GPU_DAY = "on 2025-11-20"
JOB_DAYS = "from 2026-11-20 to 2026-11-21"


def _focus_sept() -> pd.DataFrame:
    d = raw.focus()
    return d[(d["ChargePeriodStart"] >= "2024-09-01") & (d["ChargePeriodStart"] < "2024-10-01")]


def _last_week_of_bill() -> pd.DataFrame:
    d = raw.focus()
    end = d["ChargePeriodStart"].max().normalize() + pd.Timedelta(days=1)
    return d[d["ChargePeriodStart"] >= end - pd.Timedelta(days=7)]


def _by(frame: pd.DataFrame, key: str, col: str) -> dict[str, float]:
    return frame.groupby(key)[col].sum().to_dict()


def _per_host(field: str) -> dict[str, float | None]:
    """Mean of a DCGM field over each host's GPU-hours; None for a host whose exporter never sent the field."""
    d = raw.dcgm()
    host = d.drop_duplicates("UUID").set_index("UUID")["Hostname"]
    means = raw.gpu_hours(field).groupby(lambda k: host[k[0]]).mean().to_dict()
    return {h: means.get(h) for h in host.unique()}


def _ended(j: pd.DataFrame) -> pd.DataFrame:
    return j[j["state"].isin(raw.ENDED)]


@dataclass(frozen=True)
class Case:
    """One question, what it must be answered with, and the figure from the raw file."""

    question: str
    expected: Callable[[], Any]
    """A number (the answer's single value) or a dict (group -> value, every group the answer shows)."""
    column: str | None = None
    """The answer column to compare; the last one when None."""
    rel: float = 1e-4
    abs: float = 1e-4
    """The warehouse keeps FOCUS costs to 6 decimals (DECIMAL(18,6)); the export has 11."""


CASES = [
    # finance: the FOCUS bill (EffectiveCost is the amortized cost, BilledCost the invoice, ListCost list price)
    Case(f"total effective cost {SEPT}", lambda: _focus_sept()["EffectiveCost"].sum()),
    Case(f"what did we spend {SEPT}?", lambda: _focus_sept()["EffectiveCost"].sum()),
    Case(f"what was the bill {SEPT}", lambda: _focus_sept()["BilledCost"].sum()),
    Case(f"list cost {SEPT}", lambda: _focus_sept()["ListCost"].sum()),
    Case(f"savings {SEPT}", lambda: (_focus_sept()["ListCost"] - _focus_sept()["EffectiveCost"]).sum()),
    Case(f"list cost vs effective cost {SEPT}", lambda: _focus_sept()["EffectiveCost"].sum(), column="effective_cost_usd"),
    Case(f"spend by service {SEPT}", lambda: _by(_focus_sept(), "ServiceName", "EffectiveCost")),
    Case(f"cost per service {SEPT}", lambda: _by(_focus_sept(), "ServiceName", "EffectiveCost")),
    Case(f"top 3 services by billed cost {SEPT}",
         lambda: dict(sorted(_by(_focus_sept(), "ServiceName", "BilledCost").items(), key=lambda kv: -kv[1])[:3])),
    Case(f"billed cost by billing provider {SEPT}", lambda: _by(_focus_sept(), "ProviderName", "BilledCost")),
    Case(f"effective cost by service category {SEPT}", lambda: _by(_focus_sept(), "ServiceCategory", "EffectiveCost")),
    Case(f"cost by charge category {SEPT}", lambda: _by(_focus_sept(), "ChargeCategory", "EffectiveCost")),
    Case(f"effective cost for service category Compute {SEPT}",
         lambda: _focus_sept().query("ServiceCategory == 'Compute'")["EffectiveCost"].sum()),
    Case(f"daily spend {SEPT}", lambda: _focus_sept().groupby(_focus_sept()["ChargePeriodStart"].dt.strftime("%Y-%m-%d"))
         ["EffectiveCost"].sum().to_dict()),
    Case("spend by service", lambda: _by(_last_week_of_bill(), "ServiceName", "EffectiveCost")),  # no period: the bill's last 7 days
    Case(f"cost by region {SEPT}",  # FOCUS RegionId on the line; 7 lines (credits, tax) have none
         lambda: {**_by(_focus_sept(), "RegionId", "EffectiveCost"),
                  None: _focus_sept().loc[_focus_sept()["RegionId"].isna(), "EffectiveCost"].sum()}),
    Case(f"spend by cloud provider {SEPT}", lambda: _by(_focus_sept(), "ProviderName", "EffectiveCost")),  # no cluster: the bill's
    Case(f"effective cost for Microsoft {SEPT}",
         lambda: _focus_sept().query("ProviderName == 'Microsoft'")["EffectiveCost"].sum()),
    Case(f"effective savings rate {SEPT}",  # FinOps ESR: (list - effective) / list
         lambda: 100 * (1 - _focus_sept()["EffectiveCost"].sum() / _focus_sept()["ListCost"].sum()), rel=1e-3),
    Case(f"average daily spend {SEPT}", lambda: _focus_sept()["EffectiveCost"].sum() / 30, column="effective_cost_usd__per_day"),
    Case(f"which day {SEPT} cost the most", lambda: dict([max(_focus_sept().groupby(
        _focus_sept()["ChargePeriodStart"].dt.strftime("%Y-%m-%d"))["EffectiveCost"].sum().items(), key=lambda kv: kv[1])])),
    Case(f"how much of the bill was credits {SEPT}",  # FOCUS ChargeCategory Credit, as a share of the billed total
         lambda: 100 * _focus_sept().query("ChargeCategory == 'Credit'")["BilledCost"].sum() / _focus_sept()["BilledCost"].sum(),
         rel=1e-3),
    # ops: Slurm jobs (sacct states; the later dump is the current state)
    Case(f"how many jobs were submitted {JOB_DAYS}", lambda: len(raw.jobs())),
    Case(f"jobs by state {JOB_DAYS}", lambda: raw.jobs()["state"].str.lower().value_counts().to_dict()),
    Case(f"how many jobs failed {JOB_DAYS}", lambda: int(raw.jobs()["state"].isin(raw.FAILED).sum())),
    Case(f"job failure rate {JOB_DAYS}",
         lambda: 100 * _ended(raw.jobs())["state"].isin(raw.FAILED).mean()),
    Case(f"how many jobs were preempted {JOB_DAYS}", lambda: int((raw.jobs()["state"] == "PREEMPTED").sum())),
    Case(f"cancelled jobs {JOB_DAYS}", lambda: int((raw.jobs()["state"] == "CANCELLED").sum())),
    Case("how many jobs are running", lambda: int((raw.jobs()["state"] == "RUNNING").sum())),
    Case("how many jobs are waiting in the queue", lambda: int((raw.jobs()["state"] == "PENDING").sum())),
    Case(f"average queue wait {JOB_DAYS}", lambda: raw.jobs()["wait_min"].mean()),
    Case(f"median queue wait {JOB_DAYS}", lambda: raw.jobs()["wait_min"].median()),
    Case(f"mean job duration {JOB_DAYS}",
         lambda: raw.jobs().loc[raw.jobs()["Start"].notna() & raw.jobs()["End"].notna(), "elapsed_h"].mean()),
    Case(f"failed jobs by team {JOB_DAYS}",  # every team that submitted, the ones with no failure at 0
         lambda: raw.jobs().assign(f=raw.jobs()["state"].isin(raw.FAILED)).groupby("Account")["f"].sum().to_dict()),
    Case(f"gpu hours used by jobs {JOB_DAYS}", lambda: (raw.jobs()["gpus"] * raw.jobs()["elapsed_h"]).sum(),
         column="job_accelerator_hours", rel=1e-3),
    Case("gpu hours by team",  # no period: the scheduler's GPU-hours cover the last 7 days, the older DCGM scrape does not
         lambda: (raw.jobs().assign(h=raw.jobs()["gpus"] * raw.jobs()["elapsed_h"]).groupby("Account")["h"].sum().to_dict()),
         rel=1e-3),
    Case("jobs vs gpu hours by team",  # both sides from the scheduler: the DCGM scrape misses the window
         lambda: raw.jobs().assign(h=raw.jobs()["gpus"] * raw.jobs()["elapsed_h"]).groupby("Account")["h"].sum().to_dict(),
         column="job_accelerator_hours", rel=1e-3),
    Case(f"how many gpus sat idle all day {GPU_DAY}",  # DCGM GPU_UTIL below 5% in every observed hour
         lambda: int((raw.gpu_hours("DCGM_FI_DEV_GPU_UTIL") < 5).groupby(level=0).all().sum())),
    Case("how many jobs failed", lambda: int(raw.jobs()["state"].isin(raw.FAILED).sum())),  # no period: the last 7 days hold them all
    # engineers: the DCGM scrape (GPU_UTIL is the percent of time a kernel ran; FB_USED MiB in use)
    Case(f"mean gpu utilization {GPU_DAY}", lambda: raw.gpu_hours("DCGM_FI_DEV_GPU_UTIL").mean()),
    Case(f"how many gpus {GPU_DAY}", lambda: raw.dcgm()["UUID"].nunique(), column="gpu_count"),
    Case(f"how many GPUs reported {GPU_DAY}", lambda: raw.dcgm()["UUID"].nunique()),
    Case("mean gpu utilization", lambda: raw.gpu_hours("DCGM_FI_DEV_GPU_UTIL").mean()),  # no period: the scrape's day
    Case(f"mean gpu utilization by host {GPU_DAY}", lambda: _per_host("DCGM_FI_DEV_GPU_UTIL")),
]


def _ask(db: Path, question: str):
    return answer(question, planner="offline", settings=Settings(PACE_DB=db))


@pytest.mark.parametrize("case", CASES, ids=[c.question for c in CASES])
def test_a_plain_question_gets_the_figure_in_the_file(warehouse: Path, case: Case) -> None:
    a = _ask(warehouse, case.question)
    assert a.status == "answered", a.text
    want = case.expected()
    col = a.columns.index(case.column) if case.column else len(a.columns) - 1
    if isinstance(want, dict):
        got = {r[0]: r[col] for r in a.rows}
        assert set(got) == set(want), (a.text, got)
        assert got == {k: None if v is None else pytest.approx(float(v), rel=case.rel, abs=case.abs)
                       for k, v in want.items()}, a.text
    else:
        assert len(a.rows) == 1, a.text
        assert a.rows[0][col] == pytest.approx(float(want), rel=case.rel, abs=case.abs), a.text


@dataclass(frozen=True)
class Honest:
    """A question the data cannot answer as asked: the status pace must give and what its text must say."""

    question: str
    status: str
    says: tuple[str, ...] = ()


HONEST = [
    # a period the data does not reach: say what exists, never an empty "answer"
    Honest("what was the bill last week", "no_data", ("cost_daily", "2024-09-01 to 2024-09-30", "ends on 2024-09-30",
                                                      "ask with 'from 2024-09-24 to 2024-09-30'")),
    Honest("gpu utilization last month", "no_data", ("ends on 2025-11-20", "ask with 'on 2025-11-20'")),
    Honest("what did we spend in 2023", "no_data", ("2024-09-01 to 2024-09-30",)),  # before the data: nothing to offer
    # coverage: the first thing a new user asks
    Honest("what data do you have?", "answered", ("cost_daily: focus data from 2024-09-01 to 2024-09-30",
                                                  "jobs: sacct data from 2026-11-20 to 2026-11-21",
                                                  "gpu_hourly: dcgm data from 2025-11-20 to 2025-11-20")),
    # a metric the data does not measure: not measured, with the metric's own definition (not DCGM advice for a bill)
    Honest(f"commitment utilization {SEPT}", "no_data", ("Not measured", "CommitmentDiscountStatus")),
    # a split the metric has no data for is refused, not answered with another metric
    Honest(f"utilization by host {GPU_DAY}", "abstain", ("host",)),
    # a breakdown by an attribute no row carries says so, rather than show one '(unattributed)' group as a finding
    Honest(f"jobs by node list {JOB_DAYS}", "answered", ("No row of this data has a node list", "unattributed")),
    # a ratio of two tables whose data never meet has no window: both spans are named
    Honest("cost per busy gpu hour", "no_data", ("cost_daily, which holds focus data from 2024-09-01 to 2024-09-30",
                                                 "utilization_hourly, which holds dcgm data from 2025-11-20")),
    # two metrics, one without data in the window: the empty side is said, not dropped from the sentence
    Honest("utilization and spend by team", "answered", ("Effective cost has no data here", "2024-09-01 to 2024-09-30")),
    # a word that names two things in the data asks which
    Honest(f"effective cost for compute {SEPT}", "clarify", ("service_category = Compute", "service_name = COMPUTE")),
]


@pytest.mark.parametrize("case", HONEST, ids=[c.question for c in HONEST])
def test_what_the_data_cannot_answer_is_said(warehouse: Path, case: Honest) -> None:
    a = _ask(warehouse, case.question)
    assert a.status == case.status, a.text
    for part in case.says:
        assert part in a.text, a.text


def test_no_period_means_the_last_days_with_data_and_says_where_they_end(warehouse: Path) -> None:
    a = _ask(warehouse, "effective cost by billing provider")
    assert a.status == "answered", a.text
    assert a.period is not None and (a.period.start, a.period.end) == ("2024-09-24", "2024-10-01")
    assert "ends on 2024-09-30" in a.text and "last 7 days with data" in a.text
    want = _by(_last_week_of_bill(), "ProviderName", "EffectiveCost")
    assert {r[0]: r[1] for r in a.rows} == {k: pytest.approx(v, abs=1e-4) for k, v in want.items()}


def test_a_follow_up_moves_from_the_window_with_data(warehouse: Path) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    saver, settings = InMemorySaver(), Settings(PACE_DB=warehouse)
    first = answer("spend by service", thread_id="first-hour", planner="offline", settings=settings, checkpointer=saver)
    before = answer("and the week before?", thread_id="first-hour", planner="offline", settings=settings, checkpointer=saver)
    assert first.period is not None and first.period.start == "2024-09-24"
    assert before.status == "answered" and before.period is not None
    assert (before.period.start, before.period.end) == ("2024-09-17", "2024-09-24")  # the 7 days before the ones shown
    d = raw.focus()
    week = d[(d["ChargePeriodStart"] >= "2024-09-17") & (d["ChargePeriodStart"] < "2024-09-24")]
    want = _by(week, "ServiceName", "EffectiveCost")
    assert {r[0]: r[1] for r in before.rows} == {k: pytest.approx(v, abs=1e-4) for k, v in want.items()}


def test_small_real_amounts_are_not_rounded_to_zero(warehouse: Path) -> None:
    a = _ask(warehouse, f"billed cost by billing provider {SEPT}")
    oracle = _focus_sept().query("ProviderName == 'Oracle'")["BilledCost"].sum()
    assert f"Oracle ${oracle:.2f}" in a.text, a.text  # $0.54, not "$1" or "$0"


# Gaps found in the first hour and reported to the lead (issue 22), each with the answer the data supports.
# strict: the day one is fixed, its xfail fails and the case moves into CASES or HONEST above.
GAPS = [
    pytest.param("how many jobs ran on 2026-11-20", lambda a: a.status != "answered" or a.rows[0][-1] == int(
        ((raw.jobs()["Start"] < "2026-11-21") & ~(raw.jobs()["End"] <= "2026-11-20")).sum()),  # running at any time that day
        id="ran is not submitted"),
    pytest.param(f"which team has the highest job failure rate {JOB_DAYS}",  # helix, orion and vega tie at 100%
                 lambda a: sorted(r[0] for r in a.rows) == ["helix", "orion", "vega"] and "Tie: helix, orion and vega" in a.text,
                 id="a tie at the top shows every winner"),
]


@pytest.mark.parametrize(("question", "holds"), GAPS)
def test_known_gaps(warehouse: Path, question: str, holds: Callable[[Any], bool]) -> None:
    a = _ask(warehouse, question)
    assert holds(a), a.text
