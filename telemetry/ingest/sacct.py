"""Slurm accounting (`sacct --parsable2`, pipe-delimited with a header) -> `jobs`.

A job row keeps Slurm's own state (sacct(1), JOB STATE CODES), lower case: completed, failed,
cancelled ("CANCELLED by 123" too), timeout, out_of_memory, node_fail, preempted, boot_fail,
deadline, revoked, and the unfinished running, pending, suspended and requeued. A job that never
started (Start `None`/`Unknown`) keeps no start time and no queue wait; a running or pending job has
no end yet and is replaced when a later dump shows it further along (see UPSERT). Steps (`123.batch`,
`123.0`, `123.extern`) and jobs that asked for no GPU count under `skipped`, outside `read`, so that
`read = loaded + quarantined + duplicates` is about jobs. Unknown accelerator types are quarantined.
"""

from __future__ import annotations

import duckdb
import sqlglot
from sqlglot import exp

from telemetry.ingest import gates as g
from telemetry.ingest.accelerators import match_name_sql
from telemetry.ingest.gates import sql, text
from telemetry.ingest.load import IngestPlan
from telemetry.ingest.mapping import default_cluster, lookup
from telemetry.ingest.staging import raw_ref
from telemetry.schema import ENDED_JOB_STATES

REQUIRED: tuple[str, ...] = ("JobID", "User", "Account", "Partition", "State", "Submit", "Start", "End", "AllocTRES")
# Slurm's job state codes (the first word of State) -> pace's state: the code itself, lower case;
# transient codes fold into the state the job is in for accounting purposes.
STATES: dict[str, str] = {
    "COMPLETED": "completed", "FAILED": "failed", "CANCELLED": "cancelled", "TIMEOUT": "timeout",
    "OUT_OF_MEMORY": "out_of_memory", "NODE_FAIL": "node_fail", "PREEMPTED": "preempted",
    "BOOT_FAIL": "boot_fail", "DEADLINE": "deadline", "REVOKED": "revoked",
    "RUNNING": "running", "COMPLETING": "running", "CONFIGURING": "running", "RESIZING": "running",
    "SIGNALING": "running", "STAGE_OUT": "running", "PENDING": "pending", "SUSPENDED": "suspended",
    "STOPPED": "suspended", "REQUEUED": "requeued", "REQUEUE_HOLD": "requeued", "REQUEUE_FED": "requeued",
    "SPECIAL_EXIT": "requeued", "RESV_DEL_HOLD": "pending",
}
NEVER = "('Unknown', 'None', 'N/A', '')"
PART, ACCT = '_r."Partition"', '_r."Account"'
ENDED = "(" + ", ".join(sql(text(s)) for s in ENDED_JOB_STATES) + ")"
# How far along a job is: pending/requeued < running/suspended < ended. A later dump replaces a row
# when it is further along, or as far along with more accelerator-hours (a longer-running job).
_PROGRESS = "CASE WHEN {a}.state IN " + ENDED + " THEN 3 WHEN {a}.state IN ('running', 'suspended') THEN 2 ELSE 1 END"
UPSERT = (
    f"t.state NOT IN {ENDED} AND ({_PROGRESS.format(a='g')} > {_PROGRESS.format(a='t')} OR "
    f"({_PROGRESS.format(a='g')} = {_PROGRESS.format(a='t')} AND g.accelerator_hours > t.accelerator_hours))"
)


def _ts(columns: tuple[str, ...], column: str) -> str:
    raw = raw_ref(columns, column)
    return f"CASE WHEN {raw} IN {NEVER} THEN NULL ELSE {raw} END"


def _gpus(tres: str) -> str:
    """GPU count from a TRES string: `gres/gpu=N`, else the sum of typed `gres/gpu:TYPE=N`."""
    generic = f"TRY_CAST(nullif(regexp_extract({tres}, '(?:^|,)gres/gpu=(\\d+)', 1), '') AS INTEGER)"
    typed = f"list_sum(list_transform(regexp_extract_all({tres}, 'gres/gpu:[^=,]+=(\\d+)', 1), lambda x: TRY_CAST(x AS INTEGER)))"
    return f"coalesce({generic}, {typed})"


def _expr(fragment: str) -> exp.Expression:
    return sqlglot.parse_one(fragment, read="duckdb")


def _state_sql() -> str:
    word = "upper(split_part(trim(_r.\"State\"), ' ', 1))"
    whens = " ".join(f"WHEN {sql(text(k))} THEN {sql(text(v))}" for k, v in STATES.items())
    return f"CASE {word} {whens} END"


def plan(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> tuple[IngestPlan, str, dict[str, int]]:
    """(jobs plan, source table of job rows, skipped counts) for a staged sacct file."""
    alloc, req = _gpus('_r."AllocTRES"'), _gpus(raw_ref(columns, "ReqTRES"))
    zero = exp.Literal.number(0)
    gpus = exp.func("coalesce", exp.func("nullif", _expr(alloc), zero), _expr(req), zero.copy())
    kind = exp.Case(ifs=[
        exp.If(this=exp.func("contains", exp.column("JobID", "_r", quoted=True), text(".")), true=text("job_steps")),
        exp.If(this=gpus.eq(0), true=text("jobs_without_gpus")),
    ])
    rows = exp.select(exp.column("_line"), kind.as_("kind")).from_(exp.to_table("_raw").as_("_r"))
    con.execute("CREATE OR REPLACE TEMP TABLE _sacct_kind AS " + sql(rows))
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
    submit = f"TRY_CAST({_ts(columns, 'Submit')} AS TIMESTAMP)"
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
        "submit_at": submit,
        "start_at": start,  # NULL: the job never started (cancelled while pending, still pending)
        "end_at": end,  # NULL: still running or pending
        "state": _state_sql(),
        "queue_wait_minutes": f"date_diff('second', {submit}, {start}) / 60.0",  # NULL when never started
        "accelerator_hours": f"{gpus} * coalesce({elapsed}, date_diff('second', {start}, {end}), 0) / 3600.0",
        # sacct(1) fields kept as written, so people can ask by them: the partition and QOS the job ran
        # under and the nodes it was allocated (NodeList is 'None assigned' until it starts: NULL).
        "partition": f"nullif({PART}, '')",
        "qos": f"nullif({raw_ref(columns, 'QOS')}, '')",
        "node_list": f"CASE WHEN {raw_ref(columns, 'NodeList')} IN ('', 'None assigned') THEN NULL ELSE {raw_ref(columns, 'NodeList')} END",
    }
    known = ", ".join(sorted(STATES))
    checks = (
        g.required("JobID"), g.required("Account"), g.required("User"), g.required("Submit"),
        g.typed("submit_at", "timestamp", _ts(columns, "Submit")),
        g.Gate("type(start_at)", f"{_ts(columns, 'Start')} IS NOT NULL AND start_at IS NULL",
               f"'Start is not a valid timestamp: ' || {_ts(columns, 'Start')}"),
        g.typed("end_at", "timestamp", _ts(columns, "End")),
        g.Gate("type(ElapsedRaw)", f"{raw_ref(columns, 'ElapsedRaw')} IS NOT NULL AND {elapsed} IS NULL",
               f"'ElapsedRaw is not a number of seconds: ' || {raw_ref(columns, 'ElapsedRaw')}"),
        g.Gate("state", "state IS NULL",
               f"'unknown Slurm state ' || coalesce(_r.\"State\", 'NULL') || {sql(text(' (known: ' + known + ')'))}"),
        g.Gate("required(End)", f"state IN {ENDED} AND end_at IS NULL",
               "'End is Unknown or empty for a job in final state ' || state"),
        g.Gate("required(Start)", "state IN ('running', 'suspended') AND start_at IS NULL",
               "'Start is Unknown or empty for a job in state ' || state"),
        g.ordered("start_at", "end_at", strict=False),
        g.in_range("queue_wait_minutes", 0, None),
        g.in_range("accelerator_hours", 0, None),
        g.known_accelerator(con),
    )
    dims = {"teams": ("team",), "projects": ("project", "team"), "clusters": ("cluster",)}
    return IngestPlan("jobs", cols, checks, ("job_id",), dimensions=dims, replace_when=UPSERT), "_sacct", skipped
