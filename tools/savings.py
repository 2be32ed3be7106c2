"""`pace savings`: where the fleet can save money, by lever, with no accelerator-hour counted twice.

The ledger in `savings_sql` gives every allocated accelerator-hour of the period to at most one lever
(idle -> rightsizing -> bin-packing -> off-peak shift -> commitment, each on what the earlier left),
so the total is a sum over disjoint hours. Dollars are per month: period dollars x 730 / period hours.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from core.errors import UserError
from core.settings import Settings
from tools._warehouse import Warehouse
from tools.savings_sql import (
    HOURS_PER_MONTH, MEMORY_HEADROOM, TARGET_BUSY, pool_levers_sql, stream_levers_sql,
)

LEVERS: tuple[str, ...] = ("idle_reclamation", "rightsizing", "bin_packing", "off_peak_shift", "commitment")
NO_DOUBLE_COUNT_RULE = (
    "Each allocated accelerator-hour of the period is claimed by at most one lever, in the order idle reclamation, "
    "rightsizing, bin-packing, off-peak shift, commitment; each lever sees only the hours the earlier ones left."
)
COLUMNS: tuple[str, ...] = ("lever", "entity", "cluster", "accelerator_type", "action", "monthly_usd",
                            "accelerator_hours_per_month", "confidence")
MIN_MONTHLY_USD = 50.0


class Opportunity(BaseModel):
    """One way to save: the lever, where, how much a month, how sure, and how it was worked out."""

    lever: str
    entity: str
    cluster: str | None = None
    accelerator_type: str | None = None
    action: str
    monthly_usd: float
    accelerator_hours_per_month: float = Field(description="accelerator-hours this lever claims, per month")
    confidence: Literal["high", "medium", "low"]
    assumptions: str
    formula: str
    evidence_sql: str


class SavingsReport(BaseModel):
    """Opportunities (largest first), totals by lever, the period measured and the counting rule."""

    opportunities: list[Opportunity]
    period_start: datetime
    period_end: datetime
    total_monthly_usd: float
    by_lever: dict[str, float]
    hours_by_lever: dict[str, float] = Field(description="accelerator-hours per month claimed by each lever")
    allocated_hours_per_month: float
    rule: str = NO_DOUBLE_COUNT_RULE

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    @property
    def rows(self) -> list[list[Any]]:
        return [[getattr(o, c) for c in COLUMNS] for o in self.opportunities]

    @property
    def evidence_sql(self) -> list[str]:
        return list(dict.fromkeys(o.evidence_sql for o in self.opportunities))

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def summary_text(self) -> str:
        if not self.opportunities:
            return f"No savings opportunity above ${MIN_MONTHLY_USD:,.0f}/month found in {self._period()}."
        levers = ", ".join(f"{k.replace('_', ' ')} ${v:,.0f}" for k, v in sorted(self.by_lever.items(), key=lambda kv: -kv[1]) if v)
        top = self.opportunities[0]
        share = sum(self.hours_by_lever.values()) / self.allocated_hours_per_month if self.allocated_hours_per_month else 0
        return (
            f"pace found {len(self.opportunities)} savings opportunities worth about ${self.total_monthly_usd:,.0f} a month, "
            f"measured on {self._period()} and scaled to a 730-hour month: {levers}. "
            f"The largest: {top.action} (${top.monthly_usd:,.0f}/month, {top.confidence} confidence). "
            f"No accelerator-hour is counted twice: the levers together touch {share:.0%} of allocated hours."
        )

    def _period(self) -> str:
        """The window, with its length: two reports over different windows say so (the weekly draft uses its week)."""
        days = (self.period_end - self.period_start).days
        return f"{self.period_start:%Y-%m-%d} to {(self.period_end - timedelta(days=1)):%Y-%m-%d} ({days} days)"


def _period(wh: Warehouse, days: int, end: date | datetime | None) -> tuple[datetime, datetime]:
    if end is None:
        row = wh.run("SELECT max(hour) AS last_hour FROM utilization_hourly")
        if row.empty or pd.isna(row["last_hour"][0]):
            raise UserError("the warehouse has no utilization data; build one with `pace seed`")
        last = pd.Timestamp(row["last_hour"][0]).to_pydatetime()
        stop = datetime(last.year, last.month, last.day) + timedelta(days=1)
    else:
        stop = datetime(end.year, end.month, end.day)
    return stop - timedelta(days=days), stop


def estimate_savings(settings: Settings, days: int = 28, end: date | datetime | None = None,
                     min_monthly_usd: float = MIN_MONTHLY_USD) -> SavingsReport:
    """Savings per lever from the last `days` days of data (ending at `end`, default the data's end)."""
    if days < 7:
        raise UserError(f"--days {days} is too short to tell a steady baseline from noise; use 7 or more")
    with Warehouse(settings) as wh:
        start, stop = _period(wh, days, end)
        streams = wh.run(stream_levers_sql(start, stop))
        pools = wh.run(pool_levers_sql(start, stop))
    hours = (stop - start).total_seconds() / 3600
    scale = HOURS_PER_MONTH / hours
    opps = _stream_opportunities(streams, start, stop, scale) + _pool_opportunities(pools, start, stop, scale)
    opps = sorted((o for o in opps if o.monthly_usd >= min_monthly_usd), key=lambda o: -o.monthly_usd)
    by_lever = {lv: round(sum(o.monthly_usd for o in opps if o.lever == lv), 2) for lv in LEVERS}
    hours_by = {lv: round(sum(o.accelerator_hours_per_month for o in opps if o.lever == lv), 1) for lv in LEVERS}
    return SavingsReport(
        opportunities=opps, period_start=start, period_end=stop, total_monthly_usd=round(sum(by_lever.values()), 2),
        by_lever=by_lever, hours_by_lever=hours_by,
        allocated_hours_per_month=round(float(streams["allocated_hours"].sum()) * scale, 1),
    )


def _stream_opportunities(df: pd.DataFrame, start: datetime, stop: datetime, scale: float) -> list[Opportunity]:
    out: list[Opportunity] = []
    for r in df.to_dict("records"):  # one row per allocation stream
        where = f"{r['project']} ({r['workload_type']}) on {r['accelerator_type']} in {r['cluster']}"
        sql = stream_levers_sql(start, stop, team=r["team"], cluster=r["cluster"], accelerator_type=r["accelerator_type"])
        common = {"entity": r["team"], "cluster": r["cluster"], "accelerator_type": r["accelerator_type"], "evidence_sql": sql}
        if r["idle_hours"] > 0:
            out.append(Opportunity(
                lever="idle_reclamation", action=f"release idle {r['accelerator_type']} of {where}",
                monthly_usd=round(r["idle_usd"] * scale, 2), accelerator_hours_per_month=round(r["idle_hours"] * scale, 1),
                confidence="high", formula="idle allocated accelerator-hours x $/h x 730 / period hours",
                assumptions="Hours allocated while SM activity was under 0.1 could have been released; the same pattern "
                            "recurs each month; on-prem hours are priced at the committed rate card.", **common))
        if r["rightsized_hours"] > 0 and isinstance(r["target"], str):
            out.append(Opportunity(
                lever="rightsizing", action=f"move {where} to {r['target']}",
                monthly_usd=round(r["rightsizing_usd"] * scale, 2),
                accelerator_hours_per_month=round(r["rightsized_hours"] * scale, 1), confidence="medium",
                formula="allocated accelerator-hours x ($/h now - $/h of the target) x 730 / period hours",
                assumptions=f"p95 SM activity and p95 memory of the stream fit the target with {MEMORY_HEADROOM:.0%} memory "
                            "headroom and compute at no more than 80% of its peak; a MIG slice is priced pro rata "
                            "(k/slices of the accelerator); the work keeps its shape after the move.", **common))
        if r["packed_hours"] > 0:
            out.append(Opportunity(
                lever="bin_packing", action=f"pack {where} to an {TARGET_BUSY:.0%} busy share",
                monthly_usd=round(r["packing_usd"] * scale, 2), accelerator_hours_per_month=round(r["packed_hours"] * scale, 1),
                confidence="low", formula=f"(allocated - busy / {TARGET_BUSY}) accelerator-hours x $/h x 730 / period hours",
                assumptions=f"A scheduler that packs jobs and lets them borrow idle quota could run the same busy hours "
                            f"on fewer accelerators at an {TARGET_BUSY:.0%} busy share (now {r['busy_share']:.0%}); "
                            "online serving is excluded because it needs headroom for traffic.", **common))
    return out


def _pool_opportunities(df: pd.DataFrame, start: datetime, stop: datetime, scale: float) -> list[Opportunity]:
    out: list[Opportunity] = []
    for r in df.to_dict("records"):  # one row per cloud pool
        pool = f"{r['accelerator_type']} in {r['cluster']}"
        common = {"entity": r["cluster"], "cluster": r["cluster"], "accelerator_type": r["accelerator_type"],
                  "evidence_sql": pool_levers_sql(start, stop, cluster=r["cluster"], accelerator_type=r["accelerator_type"])}
        spread = r["od"] - r["cm"]
        shift = float(r["shift_hours"] or 0.0)
        commit_hours = min(float(r["commitment_gap"] or 0.0) * r["hours"], max(0.0, r["residual"] - shift))
        if shift > 0:
            out.append(Opportunity(
                lever="off_peak_shift", action=f"run peak-hour batch and eval work on {pool} off-peak",
                monthly_usd=round(shift * spread * scale, 2), accelerator_hours_per_month=round(shift * scale, 1),
                confidence="medium", formula="min(peak batch hours, off-peak headroom) x (on-demand - committed $/h) x 730 / period hours",
                assumptions="Batch inference and evaluation submitted on weekdays 08-19 UTC can wait for the night; in the "
                            "valley they fit under the pool's peak level and run on committed capacity instead of on-demand.",
                **common))
        if commit_hours > 0:
            out.append(Opportunity(
                lever="commitment", action=f"commit to {r['commitment_gap']:.0f} more {pool} (steady baseline {r['baseline']:.0f}, "
                                           f"committed now {r['committed_level']:.0f})",
                monthly_usd=round(commit_hours * spread * scale, 2), accelerator_hours_per_month=round(commit_hours * scale, 1),
                confidence="high", formula="(p15 of off-peak hourly residual use - committed level) x hours x (on-demand - committed $/h)",
                assumptions="The off-peak p15 of use left after the other levers is steady enough to commit to for a year; "
                            "committed prices are the catalog's; existing commitments come from FOCUS Committed lines.",
                **common))
    return out
