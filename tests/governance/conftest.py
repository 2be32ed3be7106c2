"""Fixtures: a private copy of the demo warehouse (its governance store sits next to it) and helpers."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from governance.policy import load_policy
from governance.service import Governance
from governance.store import Store
from core.settings import Settings


@pytest.fixture
def gov_db(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the shared demo warehouse, so this test's live requests stay its own."""
    path = tmp_path / "gov.duckdb"
    shutil.copy(demo_db, path)
    return path


@pytest.fixture
def gov_settings(gov_db: Path) -> Settings:
    return Settings(PACE_DB=gov_db)


@pytest.fixture
def gov(gov_settings: Settings) -> Governance:
    return Governance.open(gov_settings, use_forecast=False)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite", clock=lambda: datetime(2026, 11, 25, 12, 0, 0))


@pytest.fixture
def policy():  # noqa: ANN201
    return load_policy()
