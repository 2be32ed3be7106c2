"""Ingest tests start from an empty pace warehouse (`pace seed --empty`): schema, no data."""

from __future__ import annotations

from pathlib import Path

import pytest

from telemetry.warehouse import create_empty


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Path of an empty pace warehouse; the first ingest adds the accelerator catalog."""
    return create_empty(tmp_path / "w.duckdb")
