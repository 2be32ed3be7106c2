"""Financial impact model: what a utilization gain is worth, with every parameter stated.

Utilization here is busy accelerator-hours / allocated accelerator-hours (GPU efficiency in
OpenCost's sense). Doing the same busy work at a higher utilization needs fewer allocated hours:

    freed hours = allocated x (1 - from / to)        (busy = allocated x from stays the same)
    value       = sum over pools of freed hours x the pool's effective $/accelerator-hour

The gain is applied to every pool in proportion (each pool's utilization x to / from, capped at 100%,
so freed = allocated - busy / pool target), and priced at
what the pool actually cost per allocated hour in the period (FOCUS EffectiveCost / PricingQuantity,
falling back to the catalog price). Dollars are per month: period x 730 / period hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from core.errors import UserError
from core.settings import Settings
from semantic_layer.query import GroupBy, MetricQuery, TimeRange
from tools._warehouse import Warehouse, bind
from tools.scan_sql import PRICE_CTE

HOURS_PER_MONTH = 730.0
DEFAULT_POINTS = 10.0
COLUMNS: tuple[str, ...] = ("accelerator_type", "cluster", "allocated_hours_month", "utilization_pct",
                            "freed_hours_month", "usd_per_hour", "usd_per_month")


class ImpactResult(BaseModel):
    """The value of raising fleet utilization from one level to another, per month."""

    from_pct: float
    to_pct: float
    measured_pct: float = Field(description="fleet utilization measured in the period")
    period_start: datetime
    period_end: datetime
    allocated_hours_month: float
    freed_hours_month: float
    usd_per_month: float
    blended_usd_per_hour: float
    freed_accelerators: float = Field(description="freed hours / 730: accelerators that could be released")
    by_pool: list[dict[str, Any]]
    parameters: str
    formula: str = "freed = allocated x (1 - from/to) per pool; value = freed x pool effective $/h; monthly = x 730 / period hours"
    sql: str = Field(description="the catalog query for allocated and busy hours per pool (compiled MetricQuery)")
    price_sql: str = Field(default="", description="each pool's effective $/accelerator-hour")

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    @property
    def rows(self) -> list[list[Any]]:
        return [[p[c] for c in COLUMNS] for p in self.by_pool]

    @property
    def evidence_sql(self) -> list[str]:
        return [self.sql, self.price_sql] if self.price_sql else [self.sql]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def summary_text(self) -> str:
        top = max(self.by_pool, key=lambda p: p["usd_per_month"]) if self.by_pool else None
        return (
            f"Raising fleet utilization (busy / allocated accelerator-hours) from {self.from_pct:.1f}% to {self.to_pct:.1f}% "
            f"frees {self.freed_hours_month:,.0f} accelerator-hours a month (about {self.freed_accelerators:,.0f} accelerators) "
            f"worth ${self.usd_per_month:,.0f}/month at a blended ${self.blended_usd_per_hour:.2f}/accelerator-hour. "
            f"Measured utilization was {self.measured_pct:.1f}% from {self.period_start:%Y-%m-%d} to "
            f"{(self.period_end - timedelta(days=1)):%Y-%m-%d}"
            + (f"; the largest share is {top['accelerator_type']} in {top['cluster']} (${top['usd_per_month']:,.0f}/month)." if top else ".")
        )


POOL_METRICS = ("allocated_hours", "busy_hours")
PRICE_SQL = """WITH billed AS (
    SELECT x_cluster AS cluster, x_accelerator_type AS accelerator_type,
           CAST(sum(EffectiveCost) AS DOUBLE) / nullif(CAST(sum(PricingQuantity) AS DOUBLE), 0) AS usd_per_hour
    FROM cost_daily
    WHERE x_team IS NOT NULL AND ChargePeriodStart >= :start AND ChargePeriodStart < :end
    GROUP BY x_cluster, x_accelerator_type
), """ + PRICE_CTE + """
SELECT p.cluster, p.accelerator_type, coalesce(b.usd_per_hour, p.usd_per_hour) AS usd_per_hour
FROM price p LEFT JOIN billed b ON b.cluster = p.cluster AND b.accelerator_type = p.accelerator_type"""


def pool_query(start: datetime, end: datetime) -> MetricQuery:
    """Allocated and busy accelerator-hours per pool: the catalog's metrics, as `pace query` gives them."""
    return MetricQuery(metrics=list(POOL_METRICS), group_by=[GroupBy(dimension="cluster"), GroupBy(dimension="accelerator_type")],
                       time_range=TimeRange(start=start, end=end))


def price_sql(start: datetime, end: datetime) -> str:
    """Each pool's effective $/accelerator-hour in [start, end) (FOCUS EffectiveCost / PricingQuantity of
    team-attributed lines), the catalog price where it has no cost lines."""
    return bind(PRICE_SQL, start=start, end=end)


def _pools(wh: Warehouse, start: datetime, end: datetime) -> tuple[pd.DataFrame, list[str]]:
    """Pools with their allocated and busy hours (from the metric) and price; the SQL of both queries."""
    use, use_sql = wh.query(pool_query(start, end))
    sql = price_sql(start, end)
    price = wh.run(sql)
    df = use.rename(columns={"allocated_hours": "allocated", "busy_hours": "busy"}).merge(
        price, on=["cluster", "accelerator_type"], how="inner")
    df = df[df["allocated"] > 0].sort_values(["accelerator_type", "cluster"]).reset_index(drop=True)
    return df, [use_sql, sql]


def utilization_gain_value(settings: Settings, from_pct: float | None = None, to_pct: float | None = None,
                           points: float | None = None, days: int = 28) -> ImpactResult:
    """Value of moving fleet utilization from `from_pct` (default: measured) to `to_pct` (or + `points`)."""
    if to_pct is not None and points is not None:
        raise UserError("give either --to PCT or --points N, not both")
    with Warehouse(settings) as wh:
        last = wh.run("SELECT max(hour) AS h FROM utilization_hourly")["h"][0]
        if pd.isna(last):
            raise UserError("the warehouse has no utilization data; build one with `pace seed`")
        last = pd.Timestamp(last).to_pydatetime()
        end = datetime(last.year, last.month, last.day) + timedelta(days=1)
        start = end - timedelta(days=days)
        df, (sql, pool_price_sql) = _pools(wh, start, end)
    measured = 100.0 * df["busy"].sum() / df["allocated"].sum()
    base = measured if from_pct is None else float(from_pct)
    target = float(to_pct) if to_pct is not None else base + (DEFAULT_POINTS if points is None else float(points))
    if not 0 < base < target <= 100:
        raise UserError(f"utilization must rise within (0, 100]: got from {base:.1f}% to {target:.1f}%; "
                        "pass --to above the current level (at most 100) or a positive --points")
    scale = HOURS_PER_MONTH / ((end - start).total_seconds() / 3600)
    pool_util = df["busy"] / df["allocated"]
    pool_target = (pool_util * target / base).clip(upper=1.0)  # each pool rises by to/from, capped at 100%
    freed = (df["allocated"] - df["busy"] / pool_target) * scale
    value = freed * df["usd_per_hour"]
    by_pool = [
        {"accelerator_type": r.accelerator_type, "cluster": r.cluster, "allocated_hours_month": round(r.allocated * scale, 1),
         "utilization_pct": round(100 * u, 1), "freed_hours_month": round(f, 1), "usd_per_hour": round(r.usd_per_hour, 3),
         "usd_per_month": round(v, 2)}
        for r, u, f, v in zip(df.itertuples(), pool_util, freed, value)
    ]
    allocated = float(df["allocated"].sum() * scale)
    return ImpactResult(
        from_pct=round(base, 2), to_pct=round(target, 2), measured_pct=round(measured, 2), period_start=start,
        period_end=end, allocated_hours_month=round(allocated, 1), freed_hours_month=round(float(freed.sum()), 1),
        usd_per_month=round(float(value.sum()), 2),
        blended_usd_per_hour=round(float(value.sum() / freed.sum()), 3) if freed.sum() else 0.0,
        freed_accelerators=round(float(freed.sum()) / HOURS_PER_MONTH, 1), by_pool=by_pool,
        parameters=(f"period {start:%Y-%m-%d} to {(end - timedelta(days=1)):%Y-%m-%d} ({days} days); utilization = busy / "
                    f"allocated accelerator-hours; from {base:.1f}% ({'measured' if from_pct is None else 'given'}) to "
                    f"{target:.1f}%; same busy work; gain applied to every pool in proportion; pools priced at their FOCUS "
                    "effective $/accelerator-hour (catalog price where no cost lines); 730 hours a month"),
        sql=sql, price_sql=pool_price_sql,
    )
