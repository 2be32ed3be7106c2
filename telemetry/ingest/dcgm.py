"""NVIDIA DCGM exporter scrapes (Prometheus text format) -> `gpu_hourly` and `utilization_hourly`.

A sample line looks like
`DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="GPU-..",modelName="NVIDIA H100 80GB HBM3",namespace="ml",pod="p"} 0.63 1732000000000`.
Each field keeps the meaning NVIDIA documents for it (see FIELDS and docs/ingest.md): GPU_UTIL is the
percent of the sample period a kernel ran, the profiling fields are 0..1 ratios, framebuffer is MiB.
A field the exporter did not scrape stays NULL: it is "not measured", never 0.

Parsing is set-based in DuckDB: the file is read as one text column (streamed by read_csv), one regex
splits each line, and labels are parsed once per distinct label set (series), not once per sample.
Samples are averaged per GPU, hour and pod into `gpu_hourly` (unallocated GPUs included, pod NULL),
then allocated GPU-hours are summed to the team grain of `utilization_hourly`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from core.errors import UserError
from telemetry.ingest import gates as g
from telemetry.ingest.accelerators import match_name_sql
from telemetry.ingest.gates import sql, text
from telemetry.ingest.load import IngestPlan, add_dimensions, quarantine
from telemetry.ingest.mapping import default_cluster, lookup
from telemetry.ingest.summary import IngestSummary

# DCGM field -> (gpu_hourly column, low, high). Units and meanings: docs/ingest.md, from NVIDIA's
# dcgm-exporter default-counters.csv and the DCGM field identifiers reference.
FIELDS: dict[str, tuple[str, float, float | None]] = {
    "DCGM_FI_DEV_GPU_UTIL": ("gpu_util_pct", 0, 100),  # % of the sample period a kernel was running
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": ("gr_engine_active", 0, 1),  # ratio of time the graphics engine was active
    "DCGM_FI_PROF_SM_ACTIVE": ("sm_active", 0, 1),  # ratio of cycles an SM had at least one warp
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": ("tensor_active", 0, 1),  # ratio of cycles the tensor pipe was active
    "DCGM_FI_PROF_DRAM_ACTIVE": ("dram_active", 0, 1),  # ratio of cycles device memory was sending/receiving
    "DCGM_FI_DEV_FB_USED": ("fb_used_mib", 0, None),  # framebuffer used, MiB
    "DCGM_FI_DEV_FB_FREE": ("fb_free_mib", 0, None),  # framebuffer free, MiB
    "DCGM_FI_DEV_POWER_USAGE": ("power_w", 0, None),  # power draw, W
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": ("energy_mj", 0, None),  # energy since boot, mJ (counter)
}
GPU_KEY: tuple[str, ...] = ("hour", "gpu_uuid", "pod")
MEMORY_FLOOR = 64 * 2**20
# utilization_hourly columns that are NULL when no GPU in the row had the field scraped.
NULLABLE = ("busy_hours", "idle_hours", "sm_active", "memory_used_gb", "energy_kwh")


def label(name: str, *alternatives: str, text: str = "labels") -> exp.Expression:
    """A label's value from the `text` column (first of name, alternatives), NULL when absent or empty."""
    picks = [
        exp.Nullif(this=exp.RegexpExtract(this=exp.column(text), group=exp.Literal.number(1),
                                          expression=exp.Literal.string(f'(?:^|,)\\s*{n}\\s*=\\s*"([^"]*)"')),
                   expression=exp.Literal.string(""))
        for n in (name, *alternatives)
    ]
    return picks[0] if len(picks) == 1 else exp.Coalesce(this=picks[0], expressions=picks[1:])


# The file is read as one text column, streamed (blank lines read as NULL, so rowid - first rowid + 1 is
# the line number). `string_split` at '} ' and then at ' ' cuts `name{labels` from `value [timestamp_ms]`
# (about 3x cheaper than strpos and substrings); a line without labels is cut at its first space. Every
# CASE evaluates its expensive branch only on the rows that need it. A `}` followed by a space inside a
# label value, or two spaces between fields, fails the `parse` gate; so does any line that is neither a
# comment nor a sample (even one word).
LINES = """CREATE OR REPLACE TEMP TABLE _lines AS
SELECT CASE WHEN ok THEN k END AS k, CASE WHEN ok THEN v END AS v, CASE WHEN ok THEN t END AS ts,
    CASE WHEN NOT ok AND NOT skip THEN line END AS bad
FROM (SELECT *, CASE WHEN skip OR k = '' OR v = '' OR m[3] <> '' OR (t IS NULL AND m[2] <> '') THEN false
                     ELSE v IS NOT NULL END AS ok
    FROM (SELECT *, m[1] AS v, TRY_CAST(m[2] AS BIGINT) AS t
        FROM (SELECT *, CASE WHEN braced THEN l[1] WHEN NOT contains(line, '{') THEN split_part(line, ' ', 1) END AS k,
                string_split(CASE WHEN NOT ends_with(r, chr(13)) THEN r ELSE rtrim(r, chr(13)) END, ' ') AS m
            FROM (SELECT *, CASE WHEN skip THEN NULL
                                 WHEN braced THEN (CASE WHEN len(l) = 2 THEN l[2] ELSE array_to_string(l[2:], '} ') END)
                                 WHEN NOT contains(line, '{') AND contains(line, ' ') THEN line[strpos(line, ' ') + 1:]
                            END AS r
                FROM (SELECT *, CASE WHEN skip THEN false
                                     ELSE len(l) >= 2 AND regexp_matches(l[1], '^[^ {]+[{]') END AS braced
                    FROM (SELECT line, string_split(line, '} ') AS l,
                            -- blank, or a comment (# after any spaces and tabs); the regex runs only on lines
                            -- that start with white space or a control character (below '!')
                            CASE WHEN line IS NULL OR prefix(line, '#') THEN true WHEN line < '!'
                                 THEN regexp_matches(line, '^[ \\t\\r]*(?:#|$)') ELSE false END AS skip
                          FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',
                                        header = false, auto_detect = false, strict_mode = false)))))))"""


def _read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """`_lines`: one row per line in file order (rowid - first rowid + 1 = its number): series key, value, time.

    read_csv streams the file as one text column; nothing keeps the whole text in memory, and a line's
    raw text is kept only when it does not parse. The series key `name{labels` is split into name and
    labels once per series (`_keys`), not once per line.
    """
    try:
        con.execute(LINES, {"path": str(path)})
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        if "unicode" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise UserError(
                f"{path} is not UTF-8 text (Prometheus exposition format is UTF-8); re-encode it, "
                "e.g. iconv -f latin1 -t utf-8 IN > OUT"
            ) from None
        raise


KEYS = """CREATE OR REPLACE TEMP TABLE _keys AS
SELECT k, n, CASE WHEN b > 0 THEN k[:b - 1] ELSE k END AS metric, CASE WHEN b > 0 THEN k[b + 1:] ELSE '' END AS labels
FROM (SELECT k, count(*) AS n, strpos(k, '{') AS b FROM _lines WHERE k IS NOT NULL GROUP BY k)"""


def _stage(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """`_lines` (one row per line) and `_series` (one per field pace reads and label set, resolved)."""
    _read_lines(con, path)
    con.execute(KEYS)
    used = list(FIELDS)
    other = con.execute("SELECT coalesce(sum(n), 0) FROM _keys WHERE NOT list_contains($used, metric)",
                        {"used": used}).fetchone()[0]
    con.execute("CREATE OR REPLACE TEMP TABLE _series AS SELECT row_number() OVER () AS sid, k, metric, labels "
                "FROM _keys WHERE list_contains($used, metric)", {"used": used})
    con.execute("DROP TABLE _keys")
    _resolve_series(con)
    return {"other_metrics": int(other)} if other else {}


# Type, owner and place of each series; an unallocated GPU (no pod) has no team, an allocated one must
# resolve to a team. Placeholders are the catalog match and the mapping lookups (sqlglot fills them in).
OWNERS = """SELECT *, coalesce(:accelerator, model) AS accelerator_type,
    CASE WHEN pod IS NOT NULL THEN coalesce(:team, team_label, namespace) END AS team,
    CASE WHEN pod IS NOT NULL THEN coalesce(project_label, :project, namespace) END AS project,
    coalesce(cluster_label, :cluster, 'unknown') AS cluster,
    CASE WHEN pod IS NOT NULL THEN coalesce(workload_label, :workload, 'unknown') END AS workload_type
FROM _series"""


def _resolve_series(con: duckdb.DuckDBPyConnection) -> None:
    """Labels -> GPU, pod, team, type... and the series' gate reason, once per label set, not per sample."""
    host = label("Hostname", "hostname", "instance")
    gpu = exp.Coalesce(this=label("UUID", "uuid"), expressions=[exp.DPipe(this=exp.DPipe(
        this=host.copy(), expression=exp.Literal.string(":")), expression=label("gpu"))])
    columns = {
        "gpu_uuid": gpu, "host": host, "gpu_index": label("gpu"), "model": label("modelName"),
        "namespace": label("namespace", "exported_namespace"), "pod": label("pod", "exported_pod"),
        "team_label": label("team"), "project_label": label("project"), "cluster_label": label("cluster"),
        "workload_label": label("workload_type"),
    }
    labelled = exp.select("sid", "k", "metric", "labels", *(exp.alias_(e, n) for n, e in columns.items())).from_("_series")
    con.execute("CREATE OR REPLACE TEMP TABLE _series AS " + sql(labelled))
    owners = exp.replace_placeholders(
        _expr(OWNERS), accelerator=_expr(match_name_sql(con, "model")), team=_expr(lookup("team", "namespace")),
        project=_expr(lookup("project", "namespace")), cluster=_expr(default_cluster()),
        workload=_expr(lookup("workload", "namespace")),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _series AS " + sql(owners))
    dims = ("gpu_uuid", "host", "namespace", "pod", "accelerator_type", "team", "project", "cluster", "workload_type")
    gates = (
        g.Gate("required(gpu)", "gpu_uuid IS NULL", "'no UUID label, nor Hostname and gpu labels'"),
        g.Gate("required(modelName)", "accelerator_type IS NULL", "'no modelName label'"),
        g.Gate("required(team)", "pod IS NOT NULL AND team IS NULL", "'no namespace label and no mapping for this pod; pass --mapping'"),
        *(g.printable(c) for c in dims),
        g.known_accelerator(con),
    )
    reason = exp.alias_(_reason(gates), "_series_reason")
    con.execute("CREATE OR REPLACE TEMP TABLE _series AS " + sql(exp.select("*", reason).from_("_series")))


# Each line that parsed into a series pace reads, or failed to parse, typed (`mtime`: the file's modification
# time, for samples without a timestamp; milliseconds beyond DuckDB's timestamps read as +-infinity and fail
# the time gate), with the first failing gate's reason (:reason, filled in with sqlglot) or its series', and
# for failing rows the line as read (a sample line is rebuilt from its parts: only its spacing may differ).
SCORED = """SELECT _line, sid, ts, value, _reason,
    CASE WHEN _reason IS NOT NULL THEN coalesce(bad, CASE WHEN b > 0 THEN k || '} ' ELSE k || ' ' END
        || value_text || coalesce(' ' || CAST(ms AS VARCHAR), '')) END AS _raw_text
FROM (SELECT *, coalesce(:reason, _series_reason) AS _reason
    FROM (SELECT l.rowid - (SELECT min(rowid) FROM _lines) + 1 AS _line, s.sid, s.k, strpos(s.k, '{') AS b, s.metric, s._low,
            s._high, s._series_reason, l.v AS value_text, TRY_CAST(l.v AS DOUBLE) AS value, l.bad, l.ts AS ms,
            CASE WHEN l.ts IS NULL THEN $mtime::TIMESTAMP WHEN abs(l.ts) < 9000000000000000 THEN epoch_ms(l.ts)
                 WHEN l.ts > 0 THEN 'infinity'::TIMESTAMP ELSE '-infinity'::TIMESTAMP END AS ts
        FROM _lines l LEFT JOIN _series s ON s.k = l.k
        WHERE l.bad IS NOT NULL OR s.sid IS NOT NULL))"""


def _expr(fragment: str) -> exp.Expression:
    return sqlglot.parse_one(fragment, read="duckdb")


def _reason(gates: tuple[g.Gate, ...]) -> exp.Expression:
    """`gates.reason_sql` as a sqlglot tree, built directly: its text parsed back costs more than the ingest's SQL."""
    return exp.Case(ifs=[exp.If(this=exp.paren(gate.fails), true=exp.DPipe(
        this=text(gate.name + ": "), expression=exp.paren(gate.detail), safe=True)) for gate in gates])


def _bounds(con: duckdb.DuckDBPyConnection) -> None:
    """Each series' valid range (`_low`, `_high`: FIELDS), so a sample's range check needs no name lookup, and
    integer ids of its GPU (`gid`) and GPU and pod (`gp`), so samples are grouped by numbers, not label text."""
    metric = exp.column("metric")
    def bound(i: int) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=metric.copy().eq(text(m)), true=exp.Literal.number(r[i]))
                             for m, r in FIELDS.items() if r[i] is not None])
    def rank(*by: str) -> exp.Expression:
        return exp.Window(this=exp.func("dense_rank"), order=exp.Order(expressions=[exp.column(c) for c in by]))
    bounded = exp.select("*", exp.alias_(bound(1), "_low"), exp.alias_(bound(2), "_high"),
                         exp.alias_(rank("gpu_uuid"), "gid"), exp.alias_(rank("gpu_uuid", "pod"), "gp")).from_("_series")
    con.execute("CREATE OR REPLACE TEMP TABLE _series AS " + sql(bounded))


def _score(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """`_scored`: each sample typed, with the first failing gate's reason; `_checked`: the view load.py reads."""
    _bounds(con)
    gates = (
        g.Gate("parse", "bad IS NOT NULL", "'not a Prometheus sample line (name{labels} value [timestamp_ms])'"),
        g.Gate("type(value)", "value IS NULL OR NOT isfinite(value)", "'value is not a number: ' || value_text"),
        g.Gate("range(value)", "value < _low OR value > _high", "metric || ' out of range: ' || CAST(value AS VARCHAR)"),
        g.plausible_time("ts"),
    )
    scored = exp.replace_placeholders(_expr(SCORED), reason=_reason(gates))
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).replace(tzinfo=None)
    con.execute("CREATE OR REPLACE TEMP TABLE _scored AS " + sql(scored), {"mtime": mtime})
    con.execute("DROP TABLE _lines")
    # `hour` bounds the rollup refresh to the hours this file loaded (runner.py, rollups.loaded_window)
    con.execute("""CREATE OR REPLACE TEMP VIEW _checked AS
        SELECT c._line, c._reason, c.ts, date_trunc('hour', c.ts) AS hour, c.value, s.*, c._raw_text
        FROM _scored c LEFT JOIN _series s USING (sid)""")


def ingest_dcgm(con: duckdb.DuckDBPyConnection, path: Path, advance: Callable[[str], None]) -> IngestSummary:
    """Parse, gate, aggregate and load one scrape file; counts are in samples.

    DuckDB may use 2x the file's size (at least MEMORY_FLOOR): the lines' series keys are held while
    parsed (about the file's size; under a 1x limit the parse runs out of memory), and a tighter limit
    makes DuckDB evict and re-read buffers (15% more CPU at 1.5x). Measured peak: 1.6-1.9x the file
    (benchmarks/bench_dcgm.py), within the 3x target, where the first parser took 16x.
    """
    limit = max(2 * path.stat().st_size, MEMORY_FLOOR)
    con.execute(f"SET memory_limit = '{int(limit)}B'")
    summary = _ingest(con, path, advance)  # on failure the writer rolls back and closes this connection
    con.execute("RESET memory_limit")
    return summary


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, advance: Callable[[str], None]) -> IngestSummary:
    skipped = _stage(con, path)
    advance("read")
    _score(con, path)
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (_line BIGINT, reason VARCHAR, raw VARCHAR)")
    advance("type and gate")
    reasons = quarantine(con, path, "dcgm")
    advance("quarantine")
    dims = {"teams": ("team",), "projects": ("project", "team"), "clusters": ("cluster",)}
    new_values = add_dimensions(con, IngestPlan("gpu_hourly", {}, (), GPU_KEY, dimensions=dims))
    advance("dimensions")
    read = con.execute("SELECT count(*) FROM _scored").fetchone()[0]
    gpu_rows, rows, loaded, duplicates = _aggregate_and_insert(con)
    advance("load")
    return IngestSummary(
        file=str(path), format="dcgm", table="utilization_hourly", read=read, loaded=loaded,
        quarantined=sum(reasons.values()), duplicates=duplicates, new_dimension_values=new_values,
        quarantine_reasons=reasons, skipped=skipped, rows_written=rows,
    )


# One row per GPU, hour and pod: field means over the samples present (NULL if none); field names bound.
GPU_HOURS = """CREATE OR REPLACE TEMP TABLE _gpu_hours AS
WITH per AS (
    SELECT hour, gp, count(*) AS n_samples, count(DISTINCT ts) AS n_ts,
        avg(value) FILTER (metric = $gpu_util) AS gpu_util_pct,
        avg(value) FILTER (metric = $gr_engine) AS gr_engine_active,
        avg(value) FILTER (metric = $sm) AS sm_active,
        avg(value) FILTER (metric = $tensor) AS tensor_active,
        avg(value) FILTER (metric = $dram) AS dram_active,
        avg(value) FILTER (metric = $fb_used) AS fb_used_mib,
        avg(value) FILTER (metric = $fb_free) AS fb_free_mib,
        avg(value) FILTER (metric = $power) AS power_w,
        -- the hour's highest busy sample, in the field busy_hours reads (graphics engine, else GPU_UTIL)
        coalesce(100 * max(value) FILTER (metric = $gr_engine), max(value) FILTER (metric = $gpu_util)) AS peak_util_pct,
        -- the counter's rise over the time between its first and last sample: mJ per ms = W
        (max(value) FILTER (metric = $energy) - min(value) FILTER (metric = $energy))
          / nullif(epoch_ms(max(ts) FILTER (metric = $energy)) - epoch_ms(min(ts) FILTER (metric = $energy)), 0)
          AS energy_w
    FROM (SELECT gp, metric, ts, value, date_trunc('hour', ts) AS hour FROM _good JOIN _series USING (sid))
    GROUP BY hour, gp),
seen AS (SELECT gid, date_trunc('hour', ts) AS hour, count(DISTINCT ts) AS n_seen
         FROM _good JOIN _series USING (sid) GROUP BY ALL),
-- who and where, once per GPU and pod (the labels of its series), not once per sample
gpus AS (SELECT gp, any_value(gid) AS gid, any_value(gpu_uuid) AS gpu_uuid, any_value(pod) AS pod, any_value(host) AS host,
        any_value(gpu_index) AS gpu_index, any_value(cluster) AS cluster, any_value(accelerator_type) AS accelerator_type,
        any_value(namespace) AS namespace, any_value(team) AS team, any_value(project) AS project,
        any_value(workload_type) AS workload_type
    FROM _series WHERE _series_reason IS NULL GROUP BY gp)
SELECT per.hour, gpus.* EXCLUDE (gp, gid), per.* EXCLUDE (hour, gp), n_ts / n_seen AS observed_hours,
    -- mean power from the energy counter where it rose (a reset falls back), else from POWER_USAGE; W x h -> kWh
    coalesce(CASE WHEN energy_w > 0 THEN energy_w END, power_w) * n_ts / n_seen / 1000 AS energy_kwh
FROM per JOIN gpus USING (gp) JOIN seen USING (gid, hour)"""
GPU_HOURS_FIELDS = {
    "gpu_util": "DCGM_FI_DEV_GPU_UTIL", "gr_engine": "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "sm": "DCGM_FI_PROF_SM_ACTIVE",
    "tensor": "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "dram": "DCGM_FI_PROF_DRAM_ACTIVE", "fb_used": "DCGM_FI_DEV_FB_USED",
    "fb_free": "DCGM_FI_DEV_FB_FREE", "power": "DCGM_FI_DEV_POWER_USAGE", "energy": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
}


def _gpu_hours(con: duckdb.DuckDBPyConnection) -> None:
    """`_gpu_hours`: one row per GPU, hour and pod (GPU_HOURS)."""
    con.execute(GPU_HOURS, GPU_HOURS_FIELDS)


INSERT_GPU_ROWS = """INSERT INTO gpu_hourly (hour, gpu_uuid, host, gpu_index, cluster, accelerator_type, namespace, pod,
    team, project, workload_type, observed_hours, gpu_util_pct, gr_engine_active, sm_active, tensor_active, dram_active,
    fb_used_mib, fb_free_mib, power_w, energy_kwh, n_samples)
SELECT hour, gpu_uuid, host, gpu_index, cluster, accelerator_type, namespace, pod, team, project, workload_type,
    observed_hours, gpu_util_pct, gr_engine_active, sm_active, tensor_active, dram_active, fb_used_mib, fb_free_mib,
    power_w, energy_kwh, n_samples
FROM _gpu_hours WHERE NOT known"""
# Busy: the graphics engine's active ratio where profiled, else GPU_UTIL / 100 (both: share of time work
# ran). A GPU-hour with neither has no busy figure: it is not measured, not idle.
TEAM_ROWS = """CREATE OR REPLACE TEMP TABLE _rows AS
SELECT hour, cluster, accelerator_type, team, project, workload_type, sum(observed_hours) AS allocated_hours,
    sum(observed_hours * coalesce(gr_engine_active, gpu_util_pct / 100)) AS busy_hours,
    sum(observed_hours * (1 - coalesce(gr_engine_active, gpu_util_pct / 100))) AS idle_hours,
    sum(observed_hours * sm_active) / sum(observed_hours) FILTER (sm_active IS NOT NULL) AS sm_active,
    sum(observed_hours * fb_used_mib) / sum(observed_hours) FILTER (fb_used_mib IS NOT NULL) / 1024 AS memory_used_gb,
    sum(energy_kwh) AS energy_kwh, max(peak_util_pct) AS peak_util_pct,
    sum(observed_hours) FILTER (sm_active IS NOT NULL) AS sm_hours,
    sum(observed_hours) FILTER (fb_used_mib IS NOT NULL) AS memory_hours
FROM _gpu_hours WHERE NOT known AND pod IS NOT NULL GROUP BY ALL"""
SAME_TEAM_ROW = """t.hour = r.hour AND t.cluster = r.cluster AND t.accelerator_type = r.accelerator_type AND t.team = r.team
    AND t.project = r.project AND t.workload_type = r.workload_type"""
TEAM_ROWS_KNOWN = """CREATE OR REPLACE TEMP TABLE _rows AS
SELECT r.*, EXISTS (SELECT 1 FROM utilization_hourly t WHERE """ + SAME_TEAM_ROW + """) AS known FROM _rows r"""
INSERT_TEAM_ROWS = """INSERT INTO utilization_hourly (hour, cluster, accelerator_type, team, project, workload_type,
    allocated_hours, busy_hours, idle_hours, sm_active, memory_used_gb, energy_kwh, peak_util_pct)
SELECT hour, cluster, accelerator_type, team, project, workload_type, allocated_hours, busy_hours, idle_hours,
    sm_active, memory_used_gb, energy_kwh, peak_util_pct
FROM _rows WHERE NOT known"""
# New GPUs' hours added to team rows an earlier file created (per-node scrape files of the same hour).
# Sums add; a NULL (not measured) side adds nothing, and both NULL stay NULL. Means (SM activity, memory)
# combine weighted by hours, taking the earlier row as measured over all its allocated hours; the peak is
# the higher of the two (greatest ignores a NULL side). Only GPU-hours new to `gpu_hourly` reach here,
# so re-ingesting a file changes nothing.
MERGE_KNOWN = """UPDATE utilization_hourly t SET allocated_hours = t.allocated_hours + r.allocated_hours,
    busy_hours = CASE WHEN t.busy_hours IS NULL AND r.busy_hours IS NULL THEN NULL
                      ELSE coalesce(t.busy_hours, 0) + coalesce(r.busy_hours, 0) END,
    idle_hours = CASE WHEN t.idle_hours IS NULL AND r.idle_hours IS NULL THEN NULL
                      ELSE coalesce(t.idle_hours, 0) + coalesce(r.idle_hours, 0) END,
    energy_kwh = CASE WHEN t.energy_kwh IS NULL AND r.energy_kwh IS NULL THEN NULL
                      ELSE coalesce(t.energy_kwh, 0) + coalesce(r.energy_kwh, 0) END,
    sm_active = CASE WHEN r.sm_active IS NULL THEN t.sm_active WHEN t.sm_active IS NULL THEN r.sm_active
                     ELSE (t.sm_active * t.allocated_hours + r.sm_active * r.sm_hours) / (t.allocated_hours + r.sm_hours) END,
    memory_used_gb = CASE WHEN r.memory_used_gb IS NULL THEN t.memory_used_gb WHEN t.memory_used_gb IS NULL THEN r.memory_used_gb
                     ELSE (t.memory_used_gb * t.allocated_hours + r.memory_used_gb * r.memory_hours)
                          / (t.allocated_hours + r.memory_hours) END,
    peak_util_pct = greatest(t.peak_util_pct, r.peak_util_pct)
FROM _rows r WHERE r.known AND """ + SAME_TEAM_ROW


def _aggregate_and_insert(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int]:
    """(gpu rows, team rows inserted, samples loaded, samples duplicate) after aggregating good samples."""
    # A sample repeated in the file (same field, series and time) counts once; the first line wins.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _good AS SELECT sid, ts, arg_min(value, _line) AS value, count(*) AS n
        FROM _scored WHERE _reason IS NULL GROUP BY sid, ts"""
    )
    in_file_dups = con.execute("SELECT coalesce(sum(n - 1), 0) FROM _good").fetchone()[0]
    _gpu_hours(con)
    for column in NULLABLE:  # warehouses built before NULL meant "not measured"
        con.execute(f"ALTER TABLE utilization_hourly ALTER COLUMN {column} DROP NOT NULL")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _gpu_hours AS SELECT r.*, EXISTS (SELECT 1 FROM gpu_hourly t
        WHERE t.hour = r.hour AND t.gpu_uuid = r.gpu_uuid AND t.pod IS NOT DISTINCT FROM r.pod) AS known FROM _gpu_hours r"""
    )
    gpu_rows = con.execute(INSERT_GPU_ROWS).fetchone()[0]
    con.execute(TEAM_ROWS)
    con.execute(TEAM_ROWS_KNOWN)
    rows = con.execute(INSERT_TEAM_ROWS).fetchone()[0]
    con.execute(MERGE_KNOWN)  # after the insert: only rows an earlier file created are merged
    loaded, known = con.execute(
        "SELECT coalesce(sum(n_samples) FILTER (NOT known), 0), coalesce(sum(n_samples) FILTER (known), 0) FROM _gpu_hours"
    ).fetchone()
    return int(gpu_rows), int(rows), int(loaded), int(known + in_file_dups)


