"""Spark fixtures: one Parquet export of the demo warehouse and one Spark session for the whole run.

Without Java (or pyspark) every Spark test is skipped with that reason. The full parity suite is
marked `spark_full` and runs with `pytest -m spark_full tests/spark` (`make test-spark`); a plain
run skips it with a reason that says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from semantic_layer.engine import Engine
from core.settings import Settings

FULL_REASON = "full Spark parity suite: run `make test-spark` (pytest -m spark_full tests/spark)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip `spark_full` tests unless they were asked for by marker expression or PACE_SPARK_FULL=1."""
    wanted = "spark_full" in (config.getoption("markexpr") or "") or os.environ.get("PACE_SPARK_FULL") == "1"
    if wanted:
        return
    for item in items:
        if item.get_closest_marker("spark_full") is not None:
            item.add_marker(pytest.mark.skip(reason=FULL_REASON))


@pytest.fixture(scope="session")
def spark_export(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse exported as day-partitioned Parquet (what `pace export` writes)."""
    from telemetry.export import export_parquet

    out = tmp_path_factory.mktemp("export") / "demo.parquet"
    export_parquet(demo_db, out, partition_by="day")
    return out


@pytest.fixture(scope="session")
def spark_settings(demo_db: Path, spark_export: Path) -> Settings:
    return Settings(PACE_DB=demo_db, PACE_ENGINE="spark", PACE_WAREHOUSE_PATH=str(spark_export), PACE_QUERY_TIMEOUT_S=300)


@pytest.fixture(scope="session")
def spark_engine(spark_settings: Settings) -> Iterator[object]:
    """The Spark engine on the export; skipped, with the reason, where Java or pyspark is missing."""
    from semantic_layer.spark_engine import SparkEngine, java_problem

    problem = java_problem()
    if problem:
        pytest.skip(problem)
    engine = SparkEngine(spark_settings)
    engine.session([])
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def duck_engine(demo_db: Path) -> Iterator[Engine]:
    engine = Engine(Settings(PACE_DB=demo_db))
    yield engine
    engine.close()
