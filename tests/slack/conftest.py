"""Fixtures: a mock Slack Web API, the app over HTTP, and a fast fake answer function."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from assistant.models import Answer, MetricInfo, Period, Provenance
from faces.slack import create_app
from faces.slack.config import SlackConfig
from core.settings import Settings
from tests.slack.harness import SECRET, AppServer
from tests.slack.mock_api import MockSlackApi

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def mock_api() -> Iterator[MockSlackApi]:
    api = MockSlackApi()
    yield api
    api.close()


@pytest.fixture
def chart_png(tmp_path: Path) -> Path:
    path = tmp_path / "chart.png"
    path.write_bytes(PNG)
    return path


@pytest.fixture
def fake_answer(chart_png: Path) -> Callable[..., Answer]:
    """A cost-by-team answer with SQL, a chart and a USD metric; records its calls."""
    calls: list[dict[str, Any]] = []

    def answer(question: str, **kw: Any) -> Answer:
        calls.append({"question": question, **kw})
        if "boom" in question:
            raise RuntimeError("planner exploded")
        return Answer(
            question=question, status="answered",
            text="Effective cost by team last week: atlas $148,605, orion $103,961.",
            columns=["team", "effective_cost_usd", "utilization_pct"],
            rows=[["atlas", 148604.7, 87.4], ["orion", 103961.1, 74.1]],
            sql="SELECT team, SUM(EffectiveCost) FROM cost_daily GROUP BY 1", chart=str(chart_png),
            period=Period(start="2026-11-16", end="2026-11-23", label="last week"), thread=kw.get("thread_id", ""),
            provenance=Provenance(metrics=[MetricInfo(name="effective_cost_usd", label="Effective cost",
                                                      description="d", unit="USD")], period="2026-11-16 to 2026-11-22",
                                  freshness="data to 2026-11-23", trusted=True))

    answer.calls = calls  # type: ignore[attr-defined]
    return answer


@pytest.fixture
def slack_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET, "slack_bot_token": "xoxb-test"})


@pytest.fixture
def serve(mock_api: MockSlackApi, slack_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """serve(answer_fn=..., config=..., tools=...) -> AppServer; every server is closed after the test."""
    servers: list[AppServer] = []

    def make(**kwargs: Any) -> AppServer:
        kwargs.setdefault("config", SlackConfig())
        kwargs.setdefault("tools", {})
        kwargs.setdefault("state_file", tmp_path / "slack-state.sqlite")
        settings = kwargs.pop("settings", slack_settings)
        client = WebClient(token="xoxb-test", base_url=mock_api.api_url)
        server = AppServer(create_app(settings, client=client, **kwargs))
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.close()
