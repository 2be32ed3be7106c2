"""Fixtures for the eval tests: the LLM replay uses the assistant tests' `openai_turn` vcr matcher; the question
suite also runs on a second as-of date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    from tests.assistant.conftest import openai_turn

    vcr.register_matcher("openai_turn", openai_turn)


SECOND_AS_OF = date(2026, 6, 1)  # a Monday at the start of a month: empty "this week" and "this month", last month = May


@pytest.fixture(scope="session")
def second_date_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse (seed 7) with data ending 2026-06-01, so relative questions mean other dates."""
    from telemetry.generator import generate

    path = tmp_path_factory.mktemp("warehouse-second-date") / "demo.duckdb"
    generate(path, scale="demo", seed=7, end=SECOND_AS_OF)
    return path
