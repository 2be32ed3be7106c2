"""The warehouse schema as DuckDB DDL: one statement per table, documented in docs/data-model.md.

Facts live at their natural grain (hourly utilization, one row per job, daily FOCUS cost lines,
hourly serving stats, one row per incident or compute request); dimensions describe accelerators,
clusters, teams and projects. The DDL is the contract that the generator, the ingest adapters and the
semantic layer all rely on, so column names here are never renamed lightly.
"""

from __future__ import annotations

import duckdb

from telemetry.rollups import ROLLUP_TABLES

WORKLOAD_TYPES: tuple[str, ...] = (
    "training",
    "fine-tuning",
    "evaluation",
    "batch-inference",
    "online-inference",
    "on-device",
)
# Job states are Slurm's job state codes (sacct(1), JOB STATE CODES), lower case. The generator uses
# the first four; ingested Slurm accounting may carry any of them.
JOB_STATES: tuple[str, ...] = (
    "completed", "failed", "preempted", "cancelled", "timeout", "out_of_memory", "node_fail", "boot_fail",
    "deadline", "revoked", "running", "pending", "suspended", "requeued",
)
# States in which a job has ended for good, and the ones pace counts as failures (the job's own or its
# node's fault, not a person's choice: cancelled and preempted are not failures).
ENDED_JOB_STATES: tuple[str, ...] = JOB_STATES[:10]
FAILED_JOB_STATES: tuple[str, ...] = ("failed", "timeout", "out_of_memory", "node_fail", "boot_fail", "deadline")
REQUEST_STATUSES: tuple[str, ...] = (
    "submitted",
    "needs_info",
    "approved",
    "denied",
    "provisioned",
    "active",
    "expired",
    "released",
    "cancelled",
)
SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")

TABLES: dict[str, str] = {
    "accelerator_types": """
        CREATE TABLE IF NOT EXISTS accelerator_types (
            accelerator_type VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL CHECK (kind IN ('GPU', 'TPU', 'custom')),
            vendor VARCHAR NOT NULL,
            model_name VARCHAR NOT NULL,
            memory_gb DOUBLE NOT NULL,
            tdp_watts DOUBLE NOT NULL,
            peak_bf16_tflops DOUBLE NOT NULL,
            on_demand_usd_per_hour DOUBLE NOT NULL,
            committed_usd_per_hour DOUBLE NOT NULL,
            mig_slices INTEGER NOT NULL DEFAULT 0,
            on_device BOOLEAN NOT NULL DEFAULT FALSE,
            introduced_on DATE
        )""",
    "clusters": """
        CREATE TABLE IF NOT EXISTS clusters (
            cluster VARCHAR PRIMARY KEY,
            region VARCHAR NOT NULL,
            provider VARCHAR NOT NULL,
            is_on_prem BOOLEAN NOT NULL,
            usd_per_kwh DOUBLE NOT NULL DEFAULT 0
        )""",
    "cluster_capacity": """
        CREATE TABLE IF NOT EXISTS cluster_capacity (
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            accelerators INTEGER NOT NULL,
            effective_from DATE NOT NULL,
            PRIMARY KEY (cluster, accelerator_type, effective_from)
        )""",
    "orgs": """
        CREATE TABLE IF NOT EXISTS orgs (
            org VARCHAR PRIMARY KEY,
            cost_center VARCHAR NOT NULL,
            vp VARCHAR NOT NULL
        )""",
    "teams": """
        CREATE TABLE IF NOT EXISTS teams (
            team VARCHAR PRIMARY KEY,
            org VARCHAR NOT NULL,
            cost_center VARCHAR NOT NULL,
            tier2_lead VARCHAR NOT NULL,
            slack_channel VARCHAR
        )""",
    "projects": """
        CREATE TABLE IF NOT EXISTS projects (
            project VARCHAR PRIMARY KEY,
            team VARCHAR NOT NULL,
            primary_workload VARCHAR NOT NULL,
            description VARCHAR
        )""",
    "endpoints": """
        CREATE TABLE IF NOT EXISTS endpoints (
            endpoint VARCHAR PRIMARY KEY,
            team VARCHAR NOT NULL,
            project VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            is_production BOOLEAN NOT NULL
        )""",
    "utilization_hourly": """
        CREATE TABLE IF NOT EXISTS utilization_hourly (
            hour TIMESTAMP NOT NULL,
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            team VARCHAR NOT NULL,
            project VARCHAR NOT NULL,
            workload_type VARCHAR NOT NULL,
            allocated_hours DOUBLE NOT NULL,
            busy_hours DOUBLE,
            idle_hours DOUBLE,
            sm_active DOUBLE,
            memory_used_gb DOUBLE,
            energy_kwh DOUBLE,
            peak_util_pct DOUBLE
        )""",
    # One row per GPU, hour and pod (pod NULL: the GPU was unallocated), from DCGM. Field means keep
    # NVIDIA's units (docs/ingest.md); NULL means the exporter did not scrape the field (not measured).
    "gpu_hourly": """
        CREATE TABLE IF NOT EXISTS gpu_hourly (
            hour TIMESTAMP NOT NULL,
            gpu_uuid VARCHAR NOT NULL,
            host VARCHAR,
            gpu_index VARCHAR,
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            namespace VARCHAR,
            pod VARCHAR,
            team VARCHAR,
            project VARCHAR,
            workload_type VARCHAR,
            observed_hours DOUBLE NOT NULL,
            gpu_util_pct DOUBLE,
            gr_engine_active DOUBLE,
            sm_active DOUBLE,
            tensor_active DOUBLE,
            dram_active DOUBLE,
            fb_used_mib DOUBLE,
            fb_free_mib DOUBLE,
            power_w DOUBLE,
            energy_kwh DOUBLE,
            n_samples INTEGER NOT NULL
        )""",
    # Where the last pull from each live source (a Prometheus URL) ended, exclusive: the next pull starts there.
    "ingest_watermarks": """
        CREATE TABLE IF NOT EXISTS ingest_watermarks (
            source VARCHAR PRIMARY KEY,
            watermark TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
    "jobs": """
        CREATE TABLE IF NOT EXISTS jobs (
            job_id VARCHAR PRIMARY KEY,
            team VARCHAR NOT NULL,
            project VARCHAR NOT NULL,
            user_name VARCHAR NOT NULL,
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            workload_type VARCHAR NOT NULL,
            accelerators INTEGER NOT NULL,
            submit_at TIMESTAMP NOT NULL,
            start_at TIMESTAMP,
            end_at TIMESTAMP,
            state VARCHAR NOT NULL,
            queue_wait_minutes DOUBLE,
            accelerator_hours DOUBLE NOT NULL,
            tokens_processed DOUBLE,
            samples_processed DOUBLE,
            mfu DOUBLE,
            partition VARCHAR,
            qos VARCHAR,
            node_list VARCHAR
        )""",
    "cost_daily": """
        CREATE TABLE IF NOT EXISTS cost_daily (
            ChargePeriodStart TIMESTAMP NOT NULL,
            ChargePeriodEnd TIMESTAMP NOT NULL,
            BillingPeriodStart TIMESTAMP,
            BillingPeriodEnd TIMESTAMP,
            BillingAccountId VARCHAR,
            ProviderName VARCHAR NOT NULL,
            ServiceName VARCHAR NOT NULL,
            ServiceCategory VARCHAR,
            ChargeCategory VARCHAR NOT NULL,
            ChargeDescription VARCHAR,
            PricingCategory VARCHAR,
            ResourceId VARCHAR,
            ResourceType VARCHAR,
            RegionId VARCHAR,
            SkuId VARCHAR,
            PricingQuantity DECIMAL(18, 6),
            PricingUnit VARCHAR,
            ConsumedQuantity DECIMAL(18, 6),
            ConsumedUnit VARCHAR,
            ListUnitPrice DECIMAL(18, 6),
            ContractedUnitPrice DECIMAL(18, 6),
            ListCost DECIMAL(18, 6) NOT NULL,
            ContractedCost DECIMAL(18, 6),
            BilledCost DECIMAL(18, 6) NOT NULL,
            EffectiveCost DECIMAL(18, 6) NOT NULL,
            BillingCurrency VARCHAR NOT NULL,
            CommitmentDiscountId VARCHAR,
            CommitmentDiscountType VARCHAR,
            CommitmentDiscountStatus VARCHAR,
            Tags JSON,
            x_team VARCHAR,
            x_project VARCHAR,
            x_cluster VARCHAR,
            x_accelerator_type VARCHAR,
            x_source VARCHAR NOT NULL DEFAULT 'generated',
            x_provider VARCHAR,
            SubAccountId VARCHAR,
            SubAccountName VARCHAR,
            RegionName VARCHAR
        )""",
    "serving_hourly": """
        CREATE TABLE IF NOT EXISTS serving_hourly (
            hour TIMESTAMP NOT NULL,
            endpoint VARCHAR NOT NULL,
            team VARCHAR NOT NULL,
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            requests BIGINT NOT NULL,
            tokens BIGINT NOT NULL,
            errors BIGINT NOT NULL,
            latency_p50_ms DOUBLE NOT NULL,
            latency_p95_ms DOUBLE NOT NULL,
            PRIMARY KEY (hour, endpoint)
        )""",
    "quotas": """
        CREATE TABLE IF NOT EXISTS quotas (
            team VARCHAR NOT NULL,
            accelerator_type VARCHAR NOT NULL,
            guaranteed INTEGER NOT NULL,
            burst_limit INTEGER NOT NULL,
            effective_from DATE NOT NULL,
            effective_to DATE,
            PRIMARY KEY (team, accelerator_type, effective_from)
        )""",
    "compute_requests": """
        CREATE TABLE IF NOT EXISTS compute_requests (
            request_id VARCHAR PRIMARY KEY,
            team VARCHAR NOT NULL,
            project VARCHAR NOT NULL,
            requester VARCHAR NOT NULL,
            approver VARCHAR,
            accelerator_type VARCHAR NOT NULL,
            accelerators_requested INTEGER NOT NULL,
            accelerators_granted INTEGER,
            workload_type VARCHAR NOT NULL,
            priority VARCHAR NOT NULL,
            preemptible BOOLEAN NOT NULL,
            justification VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            submitted_at TIMESTAMP NOT NULL,
            decided_at TIMESTAMP,
            provisioned_at TIMESTAMP,
            start_date DATE NOT NULL,
            end_date DATE NOT NULL
        )""",
    "incidents": """
        CREATE TABLE IF NOT EXISTS incidents (
            incident_id VARCHAR PRIMARY KEY,
            title VARCHAR NOT NULL,
            category VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            cluster VARCHAR NOT NULL,
            accelerator_type VARCHAR,
            primary_team VARCHAR,
            teams_affected INTEGER NOT NULL,
            production_inference_affected BOOLEAN NOT NULL,
            opened_at TIMESTAMP NOT NULL,
            acknowledged_at TIMESTAMP NOT NULL,
            resolved_at TIMESTAMP,
            resolved_tier INTEGER,
            escalations INTEGER NOT NULL,
            escalated_to_tier3 BOOLEAN NOT NULL,
            sla_breached BOOLEAN NOT NULL,
            accelerator_hours_lost DOUBLE NOT NULL,
            resolution VARCHAR
        )""",
    "anomaly_ground_truth": """
        CREATE TABLE IF NOT EXISTS anomaly_ground_truth (
            anomaly_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            entity_type VARCHAR NOT NULL,
            entity VARCHAR NOT NULL,
            cluster VARCHAR,
            accelerator_type VARCHAR,
            start_at TIMESTAMP NOT NULL,
            end_at TIMESTAMP NOT NULL,
            metric VARCHAR NOT NULL,
            magnitude DOUBLE NOT NULL,
            description VARCHAR NOT NULL
        )""",
    "pace_meta": """
        CREATE TABLE IF NOT EXISTS pace_meta (
            generator_version VARCHAR NOT NULL,
            seed BIGINT NOT NULL,
            scale VARCHAR NOT NULL,
            data_start TIMESTAMP NOT NULL,
            data_end TIMESTAMP NOT NULL,
            built_at TIMESTAMP NOT NULL,
            source VARCHAR NOT NULL
        )""",
    "pace_coverage": """
        CREATE TABLE IF NOT EXISTS pace_coverage (
            table_name VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            data_start TIMESTAMP NOT NULL,
            data_end TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (table_name, source)
        )""",
    "ingest_quarantine": """
        CREATE TABLE IF NOT EXISTS ingest_quarantine (
            ingested_at TIMESTAMP NOT NULL,
            file VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            line BIGINT,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        )""",
    "answer_feedback": """
        CREATE TABLE IF NOT EXISTS answer_feedback (
            feedback_at TIMESTAMP NOT NULL,
            user_id VARCHAR,
            channel VARCHAR,
            thread VARCHAR,
            question VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            sql VARCHAR
        )""",
}

FACT_TABLES: tuple[str, ...] = (
    "utilization_hourly",
    "gpu_hourly",
    "jobs",
    "cost_daily",
    "serving_hourly",
    "quotas",
    "compute_requests",
    "incidents",
)
DIMENSION_TABLES: tuple[str, ...] = (
    "accelerator_types",
    "clusters",
    "cluster_capacity",
    "orgs",
    "teams",
    "projects",
    "endpoints",
)
# Tables that answers may read. Operational tables (quarantine, feedback) stay out of questions.
QUERYABLE_TABLES: tuple[str, ...] = DIMENSION_TABLES + FACT_TABLES + ("pace_meta", "anomaly_ground_truth") + ROLLUP_TABLES


# Columns that became nullable after warehouses were built with NOT NULL: a job that never started
# has no start (nor queue wait), a running or pending job no end.
NULLABLE_SINCE: tuple[tuple[str, str], ...] = (("jobs", "start_at"), ("jobs", "end_at"), ("jobs", "queue_wait_minutes"))


# Columns added after warehouses were built without them: (table, column, type). A writer adds them to
# the copy it swaps in (telemetry/warehouse.py), so an older warehouse is migrated, not rebuilt; the
# existing rows read NULL there (not measured).
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("utilization_hourly", "peak_util_pct", "DOUBLE"),
    # sacct(1) Partition, QOS and NodeList of a job (NULL for generated jobs: the generator has no partitions).
    ("jobs", "partition", "VARCHAR"), ("jobs", "qos", "VARCHAR"), ("jobs", "node_list", "VARCHAR"),
    # The provider of a cost line in the cluster's terms when the line names a known cluster, else the
    # bill's own FOCUS ProviderName (a bill alone still splits by provider).
    ("cost_daily", "x_provider", "VARCHAR"),
    # FOCUS SubAccountId/SubAccountName (AWS member account, Azure subscription, GCP project) and
    # RegionName, read from the line (ingested files before this kept them inside Tags only).
    ("cost_daily", "SubAccountId", "VARCHAR"), ("cost_daily", "SubAccountName", "VARCHAR"), ("cost_daily", "RegionName", "VARCHAR"),
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and column that does not exist yet, relax NOT NULL where NULLABLE_SINCE says (idempotent)."""
    for ddl in TABLES.values():
        con.execute(ddl)
    for table, column, dtype in ADDED_COLUMNS:
        con.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column}" {dtype}')
    strict = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT is_nullable "
        "AND (table_name, column_name) IN (SELECT * FROM (VALUES " + ", ".join("(?, ?)" for _ in NULLABLE_SINCE) + "))",
        [v for pair in NULLABLE_SINCE for v in pair],
    ).fetchall()
    for table, column in strict:
        con.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP NOT NULL')


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Columns and their DuckDB types for every table in the warehouse, read from the catalog."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, {})[column] = dtype
    return out
