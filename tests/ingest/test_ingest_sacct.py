"""Slurm sacct --parsable2 output -> jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

SACCT = FIXTURES / "sacct_sample.txt"


def test_sacct_jobs_states_and_queue_wait(db: Path) -> None:
    s = ingest(SACCT, "sacct", db)
    assert s.skipped == {"job_steps": 3, "jobs_without_gpus": 1}
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (14, 8, 5, 1)
    assert s.quarantine_reasons == {
        "csv(MISSING COLUMNS)": 1, "order(start_at,end_at)": 1, "state": 1,
        "type(submit_at)": 1, "unknown_accelerator_type": 1,
    }
    jobs = {r[0]: r[1:] for r in query(
        db, "SELECT job_id, state, accelerator_type, accelerators, queue_wait_minutes, accelerator_hours FROM jobs")}
    assert jobs["slurm/1001"] == ("completed", "H100", 8, 10.0, 32.0)
    assert jobs["slurm/1002"][:3] == ("failed", "A100", 4)  # generic gres/gpu=4, type from partition
    assert jobs["slurm/1003"] == ("cancelled", "H100", 2, None, 0.0)  # never started: ReqTRES, no wait, no hours
    assert jobs["slurm/1004"][0] == "preempted"
    assert [jobs[j][0] for j in ("slurm/1005", "slurm/1006", "slurm/1007")] == ["timeout", "node_fail", "out_of_memory"]
    assert jobs["slurm/1009"][0] == "running"
    assert "newteam" in s.new_dimension_values["teams"]
    reason = query(db, "SELECT reason FROM ingest_quarantine WHERE reason LIKE 'unknown_accelerator_type%'")[0][0]
    assert "b200" in reason and "H100" in reason  # names the type and lists the known ones


def test_sacct_mapping_file_sets_cluster_team_and_partition_type(db: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("cluster: hpc-1\nteams: {newteam: atlas}\npartitions: {b200: H200}\nworkloads: {normal: training}\n")
    s = ingest(SACCT, "sacct", db, mapping_file=mapping)
    assert "unknown_accelerator_type" not in s.quarantine_reasons
    assert query(db, "SELECT team, cluster, accelerator_type, workload_type FROM jobs WHERE job_id = 'hpc-1/1010'") == [
        ("pulse", "hpc-1", "H200", "training")
    ]
    assert query(db, "SELECT team FROM jobs WHERE job_id = 'hpc-1/1003'") == [("atlas",)]


def test_cluster_and_wckey_columns(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "sacct.txt"
    f.write_text(
        "JobID|Cluster|WCKey|User|Account|Partition|State|Submit|Start|End|AllocTRES\n"
        "77|hpc-east|llm-pretrain|ann|atlas|gpu|COMPLETED|2026-11-20T08:00:00|2026-11-20T08:30:00|"
        "2026-11-20T09:30:00|cpu=8,gres/gpu:a100=2\n"
    )
    s = ingest(f, "sacct", db)
    assert (s.read, s.loaded) == (1, 1)
    assert query(db, "SELECT job_id, project, cluster, accelerator_type, accelerators, accelerator_hours FROM jobs") == [
        ("hpc-east/77", "llm-pretrain", "hpc-east", "A100", 2, 2.0)
    ]


def test_missing_sacct_columns_name_the_format(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "sacct.txt"
    f.write_text("JobID|User|State\n1|a|COMPLETED\n")
    with pytest.raises(UserError, match=r"sacct --parsable2 column\(s\): Account, Partition, Submit, Start, End, AllocTRES"):
        ingest(f, "sacct", db)
