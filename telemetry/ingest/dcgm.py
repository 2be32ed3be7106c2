"""NVIDIA DCGM exporter scrapes (Prometheus text format) -> hourly rows of `utilization_hourly`.

A sample line looks like
`DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="GPU-..",modelName="NVIDIA H100 80GB HBM3",namespace="ml",pod="p"} 0.63 1732000000000`.
Lines are split and parsed with one regex inside DuckDB. The unit of `read` is a sample of a metric
pace uses on a GPU that had a pod; other metrics and samples of idle GPUs count under `skipped`
(idle samples still tell how much of the hour each GPU was observed). Samples are aggregated per
GPU and hour, then to the table's grain (hour, cluster, type, team, project, workload).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from core.errors import UserError
from telemetry.ingest import gates as g
from telemetry.ingest.accelerators import match_name_sql
from telemetry.ingest.gates import lit
from telemetry.ingest.load import Plan, add_dimensions, check, quarantine
from telemetry.ingest.mapping import default_cluster, lookup
from telemetry.ingest.summary import IngestSummary

# metric -> (low, high) valid range of its value.
METRICS: dict[str, tuple[float, float | None]] = {
    "DCGM_FI_PROF_SM_ACTIVE": (0, 1),
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": (0, 1),
    "DCGM_FI_DEV_GPU_UTIL": (0, 100),
    "DCGM_FI_DEV_FB_USED": (0, None),
    "DCGM_FI_DEV_POWER_USAGE": (0, None),
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": (0, None),
}
LINE_RE = r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{(.*)\})?\s+(\S+)(\s+(-?[0-9]+))?\s*$"
KEY: tuple[str, ...] = ("hour", "cluster", "accelerator_type", "team", "project", "workload_type")


def label(name: str, *alternatives: str) -> str:
    """SQL: a label's value from the `labels` text (first of name, alternatives), NULL when absent/empty."""
    picks = [f"nullif(regexp_extract(_r.labels, '(?:^|,)\\s*{n}\\s*=\\s*\"([^\"]*)\"', 1), '')" for n in (name, *alternatives)]
    return picks[0] if len(picks) == 1 else f"coalesce({', '.join(picks)})"


def _stage(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """`_samples`: parsed lines of used metrics on allocated GPUs; `_seen`: every GPU observation."""
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _lines AS
            SELECT unnest(range(1, len(l) + 1)) AS _line, unnest(l) AS line
            FROM (SELECT string_split(replace(content, chr(13), ''), chr(10)) AS l FROM read_text({lit(str(path))}))"""
        )
    except duckdb.InvalidInputException as exc:
        if "UTF-8" in str(exc):
            raise UserError(
                f"{path} is not UTF-8 text (Prometheus exposition format is UTF-8); re-encode it, "
                "e.g. iconv -f latin1 -t utf-8 IN > OUT"
            ) from None
        raise
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).replace(tzinfo=None)
    metrics = ", ".join(lit(m) for m in METRICS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _parsed AS
        SELECT _line, line, regexp_matches(line, {lit(LINE_RE)}) AS ok,
               regexp_extract(line, {lit(LINE_RE)}, 1) AS metric,
               regexp_extract(line, {lit(LINE_RE)}, 3) AS labels,
               regexp_extract(line, {lit(LINE_RE)}, 4) AS value_text,
               nullif(regexp_extract(line, {lit(LINE_RE)}, 6), '') AS ts_text
        FROM _lines WHERE trim(line) <> '' AND NOT starts_with(ltrim(line), '#')"""
    )
    gpu = f"coalesce({label('UUID', 'uuid')}, {label('Hostname', 'hostname', 'instance')} || ':' || {label('gpu')})"
    ts = f"coalesce(make_timestamp(TRY_CAST(_r.ts_text AS BIGINT) * 1000), TIMESTAMP {lit(str(mtime))})"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _seen AS SELECT DISTINCT {gpu} AS gpu_id, date_trunc('hour', {ts}) AS hour,
        {ts} AS ts FROM _parsed _r WHERE ok"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _samples AS SELECT *, CASE
            WHEN ok AND metric NOT IN ({metrics}) THEN 'other_metrics'
            WHEN ok AND {label('pod', 'exported_pod')} IS NULL THEN 'unallocated_samples' END AS _skip,
            {gpu} AS _gpu, {ts} AS _ts
        FROM _parsed _r"""
    )
    skipped = con.execute("SELECT _skip, count(*) FROM _samples WHERE _skip IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    con.execute("DELETE FROM _samples WHERE _skip IS NOT NULL")
    return {k: int(n) for k, n in skipped}


def _plan(con: duckdb.DuckDBPyConnection) -> Plan:
    namespace = label("namespace", "exported_namespace")
    model = label("modelName")
    cols = {
        "metric": "_r.metric",
        "gpu_id": "_r._gpu",
        "ts": "_r._ts",
        "hour": "date_trunc('hour', _r._ts)",
        "value": "TRY_CAST(_r.value_text AS DOUBLE)",
        "accelerator_type": f"coalesce({match_name_sql(con, model)}, {model})",
        "team": f"coalesce({lookup('team', namespace)}, {label('team')}, {namespace})",
        "project": f"coalesce({label('project')}, {lookup('project', namespace)}, {namespace})",
        "cluster": f"coalesce({label('cluster')}, {default_cluster()}, 'unknown')",
        "workload_type": f"coalesce({label('workload_type')}, {lookup('workload', namespace)}, 'unknown')",
    }
    ranges = " OR ".join(
        f"(metric = {lit(m)} AND (value < {lo}" + (f" OR value > {hi}" if hi is not None else "") + "))"
        for m, (lo, hi) in METRICS.items()
    )
    checks = (
        g.Gate("parse", "NOT _r.ok", "'not a Prometheus sample line (name{labels} value [timestamp_ms])'"),
        g.Gate("type(value)", "value IS NULL OR isnan(value) OR isinf(value)", "'value is not a number: ' || _r.value_text"),
        g.Gate("range(value)", ranges, "metric || ' out of range: ' || CAST(value AS VARCHAR)"),
        g.Gate("required(gpu)", "gpu_id IS NULL", "'no UUID label, nor Hostname and gpu labels'"),
        g.Gate("required(modelName)", "accelerator_type IS NULL", "'no modelName label'"),
        g.Gate("required(team)", "team IS NULL", "'no namespace label and no mapping for this pod; pass --mapping'"),
        g.known_accelerator(con),
    )
    dims = {"teams": ("team",), "projects": ("project", "team"), "clusters": ("cluster",)}
    return Plan("utilization_hourly", cols, checks, KEY, dimensions=dims)


def ingest_dcgm(con: duckdb.DuckDBPyConnection, path: Path, advance: Callable[[str], None]) -> IngestSummary:
    """Parse, gate, aggregate and load one scrape file; counts are in samples."""
    skipped = _stage(con, path)
    advance("read")
    plan = _plan(con)
    check(con, plan, "_samples")
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (_line BIGINT, reason VARCHAR, raw VARCHAR)")
    con.execute("UPDATE _checked c SET _raw_text = s.line FROM _samples s WHERE c._line = s._line AND c._reason IS NOT NULL")
    advance("type and gate")
    reasons = quarantine(con, path, "dcgm")
    advance("quarantine")
    new_values = add_dimensions(con, plan)
    advance("dimensions")
    read = con.execute("SELECT count(*) FROM _samples").fetchone()[0]
    rows, loaded, duplicates = _aggregate_and_insert(con)
    advance("load")
    return IngestSummary(
        file=str(path), format="dcgm", table="utilization_hourly", read=read, loaded=loaded,
        quarantined=sum(reasons.values()), duplicates=duplicates, new_dimension_values=new_values,
        quarantine_reasons=reasons, skipped=skipped, rows_written=rows,
    )


def _aggregate_and_insert(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """(rows inserted, samples loaded, samples duplicate) after aggregating good samples."""
    keys = ", ".join(KEY)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _good AS SELECT * FROM _checked WHERE _reason IS NULL
        QUALIFY row_number() OVER (PARTITION BY metric, gpu_id, ts ORDER BY _line) = 1"""
    )
    in_file_dups = con.execute("SELECT (SELECT count(*) FROM _checked WHERE _reason IS NULL) - count(*) FROM _good").fetchone()[0]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _gpu_hours AS
        WITH per AS (
            SELECT gpu_id, {keys}, count(*) AS n_samples, count(DISTINCT ts) AS n_ts,
                avg(value) FILTER (metric = 'DCGM_FI_PROF_SM_ACTIVE') AS sm,
                avg(value) FILTER (metric = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE') AS gr,
                avg(CAST(value > 0 AS DOUBLE)) FILTER (metric = 'DCGM_FI_DEV_GPU_UTIL') AS util_busy,
                avg(value) FILTER (metric = 'DCGM_FI_DEV_FB_USED') AS fb_mib,
                avg(value) FILTER (metric = 'DCGM_FI_DEV_POWER_USAGE') AS watts,
                max(value) FILTER (metric = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')
                  - min(value) FILTER (metric = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION') AS energy_mj
            FROM _good GROUP BY ALL),
        seen AS (SELECT gpu_id, hour, count(DISTINCT ts) AS n_seen FROM _seen GROUP BY ALL)
        SELECT per.*, least(n_ts / greatest(n_seen, n_ts), 1.0) AS alloc FROM per JOIN seen USING (gpu_id, hour)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _rows AS
        SELECT {keys}, sum(alloc) AS allocated_hours,
            sum(least(alloc * coalesce(gr, util_busy, 0), alloc)) AS busy_hours,
            coalesce(sum(alloc * sm) / nullif(sum(alloc) FILTER (sm IS NOT NULL), 0), 0) AS sm_active,
            coalesce(sum(alloc * fb_mib) / nullif(sum(alloc) FILTER (fb_mib IS NOT NULL), 0), 0) / 1024 AS memory_used_gb,
            sum(coalesce(CASE WHEN energy_mj > 0 THEN energy_mj / 3.6e9 END, watts * alloc / 1000, 0)) AS energy_kwh,
            sum(n_samples) AS n_samples
        FROM _gpu_hours GROUP BY ALL"""
    )
    match = " AND ".join(f"t.{k} = r.{k}" for k in KEY)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _rows AS SELECT r.*, "
        f"EXISTS (SELECT 1 FROM utilization_hourly t WHERE {match}) AS known FROM _rows r"
    )
    rows = con.execute(
        f"""INSERT INTO utilization_hourly ({keys}, allocated_hours, busy_hours, idle_hours, sm_active,
            memory_used_gb, energy_kwh)
        SELECT {keys}, allocated_hours, busy_hours, allocated_hours - busy_hours, sm_active, memory_used_gb,
            energy_kwh FROM _rows WHERE NOT known"""
    ).fetchone()[0]
    loaded, known = con.execute(
        "SELECT coalesce(sum(n_samples) FILTER (NOT known), 0), coalesce(sum(n_samples) FILTER (known), 0) FROM _rows"
    ).fetchone()
    return int(rows), int(loaded), int(known + in_file_dups)
