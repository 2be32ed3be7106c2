"""The generator: deterministic, realistic, and true to the invariants that metrics rely on."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from telemetry.generator import generate
from telemetry.schema import FACT_TABLES

DETERMINISTIC_TABLES = FACT_TABLES + ("anomaly_ground_truth", "accelerator_types", "teams", "cluster_capacity")


def checksums(path: Path) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*), bit_xor(hash(x)) FROM {t} x").fetchone() for t in DETERMINISTIC_TABLES}


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def con(demo_db: Path):
    with duckdb.connect(str(demo_db), read_only=True) as c:
        yield c


def test_same_seed_same_tables_and_other_seed_differs(tmp_path: Path, demo_db: Path) -> None:
    again = tmp_path / "again.duckdb"
    generate(again, scale="demo", seed=7, end=date(2026, 11, 23))
    assert checksums(again) == checksums(demo_db)
    other = tmp_path / "other.duckdb"
    generate(other, scale="demo", seed=8, end=date(2026, 11, 23))
    assert checksums(other)["utilization_hourly"] != checksums(demo_db)["utilization_hourly"]


def test_meta_records_what_the_warehouse_holds(con) -> None:
    row = con.execute("SELECT generator_version, seed, scale, data_start, data_end FROM pace_meta").fetchone()
    assert row[1:3] == (7, "demo")
    assert str(row[4]) == "2026-11-23 00:00:00" and (row[4] - row[3]).days == 90
    assert scalar(con, "SELECT max(hour) FROM utilization_hourly") < row[4]


@pytest.mark.parametrize(
    "violations",
    [
        "SELECT count(*) FROM utilization_hourly WHERE busy_hours > allocated_hours OR busy_hours < 0",
        "SELECT count(*) FROM utilization_hourly WHERE abs(idle_hours - (allocated_hours - busy_hours)) > 1e-6",
        "SELECT count(*) FROM utilization_hourly WHERE sm_active NOT BETWEEN 0 AND 1 OR energy_kwh < 0",
        "SELECT count(*) FROM cost_daily WHERE BilledCost < 0 OR EffectiveCost < 0 OR ListCost < 0",
        "SELECT count(*) FROM cost_daily WHERE ChargePeriodEnd <= ChargePeriodStart",
        "SELECT count(*) FROM cost_daily WHERE abs(ListCost - ListUnitPrice * PricingQuantity) > 0.01",
        "SELECT count(*) FROM cost_daily WHERE EffectiveCost > ListCost + 0.01",
        "SELECT count(*) FROM jobs WHERE NOT (submit_at <= start_at AND start_at <= end_at)",
        "SELECT count(*) FROM jobs WHERE abs(epoch(start_at - submit_at) / 60 - queue_wait_minutes) > 0.05",
        "SELECT count(*) FROM jobs WHERE state NOT IN ('completed', 'failed', 'preempted', 'cancelled')",
        "SELECT count(*) FROM compute_requests WHERE decided_at < submitted_at OR provisioned_at < decided_at",
        "SELECT count(*) FROM compute_requests WHERE status IN ('provisioned','active','expired','released') AND provisioned_at IS NULL",
        "SELECT count(*) FROM compute_requests WHERE status IN ('submitted','needs_info') AND decided_at IS NOT NULL",
        "SELECT count(*) FROM compute_requests WHERE end_date <= start_date",
        "SELECT count(*) FROM incidents WHERE acknowledged_at < opened_at OR resolved_at < acknowledged_at",
        "SELECT count(*) FROM incidents WHERE resolved_at IS NOT NULL AND resolved_tier NOT IN (1, 2, 3)",
        "SELECT count(*) FROM serving_hourly WHERE errors > requests OR latency_p95_ms < latency_p50_ms",
        "SELECT count(*) FROM quotas WHERE burst_limit < guaranteed",
        "SELECT count(*) FROM utilization_hourly u JOIN accelerator_types a USING (accelerator_type) WHERE u.hour < a.introduced_on",
        "SELECT count(*) FROM utilization_hourly u ANTI JOIN teams t USING (team)",
        "SELECT count(*) FROM jobs j ANTI JOIN projects p USING (project)",
    ],
)
def test_invariants_hold(con, violations: str) -> None:
    assert scalar(con, violations) == 0


def test_focus_columns_are_typed_as_the_spec_says(con) -> None:
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cost_daily'").fetchall())
    for money in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ListUnitPrice"):
        assert types[money].startswith("DECIMAL"), money
    assert types["ChargePeriodStart"] == "TIMESTAMP" and types["Tags"] == "JSON"
    assert set(r[0] for r in con.execute("SELECT DISTINCT PricingCategory FROM cost_daily").fetchall()) <= {"Standard", "Committed", "Dynamic"}
    assert scalar(con, "SELECT count(*) FROM cost_daily WHERE CommitmentDiscountStatus = 'Unused'") > 0


def test_the_fleet_is_realistic(con) -> None:
    # teams differ in efficiency, online inference follows the day, a platform arrives partway
    spread = con.execute(
        "SELECT max(u) - min(u) FROM (SELECT team, sum(busy_hours) / sum(allocated_hours) AS u FROM utilization_hourly GROUP BY team)"
    ).fetchone()[0]
    assert spread > 0.2
    day, night = con.execute(
        "SELECT avg(requests) FILTER (WHERE hour(hour) = 18), avg(requests) FILTER (WHERE hour(hour) = 8) FROM serving_hourly WHERE endpoint = 'search-answer'"
    ).fetchone()
    assert day > 1.5 * night
    assert scalar(con, "SELECT min(hour) FROM utilization_hourly WHERE accelerator_type = 'TPU v5e'") > scalar(con, "SELECT min(hour) FROM utilization_hourly")
    pressure_wait = con.execute(
        "SELECT avg(queue_wait_minutes) FILTER (WHERE cluster = 'us-west-onprem' AND accelerator_type = 'A100' AND workload_type = 'evaluation'),"
        " avg(queue_wait_minutes) FILTER (WHERE cluster = 'eu-west-gcp' AND accelerator_type = 'L40S' AND workload_type = 'evaluation') FROM jobs"
    ).fetchone()
    assert pressure_wait[0] > pressure_wait[1]  # the nearly full A100 pool queues longer


VISIBILITY = {
    "idle_allocation": (
        "SELECT sum(sm_active * allocated_hours) / sum(allocated_hours) FROM utilization_hourly "
        "WHERE team = $entity AND cluster = $cluster AND accelerator_type = $acc AND hour >= $s AND hour < $e",
        "SELECT sum(sm_active * allocated_hours) / sum(allocated_hours) FROM utilization_hourly "
        "WHERE team = $entity AND cluster = $cluster AND accelerator_type = $acc AND hour < $s",
        lambda w, b: w < 0.1 * b,
    ),
    "utilization_collapse": (
        "SELECT sum(busy_hours) / sum(allocated_hours) FROM utilization_hourly WHERE cluster = $cluster AND accelerator_type = $acc AND hour >= $s AND hour < $e",
        "SELECT sum(busy_hours) / sum(allocated_hours) FROM utilization_hourly WHERE cluster = $cluster AND accelerator_type = $acc AND hour < $s",
        lambda w, b: w < 0.35 * b,
    ),
    "cost_spike": (
        "SELECT sum(EffectiveCost)::DOUBLE FROM cost_daily WHERE x_team = $entity AND ChargePeriodStart >= $s AND ChargePeriodStart < $e",
        "SELECT sum(EffectiveCost)::DOUBLE / 14 FROM cost_daily WHERE x_team = $entity AND ChargePeriodStart >= $s - INTERVAL 14 DAY AND ChargePeriodStart < $s",
        lambda w, b: w > 2.5 * b,
    ),
    "queue_wait_surge": (
        "SELECT median(queue_wait_minutes) FROM jobs WHERE cluster = $cluster AND accelerator_type = $acc AND submit_at >= $s AND submit_at < $e",
        "SELECT median(queue_wait_minutes) FROM jobs WHERE cluster = $cluster AND accelerator_type = $acc AND submit_at < $s",
        lambda w, b: w > 5 * b,
    ),
    "failure_rate_spike": (
        "SELECT avg((state = 'failed')::INT) FROM jobs WHERE team = $entity AND cluster = $cluster AND submit_at >= $s AND submit_at < $e",
        "SELECT avg((state = 'failed')::INT) FROM jobs WHERE team = $entity AND cluster = $cluster AND submit_at < $s",
        lambda w, b: w > 0.4 and w > 4 * b,
    ),
    "quota_breach": (
        "SELECT max(a) FROM (SELECT hour, sum(allocated_hours) a FROM utilization_hourly WHERE team = $entity AND accelerator_type = $acc AND hour >= $s AND hour < $e GROUP BY hour)",
        "SELECT max(burst_limit) FROM quotas WHERE team = $entity AND accelerator_type = $acc AND effective_from <= $s",
        lambda w, b: w > b,
    ),
    "latency_spike": (
        "SELECT avg(latency_p95_ms) FROM serving_hourly WHERE endpoint = $entity AND hour >= $s AND hour < $e",
        "SELECT avg(latency_p95_ms) FROM serving_hourly WHERE endpoint = $entity AND hour < $s",
        lambda w, b: w > 2.5 * b,
    ),
    "energy_outlier": (
        "SELECT sum(energy_kwh) / sum(allocated_hours) FROM utilization_hourly WHERE cluster = $cluster AND accelerator_type = $acc AND hour >= $s AND hour < $e",
        "SELECT sum(energy_kwh) / sum(allocated_hours) FROM utilization_hourly WHERE cluster = $cluster AND accelerator_type = $acc AND hour < $s",
        lambda w, b: w > 1.4 * b,
    ),
}


def test_every_injected_anomaly_is_visible_in_the_facts(con) -> None:
    truth = con.execute("SELECT anomaly_id, kind, entity, cluster, accelerator_type, start_at, end_at FROM anomaly_ground_truth").fetchall()
    assert {t[1] for t in truth} == set(VISIBILITY)
    for anomaly_id, kind, entity, cluster, acc, start, end in truth:
        window_sql, baseline_sql, visible = VISIBILITY[kind]
        params = {"entity": entity, "cluster": cluster, "acc": acc, "s": start, "e": end}
        used = lambda sql: {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}  # noqa: E731
        window = con.execute(window_sql, used(window_sql)).fetchone()[0]
        baseline = con.execute(baseline_sql, used(baseline_sql)).fetchone()[0]
        assert window is not None and baseline is not None, anomaly_id
        assert visible(window, baseline), f"{anomaly_id} {kind}: window {window} vs baseline {baseline}"


def test_anomalies_do_not_overlap_in_time(con) -> None:
    assert scalar(con, "SELECT count(*) FROM anomaly_ground_truth a JOIN anomaly_ground_truth b ON a.anomaly_id < b.anomaly_id AND a.start_at < b.end_at AND b.start_at < a.end_at") == 0


def test_small_scale_is_deterministic_despite_parallel_aggregation(tmp_path: Path) -> None:
    # at a year of data DuckDB aggregates in parallel and returns groups in any order; ids and draws must not care
    paths = [tmp_path / f"small{i}.duckdb" for i in range(2)]
    for p in paths:
        generate(p, scale="small", seed=7, end=date(2026, 11, 23))
    assert checksums(paths[0]) == checksums(paths[1])
