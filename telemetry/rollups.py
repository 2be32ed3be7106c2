"""Rollups: fact tables pre-aggregated to a coarser time grain, kept inside the writer's transaction.

A rollup holds, per time bucket (the source's time column truncated to `grain`) and per combination of
`keys`, the sums of a few row expressions of its source table and the count of source rows (`_rows`).
Its columns keep the source's names (the time column holds the bucket start), so the semantic layer can
read a rollup in place of its source wherever a query's grain, filters and measures allow it
(semantic_layer/rollups.py decides, and falls back to the source otherwise).

Rollups depend on their source table alone (no joined dimension attribute is stored: prices are
multiplied in at query time), so a dimension change never makes one stale. Seed rebuilds every rollup
and ingest refreshes the buckets it touched, in the same writer transaction as the load
(telemetry/warehouse.py): a reader opens one file version, whose rollups agree with its facts.
`pace_rollups` records, per rollup, the digest of its declaration and the source's row count when it
was built; a reader uses a rollup only when both still match (an older or hand-edited warehouse falls
back to the base table). Declarations are here, not in the catalog, because seed and ingest (this floor)
build them; the semantic layer matches catalog measures to these expressions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import sqlglot
from sqlglot import exp

META_TABLE = "pace_rollups"
ROW_COUNT = "_rows"
"""The column every rollup has: how many source rows the group holds (count measures and constants read it)."""


@dataclass(frozen=True)
class Rollup:
    """One rollup table: `source` summed to `grain` over `keys`, with named sums of row expressions."""

    name: str
    source: str
    time_column: str
    grain: str
    keys: tuple[str, ...]
    sums: tuple[tuple[str, str], ...]
    """(column, SQL row expression over the source's columns); the rollup stores SUM(expression)."""
    truncate: bool = True
    """False for a rollup at the source's own grain (hourly utilization by pool): its times are the source's
    times as stored, so any time filter, and the set of distinct times, match the source exactly."""

    def digest(self) -> str:
        """Changes whenever the declaration does, so a warehouse built by another version is not misread."""
        text = json.dumps([self.source, self.time_column, self.grain, self.keys, self.sums, self.truncate])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_UTIL_SUMS = (
    ("allocated_hours", "allocated_hours"),
    ("busy_hours", "busy_hours"),
    ("idle_hours", "idle_hours"),
    ("energy_kwh", "energy_kwh"),
    ("sm_active_hours", "sm_active * allocated_hours"),
    ("memory_used_gb_hours", "memory_used_gb * allocated_hours"),
    ("activity_measured_hours", "CASE WHEN busy_hours IS NOT NULL THEN allocated_hours END"),
    ("sm_measured_hours", "CASE WHEN sm_active IS NOT NULL THEN allocated_hours END"),
    ("memory_measured_hours", "CASE WHEN memory_used_gb IS NOT NULL THEN allocated_hours END"),
)

IDLE_SHARE = 0.1
"""An hour of an allocation is idle under 10% busy (the dashboards' idle-allocation tile)."""

ROLLUPS: tuple[Rollup, ...] = (
    Rollup(
        name="utilization_daily", source="utilization_hourly", time_column="hour", grain="day",
        keys=("cluster", "accelerator_type", "team", "project", "workload_type"),
        # idle_candidate_rows: rows that could make their allocation-hour idle (busy unmeasured or under
        # IDLE_SHARE of the row's allocation); a day without one has no idle allocation-hour to find
        sums=_UTIL_SUMS + (("idle_candidate_rows",
                            f"CASE WHEN busy_hours IS NULL OR busy_hours < {IDLE_SHARE} * allocated_hours THEN 1 ELSE 0 END"),),
    ),
    Rollup(
        name="utilization_pool_hourly", source="utilization_hourly", time_column="hour", grain="hour",
        keys=("cluster", "accelerator_type", "workload_type"), sums=_UTIL_SUMS, truncate=False,
    ),
    Rollup(
        name="jobs_daily", source="jobs", time_column="submit_at", grain="day",
        keys=("cluster", "accelerator_type", "team", "project", "workload_type", "state"),
        sums=(
            ("accelerator_hours", "accelerator_hours"),
            ("tokens_processed", "tokens_processed"),
            ("mfu_hours", "mfu * accelerator_hours"),
            ("token_job_hours", "CASE WHEN tokens_processed IS NOT NULL THEN accelerator_hours END"),
            ("mfu_job_hours", "CASE WHEN mfu IS NOT NULL THEN accelerator_hours END"),
        ),
    ),
    # FOCUS cost lines per day and pool, every charge attribute kept but team and project (6.8M lines ->
    # about 21k rows on `large`): spend and commitment tiles for the fleet or one cluster or accelerator
    # type. Cost columns are DECIMAL, so the sums of sums are exact. The lines' own times are kept.
    Rollup(
        name="cost_pool_daily", source="cost_daily", time_column="ChargePeriodStart", grain="day",
        keys=("x_cluster", "x_accelerator_type", "PricingCategory", "ChargeCategory", "ServiceName", "ServiceCategory",
              "ProviderName", "RegionId", "x_provider", "CommitmentDiscountStatus"),
        sums=tuple((c, c) for c in ("EffectiveCost", "ListCost", "BilledCost", "ContractedCost")), truncate=False,
    ),
)
ROLLUP_TABLES: tuple[str, ...] = tuple(r.name for r in ROLLUPS) + (META_TABLE,)

_META_DDL = f"""CREATE TABLE IF NOT EXISTS {META_TABLE} (
    rollup VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, grain VARCHAR NOT NULL, digest VARCHAR NOT NULL,
    source_rows BIGINT NOT NULL, rollup_rows BIGINT NOT NULL, built_at TIMESTAMP NOT NULL)"""


def _q(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _select(rollup: Rollup, window: tuple[datetime, datetime] | None) -> exp.Select:
    """The rollup's rows from its source, for every bucket or those in `window` (bucket-aligned)."""
    time = exp.column(rollup.time_column, quoted=True)
    bucket = exp.TimestampTrunc(this=time.copy(), unit=exp.var(rollup.grain.upper())) if rollup.truncate else time.copy()
    cols: list[exp.Expression] = [bucket.as_(rollup.time_column, quoted=True)]
    cols += [exp.column(k, quoted=True).as_(k, quoted=True) for k in rollup.keys]
    cols += [exp.Sum(this=sqlglot.parse_one(sql, read="duckdb")).as_(name, quoted=True) for name, sql in rollup.sums]
    cols.append(exp.Count(this=exp.Star()).as_(ROW_COUNT, quoted=True))
    select = exp.select(*cols).from_(exp.Table(this=_q(rollup.source)))
    if window is not None:
        select = select.where(exp.and_(time.copy() >= _ts(window[0]), time.copy() < _ts(window[1])))
    return select.group_by(*[exp.Literal.number(i + 1) for i in range(len(rollup.keys) + 1)])


def _ts(value: datetime) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(exp.select(exp.Count(this=exp.Star())).from_(exp.Table(this=_q(table))).sql("duckdb")).fetchone()[0])


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def refresh(
    con: duckdb.DuckDBPyConnection,
    tables: tuple[str, ...] | list[str] | None = None,
    *,
    window: tuple[datetime, datetime] | None = None,
) -> dict[str, int]:
    """Rebuild the rollups of `tables` (default: every source), or only their buckets inside `window`.

    Called by a writer on its own connection, inside its transaction when it has one. A rollup whose table
    is missing or whose declaration changed is rebuilt whole, whatever the window. Returns rows per rollup.
    """
    con.execute(_META_DDL)
    done: dict[str, int] = {}
    for rollup in ROLLUPS:
        if (tables is not None and rollup.source not in tables) or not _has_table(con, rollup.source):
            continue
        stored = con.execute(exp.select("digest").from_(META_TABLE).where("rollup = ?").sql("duckdb"), [rollup.name]).fetchone()
        whole = window is None or stored is None or stored[0] != rollup.digest() or not _has_table(con, rollup.name)
        table = exp.Table(this=_q(rollup.name))
        if whole:
            create = exp.Create(this=table, kind="TABLE", replace=True, expression=_select(rollup, None).order_by("1"))
            con.execute(create.sql("duckdb"))
        else:
            assert window is not None
            lo, hi = _aligned(window, rollup.grain)
            time = exp.column(rollup.time_column, quoted=True)
            con.execute(exp.delete(table.copy(), where=exp.and_(time.copy() >= _ts(lo), time.copy() < _ts(hi))).sql("duckdb"))
            con.execute(exp.insert(_select(rollup, (lo, hi)), table.copy()).sql("duckdb"))
        source_rows = _count(con, rollup.source)
        rows = _count(con, rollup.name)
        con.execute(exp.delete(META_TABLE, where="rollup = ?").sql("duckdb"), [rollup.name])
        now = exp.cast(exp.func("current_timestamp"), "TIMESTAMP")
        con.execute(exp.insert(exp.values([tuple(exp.Placeholder() for _ in range(6)) + (now,)]), META_TABLE).sql("duckdb"),
                    [rollup.name, rollup.source, rollup.grain, rollup.digest(), source_rows, rows])
        done[rollup.name] = int(rows)
    return done


def _aligned(window: tuple[datetime, datetime], grain: str) -> tuple[datetime, datetime]:
    """The window widened to whole buckets: [start of the first bucket, end of the last one)."""
    step = timedelta(hours=1) if grain == "hour" else timedelta(days=1)
    lo = window[0].replace(minute=0, second=0, microsecond=0)
    hi = window[1].replace(minute=0, second=0, microsecond=0)
    if grain != "hour":
        lo, hi = lo.replace(hour=0), hi.replace(hour=0)
    return lo, hi + step


def loaded_window(con: duckdb.DuckDBPyConnection, staged: str, table: str) -> tuple[datetime, datetime] | None:
    """[min, max] of `table`'s time column over the passing rows of the staged relation an ingest loaded
    from; None when the relation lacks that column or passed nothing (the caller then refreshes whole)."""
    times = {r.time_column for r in ROLLUPS if r.source == table}
    if len(times) != 1:
        return None
    column = times.pop()
    try:
        cols = {row[0] for row in con.execute(f"DESCRIBE {_q(staged).sql('duckdb')}").fetchall()}
    except duckdb.CatalogException:  # nothing staged under that name
        return None
    if column not in cols:
        return None
    col = exp.column(column, quoted=True)
    select = exp.select(exp.Min(this=col), exp.Max(this=col.copy())).from_(exp.Table(this=_q(staged)))
    if "_reason" in cols:
        select = select.where(exp.column("_reason").is_(exp.null()))
    lo, hi = con.execute(select.sql("duckdb")).fetchone()
    return None if lo is None else (lo, hi)
