"""What the detectors' SQL shares: thresholds, the window and history bounds they bind, the price CTE.

Each detector's SQL is one constant template (in detect_util, detect_ops, detect_cost) whose `:name`
placeholders `tools._warehouse.bind` fills with values rendered by sqlglot, never pasted: it renders
to plain DuckDB SQL over the queryable tables, so the semantic layer's validator accepts it and a person
can rerun it as evidence. An unbounded window binds the far-past and far-future stamps below, and an
absent filter binds NULL (the templates read `(:team IS NULL OR team = :team)`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# 1.4826 x MAD estimates the standard deviation of normal data (Twitter S-H-ESD, REFERENCES.md).
MAD_SCALE = 1.4826
Z_THRESHOLD = 3.5
BASELINE_DAYS = 91  # history read before a scan window: 13 weeks of each hour of week
MIN_TS = datetime(1900, 1, 1)  # bound for an open window's start
MAX_TS = datetime(2999, 1, 1)  # and end


def bounds(start: datetime | None, end: datetime | None, history_days: int = BASELINE_DAYS) -> dict[str, Any]:
    """The window [start, end) a detector flags in, and `since`: where the rows it reads begin (the
    window plus `history_days` before it, all data when unbounded), so a scan of recent weeks on a
    multi-year warehouse reads months, not years."""
    return {
        "start": start or MIN_TS,
        "end": end or MAX_TS,
        "since": MIN_TS if start is None else start - timedelta(days=history_days),
        "z": Z_THRESHOLD,
        "mad_scale": MAD_SCALE,
    }


# Catalog $/accelerator-hour per pool: on-prem at the committed (rate-card) price, cloud at on-demand.
# Written as a CTE so a template can start `WITH ` + PRICE_CTE (constant text, no values).
PRICE_CTE = """price AS (
    SELECT c.cluster, a.accelerator_type,
           CASE WHEN c.is_on_prem THEN a.committed_usd_per_hour ELSE a.on_demand_usd_per_hour END AS usd_per_hour
    FROM clusters c CROSS JOIN accelerator_types a
)"""
