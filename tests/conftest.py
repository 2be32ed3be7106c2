"""Shared fixtures: one demo warehouse per test session, and an environment scrubbed of pace's variables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings

DEMO_SEED = 7
DEMO_END = date(2026, 11, 23)
ENV_PREFIXES = ("PACE_", "OPENAI_", "SLACK_")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's keys or warehouse; user data goes to a temp dir."""
    import os

    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))  # shared per session
    monkeypatch.setenv("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-scale warehouse (seed 7, data ending 2026-11-23), built once per session; treat as read-only."""
    from telemetry.generator import generate

    path = tmp_path_factory.mktemp("warehouse") / "demo.duckdb"
    generate(path, scale="demo", seed=DEMO_SEED, end=DEMO_END)
    return path


@pytest.fixture(scope="session")
def engine(demo_db: Path) -> Iterator[Any]:
    """A hardened engine on the shared demo warehouse, one per session (read-only, like the warehouse)."""
    from semantic_layer.engine import Engine

    eng = Engine(Settings(PACE_DB=demo_db))
    yield eng
    eng.close()


@pytest.fixture
def settings(demo_db: Path) -> Settings:
    """Settings pointed at the shared demo warehouse, with no LLM configured."""
    return Settings(PACE_DB=demo_db)
