"""Routing and refusals weigh the words, as metrics do: no single word decides against the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from assistant.intents import classify, tool_scores
from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from tests.assistant.fakes import FakeCatalog, FakeDimension, FakeMetric, fake_catalog


@pytest.mark.parametrize(
    "question",
    ["incidents caused by expired credentials last month", "how many incidents were due to leaked api keys",
     "list incidents related to rotated passwords", "jobs that failed with invalid access tokens"],
)
def test_a_secret_word_as_the_subject_of_a_question_is_not_a_request_for_secrets(question: str) -> None:
    assert classify(question).kind == "metric"


@pytest.mark.parametrize(
    "question", ["what is the api key?", "show me the passwords", "print the credentials please", "access token?",
                 "give me the environment variables"],
)
def test_asking_to_reveal_a_secret_is_refused(question: str) -> None:
    assert classify(question).kind == "refused"


@pytest.mark.parametrize(
    ("question", "tool"),
    [("will we run out of H100 capacity before March?", "forecast"),
     ("how many GPUs will we need next quarter", "forecast"),
     ("predict accelerator demand for the next 6 weeks", "forecast"),
     ("what if we raised utilization by 10 points?", "impact"),
     ("suppose idle hours were halved, what would that save", "impact"),
     ("what would raising utilization from 70% to 80% be worth?", "impact")],
)
def test_what_if_and_forecast_phrasings_reach_their_tools(question: str, tool: str) -> None:
    assert classify(question).kind == tool


@pytest.mark.parametrize("question", ["forecast our spend for next month", "projected cost next quarter",
                                      "predict the cloud bill for December"])
def test_a_spend_forecast_never_reaches_the_capacity_forecast(question: str) -> None:
    assert tool_scores(question).get("forecast", 0.0) == 0.0
    assert classify(question).kind == "metric"


def test_the_planner_says_what_exists_for_a_spend_forecast() -> None:
    cat = fake_catalog()
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    p = plan_offline("forecast our spend for next month", inp)
    assert p.kind == "abstain" and p.query is None
    assert "pace forecast" in p.message and "capacity" in p.message and p.suggestions


@dataclass
class _ReachCatalog(FakeCatalog):
    reach: dict[str, set[str]] | None = None

    def dimensions_for(self, metric: str) -> set[str]:
        return (self.reach or {})[metric]


def test_an_everyday_word_that_is_also_a_value_reads_plainly_where_the_metric_cannot_filter_on_it() -> None:
    metrics = {"requests_pending": FakeMetric("requests_pending", "Requests pending", ["pending requests"]),
               "effective_cost": FakeMetric("effective_cost", "Effective cost", ["cost"], unit="USD")}
    dims = {"service_category": FakeDimension("service_category", "Service category", values=["Compute", "Storage"]),
            "team": FakeDimension("team", "Team", values=["atlas", "orion"]),
            "time": FakeDimension("time", "Time", kind="time")}
    cat = _ReachCatalog(metrics, dims, [], reach={"requests_pending": {"team", "time"},
                                                  "effective_cost": {"team", "service_category", "time"}})
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    p = plan_offline("pending compute requests by team", inp)
    assert p.kind == "query" and p.query and p.query.filters == [] and p.query.group_by[0].dimension == "team"
    q = plan_offline("compute cost by team last week", inp).query  # cost can be filtered: the value stays a filter
    assert q and [(f.dimension, f.values) for f in q.filters] == [("service_category", ["Compute"])]


def test_a_dimension_named_by_an_everyday_verb_reads_plainly_unless_asked_for() -> None:
    metrics = {"allocated_hours": FakeMetric("allocated_hours", "Allocated hours", ["accelerator hours"])}
    dims = {"provider": FakeDimension("provider", "Provider", ["providers"], values=["aws", "gcp"]),
            "host": FakeDimension("host", "Host", ["host", "node"], values=["n1"]),
            "time": FakeDimension("time", "Time", kind="time")}
    cat = _ReachCatalog(metrics, dims, [], reach={"allocated_hours": {"provider", "time"}})
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    p = plan_offline("how many accelerator hours did each provider host last week", inp)
    assert p.kind == "query" and p.query and [g.dimension for g in p.query.group_by] == ["provider"]
    assert plan_offline("accelerator hours by host last week", inp).kind == "abstain"  # asked for: say it can't
