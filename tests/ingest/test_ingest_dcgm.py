"""DCGM exporter scrapes -> hourly utilization per team."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

SCRAPE = FIXTURES / "dcgm_sample.prom"
MAPPING = FIXTURES / "dcgm_mapping.yaml"


def test_dcgm_aggregates_samples_to_hourly_rows(db: Path) -> None:
    s = ingest(SCRAPE, "dcgm", db, mapping_file=MAPPING)
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (22, 18, 4, 0)
    assert s.quarantine_reasons == {"parse": 1, "range(value)": 1, "type(value)": 1, "unknown_accelerator_type": 1}
    assert s.rows_written == 2
    rows = {r[0]: r[1:] for r in query(
        db, "SELECT team, cluster, accelerator_type, project, workload_type, allocated_hours, busy_hours, "
        "round(sm_active, 3), round(memory_used_gb, 3), round(energy_kwh, 4) FROM utilization_hourly")}
    # H100 pod seen in both scrapes: fully allocated, busy = mean GR_ENGINE_ACTIVE, 65 GiB, 660.5 W for an hour.
    assert rows["atlas"] == ("us-west-onprem", "H100", "llm-pretrain", "training", 1.0, 0.8, 0.7, 65.0, 0.6605)
    # A100 pod in one of two scrapes: half allocated; busy = GPU_UTIL 40% of the half hour (not "busy if > 0");
    # team from the mapping file.
    assert rows["helix"] == ("us-west-onprem", "A100", "ranker", "online-inference", 0.5, 0.2, 0.3, 20.0, 0.105)


def test_dcgm_quarantine_keeps_the_raw_line(db: Path) -> None:
    ingest(SCRAPE, "dcgm", db, mapping_file=MAPPING)
    (line, raw), = query(db, "SELECT line, raw FROM ingest_quarantine WHERE reason LIKE 'parse%'")
    assert raw == SCRAPE.read_text().splitlines()[line - 1]


def test_dcgm_latin1_file_is_a_clear_error(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "scrape.prom"
    bad.write_bytes('DCGM_FI_DEV_GPU_UTIL{gpu="0",modelName="caf\xe9"} 1\n'.encode("latin-1"))
    with pytest.raises(UserError, match="not UTF-8"):
        ingest(bad, "dcgm", db)


def test_dcgm_without_namespace_needs_a_mapping(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "s.prom"
    f.write_text('DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="GPU-1",modelName="NVIDIA H200",pod="p"} 0.5 1763640000000\n')
    s = ingest(f, "dcgm", db)
    assert s.quarantine_reasons == {"required(team)": 1}


def test_energy_counter_and_samples_without_timestamps(db: Path, tmp_path: Path) -> None:
    labels = 'gpu="0",UUID="GPU-9",modelName="NVIDIA H200",Hostname="n",namespace="atlas",pod="p"'
    f = tmp_path / "energy.prom"
    f.write_text(
        f"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{labels}}} 1000000000 1763640000000\n"
        f"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{labels}}} 2800000000 1763643000000\n"
        f"DCGM_FI_DEV_FB_USED{{{labels}}} +Inf 1763643000000\n"
    )
    s = ingest(f, "dcgm", db)
    assert s.quarantine_reasons == {"type(value)": 1}
    # 1.8e9 mJ over 3,000 s is a mean of 600 W; the GPU was observed for the hour: 0.6 kWh.
    assert query(db, "SELECT accelerator_type, round(energy_kwh, 3) FROM utilization_hourly") == [("H200", 0.6)]
    untimed = tmp_path / "untimed.prom"
    untimed.write_text(f"DCGM_FI_PROF_SM_ACTIVE{{{labels}}} 0.5\n")
    assert ingest(untimed, "dcgm", db).loaded == 1  # takes the file's modification time


def test_line_shapes_the_exposition_format_allows(db: Path, tmp_path: Path) -> None:
    labels = 'gpu="0",UUID="GPU-x",modelName="NVIDIA H100 80GB HBM3",namespace="atlas",pod="p"'
    f = tmp_path / "shapes.prom"
    f.write_text(
        f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} 5 1763640000000\r\n"  # CRLF line end
        "DCGM_FI_DEV_GPU_UTIL 5 1763640000000\n"  # no labels: no GPU to put it on
        "  # an indented comment\n\n"
        f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} 7 17636400000x\n"  # timestamp not an integer
        'DCGM_FI_DEV_GPU_UTIL{gpu="0" 5 1763640000000\n'  # labels never closed
    )
    s = ingest(f, "dcgm", db)
    assert (s.read, s.loaded) == (4, 1)
    assert query(db, "SELECT line, split_part(reason, ':', 1) FROM ingest_quarantine ORDER BY line") == [
        (2, "required(gpu)"), (5, "parse"), (6, "parse")]


def test_every_line_is_counted_once_as_a_sample_a_comment_or_a_quarantined_line(db: Path, tmp_path: Path) -> None:
    labels = 'gpu="0",UUID="GPU-x",modelName="NVIDIA H100 80GB HBM3",namespace="atlas",pod="p"'
    f = tmp_path / "odd.prom"
    f.write_text(
        "garbage\n"  # one word: not a sample, not a comment
        "\t# a comment after a tab\n \t \n"  # the exposition format's comment and blank line
        f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} 5 922337203685477500\n"  # milliseconds past any timestamp
        f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} 5 1763640000000\n"
    )
    s = ingest(f, "dcgm", db)
    assert (s.read, s.loaded, s.quarantined) == (3, 1, 2)
    assert query(db, "SELECT line, split_part(reason, ':', 1), raw FROM ingest_quarantine ORDER BY line") == [
        (1, "parse", "garbage"), (4, "time(ts)", f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} 5 922337203685477500")]


def test_every_field_pace_reads_is_aggregated_per_gpu_hour() -> None:
    from telemetry.ingest.dcgm import FIELDS, GPU_HOURS, GPU_HOURS_FIELDS

    assert sorted(GPU_HOURS_FIELDS.values()) == sorted(FIELDS)
    for param, field in GPU_HOURS_FIELDS.items():
        column = FIELDS[field][0]
        assert f"${param}" in GPU_HOURS and (column == "energy_mj" or f"FILTER (metric = ${param}) AS {column}" in GPU_HOURS)


def test_the_gate_reasons_read_as_the_shared_gates_write_them() -> None:
    from telemetry.ingest import gates as g
    from telemetry.ingest.dcgm import _reason

    def rules() -> tuple[g.Gate, ...]:
        return (g.Gate("parse", "bad IS NOT NULL", "'not a sample'"), g.printable("team"), g.plausible_time("ts"))

    assert g.sql(_reason(rules())) == g.reason_sql(rules())
