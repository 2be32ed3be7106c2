"""Fixtures for the ops tools: a second warehouse (seed 11) so detectors are not tuned to one seed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.settings import Settings


@pytest.fixture(scope="session")
def seed11_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-scale warehouse with seed 11 (same end date as the shared one); read-only."""
    from telemetry.generator import generate

    path = tmp_path_factory.mktemp("warehouse11") / "demo11.duckdb"
    generate(path, scale="demo", seed=11, end=date(2026, 11, 23))
    return path


@pytest.fixture(scope="session")
def demo_scan(demo_db: Path):  # type: ignore[no-untyped-def]
    """One full scan of the shared demo warehouse, reused by the scan and CLI tests."""
    from tools.scan import scan

    return scan(Settings(PACE_DB=demo_db))
