"""SQL building blocks shared by the detectors: hour-of-week baselines, robust z, islands, prices.

Everything here renders to plain DuckDB SQL over the queryable tables (no table functions, no file
reads), so the semantic layer's validator accepts it and a person can rerun it as evidence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tools._warehouse import literal as lit
from tools._warehouse import ts

# 1.4826 x MAD estimates the standard deviation of normal data (Twitter S-H-ESD, REFERENCES.md).
MAD_SCALE = 1.4826
Z_THRESHOLD = 3.5


def how(col: str = "hour") -> str:
    """Hour of week, 0 = Monday 00:00 (ISO day of week)."""
    return f"((extract(isodow FROM {col}) - 1) * 24 + extract(hour FROM {col}))"


def window_filter(col: str, start: datetime | None, end: datetime | None) -> str:
    """`AND`-joined predicates keeping col inside [start, end); TRUE when unbounded."""
    parts = []
    if start is not None:
        parts.append(f"{col} >= {ts(start)}")
    if end is not None:
        parts.append(f"{col} < {ts(end)}")
    return " AND ".join(parts) or "TRUE"


BASELINE_DAYS = 91  # history read before a scan window: 13 weeks of each hour of week


def history_filter(col: str, start: datetime | None, end: datetime | None) -> str:
    """Rows a detector reads: the scan window plus `BASELINE_DAYS` before it (all data when unbounded),
    so a scan of recent weeks on a multi-year warehouse reads months, not years."""
    return window_filter(col, None if start is None else start - timedelta(days=BASELINE_DAYS), end)


def equals(filters: dict[str, str | None]) -> str:
    """`AND`-joined equality predicates for the non-None filters (TRUE when none)."""
    parts = [f"{col} = {lit(v)}" for col, v in filters.items() if v is not None]
    return " AND ".join(parts) or "TRUE"


APPROX_QUANTILES = False  # t-digest medians: the same findings (test_scan_budget.py) but slower on `large` (docs/tools.md)


def _median(expr: str) -> str:
    return f"approx_quantile({expr}, 0.5)" if APPROX_QUANTILES else f"median({expr})"


def robust_baseline(source: str, keys: list[str], value: str, name: str = "base") -> str:
    """CTEs `{name}_med` and `{name}` giving, per keys and hour of week, the median and the scaled MAD
    of `value` in CTE `source` (which must expose a `how` column). Exact medians unless
    `APPROX_QUANTILES`: t-digest medians give the same findings but were slower on `large`."""
    k = ", ".join(keys)
    on = " AND ".join(f"m.{c} = x.{c}" for c in keys + ["how"])
    return f"""{name}_med AS (
    SELECT {k}, how, {_median(value)} AS med FROM {source} GROUP BY {k}, how
), {name} AS (
    SELECT m.{k.replace(', ', ', m.')}, m.how, any_value(m.med) AS med,
           {MAD_SCALE} * {_median(f"abs(x.{value} - m.med)")} AS mad
    FROM {name}_med m JOIN {source} x ON {on}
    GROUP BY m.{k.replace(', ', ', m.')}, m.how
)"""


def islands(source: str, keys: list[str], gap_hours: int = 1, name: str = "isl") -> str:
    """CTE `{name}`: rows of `source` (flagged hours, column `hour`) numbered into runs per keys; a new
    run starts when more than `gap_hours` hours separate two flagged hours."""
    k = ", ".join(keys)
    return f"""{name}_lag AS (
    SELECT *, lag(hour) OVER (PARTITION BY {k} ORDER BY hour) AS prev_hour FROM {source}
), {name} AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL {gap_hours} HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY {k} ORDER BY hour) AS run_id
    FROM {name}_lag
)"""


# Catalog $/accelerator-hour per pool: on-prem at the committed (rate-card) price, cloud at on-demand.
PRICE_CTE = """price AS (
    SELECT c.cluster, a.accelerator_type,
           CASE WHEN c.is_on_prem THEN a.committed_usd_per_hour ELSE a.on_demand_usd_per_hour END AS usd_per_hour
    FROM clusters c CROSS JOIN accelerator_types a
)"""
