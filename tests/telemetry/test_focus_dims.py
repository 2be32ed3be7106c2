"""Cost and job dimensions read where their exporter writes them (issue 22).

FOCUS 1.0 puts RegionId on every cost line; a bill loaded without any cluster still splits by
region. sacct(1) writes Partition, QOS and NodeList per job; pace keeps them so people can ask by
them, and an older warehouse gains the columns without a rebuild.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.engine import Engine
from semantic_layer.graph import dimension_source
from semantic_layer.query import MetricQuery
from telemetry.ingest import ingest
from telemetry.schema import create_schema
from telemetry.warehouse import create_empty

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOCUS = FIXTURES / "focus" / "focus_sample.csv"

SACCT = """JobID|User|Account|Partition|QOS|State|Submit|Start|End|ElapsedRaw|AllocTRES|NodeList
7001|alice|atlas|h100|high|COMPLETED|2026-11-20T08:00:00|2026-11-20T08:10:00|2026-11-20T09:10:00|3600|gres/gpu:h100=8,gres/gpu=8|gpu[01-02]
7002|bob|atlas|debug||TIMEOUT|2026-11-20T08:00:00|2026-11-20T08:05:00|2026-11-20T10:05:00|7200|gres/gpu:h100=2,gres/gpu=2|gpu03
7003|carol|orion|h100|normal|PENDING|2026-11-20T09:00:00|Unknown|Unknown|0|gres/gpu:h100=4,gres/gpu=4|None assigned
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_a_cost_line_reads_its_own_region(catalog: Catalog) -> None:
    path, source = dimension_source(catalog, "cost_daily", "region")
    assert path == [] and (source.entity, source.column) == ("cost_daily", "RegionId")
    path, source = dimension_source(catalog, "utilization_hourly", "region")
    assert (source.entity, source.column) == ("clusters", "region")  # other facts: the cluster's region


def test_a_bill_alone_splits_and_filters_by_its_regions(catalog: Catalog, tmp_path: Path) -> None:
    db = create_empty(tmp_path / "w.duckdb")
    ingest(FOCUS, "focus", db)
    with duckdb.connect(str(db), read_only=True) as con:
        want = dict(con.execute('SELECT "RegionId", sum("EffectiveCost")::DOUBLE FROM cost_daily GROUP BY 1').fetchall())
    with Engine(Settings(PACE_DB=db)) as eng:
        valued = catalog.with_values(eng)
        assert {"us-east-1", "eastus"} <= set(valued.dimensions["region"].values)  # no cluster holds them: the bill does
        got = eng.run_query(valued, MetricQuery(metrics=["effective_cost_usd"], group_by=[{"dimension": "region"}],
                                                time_range={"start": "2024-01-01", "end": "2025-01-01"}))
        one = eng.run_query(valued, MetricQuery(metrics=["effective_cost_usd"], filters=[{"dimension": "region", "values": ["eastus"]}],
                                                time_range={"start": "2024-01-01", "end": "2025-01-01"}))
    assert {r[0]: r[1] for r in got.rows} == {k: pytest.approx(v, abs=1e-6) for k, v in want.items()}
    assert one.rows[0][0] == pytest.approx(want["eastus"], abs=1e-6)


def test_sacct_keeps_partition_qos_and_node_list(tmp_path: Path) -> None:
    db = create_empty(tmp_path / "w.duckdb")
    dump = tmp_path / "sacct.txt"
    dump.write_text(SACCT)
    s = ingest(dump, "sacct", db)
    assert s.loaded == 3
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT job_id, user_name, partition, qos, node_list FROM jobs ORDER BY job_id").fetchall()
    assert rows == [("slurm/7001", "alice", "h100", "high", "gpu[01-02]"),
                    ("slurm/7002", "bob", "debug", None, "gpu03"),  # an empty QOS is not a value
                    ("slurm/7003", "carol", "h100", "normal", None)]  # 'None assigned': not started, no nodes


def test_jobs_group_by_user_partition_and_qos(catalog: Catalog, tmp_path: Path) -> None:
    db = create_empty(tmp_path / "w.duckdb")
    dump = tmp_path / "sacct.txt"
    dump.write_text(SACCT)
    ingest(dump, "sacct", db)
    period = {"start": "2026-11-20", "end": "2026-11-21"}
    with Engine(Settings(PACE_DB=db)) as eng:
        valued = catalog.with_values(eng)
        by = {d: {r[0]: r[1] for r in eng.run_query(valued, MetricQuery(metrics=["jobs"], group_by=[{"dimension": d}],
                                                                         time_range=period)).rows}
              for d in ("user", "partition", "qos")}
    assert by["user"] == {"alice": 1, "bob": 1, "carol": 1}
    assert by["partition"] == {"h100": 2, "debug": 1}
    assert by["qos"] == {"high": 1, "normal": 1, None: 1}


def test_an_older_warehouse_gains_the_sacct_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE jobs (job_id VARCHAR PRIMARY KEY, team VARCHAR NOT NULL)")
        con.execute("INSERT INTO jobs VALUES ('j1', 'atlas')")
        create_schema(con)
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'jobs'").fetchall()]
        assert {"partition", "qos", "node_list"} <= set(cols)
        assert con.execute("SELECT partition, qos, node_list FROM jobs").fetchall() == [(None, None, None)]  # not measured


TAGGED = """ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceName,ChargeCategory,ListCost,BilledCost,EffectiveCost,BillingCurrency,RegionId,Tags
2024-09-02 00:00:00,2024-09-03 00:00:00,AWS,Amazon Elastic Compute Cloud,Usage,10,8,8,USD,us-east-1,"{""cluster"": ""gpu-east""}"
2024-09-02 00:00:00,2024-09-03 00:00:00,Microsoft,Virtual Machines,Usage,5,4,4,USD,eastus,
"""


def test_a_cost_lines_provider_is_its_clusters_else_the_bills(catalog: Catalog, tmp_path: Path) -> None:
    """One vocabulary with the fleet where the line names a known cluster; FOCUS ProviderName otherwise."""
    db = create_empty(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO clusters VALUES ('gpu-east', 'us-east-1', 'aws', FALSE, 0)")
    bill = tmp_path / "bill.csv"
    bill.write_text(TAGGED)
    assert ingest(bill, "focus", db).loaded == 2
    again = ingest(bill, "focus", db)
    assert (again.loaded, again.duplicates) == (0, 2)  # the derived provider is not part of a line's identity
    with Engine(Settings(PACE_DB=db)) as eng:
        valued = catalog.with_values(eng)
        got = eng.run_query(valued, MetricQuery(metrics=["effective_cost_usd"], group_by=[{"dimension": "provider"}],
                                                time_range={"start": "2024-09-01", "end": "2024-10-01"}))
    assert {r[0]: r[1] for r in got.rows} == {"aws": pytest.approx(8.0), "Microsoft": pytest.approx(4.0)}


def test_sub_account_and_region_name_are_read_from_the_line_and_kept_in_tags(catalog: Catalog, tmp_path: Path) -> None:
    """FOCUS SubAccountName is a grouping; Tags keep it as before, so re-ingesting the file finds every line."""
    db = create_empty(tmp_path / "w.duckdb")
    first = ingest(FOCUS, "focus", db)
    assert ingest(FOCUS, "focus", db).duplicates == first.loaded
    with duckdb.connect(str(db), read_only=True) as con:
        want = dict(con.execute("SELECT json_extract_string(Tags, '$.SubAccountName'), sum(EffectiveCost)::DOUBLE FROM cost_daily "
                                "GROUP BY 1").fetchall())
        assert con.execute("SELECT count(*) FROM cost_daily WHERE SubAccountName IS DISTINCT FROM "
                           "json_extract_string(Tags, '$.SubAccountName') OR RegionName IS DISTINCT FROM "
                           "json_extract_string(Tags, '$.RegionName')").fetchone() == (0,)
    with Engine(Settings(PACE_DB=db)) as eng:
        valued = catalog.with_values(eng)
        got = eng.run_query(valued, MetricQuery(metrics=["effective_cost_usd"], group_by=[{"dimension": "sub_account"}],
                                                time_range={"start": "2024-01-01", "end": "2025-01-01"}))
    assert {r[0]: r[1] for r in got.rows} == {k: pytest.approx(v, abs=1e-6) for k, v in want.items()}
