"""The generator's per-GPU hours (gpu_hourly): they add up to the team rows, and per-GPU questions answer on a demo."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from telemetry import generator
from telemetry.gpu_hours import IDLE_MAX_BUSY, dcgm_streams, gpu_rows
from telemetry.streams import SCALES, Scale, fleet_streams

TEAM_KEY = "hour, team, project, cluster, accelerator_type, workload_type"


@pytest.fixture(scope="module")
def con(demo_db: Path):
    with duckdb.connect(str(demo_db), read_only=True) as c:
        yield c


def test_gpu_rows_add_up_to_the_team_rows(con) -> None:
    """What the DCGM ingest would sum from these GPU rows is what utilization_hourly holds."""
    worst = con.execute(f"""
        WITH g AS (SELECT {TEAM_KEY}, sum(observed_hours) AS a, sum(observed_hours * gpu_util_pct / 100) AS b,
                          sum(observed_hours * sm_active) / sum(observed_hours) AS sm,
                          sum(observed_hours * fb_used_mib) / sum(observed_hours) / 1024 AS mem, sum(energy_kwh) AS e
                   FROM gpu_hourly GROUP BY ALL)
        SELECT count(*), max(abs(g.a - u.allocated_hours)), max(abs(g.b - u.busy_hours) / u.allocated_hours),
               max(abs(g.sm - u.sm_active)), max(abs(g.mem - u.memory_used_gb)), max(abs(g.e - u.energy_kwh))
        FROM g FULL JOIN (SELECT * FROM utilization_hourly WHERE accelerator_type IN ('H100', 'H200', 'A100', 'L40S')) u
            USING ({TEAM_KEY})""").fetchone()
    rows, alloc, busy_share, sm, mem, energy = worst
    team_rows = con.execute("SELECT count(*) FROM utilization_hourly WHERE accelerator_type IN "
                            "('H100', 'H200', 'A100', 'L40S')").fetchone()[0]
    assert rows == team_rows > 0  # every NVIDIA team row has GPUs, and no GPU row lacks a team row
    assert alloc < 1e-9 and busy_share < 1e-5 and sm < 1e-4 and mem < 1e-3 and energy < 1e-4


def test_only_nvidia_data_center_gpus_and_values_in_dcgm_ranges(con) -> None:
    types = {r[0] for r in con.execute("SELECT DISTINCT accelerator_type FROM gpu_hourly").fetchall()}
    assert types == {"H100", "H200", "A100", "L40S"}  # DCGM exports neither TPUs, Inferentia, MI300X nor Jetson
    bad = con.execute("""SELECT count(*) FROM gpu_hourly WHERE gpu_util_pct NOT BETWEEN 0 AND 100
        OR sm_active NOT BETWEEN 0 AND 1 OR observed_hours NOT BETWEEN 0 AND 1 OR observed_hours = 0
        OR fb_used_mib < 0 OR fb_free_mib < 0 OR power_w < 0 OR n_samples < 1
        OR tensor_active IS NOT NULL OR dram_active IS NOT NULL OR team IS NULL OR pod IS NULL""").fetchone()[0]
    assert bad == 0


def test_a_gpu_is_one_device_and_some_sit_idle_all_day(con) -> None:
    split = con.execute("""SELECT count(*) FROM (SELECT gpu_uuid FROM gpu_hourly GROUP BY gpu_uuid
        HAVING count(DISTINCT (host, gpu_index, cluster, accelerator_type)) > 1)""").fetchone()[0]
    assert split == 0
    assert con.execute("SELECT count(*) FROM (SELECT DISTINCT hour, gpu_uuid FROM gpu_hourly)").fetchone()[0] == \
        con.execute("SELECT count(*) FROM gpu_hourly").fetchone()[0]  # one pod per GPU and hour
    idle, gpus = con.execute("""SELECT count(*) FILTER (top < 5), count(*) FROM (SELECT gpu_uuid, max(gpu_util_pct) AS top
        FROM gpu_hourly WHERE hour >= TIMESTAMP '2026-11-22' GROUP BY gpu_uuid)""").fetchone()
    assert 0 < idle < 0.1 * gpus


def test_generated_coverage_spans_the_whole_demo(con) -> None:
    row = con.execute("SELECT data_start, data_end FROM pace_coverage WHERE table_name = 'gpu_hourly'").fetchone()
    assert row == con.execute("SELECT data_start, data_end FROM pace_meta").fetchone()
    first, last = con.execute("SELECT min(hour), max(hour) FROM gpu_hourly").fetchone()
    assert first == row[0] and last == datetime(2026, 11, 22, 23)


def _chunk(streams, n_hours: int, seed: int = 3) -> pa.Table:
    return generator.utilization_chunk(streams, datetime(2026, 1, 1), 0, n_hours, n_hours, seed, 0, [])


def test_rows_do_not_depend_on_how_hours_are_sliced() -> None:
    streams = fleet_streams(SCALES["demo"], 72)
    util, ok, start = _chunk(streams, 72), dcgm_streams(streams), datetime(2026, 1, 1)
    whole = gpu_rows(util, streams, ok, 0, 72, 7, start)
    parts = pa.concat_tables([gpu_rows(util, streams, ok, lo, hi, 7, start) for lo, hi in ((0, 30), (30, 72))])
    assert whole.num_rows == parts.num_rows > 0
    for name in ("gpu_uuid", "gpu_util_pct", "energy_kwh"):
        assert whole[name].to_pylist() == parts[name].to_pylist()
    assert gpu_rows(util, streams, ok, 0, 72, 8, start)["gpu_util_pct"] != whole["gpu_util_pct"]


def test_idle_gpus_only_where_the_others_can_carry_the_busy_hours() -> None:
    """A near-saturated stream keeps every GPU busy; idle GPUs stay under the idle share."""
    streams = fleet_streams(SCALES["demo"], 48)
    util = _chunk(streams, 48)
    busy = pa.compute.multiply(util["allocated_hours"], 0.99)
    util = util.set_column(util.schema.get_field_index("busy_hours"), "busy_hours", busy)
    rows = gpu_rows(util, streams, dcgm_streams(streams), 0, 48, 7, datetime(2026, 1, 1))
    share = np.asarray(rows["gpu_util_pct"]) / 100
    observed = np.asarray(rows["observed_hours"])
    assert share[observed == 1].min() > 0.97  # no room for an idle GPU: none is idle
    assert np.isclose((share * observed).sum(), float(pa.compute.sum(pa.compute.filter(
        busy, dcgm_streams(streams)[np.asarray(util["s"])]))), rtol=1e-6)  # shares are rounded to 1e-5
    assert IDLE_MAX_BUSY < 0.05


def test_a_narrower_window_is_recorded_and_questions_before_it_have_no_data(tmp_path: Path, monkeypatch) -> None:
    from semantic_layer.catalog import load_catalog
    from semantic_layer.coverage import covered_period, partial, uncovered

    monkeypatch.setitem(generator.SCALES, "demo", Scale("demo", 20, 1, 1, 1, 3))
    path = tmp_path / "window.duckdb"
    generator.generate(path, scale="demo", seed=7, end=date(2026, 6, 1))
    with duckdb.connect(str(path), read_only=True) as c:
        spans = covered_period(c, "gpu_hourly", "hour")
        assert [(s.start, s.end) for s in spans] == [(datetime(2026, 5, 29), datetime(2026, 6, 1))]
        assert c.execute("SELECT min(hour) FROM gpu_hourly").fetchone()[0] == datetime(2026, 5, 29)
        gap = uncovered(c, load_catalog(), ["idle_gpu_hours_threshold"], datetime(2026, 5, 18), datetime(2026, 5, 25))
        assert gap is not None and "gpu_hourly" in gap and "2026-05-29 to 2026-05-31" in gap
        assert uncovered(c, load_catalog(), ["idle_gpu_hours_threshold"], datetime(2026, 5, 30), datetime(2026, 5, 31)) is None
        # A period the window covers only in part is answered with a note saying so; tables that hold the
        # whole warehouse period, and periods running past the data's end, get none.
        note = partial(c, load_catalog(), ["idle_gpu_hours_threshold"], datetime(2026, 5, 25), datetime(2026, 6, 1))
        assert note is not None and "covers only part" in note and "2026-05-29 to 2026-05-31" in note
        assert partial(c, load_catalog(), ["utilization_pct"], datetime(2026, 5, 25), datetime(2026, 6, 1)) is None
        assert partial(c, load_catalog(), ["idle_gpu_hours_threshold"], datetime(2026, 5, 30), datetime(2026, 6, 8)) is None
