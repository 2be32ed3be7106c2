"""A two-hour dcgm-exporter scrape series (tests/fixtures/dcgm_series.prom): per-GPU grain and NVIDIA's field meanings.

The fixture: node-a has two profiled H100s (atlas training at GPU_UTIL 90% then 70%, helix serving at
3% then 5%), node-b two A100s without profiling fields (data at 30% then 10%, and one unallocated at
0%), node-c an H100 whose exporter sends framebuffer only (orion). Scrapes every 15 minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import answer
from core.settings import Settings
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

SERIES = FIXTURES.parent / "dcgm_series.prom"
MAPPING = FIXTURES / "dcgm_mapping.yaml"
DAY = "on 2025-11-20"


@pytest.fixture
def loaded(db: Path) -> Path:
    ingest(SERIES, "dcgm", db, mapping_file=MAPPING)
    return db


def _ask(db: Path, question: str):
    return answer(question, planner="offline", settings=Settings(PACE_DB=db))


def test_every_gpu_hour_is_kept_with_its_owner(loaded: Path) -> None:
    rows = query(loaded, "SELECT hour::VARCHAR, gpu_uuid, host, team, gpu_util_pct, sm_active, fb_used_mib "
                         "FROM gpu_hourly ORDER BY 1, 2")
    assert len(rows) == 10  # 5 GPUs x 2 hours
    first = {r[1]: r[2:] for r in rows if r[0] == "2025-11-20 00:00:00"}
    assert first["GPU-a0"] == ("node-a", "atlas", 90.0, pytest.approx(0.7), 65536.0)
    assert first["GPU-b0"] == ("node-b", "data", 30.0, None, 20480.0)  # no profiling fields: NULL, not 0
    assert first["GPU-b1"] == ("node-b", None, 0.0, None, 0.0)  # unallocated GPU kept, owner empty
    assert first["GPU-c0"] == ("node-c", "orion", None, None, 40960.0)  # framebuffer only


def test_busy_is_the_mean_of_gpu_util_not_a_flag(loaded: Path) -> None:
    busy = dict(query(loaded, "SELECT team, round(sum(busy_hours), 4) FROM utilization_hourly GROUP BY 1"))
    # atlas and helix are profiled: GR_ENGINE_ACTIVE; data has GPU_UTIL only: (30% + 10%) / 100 of 2 hours
    assert busy == {"atlas": 1.5, "helix": 0.08, "data": 0.4, "orion": None}
    # memory-only hours are not measured for activity, not idle
    assert query(loaded, "SELECT count(*) FROM utilization_hourly WHERE team = 'orion' AND idle_hours IS NULL") == [(2,)]
    gib = query(loaded, "SELECT DISTINCT memory_used_gb FROM utilization_hourly WHERE team = 'atlas'")
    assert gib == [(64.0,)]  # 65,536 MiB = 64 GiB


def test_mean_gpu_utilization_and_not_measured_fields(loaded: Path) -> None:
    mean = _ask(loaded, f"mean gpu utilization {DAY}")
    assert mean.status == "answered", mean.text
    assert mean.rows[0][0] == pytest.approx((90 + 70 + 3 + 5 + 30 + 10 + 0 + 0) / 8)
    sm = _ask(loaded, f"per gpu sm activity for team data {DAY}")
    assert sm.status == "no_data" and "not measured" in sm.text.lower(), sm.text
    profiled = _ask(loaded, f"per gpu sm activity for team atlas {DAY}")
    assert profiled.status == "answered" and profiled.rows[0][0] == pytest.approx(60.0)


def test_idle_gpu_hours_under_a_threshold_state_the_rule(loaded: Path) -> None:
    default = _ask(loaded, f"idle gpu hours under 5% {DAY}")
    assert default.status == "answered", default.text
    # helix at 3% (5% is not under 5%) and the unallocated A100 twice; orion has no GPU_UTIL
    assert default.rows == [[3.0]]
    assert "below 5%" in default.text
    wider = _ask(loaded, f"GPU-hours under 12% utilization {DAY}")
    assert wider.metric_query["parameters"] == {"idle_below_pct": 12.0}
    assert wider.rows == [[5.0]] and "below 12%" in wider.text  # + helix at 5% and data at 10%
    unused = _ask(loaded, f"unused capacity {DAY}")
    assert unused.metric_query["metrics"] == ["idle_hours"] and "allocated minus busy" in unused.text


def test_gpus_idle_all_day_and_gpu_count(loaded: Path) -> None:
    idle = _ask(loaded, f"how many gpus sat idle all day {DAY}")
    assert idle.metric_query["metrics"] == ["gpus_idle_all_day"], idle.text
    assert idle.rows == [[1.0]]  # only the unallocated A100; helix reached 5% in its second hour
    count = _ask(loaded, f"how many gpus {DAY}")
    assert count.metric_query["metrics"] == ["gpu_count"] and count.rows == [[5]]


def test_per_gpu_top_n(loaded: Path) -> None:
    top = _ask(loaded, f"top 2 devices by mean gpu utilization {DAY}")
    assert top.status == "answered", top.text
    assert [r[0] for r in top.rows] == ["GPU-a0", "GPU-b0"]


def test_reingest_adds_nothing(loaded: Path) -> None:
    again = ingest(SERIES, "dcgm", loaded, mapping_file=MAPPING)
    assert again.loaded == 0 and again.duplicates == again.read
    assert query(loaded, "SELECT count(*) FROM gpu_hourly") == [(10,)]


def test_a_second_file_for_the_same_hour_adds_its_gpus(db: Path, tmp_path: Path) -> None:
    lines = [line for line in SERIES.read_text().splitlines() if 'UUID="GPU-a0"' in line]
    first, second = tmp_path / "node-a.prom", tmp_path / "node-a2.prom"
    first.write_text("\n".join(lines) + "\n")  # atlas on GPU-a0
    second.write_text("\n".join(line.replace("GPU-a0", "GPU-a9") for line in lines) + "\n")  # atlas on another GPU
    ingest(first, "dcgm", db, mapping_file=MAPPING)
    ingest(second, "dcgm", db, mapping_file=MAPPING)
    ingest(second, "dcgm", db, mapping_file=MAPPING)  # again: nothing changes
    rows = query(db, "SELECT hour::VARCHAR, allocated_hours, round(busy_hours, 4), round(sm_active, 4), memory_used_gb "
                     "FROM utilization_hourly WHERE team = 'atlas' ORDER BY 1")
    assert rows == [("2025-11-20 00:00:00", 2.0, 1.7, 0.7, 64.0), ("2025-11-20 01:00:00", 2.0, 1.3, 0.5, 64.0)]


def test_rollups_follow_each_file_and_keep_the_days_it_did_not_touch(loaded: Path, tmp_path: Path) -> None:
    later = tmp_path / "two_days_later.prom"  # the sample's two scrapes, moved two days on
    text = (FIXTURES / "dcgm_sample.prom").read_text()
    later.write_text(text.replace("1763640000000", "1763812800000").replace("1763641800000", "1763814600000"))
    ingest(later, "dcgm", loaded, mapping_file=MAPPING)
    hourly = query(loaded, "SELECT date_trunc('day', hour), team, round(sum(allocated_hours), 9), round(sum(busy_hours), 9) "
                           "FROM utilization_hourly GROUP BY ALL ORDER BY ALL")
    assert {day.day for day, *_ in hourly} == {20, 22}
    assert query(loaded, "SELECT hour, team, round(sum(allocated_hours), 9), round(sum(busy_hours), 9) "
                         "FROM utilization_daily GROUP BY ALL ORDER BY ALL") == hourly
