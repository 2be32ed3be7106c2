"""Fixtures for the dashboard tests: one DashboardContext and one app per module on the demo warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings


@pytest.fixture(scope="module")
def dash_ctx(demo_db: Path) -> Iterator[object]:
    from dashboards.runner import DashboardContext

    with DashboardContext(Settings(PACE_DB=demo_db)) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def shipped(dash_ctx: object) -> dict[str, object]:
    return dash_ctx.dashboards()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def client(demo_db: Path) -> Iterator[object]:
    from starlette.testclient import TestClient

    from faces.web import create_app

    with TestClient(create_app(Settings(PACE_DB=demo_db))) as c:
        yield c
