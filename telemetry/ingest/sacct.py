"""Slurm accounting (`sacct --parsable2`, pipe-delimited with a header) -> `jobs`.

Only allocation rows are jobs: steps (`123.batch`, `123.0`, `123.extern`), jobs still pending or
running, and jobs that asked for no GPU are counted under `skipped` and are outside `read`, so that
`read = loaded + quarantined + duplicates` is about jobs. Unknown accelerator types are quarantined.
"""

from __future__ import annotations

import duckdb

from telemetry.ingest import gates as g
from telemetry.ingest.accelerators import match_name_sql
from telemetry.ingest.gates import lit
from telemetry.ingest.load import Plan
from telemetry.ingest.mapping import default_cluster, lookup
from telemetry.ingest.staging import raw_ref

REQUIRED: tuple[str, ...] = ("JobID", "User", "Account", "Partition", "State", "Submit", "Start", "End", "AllocTRES")
# Slurm's final states -> pace's job states (the first word: "CANCELLED by 123" -> CANCELLED).
STATES: dict[str, str] = {
    "COMPLETED": "completed",
    "FAILED": "failed",
    "NODE_FAIL": "failed",
    "OUT_OF_MEMORY": "failed",
    "TIMEOUT": "failed",
    "BOOT_FAIL": "failed",
    "DEADLINE": "failed",
    "PREEMPTED": "preempted",
    "CANCELLED": "cancelled",
    "REVOKED": "cancelled",
}
UNFINISHED: tuple[str, ...] = ("PENDING", "RUNNING", "SUSPENDED", "REQUEUED", "RESIZING", "REQUEUE_HOLD", "REQUEUE_FED")
NEVER = "('Unknown', 'None', 'N/A')"
PART, ACCT = '_r."Partition"', '_r."Account"'


def _ts(columns: tuple[str, ...], column: str) -> str:
    raw = raw_ref(columns, column)
    return f"CASE WHEN {raw} IN {NEVER} THEN NULL ELSE {raw} END"


def _gpus(tres: str) -> str:
    """GPU count from a TRES string: `gres/gpu=N`, else the sum of typed `gres/gpu:TYPE=N`."""
    generic = f"TRY_CAST(nullif(regexp_extract({tres}, '(?:^|,)gres/gpu=(\\d+)', 1), '') AS INTEGER)"
    typed = f"list_sum(list_transform(regexp_extract_all({tres}, 'gres/gpu:[^=,]+=(\\d+)', 1), lambda x: TRY_CAST(x AS INTEGER)))"
    return f"coalesce({generic}, {typed})"


def _state_sql() -> str:
    word = "upper(split_part(trim(_r.\"State\"), ' ', 1))"
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in STATES.items())
    return f"CASE {word} {whens} END"


def plan(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> tuple[Plan, str, dict[str, int]]:
    """(jobs plan, source table of job rows, skipped counts) for a staged sacct file."""
    alloc, req = _gpus('_r."AllocTRES"'), _gpus(raw_ref(columns, "ReqTRES"))
    state_word = "upper(split_part(trim(_r.\"State\"), ' ', 1))"
    unfinished = "(" + ", ".join(lit(s) for s in UNFINISHED) + ")"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sacct_kind AS SELECT _line, CASE
            WHEN contains(_r."JobID", '.') THEN 'job_steps'
            WHEN {state_word} IN {unfinished} THEN 'unfinished_jobs'
            WHEN coalesce(nullif({alloc}, 0), {req}, 0) = 0 THEN 'jobs_without_gpus'
            END AS kind FROM _raw _r"""
    )
    skipped = {k: int(n) for k, n in con.execute(
        "SELECT kind, count(*) FROM _sacct_kind WHERE kind IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _sacct AS SELECT r.* FROM _raw r JOIN _sacct_kind k USING (_line) "
        "WHERE k.kind IS NULL"
    )
    gres_name = "nullif(regexp_extract(_r.\"AllocTRES\" || ',' || coalesce(" + raw_ref(columns, "ReqTRES") + ", ''), 'gres/gpu:([^=,]+)=', 1), '')"
    mapped = lookup("partition", PART)
    accel = (
        f"coalesce({match_name_sql(con, mapped)}, {mapped}, {match_name_sql(con, gres_name)}, "
        f"{match_name_sql(con, PART)}, {gres_name}, {PART})"
    )
    cluster = f"coalesce({raw_ref(columns, 'Cluster')}, {default_cluster()}, 'slurm')"
    start = f"TRY_CAST({_ts(columns, 'Start')} AS TIMESTAMP)"
    end = f"TRY_CAST({_ts(columns, 'End')} AS TIMESTAMP)"
    elapsed = f"TRY_CAST({raw_ref(columns, 'ElapsedRaw')} AS DOUBLE)"
    gpus = f"coalesce(nullif({alloc}, 0), {req})"
    cols = {
        "job_id": f"{cluster} || '/' || _r.\"JobID\"",
        "team": f"coalesce({lookup('team', ACCT)}, {ACCT})",
        "project": f"coalesce({lookup('project', ACCT)}, nullif({raw_ref(columns, 'WCKey')}, ''), {ACCT})",
        "user_name": '_r."User"',
        "cluster": cluster,
        "accelerator_type": accel,
        "workload_type": (
            f"coalesce({lookup('workload', raw_ref(columns, 'QOS'))}, {lookup('workload', PART)}, "
            f"{lookup('workload', ACCT)}, 'unknown')"
        ),
        "accelerators": gpus,
        "submit_at": f"TRY_CAST({_ts(columns, 'Submit')} AS TIMESTAMP)",
        "start_at": f"coalesce({start}, {end})",
        "end_at": end,
        "state": _state_sql(),
        "queue_wait_minutes": f"date_diff('second', TRY_CAST({_ts(columns, 'Submit')} AS TIMESTAMP), coalesce({start}, {end})) / 60.0",
        "accelerator_hours": f"{gpus} * coalesce({elapsed}, date_diff('second', {start}, {end}), 0) / 3600.0",
    }
    checks = (
        g.required("JobID"), g.required("Account"), g.required("User"), g.required("Submit"),
        g.Gate("required(End)", f"{_ts(columns, 'End')} IS NULL", "'End is Unknown or empty for a finished job'"),
        g.typed("submit_at", "timestamp", _ts(columns, "Submit")),
        g.Gate("type(start_at)", f"{_ts(columns, 'Start')} IS NOT NULL AND {start} IS NULL",
               f"'Start is not a valid timestamp: ' || {_ts(columns, 'Start')}"),
        g.typed("end_at", "timestamp", _ts(columns, "End")),
        g.Gate("type(ElapsedRaw)", f"{raw_ref(columns, 'ElapsedRaw')} IS NOT NULL AND {elapsed} IS NULL",
               f"'ElapsedRaw is not a number of seconds: ' || {raw_ref(columns, 'ElapsedRaw')}"),
        g.Gate("state", "state IS NULL", "'unknown Slurm state ' || _r.\"State\" || ' (known: " + ", ".join(STATES) + ")'"),
        g.ordered("start_at", "end_at", strict=False),
        g.in_range("queue_wait_minutes", 0, None),
        g.in_range("accelerator_hours", 0, None),
        g.known_accelerator(con),
    )
    dims = {"teams": ("team",), "projects": ("project", "team"), "clusters": ("cluster",)}
    return Plan("jobs", cols, checks, ("job_id",), dimensions=dims), "_sacct", skipped
