"""The --mapping file: YAML or CSV, with errors that say what shape is expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from telemetry.ingest import ingest
from telemetry.ingest.mapping import load_mapping
from tests.ingest.support import FIXTURES, query


def test_csv_mapping(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("source,team,project,workload_type\nserving,helix,ranker,online-inference\nml,atlas,,\n")
    assert load_mapping(f) == [
        ("team", "serving", "helix"), ("project", "serving", "ranker"), ("workload", "serving", "online-inference"),
        ("team", "ml", "atlas"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "teams: [a, b]\n", "unknown or malformed section"),
        ("bad2.yaml", "colors: {a: b}\n", "unknown or malformed section"),
        ("bad3.yaml", "teams: {a: [\n", "not valid YAML"),
        ("bad.csv", "namespace,owner\nx,y\n", "source,team"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(UserError, match=message):
        load_mapping(f)


def test_mapping_file_must_exist(db: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="mapping file"):
        ingest(FIXTURES / "dcgm_sample.prom", "dcgm", db, mapping_file=tmp_path / "none.yaml")


def test_dcgm_without_mapping_uses_namespace_and_unknown_cluster(db: Path) -> None:
    ingest(FIXTURES / "dcgm_sample.prom", "dcgm", db)
    assert query(db, "SELECT team, project, cluster, workload_type FROM utilization_hourly ORDER BY team") == [
        ("atlas", "atlas", "unknown", "unknown"), ("serving", "serving", "unknown", "unknown"),
    ]
