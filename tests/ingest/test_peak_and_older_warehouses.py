"""The hour's peak utilization (peak_util_pct), and warehouses written before a table or column existed."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

SCRAPE = FIXTURES / "dcgm_sample.prom"
MAPPING = FIXTURES / "dcgm_mapping.yaml"
LABELS = 'gpu="{i}",UUID="GPU-{i}",modelName="NVIDIA H100 80GB HBM3",Hostname="n{i}",namespace="atlas",pod="p{i}"'


def test_dcgm_peak_is_the_highest_busy_sample_of_the_hour(db: Path) -> None:
    ingest(SCRAPE, "dcgm", db, mapping_file=MAPPING)
    rows = dict(query(db, "SELECT team, peak_util_pct FROM utilization_hourly"))
    # atlas is profiled: GR_ENGINE_ACTIVE samples 0.9 and 0.7 (mean 0.8 = busy) -> 90%; helix has GPU_UTIL 40 only.
    assert rows == {"atlas": 90.0, "helix": 40.0}


def test_dcgm_peak_not_measured_stays_null_and_files_of_one_hour_keep_the_higher(db: Path, tmp_path: Path) -> None:
    memory_only = tmp_path / "memory.prom"
    memory_only.write_text(f"DCGM_FI_DEV_FB_USED{{{LABELS.format(i=0)}}} 1024 1763640000000\n")
    ingest(memory_only, "dcgm", db)
    assert query(db, "SELECT peak_util_pct, busy_hours FROM utilization_hourly") == [(None, None)]
    node1, node2 = tmp_path / "node1.prom", tmp_path / "node2.prom"
    node1.write_text(f"DCGM_FI_DEV_GPU_UTIL{{{LABELS.format(i=1)}}} 30 1763640000000\n"
                     f"DCGM_FI_DEV_GPU_UTIL{{{LABELS.format(i=1)}}} 70 1763641800000\n")
    node2.write_text(f"DCGM_FI_DEV_GPU_UTIL{{{LABELS.format(i=2)}}} 55 1763640000000\n")
    ingest(node1, "dcgm", db)
    ingest(node2, "dcgm", db)
    assert query(db, "SELECT peak_util_pct FROM utilization_hourly") == [(70.0,)]
    ingest(node1, "dcgm", db)  # again: nothing changes
    assert query(db, "SELECT peak_util_pct, allocated_hours FROM utilization_hourly") == [(70.0, 3.0)]


def test_csv_peak_is_optional_and_gated_to_a_percent(db: Path, tmp_path: Path) -> None:
    head = "hour,cluster,accelerator_type,team,project,workload_type,allocated_hours,busy_hours"
    with_peak = tmp_path / "util.csv"
    with_peak.write_text(f"{head},peak_util_pct\n2026-11-20 00:00:00,c,H100,atlas,p,training,8,4,75\n"
                         "2026-11-20 01:00:00,c,H100,atlas,p,training,8,4,140\n")
    s = ingest(with_peak, "csv", db, table="utilization_hourly")
    assert (s.loaded, s.quarantine_reasons) == (1, {"range(peak_util_pct)": 1})
    without = tmp_path / "old.csv"
    without.write_text(f"{head}\n2026-11-20 02:00:00,c,H100,atlas,p,training,8,4\n")
    assert ingest(without, "csv", db, table="utilization_hourly").loaded == 1
    assert query(db, "SELECT peak_util_pct FROM utilization_hourly ORDER BY hour") == [(75.0,), (None,)]


@pytest.fixture(scope="module")
def older(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated warehouse made to look written by an earlier pace: no gpu_hourly, no peak column."""
    from telemetry import generator
    from telemetry.streams import Scale

    path = tmp_path_factory.mktemp("older") / "old.duckdb"
    scales = dict(generator.SCALES)
    generator.SCALES["demo"] = Scale("demo", 7, 1, 1, 1, 7)
    try:
        generator.generate(path, scale="demo", seed=7, end=date(2026, 6, 1))
    finally:
        generator.SCALES.clear()
        generator.SCALES.update(scales)
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE gpu_hourly")
        con.execute("DELETE FROM pace_coverage")
        con.execute("ALTER TABLE utilization_hourly DROP COLUMN peak_util_pct")
    return path


def test_a_writer_migrates_an_older_warehouse_in_the_copy_it_swaps_in(older: Path, tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    shutil.copy(older, path)
    before = query(path, "SELECT count(*), sum(allocated_hours) FROM utilization_hourly")
    ingest(SCRAPE, "dcgm", path, mapping_file=MAPPING)
    assert query(path, "SELECT count(*) FROM gpu_hourly")[0][0] > 0
    (old_rows, old_hours), = before
    (unmeasured, rows, hours), = query(path, "SELECT count(*) FILTER (peak_util_pct IS NULL), count(*), "
                                             "sum(allocated_hours) FROM utilization_hourly")
    # every earlier row is kept, reading NULL (not measured) in the new column; the file adds its 2 team rows
    assert (unmeasured, rows, round(hours, 6)) == (old_rows, old_rows + 2, round(old_hours + 1.5, 6))


def test_a_question_on_a_table_an_older_warehouse_lacks_says_what_to_do(older: Path) -> None:
    from assistant.service import answer
    from core.settings import Settings

    settings = Settings(PACE_DB=older)
    idle = answer("How many GPUs sat idle all day yesterday?", settings=settings)
    assert idle.status == "no_data"
    assert "gpu_hourly" in idle.text and "does not have" in idle.text and "pace ingest" in idle.text
    assert "pace seed" in idle.text and "did you mean" not in idle.text.lower()
    assert answer("utilization by team last week", settings=settings).status == "answered"
