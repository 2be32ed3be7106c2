"""Ingest tests start from an empty warehouse: the first ingest creates the schema and the accelerator catalog."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Path of a warehouse that does not exist yet."""
    return tmp_path / "w.duckdb"
