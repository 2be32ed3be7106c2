"""A grouping word that names two dimensions is read as the one the asked metric can be split by; a tie asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from tests.assistant.fakes import FakeCatalog, FakeDimension, FakeMetric, ask


@dataclass
class ReachCatalog(FakeCatalog):
    """A catalog that knows which dimensions each metric reaches (as the real one does from its joins)."""

    reach: dict[str, list[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> list[str]:
        return self.reach[metric]


@pytest.fixture
def inputs() -> PlannerInputs:
    metrics = [FakeMetric("bill", "Bill total", ["bill", "spend"], unit="USD"),
               FakeMetric("calls", "Calls served", ["calls"]),
               FakeMetric("load", "Device load", ["load"], unit="%")]
    dims = [FakeDimension("line_item_service", "Billed service", ["service"], values=["Storage", "Queue"]),
            FakeDimension("serving_endpoint", "Serving endpoint", ["service", "endpoint"], values=["ranker"]),
            FakeDimension("device", "Device", ["unit"]), FakeDimension("device_model", "Device model", ["unit"]),
            FakeDimension("time", "Time", ["day"], kind="time")]
    cat = ReachCatalog({m.name: m for m in metrics}, {d.name: d for d in dims},
                       reach={"bill": ["line_item_service", "time"], "calls": ["serving_endpoint", "time"],
                              "load": ["device", "device_model", "time"]})
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))


@pytest.mark.parametrize(("question", "dimension"), [
    ("bill by service last week", "line_item_service"),  # a bill has billed services, not endpoints
    ("calls by service last week", "serving_endpoint"),  # calls have endpoints, whatever sorts first
    ("which service had the most spend last month", "line_item_service"),
])
def test_the_sense_the_metric_has_is_the_grouping(inputs: PlannerInputs, question: str, dimension: str) -> None:
    p = ask(inputs, question)
    assert p.kind == "query", p
    assert [g.dimension for g in p.query.group_by] == [dimension]


def test_two_senses_the_metric_has_are_a_question_back(inputs: PlannerInputs) -> None:
    p = ask(inputs, "load by unit last week")
    assert p.kind == "clarify" and p.replaces == "unit"
    assert p.options == ["device", "device model"]  # each option names one dimension, so the reply settles it
