"""Unit words: the unit asked is converted exactly or refused, and a unit word is never a second metric.

A small catalog with one metric per unit family (USD, kWh, W, GiB, %, accelerator-hours) and the memory
twins (GiB in use and % of capacity sharing their everyday synonyms), on two as-of dates, so each test
proves the rule for every unit rather than one sentence.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from assistant.planner.units import UNIT_ASK, asked_unit
from assistant.planner.words import UNIT_WORDS
from semantic_layer.derived import UNITS, conversion_factor, shown_unit
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m

AS_OF = [date(2026, 11, 23), date(2026, 6, 1)]
MEMORY_WORDS = ["memory", "gpu memory", "vram", "hbm"]


def catalog() -> MeasuredCatalog:
    sums = {"cost": ("Effective cost", ["cost", "spend"], "USD"), "energy_kwh": ("Energy", ["energy", "kwh", "electricity"], "kWh"),
            "gpu_hours": ("Allocated accelerator-hours", ["gpu hours", "accelerator hours"], "accelerator-hours")}
    measures = [Measure(n, "facts", "sum") for n in sums] + [Measure(n, "facts", "sum") for n in ("mem", "cap", "wh", "busy")]
    metrics = [_m(n, label, syn, n, unit) for n, (label, syn, unit) in sums.items()]
    metrics += [_m("mem_gib", "Memory used per accelerator", ["memory used", *MEMORY_WORDS], "mem", "GiB", kind="ratio"),
                _m("mem_pct", "Memory used share", ["memory utilization", *MEMORY_WORDS], "cap", "%", kind="ratio"),
                _m("mean_power_w", "Mean power draw per accelerator", ["power draw", "power"], "wh", "W", kind="ratio"),
                _m("utilization_pct", "Utilization", ["utilization"], "busy", "%", kind="ratio")]
    metrics[4].unit_form_of = ["mem_gib"]  # type: ignore[attr-defined]
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["east", "west"]), FakeDimension("time", "Time", kind="time")]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


def plan(q: str, today: date) -> PlannerPlan:
    cat = catalog()
    return plan_offline(q, PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today))


@pytest.fixture(params=AS_OF, ids=lambda d: d.isoformat())
def today(request: pytest.FixtureRequest) -> date:
    return request.param


def test_every_unit_word_names_a_unit_pace_converts_or_a_metric_unit() -> None:
    assert set(UNIT_WORDS.values()) <= set(UNITS) | {"USD", "tokens"}
    for word, unit in UNIT_WORDS.items():  # each is read as a unit after 'in'
        m = UNIT_ASK.search(f"energy last week in {word}")
        assert m is not None and asked_unit(m) == unit, word


@pytest.mark.parametrize("have,want,factor", [
    ("GiB", "GB", 1024**3 / 1e9), ("GiB", "MB", 1024**3 / 1e6), ("GiB", "MiB", 1024.0), ("GiB", "TiB", 1 / 1024), ("GB", "GiB", 1e9 / 1024**3),
    ("kWh", "Wh", 1000.0), ("kWh", "MWh", 0.001), ("kWh", "GWh", 1e-6), ("W", "kW", 0.001), ("W", "MW", 1e-6),
    ("%", "fraction", 0.01), ("fraction", "%", 100.0), ("accelerator-hours", "days", 1 / 24), ("accelerator-hours", "weeks", 1 / 168),
    ("accelerator-hours", "months", 1 / 730), ("accelerator-hours", "years", 1 / 8760), ("minutes", "hours", 1 / 60),
    ("USD", "thousands", 1e-3), ("USD", "millions", 1e-6), ("USD", "billions", 1e-9),
])
def test_conversions_are_exact_and_gib_is_not_gb(have: str, want: str, factor: float) -> None:
    assert conversion_factor(have, want) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize("have,want", [("USD", "kWh"), ("GiB", "hours"), ("kWh", "kW"), ("%", "thousands"), ("W", "kWh"), ("%", "GiB")])
def test_units_of_different_dimensions_never_convert(have: str, want: str) -> None:
    assert conversion_factor(have, want) is None


@pytest.mark.parametrize("question,metric,unit", [
    ("spend last month in $k", "cost", "thousands"), ("spend last month in k usd", "cost", "thousands"),
    ("spend by team last month in millions of dollars", "cost", "millions"), ("spend last month in $m", "cost", "millions"),
    ("energy last week in wh", "energy_kwh", "Wh"), ("energy last month in gwh", "energy_kwh", "GWh"),
    ("memory used last week in gb", "mem_gib", "GB"), ("memory used last week in mib", "mem_gib", "MiB"),
    ("memory used last week in megabytes", "mem_gib", "MB"), ("how many gb of gpu memory did each team use last week", "mem_gib", "GB"),
    ("power draw last week in kw", "mean_power_w", "kW"), ("utilization last week as a fraction", "utilization_pct", "fraction"),
    ("utilization last week as a decimal", "utilization_pct", "fraction"), ("gpu-months last quarter", "gpu_hours", "months"),
    ("accelerator-years this year", "gpu_hours", "years"),
])
def test_a_unit_asked_is_converted_beside_the_metric(question: str, metric: str, unit: str, today: date) -> None:
    p = plan(question, today)
    assert p.kind == "query" and p.query is not None, p.message
    assert p.query.metrics == [metric] and p.query.convert == {metric: unit}
    assert not any("typo" in n.lower() for n in p.notes)  # 'decimal' is a unit, not a misspelt word


@pytest.mark.parametrize("metric_phrase,unit_word", [("spend", "kwh"), ("gpu hours", "kwh"), ("spend", "gb"), ("memory used", "hours"),
                                                     ("utilization", "dollars"), ("power draw", "kwh"), ("energy", "gib")])
def test_a_unit_of_another_dimension_is_refused_never_a_second_metric(metric_phrase: str, unit_word: str, today: date) -> None:
    p = plan(f"{metric_phrase} last month in {unit_word}", today)
    assert p.kind == "abstain" and p.query is None
    assert "measured in" in p.message


def test_a_unit_word_alone_still_names_its_metric(today: date) -> None:
    for q in ("energy last month in kwh", "how many kwh did we use last month", "kwh by cluster last month"):
        p = plan(q, today)
        assert p.kind == "query" and p.query is not None and p.query.metrics == ["energy_kwh"] and not p.query.convert, q


@pytest.mark.parametrize("word", MEMORY_WORDS)
def test_memory_amount_words_pick_gib_and_share_words_pick_percent(word: str, today: date) -> None:
    amount = plan(f"how much {word} did we use last week", today)
    share = plan(f"what percent of {word} was in use last week", today)
    full = plan(f"how full was {word} last week", today)
    assert amount.query is not None and amount.query.metrics == ["mem_gib"]
    assert share.query is not None and share.query.metrics == ["mem_pct"]
    assert full.query is not None and full.query.metrics == ["mem_pct"]
    assert any("read as" in n for n in amount.notes) and any("read as" in n for n in share.notes)


@pytest.mark.parametrize("word", MEMORY_WORDS)
def test_memory_with_neither_reading_asks_which(word: str, today: date) -> None:
    p = plan(f"{word} by team last week", today)
    assert p.kind == "clarify" and len(p.options) == 2


def test_total_power_in_a_power_unit_is_the_fleet_rate(today: date) -> None:
    kw = plan("total power draw last week in kw", today)
    mw = plan("total power draw last week in mw", today)
    for p in (kw, mw):
        assert p.kind == "query" and p.query is not None and p.query.metrics == ["energy_kwh"] and p.query.per == "hour"
    assert any("not MW" in n for n in mw.notes) and not any("not kW" in n for n in kw.notes)


def test_accelerator_months_say_how_long_a_month_is() -> None:
    assert "730" in shown_unit("accelerator-hours", "months") and "8,760" in shown_unit("accelerator-hours", "years")


def test_only_unit_twins_may_share_a_synonym() -> None:
    from semantic_layer.catalog_rules import check_synonyms

    loc = SimpleNamespace(file="x.yaml", line=1, key_lines={})

    def metric(name: str, forms: list[str]) -> SimpleNamespace:
        return SimpleNamespace(name=name, synonyms=["gpu memory"], unit_form_of=forms, loc=loc)

    twins = SimpleNamespace(metrics={"a": metric("a", []), "b": metric("b", ["a"])}, dimensions={})
    strangers = SimpleNamespace(metrics={"a": metric("a", []), "b": metric("b", [])}, dimensions={})
    assert check_synonyms(twins, None) == []
    assert len(check_synonyms(strangers, None)) == 1


def test_an_amount_split_as_a_fraction_is_its_share_of_the_total(today: date) -> None:
    split = plan("spend by team last month as a fraction", today)
    alone = plan("spend last month as a fraction", today)
    assert split.kind == "query" and split.query is not None and split.query.share_of_total
    assert alone.kind == "abstain" and alone.query is None  # a total is 100% of itself: say what a share needs


def test_a_percent_asked_in_an_amount_unit_is_refused_not_swapped(today: date) -> None:
    p = plan("utilization last week in hours", today)
    assert p.kind == "abstain" and p.query is None  # a percent of time 'in hours' is another quantity: never a sibling metric


def test_a_percent_asked_in_its_twins_unit_is_the_twin(today: date) -> None:
    p = plan("memory utilization last week in gib", today)  # the declared twin (unit_form_of): the same quantity in GiB
    assert p.kind == "query" and p.query is not None and p.query.metrics == ["mem_gib"]
