"""A warehouse a new user builds from their own exports: `pace seed --empty`, then `pace ingest` per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from telemetry.ingest import ingest
from telemetry.warehouse import create_empty
from tests.realdata import raw


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FOCUS bill, both sacct dumps (in order) and the DCGM scrape, no mapping file: nothing generated."""
    db = create_empty(tmp_path_factory.mktemp("realdata") / "w.duckdb")
    ingest(raw.FOCUS, "focus", db)
    for dump in raw.SACCT:
        ingest(dump, "sacct", db)
    ingest(raw.DCGM, "dcgm", db)
    return db
